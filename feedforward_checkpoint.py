"""Checkpoints: a trainer saved between epochs and restored to go on exactly where it stopped.

A checkpoint is one JSON file, written as safely as a model file (a synced
temporary file renamed over the target), holding everything the next epochs
depend on (version 4):

* ``trainer``: the trainer's class (``StochasticGradientDescent``, ``Adam``,
  ``Trainer``, ...) and its own settings: ``learning_rate``, ``batch_size``
  (null for full batches) and ``dropout`` (null, or a rate per non-output
  layer);
* ``rule``: the update rule, by the protocol of ``feedforward_optimizers``:
  its ``name`` (as the registry knows it), its ``settings`` by name, its state
  ``arrays`` by name (each ``{"size": n, "values": [...]}``, laid out as the
  net's parameters) and its state ``scalars`` by name (a step count);
* ``schedule``: the learning-rate schedule's ``name``, ``settings`` and
  ``state`` (each by name; an infinite number is written as null);
* ``cost``: the cost's class (by the name ``cost_functions.register_cost``
  knows it by) and its L2 term;
* ``random_state`` and ``dropout_random_state``: the states of the trainer's
  random number generators (``numpy.random.Generator``), which decide the
  shuffles and the dropout masks to come (null for full batches);
* ``epochs_done``;
* ``history``: the records of every epoch the trainer's ``train`` measured
  (``trainer.history``), so that a resumed run's history is the whole run's.

Any rule and any schedule is written and read through its protocol, a rule
or schedule of your own as the library's (registered, so that the reader
knows the name). Training N epochs straight, or k epochs, a checkpoint, a
restore (in another process, say) and N - k epochs gives bit-identical
parameters. The trainer's ``threads`` is not saved (it says how the machine
runs the steps, not what they compute). Reading a checkpoint checks
everything, as reading a model file does (each setting and state value by
the constraint its rule, schedule or trainer states), and any problem raises
``ModelFileError`` naming the file. Files of versions 1 (plain steps), 2
(with the history) and 3 (momentum, Adam, dropout and schedules, in fields
of their own) still load. This module owns the checkpoint format: it writes
it and reads it.
"""
import math
import os

import numpy as np

import feedforward_model_file as model_file
from activation_functions import activation_label
from cost_functions import COSTS
from feedforward_checks import declared_settings
from feedforward_history import History
from feedforward_model_file import ModelFileError, write_json_atomically
from feedforward_optimizers import OPTIMIZERS
from feedforward_schedules import SCHEDULES
from feedforward_training import Trainer
import gradient_descent  # noqa: F401  (defines the library's trainer classes, which checkpoints name)
from neural_net import NeuralNet

__all__ = ['save_checkpoint', 'load_checkpoint', 'resume_into', 'CHECKPOINT_FORMAT', 'CHECKPOINT_VERSION',
           'BIT_GENERATORS']

#: The ``format`` field of a checkpoint file.
CHECKPOINT_FORMAT = 'feedforward-neural-net-checkpoint'
#: The newest ``version`` of the checkpoint file that ``save_checkpoint`` writes.
CHECKPOINT_VERSION = 4

#: NumPy's bit generators whose state a checkpoint can hold.
BIT_GENERATORS = ('PCG64', 'PCG64DXSM', 'MT19937', 'Philox', 'SFC64')

_FIELDS_V4 = ('format', 'version', 'epochs_done', 'trainer', 'rule', 'schedule', 'cost', 'random_state',
              'dropout_random_state', 'net', 'history')
# The history: at most this many numbers in all, and keys of at most this many characters.
_MAX_HISTORY_VALUES = 1_000_000
_MAX_KEY_LENGTH = 100
# State arrays a rule may keep, each as large as the net (what a file may ask the reader to hold).
_MAX_STATE_ARRAYS = 8
# The random state has a few small integers and arrays (MT19937: 624 numbers); bound what it may hold.
_MAX_STATE_ITEMS = 1000
_MAX_STATE_DEPTH = 4
_MAX_INTEGER_DIGITS = 60


def save_checkpoint(path, trainer):
    """Write ``trainer`` (its net, settings, rule and its state, schedule, random states, epochs done and history)
    to ``path``, atomically."""
    write_json_atomically(path, _checkpoint_dict(trainer))


