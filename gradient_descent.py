"""Gradient descent: the update rule, epochs, mini-batches, shuffling, and training runs with their history.

Every step is exactly::

    theta <- theta - learning_rate * dC_batch/dtheta

for every parameter theta, where C_batch is the cost (with its L2 term, as
``Cost.get_cost`` defines it) of the examples in the batch: all examples for
``GradientDescent``, a mini-batch of a fresh shuffle for
``StochasticGradientDescent``.

Training that goes wrong stops, and the epoch it went wrong in is undone:
when a step makes a parameter NaN or infinite, the net goes back to its
parameters at the start of that epoch (one copy is kept per epoch), the
shuffling generator to its state then, and ``TrainingDivergedError`` names
the epoch and the batch. A batch of bad data (NaN, or a number too large for
the net's dtype) raises ``ValueError`` and undoes the epoch in the same way.
"""
import contextlib
import math
import time

import numpy as np

from cost_functions import Cost
from data_source import check_fits, check_values, has_class_targets, target_range
from feedforward_checks import check_positive_int, check_positive_number, random_generator
from feedforward_diagnostics import diagnostic_batch, layer_diagnostics
from neural_net import NeuralNet

__all__ = ['GradientDescent', 'StochasticGradientDescent', 'History', 'TrainingDivergedError', 'StopTraining']

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


