"""Everything the playground knows about update rules and schedules: their catalog, and making trainers.

This is the one module of the playground that names the library's trainers
(``gradient_descent``) and schedules (``feedforward_schedules``): the rest
asks it for ``optimizer_catalog()`` and ``schedule_catalog()`` (JSON-ready
lists shown on the page), ``make_trainer(...)`` and ``change_setting(...)``,
and the Python source of the same calls for "Copy as Python"
(``trainer_code``, ``setting_code``). When the library gets a registry of
update rules, only this module changes.

A setting is described as ``{'name', 'kind', 'default', 'min', 'max'}``, where
``kind`` is 'number' (a float in [min, max]), 'log' (a positive float in [min,
max] best shown on a log scale), 'int' or 'bool'.
"""
import numpy as np

import feedforward_schedules
from gradient_descent import Adam, StochasticGradientDescent

__all__ = ['optimizer_catalog', 'schedule_catalog', 'defaults', 'make_trainer', 'make_schedule', 'change_setting',
           'trainer_code', 'setting_code', 'schedule_code', 'update_formula', 'optimizer_state',
           'LEARNING_RATE', 'BATCH_SIZE', 'DROPOUT']

#: The learning rate, batch size and dropout rate the page offers.
LEARNING_RATE = {'name': 'learning_rate', 'kind': 'log', 'default': 0.03, 'min': 1e-5, 'max': 10.0}
BATCH_SIZE = {'name': 'batch_size', 'kind': 'int', 'default': 10, 'min': 1, 'max': 2000}
DROPOUT = {'name': 'dropout', 'kind': 'number', 'default': 0.0, 'min': 0.0, 'max': 0.9}

_OPTIMIZERS = {
    'sgd': {
        'label': 'SGD (plain, momentum, Nesterov)',
        'settings': [
            {'name': 'momentum', 'kind': 'number', 'default': 0.0, 'min': 0.0, 'max': 0.999},
            {'name': 'nesterov', 'kind': 'bool', 'default': False},
        ],
    },
    'adam': {
        'label': 'Adam',
        'settings': [
            {'name': 'beta1', 'kind': 'number', 'default': 0.9, 'min': 0.0, 'max': 0.9999},
            {'name': 'beta2', 'kind': 'number', 'default': 0.999, 'min': 0.0, 'max': 0.99999},
            {'name': 'eps', 'kind': 'log', 'default': 1e-8, 'min': 1e-12, 'max': 1e-1},
        ],
    },
}

#: What each schedule's settings may be (the classes check them again).
_SCHEDULE_SETTINGS = {
    'factor': {'kind': 'number', 'default': 0.99, 'min': 0.01, 'max': 1.0},
    'step_size': {'kind': 'int', 'default': 100, 'min': 1, 'max': 100000},
    'patience': {'kind': 'int', 'default': 10, 'min': 0, 'max': 100000},
    'threshold': {'kind': 'number', 'default': 1e-4, 'min': 0.0, 'max': 0.5},
    'min_learning_rate': {'kind': 'number', 'default': 0.0, 'min': 0.0, 'max': 1.0},
}
_SCHEDULE_DEFAULTS = {'step': {'factor': 0.5}, 'plateau': {'factor': 0.5}}


def optimizer_catalog():
    """Every update rule: ``[{'name', 'label', 'settings': [setting, ...]}, ...]`` (see the module docstring)."""
    return [{'name': name, 'label': entry['label'], 'settings': [dict(s) for s in entry['settings']]}
            for name, entry in _OPTIMIZERS.items()]


def schedule_catalog():
    """Every learning-rate schedule of ``feedforward_schedules.SCHEDULES``, with its settings."""
    catalog = []
    for name, cls in feedforward_schedules.SCHEDULES.items():
        settings = []
        for key in cls.SETTINGS:
            setting = dict(_SCHEDULE_SETTINGS.get(key, {'kind': 'number', 'default': 0.0, 'min': 0.0,
                                                        'max': 1e6}), name=key)
            setting['default'] = _SCHEDULE_DEFAULTS.get(name, {}).get(key, setting['default'])
            settings.append(setting)
        doc = (cls.__doc__ or '').strip().split('\n')[0]
        catalog.append({'name': name, 'label': cls.__name__, 'doc': doc, 'settings': settings,
                        'needs_evaluation': bool(cls.needs_evaluation)})
    return catalog


def defaults(optimizer):
    """The default settings of ``optimizer``, by name."""
    return {s['name']: s['default'] for s in _OPTIMIZERS[optimizer]['settings']}


def make_schedule(name, settings=None):
    """The schedule ``name`` of ``feedforward_schedules.SCHEDULES`` built with ``settings`` (a dict)."""
    return feedforward_schedules.SCHEDULES[name](**(settings or {}))


