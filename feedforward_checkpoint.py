"""Checkpoints: a trainer saved between epochs and restored to go on exactly where it stopped.

A checkpoint is one JSON file, written as safely as a model file (a synced
temporary file renamed over the target), holding everything the next epochs
depend on:

* ``net``: the net, as a model file holds it;
* ``optimizer``: the trainer's class and settings (learning rate, and the
  mini-batch size for stochastic gradient descent);
* ``cost``: the cost's class (by the name ``cost_functions.register_cost``
  knows it by) and its L2 term;
* ``random_state``: the state of the trainer's random number generator
  (``numpy.random.Generator``), which decides the shuffles to come;
* ``epochs_done``;
* ``history``: the records of every epoch the trainer's ``train`` measured
  (``trainer.history``), so that a resumed run's history is the whole run's.

Training N epochs straight, or k epochs, a checkpoint, a restore (in another
process, say) and N - k epochs gives bit-identical parameters. Reading a
checkpoint checks everything, as reading a model file does, and any problem
raises ``ModelFileError`` naming the file. This module owns the checkpoint
format: it writes it and reads it.
"""
import math
import os

import numpy as np

import feedforward_model_file as model_file
from activation_functions import activation_label
from cost_functions import COSTS
from feedforward_model_file import ModelFileError, write_json_atomically
from gradient_descent import GradientDescent, History, StochasticGradientDescent
from neural_net import NeuralNet

__all__ = ['save_checkpoint', 'load_checkpoint', 'resume_into', 'CHECKPOINT_FORMAT', 'CHECKPOINT_VERSION']

#: The ``format`` field of a checkpoint file.
CHECKPOINT_FORMAT = 'feedforward-neural-net-checkpoint'
#: The newest ``version`` of the checkpoint file that ``save_checkpoint`` writes.
CHECKPOINT_VERSION = 2

#: The trainers a checkpoint can hold, by the name written in the file (the costs: ``cost_functions.COSTS``).
OPTIMIZERS = {cls.__name__: cls for cls in (GradientDescent, StochasticGradientDescent)}
#: NumPy's bit generators whose state a checkpoint can hold.
BIT_GENERATORS = ('PCG64', 'PCG64DXSM', 'MT19937', 'Philox', 'SFC64')

_FIELDS_V1 = ('format', 'version', 'epochs_done', 'optimizer', 'cost', 'random_state', 'net')
_FIELDS_V2 = _FIELDS_V1 + ('history',)
# The history: at most this many numbers in all, and keys of at most this many characters.
_MAX_HISTORY_VALUES = 1_000_000
_MAX_KEY_LENGTH = 100
# The random state has a few small integers and arrays (MT19937: 624 numbers); bound what it may hold.
_MAX_STATE_ITEMS = 1000
_MAX_STATE_DEPTH = 4
_MAX_INTEGER_DIGITS = 60


def save_checkpoint(path, trainer):
    """Write ``trainer`` (its net, settings, random state, epochs done and history) to ``path``, atomically."""
    write_json_atomically(path, _checkpoint_dict(trainer))


def _checkpoint_dict(trainer):
    """The JSON-ready dictionary ``save_checkpoint`` writes."""
    if getattr(trainer, 'in_epoch', False):
        raise ValueError('the trainer stopped in the middle of epoch {}: a checkpoint holds a trainer between '
                         'epochs, so that it resumes exactly; train to the end of an epoch first, or save the net '
                         'alone with net.save'.format(trainer.epochs_done + 1))
    name = type(trainer).__name__
    if OPTIMIZERS.get(name) is not type(trainer):
        raise TypeError('expected a trainer of class {}, got {}: a checkpoint holds only the state those have'.format(
            ' or '.join(OPTIMIZERS), name))
    cost = trainer.cost_function
    if COSTS.get(type(cost).__name__) is not type(cost):
        raise TypeError('expected a cost of a registered class ({}), got {}: register yours once with '
                        'cost_functions.register_cost({}), so that a checkpoint can name it'.format(
                            ', '.join(sorted(COSTS)), type(cost).__name__, type(cost).__name__))
    optimizer = {'class': name, 'learning_rate': trainer.learning_rate}
    random_state = None
    if isinstance(trainer, StochasticGradientDescent):
        optimizer['batch_size'] = trainer.batch_size
        random_state = _encode_state(trainer.rng.bit_generator)
    return {
        'format': CHECKPOINT_FORMAT,
        'version': CHECKPOINT_VERSION,
        'epochs_done': trainer.epochs_done,
        'optimizer': optimizer,
        'cost': {'class': type(cost).__name__, 'l2_reg_term': cost.l2_reg_term},
        'random_state': random_state,
        'net': trainer.neural_net.to_dict(),
        'history': [_encode_record(record) for record in trainer.history],
    }


