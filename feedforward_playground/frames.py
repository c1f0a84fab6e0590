"""Binary frames: what the page draws, built from a session's snapshot.

A binary message is a little-endian uint32 ``H``, then ``H`` bytes of JSON
(the header, padded with spaces to a multiple of 4 bytes), then the
sections the header lists as ``[name, dtype, byte offset, count]`` (offsets
from the start of the message, each a multiple of 4), so that the page reads
each one as a typed array without a copy.

A frame (``"type": "frame"``) holds:

* ``surface``: the net's output over the plane, from ``net.feed`` at the
  (R+1)×(R+1) nodes of a grid over the domain (row 0 at the top, x2 largest;
  column 0 at the left, x1 smallest), one byte a node:
  - one output, classes 0/1: 128 + ⌊127 min(1, 2(p − ½))⌋ when p > ½ (class 1),
    else 127 − ⌊127 min(1, 2(½ − p))⌋ (class 0), so that the class is the
    byte's top bit, exactly as ``cost_functions.classes`` decides it;
  - k outputs: 32 × class (the largest output) + ⌊31.99 c⌋, c the confidence,
    (largest − 1/k) / (1 − 1/k), clipped to [0, 1];
  - regression: 255 (v − lo) / (hi − lo), clipped, lo and hi the targets' range;
  - a curve (1-D data): ``float32`` values at ``CURVE_SAMPLES`` x positions;
* ``thumbs``: each hidden unit's output over a T×T grid (or along the curve),
  one byte each, 127.5 + 127.5 a / s with ``thumb_scale`` s = max |a| per unit;
* ``params``: every parameter (float32), laid out as ``net.parameters()``.

The header carries the counts, the chart's new points, the diagnostics and
``seq``: the sequence number of the last control the frame reflects.
"""
import copy
import json
import math
import struct
import time

import numpy as np

import cost_functions
from data_source import PreloadSource
from feedforward_diagnostics import diagnostic_batch, layer_diagnostics

from . import datasets

__all__ = ['FrameBuilder', 'pack', 'unpack', 'points_message', 'SURFACE_RESOLUTION', 'CURVE_SAMPLES']

SURFACE_RESOLUTION = 100
CURVE_SAMPLES = 200
#: The bytes all thumbnails of a frame may take; their side T follows from the number of hidden units.
THUMB_BUDGET = 2048
#: Seconds between two measurements of the diagnostics (a forward and a backward pass of up to 1000 examples).
DIAGNOSTICS_INTERVAL = 0.25
#: Chart points a frame carries at most; the rest follow in the next frames.
CHART_CHUNK = 64
#: The MNIST mode: the side of a first-layer unit's weight image, how many are sent, how many wrong digits.
DIGIT_THUMB_SIDE, MAX_DIGIT_THUMBS, MOST_WRONG = 14, 16, 12
#: Outputs beyond this size are clipped before they are drawn or sent.
CLIP = 1e6


def pack(header, sections=()):
    """A binary message of ``header`` (a JSON-ready dict) and ``sections``, a list of ``(name, array)``."""
    header = dict(header)
    arrays = [(name, np.ascontiguousarray(array)) for name, array in sections]
    # Offsets depend on the header's length, which depends on the offsets: lay out with room to spare.
    layout = []
    text = b''
    for _ in range(3):
        header['sections'] = layout
        text = json.dumps(header, separators=(',', ':'), allow_nan=False).encode('utf-8')
        start = 4 + len(text) + 16
        start += -start % 4
        new_layout, offset = [], start
        for name, array in arrays:
            new_layout.append([name, array.dtype.name, offset, int(array.size)])
            offset += array.nbytes
            offset += -offset % 4
        if new_layout == layout:
            break
        layout = new_layout
    header['sections'] = layout
    text = json.dumps(header, separators=(',', ':'), allow_nan=False).encode('utf-8')
    start = layout[0][2] if layout else 4 + len(text)
    text = text.ljust(start - 4, b' ')
    parts = [struct.pack('<I', len(text)), text]
    position = 4 + len(text)
    for (name, dtype, offset, count), (_, array) in zip(layout, arrays):
        parts.append(b'\0' * (offset - position))
        data = array.astype(array.dtype.newbyteorder('<'), copy=False).tobytes()
        parts.append(data)
        position = offset + len(data)
    return b''.join(parts)


