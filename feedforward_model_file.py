"""The model file: a net's layer sizes, activations, dtype, weights and biases as JSON, written and read here.

A model file is one JSON object (its fields are in ``docs/model_file.md``).
Writing goes through a synced temporary file renamed over the target, so a
file is always the old net or the new one. Reading a file that may come from
anyone never evaluates or unpickles anything, refuses sizes beyond
caller-set bounds before allocating, and turns every problem into a
``ModelFileError`` that names the file and what is wrong with it. A missing
file raises ``FileNotFoundError``; nothing else escapes.

Each version of the format has its own reader (``_READERS``), so that files
written by an older version stay loadable when the format changes. Version 2
adds settings to activations (LeakyRectifier's slope); a net that has none is
written as version 1, which every version of the library reads.

Files saved by the original DeepNetLib (no ``format``: ``layer_sizes``, and
``layers`` of weights laid out as units x inputs) are read too, checked as
strictly, as nets of Sigmoid layers, the original's only restored kind,
with an ``AssumedActivationsWarning`` that says so.

Activations are named in a file and looked up in the registry of
``activation_functions``: a name that is not registered is refused, with a
message that says how to register it. Nothing named in a file is imported
or evaluated.

This module knows nets only as the values a model holds: ``neural_net``
builds a net from what ``read_model`` returns, and hands ``model_dict`` the
values to write. Checkpoints (``feedforward_checkpoint``) use its JSON
reading and writing too.
"""
import json
import os
import stat
import sys
import tempfile
import warnings

import numpy as np

from activation_functions import ACTIVATIONS, activation_from_settings, check_output_layer
from feedforward_checks import check_positive_int

__all__ = ['ModelFileError', 'AssumedActivationsWarning', 'MODEL_FORMAT', 'MODEL_VERSION', 'DEFAULT_MAX_PARAMETERS',
           'DEFAULT_MAX_BYTES',
           'MAX_LAYERS', 'read_model', 'check_model', 'model_dict', 'read_json', 'parse_json', 'write_json_atomically',
           'write_atomically', 'check_header', 'check_fields', 'check_max_parameters', 'max_json_values', 'describe']

#: The ``format`` field of a model file.
MODEL_FORMAT = 'feedforward-neural-net'
#: The newest ``version`` of the model file; ``model_dict`` writes it for nets whose activations have settings,
#: and version 1 for the others.
MODEL_VERSION = 2


class ModelFileError(ValueError):
    """A model or checkpoint file cannot be read: it is not JSON, or not what this library wrote."""


class AssumedActivationsWarning(UserWarning):
    """A model file named no activations (the original DeepNetLib's files do not): every layer was assumed Sigmoid."""


#: Default bound on the number of parameters a model file may declare (float64: 80 MB).
DEFAULT_MAX_PARAMETERS = 10_000_000
#: Default bound on a model file's size in bytes.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: Bound on the number of layers: each costs Python objects and buffers whatever its size.
MAX_LAYERS = 1000

_NUMBER_TYPES = (int, float)
_FIELDS = ('format', 'version', 'dtype', 'layer_sizes', 'activations', 'weights', 'biases')
#: The fields of a file saved by the original DeepNetLib, and those of each entry of its "layers".
_DEEPNETLIB_FIELDS = ('layer_sizes', 'layers')
_DEEPNETLIB_LAYER_FIELDS = ('weights', 'biases')


def read_json(path, max_bytes=None, max_values=None):
    """The JSON value in the file at ``path``; NaN and Infinity literals are refused.

    ``max_bytes`` bounds the file's size and ``max_values`` the number of
    JSON values in it (counted, before parsing, as the commas that separate
    them): parsing turns each number into a Python object of some 30 bytes,
    so this bounds the memory parsing takes. Raises ``FileNotFoundError``
    for a missing file and ``ModelFileError`` for anything else: a file that
    cannot be read or is not a regular file, too large, not UTF-8, not JSON,
    or nested too deeply.
    """
    max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else check_positive_int(max_bytes, 'max_bytes')
    path = os.fspath(path)
    try:
        raw = _read_regular_file(path, max_bytes)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise ModelFileError('{}: cannot be read: {}'.format(path, error.strerror or error)) from None
    except ValueError as error:     # a path holding a NUL character
        raise ModelFileError('{!r}: cannot be read: {}'.format(path, error)) from None
    return parse_json(raw, path, max_values)


