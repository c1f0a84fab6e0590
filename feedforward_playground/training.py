"""Everything the playground knows about update rules and schedules: their catalog, and making trainers.

This is the one module of the playground that names the library's trainers
and update rules (``gradient_descent.Trainer``, the registry
``feedforward_optimizers.OPTIMIZERS``) and schedules
(``feedforward_schedules.SCHEDULES``): the rest asks it for
``optimizer_catalog()`` and ``schedule_catalog()`` (JSON-ready lists shown on
the page), ``make_trainer(...)`` and ``change_setting(...)``, and the Python
source of the same calls for "Copy as Python" (``trainer_code``,
``setting_code``). Every rule of the registry is offered, one that a script
registered before starting the playground too, with its settings read from
the constraints its class declares.

A setting is described as ``{'name', 'kind', 'default', 'min', 'max'}``, where
``kind`` is 'number' (a float in [min, max]), 'log' (a positive float in [min,
max] best shown on a log scale), 'int' or 'bool'. A setting that is a pair
(Adam's ``betas``) is offered as two numbers (``beta1`` and ``beta2``).
"""
import ast
import re

import numpy as np

import feedforward_schedules
from feedforward_checks import Flag, Integer, Interval, Pair, Setting, apply_settings, declared_settings
from feedforward_optimizers import OPTIMIZERS, SGDRule, UpdateRule
from gradient_descent import Trainer

__all__ = ['optimizer_catalog', 'schedule_catalog', 'defaults', 'make_trainer', 'make_schedule', 'change_setting',
           'trainer_code', 'setting_code', 'schedule_code', 'update_formula', 'optimizer_state', 'is_library_rule',
           'LEARNING_RATE', 'BATCH_SIZE', 'DROPOUT']

#: The learning rate, batch size and dropout rate the page offers.
LEARNING_RATE = {'name': 'learning_rate', 'kind': 'log', 'default': 0.03, 'min': 1e-5, 'max': 10.0}
BATCH_SIZE = {'name': 'batch_size', 'kind': 'int', 'default': 10, 'min': 1, 'max': 2000}
DROPOUT = {'name': 'dropout', 'kind': 'number', 'default': 0.0, 'min': 0.0, 'max': 0.9}

#: How far a setting's control reaches where its constraint has no bound, or an open one.
_WIDEST, _BELOW_ONE = 1e6, 0.99999


def _control(name, constraint, default):
    """The page's control of one setting (see the module docstring), from its constraint."""
    if isinstance(constraint, Flag):
        return {'name': name, 'kind': 'bool', 'default': bool(default)}
    if isinstance(constraint, Integer):
        return {'name': name, 'kind': 'int', 'default': default, 'min': constraint.low,
                'max': constraint.high if constraint.high is not None else 100000}
    low = constraint.low if isinstance(constraint, Interval) and constraint.low is not None else -_WIDEST
    high = constraint.high if isinstance(constraint, Interval) and constraint.high is not None else _WIDEST
    if isinstance(constraint, Interval) and high == 1 and constraint.closed in ('left', 'neither'):
        high = _BELOW_ONE
    positive = isinstance(constraint, Interval) and low == 0 and constraint.closed in ('right', 'neither')
    if positive:
        return {'name': name, 'kind': 'log', 'default': default, 'min': min(1e-12, default), 'max': 1.0}
    return {'name': name, 'kind': 'number', 'default': default, 'min': low, 'max': high}


def _pair_names(name):
    """The two controls of a pair setting: ``betas`` gives ``beta1`` and ``beta2``."""
    stem = name[:-1] if name.endswith('s') else name
    return stem + '1', stem + '2'


def _controls(rule_class):
    controls = []
    for name, setting in declared_settings(rule_class).items():
        if isinstance(setting.check, Pair):
            for part, default in zip(_pair_names(name), setting.default):
                controls.append(_control(part, setting.check.constraint, default))
        elif isinstance(setting.check, (Flag, Integer, Interval)):
            controls.append(_control(name, setting.check, setting.default))
    return controls


def optimizer_catalog():
    """Every update rule of the registry: ``[{'name', 'label', 'settings': [setting, ...]}, ...]``."""
    return [{'name': name, 'label': _label(cls), 'settings': _controls(cls)} for name, cls in OPTIMIZERS.items()]


def _label(rule_class):
    first = (rule_class.__doc__ or '').strip().split('\n')[0]
    return first.split(':')[0].split(',')[0].split('(')[0].strip() or rule_class.name


#: The page's first values of the schedules' settings, where the library's differ or it has none.
_SCHEDULE_DEFAULTS = {'exponential': {'factor': 0.99}, 'step': {'step_size': 100, 'factor': 0.5},
                      'plateau': {'factor': 0.5}}


def _schedule_controls(name):
    controls = []
    for key, setting in declared_settings(feedforward_schedules.SCHEDULES[name]).items():
        default = _SCHEDULE_DEFAULTS.get(name, {}).get(key, setting.default)
        if default is Setting.REQUIRED:             # a schedule a script registered: its lowest value, or 1
            default = getattr(setting.check, 'low', None) or 1
        if isinstance(setting.check, (Flag, Integer, Interval)):
            controls.append(_control(key, setting.check, default))
    return controls