def unpack(message):
    """``(header, {name: array})`` of a message ``pack`` made (for tests and tools)."""
    (length,) = struct.unpack_from('<I', message, 0)
    header = json.loads(message[4:4 + length].decode('utf-8'))
    sections = {}
    for name, dtype, offset, count in header['sections']:
        sections[name] = np.frombuffer(message, dtype=np.dtype(dtype).newbyteorder('<'), count=count, offset=offset)
    return header, sections


def _finite(value, digits=None):
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return float('{:.{}g}'.format(value, digits)) if digits else value


def points_message(data, version):
    """The data set's points, sent when it changes: ``xy`` (n, 2) float32, ``target`` (n,) float32 (the class
    for classification), ``test`` (n,) uint8."""
    if data.task == 'classification':
        target = data.targets.argmax(axis=1) if data.targets.shape[1] > 1 else data.targets[:, 0]
    else:
        target = data.targets[:, 0]
    (low1, high1), (low2, high2) = data.domain
    if data.task != 'classification':
        value_range = [float(data.targets.min()), float(data.targets.max())]
    else:
        value_range = [0.0, 1.0]
    if data.task == 'digits':
        X, Y = data.test if len(data.test[0]) else data.training
        header = {'type': 'points', 'version': version, 'task': 'digits', 'classes': 10, 'n': len(X),
                  'domain': [[0, 1], [0, 1]], 'value_range': [0.0, 1.0], 'features': ['pixels']}
        return pack(header, [('images', np.rint(255 * X).astype(np.uint8).ravel()),
                             ('labels', Y.argmax(axis=1).astype(np.uint8))])
    header = {'type': 'points', 'version': version, 'task': data.task, 'classes': data.classes,
              'domain': [[low1, high1], [low2, high2]], 'value_range': value_range, 'n': len(data.points),
              'features': list(data.features)}
    return pack(header, [('xy', data.points.astype(np.float32).ravel()), ('target', target.astype(np.float32)),
                         ('test', data.is_test.astype(np.uint8))])


