"""Gradient descent: the trainers, by the names people know them.

Each trainer is a ``Trainer`` (``feedforward_training``: epochs, mini-batches,
dropout, undoing a failed epoch, ``train``) with an update rule
(``feedforward_optimizers``), whose settings and state it shows as its own
attributes (``sgd.momentum``, ``adam.first_moment``). Each step takes the
gradient g of the cost of a batch, with its L2 term (g includes lambda W),
and changes every parameter theta as the rule says, exactly as PyTorch's
``torch.optim`` does, at learning rate eta:

* ``GradientDescent``: one step along the gradient of every example per
  epoch; ``StochasticGradientDescent``: one per mini-batch of a fresh
  shuffle. Plain (``momentum=0``), or with momentum mu and the velocity b
  (0 before the first step), as ``torch.optim.SGD`` (dampening 0)::

      theta <- theta - eta g                   (plain)
      b <- mu b + g
      theta <- theta - eta b                   (nesterov=False)
      theta <- theta - eta (g + mu b)          (nesterov=True)

* ``Adam``, with the moments m and v (0 at first) and the step count t (from
  1), as ``torch.optim.Adam``; ``amsgrad=True`` divides by the largest v so
  far; ``AdamW`` first decays theta <- theta (1 - eta lambda_w)::

      m <- beta1 m + (1 - beta1) g
      v <- beta2 v + (1 - beta2) g^2
      theta <- theta - eta (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

* ``RMSprop`` (``torch.optim.RMSprop``: alpha, eps, momentum, centered) and
  ``Adagrad`` (``torch.optim.Adagrad``: lr_decay, initial_accumulator_value,
  eps): their formulas are in ``feedforward_optimizers``.

The state (velocity, moments, ...) is in the units of the gradient, so a
learning rate that changes between steps (a schedule, see
``feedforward_schedules``) acts as it does in PyTorch. A rule of your own
trains with ``Trainer(net, cost, YourRule(), ...)``; see
``docs/update_rules.md``.

Training that goes wrong stops, and the epoch it went wrong in is undone:
when a step makes a parameter NaN or infinite, the net goes back to its
parameters at the start of that epoch, the rule's state and the random
generators to theirs then, and ``TrainingDivergedError`` names the epoch and
the batch.
"""
from feedforward_checks import declared_settings
from feedforward_history import History
from feedforward_optimizers import AdagradRule, AdamRule, AdamWRule, RMSpropRule, SGDRule
from feedforward_training import StopTraining, Trainer, TrainingDivergedError

__all__ = ['GradientDescent', 'StochasticGradientDescent', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Trainer',
           'History', 'TrainingDivergedError', 'StopTraining']