def parse_json(raw, source, max_values=None):
    """The JSON value in the bytes ``raw`` (a file's, or an upload's, already bounded in size), with the checks of
    ``read_json``; ``ModelFileError`` names ``source``."""
    if max_values is not None and raw.count(b',') + 1 > max_values:
        raise ModelFileError('{}: the file holds more than {} JSON values, more than its limits allow '
                             '(raise max_parameters to read it)'.format(source, max_values))
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as error:
        raise ModelFileError('{}: not UTF-8 text ({})'.format(source, error)) from None
    del raw
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ModelFileError('{}: JSON nested too deeply'.format(source)) from None
    except MemoryError:
        raise ModelFileError('{}: too large to parse in the memory available'.format(source)) from None
    except ValueError as error:
        raise ModelFileError('{}: not valid JSON: {}'.format(source, error)) from None


def _read_regular_file(path, max_bytes):
    """The bytes of the regular file at ``path``, or ModelFileError; never blocks on a pipe or device."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_BINARY', 0))
    with open(descriptor, 'rb') as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise ModelFileError('{}: not a regular file'.format(path))
        if status.st_size > max_bytes:
            raise ModelFileError('{}: the file has {} bytes, more than the limit of {} '
                                 '(raise max_bytes to read it)'.format(path, status.st_size, max_bytes))
        # read(n) sets aside n bytes at once: ask for what the file holds, not for the limit.
        chunks, total = [], 0
        want = status.st_size + 1
        while total <= max_bytes:
            chunk = stream.read(min(want, max_bytes + 1 - total))
            if not chunk:
                return b''.join(chunks)
            chunks.append(chunk)
            total += len(chunk)
            want = 1 << 20
    raise ModelFileError('{}: the file has more than the limit of {} bytes (raise max_bytes to read it)'.format(
        path, max_bytes))


def _refuse_constant(name):
    raise ValueError('{} is not a finite number'.format(name))


def max_json_values(max_parameters):
    """How many JSON values a model file within ``max_parameters`` may hold: parameters and a little more."""
    return max_parameters + 4 * MAX_LAYERS + 64


def read_model(path, max_parameters=None, max_bytes=None):
    """The model in the file at ``path``, checked whole: see ``check_model`` for what it returns."""
    max_parameters = check_max_parameters(max_parameters)
    data = read_json(path, max_bytes=max_bytes, max_values=max_json_values(max_parameters))
    return check_model(data, source=os.fspath(path), max_parameters=max_parameters)


def model_dict(layer_sizes, activations, dtype, weights, biases):
    """The JSON-ready dictionary of a model file: weights (inputs, units) and biases (units,) per layer.

    ``activations``: one ``(name, settings)`` pair per layer, ``settings`` a
    dictionary of name -> number (empty for most). An activation without
    settings is written as its name, one with settings as
    ``{"name": ..., "settings": {...}}``; the file is version 1 when no
    activation has settings, so that older versions of the library read it.
    """
    entries = [{'name': name, 'settings': dict(settings)} if settings else name for name, settings in activations]
    return {
        'format': MODEL_FORMAT,
        'version': 1 if all(isinstance(entry, str) for entry in entries) else 2,
        'dtype': np.dtype(dtype).name,
        'layer_sizes': [int(size) for size in layer_sizes],
        'activations': entries,
        'weights': [np.asarray(w).tolist() for w in weights],
        'biases': [np.asarray(b).tolist() for b in biases],
    }


def check_max_parameters(max_parameters):
    if max_parameters is None:
        return DEFAULT_MAX_PARAMETERS
    return check_positive_int(max_parameters, 'max_parameters')


def check_model(data, source='<dict>', max_parameters=None):
    """The model that ``data`` (a dictionary as ``model_dict`` makes it) describes, after checking all of it.

    Returns ``(layer_sizes, activations, dtype, layers)``: the activation
    classes, a ``numpy.dtype``, and one ``(weights, biases)`` pair of float64
    arrays per non-input layer, every value finite in ``dtype``.
    ``ModelFileError`` names ``source`` and the problem otherwise.
    """
    max_parameters = check_max_parameters(max_parameters)

    def fail(problem):
        raise ModelFileError('{}: {}'.format(source, problem))

    if isinstance(data, dict) and 'format' not in data and 'layers' in data:
        return _model_from_deepnetlib(data, fail, max_parameters, source)
    version = check_header(data, MODEL_FORMAT, _READERS, fail)
    return _READERS[version](data, fail, max_parameters)


#: What to say of a file of the library's other format (a model where a checkpoint was expected, or the reverse).
_KNOWN_FORMATS = {
    'feedforward-neural-net-checkpoint': ': this is a checkpoint: read it with feedforward_checkpoint.load_checkpoint',
    'feedforward-neural-net': ': this is a model file: read it with NeuralNet.create_from_file',
}


def check_header(data, expected_format, readers, fail):
    """The version of the document ``data``, once it is a JSON object of ``expected_format`` whose version has
    one of ``readers``; ``fail(problem)`` is called otherwise."""
    if not isinstance(data, dict):
        fail('expected a JSON object at the top, got {}'.format(describe(data)))
    if data.get('format') != expected_format:
        found = data.get('format')
        if 'format' not in data:
            hint = ': not a file this library wrote (net.save or save_checkpoint)'
        else:
            hint = _KNOWN_FORMATS.get(found, '') if isinstance(found, str) else ''
        fail('expected "format": "{}", got {}{}'.format(expected_format, describe(found), hint))
    version = data.get('version')
    if type(version) is not int or version not in readers:
        fail('expected "version" to be one of the versions this library reads ({}), got {}'.format(
            ', '.join(str(v) for v in sorted(readers)), describe(version)))
    return version


def check_fields(data, fields, what, fail):
    """``fail`` unless ``data`` has every one of ``fields`` and no other (``what``: "file", "checkpoint")."""
    for key in fields:
        if key not in data:
            fail('the field "{}" is missing'.format(key))
    unknown = sorted(key for key in data if key not in fields)
    if unknown:
        fail('unknown field {}; a version {} {} has only {}'.format(
            describe(unknown[0]), data.get('version'), what, ', '.join(fields)))


def _model_from_version_1(data, fail, max_parameters):
    """Version 1: the fields of ``_FIELDS``, no others; every activation a name."""
    return _model(data, fail, max_parameters, with_settings=False)


def _model_from_version_2(data, fail, max_parameters):
    """Version 2: version 1, and an activation may be ``{"name": ..., "settings": {...}}``."""
    return _model(data, fail, max_parameters, with_settings=True)


def _model(data, fail, max_parameters, with_settings):
    check_fields(data, _FIELDS, 'file', fail)

    dtype = data['dtype']
    if dtype not in ('float32', 'float64'):
        fail('expected "dtype" to be "float32" or "float64", got {}'.format(describe(dtype)))

    sizes = _layer_sizes(data['layer_sizes'], max_parameters, fail)
    n_layers = len(sizes) - 1
    entries = _per_layer(data, 'activations', n_layers, 'names', fail)
    activations = [_activation(entry, with_settings, fail) for entry in entries]
    try:
        check_output_layer(activations[-1], sizes[-1])
    except ValueError as error:
        fail(str(error))

    weights, biases = (_per_layer(data, key, n_layers, 'entries', fail) for key in ('weights', 'biases'))
    arrays = []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        what = 'weights[{}]'.format(l)
        if not isinstance(weights[l], list) or len(weights[l]) != n_in:
            fail('expected {} to be a list of {} rows (layer_sizes[{}]), got {}'.format(
                what, n_in, l, describe(weights[l])))
        w = np.stack([_number_row(row, n_out, '{} row {}'.format(what, i), fail)
                      for i, row in enumerate(weights[l])])
        b = _number_row(biases[l], n_out, 'biases[{}]'.format(l), fail)
        _check_finite_in(dtype, fail, ((what, w), ('biases[{}]'.format(l), b)))
        arrays.append((w, b))

    _check_outputs_stay_finite(arrays, activations, np.dtype(dtype), fail)
    return list(sizes), activations, np.dtype(dtype), arrays


def _per_layer(data, key, n_layers, items, fail):
    """``data[key]`` if it is a list of one entry (of ``items``: 'names', 'layers', ...) per non-input layer."""
    value = data[key]
    if not isinstance(value, list) or len(value) != n_layers:
        fail('expected "{}" to be a list of {} {}, one per non-input layer, got {}'.format(
            key, n_layers, items, describe(value)))
    return value


def _model_from_deepnetlib(data, fail, max_parameters, source):
    """A file saved by the original DeepNetLib: ``{"layer_sizes": [...], "layers": [{"weights", "biases"}, ...]}``.

    The original computed z = W a + b, so each layer's "weights" is a
    (units, inputs) matrix, a list of one row per unit: the transpose of
    this library's (inputs, units). "biases" is a list of one number per
    unit. The file names no activations: the original restored every layer
    as Sigmoid, and so does this reader, in float64, with an
    ``AssumedActivationsWarning``. Checked as a file of this library's is,
    within the same limits.
    """
    for key in _DEEPNETLIB_FIELDS:
        if key not in data:
            fail('the field "{}" is missing from a file of the original DeepNetLib\'s layout (no "format", and '
                 '"layers")'.format(key))
    unknown = sorted(key for key in data if key not in _DEEPNETLIB_FIELDS)
    if unknown:
        fail('unknown field {}; a file of the original DeepNetLib has only {}, and one of this library a "format" '
             'field'.format(describe(unknown[0]), ' and '.join(_DEEPNETLIB_FIELDS)))
    sizes = _layer_sizes(data['layer_sizes'], max_parameters, fail)
    layers = _per_layer(data, 'layers', len(sizes) - 1, 'layers', fail)
    n_layers = len(layers)
    arrays = []
    for l, (layer, n_in, n_out) in enumerate(zip(layers, sizes[:-1], sizes[1:])):
        what = 'layers[{}]'.format(l)
        if not isinstance(layer, dict) or sorted(layer) != sorted(_DEEPNETLIB_LAYER_FIELDS):
            fail('expected {} to be an object of weights and biases, got {}'.format(
                what, 'the fields ' + _short(sorted(layer)) if isinstance(layer, dict) else describe(layer)))
        weights = layer['weights']
        if not isinstance(weights, list) or len(weights) != n_out:
            fail('expected {}["weights"] to be a list of {} rows (layer_sizes[{}], one per unit: the original lays '
                 'weights out as units x inputs), got {}'.format(what, n_out, l + 1, describe(weights)))
        w = np.stack([_number_row(row, n_in, '{}["weights"] row {}'.format(what, i), fail)
                      for i, row in enumerate(weights)]).T
        b = _number_row(layer['biases'], n_out, '{}["biases"]'.format(what), fail)
        _check_finite_in('float64', fail, (('{}["weights"]'.format(what), w), ('{}["biases"]'.format(what), b)))
        arrays.append((w, b))
    activations = [ACTIVATIONS['Sigmoid']] * n_layers
    _check_outputs_stay_finite(arrays, activations, np.dtype(np.float64), fail,
                               layer_name='layers[{0}]["weights"] and layers[{0}]["biases"]')
    warnings.warn('{}: a file of the original DeepNetLib (layer_sizes and layers, no format) names no activations: '
                  'every layer was assumed to be Sigmoid, as the original restored them; save the net to write it '
                  'in this library\'s format, which names them'.format(source), AssumedActivationsWarning,
                  stacklevel=_stacklevel_of_caller())
    return list(sizes), activations, np.dtype(np.float64), arrays


def _stacklevel_of_caller():
    """The ``stacklevel`` that points a warning of the calling function at the first caller outside the modules
    that read model files (this one and ``neural_net``)."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_globals.get('__name__') in ('feedforward_model_file', 'neural_net'):
        level += 1
        frame = frame.f_back
    return level


