"""Checkpoints: a trainer saved between epochs and restored to go on exactly where it stopped.

A checkpoint is one JSON file, written as safely as a model file (a synced
temporary file renamed over the target), holding everything the next epochs
depend on:

* ``net``: the net, as a model file holds it;
* ``optimizer``: the trainer's class and settings (learning rate, momentum
  and Nesterov, Adam's betas and eps, the mini-batch size and the dropout
  rates);
* ``optimizer_state``: what the update rule has learned: the velocity, or
  Adam's moments and step count, laid out as the net's parameters;
* ``schedule``: the learning-rate schedule's name, settings and state;
* ``cost``: the cost's class (by the name ``cost_functions.register_cost``
  knows it by) and its L2 term;
* ``random_state`` and ``dropout_random_state``: the states of the trainer's
  random number generators (``numpy.random.Generator``), which decide the
  shuffles and the dropout masks to come;
* ``epochs_done``;
* ``history``: the records of every epoch the trainer's ``train`` measured
  (``trainer.history``), so that a resumed run's history is the whole run's.

Training N epochs straight, or k epochs, a checkpoint, a restore (in another
process, say) and N - k epochs gives bit-identical parameters. The trainer's
``threads`` is not saved (it says how the machine runs the steps, not what
they compute; its default depends on the net and the batch size alone). Reading a
checkpoint checks everything, as reading a model file does, and any problem
raises ``ModelFileError`` naming the file. Files of version 1 (no history,
plain steps only) and version 2 (with the history, plain steps only) still
load. This module owns the checkpoint format:
it writes it and reads it.
"""
import math
import os

import numpy as np

import feedforward_model_file as model_file
from activation_functions import activation_label
from cost_functions import COSTS
from feedforward_model_file import ModelFileError, write_json_atomically
from feedforward_schedules import SCHEDULES, ReduceOnPlateau
from gradient_descent import Adam, GradientDescent, History, StochasticGradientDescent
from neural_net import NeuralNet

__all__ = ['save_checkpoint', 'load_checkpoint', 'resume_into', 'CHECKPOINT_FORMAT', 'CHECKPOINT_VERSION']

#: The ``format`` field of a checkpoint file.
CHECKPOINT_FORMAT = 'feedforward-neural-net-checkpoint'
#: The newest ``version`` of the checkpoint file that ``save_checkpoint`` writes.
CHECKPOINT_VERSION = 3

#: The trainers a checkpoint can hold, by the name written in the file (the costs: ``cost_functions.COSTS``).
OPTIMIZERS = {cls.__name__: cls for cls in (GradientDescent, StochasticGradientDescent, Adam)}
#: NumPy's bit generators whose state a checkpoint can hold.
BIT_GENERATORS = ('PCG64', 'PCG64DXSM', 'MT19937', 'Philox', 'SFC64')

_FIELDS_V1 = ('format', 'version', 'epochs_done', 'optimizer', 'cost', 'random_state', 'net')
_FIELDS_V2 = _FIELDS_V1 + ('history',)
_FIELDS_V3 = _FIELDS_V2 + ('optimizer_state', 'schedule', 'dropout_random_state')
#: The settings of each trainer in the "optimizer" object (besides "class"), by version.
_SETTINGS_V1 = {'GradientDescent': ('learning_rate',), 'StochasticGradientDescent': ('learning_rate', 'batch_size')}
_SETTINGS_V3 = {'GradientDescent': ('learning_rate', 'momentum', 'nesterov'),
                'StochasticGradientDescent': ('learning_rate', 'batch_size', 'momentum', 'nesterov', 'dropout'),
                'Adam': ('learning_rate', 'batch_size', 'betas', 'eps', 'dropout')}
#: The fields of "optimizer_state", by trainer.
_STATE_FIELDS = {'GradientDescent': ('velocity',), 'StochasticGradientDescent': ('velocity',),
                 'Adam': ('first_moment', 'second_moment', 'step_count')}
# The history: at most this many numbers in all, and keys of at most this many characters.
_MAX_HISTORY_VALUES = 1_000_000
_MAX_KEY_LENGTH = 100
# The random state has a few small integers and arrays (MT19937: 624 numbers); bound what it may hold.
_MAX_STATE_ITEMS = 1000
_MAX_STATE_DEPTH = 4
_MAX_INTEGER_DIGITS = 60