def _checkpoint_dict(trainer):
    """The JSON-ready dictionary ``save_checkpoint`` writes."""
    if not isinstance(trainer, Trainer):
        raise TypeError('expected a trainer such as StochasticGradientDescent, got {}'.format(type(trainer).__name__))
    if trainer.in_epoch:
        raise ValueError('the trainer stopped in the middle of epoch {}: a checkpoint holds a trainer between '
                         'epochs, so that it resumes exactly; train to the end of an epoch first, or save the net '
                         'alone with net.save'.format(trainer.epochs_done + 1))
    rule, schedule, cost = trainer.rule, trainer.schedule, trainer.cost_function
    if _trainer_classes().get(type(trainer).__name__) is not type(trainer):
        raise TypeError('a checkpoint names the trainer by its class name, {!r}, which is the name of another trainer '
                        'class: give {} a name of its own'.format(type(trainer).__name__, type(trainer).__qualname__))
    for what, registry, item, key, how in (
            ('update rule', OPTIMIZERS, rule, rule.name, 'feedforward_optimizers.register_optimizer'),
            ('schedule', SCHEDULES, schedule, schedule.name, 'feedforward_schedules.register_schedule'),
            ('cost', COSTS, cost, type(cost).__name__, 'cost_functions.register_cost')):
        if registry.get(key) is not type(item):
            raise TypeError('a checkpoint names the {} by {!r}, which is not the name of {} ({} are known): register '
                            'it once with {}({}), so that a checkpoint can name it'.format(
                                what, key, type(item).__qualname__, ', '.join(sorted(registry)), how,
                                type(item).__name__))
    random_state = dropout_random_state = None
    if trainer.rng is not None:
        random_state = _encode_state(trainer.rng.bit_generator)
        dropout_random_state = _encode_state(trainer.dropout_rng.bit_generator)
    return {
        'format': CHECKPOINT_FORMAT,
        'version': CHECKPOINT_VERSION,
        'epochs_done': trainer.epochs_done,
        'trainer': {'class': type(trainer).__name__, 'learning_rate': trainer.learning_rate,
                    'batch_size': trainer.batch_size, 'dropout': _encode_value(trainer.dropout)},
        'rule': {'name': rule.name, 'settings': _encode_values(rule.settings()),
                 'arrays': {name: {'size': array.size, 'values': array.tolist()}
                            for name, array in rule.state().items()},
                 'scalars': _encode_values({name: getattr(rule, name) for name in rule.state_scalars})},
        'schedule': {'name': schedule.name, 'settings': _encode_values(schedule.settings()),
                     'state': _encode_values(schedule.state())},
        'cost': {'class': type(cost).__name__, 'l2_reg_term': cost.l2_reg_term},
        'random_state': random_state,
        'dropout_random_state': dropout_random_state,
        'net': trainer.neural_net.to_dict(),
        'history': [_encode_record(record) for record in trainer.history],
    }


def _encode_values(values):
    return {name: _encode_value(value) for name, value in values.items()}


def _encode_value(value):
    """A setting or a state number as JSON holds it: a tuple as a list, an infinite or NaN number as null."""
    if isinstance(value, (tuple, list)):
        return [_encode_value(item) for item in value]
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _trainer_classes():
    """``Trainer`` and every subclass of it defined so far, by class name (the library's own first)."""
    found, waiting = {}, [Trainer]
    while waiting:
        cls = waiting.pop(0)
        if cls.__name__ not in found or cls.__module__ in ('gradient_descent', 'feedforward_training'):
            found[cls.__name__] = cls
        waiting.extend(cls.__subclasses__())
    return found


def load_checkpoint(path, max_parameters=None, max_bytes=None):
    """The trainer saved at ``path``, ready for its next epoch.

    Returns a trainer of the class that was saved (``StochasticGradientDescent``,
    ``Adam``, ..., or ``Trainer``) whose ``neural_net``, ``cost_function`` and
    ``rule`` are restored with it. A missing file raises
    ``FileNotFoundError``, anything else ``ModelFileError``;
    ``max_parameters`` and ``max_bytes`` bound what the file may ask for, as
    for model files. A rule, schedule or cost of your own must be registered
    (and a trainer class of your own defined) before loading.
    """
    max_parameters = model_file.check_max_parameters(max_parameters)
    source = os.fspath(path)
    data = model_file.read_json(path, max_bytes=max_bytes,
                                max_values=(1 + _MAX_STATE_ARRAYS) * model_file.max_json_values(max_parameters)
                                + 2 * _MAX_STATE_ITEMS + _MAX_HISTORY_VALUES)
    return _trainer_from_dict(data, source=source, max_parameters=max_parameters)


