"""Learning-rate schedules: how the learning rate changes from one epoch to the next.

A trainer built with ``schedule=`` asks its schedule for the next learning
rate after every epoch that ``train`` runs, once the epoch is measured (the
rate of epoch e + 1 is set after epoch e; ``training_epoch`` alone leaves the
rate as it is). Each schedule has a name, and its settings and state go into
checkpoints, so that a resumed run changes its rate exactly as an unbroken
one::

    Constant()                           eta_(e+1) = eta_e
    ExponentialDecay(factor)             eta_(e+1) = factor * eta_e
    StepDecay(step_size, factor=0.1)     eta_(e+1) = factor * eta_e after every step_size-th epoch, else eta_e
    ReduceOnPlateau(factor=0.1, patience=10, threshold=1e-4, min_learning_rate=0)

``ReduceOnPlateau`` watches the evaluation cost C_e (``train`` needs
``evaluation_data`` for it), as PyTorch's ``ReduceLROnPlateau`` does in its
default mode: an epoch improves when C_e < best * (1 - threshold); after
more than ``patience`` epochs in a row without improvement the rate becomes
max(factor * eta, min_learning_rate) and the count starts again (a
change of less than 1e-8 is not made, as in PyTorch).
"""
import math
import types

from feedforward_checks import (Integer, Interval, Setting, apply_settings, check_registration,
                                declared_settings, settings_repr)

__all__ = ['Schedule', 'Constant', 'ExponentialDecay', 'StepDecay', 'ReduceOnPlateau', 'SCHEDULES',
           'register_schedule', 'check_schedule']


# ReduceOnPlateau makes no change of the learning rate smaller than this (PyTorch's eps).
_SMALLEST_CHANGE = 1e-8

#: A factor that does not grow the learning rate.
_FACTOR = Interval(0, 1, closed='right')


class Schedule:
    """The interface of a schedule; see the module docstring.

    ``name`` is what a checkpoint writes; ``needs_evaluation`` says whether
    ``train`` must be given ``evaluation_data``. Its settings are
    ``feedforward_checks.Setting`` attributes, which the constructor takes by
    keyword; ``settings()`` returns them, and builds the schedule again.
    ``state_fields`` names what it learns from the epochs (each with its
    constraint), and ``state()`` gives it; a checkpoint keeps both.
    A schedule of your own defines ``next_learning_rate`` and is registered
    with ``register_schedule``.
    """

    name = None
    needs_evaluation = False
    #: The names of the numbers a schedule learns from the epochs, each with its constraint.
    state_fields = {}

    def __init__(self, **settings):
        apply_settings(self, settings)

    def next_learning_rate(self, learning_rate, epoch, evaluation_cost=None):
        """The learning rate of the epoch after ``epoch`` (counted from 1), which trained with ``learning_rate``."""
        raise NotImplementedError

    def settings(self):
        """The settings, by name: ``type(schedule)(**schedule.settings())`` builds it again."""
        return {name: getattr(self, name) for name in declared_settings(type(self))}

    def state(self):
        """What the schedule has learned so far, by name."""
        return {name: getattr(self, name) for name in self.state_fields}

    def check_state(self):
        """Raise ``ValueError`` if the state (set by a checkpoint) does not go with the settings."""

    def __repr__(self):
        return settings_repr(self, always=tuple(declared_settings(type(self))))


class Constant(Schedule):
    """The same learning rate every epoch (what a trainer without a schedule does)."""

    name = 'constant'

    def next_learning_rate(self, learning_rate, epoch, evaluation_cost=None):
        return learning_rate


class ExponentialDecay(Schedule):
    """eta_(e+1) = factor * eta_e: the rate of epoch e is eta_1 * factor^(e - 1). ``factor`` in (0, 1]."""

    name = 'exponential'
    factor = Setting(_FACTOR, doc='what the rate is multiplied by after every epoch')

    def __init__(self, factor):
        super().__init__(factor=factor)

    def next_learning_rate(self, learning_rate, epoch, evaluation_cost=None):
        return learning_rate * self._factor


