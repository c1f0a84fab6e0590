"""What the page may send, checked field by field, and the set-up of a session with its defaults and limits.

Every message is a JSON object of at most ``MAX_MESSAGE_BYTES`` with a
``type``; ``check_message`` returns it cleaned (numbers as floats or ints,
lists as tuples) or raises ``ProtocolError`` naming the field that is wrong
and what was expected. The set-up (``DEFAULT_SETUP``) is one flat dictionary,
which is also what the page keeps in its URL.
"""
import json
import math
import numbers

import activation_functions
import cost_functions

from . import datasets, training

__all__ = ['ProtocolError', 'MAX_MESSAGE_BYTES', 'MAX_UPLOAD_BYTES', 'MAX_LAYERS', 'MAX_UNITS', 'DEFAULT_SETUP',
           'check_message', 'check_changes', 'limits']

MAX_MESSAGE_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_LAYERS = 8
MAX_UNITS = 64
MAX_SEED = 2 ** 31 - 1
MAX_ADDED_POINTS = 500
MAX_SEQ = 2 ** 53

DEFAULT_SETUP = {
    'kind': 'xor', 'points': 500, 'noise': 0.0, 'test_share': 0.5, 'data_seed': 0, 'classes': 3,
    'features': ('x1', 'x2'),
    'hidden': (8, 8), 'hidden_activation': 'Tanh', 'output_activation': 'Sigmoid',
    'cost': 'CrossEntropyCost', 'l2': 0.0, 'dropout': 0.0,
    'optimizer': 'sgd', 'optimizer_settings': {}, 'learning_rate': 0.03, 'batch_size': 10,
    'schedule': 'constant', 'schedule_settings': {},
    'weight_seed': 1, 'shuffle_seed': 2, 'dropout_seed': 3,
}

#: Messages that carry nothing but their type and sequence number.
SIMPLE = ('play', 'pause', 'step', 'epoch', 'reset', 'new_weights', 'trace', 'python', 'save', 'clear_points')


class ProtocolError(ValueError):
    """A message the session refuses; ``field`` names what is wrong."""

    def __init__(self, field, message):
        super().__init__('{}: {}'.format(field, message))
        self.field = field


def limits():
    """The bounds the page shows and the server enforces."""
    return {'max_layers': MAX_LAYERS, 'max_units': MAX_UNITS, 'max_points': datasets.MAX_POINTS,
            'max_message_bytes': MAX_MESSAGE_BYTES, 'max_upload_bytes': MAX_UPLOAD_BYTES,
            'max_added_points': MAX_ADDED_POINTS, 'max_seed': MAX_SEED}


def _show(value):
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + '...'


