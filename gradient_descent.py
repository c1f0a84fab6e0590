"""Gradient descent: the update rule, epochs, mini-batches and shuffling.

Every step is exactly::

    theta <- theta - learning_rate * dC_batch/dtheta

for every parameter theta, where C_batch is the cost (with its L2 term, as
``Cost.get_cost`` defines it) of the examples in the batch: all examples for
``GradientDescent``, a mini-batch of a fresh shuffle for
``StochasticGradientDescent``.
"""
import math
import time

import numpy as np

from cost_functions import Cost, check_source_fits
from data_source import check_positive_int
from neural_net import NeuralNet

# Full-batch gradients over more examples than this are summed chunk by chunk, to bound memory.
FULL_BATCH_CHUNK = 8192


class TrainingDivergedError(FloatingPointError):
    """The cost or a gradient became NaN or infinite; the net keeps its last finite parameters."""


class GradientDescent:
    """Full-batch gradient descent: each epoch takes one step along the gradient of the cost of all examples."""

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
        self.learning_rate = check_learning_rate(learning_rate)
        #: Epochs completed by this optimizer.
        self.epochs_done = 0
        self._accumulator = None
        self._snapshot = None

    # ----- one epoch ---------------------------------------------------------

    def training_epoch(self, data_src, on_batch=None):
        """One epoch over ``data_src``: here, one step along the gradient of the cost of every example.

        ``on_batch(batch_index, n_batches)``, if given, is called after each step.
        """
        check_source_fits(data_src, self.neural_net)
        self._snapshot = self.neural_net.parameters().copy()
        with np.errstate(over='ignore', invalid='ignore'):
            gradient = self._full_gradient(data_src)
            self._apply(gradient, batch_index=0)
        self.epochs_done += 1
        if on_batch is not None:
            on_batch(0, 1)

    def _full_gradient(self, data_src):
        """The gradient of the cost of every example, summed over chunks when there are many."""
        net, cost = self.neural_net, self.cost_function
        total = data_src.number_of_examples()
        if total <= FULL_BATCH_CHUNK:
            X, Y = _batch_arrays(data_src, 0, total, net.dtype)
            return cost.gradient(X, Y)
        if self._accumulator is None or self._accumulator.dtype != net.dtype:
            self._accumulator = np.empty_like(net.gradient())
        self._accumulator[...] = 0
        # sum_c (n_c / n) * grad C_c = grad C: each chunk's L2 term is weighted to lambda W once in all.
        for start in range(0, total, FULL_BATCH_CHUNK):
            stop = min(start + FULL_BATCH_CHUNK, total)
            X, Y = _batch_arrays(data_src, start, stop, net.dtype)
            gradient = cost.gradient(X, Y)
            gradient *= (stop - start) / total
            self._accumulator += gradient
        return self._accumulator

    # Epochs run under np.errstate(over='ignore', invalid='ignore'): overflow is caught by the
    # finiteness check of every step, which raises TrainingDivergedError; NumPy's warnings about
    # it would only be noise before that.

    def _apply(self, gradient, batch_index):
        """theta <- theta - learning_rate * gradient, unless the gradient is not finite.

        The check is one dot product of the step with itself (a BLAS call,
        about three times faster than ``step.sum()``): it is finite when every
        element is. Only when it is not is each element looked at, so an
        overflowing sum of finite squares does not stop training.
        """
        step = gradient
        np.multiply(gradient, self.learning_rate, out=step)
        self._take_step(step, batch_index)

    def _take_step(self, step, batch_index):
        """theta <- theta - step, for a step already scaled by the learning rate; see ``_apply``."""
        if not math.isfinite(np.dot(step, step)) and not np.isfinite(step).all():
            self._diverged('a gradient step holds NaN or infinity', batch_index)
        self.neural_net.parameters()[...] -= step

    def _diverged(self, problem, batch_index):
        parameters = self.neural_net.parameters()
        restored = ''
        if not np.isfinite(parameters).all() and self._snapshot is not None:
            parameters[...] = self._snapshot
            restored = ' (the parameters had overflowed; they are restored to those at the start of the epoch)'
        raise TrainingDivergedError(
            'training diverged in epoch {} at batch {}: {}; the net keeps its last finite parameters{}. '
            'Try a smaller learning rate.'.format(self.epochs_done + 1, batch_index + 1, problem, restored))

    # ----- many epochs -------------------------------------------------------

    def train(self, data_src, nepochs, evaluation_data=None, callback=None):
        """Run ``nepochs`` epochs; returns a ``History`` with the cost after each.

        ``evaluation_data`` (a data source) has its cost recorded too.
        ``callback(epoch, history)`` is called after each epoch.
        """
        nepochs = check_positive_int(nepochs, 'nepochs')
        check_source_fits(data_src, self.neural_net)
        if evaluation_data is not None:
            check_source_fits(evaluation_data, self.neural_net)
        history = History()
        for _ in range(nepochs):
            started = time.perf_counter()
            self.training_epoch(data_src)
            seconds = time.perf_counter() - started
            record = {'epoch': self.epochs_done, 'seconds': seconds,
                      'training_cost': self._finite_cost(data_src, 'training')}
            if evaluation_data is not None:
                record['evaluation_cost'] = self._finite_cost(evaluation_data, 'evaluation')
            history.append(record)
            if callback is not None:
                callback(self.epochs_done, history)
        return history

    def _finite_cost(self, data_src, which):
        cost = self.cost_function.get_cost(data_src)
        if not math.isfinite(cost):
            raise TrainingDivergedError('training diverged: after epoch {} the {} cost is {}. '
                                        'Try a smaller learning rate.'.format(self.epochs_done, which, cost))
        return cost