def load_checkpoint(path, max_parameters=None, max_bytes=None):
    """The trainer saved at ``path``, ready for its next epoch.

    Returns a ``GradientDescent`` or ``StochasticGradientDescent`` whose
    ``neural_net`` and ``cost_function`` are restored with it. A missing
    file raises ``FileNotFoundError``, anything else ``ModelFileError``;
    ``max_parameters`` and ``max_bytes`` bound what the file may ask for,
    as for model files.
    """
    max_parameters = model_file.check_max_parameters(max_parameters)
    source = os.fspath(path)
    data = model_file.read_json(path, max_bytes=max_bytes,
                                max_values=model_file.max_json_values(max_parameters) + _MAX_STATE_ITEMS
                                + _MAX_HISTORY_VALUES)
    return _trainer_from_dict(data, source=source, max_parameters=max_parameters)


def _trainer_from_dict(data, source='<dict>', max_parameters=None):
    """The trainer described by ``data`` (as ``checkpoint_dict`` makes it), after checking all of it."""
    def fail(problem):
        raise ModelFileError('{}: {}'.format(source, problem))

    version = model_file.check_header(data, CHECKPOINT_FORMAT, _READERS, fail)
    return _READERS[version](data, source, fail, max_parameters)


def _trainer_from_version_1(data, source, fail, max_parameters):
    """Version 1: no history."""
    model_file.check_fields(data, _FIELDS_V1, 'checkpoint', fail)
    return _trainer(data, source, fail, max_parameters)


def _trainer_from_version_2(data, source, fail, max_parameters):
    """Version 2: version 1 and the history."""
    model_file.check_fields(data, _FIELDS_V2, 'checkpoint', fail)
    trainer = _trainer(data, source, fail, max_parameters)
    trainer.history = _decode_history(data['history'], fail)
    return trainer


def _trainer(data, source, fail, max_parameters):
    epochs_done = data['epochs_done']
    if type(epochs_done) is not int or epochs_done < 0:
        fail('expected "epochs_done" to be an integer of at least 0, got {}'.format(model_file.describe(epochs_done)))

    optimizer = _settings(data['optimizer'], 'optimizer', OPTIMIZERS, fail)
    trainer_class = OPTIMIZERS[optimizer['class']]
    stochastic = trainer_class is StochasticGradientDescent
    expected = {'class', 'learning_rate'} | ({'batch_size'} if stochastic else set())
    if set(optimizer) != expected:
        fail('expected "optimizer" of {} to have the fields {}, got {}'.format(
            optimizer['class'], ', '.join(sorted(expected)), ', '.join(sorted(optimizer))))
    learning_rate = _positive_number(optimizer['learning_rate'], 'optimizer "learning_rate"', fail)
    if stochastic and (type(optimizer['batch_size']) is not int or optimizer['batch_size'] < 1):
        fail('expected optimizer "batch_size" to be a positive integer, got {}'.format(
            model_file.describe(optimizer['batch_size'])))

    cost = _settings(data['cost'], 'cost', COSTS, fail,
                     hint='; if it is one of yours, define its class and register it with '
                          'cost_functions.register_cost(YourCost) before loading')
    if set(cost) != {'class', 'l2_reg_term'}:
        fail('expected "cost" to have the fields class, l2_reg_term, got {}'.format(', '.join(sorted(cost))))
    l2 = cost['l2_reg_term']
    if l2 != 0:
        l2 = _positive_number(l2, 'cost "l2_reg_term"', fail)
    elif type(l2) not in (int, float):
        fail('expected cost "l2_reg_term" to be a number of at least 0, got {}'.format(model_file.describe(l2)))

    random_state = data['random_state']
    if stochastic:
        bit_generator = _decode_state(random_state, fail)
    elif random_state is not None:
        fail('expected "random_state" to be null for {}, got {}'.format(
            optimizer['class'], model_file.describe(random_state)))

    net = NeuralNet.from_dict(data['net'], source='{} (field "net")'.format(source), max_parameters=max_parameters)
    try:
        cost_function = COSTS[cost['class']](net, l2_reg_term=l2)
    except ValueError as error:
        fail('the cost does not fit the net: {}'.format(error))
    if stochastic:
        trainer = trainer_class(net, cost_function, learning_rate, batch_size=optimizer['batch_size'])
        trainer.rng = np.random.Generator(bit_generator)
    else:
        trainer = trainer_class(net, cost_function, learning_rate)
    trainer.epochs_done = epochs_done
    return trainer


