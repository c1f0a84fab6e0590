"""Gradient descent: the update rules, epochs, mini-batches, shuffling, dropout, and training runs with their history.

Each step takes the gradient g = dC_batch/dtheta of the cost of a batch (with
its L2 term, as ``Cost.get_cost`` defines it: g includes lambda W, and there
is no decoupled weight decay) and changes every parameter theta by one of
these rules, which are exactly those of PyTorch's ``torch.optim.SGD``
(dampening 0) and ``torch.optim.Adam`` (without amsgrad), with learning rate
eta:

* plain (``momentum=0``)::

      theta <- theta - eta g

* momentum mu, with a velocity b per parameter (0 before the first step)::

      b <- mu b + g
      theta <- theta - eta b                   (nesterov=False)
      theta <- theta - eta (g + mu b)          (nesterov=True)

* Adam, with moments m and v (0 at first) and the step count t (from 1)::

      m <- beta1 m + (1 - beta1) g
      v <- beta2 v + (1 - beta2) g^2
      theta <- theta - eta (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

The batch is every example for ``GradientDescent``, and a mini-batch of a
fresh shuffle for ``StochasticGradientDescent`` and ``Adam``, which may also
thin the net by dropout in their steps (see ``neural_net``). The velocity
and the moments are in the units of the gradient, so a learning rate that
changes between steps (a schedule, see ``feedforward_schedules``) acts as it
does in PyTorch. (Within an epoch the velocity is held as a multiple of b,
the step itself, which saves a pass per step; see
``GradientDescent._prepare_step``.) Each layer is updated in place, a chunk
at a time, as soon as back-propagation has formed its gradient; nothing is
allocated per step.

Training that goes wrong stops, and the epoch it went wrong in is undone:
when a step makes a parameter NaN or infinite, the net goes back to its
parameters at the start of that epoch (one copy is kept per epoch), the
optimizer's state (velocity, moments, step count) and the random generators
to theirs then, and ``TrainingDivergedError`` names the epoch and the batch.
A batch of bad data (NaN, or a number too large for the net's dtype) raises
``ValueError`` and undoes the epoch in the same way.
"""
import contextlib
import math
import numbers
import time

import numpy as np

from cost_functions import Cost
from data_source import check_fits, check_values, has_class_targets, target_range
from feedforward_checks import check_nonnegative_number, check_positive_int, check_positive_number, random_generator
from feedforward_diagnostics import diagnostic_batch, layer_diagnostics
from feedforward_schedules import check_schedule
from feedforward_threads import AutoThreads, check_threads, epoch_threads
from neural_net import NeuralNet

__all__ = ['GradientDescent', 'StochasticGradientDescent', 'Adam', 'History', 'TrainingDivergedError',
           'StopTraining']

# Full-batch gradients over more examples than this are summed chunk by chunk, to bound memory.
FULL_BATCH_CHUNK = 8192

# A step changes and checks this many parameters at a time, while they are in the cache (see _update_layer).
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