def _layer_sizes(sizes, max_parameters, fail):
    """``sizes`` (the "layer_sizes" of a file) once it is 2 to ``MAX_LAYERS`` + 1 positive integers whose net has
    at most ``max_parameters`` parameters."""
    if not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS + 1:
        fail('expected "layer_sizes" to be a list of 2 to {} sizes, got {}'.format(MAX_LAYERS + 1, describe(sizes)))
    for size in sizes:
        if type(size) is not int or size < 1:
            fail('expected every layer size to be a positive integer, got {}'.format(describe(size)))
    # Python integers: the count is exact however large the sizes are, and nothing is allocated yet.
    n_parameters = sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))
    if n_parameters > max_parameters:
        fail('the layer sizes {} need {} parameters, more than the limit of {} '
             '(raise max_parameters to read it)'.format(_short(sizes), n_parameters, max_parameters))
    return sizes


def _check_finite_in(dtype, fail, named_arrays):
    """``fail`` unless every value of each ``(name, array)`` of ``named_arrays`` is finite in ``dtype``."""
    for name, array in named_arrays:
        with np.errstate(over='ignore'):
            converted = array.astype(dtype)
        if not np.isfinite(converted).all():
            fail('{} holds a number that is not finite in {}'.format(name, dtype))


def _activation(entry, with_settings, fail):
    """The registered activation an entry of "activations" names: a name or, from version 2, a name and settings."""
    settings = None
    if with_settings and isinstance(entry, dict):
        if set(entry) != {'name', 'settings'}:
            fail('expected an activation with settings to be an object with the fields name and settings, got the '
                 'fields {}'.format(_short(sorted(entry))))
        name, settings = entry['name'], entry['settings']
        if not isinstance(settings, dict) or not settings:
            fail('expected the "settings" of activation {} to be an object of numbers, got {}'.format(
                describe(name), describe(settings)))
        for key, value in settings.items():
            if type(value) not in _NUMBER_TYPES or not _finite(value):
                fail('expected the settings of activation {} to be finite numbers, got {} for {}'.format(
                    describe(name), describe(value), describe(key)))
    else:
        name = entry
    if not isinstance(name, str):
        fail('expected every entry of "activations" to be {}, got {}'.format(
            'an activation\'s name, or an object of its name and settings' if with_settings else
            'an activation\'s name', describe(name)))
    if name not in ACTIVATIONS:
        fail('unknown activation {}: the activations registered in this program are {}; if it is one of yours, '
             'define its class and register it with activation_functions.register_activation(YourClass) before '
             'loading'.format(describe(name), ', '.join(sorted(ACTIVATIONS))))
    try:
        return activation_from_settings(name, settings)
    except ValueError as error:
        fail('activation {}: {}'.format(describe(name), error))