def _trainer_from_dict(data, source='<dict>', max_parameters=None):
    """The trainer described by ``data`` (as ``_checkpoint_dict`` makes it, or an older version), after checking
    all of it."""
    def fail(problem):
        raise ModelFileError('{}: {}'.format(source, problem))

    version = model_file.check_header(data, CHECKPOINT_FORMAT, _READERS, fail)
    return _READERS[version](data, source, fail, max_parameters)


def _trainer_from_version_4(data, source, fail, max_parameters, dropout_generator=True):
    """Version 4; ``dropout_generator`` False (files of versions 1 and 2, which had no dropout) keeps the dropout
    generator the trainer spawns."""
    model_file.check_fields(data, _FIELDS_V4, 'checkpoint', fail)
    epochs_done = data['epochs_done']
    if type(epochs_done) is not int or epochs_done < 0:
        fail('expected "epochs_done" to be an integer of at least 0, got {}'.format(model_file.describe(epochs_done)))
    fields = _object(data['trainer'], '"trainer"', ('class', 'learning_rate', 'batch_size', 'dropout'), fail)
    trainer_class = _named(fields['class'], _trainer_classes(), '"trainer" "class"', fail,
                           '; if it is a class of yours, define it before loading')
    rule_fields = _object(data['rule'], '"rule"', ('name', 'settings', 'arrays', 'scalars'), fail)
    rule_class = _named(rule_fields['name'], OPTIMIZERS, '"rule" "name"', fail,
                        '; if it is a rule of yours, register it with feedforward_optimizers.register_optimizer '
                        'before loading')
    rule = _built(rule_class, rule_fields['settings'], '"rule" "settings"', fail)
    schedule = _decode_schedule(data['schedule'], fail)
    net = NeuralNet.from_dict(data['net'], source='{} (field "net")'.format(source), max_parameters=max_parameters)
    cost = _decode_cost(data['cost'], net, fail)
    trainer = trainer_class.__new__(trainer_class)
    random_state = data['random_state']
    if fields['batch_size'] is None and random_state is not None:
        fail('expected "random_state" to be null for a trainer of full batches, got {}'.format(
            model_file.describe(random_state)))
    if fields['learning_rate'] is None:
        fail('expected "trainer" "learning_rate" to be a positive finite number, got null')
    try:
        Trainer.__init__(trainer, net, cost, rule, fields['learning_rate'], fields['batch_size'],
                         dropout=fields['dropout'], schedule=schedule)
    except (TypeError, ValueError) as error:
        fail('"trainer" holds a setting the trainer refuses: {}'.format(error))
    _restore_rule_state(rule, rule_fields['arrays'], rule_fields['scalars'], net.parameters(), fail)
    if trainer.rng is not None:
        trainer.rng = np.random.Generator(_decode_state(random_state, fail))
        if dropout_generator:
            trainer.dropout_rng = np.random.Generator(_decode_state(data['dropout_random_state'], fail,
                                                                    'dropout_random_state'))
    elif data['dropout_random_state'] is not None:
        fail('expected "dropout_random_state" to be null for a trainer of full batches, got {}'.format(
            model_file.describe(data['dropout_random_state'])))
    trainer.epochs_done = epochs_done
    trainer.history = _decode_history(data['history'], fail)
    return trainer


def _object(value, what, fields, fail):
    """``value`` if it is a JSON object with exactly ``fields``."""
    if not isinstance(value, dict) or set(value) != set(fields):
        fail('expected {} to be an object with the fields {}, got {}'.format(
            what, ', '.join(fields), model_file.describe(value) if not isinstance(value, dict)
            else 'the fields ' + ', '.join(sorted(value))))
    return value


def _named(name, registry, what, fail, hint=''):
    if not isinstance(name, str) or name not in registry:
        fail('expected {} to be one of {}, got {}{}'.format(what, ', '.join(sorted(registry)),
                                                          model_file.describe(name), hint))
    return registry[name]


def _built(cls, settings, what, fail):
    """``cls(**settings)``, each setting checked by the constraint ``cls`` states for it."""
    if not isinstance(settings, dict):
        fail('expected {} to be an object, got {}'.format(what, model_file.describe(settings)))
    declared = set(declared_settings(cls))
    if set(settings) != declared:
        fail('expected {} of {} to have the fields {}, got {}'.format(
            what, cls.__name__, ', '.join(sorted(declared)) or 'none', ', '.join(sorted(settings)) or 'none'))
    try:
        return cls(**settings)
    except (TypeError, ValueError) as error:
        fail('{} holds a setting {} refuses: {}'.format(what, cls.__name__, error))