def _settings(value, what, classes, fail, hint=''):
    if not isinstance(value, dict):
        fail('expected "{}" to be an object, got {}'.format(what, model_file.describe(value)))
    name = value.get('class')
    if not isinstance(name, str) or name not in classes:
        fail('expected "{}" "class" to be one of {}, got {}{}'.format(
            what, ', '.join(classes), model_file.describe(name), hint))
    return value


def _positive_number(value, what, fail):
    if type(value) not in (int, float) or not 0 < value < float('inf'):
        fail('expected {} to be a positive finite number, got {}'.format(what, model_file.describe(value)))
    return float(value)


# ----- the history ------------------------------------------------------------
# Records hold numbers, and lists of numbers per layer. JSON has no NaN: a NaN is written as null and
# read back as NaN.

def _encode_record(record):
    return {key: ([_encode_number(v) for v in value] if isinstance(value, (list, tuple)) else _encode_number(value))
            for key, value in record.items()}


def _encode_number(value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError('cannot write a history value {!r}: only numbers and lists of numbers'.format(value))
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value) if math.isfinite(value) else None


def _decode_history(records, fail):
    if not isinstance(records, list):
        fail('expected "history" to be a list of records, got {}'.format(model_file.describe(records)))
    count = 0
    history = History()
    for record in records:
        if not isinstance(record, dict):
            fail('expected every record of "history" to be an object, got {}'.format(model_file.describe(record)))
        decoded = {}
        for key, value in record.items():
            if len(key) > _MAX_KEY_LENGTH:
                fail('a key of "history" is longer than {} characters'.format(_MAX_KEY_LENGTH))
            values = value if isinstance(value, list) else [value]
            count += len(values)
            if count > _MAX_HISTORY_VALUES:
                fail('"history" holds more than {} numbers'.format(_MAX_HISTORY_VALUES))
            for v in values:
                if v is not None and type(v) not in (int, float):
                    fail('expected numbers or null in "history" record {}, got {}'.format(
                        model_file.describe(key), model_file.describe(v)))
            numbers = [float('nan') if v is None else v for v in values]
            decoded[key] = numbers if isinstance(value, list) else numbers[0]
        history.append(decoded)
    return history


# ----- the random state ------------------------------------------------------
# NumPy gives a bit generator's state as a dictionary of strings, integers (PCG64's are 128-bit) and
# unsigned integer arrays. In the file every integer is a string of decimal digits, so that a JSON
# reader with 64-bit floats loses nothing, and every array is {"dtype": "uint32"/"uint64", "values": [...]}.

def _encode_state(bit_generator):
    name = type(bit_generator).__name__
    if name not in BIT_GENERATORS or getattr(np.random, name) is not type(bit_generator):
        raise TypeError('expected the trainer\'s generator to use one of NumPy\'s bit generators {}, got {}'.format(
            ', '.join(BIT_GENERATORS), name))
    return _encode(bit_generator.state)


def _encode(value):
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return {'dtype': value.dtype.name, 'values': [str(int(x)) for x in value.ravel()]}
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, str):
        return {'name': value}
    raise TypeError('cannot write a random state holding {}'.format(type(value).__name__))