def _finite(value):
    try:
        return np.isfinite(float(value))
    except OverflowError:
        return False


def _number_row(row, length, what, fail):
    """``row``, a list of ``length`` JSON numbers, as a 1-d float64 array."""
    if not isinstance(row, list) or len(row) != length:
        fail('expected {} to be a list of {} numbers, got {}'.format(what, length, describe(row)))
    for value in row:
        # type(), not isinstance(): True and False are ints to Python but not numbers in a model file.
        if type(value) not in _NUMBER_TYPES:
            fail('expected numbers in {}, got {}'.format(what, describe(value)))
    try:
        return np.array(row, dtype=np.float64)
    except OverflowError:
        fail('{} holds an integer too large for a float'.format(what))


def _check_outputs_stay_finite(arrays, activations, dtype, fail, layer_name='weights[{0}] and biases[{0}]'):
    """Refuse a net whose outputs could overflow ``dtype`` for some input with every |x_i| <= 1.

    Bounds each layer's pre-activation, layer by layer::

        |z^l_j| <= sum_i |W^l_ij| B^(l-1)_i + |b^l_j| =: B^l_j,      B^0 = 1

    and then bounds the layer's outputs by its activation's
    ``magnitude_bound(B^l)``: 1 for Sigmoid, Tanh and Softmax (outputs in
    [-1, 1]), B^l itself for Rectifier and Identity (|f(z)| <= |z|). Every
    bound, of the z's and of the outputs, must stay below a quarter of the
    dtype's largest number (so must the output bound); the margin
    covers rounding in the net's own sums. A trained net is nowhere near
    this; a file that fails it holds weights no training produced.
    ``layer_name`` names layer l in a message (``layer_name.format(l)``).
    """
    limit = float(np.finfo(dtype).max) / 4
    bound = np.ones(arrays[0][0].shape[0])
    for l, ((w, b), f) in enumerate(zip(arrays, activations)):
        with np.errstate(over='ignore', invalid='ignore'):
            bound = np.abs(w).T @ bound + np.abs(b)
            if (bound <= limit).all():
                bound = np.asarray(f.magnitude_bound(bound), dtype=np.float64)
        if not (bound <= limit).all():
            fail('{} are so large that the layer\'s values could overflow {} for inputs in [-1, 1]; no trained '
                 'net has such weights'.format(layer_name.format(l), dtype.name))