def _restore_rule_state(rule, arrays, scalars, parameters, fail):
    """Put the rule's state arrays and numbers from the file into ``rule`` (built for ``parameters``), after
    checking them: every array the rule keeps now, each of one number per parameter, finite in the net's dtype
    (and not negative where the rule says so), and every number by its constraint."""
    if not isinstance(arrays, dict) or not set(rule.state()) <= set(arrays) <= set(rule.state_arrays):
        fail('expected "rule" "arrays" of {} to be an object of state arrays among {} (at least {}), got {}'.format(
            rule.name, ', '.join(rule.state_arrays) or 'none', ', '.join(rule.state()) or 'none',
            model_file.describe(arrays) if not isinstance(arrays, dict) else ', '.join(sorted(arrays)) or 'none'))
    for name, entry in arrays.items():
        what = '"rule" "arrays" "{}"'.format(name)
        if not isinstance(entry, dict) or set(entry) != {'size', 'values'} or entry['size'] != parameters.size:
            fail('expected {} to be {{"size": {}, "values": [...]}}, one number per parameter, got {}'.format(
                what, parameters.size, model_file.describe(entry)))
        values = entry['values']
        if not isinstance(values, list) or len(values) != parameters.size or \
                any(type(v) not in (int, float) for v in values):
            fail('expected {} to hold {} numbers, one per parameter'.format(what, parameters.size))
        with np.errstate(over='ignore'):
            array = np.array(values, dtype=np.float64).astype(parameters.dtype)
        if not np.isfinite(array).all():
            fail('{} holds a number that is not finite in {}'.format(what, parameters.dtype))
        if name in rule.nonnegative_state and (array < 0).any():
            fail('{} holds a negative number, which {} never keeps there'.format(what, rule.name))
        setattr(rule, name, array)
    _set_numbers(rule, rule.state_scalars, scalars, '"rule" "scalars" of {}'.format(rule.name), fail)


def _set_numbers(owner, constraints, values, what, fail):
    """Set every number of ``values`` (a JSON object) on ``owner``, each checked by its constraint in
    ``constraints``, a dict by name."""
    if not isinstance(values, dict) or set(values) != set(constraints):
        fail('expected {} to be an object with the fields {}, got {}'.format(
            what, ', '.join(constraints) or 'none', model_file.describe(values)))
    for name, check in constraints.items():
        try:
            setattr(owner, name, check(values[name], name))
        except (TypeError, ValueError) as error:
            fail('{}: {}'.format(what, error))


def _decode_cost(data, net, fail):
    fields = _object(data, '"cost"', ('class', 'l2_reg_term'), fail)
    cls = _named(fields['class'], COSTS, '"cost" "class"', fail,
                 '; if it is one of yours, define its class and register it with '
                 'cost_functions.register_cost(YourCost) before loading')
    l2 = fields['l2_reg_term']
    if type(l2) not in (int, float):
        fail('expected cost "l2_reg_term" to be a number of at least 0, got {}'.format(model_file.describe(l2)))
    try:
        return cls(net, l2_reg_term=l2)
    except (TypeError, ValueError) as error:
        fail('the cost does not fit the net: {}'.format(error))


# ----- the schedule -----------------------------------------------------------
# {"name": ..., "settings": {...}, "state": {...}}, each value checked by the schedule's own constraints.

def _decode_schedule(data, fail):
    fields = _object(data, '"schedule"', ('name', 'settings', 'state'), fail)
    cls = _named(fields['name'], SCHEDULES, '"schedule" "name"', fail,
                 '; if it is a schedule of yours, register it with feedforward_schedules.register_schedule before '
                 'loading')
    schedule = _built(cls, fields['settings'], '"schedule" "settings"', fail)
    _set_numbers(schedule, cls.state_fields, fields['state'], '"schedule" "state" of {}'.format(cls.name), fail)
    try:
        schedule.check_state()
    except ValueError as error:
        fail('"schedule" "state": {}'.format(error))
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


# ----- versions 1 to 3 --------------------------------------------------------------------------------
# Their fields, turned into those of version 4: the trainer's settings and the rule's were one object
# ("optimizer"), the rule's state another ("optimizer_state"), and the schedule's settings and state were beside
# its name.