def _number(value, field, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ProtocolError(field, 'expected a number, got {}'.format(_show(value)))
    if not low <= value <= high:
        raise ProtocolError(field, 'expected a number from {} to {}, got {}'.format(low, high, _show(value)))
    return float(value)


def _integer(value, field, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ProtocolError(field, 'expected a whole number, got {}'.format(_show(value)))
    if not low <= value <= high:
        raise ProtocolError(field, 'expected a whole number from {} to {}, got {}'.format(low, high, _show(value)))
    return int(value)


def _choice(value, field, choices):
    if not isinstance(value, str) or value not in choices:
        raise ProtocolError(field, 'expected one of {}, got {}'.format(', '.join(choices), _show(value)))
    return value


def _setting(value, field, spec):
    kind = spec['kind']
    if kind == 'bool':
        if not isinstance(value, bool):
            raise ProtocolError(field, 'expected true or false, got {}'.format(_show(value)))
        return value
    if kind == 'int':
        return _integer(value, field, spec['min'], spec['max'])
    return _number(value, field, spec['min'], spec['max'])


def _settings(value, field, specs):
    if not isinstance(value, dict):
        raise ProtocolError(field, 'expected an object of settings, got {}'.format(_show(value)))
    by_name = {spec['name']: spec for spec in specs}
    cleaned = {}
    for key, item in value.items():
        if key not in by_name:
            raise ProtocolError('{}.{}'.format(field, key), 'unknown setting; expected one of {}'.format(
                ', '.join(by_name) or 'none'))
        cleaned[key] = _setting(item, '{}.{}'.format(field, key), by_name[key])
    return cleaned


def _check_field(key, value, setup):
    """The cleaned value of the set-up's field ``key``; ``setup`` is the set-up it joins (for fields that
    depend on another, such as an optimizer's settings)."""
    if key == 'kind':
        return _choice(value, key, datasets.KINDS)
    if key == 'points':
        return _integer(value, key, 10, datasets.MAX_POINTS)
    if key == 'noise':
        return _number(value, key, 0.0, 1.0)
    if key == 'test_share':
        return _number(value, key, 0.0, 0.9)
    if key in ('data_seed', 'weight_seed', 'shuffle_seed', 'dropout_seed'):
        return _integer(value, key, 0, MAX_SEED)
    if key == 'classes':
        return _integer(value, key, 3, 6)
    if key == 'features':
        if not isinstance(value, (list, tuple)) or not value or len(value) > len(datasets.FEATURES):
            raise ProtocolError(key, 'expected a list of 1 to {} feature names, got {}'.format(
                len(datasets.FEATURES), _show(value)))
        names = tuple(_choice(name, '{}[{}]'.format(key, i), datasets.PLANE_FEATURES) for i, name in enumerate(value))
        if len(set(names)) != len(names):
            raise ProtocolError(key, 'expected each feature once, got {}'.format(_show(value)))
        return names
    if key == 'hidden':
        if not isinstance(value, (list, tuple)) or len(value) > MAX_LAYERS:
            raise ProtocolError(key, 'expected a list of at most {} layer sizes, got {}'.format(MAX_LAYERS, _show(value)))
        return tuple(_integer(units, '{}[{}]'.format(key, i), 1, MAX_UNITS) for i, units in enumerate(value))
    if key in ('hidden_activation', 'output_activation'):
        return _choice(value, key, tuple(activation_functions.ACTIVATIONS))
    if key == 'cost':
        return _choice(value, key, tuple(cost_functions.COSTS))
    if key == 'l2':
        return _number(value, key, 0.0, 1.0)
    if key == 'dropout':
        return _setting(value, key, training.DROPOUT)
    if key == 'optimizer':
        return _choice(value, key, tuple(entry['name'] for entry in training.optimizer_catalog()))
    if key == 'optimizer_settings':
        specs = next(e['settings'] for e in training.optimizer_catalog() if e['name'] == setup['optimizer'])
        return _settings(value, key, specs)
    if key == 'learning_rate':
        return _setting(value, key, training.LEARNING_RATE)
    if key == 'batch_size':
        return _setting(value, key, training.BATCH_SIZE)
    if key == 'schedule':
        return _choice(value, key, tuple(entry['name'] for entry in training.schedule_catalog()))
    if key == 'schedule_settings':
        specs = next(e['settings'] for e in training.schedule_catalog() if e['name'] == setup['schedule'])
        return _settings(value, key, specs)
    raise ProtocolError(key, 'unknown field of the set-up; expected one of {}'.format(', '.join(DEFAULT_SETUP)))


def check_changes(changes, setup):
    """``setup`` with ``changes`` (a dict of some of its fields) applied, every changed field checked.

    Changing the optimizer or the schedule without its settings resets them to
    the defaults. Raises ``ProtocolError`` naming the first wrong field.
    """
    if not isinstance(changes, dict):
        raise ProtocolError('changes', 'expected an object of set-up fields, got {}'.format(_show(changes)))
    new = dict(setup)
    if 'optimizer' in changes:
        new['optimizer'] = _check_field('optimizer', changes['optimizer'], new)
        if new['optimizer'] != setup['optimizer']:
            new['optimizer_settings'] = {}
    if 'schedule' in changes:
        new['schedule'] = _check_field('schedule', changes['schedule'], new)
        if new['schedule'] != setup['schedule']:
            new['schedule_settings'] = {}
    for key, value in changes.items():
        if key not in ('optimizer', 'schedule'):
            new[key] = _check_field(key, value, new)
    return new


def check_message(text):
    """The message ``text`` (a str of JSON) as a cleaned dict; ``ProtocolError`` if it is not one we take."""
    if not isinstance(text, str):
        raise ProtocolError('message', 'expected a text message of JSON, got binary data')
    if len(text.encode('utf-8')) > MAX_MESSAGE_BYTES:
        raise ProtocolError('message', 'expected at most {} bytes, got {}'.format(
            MAX_MESSAGE_BYTES, len(text.encode('utf-8'))))
    try:
        message = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise ProtocolError('message', 'expected JSON, got text that is not ({})'.format(str(error)[:80])) from None
    if not isinstance(message, dict):
        raise ProtocolError('message', 'expected a JSON object, got {}'.format(_show(message)))
    kind = message.get('type')
    cleaned = {'type': kind}
    if kind == 'ack':
        cleaned['frame'] = _integer(message.get('frame'), 'frame', 0, MAX_SEQ)
        return cleaned
    cleaned['seq'] = _integer(message.get('seq'), 'seq', 0, MAX_SEQ)
    if kind in SIMPLE:
        return cleaned
    if kind == 'set':
        changes = message.get('changes')
        if not isinstance(changes, dict):
            raise ProtocolError('changes', 'expected an object of set-up fields, got {}'.format(_show(changes)))
        for key in changes:
            if key not in DEFAULT_SETUP:
                raise ProtocolError(key, 'unknown field of the set-up; expected one of {}'.format(
                    ', '.join(DEFAULT_SETUP)))
        cleaned['changes'] = changes          # checked against the session's set-up when it is applied
        return cleaned
    if kind == 'add_point':
        cleaned['x1'] = _number(message.get('x1'), 'x1', -1e3, 1e3)
        cleaned['x2'] = _number(message.get('x2'), 'x2', -1e3, 1e3)
        cleaned['target'] = _number(message.get('target'), 'target', -1e6, 1e6)
        return cleaned
    if kind == 'classify':
        pixels = message.get('pixels')
        if not isinstance(pixels, list) or len(pixels) != 784:
            raise ProtocolError('pixels', 'expected a list of 784 numbers (28 × 28, row by row), got {}'.format(
                _show(pixels)))
        cleaned['pixels'] = [_number(v, 'pixels[{}]'.format(i), 0.0, 1.0) for i, v in enumerate(pixels)]
        return cleaned
    if kind == 'inspect':
        cleaned['layer'] = _integer(message.get('layer'), 'layer', 1, MAX_LAYERS + 1)
        cleaned['unit'] = _integer(message.get('unit'), 'unit', 0, 10 ** 4)
        source = message.get('source')
        cleaned['source'] = None if source is None else _integer(source, 'source', 0, 10 ** 4)
        return cleaned
    known = ('ack', 'set', 'add_point', 'inspect', 'classify') + SIMPLE
    raise ProtocolError('type', 'expected one of {}, got {}'.format(', '.join(known), _show(kind)))


def _no_constant(name):
    raise ValueError('{} is not a number JSON allows'.format(name))