class _Trainer:
    """What every trainer shares: the net and its cost, the learning rate and its schedule, epochs that are
    undone when they fail, and ``train``.

    A subclass gives the update rule: ``_gradient_scale`` (the factor the
    gradient is formed with: it rides on delta^L at no cost), ``_prepare_step``
    (what a step computes once, before its layers), ``_update_layer(i)`` and
    ``_rule_state`` (its arrays, laid out as the net's parameters); and the
    epoch: ``training_epoch``.
    """

    def __init__(self, neural_net, cost_function, learning_rate, schedule=None, threads=None):
        if not isinstance(neural_net, NeuralNet):
            raise TypeError('expected neural_net to be a NeuralNet, got {}'.format(type(neural_net).__name__))
        if not isinstance(cost_function, Cost):
            raise TypeError('expected cost_function to be a cost such as QuadraticCost, got {}'.format(
                type(cost_function).__name__))
        if cost_function.neural_net is not neural_net:
            raise ValueError('expected cost_function to be built on the same net as the one being trained')
        self.neural_net = neural_net
        self.cost_function = cost_function
        self.learning_rate = learning_rate
        self.schedule = schedule
        self.threads = threads
        #: Epochs completed by this optimizer.
        self.epochs_done = 0
        #: Every epoch ``train`` recorded, over all its calls.
        self.history = History()
        #: The random generator of the shuffles; full-batch descent has none.
        self.rng = None
        #: True from the first step of an epoch until it ends: a run stopped in the middle of an epoch
        #: (StopTraining) keeps the steps taken, but a checkpoint cannot be saved until an epoch ends.
        self.in_epoch = False
        self._snapshots = {}
        self._chunks = None
        self._batch_index = 0
        self._accumulator = None

    @property
    def learning_rate(self):
        """The step size (checked whenever it is set)."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = check_positive_number(value, 'learning_rate')

    def __getstate__(self):
        """What pickling and ``copy.deepcopy`` keep: everything but the chunk views into the parameters, the
        gradient and the state arrays, which would come back as copies of their own; the next epoch makes them
        anew, as views of the arrays that came back."""
        state = dict(vars(self))
        state['_chunks'] = None
        return state

    @property
    def schedule(self):
        """The learning-rate schedule that ``train`` follows after each epoch (``Constant()`` for None)."""
        return self._schedule

    @schedule.setter
    def schedule(self, value):
        self._schedule = check_schedule(value)

    @property
    def threads(self):
        """The BLAS threads of the training steps (checked whenever it is set): None, the default, chooses them
        from the net and the batch size (reproducible); N fixes them (at most the BLAS's own number); 'auto'
        times the steps to use the faster of one thread and all (not bit-reproducible). See
        ``feedforward_threads``."""
        return self._threads

    @threads.setter
    def threads(self, value):
        self._threads = check_threads(value)
        self._auto = AutoThreads() if self._threads == 'auto' else None

    def _epoch_threads(self, batch_size):
        """The BLAS threads of ``threads`` for the time of an epoch in batches of ``batch_size``; yields the pace
        keeper to call before and after every step (see ``feedforward_threads.epoch_threads``)."""
        net = self.neural_net
        return epoch_threads(self._threads, net.layer_sizes(), batch_size, net.dtype, self._auto)

    # ----- the update rule, given by each subclass -----------------------------

    def _gradient_scale(self):
        return 1.0

    def _prepare_step(self):
        pass

    def _update_layer(self, i):
        raise NotImplementedError

    def _finish_steps(self):
        """Bring the update rule's state into its own units when the steps of an epoch end or stop."""

    def _rule_state(self):
        """The update rule's arrays (laid out as the parameters; None for one not made yet), by name."""
        return {}

    def _scalar_state(self):
        """The update rule's numbers (a step count), by name: an epoch that fails puts them back."""
        return {}

    def _generators(self):
        """The random generators whose states an epoch that fails puts back."""
        return []

    # ----- one epoch ---------------------------------------------------------

    def _check_source(self, data_src):
        """Raise unless ``data_src`` fits the net, and its targets lie where the cost is defined."""
        check_fits(data_src, self.neural_net.layer_sizes())
        if self.cost_function.TARGETS is not None:
            self.cost_function._check_targets(*target_range(data_src, self.neural_net.dtype))

    @contextlib.contextmanager
    def _epoch_or_nothing(self):
        """The steps of an epoch: if one fails (it diverged, or a batch held bad data), the parameters, the
        update rule's state and the random states go back to those at the start of the epoch before the
        error goes on.

        Overflow is caught by the check of every step, which raises
        TrainingDivergedError; NumPy's warnings before it would only be noise.
        """
        generators = [(g, g.bit_generator.state) for g in self._generators()]
        scalars = self._scalar_state()
        self.in_epoch = True
        try:
            with np.errstate(over='ignore', invalid='ignore'):
                yield
        except (TrainingDivergedError, ValueError):
            for name, array in self._snapshot_arrays().items():
                kept = self._snapshots.get(name)
                if kept is None:
                    array[...] = 0        # made during this epoch: it was all zeros at its start
                else:
                    np.copyto(array, kept)
            for generator, state in generators:
                generator.bit_generator.state = state
            for name, value in scalars.items():
                setattr(self, name, value)
            self.in_epoch = False
            raise
        finally:
            # The epoch ended, or stopped within (StopTraining: the steps taken are kept); after an undo the
            # state is that of the epoch's start, in its own units already, and this changes nothing.
            self._finish_steps()
        self.in_epoch = False

    def _snapshot_arrays(self):
        arrays = {'parameters': self.neural_net.parameters()}
        arrays.update((name, array) for name, array in self._rule_state().items() if array is not None)
        return arrays

    def _start_epoch(self):
        """Keep a copy of the parameters and of the update rule's state, to go back to if a step of this epoch
        goes wrong.

        Raises ``ValueError`` (before anything changes) if the parameters
        already hold NaN or infinity: that is not a step's doing.
        """
        parameters = self.neural_net.parameters()
        if self._chunks is None:
            self._chunks = self._layer_chunks()
        finite = np.isfinite(parameters)
        if not finite.all():
            raise ValueError('expected the net\'s parameters to be finite before epoch {}, got NaN or infinity in '
                             '{} of them (they were set outside training); call randomize_parameters() or load a '
                             'saved net'.format(self.epochs_done + 1, np.count_nonzero(~finite)))
        for name, array in self._snapshot_arrays().items():
            if name not in self._snapshots:
                self._snapshots[name] = np.empty_like(array)
            np.copyto(self._snapshots[name], array)

    def _layer_chunks(self):
        """For each layer, views of its parameters, of its gradient, of two scratch arrays (bool and float)
        and of the update rule's state arrays, a chunk of up to ``STEP_CHUNK`` at a time: made once, used by
        every step. A state array not made yet gives None."""
        net = self.neural_net
        size = min(net.parameters().size, STEP_CHUNK)
        finite, scratch = np.empty(size, bool), np.empty(size, net.dtype)
        state = list(self._rule_state().values())
        layers = []
        for where in net._slices:
            flat = [net.parameters()[where], net._gradient[where]] + [None if a is None else a[where] for a in state]
            chunks = []
            for start in range(0, flat[0].size, STEP_CHUNK):
                stop = min(start + STEP_CHUNK, flat[0].size)
                views = [None if a is None else a[start:stop] for a in flat]
                chunks.append((views[0], views[1], finite[:stop - start], scratch[:stop - start], *views[2:]))
            layers.append(chunks)
        return layers

    def _step(self, X, Y, masks=None):
        """One step of the update rule on the batch ``(X, Y)``, layer by layer.

        Each layer's parameters change as soon as back-propagation has formed
        their gradient, while that gradient is still in the cache; the
        gradient buffer is used up by the step.
        """
        self._prepare_step()
        self.cost_function._gradient(X, Y, scale=self._gradient_scale(), on_layer=self._update_layer, masks=masks)

    def _diverged(self):
        """The error for a step that made a parameter NaN or infinite (the epoch is then undone)."""
        epoch, batch = self.epochs_done + 1, self._batch_index + 1
        return TrainingDivergedError(
            'training diverged in epoch {} at batch {}: a step made a parameter NaN or infinite; the net is '
            'back at its parameters from the start of epoch {}. Try a smaller learning rate.'.format(
                epoch, batch, epoch), epoch=epoch, batch=batch)

    # ----- many epochs -------------------------------------------------------

    def train(self, data_src, nepochs, evaluation_data=None, callback=None, progress=False, diagnostics=False,
              accuracy=None, on_batch=None, patience=None):
        """Run up to ``nepochs`` epochs; returns a ``History`` with one record per epoch.

        Each record holds, measured after the epoch:

        * ``epoch``: the epoch's number (``epochs_done`` after it);
        * ``seconds``: the time the epoch's steps took; ``wall_time``: seconds
          since ``train`` began, measurements included;
        * ``learning_rate``: the rate the epoch's steps used;
        * ``training_cost`` on ``data_src`` and, if ``evaluation_data`` (a data
          source) is given, ``evaluation_cost`` on it, as ``get_cost``
          defines the cost;
        * ``training_accuracy`` (and ``evaluation_accuracy``): the share of
          examples whose class the net predicts (see ``cost_functions.accuracy``).
          By default (``accuracy=None``) they are recorded when every target of
          ``data_src`` names a class (one-hot rows, or 0/1 with a single
          output); ``accuracy=True`` or ``False`` decides it outright.
          Accuracy and cost come from the same forward pass.
        * with ``diagnostics=True``: the per-layer quantities of
          ``feedforward_diagnostics`` (``weight_gradient_norm``,
          ``activation_mean``, ``activation_std``, ``saturated``, ``dead``),
          each a list with one float per non-input layer, measured on one
          fixed batch of up to 1000 examples of ``data_src`` drawn once with
          a seed of its own (not the optimizer's). They cost one forward and
          one backward pass of that batch per epoch and change no parameter;
          when off, nothing at all is computed.

        After each record, the schedule sets the learning rate of the next
        epoch (``ReduceOnPlateau`` needs ``evaluation_data``).

        ``patience=N`` (early stopping, with ``evaluation_data``) stops the
        run once the evaluation cost has not fallen below its lowest for N
        epochs in a row; when ``train`` returns, for whatever reason but an
        error, the net holds the parameters of the epoch of the lowest
        evaluation cost of this call, whose number is ``history.best_epoch``.
        The optimizer's state, the epoch count and the history stay those of
        the last epoch.

        ``callback(epoch, history)`` is called after each epoch's record; if
        it returns False, training stops there. ``on_batch(batch_index,
        n_batches)`` is called after every step. Either may raise
        ``StopTraining`` to stop at once (in the middle of an epoch, for
        ``on_batch``): ``train`` then returns the history of the epochs that
        finished. ``progress=True`` shows a tqdm progress bar over the
        mini-batches when the output is a terminal (tqdm must then be
        installed; ImportError otherwise, before any training).

        Every record is also appended to ``self.history``, which holds the
        epochs of all ``train`` calls of this trainer.
        """
        nepochs = check_positive_int(nepochs, 'nepochs')
        if patience is not None:
            patience = check_positive_int(patience, 'patience')
            if evaluation_data is None:
                raise ValueError('early stopping (patience={}) follows the evaluation cost: give evaluation_data, '
                                 'such as a validation part made by data_source.validation_split'.format(patience))
        if self.schedule.needs_evaluation and evaluation_data is None:
            raise ValueError('the schedule {!r} follows the evaluation cost: give evaluation_data, such as a '
                             'validation part made by data_source.validation_split'.format(self.schedule))
        for source in (data_src, evaluation_data):
            if source is not None:
                self._check_source(source)
                # Every value through the checked route now, not after an epoch that changed the net.
                check_values(source, self.neural_net.dtype)
        if accuracy is None:
            accuracy = has_class_targets(data_src)
        diagnostic_X = diagnostic_Y = None
        if diagnostics:
            diagnostic_X, diagnostic_Y = diagnostic_batch(data_src, self.neural_net)
        bar = _ProgressBar(nepochs) if progress else None

        def after_step(batch_index, n_batches):
            if bar is not None:
                bar.on_batch(batch_index, n_batches)
            if on_batch is not None:
                on_batch(batch_index, n_batches)

        history = History()
        best = _BestEpoch(self.neural_net) if patience is not None else None
        began = time.perf_counter()
        try:
            for _ in range(nepochs):
                started = time.perf_counter()
                learning_rate = self.learning_rate
                self.training_epoch(data_src, on_batch=after_step)
                record = {'epoch': self.epochs_done, 'seconds': time.perf_counter() - started,
                          'learning_rate': learning_rate}
                self._measure(record, 'training', data_src, accuracy)
                if evaluation_data is not None:
                    self._measure(record, 'evaluation', evaluation_data, accuracy)
                if diagnostics:
                    record.update(layer_diagnostics(self.cost_function, diagnostic_X, diagnostic_Y))
                record['wall_time'] = time.perf_counter() - began
                self.learning_rate = self.schedule.next_learning_rate(
                    self.learning_rate, self.epochs_done, record.get('evaluation_cost'))
                if best is not None:
                    best.consider(record)
                history.append(record)
                self.history.append(record)
                if bar is not None:
                    bar.end_epoch(record)
                if callback is not None and callback(self.epochs_done, history) is False:
                    break
                if best is not None and best.epochs_since >= patience:
                    break
        except StopTraining:
            pass
        finally:
            if bar is not None:
                bar.close()
        if best is not None and best.epoch is not None:
            best.restore()
            history.best_epoch = best.epoch
        return history

    def _measure(self, record, which, data_src, with_accuracy):
        """Put the cost (and accuracy) on ``data_src`` into ``record`` as ``<which>_cost`` (``<which>_accuracy``)."""
        if with_accuracy:
            cost, accuracy = self.cost_function.cost_and_accuracy(data_src)
        else:
            cost, accuracy = self.cost_function.get_cost(data_src), None
        if not math.isfinite(cost):
            raise TrainingDivergedError('training diverged: after the last batch of epoch {} the {} cost is {}; '
                                        'the net keeps the finite parameters it has. Try a smaller learning '
                                        'rate.'.format(self.epochs_done, which, cost), epoch=self.epochs_done)
        record[which + '_cost'] = cost
        if with_accuracy:
            record[which + '_accuracy'] = accuracy


class _BestEpoch:
    """Early stopping's memory: the lowest evaluation cost so far, its epoch, and a copy of the parameters then."""

    def __init__(self, net):
        self.net = net
        self.cost = math.inf
        self.epoch = None
        self.epochs_since = 0
        self.parameters = np.empty_like(net.parameters())

    def consider(self, record):
        if record['evaluation_cost'] < self.cost:
            self.cost, self.epoch, self.epochs_since = record['evaluation_cost'], record['epoch'], 0
            np.copyto(self.parameters, self.net.parameters())
        else:
            self.epochs_since += 1

    def restore(self):
        np.copyto(self.net.parameters(), self.parameters)


class GradientDescent(_Trainer):
    """Full-batch gradient descent: each epoch takes one step along the gradient of the cost of all examples.

    The step is plain (``momentum=0``) or with momentum mu in [0, 1), plain
    or Nesterov's, as the module docstring writes them. ``learning_rate`` (a
    positive finite number), ``momentum`` and ``nesterov`` may be changed
    between epochs; they are checked whenever they are set (Nesterov needs a
    momentum above 0). ``velocity`` is the velocity b, laid out as
    ``net.parameters()`` (None until a momentum above 0 is set).
    ``epochs_done`` counts the epochs this trainer has trained, and
    ``history`` holds the record of every epoch that ``train`` measured (a
    checkpoint keeps both). ``schedule`` (see ``feedforward_schedules``)
    changes the learning rate after every epoch of ``train``. ``threads``
    (None, N or ``'auto'``; see ``threads``) sets the BLAS threads of the
    steps, for the time of each epoch only.
    """

    def __init__(self, neural_net, cost_function, learning_rate, momentum=0.0, nesterov=False, schedule=None,
                 threads=None):
        super().__init__(neural_net, cost_function, learning_rate, schedule, threads)
        #: The velocity b between epochs (None until a momentum above 0 is set); within an epoch, the steps hold
        #: it as ``_velocity_rate`` times b (see ``_prepare_step``).
        self.velocity = None
        self._velocity_rate = 1.0
        self._momentum, self._nesterov = 0.0, False
        self.momentum = momentum
        self.nesterov = nesterov

    @property
    def momentum(self):
        """mu, from 0 (plain steps) to below 1 (checked whenever it is set)."""
        return self._momentum

    @momentum.setter
    def momentum(self, value):
        value = check_nonnegative_number(value, 'momentum')
        if value >= 1:
            raise ValueError('expected momentum to be at least 0 and below 1, got {!r}'.format(value))
        if value == 0 and self._nesterov:
            raise ValueError('Nesterov momentum needs a momentum above 0: set nesterov to False first')
        if value > 0 and self.velocity is None:
            self.velocity = np.zeros_like(self.neural_net.parameters())
            if self._chunks is not None:
                self._chunks = self._layer_chunks()
        self._momentum = value

    @property
    def nesterov(self):
        """Whether the momentum step is Nesterov's (checked whenever it is set)."""
        return self._nesterov

    @nesterov.setter
    def nesterov(self, value):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError('expected nesterov to be True or False, got {!r}'.format(value))
        if value and not self._momentum:
            raise ValueError('Nesterov momentum needs a momentum above 0, got nesterov=True with momentum=0')
        self._nesterov = bool(value)

    def _rule_state(self):
        return {'velocity': self.velocity}

    def _scalar_state(self):
        return {'_velocity_rate': self._velocity_rate}

    def _gradient_scale(self):
        # The learning rate rides on delta^L: the gradient back-propagation forms is eta g, the plain step.
        return self._learning_rate

    def _prepare_step(self):
        """The factor of this step's velocity term, for the velocity held in the units of the step.

        Within an epoch the array ``velocity`` holds r b, for r the learning
        rate of the last step taken (r = 1, the units of the gradient, when
        the epoch starts). With the gradient formed as eta g, the velocity of
        this step is then

            eta b <- (mu eta / r) (r b) + eta g

        and the plain step is theta <- theta - eta b: one pass fewer than
        scaling b by eta every step. ``_finish_steps`` divides by r when the
        epoch ends. A learning rate changed within an epoch (by a callback)
        acts as it does in PyTorch.
        """
        if self._momentum:
            # eta / r is exactly 1 while the rate stays the same: the factor is then mu itself.
            self._velocity_decay = self._momentum * (self._learning_rate / self._velocity_rate)
            self._velocity_rate = self._learning_rate

    def _finish_steps(self):
        if self._velocity_rate != 1.0:
            self.velocity /= self._velocity_rate
            self._velocity_rate = 1.0

    def training_epoch(self, data_src, on_batch=None):
        """One epoch over ``data_src``: here, one step along the gradient of the cost of every example.

        ``on_batch(batch_index, n_batches)``, if given, is called after each step.
        """
        self._check_source(data_src)
        self._start_epoch()
        net, total = self.neural_net, data_src.number_of_examples()
        with self._epoch_or_nothing(), self._epoch_threads(min(total, FULL_BATCH_CHUNK)) as pace:
            self._batch_index = 0
            pace.before_step()
            if total <= FULL_BATCH_CHUNK:
                self._step(*data_src.read(0, total, net.dtype))
            else:
                np.copyto(net._gradient, self._summed_step(data_src))
                self._prepare_step()
                for i in range(len(net.layers())):
                    self._update_layer(i)
            pace.after_step()
        self.epochs_done += 1
        if on_batch is not None:
            on_batch(0, 1)

    def _summed_step(self, data_src):
        """The gradient of the cost of every example (times ``_gradient_scale``), summed chunk by chunk."""
        net, cost = self.neural_net, self.cost_function
        total = data_src.number_of_examples()
        if self._accumulator is None or self._accumulator.dtype != net.dtype:
            self._accumulator = np.empty_like(net.parameters())
        self._accumulator[...] = 0
        # sum_c (n_c / n) * grad C_c = grad C: each chunk's L2 term is weighted to lambda W once in all.
        for start in range(0, total, FULL_BATCH_CHUNK):
            stop = min(start + FULL_BATCH_CHUNK, total)
            X, Y = data_src.read(start, stop, net.dtype)
            self._accumulator += cost._gradient(X, Y, scale=self._gradient_scale() * (stop - start) / total)
        return self._accumulator

    def _update_layer(self, i):
        """Layer i's step, as the module docstring writes it; raise if a parameter comes out NaN or infinite.

        When that happens (the gradient held NaN or infinity, or the step
        overflowed), ``TrainingDivergedError`` names the epoch and the batch
        (``self._batch_index``), and the epoch puts every parameter and the
        velocity back to their values at its start. A layer is changed and
        checked a chunk at a time, while the chunk is in the cache: on a
        large net the check then costs half what a pass of its own over all
        parameters would.
        """
        if not self._momentum:
            # The gradient was formed times the learning rate: it is the step.
            for parameters, step, finite, _, _ in self._chunks[i]:
                parameters -= step
                if not np.isfinite(parameters, out=finite).all():
                    raise self._diverged()
            return
        # g here is eta g, and b is held as eta b (see _prepare_step).
        mu, decay, nesterov = self._momentum, self._velocity_decay, self._nesterov
        for theta, g, finite, scratch, b in self._chunks[i]:
            b *= decay
            b += g                                   # eta b <- mu eta b + eta g
            if nesterov:
                np.multiply(b, mu, out=scratch)
                g += scratch                         # eta (g + mu b)
                theta -= g
            else:
                theta -= b                           # theta <- theta - eta b
            if not np.isfinite(theta, out=finite).all():
                raise self._diverged()


class _MiniBatches(_Trainer):
    """Epochs of mini-batches of a fresh shuffle, and dropout in their steps: what SGD and Adam share.

    Each epoch shuffles the examples afresh (with the generator ``rng``,
    seeded by ``seed``: an int, a ``numpy.random.Generator`` or None) and
    takes one step per mini-batch of ``batch_size`` examples; the last
    mini-batch holds what is left, so it may be smaller.

    ``dropout`` (inverted dropout, in training steps only: never in ``feed``,
    ``get_cost`` or the measurements of ``train``) is None, one rate p for
    every hidden layer, or a list of one rate per non-output layer, input
    layer first, each in [0, 1). Every step draws a fresh mask for each
    layer with p > 0: a unit is kept where a uniform draw u in [0, 1) has
    u >= p, and its output is then divided by 1 - p, so that its expected
    value is unchanged. The draws come from ``dropout_rng``, a generator of
    its own spawned from ``rng``'s seed, so that dropout leaves the shuffles
    as they are without it; a checkpoint keeps the states of both.
    """

    def _init_mini_batches(self, batch_size, seed, dropout):
        self.batch_size = batch_size
        self.rng = random_generator(seed)
        #: The generator of the dropout masks.
        self.dropout_rng = _spawned(self.rng)
        self._dropout = None
        self.dropout = dropout
        self._buffers = {}
        self._masks = {}

    @property
    def batch_size(self):
        """Examples per mini-batch (checked whenever it is set)."""
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value):
        self._batch_size = check_positive_int(value, 'batch_size')

    @property
    def dropout(self):
        """The dropout rate of each non-output layer, input layer first (a tuple), or None for no dropout."""
        return self._dropout

    @dropout.setter
    def dropout(self, value):
        self._dropout = _dropout_rates(value, self.neural_net.layer_sizes())
        self._masks = {}

    def _generators(self):
        return [self.rng, self.dropout_rng]

    def training_epoch(self, data_src, on_batch=None):
        """One pass over a fresh shuffle of ``data_src`` in mini-batches; see the class docstring.

        ``on_batch(batch_index, n_batches)``, if given, is called after each step.
        """
        self._check_source(data_src)
        self._start_epoch()
        net, batch_size = self.neural_net, self.batch_size
        total = data_src.number_of_examples()
        n_batches = -(-total // batch_size)
        with self._epoch_or_nothing(), self._epoch_threads(batch_size) as pace:
            order = self.rng.permutation(total)
            for batch_index in range(n_batches):
                indices = order[batch_index * batch_size:(batch_index + 1) * batch_size]
                self._batch_index = batch_index
                X, Y = data_src.take(indices, dtype=net.dtype, out=self._batch_buffers(len(indices)))
                masks = self._dropout_masks(len(indices))
                pace.before_step()
                self._step(X, Y, masks)
                pace.after_step()
                if on_batch is not None:
                    on_batch(batch_index, n_batches)
        self.epochs_done += 1

    def _batch_buffers(self, n):
        buffers = self._buffers.get(n)
        if buffers is None:
            if len(self._buffers) >= 2:
                self._buffers.clear()
            sizes, dtype = self.neural_net.layer_sizes(), self.neural_net.dtype
            buffers = self._buffers[n] = (np.empty((n, sizes[0]), dtype), np.empty((n, sizes[-1]), dtype))
        return buffers

    def _dropout_masks(self, n):
        """Fresh dropout masks for a batch of ``n`` examples (None without dropout); see the class docstring.

        m^l = 1 / (1 - p_l) where u >= p_l, else 0, for a uniform draw u per
        example and unit; drawn in place into buffers kept per batch size.
        """
        if self._dropout is None:
            return None
        masks = self._masks.get(n)
        if masks is None:
            if len(self._masks) >= 2:
                self._masks.clear()
            dtype = self.neural_net.dtype
            masks = self._masks[n] = [np.empty((n, size), dtype) if p > 0 else None
                                      for size, p in zip(self.neural_net.layer_sizes(), self._dropout)]
        for mask, p in zip(masks, self._dropout):
            if mask is not None:
                self.dropout_rng.random(out=mask, dtype=mask.dtype)
                np.greater_equal(mask, p, out=mask)        # 1 where the unit is kept, 0 where it is dropped
                mask *= 1 / (1 - p)
        return masks


class StochasticGradientDescent(_MiniBatches, GradientDescent):
    """Mini-batch stochastic gradient descent: plain, with momentum, or with Nesterov momentum.

    The rule is that of ``GradientDescent`` (see the module docstring), on
    mini-batches: each epoch shuffles the examples afresh (with a generator
    seeded by ``seed``: an int, a ``numpy.random.Generator`` or None) and
    takes one step per mini-batch of ``batch_size`` examples; the last
    mini-batch holds what is left, so it may be smaller. ``dropout`` thins
    the net in every step: None, one rate for every hidden layer, or one
    rate per non-output layer, input layer first (see ``dropout``).
    ``schedule`` (see ``feedforward_schedules``) changes the learning rate
    after every epoch of ``train``; ``threads`` sets the BLAS threads of the
    steps (see ``GradientDescent``). Every setting is checked whenever it is
    set, and may be changed between epochs.
    """

    def __init__(self, neural_net, cost_function, learning_rate, batch_size=50, seed=None, momentum=0.0,
                 nesterov=False, dropout=None, schedule=None, threads=None):
        GradientDescent.__init__(self, neural_net, cost_function, learning_rate, momentum=momentum,
                                 nesterov=nesterov, schedule=schedule, threads=threads)
        self._init_mini_batches(batch_size, seed, dropout)


class Adam(_MiniBatches):
    """Adam (Kingma and Ba, 2015) on mini-batches, exactly as PyTorch's ``torch.optim.Adam`` without amsgrad.

    The rule is in the module docstring: ``betas`` = (beta1, beta2), each in
    [0, 1), and ``eps`` > 0; ``first_moment`` (m), ``second_moment`` (v),
    laid out as ``net.parameters()``, and ``step_count`` (t) are its state,
    which a checkpoint keeps. Mini-batches, shuffling, ``dropout``,
    ``schedule`` and ``threads`` are as for ``StochasticGradientDescent``. Every setting is
    checked whenever it is set, and may be changed between epochs.
    """

    def __init__(self, neural_net, cost_function, learning_rate=0.001, batch_size=50, seed=None, betas=(0.9, 0.999),
                 eps=1e-8, dropout=None, schedule=None, threads=None):
        _Trainer.__init__(self, neural_net, cost_function, learning_rate, schedule, threads)
        self._init_mini_batches(batch_size, seed, dropout)
        self.betas = betas
        self.eps = eps
        parameters = neural_net.parameters()
        #: m, the moving average of the gradient.
        self.first_moment = np.zeros_like(parameters)
        #: v, the moving average of the squared gradient.
        self.second_moment = np.zeros_like(parameters)
        #: t, the steps taken.
        self.step_count = 0

    @property
    def betas(self):
        """(beta1, beta2), each at least 0 and below 1 (checked whenever they are set)."""
        return self._betas

    @betas.setter
    def betas(self, value):
        try:
            beta1, beta2 = value
        except (TypeError, ValueError):
            raise TypeError('expected betas to be a pair (beta1, beta2), got {!r}'.format(value)) from None
        betas = (check_nonnegative_number(beta1, 'betas[0]'), check_nonnegative_number(beta2, 'betas[1]'))
        if not all(beta < 1 for beta in betas):
            raise ValueError('expected betas to be at least 0 and below 1, got {!r}'.format(value))
        self._betas = betas

    @property
    def eps(self):
        """The term added to the denominator, a positive number (checked whenever it is set)."""
        return self._eps

    @eps.setter
    def eps(self, value):
        self._eps = check_positive_number(value, 'eps')

    def _rule_state(self):
        return {'first_moment': self.first_moment, 'second_moment': self.second_moment}

    def _scalar_state(self):
        return {'step_count': self.step_count}

    def _gradient_scale(self):
        # The gradient is formed as (1 - beta1) g, the term m takes: one pass fewer in every step.
        return 1.0 - self._betas[0]

    def _prepare_step(self):
        """t <- t + 1, and the step's factors.

        With c1 = 1 - beta1^t and c2 = 1 - beta2^t, the step
        eta (m / c1) / (sqrt(v / c2) + eps) is written
        (eta sqrt(c2) / c1) m / (sqrt(v) + eps sqrt(c2)), which needs no pass
        to divide m or v.
        """
        self.step_count += 1
        beta1, beta2 = self._betas
        root_c2 = math.sqrt(1.0 - beta2 ** self.step_count)
        self._step_size = self._learning_rate * root_c2 / (1.0 - beta1 ** self.step_count)
        self._denominator_eps = self._eps * root_c2
        # (1 - beta2) g^2 from the (1 - beta1) g the gradient was formed as.
        self._square_factor = (1.0 - beta2) / (1.0 - beta1) ** 2

    def _update_layer(self, i):
        """Layer i's Adam step; raise if a parameter comes out NaN or infinite (see ``GradientDescent``)."""
        beta1, beta2 = self._betas
        square_factor, eps, step_size = self._square_factor, self._denominator_eps, self._step_size
        for theta, g, finite, s, m, v in self._chunks[i]:
            m *= beta1
            m += g                                   # m <- beta1 m + (1 - beta1) g
            np.multiply(g, g, out=g)
            g *= square_factor
            v *= beta2
            v += g                                   # v <- beta2 v + (1 - beta2) g^2
            np.sqrt(v, out=s)
            s += eps
            np.divide(m, s, out=s)
            s *= step_size
            theta -= s
            if not np.isfinite(theta, out=finite).all():
                raise self._diverged()


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


class History:
    """What ``train`` records: one dictionary per epoch, and each quantity as a list over epochs.

    ``history.records`` (or ``history[i]``) are the dictionaries;
    ``history['training_cost']`` is the list of that quantity over epochs
    (epochs without it give None), and ``history.array('weight_gradient_norm')``
    the same as a NumPy array, here of shape (epochs, layers). A key that no
    epoch recorded raises ``KeyError`` naming the keys there are. See
    ``GradientDescent.train`` for the keys.
    """

    #: Keys ``train`` records only in some runs, and when.
    _WHEN = {
        'evaluation_cost': 'train records it when given evaluation_data',
        'evaluation_accuracy': 'train records it when given evaluation_data and the targets are classes',
        'training_accuracy': 'train records it when the targets are classes, or with accuracy=True',
    }

    def __init__(self, records=()):
        #: With ``train(..., patience=N)``: the epoch whose parameters the net was left with.
        self.best_epoch = None
        try:
            self.records = [dict(record) for record in records]
        except (TypeError, ValueError):
            raise TypeError('expected records as a sequence of dictionaries, got {!r}'.format(records)) from None

    def append(self, record):
        """Add an epoch's record (the dictionary itself: ``train`` shares it with the trainer's history)."""
        self.records.append(record)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self.records[key]
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if not -len(self.records) <= key < len(self.records):
                raise IndexError('expected an epoch index from {} to {} (the history holds {} epochs), got {}'.format(
                    -len(self.records), len(self.records) - 1, len(self.records), key))
            return self.records[key]
        if key not in self.keys():
            when = ' ({})'.format(self._WHEN[key]) if key in self._WHEN else ''
            raise _HistoryKeyError('{!r} is not in this history{}; it holds {}'.format(
                key, when, ', '.join(self.keys()) or 'no epochs yet'))
        return [record.get(key) for record in self.records]

    def __len__(self):
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def __repr__(self):
        return 'History({} epochs: {})'.format(len(self.records), ', '.join(self.keys()))

    def array(self, key):
        """``self[key]`` as a float array: shape (epochs,) for numbers, (epochs, layers) for per-layer lists.

        Epochs without the key give NaN.
        """
        values = self[key]
        width = next((len(v) for v in values if isinstance(v, (list, tuple))), None)
        missing = float('nan') if width is None else [float('nan')] * width
        return np.array([missing if v is None else v for v in values], dtype=float)

    def keys(self):
        """Every key some epoch recorded, in the order they first appear."""
        keys = []
        for record in self.records:
            keys.extend(key for key in record if key not in keys)
        return keys


class _HistoryKeyError(KeyError):
    """A KeyError whose message prints as it is (KeyError would quote it once more)."""

    def __str__(self):
        return str(self.args[0])


class _ProgressBar:
    """One tqdm bar over every mini-batch of a training run, with the latest epoch's numbers beside it.

    tqdm is imported only here: the library itself needs NumPy and threadpoolctl. When
    the output is not a terminal, no bar is drawn (tqdm's ``disable=None``),
    so that logs do not fill with bars.
    """

    def __init__(self, nepochs):
        try:
            from tqdm import tqdm
        except ImportError:
            raise ImportError('train(progress=True) draws its bar with the tqdm package, which is not '
                              'installed: install it with "pip install tqdm", or train with progress=False'
                              ) from None
        self.nepochs = nepochs
        self._bar = tqdm(total=None, unit='batch', desc='training', leave=True, disable=None, mininterval=0.5)

    def on_batch(self, batch_index, n_batches):
        if self._bar.total is None:
            self._bar.total = self.nepochs * n_batches
            self._bar.refresh()
        self._bar.update(1)

    def end_epoch(self, record):
        """Show the epoch's record: its number and the costs and accuracies in it."""
        shown = {'epoch': record['epoch']}
        labels = (('training_cost', 'cost'), ('training_accuracy', 'accuracy'),
                  ('evaluation_cost', 'eval_cost'), ('evaluation_accuracy', 'eval_accuracy'))
        for key, label in labels:
            if record.get(key) is not None:
                shown[label] = '{:.4g}'.format(record[key])
        self._bar.set_postfix(shown, refresh=True)

    def close(self):
        self._bar.close()