def _decode_state(encoded, fail):
    """The bit generator whose state ``encoded`` holds, after checking it; ModelFileError otherwise."""
    count = [0]
    state = _decode(encoded, fail, depth=0, count=count)
    name = state.get('bit_generator') if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        fail('expected "random_state" to hold the state of one of {}, got {}'.format(
            ', '.join(BIT_GENERATORS), model_file.describe(name)))
    bit_generator = getattr(np.random, name)()
    try:
        bit_generator.state = state
        # NumPy checks names and kinds; compare the round trip to catch anything it let pass unread.
        if _encode(bit_generator.state) != encoded:
            raise ValueError('it does not read back the same')
    except (ValueError, TypeError, KeyError, OverflowError, IndexError, AttributeError) as error:
        fail('"random_state" is not a valid {} state: {}'.format(name, error))
    return bit_generator


def _decode(value, fail, depth, count):
    count[0] += 1
    if depth > _MAX_STATE_DEPTH or count[0] > _MAX_STATE_ITEMS:
        fail('"random_state" is nested too deeply or holds too much')
    if isinstance(value, str):
        if not value.isdigit() or not value.isascii() or len(value) > _MAX_INTEGER_DIGITS:
            fail('expected integers in "random_state" as strings of at most {} decimal digits, got {}'.format(
                _MAX_INTEGER_DIGITS, model_file.describe(value)))
        return int(value)
    if isinstance(value, dict) and set(value) == {'name'} and isinstance(value['name'], str):
        return value['name']
    if isinstance(value, dict) and set(value) == {'dtype', 'values'}:
        dtype, values = value['dtype'], value['values']
        if dtype not in ('uint32', 'uint64') or not isinstance(values, list) or len(values) > _MAX_STATE_ITEMS:
            fail('expected an array in "random_state" as uint32 or uint64 values, got {}'.format(
                model_file.describe(value)))
        numbers = [_decode(item, fail, depth + 1, count) for item in values]
        if any(not isinstance(n, int) or n >= np.iinfo(dtype).max + 1 for n in numbers):
            fail('"random_state" holds a number that is not a {}'.format(dtype))
        return np.array(numbers, dtype=dtype)
    if isinstance(value, dict):
        return {key: _decode(item, fail, depth + 1, count) for key, item in value.items()}
    fail('unexpected {} in "random_state"'.format(model_file.describe(value)))


#: The reader of each version of the checkpoint format, by its number.
_READERS = {1: _trainer_from_version_1, 2: _trainer_from_version_2}
assert CHECKPOINT_VERSION in _READERS


def resume_into(path, trainer, max_parameters=None, max_bytes=None):
    """Restore the checkpoint at ``path`` into an existing ``trainer``, its net and its cost; returns ``trainer``.

    For scripts that build their net and trainer first and keep references
    to them: the net's parameters, the trainer's learning rate, batch size,
    random state, epochs done and history, and the cost's L2 term all become
    the checkpoint's. Raises ``ValueError`` (``ModelFileError`` for the file
    itself) if the checkpoint holds another kind of trainer or cost, or a
    net of other layer sizes, activations or dtype; nothing is changed then.
    """
    saved = load_checkpoint(path, max_parameters=max_parameters, max_bytes=max_bytes)
    net, saved_net = trainer.neural_net, saved.neural_net
    mine = (type(trainer).__name__, type(trainer.cost_function).__name__, net.layer_sizes(),
            [activation_label(f) for f in net.activations()], net.dtype.name)
    theirs = (type(saved).__name__, type(saved.cost_function).__name__, saved_net.layer_sizes(),
              [activation_label(f) for f in saved_net.activations()], saved_net.dtype.name)
    if mine != theirs:
        raise ValueError('{}: the checkpoint holds {} with {}, a net {} of {} ({}); this run has {} with {}, '
                         'a net {} of {} ({})'.format(os.fspath(path), *theirs, *mine))
    net.parameters()[...] = saved_net.parameters()
    trainer.learning_rate = saved.learning_rate
    trainer.cost_function.l2_reg_term = saved.cost_function.l2_reg_term
    if isinstance(trainer, StochasticGradientDescent):
        trainer.batch_size = saved.batch_size
        trainer.rng = saved.rng
    trainer.epochs_done = saved.epochs_done
    trainer.history = saved.history
    return trainer