class StochasticGradientDescent(GradientDescent):
    """Mini-batch stochastic gradient descent.

    Each epoch shuffles the examples afresh (with a generator seeded by
    ``seed``: an int, a ``numpy.random.Generator`` or None) and takes one
    step per mini-batch of ``batch_size`` examples; the last mini-batch holds
    what is left, so it may be smaller.
    """

    def __init__(self, neural_net, cost_function, learning_rate, batch_size=50, seed=None):
        super().__init__(neural_net, cost_function, learning_rate)
        self.batch_size = check_positive_int(batch_size, 'batch_size')
        self.rng = np.random.default_rng(seed)
        self._buffers = {}

    def training_epoch(self, data_src, on_batch=None):
        """One pass over a fresh shuffle of ``data_src`` in mini-batches; see the class docstring."""
        check_source_fits(data_src, self.neural_net)
        net, cost = self.neural_net, self.cost_function
        total = data_src.number_of_examples()
        order = self.rng.permutation(total)
        n_batches = -(-total // self.batch_size)
        self._snapshot = net.parameters().copy()
        with np.errstate(over='ignore', invalid='ignore'):
            for batch_index in range(n_batches):
                indices = order[batch_index * self.batch_size:(batch_index + 1) * self.batch_size]
                X, Y = data_src.take(indices, dtype=net.dtype, out=self._batch_buffers(len(indices)))
                # The learning rate rides on delta^L: cost.gradient returns the step itself.
                self._take_step(cost.gradient(X, Y, scale=self.learning_rate), batch_index)
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

    ``history.records`` is the list of dictionaries; ``history['training_cost']``
    is the list of that quantity over epochs (missing epochs give None).
    """

    def __init__(self):
        self.records = []

    def append(self, record):
        self.records.append(dict(record))

    def __getitem__(self, key):
        return [record.get(key) for record in self.records]

    def __len__(self):
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def keys(self):
        keys = []
        for record in self.records:
            keys.extend(key for key in record if key not in keys)
        return keys


def _batch_arrays(data_src, start, stop, dtype):
    X, Y = data_src.get_examples(start, stop)
    return np.ascontiguousarray(X, dtype=dtype), np.ascontiguousarray(Y, dtype=dtype)


def check_learning_rate(learning_rate):
    """Return ``learning_rate`` as a float if it is a positive finite number, else raise."""
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.integer, np.floating)):
        raise TypeError('expected learning_rate to be a positive finite number, got {!r}'.format(learning_rate))
    if not math.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError('expected learning_rate to be a positive finite number, got {!r}'.format(learning_rate))
    return float(learning_rate)
