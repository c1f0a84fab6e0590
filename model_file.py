"""Reading model files: everything is checked before anything is built.

A model file is JSON (see the README for its fields). It may come from
anyone, so reading one never evaluates or unpickles anything, refuses sizes
beyond caller-set bounds before allocating, and turns every problem into a
``ModelFileError`` that names the file and what is wrong with it.
"""
import json
import os

import numpy as np

from activation_functions import ACTIVATIONS
from neural_net import MODEL_FORMAT, MODEL_VERSION, ModelFileError, NeuralNet

#: Default bound on the number of parameters a model file may declare (float64: 400 MB).
DEFAULT_MAX_PARAMETERS = 50_000_000
#: Default bound on a model file's size in bytes.
DEFAULT_MAX_BYTES = 1 << 30

_NUMBER_TYPES = (int, float)


def read_json(path, max_bytes=None):
    """The JSON value in the file at ``path``; NaN and Infinity literals are refused.

    Raises ``FileNotFoundError`` for a missing file and ``ModelFileError`` for
    one that is too large, not UTF-8, not JSON, or nested too deeply.
    """
    max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    path = os.fspath(path)
    size = os.stat(path).st_size
    if size > max_bytes:
        raise ModelFileError('{}: the file has {} bytes, more than the limit of {} (raise max_bytes to read it)'.format(
            path, size, max_bytes))
    with open(path, 'rb') as stream:
        raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ModelFileError('{}: the file has more than the limit of {} bytes'.format(path, max_bytes))
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as error:
        raise ModelFileError('{}: not UTF-8 text ({})'.format(path, error)) from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ModelFileError('{}: JSON nested too deeply'.format(path)) from None
    except ValueError as error:
        raise ModelFileError('{}: not valid JSON: {}'.format(path, error)) from None


def _refuse_constant(name):
    raise ValueError('{} is not a finite number'.format(name))


def load_net(path, max_parameters=None, max_bytes=None):
    """The net saved in the file at ``path``; see ``NeuralNet.create_from_file``."""
    data = read_json(path, max_bytes=max_bytes)
    return net_from_dict(data, source=os.fspath(path), max_parameters=max_parameters)


def net_from_dict(data, source='<dict>', max_parameters=None):
    """The net described by ``data`` (as ``NeuralNet.to_dict`` makes it), after checking all of it."""
    max_parameters = DEFAULT_MAX_PARAMETERS if max_parameters is None else max_parameters

    def fail(problem):
        raise ModelFileError('{}: {}'.format(source, problem))

    if not isinstance(data, dict):
        fail('expected a JSON object at the top, got {}'.format(_json_type(data)))
    if data.get('format') != MODEL_FORMAT:
        fail('expected "format": "{}", got {}'.format(MODEL_FORMAT, _describe(data.get('format'))))
    version = data.get('version')
    if type(version) is not int or not 1 <= version <= MODEL_VERSION:
        fail('expected "version" to be an integer from 1 to {}, got {}'.format(MODEL_VERSION, _describe(version)))
    for key in ('dtype', 'layer_sizes', 'activations', 'weights', 'biases'):
        if key not in data:
            fail('the field "{}" is missing'.format(key))

    dtype = data['dtype']
    if dtype not in ('float32', 'float64'):
        fail('expected "dtype" to be "float32" or "float64", got {}'.format(_describe(dtype)))

    sizes = data['layer_sizes']
    if not isinstance(sizes, list) or len(sizes) < 2:
        fail('expected "layer_sizes" to be a list of at least two sizes, got {}'.format(_describe(sizes)))
    for size in sizes:
        if type(size) is not int or size < 1:
            fail('expected every layer size to be a positive integer, got {}'.format(_describe(size)))
    n_parameters = sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))
    if n_parameters > max_parameters:
        fail('the layer sizes {} need {} parameters, more than the limit of {} '
             '(raise max_parameters to read it)'.format(_short(sizes), n_parameters, max_parameters))
    n_layers = len(sizes) - 1

    activations = data['activations']
    if not isinstance(activations, list) or len(activations) != n_layers:
        fail('expected "activations" to be a list of {} names, one per non-input layer, got {}'.format(
            n_layers, _describe(activations)))
    for name in activations:
        if not isinstance(name, str) or name not in ACTIVATIONS:
            fail('unknown activation {}; expected one of {}'.format(_describe(name), ', '.join(sorted(ACTIVATIONS))))

    weights, biases = data['weights'], data['biases']
    for key, value in (('weights', weights), ('biases', biases)):
        if not isinstance(value, list) or len(value) != n_layers:
            fail('expected "{}" to be a list of {} entries, one per non-input layer, got {}'.format(
                key, n_layers, _describe(value)))
    arrays = []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = _number_matrix(weights[l], n_in, n_out, 'weights[{}]'.format(l), fail)
        b = _number_matrix([biases[l]], 1, n_out, 'biases[{}]'.format(l), fail)[0]
        for what, array in (('weights[{}]'.format(l), w), ('biases[{}]'.format(l), b)):
            converted = array.astype(dtype)
            if not np.isfinite(converted).all():
                fail('{} holds a number that is not finite in {}'.format(what, dtype))
        arrays.append((w, b))

    net = NeuralNet(sizes, [ACTIVATIONS[name] for name in activations], dtype)
    for layer, (w, b) in zip(net.layers(), arrays):
        layer.weights[...] = w
        layer.biases[...] = b
    return net


def _number_matrix(rows, n_rows, n_columns, what, fail):
    """``rows``, a list of ``n_rows`` lists of ``n_columns`` JSON numbers, as a float64 array."""
    if not isinstance(rows, list) or len(rows) != n_rows:
        fail('expected {} to be a list of {} rows, got {}'.format(what, n_rows, _describe(rows)))
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != n_columns:
            fail('expected {} row {} to be a list of {} numbers, got {}'.format(what, i, n_columns, _describe(row)))
        for value in row:
            if type(value) not in _NUMBER_TYPES:
                fail('expected numbers in {} row {}, got {}'.format(what, i, _describe(value)))
    try:
        return np.array(rows, dtype=np.float64)
    except OverflowError:
        fail('{} holds an integer too large for a float'.format(what))


def _json_type(value):
    return {dict: 'an object', list: 'a list', str: 'a string', bool: 'a boolean',
            int: 'an integer', float: 'a number', type(None): 'null'}.get(type(value), type(value).__name__)


def _describe(value):
    if isinstance(value, (dict, list)):
        return '{} of {} items'.format(_json_type(value), len(value))
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


def _short(values):
    text = str(values)
    return text if len(text) <= 80 else text[:77] + '...'