def schedule_catalog():
    """Every learning-rate schedule of ``feedforward_schedules.SCHEDULES``, with its settings."""
    catalog = []
    for name, cls in feedforward_schedules.SCHEDULES.items():
        doc = (cls.__doc__ or '').strip().split('\n')[0]
        catalog.append({'name': name, 'label': cls.__name__, 'doc': doc, 'settings': _schedule_controls(name),
                        'needs_evaluation': bool(cls.needs_evaluation)})
    return catalog


def defaults(optimizer):
    """The default settings of ``optimizer``, by the names of its controls."""
    return {c['name']: c['default'] for c in _controls(OPTIMIZERS[optimizer])}


def _rule_settings(optimizer, settings):
    """The settings of the rule ``optimizer``, by its own names, from those of the page's controls (``settings``,
    missing ones at their defaults); a pair's two controls become the pair again."""
    values = dict(defaults(optimizer), **(settings or {}))
    rule_settings = {}
    for name, setting in declared_settings(OPTIMIZERS[optimizer]).items():
        if isinstance(setting.check, Pair):
            rule_settings[name] = tuple(values[part] for part in _pair_names(name))
        elif name in values:
            rule_settings[name] = values[name]
    if rule_settings.get('nesterov') and not rule_settings.get('momentum'):
        rule_settings['nesterov'] = False          # the page's Nesterov box means nothing at momentum 0
    return rule_settings


def make_schedule(name, settings=None):
    """The schedule ``name`` of ``feedforward_schedules.SCHEDULES`` built with ``settings`` (a dict; missing ones
    take the page's defaults)."""
    return feedforward_schedules.SCHEDULES[name](**_schedule_settings(name, settings))


def _schedule_settings(name, settings):
    return dict({c['name']: c['default'] for c in _schedule_controls(name)}, **(settings or {}))


def make_trainer(net, cost, optimizer, settings, learning_rate, batch_size, seed, dropout=0.0, schedule=None,
                 dropout_seed=None):
    """A trainer of ``net`` on ``cost`` by the update rule ``optimizer`` (a name of the registry).

    ``settings``: the rule's own settings by the names of the page's
    controls (missing ones take their defaults); ``seed``: the shuffles';
    ``dropout``: one rate for every hidden layer (0: none), whose masks are
    drawn from ``dropout_seed`` when it is given (else from a generator
    spawned from ``seed``); ``schedule``: a ``(name, settings)`` pair or None.
    """
    rule = OPTIMIZERS[optimizer](**_rule_settings(optimizer, settings))
    trainer = Trainer(net, cost, rule, learning_rate=learning_rate, batch_size=batch_size, seed=seed,
                      dropout=dropout or None, schedule=None if schedule is None else make_schedule(*schedule))
    if dropout_seed is not None:
        trainer.dropout_rng = np.random.default_rng(dropout_seed)
    return trainer


def change_setting(trainer, optimizer, settings):
    """Give ``trainer`` (made by ``make_trainer`` for ``optimizer``) the rule's ``settings`` (all of them, by
    name) between epochs, checked together; its state (velocity, moments) is kept."""
    apply_settings(trainer.rule, _rule_settings(optimizer, settings))


def _number(value):
    return repr(float(value)) if not isinstance(value, bool) else repr(value)


def trainer_code(optimizer, settings, learning_rate, batch_size, seed, dropout=0.0, schedule=None,
                 dropout_seed=None):
    """``(imports, lines)``: the Python that ``make_trainer`` amounts to, binding ``trainer`` (from ``net`` and
    ``cost``)."""
    imports = {'from gradient_descent import Trainer'}
    rule_imports, rule = _rule_code(optimizer, settings)
    imports |= rule_imports
    arguments = ['net', 'cost', rule, 'learning_rate={}'.format(_number(learning_rate)),
                 'batch_size={}'.format(int(batch_size)), 'seed={}'.format(int(seed))]
    if dropout:
        arguments.append('dropout={}'.format(_number(dropout)))
    if schedule is not None and schedule[0] != 'constant':
        schedule_imports, expression = schedule_code(*schedule)
        imports |= schedule_imports
        arguments.append('schedule={}'.format(expression))
    lines = ['trainer = Trainer({})'.format(', '.join(arguments))]
    if dropout_seed is not None:
        imports.add('import numpy as np')
        lines.append('trainer.dropout_rng = np.random.default_rng({})'.format(int(dropout_seed)))
    return imports, lines


def _rule_code(optimizer, settings):
    """``(imports, expression)`` of the rule ``make_trainer`` builds: by its class, if the library's, else by its
    name in the registry (the script must then register it first, as the playground's did)."""
    cls = OPTIMIZERS[optimizer]
    arguments = ', '.join('{}={}'.format(name, _literal(value)) for name, value in _rule_settings(
        optimizer, settings).items() if value != declared_settings(cls)[name].default)
    if is_library_rule(optimizer):
        return {'from feedforward_optimizers import {}'.format(cls.__name__)}, '{}({})'.format(cls.__name__,
                                                                                              arguments)
    return {'from feedforward_optimizers import OPTIMIZERS'}, "OPTIMIZERS[{!r}]({})".format(optimizer, arguments)