def save_checkpoint(path, trainer):
    """Write ``trainer`` (its net, settings, state, random states, epochs done and history) to ``path``, atomically."""
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
    schedule = trainer.schedule
    if SCHEDULES.get(schedule.name) is not type(schedule):
        raise TypeError('expected a schedule of class {}, got {}: a checkpoint holds only the state those have'.format(
            ' or '.join(cls.__name__ for cls in SCHEDULES.values()), type(schedule).__name__))
    optimizer = {'class': name}
    for setting in _SETTINGS_V3[name]:
        value = getattr(trainer, setting)
        optimizer[setting] = list(value) if isinstance(value, tuple) else value
    state = {field: _encode_array(getattr(trainer, field)) for field in _STATE_FIELDS[name]}
    random_state = dropout_random_state = None
    if trainer.rng is not None:
        random_state = _encode_state(trainer.rng.bit_generator)
        dropout_random_state = _encode_state(trainer.dropout_rng.bit_generator)
    return {
        'format': CHECKPOINT_FORMAT,
        'version': CHECKPOINT_VERSION,
        'epochs_done': trainer.epochs_done,
        'optimizer': optimizer,
        'optimizer_state': state,
        'schedule': _encode_schedule(schedule),
        'cost': {'class': type(cost).__name__, 'l2_reg_term': cost.l2_reg_term},
        'random_state': random_state,
        'dropout_random_state': dropout_random_state,
        'net': trainer.neural_net.to_dict(),
        'history': [_encode_record(record) for record in trainer.history],
    }


def _encode_array(value):
    """A state array as a list of numbers (each float exactly as the array holds it), an int as it is, or None."""
    return value.tolist() if isinstance(value, np.ndarray) else value


def load_checkpoint(path, max_parameters=None, max_bytes=None):
    """The trainer saved at ``path``, ready for its next epoch.

    Returns a ``GradientDescent``, ``StochasticGradientDescent`` or ``Adam``
    whose ``neural_net`` and ``cost_function`` are restored with it. A
    missing file raises ``FileNotFoundError``, anything else
    ``ModelFileError``; ``max_parameters`` and ``max_bytes`` bound what the
    file may ask for, as for model files.
    """
    max_parameters = model_file.check_max_parameters(max_parameters)
    source = os.fspath(path)
    # The net, and up to two arrays of optimizer state as large as it.
    data = model_file.read_json(path, max_bytes=max_bytes,
                                max_values=3 * model_file.max_json_values(max_parameters) + 2 * _MAX_STATE_ITEMS
                                + _MAX_HISTORY_VALUES)
    return _trainer_from_dict(data, source=source, max_parameters=max_parameters)


def _trainer_from_dict(data, source='<dict>', max_parameters=None):
    """The trainer described by ``data`` (as ``checkpoint_dict`` makes it), after checking all of it."""
    def fail(problem):
        raise ModelFileError('{}: {}'.format(source, problem))

    version = model_file.check_header(data, CHECKPOINT_FORMAT, _READERS, fail)
    return _READERS[version](data, source, fail, max_parameters)


def _trainer_from_version_1(data, source, fail, max_parameters):
    """Version 1: no history, and plain steps only (no momentum, dropout, schedule or Adam)."""
    model_file.check_fields(data, _FIELDS_V1, 'checkpoint', fail)
    return _trainer(data, source, fail, max_parameters, _SETTINGS_V1)


def _trainer_from_version_2(data, source, fail, max_parameters):
    """Version 2: version 1 and the history."""
    model_file.check_fields(data, _FIELDS_V2, 'checkpoint', fail)
    trainer = _trainer(data, source, fail, max_parameters, _SETTINGS_V1)
    trainer.history = _decode_history(data['history'], fail)
    return trainer


def _trainer_from_version_3(data, source, fail, max_parameters):
    """Version 3: version 2, the update rules' settings and state, the schedule and dropout."""
    model_file.check_fields(data, _FIELDS_V3, 'checkpoint', fail)
    trainer = _trainer(data, source, fail, max_parameters, _SETTINGS_V3)
    trainer.history = _decode_history(data['history'], fail)
    trainer.schedule = _decode_schedule(data['schedule'], fail)
    _restore_state(trainer, data['optimizer_state'], fail)
    if trainer.rng is not None:
        trainer.dropout_rng = np.random.Generator(_decode_state(data['dropout_random_state'], fail,
                                                                'dropout_random_state'))
    elif data['dropout_random_state'] is not None:
        fail('expected "dropout_random_state" to be null for {}, got {}'.format(
            type(trainer).__name__, model_file.describe(data['dropout_random_state'])))
    return trainer


