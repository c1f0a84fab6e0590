"""Training: epochs of steps taken by an update rule, undone when they fail, and runs of many epochs.

A ``Trainer`` holds a net, its cost and an update rule (``feedforward_optimizers``). Each step:

1. takes a batch ``(X, Y)``: every example (``batch_size=None``), or a
   mini-batch of a fresh shuffle of the examples each epoch; and the
   examples' weights, if the source has some (``sample_weights()``: a
   mini-batch whose examples all weigh 0 takes no step);
2. draws the dropout masks of the batch, if any (see ``dropout``);
3. forms the gradient g of the batch's cost, its L2 term included, times the
   rule's ``gradient_scale`` (forward pass, output error, back-propagation:
   ``cost_functions``, ``neural_net``);
4. has the rule change the parameters in place, a cache-sized stretch at a
   time, and checks each stretch for NaN and infinity.

Training that goes wrong stops, and the epoch it went wrong in is undone:
when a step makes a parameter NaN or infinite, the net goes back to its
parameters at the start of that epoch (one copy is kept per epoch), the
rule's state to its state then, the random generators to theirs, and
``TrainingDivergedError`` names the epoch and the batch. A batch of bad data
(NaN, or a number too large for the net's dtype) raises ``ValueError`` and
undoes the epoch in the same way.

``train`` runs many epochs and records each in a ``History``
(``feedforward_history``); it reads top to bottom, calling small parts for
the measurements, early stopping and the progress display.
"""
import contextlib
import inspect
import math
import numbers
import os
import signal
import threading
import time

import numpy as np

from cost_functions import Cost, check_class_targets
from data_source import READ_ROWS as _READ_ROWS, _examine, _weights_of
from feedforward_checks import (Integer, Interval, Optional, Setting, apply_settings, check_nonnegative_number,
                                check_positive_int, constructor_repr, random_generator)
from feedforward_diagnostics import diagnostic_batch, layer_diagnostics
from feedforward_history import History
from feedforward_optimizers import optimizer
from feedforward_progress import ProgressBar, describe_epoch
from feedforward_schedules import check_schedule
from feedforward_threads import AutoThreads, check_threads, epoch_threads
from neural_net import NeuralNet

__all__ = ['Trainer', 'train', 'TrainingDivergedError', 'StopTraining', 'FULL_BATCH_CHUNK', 'STEP_CHUNK']

#: Full-batch gradients over more examples than this are summed chunk by chunk, to bound memory.
FULL_BATCH_CHUNK = 8192

#: A step changes and checks this many parameters at a time, while they are in the cache.
STEP_CHUNK = 1 << 17


class TrainingDivergedError(FloatingPointError):
    """The cost or a parameter became NaN or infinite.

    ``epoch`` and ``batch`` (both counted from 1) say where: ``batch`` is the
    step that made a parameter non-finite (the net is then back at its
    parameters from the start of that epoch), or None when the cost after an
    epoch was found not finite.
    """

    def __init__(self, message, epoch=None, batch=None):
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch


class StopTraining(Exception):
    """Raise it in ``train``'s ``callback`` or ``on_batch`` to end the run there; ``train`` returns normally."""