_FIELDS_V1 = ('format', 'version', 'epochs_done', 'optimizer', 'cost', 'random_state', 'net')
_FIELDS_V2 = _FIELDS_V1 + ('history',)
_FIELDS_V3 = _FIELDS_V2 + ('optimizer_state', 'schedule', 'dropout_random_state')
#: What each trainer of versions 1 to 3 wrote, beside its class: its rule, its trainer settings, its rule settings
#: (versions 1 and 2 wrote the learning rate and the batch size alone: plain steps) and its state.
_V3_TRAINERS = {
    'GradientDescent': ('sgd', ('learning_rate',), ('momentum', 'nesterov'), ('velocity',)),
    'StochasticGradientDescent': ('sgd', ('learning_rate', 'batch_size', 'dropout'), ('momentum', 'nesterov'),
                                  ('velocity',)),
    'Adam': ('adam', ('learning_rate', 'batch_size', 'dropout'), ('betas', 'eps'),
             ('first_moment', 'second_moment', 'step_count')),
}
_V3_SCHEDULE_STATE = {'plateau': ('best', 'bad_epochs')}


def _trainer_from_version_1(data, source, fail, max_parameters):
    """Version 1: no history, and plain steps only (no momentum, dropout, schedule or Adam)."""
    model_file.check_fields(data, _FIELDS_V1, 'checkpoint', fail)
    return _from_older(dict(data, history=[]), source, fail, max_parameters, version=1)


def _trainer_from_version_2(data, source, fail, max_parameters):
    """Version 2: version 1 and the history."""
    model_file.check_fields(data, _FIELDS_V2, 'checkpoint', fail)
    return _from_older(data, source, fail, max_parameters, version=2)


def _trainer_from_version_3(data, source, fail, max_parameters):
    """Version 3: version 2, the update rules' settings and state, the schedule and dropout."""
    model_file.check_fields(data, _FIELDS_V3, 'checkpoint', fail)
    return _from_older(data, source, fail, max_parameters, version=3)


def _from_older(data, source, fail, max_parameters, version):
    """The trainer of a file of version 1, 2 or 3, read as the same trainer in version 4."""
    optimizer = data['optimizer']
    name = optimizer.get('class') if isinstance(optimizer, dict) else None
    known = _V3_TRAINERS if version == 3 else {key: value for key, value in _V3_TRAINERS.items() if key != 'Adam'}
    if not isinstance(name, str) or name not in known:
        fail('expected "optimizer" "class" to be one of {}, got {}'.format(', '.join(known), model_file.describe(name)))
    rule, trainer_fields, rule_fields, state_fields = known[name]
    if version < 3:
        trainer_fields = tuple(field for field in trainer_fields if field != 'dropout')
        rule_fields = state_fields = ()
    expected = {'class'} | set(trainer_fields) | set(rule_fields)
    if set(optimizer) != expected:
        fail('expected "optimizer" of {} to have the fields {}, got {}'.format(
            name, ', '.join(sorted(expected)), ', '.join(sorted(optimizer))))
    trainer = {'class': name, 'learning_rate': optimizer['learning_rate'],
               'batch_size': optimizer.get('batch_size'), 'dropout': optimizer.get('dropout')}
    if 'batch_size' in optimizer and type(optimizer['batch_size']) is not int:
        fail('expected optimizer "batch_size" to be a positive integer, got {}'.format(
            model_file.describe(optimizer['batch_size'])))
    # A setting the version did not have (plain steps alone in versions 1 and 2, no amsgrad in 3) is the default.
    settings = dict(OPTIMIZERS[rule]().settings(), **{field: optimizer[field] for field in rule_fields})
    state = data.get('optimizer_state', {})
    if version == 3 and (not isinstance(state, dict) or set(state) != set(state_fields)):
        fail('expected "optimizer_state" of {} to be an object with the fields {}, got {}'.format(
            name, ', '.join(state_fields), model_file.describe(state)))
    arrays, scalars = {}, {}
    for field in state_fields:
        if field == 'step_count':
            scalars[field] = state[field]
        elif state[field] is not None or field != 'velocity' or optimizer.get('momentum'):
            values = state[field]
            arrays[field] = {'size': len(values) if isinstance(values, list) else None, 'values': values}
    if version == 3:
        schedule = _schedule_from_version_3(data['schedule'], fail)
        dropout_state = data['dropout_random_state']
        if name == 'StochasticGradientDescent' or name == 'Adam':
            if dropout_state is None:
                fail('expected "dropout_random_state" to hold the state of a generator, got null')
    else:
        schedule = {'name': 'constant', 'settings': {}, 'state': {}}
        dropout_state = None
    upgraded = dict(data, version=4, trainer=trainer, schedule=schedule,
                    rule={'name': rule, 'settings': settings, 'arrays': arrays, 'scalars': scalars},
                    dropout_random_state=dropout_state)
    for old in ('optimizer', 'optimizer_state'):
        upgraded.pop(old, None)
    # No dropout generator in versions 1 and 2 (they had no dropout): the trainer keeps the one it spawns.
    return _trainer_from_version_4(upgraded, source, fail, max_parameters, dropout_generator=version == 3)