class FrameBuilder:
    """Builds the frames of one connection from a session's snapshots; keeps its own copy of the net (never the
    one being trained), the grids of the current data and what it has sent of the chart."""

    def __init__(self):
        self.frames = 0
        self._net_version = self._data_version = None
        self._chart_version, self._chart_sent = None, 0
        self._diagnostics, self._diagnostics_time = None, -math.inf
        self._setup_sent = None

    def _prepare(self, snapshot):
        if snapshot.net_version != self._net_version:
            self.net = copy.deepcopy(snapshot.net)
            self._net_version = snapshot.net_version
            self._data_version = None
            self._diagnostics, self._diagnostics_time = None, -math.inf
        if snapshot.data_version != self._data_version:
            data = snapshot.data
            self._data_version = snapshot.data_version
            (low1, high1), (low2, high2) = data.domain
            if data.task == 'digits':
                X, Y = data.test if len(data.test[0]) else data.training
                self._digits = (X, Y.argmax(axis=1), PreloadSource((X, Y)))
                self._thumb_side = DIGIT_THUMB_SIDE
            elif data.task == 'curve':
                x = np.linspace(low1, high1, CURVE_SAMPLES)
                points = np.stack([x, np.zeros_like(x)], axis=1)
                self._grid = datasets.feature_columns(points, data.features)
                self._thumb_grid, self._thumb_side = self._grid, CURVE_SAMPLES
            else:
                R = SURFACE_RESOLUTION
                self._grid = self._plane(low1, high1, low2, high2, R + 1, data.features)
                hidden = sum(snapshot.net.layer_sizes()[1:-1]) or 1
                side = int(max(6, min(24, math.isqrt(THUMB_BUDGET // hidden))))
                self._thumb_grid, self._thumb_side = self._plane(low1, high1, low2, high2, side, data.features), side
            if data.task == 'regression':
                low, high = float(data.targets.min()), float(data.targets.max())
                self._value_range = (low, high if high > low else low + 1.0)
            self._diagnostic_X, self._diagnostic_Y = diagnostic_batch(PreloadSource(data.training), self.net)
            self._diagnostics_time = -math.inf

    @staticmethod
    def _plane(low1, high1, low2, high2, n, features):
        x1 = np.linspace(low1, high1, n)
        x2 = np.linspace(high2, low2, n)          # row 0 at the top
        g1, g2 = np.meshgrid(x1, x2)
        return datasets.feature_columns(np.stack([g1.ravel(), g2.ravel()], axis=1), features)

    def surface(self, outputs, task):
        """The bytes (or floats, for a curve) of the ``surface`` section for the net's ``outputs`` (n, k)."""
        outputs = np.clip(np.nan_to_num(outputs, nan=0.0, posinf=CLIP, neginf=-CLIP), -CLIP, CLIP)
        if task == 'curve':
            return outputs[:, 0].astype(np.float32)
        if task == 'regression':
            low, high = self._value_range
            return np.rint(255 * np.clip((outputs[:, 0] - low) / (high - low), 0, 1)).astype(np.uint8)
        k = outputs.shape[1]
        if k == 1:
            p = outputs[:, 0]
            strength = np.minimum(1.0, 2 * np.abs(p - 0.5))
            above = p > 0.5
            level = np.floor(127 * strength).astype(np.int32)
            return np.where(above, 128 + level, 127 - level).astype(np.uint8)
        classes = outputs.argmax(axis=1)
        confidence = np.clip((outputs.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k), 0, 1)
        return (32 * classes + np.floor(31.99 * confidence)).astype(np.uint8)

    def hidden_outputs(self, X):
        """Each hidden layer's outputs for the inputs ``X`` (n, n_inputs): a = f(a_prev W + b), layer by
        layer, with the net's own weights, biases and activations (``feed`` gives the last layer only)."""
        layers = []
        a = X
        for W, b, f in list(zip(self.net.weights(), self.net.biases(), self.net.activations()))[:-1]:
            a = f.activation(a @ W + b)
            layers.append(a)
        return layers

    def _digit_sections(self):
        """The MNIST mode's sections: the confusion matrix on the test digits (``cost_functions.confusion_matrix``),
        the most wrong of them (the lowest output for their true class, among those put in another class) and
        the first hidden layer's units as images of their incoming weights (14 × 14, each pixel the mean of 2 × 2)."""
        X, labels, source = self._digits
        with np.errstate(all='ignore'):
            confusion = cost_functions.confusion_matrix(self.net, source)
            outputs = np.nan_to_num(self.net.feed(X))
        guesses = outputs.argmax(axis=1)
        true_output = outputs[np.arange(len(labels)), labels]
        wrong = np.flatnonzero(guesses != labels)
        wrong = wrong[np.argsort(true_output[wrong], kind='stable')][:MOST_WRONG]
        W = self.net.weights()[0]
        units = min(W.shape[1], MAX_DIGIT_THUMBS) if len(self.net.layer_sizes()) > 2 else 0
        images = W[:, :units].T.reshape(units, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(units, -1)
        scale = np.abs(images).max(axis=1) if units else np.zeros(0)
        safe = np.where(scale > 0, scale, 1.0)
        thumbs = np.rint(127.5 + 127.5 * np.clip(np.nan_to_num(images / safe[:, None]), -1, 1)).astype(np.uint8)
        return [('confusion', confusion.astype(np.int32).ravel()), ('wrong', wrong.astype(np.int32)),
                ('wrong_guess', guesses[wrong].astype(np.int32)), ('thumbs', thumbs.ravel()),
                ('thumb_scale', scale.astype(np.float32))]

    def build(self, snapshot):
        """``(message, header)`` of the frame of ``snapshot``."""
        started = time.perf_counter()
        self._prepare(snapshot)
        net, data = self.net, snapshot.data
        np.copyto(net.parameters(), snapshot.params)
        if data.task == 'digits':
            return self._finish(snapshot, self._digit_sections(), started)
        with np.errstate(all='ignore'):
            surface = self.surface(net.feed(self._grid), data.task)
            hidden = self.hidden_outputs(self._thumb_grid)
        if hidden:
            units = np.concatenate(hidden, axis=1).T            # (units, points)
            units = np.clip(np.nan_to_num(units, nan=0.0, posinf=CLIP, neginf=-CLIP), -CLIP, CLIP)
            scale = np.abs(units).max(axis=1)
            safe = np.where(scale > 0, scale, 1.0)
            thumbs = np.rint(127.5 + 127.5 * units / safe[:, None]).astype(np.uint8)
        else:
            scale, thumbs = np.zeros(0), np.zeros(0, np.uint8)
        sections = [('surface', surface), ('thumbs', thumbs.ravel()), ('thumb_scale', scale.astype(np.float32)),
                    ('params', np.clip(np.nan_to_num(snapshot.params), -CLIP, CLIP).astype(np.float32))]
        return self._finish(snapshot, sections, started)

    def _finish(self, snapshot, sections, started):
        """The frame's header (counts, chart, diagnostics) and the message of it and ``sections``."""
        net, data = self.net, snapshot.data
        if started - self._diagnostics_time >= DIAGNOSTICS_INTERVAL:
            self._diagnostics_time = started
            self._diagnostics = self._measure_diagnostics(snapshot)
        header = {
            'type': 'frame', 'n': self.frames, 'seq': snapshot.applied_seq, 'version': snapshot.version,
            'running': snapshot.running, 'epoch': snapshot.epoch, 'steps': snapshot.steps,
            'batch': snapshot.partial_steps, 'batches': snapshot.n_batches,
            'steps_per_second': round(snapshot.steps_per_second, 1), 'learning_rate': snapshot.learning_rate,
            'net_version': snapshot.net_version, 'data_version': snapshot.data_version,
            'sizes': net.layer_sizes(), 'activations': [f.name for f in net.activations()],
            'task': data.task, 'classes': data.classes, 'resolution': SURFACE_RESOLUTION,
            'thumb_side': self._thumb_side, 'divergence': snapshot.divergence,
            'value_range': list(self._value_range) if data.task == 'regression' else None,
            'diagnostics': self._diagnostics, 'chart': self._chart(snapshot),
        }
        if snapshot.setup != self._setup_sent:
            header['setup'] = json.loads(json.dumps(snapshot.setup))
            self._setup_sent = snapshot.setup
        header['build_ms'] = round(1000 * (time.perf_counter() - started), 2)
        self.frames += 1
        return pack(header, sections), header

    def _measure_diagnostics(self, snapshot):
        cost = cost_functions.COSTS[snapshot.cost_name](self.net, l2_reg_term=snapshot.l2)
        with np.errstate(all='ignore'):
            measured = layer_diagnostics(cost, self._diagnostic_X, self._diagnostic_Y)
        return {key: [_finite(v) for v in measured[key]] for key in ('weight_gradient_norm', 'saturated', 'dead',
                                                                    'activation_mean', 'activation_std')}

    def chart_pending(self, snapshot):
        """Whether the chart has points this connection has not been sent yet."""
        return snapshot.chart_version != self._chart_version or self._chart_sent < snapshot.chart_length

    def _chart(self, snapshot):
        if snapshot.chart_version != self._chart_version:
            self._chart_version, self._chart_sent = snapshot.chart_version, 0
        start = self._chart_sent
        stop = min(snapshot.chart_length, start + CHART_CHUNK)
        points = [[_finite(v, 6) if i else v for i, v in enumerate(point)] for point in snapshot.chart[start:stop]]
        self._chart_sent = stop
        return {'version': snapshot.chart_version, 'start': start, 'points': points}