def _trainer(data, source, fail, max_parameters, settings_by_class):
    epochs_done = data['epochs_done']
    if type(epochs_done) is not int or epochs_done < 0:
        fail('expected "epochs_done" to be an integer of at least 0, got {}'.format(model_file.describe(epochs_done)))

    optimizer = _settings(data['optimizer'], 'optimizer', {name: OPTIMIZERS[name] for name in settings_by_class},
                          fail)
    trainer_class = OPTIMIZERS[optimizer['class']]
    expected = {'class'} | set(settings_by_class[optimizer['class']])
    if set(optimizer) != expected:
        fail('expected "optimizer" of {} to have the fields {}, got {}'.format(
            optimizer['class'], ', '.join(sorted(expected)), ', '.join(sorted(optimizer))))
    settings = {key: value for key, value in optimizer.items() if key != 'class'}
    settings['learning_rate'] = _positive_number(settings['learning_rate'], 'optimizer "learning_rate"', fail)
    if 'batch_size' in settings and (type(settings['batch_size']) is not int or settings['batch_size'] < 1):
        fail('expected optimizer "batch_size" to be a positive integer, got {}'.format(
            model_file.describe(settings['batch_size'])))
    for key in ('momentum', 'eps'):
        if key in settings and type(settings[key]) not in (int, float):
            fail('expected optimizer "{}" to be a number, got {}'.format(key, model_file.describe(settings[key])))
    if 'nesterov' in settings and type(settings['nesterov']) is not bool:
        fail('expected optimizer "nesterov" to be true or false, got {}'.format(
            model_file.describe(settings['nesterov'])))
    if 'betas' in settings:
        betas = settings['betas']
        if not isinstance(betas, list) or len(betas) != 2 or any(type(b) not in (int, float) for b in betas):
            fail('expected optimizer "betas" to be a list of two numbers, got {}'.format(model_file.describe(betas)))
    if settings.get('dropout') is not None:
        rates = settings['dropout']
        if not isinstance(rates, list) or any(type(p) not in (int, float) for p in rates):
            fail('expected optimizer "dropout" to be null or a list of rates, got {}'.format(
                model_file.describe(rates)))

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
    stochastic = 'batch_size' in settings
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
    try:
        trainer = trainer_class(net, cost_function, **settings)
    except (TypeError, ValueError) as error:
        fail('"optimizer" holds a setting the trainer refuses: {}'.format(error))
    if stochastic:
        # Versions 1 and 2 have no dropout generator: the trainer keeps the one it spawned (they have no dropout).
        trainer.rng = np.random.Generator(bit_generator)
    trainer.epochs_done = epochs_done
    return trainer


def _restore_state(trainer, state, fail):
    """Put the update rule's state (``optimizer_state``) into ``trainer``, after checking it."""
    name = type(trainer).__name__
    fields = _STATE_FIELDS[name]
    if not isinstance(state, dict) or set(state) != set(fields):
        fail('expected "optimizer_state" of {} to be an object with the fields {}, got {}'.format(
            name, ', '.join(fields), model_file.describe(state)))
    parameters = trainer.neural_net.parameters()
    for field in fields:
        if field == 'step_count':
            if type(state[field]) is not int or state[field] < 0:
                fail('expected "optimizer_state" "step_count" to be an integer of at least 0, got {}'.format(
                    model_file.describe(state[field])))
            trainer.step_count = state[field]
            continue
        values = state[field]
        if values is None and field == 'velocity' and not trainer.momentum:
            continue            # momentum was never used: no velocity yet
        what = '"optimizer_state" "{}"'.format(field)
        if not isinstance(values, list) or len(values) != parameters.size:
            fail('expected {} to be a list of {} numbers, one per parameter, got {}'.format(
                what, parameters.size, model_file.describe(values)))
        if any(type(v) not in (int, float) for v in values):
            fail('expected numbers in {}'.format(what))
        with np.errstate(over='ignore'):
            array = np.array(values, dtype=np.float64).astype(parameters.dtype)
        if not np.isfinite(array).all():
            fail('{} holds a number that is not finite in {}'.format(what, parameters.dtype))
        if field == 'second_moment' and (array < 0).any():
            fail('{} holds a negative number: a mean of squares is never negative'.format(what))
        if field == 'velocity':
            if trainer.velocity is None:
                trainer.velocity = np.empty_like(parameters)
            trainer.velocity[...] = array
        else:
            getattr(trainer, field)[...] = array


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


# ----- the schedule -----------------------------------------------------------
# {"name": ..., the settings, and the state}: ReduceOnPlateau's "best" (null before any epoch: inf) and
# "bad_epochs".

def _encode_schedule(schedule):
    encoded = {'name': schedule.name}
    encoded.update(schedule.settings())
    encoded.update(schedule.state())
    if 'best' in encoded and math.isinf(encoded['best']):
        encoded['best'] = None
    return encoded


