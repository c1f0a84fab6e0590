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
import numbers

from feedforward_checks import check_nonnegative_number, check_positive_int, check_positive_number

__all__ = ['Schedule', 'Constant', 'ExponentialDecay', 'StepDecay', 'ReduceOnPlateau', 'SCHEDULES']


# ReduceOnPlateau makes no change of the learning rate smaller than this (PyTorch's eps).
_SMALLEST_CHANGE = 1e-8


def _factor(value, name='factor'):
    value = check_positive_number(value, name)
    if value > 1:
        raise ValueError('expected {} to be above 0 and at most 1 (a factor that does not grow the learning rate), '
                         'got {!r}'.format(name, value))
    return value


class Schedule:
    """The interface of a schedule; see the module docstring.

    ``name`` is what a checkpoint writes; ``needs_evaluation`` says whether
    ``train`` must be given ``evaluation_data``. ``settings()`` are the
    arguments that build the schedule again, ``state()`` what it has learned
    from the epochs so far.
    """

    name = None
    needs_evaluation = False
    #: The names of the constructor's arguments, which ``settings`` returns.
    SETTINGS = ()

    def next_learning_rate(self, learning_rate, epoch, evaluation_cost=None):
        """The learning rate of the epoch after ``epoch`` (counted from 1), which trained with ``learning_rate``."""
        raise NotImplementedError

    def settings(self):
        return {key: getattr(self, key) for key in self.SETTINGS}

    def state(self):
        return {}

    def __repr__(self):
        return '{}({})'.format(type(self).__name__, ', '.join('{}={!r}'.format(k, v)
                                                               for k, v in self.settings().items()))


class Constant(Schedule):
    """The same learning rate every epoch (what a trainer without a schedule does)."""

    name = 'constant'

    def next_learning_rate(self, learning_rate, epoch, evaluation_cost=None):
        return learning_rate


class ExponentialDecay(Schedule):
    """eta_(e+1) = factor * eta_e: the rate of epoch e is eta_1 * factor^(e - 1). ``factor`` in (0, 1]."""

    name = 'exponential'
    SETTINGS = ('factor',)

    def __init__(self, factor):
        self._factor = _factor(factor)

    factor = property(lambda self: self._factor)

    def next_learning_rate(self, learning_rate, epoch, evaluation_cost=None):
        return learning_rate * self._factor


class StepDecay(Schedule):
    """The rate is multiplied by ``factor`` (in (0, 1]) after every ``step_size``-th epoch (epochs counted from 1)."""

    name = 'step'
    SETTINGS = ('step_size', 'factor')

    def __init__(self, step_size, factor=0.1):
        self._step_size = check_positive_int(step_size, 'step_size')
        self._factor = _factor(factor)

    step_size = property(lambda self: self._step_size)
    factor = property(lambda self: self._factor)

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
    SETTINGS = ('factor', 'patience', 'threshold', 'min_learning_rate')

    def __init__(self, factor=0.1, patience=10, threshold=1e-4, min_learning_rate=0.0):
        self._factor = _factor(factor)
        if self._factor == 1:
            raise ValueError('expected factor to be below 1 for ReduceOnPlateau, got 1: it would never reduce')
        if isinstance(patience, bool) or not isinstance(patience, numbers.Integral) or patience < 0:
            raise ValueError('expected patience to be an integer >= 0, got {!r}'.format(patience))
        self._patience = int(patience)
        self._threshold = check_nonnegative_number(threshold, 'threshold')
        if self._threshold >= 1:
            raise ValueError('expected threshold to be at least 0 and below 1, got {!r}'.format(threshold))
        self._min_learning_rate = check_nonnegative_number(min_learning_rate, 'min_learning_rate')
        #: The lowest evaluation cost seen so far.
        self.best = math.inf
        #: Epochs since the last improvement (or reduction).
        self.bad_epochs = 0

    factor = property(lambda self: self._factor)
    patience = property(lambda self: self._patience)
    threshold = property(lambda self: self._threshold)
    min_learning_rate = property(lambda self: self._min_learning_rate)

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

    def state(self):
        return {'best': self.best, 'bad_epochs': self.bad_epochs}


#: The built-in schedules, by the name a checkpoint writes.
SCHEDULES = {cls.name: cls for cls in (Constant, ExponentialDecay, StepDecay, ReduceOnPlateau)}


def check_schedule(schedule):
    """``schedule`` if it is a ``Schedule``; ``Constant()`` for None."""
    if schedule is None:
        return Constant()
    if not isinstance(schedule, Schedule):
        raise TypeError('expected schedule to be None or a schedule such as ExponentialDecay(0.9) (see '
                        'feedforward_schedules), got {!r}'.format(schedule))
    return schedule
