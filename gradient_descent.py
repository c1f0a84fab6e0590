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
from diagnostics import diagnostic_batch, layer_diagnostics
from evaluation import cost_and_accuracy, has_class_targets
from neural_net import NeuralNet
from progress import ProgressBar

# Full-batch gradients over more examples than this are summed chunk by chunk, to bound memory.
FULL_BATCH_CHUNK = 8192

# Nets with at least this many parameters update layer by layer (see ``_step_on_batch``); smaller
# ones take the whole step at once, which needs fewer NumPy calls.
LAYERWISE_MIN_PARAMETERS = 1 << 17


# Half the largest float of each dtype: the bound of ``_take_step`` stays below it, with room for the
# rounding of the bound's own sums.
_LARGEST_SAFE = {np.dtype(t): float(np.finfo(t).max) / 2 for t in (np.float32, np.float64)}


class TrainingDivergedError(FloatingPointError):
    """The cost or a gradient became NaN or infinite; the net keeps its last finite parameters.

    ``epoch`` and ``batch`` (both counted from 1) say where: ``batch`` is the
    step that was refused, or None when the cost after an epoch was found
    not finite.
    """

    def __init__(self, message, epoch=None, batch=None):
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch


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
        self._candidate = None
        self._parameter_bound = math.inf
        self._largest_safe = 0.0

    # ----- one epoch ---------------------------------------------------------

    def training_epoch(self, data_src, on_batch=None):
        """One epoch over ``data_src``: here, one step along the gradient of the cost of every example.

        ``on_batch(batch_index, n_batches)``, if given, is called after each step.
        """
        check_source_fits(data_src, self.neural_net)
        self._snapshot = self.neural_net.parameters().copy()
        with np.errstate(over='ignore', invalid='ignore'):
            self._measure_parameter_bound()
            if data_src.number_of_examples() <= FULL_BATCH_CHUNK:
                X, Y = _batch_arrays(data_src, 0, data_src.number_of_examples(), self.neural_net.dtype)
                self._step_on_batch(X, Y, batch_index=0)
            else:
                self._take_step(self._summed_step(data_src), batch_index=0)
        self.epochs_done += 1
        if on_batch is not None:
            on_batch(0, 1)

    def _summed_step(self, data_src):
        """learning_rate times the gradient of the cost of every example, summed chunk by chunk."""
        net, cost = self.neural_net, self.cost_function
        total = data_src.number_of_examples()
        if self._accumulator is None or self._accumulator.dtype != net.dtype:
            self._accumulator = np.empty_like(net.gradient())
        self._accumulator[...] = 0
        # sum_c (n_c / n) * grad C_c = grad C: each chunk's L2 term is weighted to lambda W once in all.
        for start in range(0, total, FULL_BATCH_CHUNK):
            stop = min(start + FULL_BATCH_CHUNK, total)
            X, Y = _batch_arrays(data_src, start, stop, net.dtype)
            self._accumulator += cost.gradient(X, Y, scale=self.learning_rate * (stop - start) / total)
        return self._accumulator

    # Epochs run under np.errstate(over='ignore', invalid='ignore'): overflow is caught by the
    # finiteness check of every step, which raises TrainingDivergedError; NumPy's warnings about
    # it would only be noise before that.

    def _step_on_batch(self, X, Y, batch_index):
        """theta <- theta - learning_rate * dC_batch/dtheta on the batch ``(X, Y)``, refused as ``_take_step`` refuses.

        On a large net each layer's parameters change as soon as its
        gradient is formed, while that gradient is still in the cache, and
        no pass over all the parameters is made. That is safe because the
        length of the whole step is bounded (``_step_length_bound``) before
        any parameter changes: when the bound proves every new parameter
        finite, the layers are updated one by one; when it cannot, the
        gradient is formed whole and ``_take_step`` checks it element by
        element. A small net always takes the whole step at once.
        """
        net, cost, rate = self.neural_net, self.cost_function, self.learning_rate
        if net.parameters().size < LAYERWISE_MIN_PARAMETERS:
            self._take_step(cost.gradient(X, Y, scale=rate), batch_index)
            return
        workspace = cost.output_error(X, Y, scale=rate)
        net.backpropagate(workspace)
        length = self._step_length_bound(workspace, X)
        layers = net.layers()
        if not self._parameter_bound + length < self._largest_safe:
            net.layer_gradients(workspace, X)
            gradient = net.gradient()
            cost.add_l2_gradient(gradient, scale=rate)
            self._take_step(gradient, batch_index)
            return
        for l in range(len(layers), 0, -1):
            # The same sums, element for element, as the whole step: the two paths agree to the bit.
            nabla_w, nabla_b = net.layer_gradient(l, workspace, X)
            cost.add_layer_l2_gradient(l, nabla_w, scale=rate)
            layers[l - 1].weights -= nabla_w
            layers[l - 1].biases -= nabla_b
        self._parameter_bound += length

    def _step_length_bound(self, workspace, X):
        """An upper bound on the length of the step that ``_step_on_batch`` is about to take; inf if none holds.

        Layer l steps its weights by A^T D + rate lambda W^l and its biases
        by 1^T D, where A = a^(l-1) has n rows and D = delta^l holds the
        learning rate already. By Cauchy-Schwarz, in exact arithmetic,
        ||A^T D|| <= ||A|| ||D|| and ||1^T D|| <= sqrt(n) ||D|| (Frobenius
        norms), so the loss part of the step is at most
        sqrt(sum_l (||A||^2 + n) ||D||^2); and ||rate lambda W|| is at most
        rate lambda ||theta||, which the parameter bound bounds.

        Rounding: with u the unit roundoff and gamma_k = k u / (1 - k u),
        each computed element of A^T D is within a factor 1 + gamma_n of a
        sum of |a||d| that the same bound holds for, and a computed squared
        norm of N elements is at least (1 - gamma_N) times the exact one.
        While N u <= 0.1 for every array (N >= n), those factors come to at
        most 1.25 on the loss part, and the factor 2 covers them; larger
        arrays get no bound here (the step is then checked whole). The
        squared norms cost a pass over the batch's activations, not over the
        parameters.
        """
        largest = 0.2 / np.finfo(X.dtype).eps  # eps = 2u: N u <= 0.1
        n = X.shape[0]
        total = 0.0
        for l in range(1, len(self.neural_net.layers()) + 1):
            A = X if l == 1 else workspace.a[l - 1]
            D = workspace.delta[l]
            if max(A.size, D.size) > largest:
                return math.inf
            total += (_squared_norm(A) + n) * _squared_norm(D)
        l2 = self.cost_function.l2_reg_term
        decay = self.learning_rate * l2 * self._parameter_bound if l2 else 0.0
        bound = 2.0 * math.sqrt(total) + decay
        return bound if math.isfinite(bound) else math.inf

    def _take_step(self, step, batch_index):
        """theta <- theta - step (a step already scaled by the learning rate), unless a new parameter would be
        NaN or infinite: then the net keeps the parameters it had, and TrainingDivergedError is raised.

        The usual case costs one BLAS dot product and no pass more than the update. Every new parameter is
        finite when the step is finite (its squared norm ||step||^2, one dot product, is finite) and
        max|theta| + ||step|| stays below the largest float: |theta_i - step_i| <= |theta_i| + |step_i| is
        at most that. max|theta| is kept as an upper bound (see ``_measure_parameter_bound``) and grown by
        ||step|| at each step. Only when that proof fails (a huge, infinite or NaN step) are the new
        parameters formed aside and checked one by one before they replace the old ones.
        """
        parameters = self.neural_net.parameters()
        squared = float(np.dot(step, step))
        if math.isfinite(squared):
            length = math.sqrt(squared)
            if self._parameter_bound + length < self._largest_safe:
                parameters -= step
                self._parameter_bound += length
                return
        if self._candidate is None or self._candidate.dtype != parameters.dtype:
            self._candidate = np.empty_like(parameters)
        with np.errstate(over='ignore', invalid='ignore'):
            candidate = np.subtract(parameters, step, out=self._candidate)
        if not np.isfinite(candidate).all():
            self._diverged('a step made a parameter NaN or infinite (the gradient held NaN or infinity, '
                           'or the step overflowed)', batch_index)
        np.copyto(parameters, candidate)
        self._measure_parameter_bound()

    def _measure_parameter_bound(self):
        """Start the bound on max|theta| that ``_take_step`` keeps, from the parameters as they are now.

        ||theta|| >= max|theta|, and ||theta||^2 is one BLAS dot product; it is
        measured at the start of each epoch and after each ``on_batch`` call,
        since code outside training may change the parameters there (called
        where overflow warnings are silenced, as in an epoch). A NaN,
        an infinity or an overflowing norm makes the bound infinite, so that
        every step is then checked element by element.
        """
        parameters = self.neural_net.parameters()
        self._largest_safe = _LARGEST_SAFE[parameters.dtype]
        squared = float(np.dot(parameters, parameters))
        self._parameter_bound = math.sqrt(squared) if math.isfinite(squared) else math.inf

    def _diverged(self, problem, batch_index):
        parameters = self.neural_net.parameters()
        kept = 'the net keeps its last finite parameters'
        if not np.isfinite(parameters).all():
            # Training never writes a non-finite parameter: something else did, during or before the epoch.
            if self._snapshot is not None and np.isfinite(self._snapshot).all():
                parameters[...] = self._snapshot
                kept = ('the parameters held NaN or infinity set outside training; they are restored to those '
                        'at the start of the epoch')
            else:
                kept = 'the parameters held NaN or infinity before the epoch began'
        raise TrainingDivergedError(
            'training diverged in epoch {} at batch {}: {}; {}. Try a smaller learning rate.'.format(
                self.epochs_done + 1, batch_index + 1, problem, kept),
            epoch=self.epochs_done + 1, batch=batch_index + 1)

    # ----- many epochs -------------------------------------------------------

    def train(self, data_src, nepochs, evaluation_data=None, callback=None, progress=False, diagnostics=False,
              accuracy=None):
        """Run ``nepochs`` epochs; returns a ``History`` with one record per epoch.

        Each record holds, measured after the epoch:

        * ``epoch``: the epoch's number (``epochs_done`` after it);
        * ``seconds``: the time the epoch's steps took; ``wall_time``: seconds
          since ``train`` began, measurements included;
        * ``training_cost`` on ``data_src`` and, if ``evaluation_data`` (a data
          source) is given, ``evaluation_cost`` on it, as ``get_cost``
          defines the cost;
        * ``training_accuracy`` (and ``evaluation_accuracy``): the share of
          examples whose class the net predicts (see ``evaluation``). By
          default (``accuracy=None``) they are recorded when every target of
          ``data_src`` names a class (one-hot rows, or 0/1 with a single
          output); ``accuracy=True`` or ``False`` decides it outright.
          Accuracy and cost come from the same forward pass.
        * with ``diagnostics=True``: the per-layer quantities of the
          ``diagnostics`` module (``weight_gradient_norm``,
          ``activation_mean``, ``activation_std``, ``saturated``, ``dead``),
          each a list with one float per non-input layer. They are computed
          after the epoch's last step on one fixed diagnostic batch: up to
          ``diagnostics.DIAGNOSTIC_BATCH_SIZE`` (1000) examples of
          ``data_src`` drawn once, before the first epoch, with a generator
          seeded by ``diagnostics.DIAGNOSTIC_SEED`` (0) and not with the
          optimizer's. They cost one forward and one backward pass of that
          batch per epoch, and change no parameter; when off, nothing at all
          is computed.

        ``callback(epoch, history)`` is called after each epoch's record.
        ``progress=True`` shows a tqdm progress bar over the mini-batches (tqdm
        must then be installed; ImportError otherwise, before any training).
        """
        nepochs = check_positive_int(nepochs, 'nepochs')
        check_source_fits(data_src, self.neural_net)
        if evaluation_data is not None:
            check_source_fits(evaluation_data, self.neural_net)
        if accuracy is None:
            accuracy = has_class_targets(data_src)
        diagnostic_X = diagnostic_Y = None
        if diagnostics:
            diagnostic_X, diagnostic_Y = diagnostic_batch(data_src, self.neural_net)
        bar = ProgressBar(nepochs) if progress else None
        history = History()
        began = time.perf_counter()
        try:
            for _ in range(nepochs):
                started = time.perf_counter()
                self.training_epoch(data_src, on_batch=bar.on_batch if bar is not None else None)
                record = {'epoch': self.epochs_done, 'seconds': time.perf_counter() - started}
                self._measure(record, 'training', data_src, accuracy)
                if evaluation_data is not None:
                    self._measure(record, 'evaluation', evaluation_data, accuracy)
                if diagnostics:
                    record.update(layer_diagnostics(self.cost_function, diagnostic_X, diagnostic_Y))
                record['wall_time'] = time.perf_counter() - began
                history.append(record)
                if bar is not None:
                    bar.end_epoch(record)
                if callback is not None:
                    callback(self.epochs_done, history)
        finally:
            if bar is not None:
                bar.close()
        return history

    def _measure(self, record, which, data_src, with_accuracy):
        """Put the cost (and accuracy) on ``data_src`` into ``record`` as ``<which>_cost`` (``<which>_accuracy``)."""
        cost, accuracy = cost_and_accuracy(self.cost_function, data_src, with_accuracy)
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
        self.batch_size = check_positive_int(batch_size, 'batch_size')
        self.rng = np.random.default_rng(seed)
        self._buffers = {}

    def training_epoch(self, data_src, on_batch=None):
        """One pass over a fresh shuffle of ``data_src`` in mini-batches; see the class docstring."""
        check_source_fits(data_src, self.neural_net)
        net = self.neural_net
        total = data_src.number_of_examples()
        order = self.rng.permutation(total)
        n_batches = -(-total // self.batch_size)
        self._snapshot = net.parameters().copy()
        with np.errstate(over='ignore', invalid='ignore'):
            self._measure_parameter_bound()
            for batch_index in range(n_batches):
                indices = order[batch_index * self.batch_size:(batch_index + 1) * self.batch_size]
                X, Y = data_src.take(indices, dtype=net.dtype, out=self._batch_buffers(len(indices)))
                self._step_on_batch(X, Y, batch_index)
                if on_batch is not None:
                    on_batch(batch_index, n_batches)
                    self._measure_parameter_bound()
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
    is the list of that quantity over epochs (missing epochs give None), and
    ``history.array('weight_gradient_norm')`` the same as a NumPy array, here
    of shape (epochs, layers). See ``GradientDescent.train`` for the keys.
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

    def array(self, key):
        """``self[key]`` as a float array: shape (epochs,) for numbers, (epochs, layers) for per-layer lists.

        Epochs without the key give NaN.
        """
        values = self[key]
        width = next((len(v) for v in values if isinstance(v, (list, tuple))), None)
        missing = float('nan') if width is None else [float('nan')] * width
        return np.array([missing if v is None else v for v in values], dtype=float)

    def keys(self):
        keys = []
        for record in self.records:
            keys.extend(key for key in record if key not in keys)
        return keys


def _squared_norm(array):
    """The sum of the squares of a contiguous array's elements (NaN or inf when they are, or when it overflows)."""
    flat = array.reshape(-1)
    return float(np.dot(flat, flat))


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