def _decode_schedule(data, fail):
    name = data.get('name') if isinstance(data, dict) else None
    if not isinstance(name, str) or name not in SCHEDULES:
        fail('expected "schedule" to be an object whose "name" is one of {}, got {}'.format(
            ', '.join(SCHEDULES), model_file.describe(data.get('name') if isinstance(data, dict) else data)))
    cls = SCHEDULES[data['name']]
    state_fields = ('best', 'bad_epochs') if cls is ReduceOnPlateau else ()
    fields = {'name'} | set(cls.SETTINGS) | set(state_fields)
    if set(data) != fields:
        fail('expected "schedule" {} to have the fields {}, got {}'.format(
            data['name'], ', '.join(sorted(fields)), ', '.join(sorted(data))))
    settings = {key: data[key] for key in cls.SETTINGS}
    for key, value in settings.items():
        if type(value) not in ((int,) if key in ('step_size', 'patience') else (int, float)):
            fail('expected "schedule" "{}" to be {}, got {}'.format(
                key, 'an integer' if key in ('step_size', 'patience') else 'a number', model_file.describe(value)))
    try:
        schedule = cls(**settings)
    except (TypeError, ValueError) as error:
        fail('"schedule" holds a setting the schedule refuses: {}'.format(error))
    if cls is ReduceOnPlateau:
        best, bad_epochs = data['best'], data['bad_epochs']
        if best is not None and (type(best) not in (int, float) or not math.isfinite(best)):
            fail('expected "schedule" "best" to be a finite number or null, got {}'.format(model_file.describe(best)))
        if type(bad_epochs) is not int or not 0 <= bad_epochs <= schedule.patience:
            fail('expected "schedule" "bad_epochs" to be an integer from 0 to the patience, {}, got {}'.format(
                schedule.patience, model_file.describe(bad_epochs)))
        schedule.best = math.inf if best is None else float(best)
        schedule.bad_epochs = bad_epochs
    return schedule


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


def _decode_state(encoded, fail, field='random_state'):
    """The bit generator whose state ``encoded`` (the field ``field``) holds, after checking it; ModelFileError
    otherwise."""
    def fail_here(problem):
        fail(problem.replace('"random_state"', '"{}"'.format(field)))

    count = [0]
    state = _decode(encoded, fail_here, depth=0, count=count)
    name = state.get('bit_generator') if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        fail_here('expected "random_state" to hold the state of one of {}, got {}'.format(
            ', '.join(BIT_GENERATORS), model_file.describe(name)))
    bit_generator = getattr(np.random, name)()
    try:
        bit_generator.state = state
        # NumPy checks names and kinds; compare the round trip to catch anything it let pass unread.
        if _encode(bit_generator.state) != encoded:
            raise ValueError('it does not read back the same')
    except (ValueError, TypeError, KeyError, OverflowError, IndexError, AttributeError) as error:
        fail_here('"random_state" is not a valid {} state: {}'.format(name, error))
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
_READERS = {1: _trainer_from_version_1, 2: _trainer_from_version_2, 3: _trainer_from_version_3}
assert CHECKPOINT_VERSION in _READERS


def resume_into(path, trainer, max_parameters=None, max_bytes=None):
    """Restore the checkpoint at ``path`` into an existing ``trainer``, its net and its cost; returns ``trainer``.

    For scripts that build their net and trainer first and keep references
    to them: the net's parameters, the trainer's settings (learning rate,
    momentum, Nesterov, betas, eps, batch size, dropout), its state
    (velocity or moments and step count), schedule, random states, epochs
    done and history, and the cost's L2 term all become the checkpoint's.
    Raises ``ValueError`` (``ModelFileError`` for the file itself) if the
    checkpoint holds another kind of trainer or cost, or a net of other
    layer sizes, activations or dtype; nothing is changed then.
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
    trainer.cost_function.l2_reg_term = saved.cost_function.l2_reg_term
    name = type(trainer).__name__
    if isinstance(trainer, GradientDescent) and trainer.nesterov:
        trainer.nesterov = False                # so that any momentum may be set first
    for setting in _SETTINGS_V3[name]:
        setattr(trainer, setting, getattr(saved, setting))
    for field in _STATE_FIELDS[name]:
        value = getattr(saved, field)
        setattr(trainer, field, value.copy() if isinstance(value, np.ndarray) else value)
    trainer._chunks = None                      # views of the state arrays are made again
    trainer.schedule = saved.schedule
    if saved.rng is not None:
        trainer.rng, trainer.dropout_rng = saved.rng, saved.dropout_rng
    trainer.epochs_done = saved.epochs_done
    trainer.history = saved.history
    return trainer