class _OfTheRule:
    """A setting or state of the trainer's update rule, read and set through the trainer: ``sgd.momentum`` is
    ``sgd.rule.momentum``."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, trainer, owner=None):
        return self if trainer is None else getattr(trainer.rule, self.name)

    def __set__(self, trainer, value):
        setattr(trainer.rule, self.name, value)


def _showing(rule_class):
    """A class decorator: the trainer shows every setting and state of ``rule_class``, its update rule, as an
    attribute of its own (``adam.betas`` is ``adam.rule.betas``)."""
    def decorate(cls):
        names = list(declared_settings(rule_class)) + list(rule_class.state_arrays) + list(rule_class.state_scalars)
        for name in names:
            shown = _OfTheRule()
            shown.__set_name__(cls, name)
            setattr(cls, name, shown)
        return cls
    return decorate


def _built(trainer, arguments, rule_class):
    """Build ``trainer`` from its constructor's ``arguments`` (its ``locals()``): those that are settings of
    ``rule_class`` make its update rule, the rest go to ``Trainer``. A trainer of mini-batches refuses
    ``batch_size=None``, which takes every example in each step (``GradientDescent``, or ``Trainer`` itself)."""
    arguments = {name: value for name, value in arguments.items() if name not in ('self', '__class__')}
    if 'batch_size' not in arguments:
        arguments['batch_size'] = None
    elif arguments['batch_size'] is None:
        raise TypeError('expected batch_size to be a positive integer, got None: GradientDescent (or Trainer with '
                        'batch_size=None) takes every example in each step')
    settings = declared_settings(rule_class)
    rule = rule_class(**{name: arguments.pop(name) for name in list(arguments) if name in settings})
    Trainer.__init__(trainer, rule=rule, **arguments)


@_showing(SGDRule)
class GradientDescent(Trainer):
    """Full-batch gradient descent: each epoch takes one step along the gradient of the cost of all examples.

    The step is plain (``momentum=0``) or with momentum mu in [0, 1), plain
    or Nesterov's, as the module docstring writes them (``SGDRule``).
    ``learning_rate`` (a positive finite number; 0.001 by default, which fits
    the README's curve y = x^2 with the quadratic cost: a classifier on the
    cross-entropy wants 0.01 to 0.5), ``momentum`` and
    ``nesterov`` may be changed between epochs; they are checked whenever
    they are set (Nesterov needs a momentum above 0). ``velocity`` is the
    velocity b, laid out as ``net.parameters()`` (None until a momentum above
    0 is set). ``schedule`` (see ``feedforward_schedules``) changes the
    learning rate after every epoch of ``train``; ``threads`` (None, N or
    ``'auto'``) sets the BLAS threads of the steps. See ``Trainer`` for the
    rest.
    """

    def __init__(self, neural_net, cost_function, learning_rate=0.001, momentum=0.0, nesterov=False, schedule=None,
                 threads=None):
        _built(self, locals(), SGDRule)


class StochasticGradientDescent(GradientDescent):
    """Mini-batch stochastic gradient descent: plain, with momentum, or with Nesterov momentum.

    The rule is that of ``GradientDescent`` (see the module docstring), on
    mini-batches: each epoch shuffles the examples afresh (with a generator
    seeded by ``seed``: an int, a ``numpy.random.Generator`` or None) and
    takes one step per mini-batch of ``batch_size`` examples; the last
    mini-batch holds what is left, so it may be smaller. ``dropout`` thins
    the net in every step: None, one rate for every hidden layer, or one
    rate per non-output layer, input layer first (see ``Trainer.dropout``).
    Every setting is checked whenever it is set, and may be changed between
    epochs.
    """

    def __init__(self, neural_net, cost_function, learning_rate=0.001, batch_size=50, seed=None, momentum=0.0,
                 nesterov=False, dropout=None, schedule=None, threads=None):
        _built(self, locals(), SGDRule)


@_showing(AdamRule)
class Adam(Trainer):
    """Adam (Kingma and Ba, 2015) on mini-batches, exactly as PyTorch's ``torch.optim.Adam`` (``AdamRule``).

    ``betas`` = (beta1, beta2), each in [0, 1), ``eps`` > 0, and ``amsgrad``;
    ``first_moment`` (m), ``second_moment`` (v), laid out as
    ``net.parameters()``, ``max_second_moment`` (with amsgrad) and
    ``step_count`` (t) are its state, which a checkpoint keeps. Mini-batches,
    shuffling, ``dropout``, ``schedule`` and ``threads`` are as for
    ``StochasticGradientDescent``.
    """

    def __init__(self, neural_net, cost_function, learning_rate=0.001, batch_size=50, seed=None, betas=(0.9, 0.999),
                 eps=1e-8, dropout=None, schedule=None, threads=None, amsgrad=False):
        _built(self, locals(), AdamRule)


@_showing(AdamWRule)
class AdamW(Adam):
    """AdamW (Loshchilov and Hutter, 2019): Adam with the weight decay ``weight_decay`` (lambda_w) decoupled from
    the gradient, exactly as ``torch.optim.AdamW`` (``AdamWRule``); otherwise as ``Adam``."""

    def __init__(self, neural_net, cost_function, learning_rate=0.001, batch_size=50, seed=None, betas=(0.9, 0.999),
                 eps=1e-8, weight_decay=0.01, dropout=None, schedule=None, threads=None, amsgrad=False):
        _built(self, locals(), AdamWRule)


@_showing(RMSpropRule)
class RMSprop(Trainer):
    """RMSprop on mini-batches, exactly as ``torch.optim.RMSprop`` (``RMSpropRule``): ``alpha``, ``eps``,
    ``momentum`` and ``centered``; its state ``square_average``, ``gradient_average`` (centered) and
    ``velocity`` (momentum). Otherwise as ``StochasticGradientDescent``."""

    def __init__(self, neural_net, cost_function, learning_rate=0.01, batch_size=50, seed=None, alpha=0.99, eps=1e-8,
                 momentum=0.0, centered=False, dropout=None, schedule=None, threads=None):
        _built(self, locals(), RMSpropRule)


@_showing(AdagradRule)
class Adagrad(Trainer):
    """Adagrad on mini-batches, exactly as ``torch.optim.Adagrad`` (``AdagradRule``): ``lr_decay``,
    ``initial_accumulator_value`` and ``eps``; its state ``square_sum`` and ``step_count``. Otherwise as
    ``StochasticGradientDescent``."""

    def __init__(self, neural_net, cost_function, learning_rate=0.01, batch_size=50, seed=None, lr_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, dropout=None, schedule=None, threads=None):
        _built(self, locals(), AdagradRule)