def _json_type(value):
    return {dict: 'an object', list: 'a list', str: 'a string', bool: 'a boolean',
            int: 'an integer', float: 'a number', type(None): 'null'}.get(type(value), type(value).__name__)


def _short(values):
    text = str(values)
    return text if len(text) <= 80 else text[:77] + '...'


def describe(value):
    """A short description of a JSON value for a message; never long, whatever the value."""
    if isinstance(value, (dict, list)):
        return '{} of {} items'.format(_json_type(value), len(value))
    if isinstance(value, str) and len(value) > 50:
        return repr(value[:50]) + '... ({} characters)'.format(len(value))
    if type(value) is int and value.bit_length() > 64:
        return 'an integer of {} bits'.format(value.bit_length())
    return repr(value)


#: The reader of each version of the format, by its number.
_READERS = {1: _model_from_version_1, 2: _model_from_version_2}
assert MODEL_VERSION in _READERS


# ----- writing ------------------------------------------------------------------------

def write_json_atomically(path, data):
    """Write ``data`` as JSON to ``path`` through a synced temporary file renamed into place (``write_atomically``)."""
    write_atomically(path, lambda stream: json.dump(data, stream, allow_nan=False, separators=(',', ':')))


def write_atomically(path, write, binary=False):
    """Call ``write(stream)`` on a temporary file in ``path``'s folder, sync it and rename it to ``path``.

    ``path`` then holds either its old content or the whole new one, never a
    part. ``stream`` is a text stream (UTF-8), or a binary one with
    ``binary=True``. The file gets the mode any new file gets under the
    user's umask (0644 under umask 022), and an error names ``path``, not the
    temporary file.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', suffix='.tmp', dir=folder)
    except OSError as error:
        raise type(error)(error.errno, error.strerror, path) from None
    try:
        with os.fdopen(handle, 'wb') if binary else os.fdopen(handle, 'w', encoding='utf-8') as stream:
            # mkstemp makes the file readable by its owner alone: give it a new file's usual mode.
            if hasattr(os, 'fchmod'):
                os.fchmod(stream.fileno(), 0o666 & ~_umask())
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise type(error)(error.errno, error.strerror, path) from None
        raise
    try:
        directory = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)


def _umask():
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