class StepDecay(Schedule):
    """The rate is multiplied by ``factor`` (in (0, 1]) after every ``step_size``-th epoch (epochs counted from 1)."""

    name = 'step'
    step_size = Setting(Integer(1), doc='the epochs between two changes')
    factor = Setting(_FACTOR, default=0.1, doc='what the rate is multiplied by')

    def __init__(self, step_size, factor=0.1):
        super().__init__(step_size=step_size, factor=factor)

    def next_learning_rate(self, learning_rate, epoch, evaluation_cost=None):
        return learning_rate * self._factor if epoch % self._step_size == 0 else learning_rate


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` once the evaluation cost has not improved for more than ``patience`` epochs.

    An epoch improves when its evaluation cost is below ``best * (1 -
    threshold)``; ``best`` (the lowest cost seen, inf at first) and
    ``bad_epochs`` (epochs since the last improvement or reduction) are the
    state, which checkpoints keep. The rate never goes below
    ``min_learning_rate`` (nor rises to it).
    """

    name = 'plateau'
    needs_evaluation = True
    factor = Setting(_FACTOR, default=0.1, doc='what the rate is multiplied by')
    patience = Setting(Integer(0), default=10, doc='the epochs without improvement it waits through')
    threshold = Setting(Interval(0, 1, closed='left'), default=1e-4, doc='the relative improvement that counts')
    min_learning_rate = Setting(Interval(0, None), default=0.0, doc='the rate it never goes below')
    state_fields = {'best': lambda value, name: _lowest_cost(value, name), 'bad_epochs': Integer(0)}

    def __init__(self, factor=0.1, patience=10, threshold=1e-4, min_learning_rate=0.0):
        super().__init__(factor=factor, patience=patience, threshold=threshold, min_learning_rate=min_learning_rate)
        #: The lowest evaluation cost so far (inf before any epoch).
        self.best = math.inf
        #: Epochs since the last improvement (or reduction).
        self.bad_epochs = 0

    def _check_settings(self):
        if self._factor == 1:
            raise ValueError('expected factor to be below 1 for ReduceOnPlateau, got 1: it would never reduce')

    def check_state(self):
        if not self.bad_epochs <= self.patience:
            raise ValueError('expected bad_epochs to be an integer from 0 to the patience, {}, got {}'.format(
                self.patience, self.bad_epochs))

    def next_learning_rate(self, learning_rate, epoch, evaluation_cost=None):
        if evaluation_cost is None:
            raise ValueError('ReduceOnPlateau follows the evaluation cost: train with evaluation_data')
        if evaluation_cost < self.best * (1 - self._threshold):
            self.best = float(evaluation_cost)
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        if self.bad_epochs > self._patience:
            self.bad_epochs = 0
            reduced = max(learning_rate * self._factor, min(self._min_learning_rate, learning_rate))
            if learning_rate - reduced > _SMALLEST_CHANGE:
                return reduced
        return learning_rate


def _lowest_cost(value, name):
    """ReduceOnPlateau's ``best``: a finite number, or inf before any epoch (None stands for inf, as a checkpoint
    writes it)."""
    if value is None or (isinstance(value, float) and value == math.inf):
        return math.inf
    return Interval()(value, name)


# ----- the registry ---------------------------------------------------------------------------------

_REGISTRY = {}
_BUILT_IN = frozenset(('constant', 'exponential', 'step', 'plateau'))

#: The schedules by the name a checkpoint writes (read-only: add yours with ``register_schedule``).
SCHEDULES = types.MappingProxyType(_REGISTRY)


def register_schedule(cls, replace=False):
    """Make the schedule class ``cls`` (a subclass of ``Schedule``) known by its ``name``; returns ``cls``.

    Checkpoints then hold it (its settings and its ``state``) and load it. The
    library's own names cannot be taken; a name registered before for another
    class is refused unless ``replace`` is True (the same class defined again,
    as when a notebook cell runs twice, is accepted). Can be used as a class
    decorator.
    """
    name = check_registration(_REGISTRY, _BUILT_IN, cls, Schedule, 'schedule', replace)
    if cls.next_learning_rate is Schedule.next_learning_rate:
        raise TypeError('{} must define next_learning_rate(self, learning_rate, epoch, evaluation_cost=None)'.format(
            cls.__qualname__))
    _REGISTRY[name] = cls
    return cls


for _schedule in (Constant, ExponentialDecay, StepDecay, ReduceOnPlateau):
    register_schedule(_schedule)
del _schedule


def check_schedule(schedule):
    """``schedule`` if it is a ``Schedule``; ``Constant()`` for None."""
    if schedule is None:
        return Constant()
    if not isinstance(schedule, Schedule):
        raise TypeError('expected schedule to be None or a schedule such as ExponentialDecay(0.9) (see '
                        'feedforward_schedules), got {!r}'.format(schedule))
    return schedule