def _literal(value):
    if isinstance(value, tuple):
        return '({})'.format(', '.join(_literal(v) for v in value))
    return repr(value) if isinstance(value, (bool, int)) else _number(value)


def schedule_code(name, settings=None):
    """``(imports, expression)`` of the schedule ``make_schedule(name, settings)`` makes."""
    cls = feedforward_schedules.SCHEDULES[name]
    arguments = ', '.join('{}={}'.format(key, _literal(value)) for key, value in _schedule_settings(
        name, settings).items())
    if cls.__module__ == 'feedforward_schedules':
        return {'from feedforward_schedules import {}'.format(cls.__name__)}, '{}({})'.format(cls.__name__,
                                                                                              arguments)
    return {'from feedforward_schedules import SCHEDULES'}, 'SCHEDULES[{!r}]({})'.format(name, arguments)


def setting_code(optimizer, settings):
    """The lines that ``change_setting(trainer, optimizer, settings)`` amounts to: ``(line, imports)`` pairs."""
    values = ', '.join('{}={}'.format(name, _literal(value))
                       for name, value in _rule_settings(optimizer, settings).items())
    return [('apply_settings(trainer.rule, dict({}))   # the settings together'.format(values),
             {'from feedforward_checks import apply_settings'})]


def is_library_rule(optimizer):
    """Whether the update rule ``optimizer`` is one of the library's (else a script registered it)."""
    return OPTIMIZERS[optimizer].__module__ == 'feedforward_optimizers'


def update_formula(optimizer, settings):
    """The update rule of ``optimizer`` with ``settings``, written out for one parameter θ with gradient g: for
    SGD the one line its settings use, for any other rule the lines its docstring gives (one per line)."""
    rule_settings = _rule_settings(optimizer, settings)
    if OPTIMIZERS[optimizer] is SGDRule:
        if not rule_settings['momentum']:
            return 'θ ← θ − η g'
        if rule_settings['nesterov']:
            return 'b ← μ b + g;  θ ← θ − η (g + μ b)'
        return 'b ← μ b + g;  θ ← θ − η b'
    return _docstring_formula(OPTIMIZERS[optimizer], rule_settings)


#: The docstrings' plain-text names, and the symbols the page shows for them.
_SYMBOLS = [(r'\bbeta1\b', 'β₁'), (r'\bbeta2\b', 'β₂'), (r'\bbeta\b', 'β'), (r'\btheta\b', 'θ'),
            (r'\beta\b', 'η'), (r'\bmu\b', 'μ'),
            (r'\balpha\b', 'α'), (r'\blambda', 'λ'), (r'\beps\b', 'ε'), (r'\bsqrt', '√'),
            (r'<-', '←'), (r'\^2\b', '²'), (r'\^t\b', 'ᵗ'), (r' - ', ' − ')]


def _docstring_formula(rule_class, settings):
    """The formula a rule's docstring writes out (its indented block after ``::``), then those of the rules it
    builds on, a line for each line, with Greek letters for their names; the rule's name if none has one. A line
    that ends on a condition its settings do not meet, such as ``(amsgrad=True; ...)``, is left out."""
    lines = []
    for cls in rule_class.__mro__:                   # AdamW's own line, then the step of Adam it builds on
        doc = vars(cls).get('__doc__') or ''
        if issubclass(cls, UpdateRule) and cls is not UpdateRule and '::' in doc:
            block = doc.split('::', 1)[1].strip('\n').split('\n\n')[0]
            lines += [' '.join(line.split()) for line in block.splitlines() if _meets(line, settings)]
    if not lines:
        return rule_class.name
    text = '\n'.join(lines)
    for pattern, symbol in _SYMBOLS:
        text = re.sub(pattern, symbol, text)
    return text


def _meets(line, settings):
    """Whether a line of a formula holds with ``settings``: it is not blank, and a condition that ends it, if
    any (``(name=value`` or ``(name > value``), holds for that setting."""
    condition = re.search(r'\((\w+) ?(=|>) ?([^;,)]+)[;,)][^(]*$', line)
    if condition is None or condition.group(1) not in settings:
        return bool(line.strip())
    name, relation, value = condition.groups()
    try:
        value = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        return True
    return settings[name] == value if relation == '=' else settings[name] > value


def optimizer_state(trainer):
    """The rule's state arrays (laid out as the net's parameters) and numbers (a step count), by name; copies,
    taken between steps. Within an epoch SGD holds its velocity scaled by the learning rate (see
    ``feedforward_optimizers.SGDRule``): its numbers are in the formula's units only between epochs."""
    rule = trainer.rule
    state = {name: array.copy() for name, array in rule.state().items()}
    state.update((name, getattr(rule, name)) for name in rule.state_scalars)
    return state