def _schedule_from_version_3(data, fail):
    """A version 3 schedule, ``{"name": ..., its settings..., its state...}``, as version 4 writes it."""
    name = data.get('name') if isinstance(data, dict) else None
    if not isinstance(name, str) or name not in ('constant', 'exponential', 'step', 'plateau'):
        fail('expected "schedule" to be an object whose "name" is one of constant, exponential, step, plateau, got '
             '{}'.format(model_file.describe(name if isinstance(data, dict) else data)))
    state_fields = _V3_SCHEDULE_STATE.get(name, ())
    return {'name': name, 'settings': {key: value for key, value in data.items()
                                       if key != 'name' and key not in state_fields},
            'state': {key: data[key] for key in state_fields if key in data}}


#: The reader of each version of the checkpoint format, by its number.
_READERS = {1: _trainer_from_version_1, 2: _trainer_from_version_2, 3: _trainer_from_version_3,
            4: _trainer_from_version_4}
assert CHECKPOINT_VERSION in _READERS


def resume_into(path, trainer, max_parameters=None, max_bytes=None):
    """Restore the checkpoint at ``path`` into an existing ``trainer``, its net, its rule and its cost; returns
    ``trainer``.

    For scripts that build their net and trainer first and keep references
    to them: the net's parameters, the trainer's settings (learning rate,
    batch size, dropout), the rule's settings and state, the schedule, the
    random states (put into the trainer's own generators where they are of
    the same kind, so that whatever holds them draws on as the run never
    stopped), the epochs done and the history, and the cost's L2 term all
    become the checkpoint's. Raises ``ValueError`` (``ModelFileError`` for
    the file itself) if the checkpoint holds another kind of trainer, rule
    or cost, or a net of other layer sizes, activations or dtype; nothing is
    changed then.
    """
    saved = load_checkpoint(path, max_parameters=max_parameters, max_bytes=max_bytes)
    net, saved_net = trainer.neural_net, saved.neural_net
    mine = (type(trainer).__name__, trainer.rule.name, type(trainer.cost_function).__name__, net.layer_sizes(),
            [activation_label(f) for f in net.activations()], net.dtype.name)
    theirs = (type(saved).__name__, saved.rule.name, type(saved.cost_function).__name__, saved_net.layer_sizes(),
              [activation_label(f) for f in saved_net.activations()], saved_net.dtype.name)
    if mine != theirs:
        raise ValueError('{}: the checkpoint holds {} with the rule {} and {}, a net {} of {} ({}); this run has {} '
                         'with the rule {} and {}, a net {} of {} ({})'.format(os.fspath(path), *theirs, *mine))
    if (trainer.rng is None) != (saved.rng is None):
        raise ValueError('{}: the checkpoint holds a trainer of {}; this one takes {}'.format(
            os.fspath(path), *['full batches' if t.rng is None else 'mini-batches' for t in (saved, trainer)]))
    net.parameters()[...] = saved_net.parameters()
    trainer.cost_function.l2_reg_term = saved.cost_function.l2_reg_term
    rule, saved_rule = trainer.rule, saved.rule
    for name in rule.state_arrays:
        array = getattr(saved_rule, name)
        setattr(rule, name, None if array is None else array.copy())
    for name in rule.state_scalars:
        setattr(rule, name, getattr(saved_rule, name))
    for name, value in saved_rule.settings().items():
        setattr(rule, '_' + name, value)        # settings that were valid together in the file, set together
    trainer.batch_size, trainer.dropout = saved.batch_size, saved.dropout
    trainer.learning_rate, trainer.schedule = saved.learning_rate, saved.schedule
    for name in ('rng', 'dropout_rng'):
        mine, theirs = getattr(trainer, name), getattr(saved, name)
        if mine is not None and type(mine.bit_generator) is type(theirs.bit_generator):
            mine.bit_generator.state = theirs.bit_generator.state
        else:
            setattr(trainer, name, theirs)
    trainer.epochs_done = saved.epochs_done
    trainer.history = saved.history
    return trainer