class GradientDescent:
    """Full-batch gradient descent: each epoch takes one step along the gradient of the cost of all examples.

    ``learning_rate`` (a positive finite number) may be changed between
    epochs; it is checked whenever it is set. ``epochs_done`` counts the
    epochs this trainer has trained, and ``history`` holds the record of
    every epoch that ``train`` measured (a checkpoint keeps it).
    """

    def __init__(self, neural_net, cost_function, learning_rate):
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
        #: Epochs completed by this optimizer.
        self.epochs_done = 0
        #: Every epoch ``train`` recorded, over all its calls.
        self.history = History()
        #: The random generator of the shuffles; full-batch descent has none.
        self.rng = None
        #: True from the first step of an epoch until it ends: a run stopped in the middle of an epoch
        #: (StopTraining) keeps the steps taken, but a checkpoint cannot be saved until an epoch ends.
        self.in_epoch = False
        self._snapshot = None
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

    # ----- one epoch ---------------------------------------------------------

    def training_epoch(self, data_src, on_batch=None):
        """One epoch over ``data_src``: here, one step along the gradient of the cost of every example.

        ``on_batch(batch_index, n_batches)``, if given, is called after each step.
        """
        self._check_source(data_src)
        self._start_epoch()
        net, total = self.neural_net, data_src.number_of_examples()
        with self._epoch_or_nothing():
            self._batch_index = 0
            if total <= FULL_BATCH_CHUNK:
                self._step(*data_src.read(0, total, net.dtype))
            else:
                np.copyto(net._gradient, self._summed_step(data_src))
                for i in range(len(net.layers())):
                    self._update_layer(i)
        self.epochs_done += 1
        if on_batch is not None:
            on_batch(0, 1)

    def _check_source(self, data_src):
        """Raise unless ``data_src`` fits the net, and its targets lie where the cost is defined."""
        check_fits(data_src, self.neural_net.layer_sizes())
        if self.cost_function.TARGETS is not None:
            self.cost_function._check_targets(*target_range(data_src, self.neural_net.dtype))

    def _summed_step(self, data_src):
        """learning_rate times the gradient of the cost of every example, summed chunk by chunk."""
        net, cost = self.neural_net, self.cost_function
        total = data_src.number_of_examples()
        if self._accumulator is None or self._accumulator.dtype != net.dtype:
            self._accumulator = np.empty_like(net.parameters())
        self._accumulator[...] = 0
        # sum_c (n_c / n) * grad C_c = grad C: each chunk's L2 term is weighted to lambda W once in all.
        for start in range(0, total, FULL_BATCH_CHUNK):
            stop = min(start + FULL_BATCH_CHUNK, total)
            X, Y = data_src.read(start, stop, net.dtype)
            self._accumulator += cost._gradient(X, Y, scale=self.learning_rate * (stop - start) / total)
        return self._accumulator

    @contextlib.contextmanager
    def _epoch_or_nothing(self):
        """The steps of an epoch: if one fails (it diverged, or a batch held bad data), the parameters and
        the random state go back to those at the start of the epoch before the error goes on.

        Overflow is caught by the check of every step, which raises
        TrainingDivergedError; NumPy's warnings before it would only be noise.
        """
        state = self.rng.bit_generator.state if self.rng is not None else None
        self.in_epoch = True
        try:
            with np.errstate(over='ignore', invalid='ignore'):
                yield
        except (TrainingDivergedError, ValueError):
            np.copyto(self.neural_net.parameters(), self._snapshot)
            if state is not None:
                self.rng.bit_generator.state = state
            self.in_epoch = False
            raise
        self.in_epoch = False

    def _start_epoch(self):
        """Keep a copy of the parameters, to go back to if a step of this epoch goes wrong.

        Raises ``ValueError`` (before anything changes) if they already hold
        NaN or infinity: that is not a step's doing.
        """
        parameters = self.neural_net.parameters()
        if self._snapshot is None:
            self._snapshot = np.empty_like(parameters)
            self._chunks = self._layer_chunks()
        finite = np.isfinite(parameters)
        if not finite.all():
            raise ValueError('expected the net\'s parameters to be finite before epoch {}, got NaN or infinity in '
                             '{} of them (they were set outside training); call randomize_parameters() or load a '
                             'saved net'.format(self.epochs_done + 1, np.count_nonzero(~finite)))
        np.copyto(self._snapshot, parameters)

    def _layer_chunks(self):
        """For each layer, views of its parameters, of its gradient and of a scratch array, a chunk of up to
        ``STEP_CHUNK`` at a time: made once, used by every step."""
        net = self.neural_net
        scratch = np.empty(min(net.parameters().size, STEP_CHUNK), bool)
        layers = []
        for where in net._slices:
            parameters, gradient = net.parameters()[where], net._gradient[where]
            starts = range(0, parameters.size, STEP_CHUNK)
            layers.append([(parameters[start:start + STEP_CHUNK], gradient[start:start + STEP_CHUNK],
                            scratch[:min(STEP_CHUNK, parameters.size - start)]) for start in starts])
        return layers

    def _step(self, X, Y):
        """theta <- theta - learning_rate * dC/dtheta on the batch ``(X, Y)``, layer by layer.

        Each layer's parameters change as soon as back-propagation has formed
        their gradient (the learning rate rides on delta^L: the gradient is the
        step), while that gradient is still in the cache.
        """
        self.cost_function._gradient(X, Y, scale=self.learning_rate, on_layer=self._update_layer)

    def _update_layer(self, i):
        """Layer i's parameters -= the net's gradient for them; raise if one comes out NaN or infinite.

        When that happens (the gradient held NaN or infinity, or the step
        overflowed), ``TrainingDivergedError`` names the epoch and the batch
        (``self._batch_index``), and the epoch puts every parameter back to
        its value at its start. A layer is changed and checked a chunk at a
        time, while the chunk is in the cache: on a large net the check then
        costs half what a pass of its own over all parameters would.
        """
        for parameters, step, finite in self._chunks[i]:
            parameters -= step
            if not np.isfinite(parameters, out=finite).all():
                epoch, batch = self.epochs_done + 1, self._batch_index + 1
                raise TrainingDivergedError(
                    'training diverged in epoch {} at batch {}: a step made a parameter NaN or infinite; the net is '
                    'back at its parameters from the start of epoch {}. Try a smaller learning rate.'.format(
                        epoch, batch, epoch), epoch=epoch, batch=batch)

    # ----- many epochs -------------------------------------------------------

    def train(self, data_src, nepochs, evaluation_data=None, callback=None, progress=False, diagnostics=False,
              accuracy=None, on_batch=None):
        """Run up to ``nepochs`` epochs; returns a ``History`` with one record per epoch.

        Each record holds, measured after the epoch:

        * ``epoch``: the epoch's number (``epochs_done`` after it);
        * ``seconds``: the time the epoch's steps took; ``wall_time``: seconds
          since ``train`` began, measurements included;
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
        began = time.perf_counter()
        try:
            for _ in range(nepochs):
                started = time.perf_counter()
                self.training_epoch(data_src, on_batch=after_step)
                record = {'epoch': self.epochs_done, 'seconds': time.perf_counter() - started}
                self._measure(record, 'training', data_src, accuracy)
                if evaluation_data is not None:
                    self._measure(record, 'evaluation', evaluation_data, accuracy)
                if diagnostics:
                    record.update(layer_diagnostics(self.cost_function, diagnostic_X, diagnostic_Y))
                record['wall_time'] = time.perf_counter() - began
                history.append(record)
                self.history.append(record)
                if bar is not None:
                    bar.end_epoch(record)
                if callback is not None and callback(self.epochs_done, history) is False:
                    break
        except StopTraining:
            pass
        finally:
            if bar is not None:
                bar.close()
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


class StochasticGradientDescent(GradientDescent):
    """Mini-batch stochastic gradient descent.

    Each epoch shuffles the examples afresh (with a generator seeded by
    ``seed``: an int, a ``numpy.random.Generator`` or None) and takes one
    step per mini-batch of ``batch_size`` examples; the last mini-batch holds
    what is left, so it may be smaller.
    """

    def __init__(self, neural_net, cost_function, learning_rate, batch_size=50, seed=None):
        super().__init__(neural_net, cost_function, learning_rate)
        self.batch_size = batch_size
        self.rng = random_generator(seed)
        self._buffers = {}

    @property
    def batch_size(self):
        """Examples per mini-batch (checked whenever it is set)."""
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value):
        self._batch_size = check_positive_int(value, 'batch_size')

    def training_epoch(self, data_src, on_batch=None):
        """One pass over a fresh shuffle of ``data_src`` in mini-batches; see the class docstring."""
        self._check_source(data_src)
        self._start_epoch()
        net, batch_size = self.neural_net, self.batch_size
        total = data_src.number_of_examples()
        n_batches = -(-total // batch_size)
        with self._epoch_or_nothing():
            order = self.rng.permutation(total)
            for batch_index in range(n_batches):
                indices = order[batch_index * batch_size:(batch_index + 1) * batch_size]
                self._batch_index = batch_index
                self._step(*data_src.take(indices, dtype=net.dtype, out=self._batch_buffers(len(indices))))
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

    tqdm is imported only here: the library itself needs NumPy alone. When
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