class Trainer:
    """A net, its cost and an update rule, and the epochs that train them.

    ``rule``: an update rule (``feedforward_optimizers``): a rule such as
    ``AdamRule(betas=(0.9, 0.99))``, a registered name such as ``'rmsprop'``,
    or a rule class; it holds the state of the steps. ``learning_rate``
    defaults to the rule's own, if it has one. ``batch_size`` examples make a
    step (the last of an epoch holds what is left); None takes every example
    (full-batch descent). ``seed`` (an int, a ``numpy.random.Generator`` or
    None) seeds ``rng``, which shuffles; ``dropout_rng``, spawned from it,
    draws the dropout masks (neither exists for full batches). Every setting
    (see each attribute) is checked whenever it is set, and may be changed
    between epochs. ``epochs_done`` counts the epochs trained; ``history``
    holds every epoch that ``train`` recorded. ``in_epoch`` is True from the
    first step of an epoch until it ends: a run stopped within an epoch keeps
    the steps taken, but a checkpoint waits for the end of an epoch.
    """

    learning_rate = Setting(Interval(0, None, closed='neither'), doc='eta, the step size')
    batch_size = Setting(Optional(Integer(1)), default=50, doc='examples per step; None: every example')
    dropout = Setting('_dropout_rates', default=None,
                      doc='the dropout rate of each non-output layer, input layer first (a tuple), or None')
    schedule = Setting(lambda value, name: check_schedule(value), default=None,
                       doc='how the learning rate changes after each epoch of train (Constant() for None)')
    threads = Setting(lambda value, name: check_threads(value), default=None,
                      doc="the BLAS threads of the steps: None (chosen from the net and the batch size), N or 'auto'")

    def __init__(self, neural_net, cost_function, rule='sgd', learning_rate=None, batch_size=50, seed=None,
                 dropout=None, schedule=None, threads=None):
        _check_net_and_cost(neural_net, cost_function)
        rule = optimizer(rule)
        if learning_rate is None:
            learning_rate = rule.default_learning_rate
            if learning_rate is None:
                raise TypeError('{} has no default learning rate: give learning_rate'.format(type(rule).__name__))
        self.neural_net, self.cost_function = neural_net, cost_function
        #: The generator of the shuffles (None for full batches), and that of the dropout masks, spawned from it.
        self.rng = None if batch_size is None else random_generator(seed)
        self.dropout_rng = None if self.rng is None else _spawned(self.rng)
        apply_settings(self, dict(learning_rate=learning_rate, batch_size=batch_size, dropout=dropout,
                                  schedule=schedule, threads=threads))
        rule.attach(neural_net.parameters())
        self._rule = rule
        self.epochs_done = 0
        self.history = History()
        self.in_epoch = False
        self._epoch_start, self._batches = _EpochStart(), _Batches(neural_net)
        self._batch_index = 0
        self._accumulator = self._scratch = self._finite = self._auto = self._batch_costs = None

    @property
    def rule(self):
        """The update rule, which holds the state of this trainer's steps."""
        return self._rule

    def _check_settings(self):
        if (self._batch_size is None) != (self.rng is None):
            raise ValueError('a trainer built with batch_size={} stays a trainer of {}: build another to train '
                             'on {}'.format(*(('None', 'full batches', 'mini-batches') if self.rng is None else
                                              ('N', 'mini-batches', 'full batches'))))
        if self._dropout is not None and self._batch_size is None:
            raise ValueError('dropout thins the net in mini-batch steps: give a batch_size, or dropout=None')

    def _dropout_rates(self, value, name):
        return _dropout_rates(value, self.neural_net.layer_sizes())

    def __repr__(self):
        """``StochasticGradientDescent(learning_rate=0.1, batch_size=20, momentum=0.9, epochs_done=40)``: the class,
        the constructor's arguments that differ from their defaults, and the epochs done."""
        schedule = self.schedule if self.schedule.name != 'constant' else None
        return constructor_repr(self, ('neural_net', 'cost_function', 'seed'),
                                {'rule': self._rule, 'schedule': schedule}, [('epochs_done', self.epochs_done)])

    # ----- one epoch ---------------------------------------------------------------------------------

    def training_epoch(self, data_src, on_batch=None):
        """One epoch over ``data_src``: one step along the gradient of every example, or one per mini-batch of a
        fresh shuffle. ``on_batch(batch_index, n_batches)``, if given, is called after each step."""
        self._check_data(data_src, walk=self.cost_function.TARGETS is not None)
        _check_symmetry_broken(self.neural_net)
        self._epoch(data_src, on_batch)

    def _check_data(self, data_src, walk=True, class_targets=False):
        """The one check of a data source, where an epoch or a run starts (see ``data_source._examine``), with its
        targets against the cost's ``TARGETS``; returns what ``_examine`` found."""
        net = self.neural_net
        examined = _examine(data_src, net.layer_sizes(), net.dtype, walk, class_targets)
        if self.cost_function.TARGETS is not None and walk:
            self.cost_function._check_targets(examined.low, examined.high)
        return examined

    def _epoch(self, data_src, on_batch=None):
        """One epoch over a source already checked; see ``training_epoch``."""
        full = self._batch_size is None
        total = data_src.number_of_examples()
        with self._epoch_or_nothing(), _epoch_threads(self, min(total, FULL_BATCH_CHUNK) if full else
                                                      self._batch_size) as pace:
            if full:
                self._full_batch_step(data_src, pace)
            else:
                self._mini_batch_steps(data_src, pace, on_batch)
        self.epochs_done += 1
        if full and on_batch is not None:
            on_batch(0, 1)

    def _mini_batch_steps(self, data_src, pace, on_batch):
        batch_size, dtype = self._batch_size, self.neural_net.dtype
        total = data_src.number_of_examples()
        n_batches = -(-total // batch_size)
        order = self.rng.permutation(total)
        weights = _weights_of(data_src)
        for batch_index in range(n_batches):
            indices = order[batch_index * batch_size:(batch_index + 1) * batch_size]
            self._batch_index = batch_index
            batch_weights = None if weights is None else weights[indices]
            if batch_weights is None or batch_weights.any():          # weighing nothing, a batch takes no step
                X, Y = data_src.take(indices, dtype=dtype, out=self._batches.buffers(len(indices)))
                masks = self._batches.dropout_masks(len(indices), self._dropout, self.dropout_rng)
                pace.before_step()
                self._step(X, Y, masks, batch_weights)
                pace.after_step()
            if on_batch is not None:
                on_batch(batch_index, n_batches)

    def _full_batch_step(self, data_src, pace):
        self._batch_index = 0
        total = data_src.number_of_examples()
        pace.before_step()
        if total <= FULL_BATCH_CHUNK:
            self._step(*data_src.read(0, total, self.neural_net.dtype), sample_weights=_weights_of(data_src))
        else:
            _summed_step(self, data_src)
        pace.after_step()

    def _step(self, X, Y, masks=None, sample_weights=None):
        """One step of the rule on the batch ``(X, Y)`` (its examples weighed by ``sample_weights`` (n,), if given):
        the gradient (times the rule's scale), then the update."""
        rule, learning_rate = self._rule, self._learning_rate
        rule.begin_step(learning_rate)
        self.cost_function._gradient(X, Y, scale=rule.gradient_scale(learning_rate), masks=masks,
                                     sample_weights=sample_weights)
        if self._batch_costs is not None:
            self._batch_costs.append(self.cost_function._batch_cost(Y, sample_weights))
        self._update(learning_rate)

    def _update(self, learning_rate):
        """The rule's update of every stretch of ``STEP_CHUNK`` parameters, each checked for NaN and infinity as
        soon as it changed (while it is in the cache); ``TrainingDivergedError`` if one is not finite."""
        theta, g = self.neural_net._parameters, self.neural_net._gradient
        if self._scratch is None or self._scratch.dtype != theta.dtype:
            size = min(theta.size, STEP_CHUNK)
            self._scratch, self._finite = np.empty(size, theta.dtype), np.empty(size, bool)
        rule, state = self._rule, self._rule.state()
        for start in range(0, theta.size, STEP_CHUNK):
            where = slice(start, start + STEP_CHUNK)
            stretch = theta[where]
            n = stretch.size
            rule.update(stretch, g[where], self._scratch[:n], learning_rate,
                        **{name: array[where] for name, array in state.items()})
            if not np.logical_and.reduce(np.isfinite(stretch, out=self._finite[:n])):
                raise _diverged(self.epochs_done + 1, self._batch_index + 1)

    # ----- an epoch that fails is undone --------------------------------------------------------------

    @contextlib.contextmanager
    def _epoch_or_nothing(self):
        """The steps of an epoch: if one fails (it diverged, or a batch held bad data) or Ctrl+C interrupts them,
        the parameters, the rule's state and the random states go back to those at the start of the epoch before
        the error goes on.

        Overflow is caught by the check of every step, which raises
        TrainingDivergedError; NumPy's warnings before it would only be noise.
        """
        self._epoch_start.keep(self)
        self.in_epoch = True
        try:
            with np.errstate(over='ignore', invalid='ignore'):
                yield
        except (TrainingDivergedError, ValueError, KeyboardInterrupt):
            with _interrupts_held():
                self._epoch_start.put_back(self)
                self.in_epoch = False
            raise
        finally:
            # The epoch ended, or stopped within (StopTraining: the steps taken are kept). After an undo the
            # state is that of the epoch's start, in its own units already, and this changes nothing.
            self._rule.end_steps()
        self.in_epoch = False

    # ----- many epochs ---------------------------------------------------------------------------------

    def train(self, data_src, nepochs, evaluation_data=None, callback=None, progress=False, diagnostics=False,
              accuracy=None, on_batch=None, patience=None, checkpoint=None, measure_training=False, verbose=None):
        """Run up to ``nepochs`` epochs; returns a ``History`` with one record per epoch. See ``train``."""
        return train(self, data_src, nepochs, evaluation_data, callback, progress, diagnostics, accuracy, on_batch,
                     patience, checkpoint, measure_training, verbose)


def _epoch_threads(trainer, batch_size):
    """The BLAS threads of ``trainer.threads`` for the time of an epoch in batches of ``batch_size``; yields the pace
    keeper to call before and after every step (see ``feedforward_threads.epoch_threads``)."""
    if trainer.threads != 'auto':
        trainer._auto = None
    elif trainer._auto is None:
        trainer._auto = AutoThreads()
    net = trainer.neural_net
    return epoch_threads(trainer.threads, net.layer_sizes(), batch_size, net.dtype, trainer._auto)


def _diverged(epoch, batch):
    """The error for a step that made a parameter NaN or infinite (the epoch is then undone)."""
    return TrainingDivergedError(
        'training diverged in epoch {} at batch {}: a step made a parameter NaN or infinite; the net is back at its '
        'parameters from the start of epoch {}. Try a smaller learning rate.'.format(epoch, batch, epoch),
        epoch=epoch, batch=batch)


def _summed_step(trainer, data_src):
    """The step of a full batch too large for one pass: its gradient summed chunk by chunk, then the update."""
    rule, learning_rate, net = trainer._rule, trainer._learning_rate, trainer.neural_net
    rule.begin_step(learning_rate)
    if trainer._accumulator is None or trainer._accumulator.dtype != net.dtype:
        trainer._accumulator = np.empty_like(net.parameters())
    _summed_gradient(trainer.cost_function, data_src, rule.gradient_scale(learning_rate), trainer._accumulator,
                     trainer._batch_costs)
    np.copyto(net._gradient, trainer._accumulator)
    trainer._update(learning_rate)


def _summed_gradient(cost, data_src, scale, out, batch_costs=None):
    """The gradient of the cost of every example of ``data_src`` (times ``scale``), summed into ``out`` a chunk of
    ``FULL_BATCH_CHUNK`` examples at a time, to bound memory; the cost of the whole batch appended to
    ``batch_costs``."""
    dtype, total = cost.neural_net.dtype, data_src.number_of_examples()
    weights = _weights_of(data_src)
    weight_sum = total if weights is None else float(weights.sum())
    out[...] = 0
    # Each chunk c's part of grad C_w = (1/S) sum_c (sum_{i in c} w_i grad loss_i + n_c lambda W), over the whole
    # batch's S (n without weights): the L2 term is lambda W once in all.
    chunk_costs = []
    for start in range(0, total, FULL_BATCH_CHUNK):
        stop = min(start + FULL_BATCH_CHUNK, total)
        X, Y = data_src.read(start, stop, dtype)
        chunk_weights = None if weights is None else weights[start:stop]
        out += cost._gradient(X, Y, scale=scale, sample_weights=chunk_weights, weight_sum=weight_sum)
        if batch_costs is not None:
            chunk_costs.append(cost._batch_cost(Y, chunk_weights))
    if batch_costs is not None:
        batch_costs.append(tuple(map(sum, zip(*chunk_costs))))


def _check_net_and_cost(net, cost):
    if not isinstance(net, NeuralNet):
        raise TypeError('expected neural_net to be a NeuralNet, got {}'.format(type(net).__name__))
    if not isinstance(cost, Cost):
        raise TypeError('expected cost_function to be a cost such as QuadraticCost, got {}'.format(type(cost).__name__))
    if cost.neural_net is not net:
        raise ValueError('expected cost_function to be built on the same net as the one being trained')


class _EpochStart:
    """What an epoch starts from, kept so that an epoch that fails can be undone: copies of the parameters and of
    the rule's state arrays (made once, refreshed every epoch), the rule's numbers, and the states of the random
    generators."""

    def __init__(self):
        self._copies, self._scalars, self._generators = {}, {}, []
        self.epoch = None

    def keep(self, trainer):
        """Keep the state ``trainer`` starts an epoch from. Raises ``ValueError`` (before anything changes) if the
        parameters already hold NaN or infinity: that is not a step's doing."""
        parameters = trainer.neural_net.parameters()
        finite = np.isfinite(parameters)
        if not finite.all():
            raise ValueError('expected the net\'s parameters to be finite before epoch {}, got NaN or infinity in '
                             '{} of them (they were set outside training); call randomize_parameters() or load a '
                             'saved net'.format(trainer.epochs_done + 1, np.count_nonzero(~finite)))
        for name, array in self._arrays(trainer).items():
            kept = self._copies.get(name)
            if kept is None or kept.shape != array.shape or kept.dtype != array.dtype:
                kept = self._copies[name] = np.empty_like(array)
            np.copyto(kept, array)
        self._scalars = {name: getattr(trainer.rule, name) for name in trainer.rule.state_scalars}
        self._generators = [(g, g.bit_generator.state) for g in (trainer.rng, trainer.dropout_rng) if g is not None]
        self.epoch = trainer.epochs_done          # what the copies are of: the start of epoch epochs_done + 1

    def put_back(self, trainer):
        """Put ``trainer`` back as it was when ``keep`` was last called."""
        trainer.rule.end_steps()
        for name, array in self._arrays(trainer).items():
            kept = self._copies.get(name)
            if kept is None:
                array[...] = 0        # made during this epoch: it was all zeros at its start
            else:
                np.copyto(array, kept)
        for name, value in self._scalars.items():
            setattr(trainer.rule, name, value)
        for generator, state in self._generators:
            generator.bit_generator.state = state

    @staticmethod
    def _arrays(trainer):
        arrays = {'parameters': trainer.neural_net.parameters()}
        arrays.update(trainer.rule.state())
        return arrays


class _Batches:
    """The buffers a mini-batch is taken into, and its dropout masks, kept per batch size (an epoch has two: the
    full one and the last), so that steps allocate nothing."""

    def __init__(self, net):
        self.net, self._buffers, self._masks = net, {}, {}

    def buffers(self, n):
        """``(X, Y)`` buffers for ``n`` examples."""
        buffers = self._buffers.get(n)
        if buffers is None:
            if len(self._buffers) >= 2:
                self._buffers.clear()
            sizes, dtype = self.net.layer_sizes(), self.net.dtype
            buffers = self._buffers[n] = (np.empty((n, sizes[0]), dtype), np.empty((n, sizes[-1]), dtype))
        return buffers

    def dropout_masks(self, n, rates, rng):
        """Fresh dropout masks for a batch of ``n`` examples (None without dropout; see ``Trainer.dropout``).

        m^l = 1 / (1 - p_l) where u >= p_l, else 0, for a uniform draw u from
        ``rng`` per example and unit; drawn in place into buffers kept per
        batch size.
        """
        if rates is None:
            return None
        masks = self._masks.get((n, rates))
        if masks is None:
            if len(self._masks) >= 2:
                self._masks.clear()
            dtype = self.net.dtype
            masks = self._masks[(n, rates)] = [np.empty((n, size), dtype) if p > 0 else None
                                               for size, p in zip(self.net.layer_sizes(), rates)]
        for mask, p in zip(masks, rates):
            if mask is not None:
                rng.random(out=mask, dtype=mask.dtype)
                np.greater_equal(mask, p, out=mask)        # 1 where the unit is kept, 0 where it is dropped
                mask *= 1 / (1 - p)
        return masks


def train(trainer, data_src, nepochs, evaluation_data=None, callback=None, progress=False, diagnostics=False,
          accuracy=None, on_batch=None, patience=None, checkpoint=None, measure_training=False, verbose=None):
    """Run up to ``nepochs`` epochs of ``trainer`` on ``data_src``; returns a ``History`` with one record per epoch.

    Each record holds the epoch's number, time and learning rate, and what
    the run was asked to measure (``feedforward_history`` lists the keys):
    the cost (and accuracy) on ``evaluation_data``; with
    ``measure_training=True`` on all of ``data_src`` too; with ``'batches'``
    the mean cost of the epoch's batches as its steps met them (almost free);
    with ``diagnostics=True`` per-layer statistics. ``accuracy`` None records
    accuracies when every target of ``data_src`` names a class. The schedule
    then sets the next epoch's learning rate. ``patience=N`` (early stopping,
    with ``evaluation_data``) stops once the evaluation cost has not fallen
    below its lowest for N epochs, and leaves the net with the parameters of
    its best epoch (``history.best_epoch``).

    ``callback(epoch, history)`` runs after each record (returning False
    stops the run), ``on_batch(batch_index, n_batches)`` after every step;
    either may raise ``StopTraining`` to stop at once (the epochs that
    finished are returned). ``progress=True`` draws a bar over the steps (a
    widget in a notebook, text in a terminal, none in a log) with each
    epoch's line above it; ``verbose`` True or False prints the lines or
    not, whatever ``progress``. ``checkpoint``, a path, saves the trainer
    there after every epoch. Ctrl+C leaves the trainer as it was after the
    last whole epoch (parameters, state, random states, schedule, learning
    rate, history, ``epochs_done``); the interrupt then goes on.
    """
    nepochs = check_positive_int(nepochs, 'nepochs')
    accuracy = _check_run(trainer, data_src, evaluation_data, accuracy, patience, callback, on_batch,
                          measure_training)
    measure = _Measurements(trainer, data_src, evaluation_data, accuracy, diagnostics, measure_training)
    best = None if patience is None else _BestEpoch(trainer.neural_net, patience)
    save = None if checkpoint is None else _saver(checkpoint)
    display = _Display(trainer, nepochs, progress, verbose)
    after_step = _after_step(display, on_batch)
    history = History()
    began = time.perf_counter()
    try:
        for _ in range(nepochs):
            with _WholeEpoch(trainer, history, best):
                record = _trained_epoch(trainer, data_src, measure, after_step, began)
                patience_ran_out = best is not None and best.stop_after(record)
                history.append(record)
                trainer.history.append(record)
            try:
                go_on = callback is None or callback(trainer.epochs_done, history) is not False
            finally:
                display.end_epoch(record)          # after the callback, which may add to the record
            if save is not None:
                save(trainer)
            if patience_ran_out or not go_on:
                break
    except StopTraining:
        pass
    finally:
        trainer._batch_costs = None
        display.close()
    if best is not None:
        best.restore(history)
    return history


def _check_run(trainer, data_src, evaluation_data, accuracy, patience, callback, on_batch, measure_training):
    """The checks of a run, before any step: the net's symmetry broken, the callbacks' signatures, the data
    sources (once each), the evaluation data that early stopping or the schedule needs, and the targets whose
    accuracy is recorded; returns whether it is."""
    _check_symmetry_broken(trainer.neural_net)
    for function, name, arguments in ((callback, 'callback', 'epoch, history'),
                                      (on_batch, 'on_batch', 'batch_index, n_batches')):
        _check_callable(function, name, arguments)
    if measure_training not in (False, True, 'batches'):
        raise ValueError("expected measure_training to be False, True or 'batches', got {!r}".format(
            measure_training))
    if patience is not None:
        check_positive_int(patience, 'patience')
        if evaluation_data is None:
            raise ValueError('early stopping (patience={}) follows the evaluation cost: give evaluation_data, '
                             'such as a validation part made by data_source.validation_split'.format(patience))
    if trainer.schedule.needs_evaluation and evaluation_data is None:
        raise ValueError('the schedule {!r} follows the evaluation cost: give evaluation_data, such as a '
                         'validation part made by data_source.validation_split'.format(trainer.schedule))
    sources = [data_src] + ([] if evaluation_data is None else [evaluation_data])
    examined = [trainer._check_data(source, class_targets=accuracy is not False) for source in sources]
    if accuracy is None:
        accuracy = examined[0].class_targets
    measured = [measure_training is True] + [True] * (len(sources) - 1)
    for source, facts, measured_here in zip(sources, examined, measured):
        if accuracy and measured_here and not facts.class_targets:
            _refuse_targets_that_are_not_classes(source, trainer.neural_net.dtype)
    return accuracy


def _check_callable(function, name, arguments):
    """Raise ``TypeError`` before any step unless ``function`` (if given) can be called with two arguments."""
    if function is None:
        return
    if not callable(function):
        raise TypeError('expected {} to be a function of ({}), got {!r}'.format(name, arguments, function))
    try:
        inspect.signature(function).bind(0, 0)
    except TypeError:
        raise TypeError('expected {} to be a function of ({}), as train calls it after every {}, got {}{}'.format(
            name, arguments, 'epoch' if name == 'callback' else 'step',
            getattr(function, '__qualname__', repr(function)), inspect.signature(function))) from None
    except ValueError:
        pass            # no signature to read (some built-in functions): it is called and will say so itself


def _check_symmetry_broken(net):
    """Raise ``ValueError`` if a hidden layer's weights are all equal (a net never randomized starts at zero): every
    unit of the layer would get the same gradient and stay a copy of the others."""
    for l, weights in enumerate(net.weights()[:-1]):
        if weights.size > 1 and weights.min() == weights.max():
            raise ValueError('expected the weights of hidden layer {} to differ, got all {:g}: every unit of the layer '
                             'would learn the same thing; call net.randomize_parameters() before training'.format(
                                 l + 1, float(weights.flat[0])))


def _saver(path):
    """What saves the trainer after every epoch: ``feedforward_checkpoint.save_checkpoint`` to ``path``."""
    from feedforward_checkpoint import save_checkpoint     # the module that owns the format knows trainers
    path = os.fspath(path)
    return lambda trainer: save_checkpoint(path, trainer)


def _refuse_targets_that_are_not_classes(source, dtype):
    """Raise ``ValueError`` naming the first target of ``source`` that does not name a class (an accuracy was asked
    for), before any step."""
    total = source.number_of_examples()
    for start in range(0, total, _READ_ROWS):
        check_class_targets(source.read(start, min(start + _READ_ROWS, total), dtype)[1], first=start)


def _after_step(display, on_batch):
    """What runs after every step of a run: the progress bar, then the user's ``on_batch``."""
    if not display.draws_bar:
        return on_batch

    def after_step(batch_index, n_batches):
        display.on_batch(batch_index, n_batches)
        if on_batch is not None:
            on_batch(batch_index, n_batches)
    return after_step


def _trained_epoch(trainer, data_src, measure, on_batch, began):
    """One epoch of a run and its record; the schedule then sets the next epoch's learning rate."""
    started = time.perf_counter()
    learning_rate = trainer.learning_rate
    measure.start_epoch()
    trainer._epoch(data_src, on_batch)
    record = {'epoch': trainer.epochs_done, 'seconds': time.perf_counter() - started, 'learning_rate': learning_rate}
    measure(record)
    record['wall_time'] = time.perf_counter() - began
    trainer.learning_rate = trainer.schedule.next_learning_rate(trainer.learning_rate, trainer.epochs_done,
                                                                record.get('evaluation_cost'))
    return record


class _WholeEpoch:
    """An epoch of a run as one unit of work: if Ctrl+C (``KeyboardInterrupt``) lands anywhere in it (its steps, its
    measurements, the schedule's step, its record), the trainer goes back to the end of the last whole epoch, its
    parameters, rule state and random states (the epoch's own copies), learning rate, schedule, history and
    ``epochs_done`` all, before the interrupt goes on."""

    def __init__(self, trainer, history, best):
        self.trainer, self.history = trainer, history

    def __enter__(self):
        trainer = self.trainer
        self.epochs_done, self.learning_rate = trainer.epochs_done, trainer.learning_rate
        self.schedule, self.schedule_state = trainer.schedule, trainer.schedule.state()
        self.lengths = len(self.history), len(trainer.history)

    def __exit__(self, kind, error, traceback):
        if kind is None or not issubclass(kind, KeyboardInterrupt):
            return False
        trainer = self.trainer
        with _interrupts_held():
            if trainer._epoch_start.epoch == self.epochs_done:     # the steps began: the copies are of their start
                trainer._epoch_start.put_back(trainer)
            trainer.epochs_done, trainer.learning_rate, trainer.in_epoch = self.epochs_done, self.learning_rate, False
            trainer.schedule = self.schedule
            for name, value in self.schedule_state.items():
                setattr(self.schedule, name, value)
            del self.history.records[self.lengths[0]:], trainer.history.records[self.lengths[1]:]
        return False


@contextlib.contextmanager
def _interrupts_held():
    """Ctrl+C held back for the time of the block (a trainer being put back), then raised: a second Ctrl+C cannot
    leave the trainer half put back. Only the main thread, with Python's own handler, is concerned."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


class _Display:
    """What a run shows: with ``progress``, a bar over its steps (``feedforward_progress.ProgressBar``), and with
    ``verbose`` (by default, when there is a bar) a line for each epoch, ``epoch 3/20 0.41s | train cost 0.3012 acc
    91.20% | eval cost ...``, printed above the bar (in a log, where no bar is drawn, alone)."""

    def __init__(self, trainer, nepochs, progress, verbose):
        self.last = trainer.epochs_done + nepochs
        self.bar = ProgressBar(nepochs) if progress else None
        self.draws_bar = self.bar is not None
        self.lines = bool(progress if verbose is None else verbose)

    def on_batch(self, batch_index, n_batches):
        self.bar.on_batch(batch_index, n_batches)

    def end_epoch(self, record):
        if not self.lines:
            return
        measured = describe_epoch(record, 'train', 'eval', short=True)
        line = 'epoch {}/{} {:.2f}s{}'.format(record['epoch'], self.last, record['seconds'],
                                            ' | ' + measured if measured else '')
        if self.bar is not None:
            self.bar.end_epoch(record, line)
        else:
            print(line, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


class _Measurements:
    """What a run measures after each epoch: the costs (and accuracies) it was asked for, and, if asked, the
    per-layer diagnostics."""

    def __init__(self, trainer, data_src, evaluation_data, accuracy, diagnostics, measure_training):
        self.trainer, self.accuracy, self.batches = trainer, accuracy, measure_training == 'batches'
        self.sources = [('training', data_src)] if measure_training is True else []
        if evaluation_data is not None:
            self.sources.append(('evaluation', evaluation_data))
        self.diagnostic_batch = diagnostic_batch(data_src, trainer.neural_net, checked=True) if diagnostics else None

    def start_epoch(self):
        """Before the epoch's steps: with ``'batches'``, the trainer's steps add up their batches' costs."""
        if self.batches:
            self.trainer._batch_costs = []

    def __call__(self, record):
        trainer = self.trainer
        if self.batches:
            # Each batch's cost C_b = total_b / S_b, weighed by its n_b examples (as scikit-learn's loss_curve_).
            costs = trainer._batch_costs
            trainer._batch_costs = None
            mean = sum(total * (n / weight) for total, weight, n in costs) / sum(n for _, _, n in costs)
            record['batch_cost'] = self._finite(mean, 'mean batch')
        for which, source in self.sources:
            cost, accuracy = trainer.cost_function._measure(source, self.accuracy, checked=True)
            record[which + '_cost'] = self._finite(cost, which)
            if self.accuracy:
                record[which + '_accuracy'] = accuracy
        if self.diagnostic_batch is not None:
            record.update(layer_diagnostics(trainer.cost_function, *self.diagnostic_batch))

    def _finite(self, cost, which):
        if not math.isfinite(cost):
            raise TrainingDivergedError('training diverged: after the last batch of epoch {} the {} cost is {}; the '
                                        'net keeps the finite parameters it has. Try a smaller learning rate.'.format(
                                            self.trainer.epochs_done, which, cost), epoch=self.trainer.epochs_done)
        return cost


class _BestEpoch:
    """Early stopping: the lowest evaluation cost so far, its epoch, and a copy of the parameters then."""

    def __init__(self, net, patience):
        self.net, self.patience = net, patience
        self.cost, self.epoch, self.epochs_since = math.inf, None, 0
        self.parameters = np.empty_like(net.parameters())

    def stop_after(self, record):
        """Take the epoch's record into account; whether the run should stop now."""
        if record['evaluation_cost'] < self.cost:
            self.cost, self.epoch, self.epochs_since = record['evaluation_cost'], record['epoch'], 0
            np.copyto(self.parameters, self.net.parameters())
        else:
            self.epochs_since += 1
        return self.epochs_since >= self.patience

    def restore(self, history):
        """Put back the parameters of the best epoch, and name it in ``history``."""
        if self.epoch is not None:
            np.copyto(self.net.parameters(), self.parameters)
            history.best_epoch = self.epoch


def _spawned(rng):
    """A generator of its own, spawned from ``rng``'s seed; ``rng``'s own stream is left as it is."""
    try:
        return rng.spawn(1)[0]
    except TypeError:           # a bit generator seeded the legacy way has no seed sequence to spawn from
        return np.random.Generator(rng.bit_generator.jumped())


def _dropout_rates(value, sizes):
    """The dropout rate of each non-output layer (a tuple), or None: from None, one rate for every hidden layer,
    or a sequence of one rate per non-output layer, input layer first."""
    n_layers = len(sizes) - 1
    if value is None:
        return None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if n_layers < 2:
            raise ValueError('dropout={!r} is a rate for every hidden layer, and the net {} has none; give a '
                             'list with the rate of the input layer, [p]'.format(value, sizes))
        rates = [0.0] + [value] * (n_layers - 1)
    else:
        try:
            rates = list(value)
        except TypeError:
            raise TypeError('expected dropout to be None, a rate, or a list of rates, got {!r}'.format(
                value)) from None
        if len(rates) != n_layers:
            raise ValueError('expected dropout as one rate for every hidden layer, or a list of {} rates, one per '
                             'non-output layer of the net {} (input layer first), got {} rates'.format(
                                 n_layers, sizes, len(rates)))
    checked = []
    for rate in rates:
        rate = check_nonnegative_number(rate, 'every dropout rate')
        if rate >= 1:
            raise ValueError('expected every dropout rate to be at least 0 and below 1, got {!r}'.format(rate))
        checked.append(rate)
    return tuple(checked) if any(checked) else None