def make_trainer(net, cost, optimizer, settings, learning_rate, batch_size, seed, dropout=0.0, schedule=None,
                 dropout_seed=None):
    """A trainer of ``net`` on ``cost`` by the update rule ``optimizer`` (a name of ``optimizer_catalog``).

    ``settings``: the rule's own settings by name (missing ones take their
    defaults); ``seed``: the shuffles'; ``dropout``: one rate for every hidden
    layer (0: none), whose masks are drawn from ``dropout_seed`` when it is
    given (else from a generator spawned from ``seed``); ``schedule``: a
    ``(name, settings)`` pair or None.
    """
    settings = dict(defaults(optimizer), **(settings or {}))
    common = dict(learning_rate=learning_rate, batch_size=batch_size, seed=seed, dropout=dropout or None,
                  schedule=None if schedule is None else make_schedule(*schedule))
    if optimizer == 'sgd':
        trainer = StochasticGradientDescent(net, cost, momentum=settings['momentum'],
                                            nesterov=settings['nesterov'] and settings['momentum'] > 0, **common)
    elif optimizer == 'adam':
        trainer = Adam(net, cost, betas=(settings['beta1'], settings['beta2']), eps=settings['eps'], **common)
    else:
        raise ValueError('expected optimizer to be one of {}, got {!r}'.format(', '.join(_OPTIMIZERS), optimizer))
    if dropout_seed is not None:
        trainer.dropout_rng = np.random.default_rng(dropout_seed)
    return trainer


def change_setting(trainer, optimizer, settings):
    """Give ``trainer`` (made by ``make_trainer`` for ``optimizer``) the rule's ``settings`` (all of them, by
    name) between epochs; its state (velocity, moments) is kept."""
    settings = dict(defaults(optimizer), **settings)
    if optimizer == 'sgd':
        nesterov = settings['nesterov'] and settings['momentum'] > 0
        if not nesterov:
            trainer.nesterov = False
        trainer.momentum = settings['momentum']
        trainer.nesterov = nesterov
    else:
        trainer.betas = (settings['beta1'], settings['beta2'])
        trainer.eps = settings['eps']


def _number(value):
    return repr(float(value)) if not isinstance(value, bool) else repr(value)


def trainer_code(optimizer, settings, learning_rate, batch_size, seed, dropout=0.0, schedule=None,
                 dropout_seed=None):
    """``(imports, lines)``: the Python that ``make_trainer`` amounts to, binding ``trainer`` (from ``net`` and
    ``cost``)."""
    settings = dict(defaults(optimizer), **(settings or {}))
    imports = set()
    arguments = ['net', 'cost', 'learning_rate={}'.format(_number(learning_rate)),
                 'batch_size={}'.format(int(batch_size)), 'seed={}'.format(int(seed))]
    if optimizer == 'sgd':
        imports.add('from gradient_descent import StochasticGradientDescent')
        name = 'StochasticGradientDescent'
        if settings['momentum'] > 0:
            arguments.append('momentum={}'.format(_number(settings['momentum'])))
            if settings['nesterov']:
                arguments.append('nesterov=True')
    else:
        imports.add('from gradient_descent import Adam')
        name = 'Adam'
        arguments.append('betas=({}, {})'.format(_number(settings['beta1']), _number(settings['beta2'])))
        arguments.append('eps={}'.format(_number(settings['eps'])))
    if dropout:
        arguments.append('dropout={}'.format(_number(dropout)))
    if schedule is not None and schedule[0] != 'constant':
        schedule_imports, expression = schedule_code(*schedule)
        imports |= schedule_imports
        arguments.append('schedule={}'.format(expression))
    lines = ['trainer = {}({})'.format(name, ', '.join(arguments))]
    if dropout_seed is not None:
        imports.add('import numpy as np')
        lines.append('trainer.dropout_rng = np.random.default_rng({})'.format(int(dropout_seed)))
    return imports, lines


def schedule_code(name, settings=None):
    """``(imports, expression)`` of the schedule ``make_schedule(name, settings)`` makes."""
    cls = feedforward_schedules.SCHEDULES[name]
    arguments = ', '.join('{}={}'.format(key, repr(value)) for key, value in (settings or {}).items())
    return {'from feedforward_schedules import {}'.format(cls.__name__)}, '{}({})'.format(cls.__name__, arguments)


def setting_code(optimizer, settings):
    """The lines that ``change_setting(trainer, optimizer, settings)`` amounts to."""
    settings = dict(defaults(optimizer), **settings)
    if optimizer == 'sgd':
        nesterov = settings['nesterov'] and settings['momentum'] > 0
        lines = [] if nesterov else ['trainer.nesterov = False']
        lines.append('trainer.momentum = {}'.format(_number(settings['momentum'])))
        if nesterov:
            lines.append('trainer.nesterov = True')
        return lines
    return ['trainer.betas = ({}, {})'.format(_number(settings['beta1']), _number(settings['beta2'])),
            'trainer.eps = {}'.format(_number(settings['eps']))]


def update_formula(optimizer, settings):
    """The update rule of ``optimizer`` with ``settings``, written out for one parameter θ with gradient g."""
    settings = dict(defaults(optimizer), **settings)
    if optimizer == 'sgd':
        if settings['momentum'] == 0:
            return 'θ ← θ − η g'
        if settings['nesterov']:
            return 'b ← μ b + g;  θ ← θ − η (g + μ b)'
        return 'b ← μ b + g;  θ ← θ − η b'
    return ('m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;  '
            'θ ← θ − η (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)')


def optimizer_state(trainer):
    """The rule's state arrays (laid out as the net's parameters) by the letter the formula gives them, and its
    step count; copies, taken between steps. Within an epoch SGD holds its velocity scaled by the learning
    rate (see ``gradient_descent``): the letters here are in the formula's units only between epochs."""
    state = {}
    if isinstance(trainer, Adam):
        state['m'] = trainer.first_moment.copy()
        state['v'] = trainer.second_moment.copy()
        state['t'] = trainer.step_count
    elif getattr(trainer, 'velocity', None) is not None:
        state['b'] = trainer.velocity.copy()
    return state
