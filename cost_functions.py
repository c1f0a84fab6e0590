"""Costs: their value, the output layer's error term delta^L, and the L2 term.

For a batch of n examples with outputs a^L (n, k) and targets Y (n, k), the
cost is::

    C = (1/n) sum_i loss(a_i, y_i) + (lambda / 2) sum_l ||W^l||^2

where lambda is ``l2_reg_term`` and the sum runs over the weights of every
layer (biases are not regularized). Its gradient is::

    dC/dW^l = (1/n) sum_i dloss_i/dW^l + lambda W^l,    dC/db^l = (1/n) sum_i dloss_i/db^l

Back-propagation starts from delta^L_i = dloss_i/dz^L_i, which each cost
computes from the output pre-activation z^L and activation a^L.

Sample weights w_i >= 0 (``PreloadSource(..., sample_weights=w)``, or
``gradient(X, Y, sample_weights=w)``) weigh each example's loss, as
scikit-learn's MLP weighs them, S being their sum over the batch::

    C_w = (1/S) (sum_i w_i loss_i + (lambda n / 2) sum_l ||W^l||^2)
        = (n/S) ((1/n) sum_i w_i loss_i + (lambda / 2) sum_l ||W^l||^2)

so every weight 1 gives C, and the L2 term is alpha / (2 S) sum W^2 with
alpha = lambda n, scikit-learn's ``alpha`` (see ``feedforward_sklearn``):
for the same alpha, a whole weight k counts an example k times, and 0
leaves it out. The gradient is the unweighted one with w_i on each
example's delta^L_i, all times n/S.

A cost of your own is a subclass of ``Cost`` that defines ``loss`` and
``output_delta`` (see ``docs/extending.md``); the L2 term, evaluation and
training come with the base class. ``register_cost`` makes it known by its
class name, so that checkpoints can hold it.
"""
import types

import numpy as np

from activation_functions import Sigmoid, Softmax, check_output_layer
from data_source import READ_ROWS, _weights_of, check_fits, checked_batch, checked_sample_weights
from feedforward_checks import check_nonnegative_number, check_registration
from neural_net import NeuralNet

__all__ = ['Cost', 'QuadraticCost', 'CrossEntropyCost', 'COSTS', 'register_cost', 'accuracy', 'confusion_matrix',
           'classes', 'check_class_targets']


class Cost:
    """The interface of a cost; see the module docstring.

    A cost is built on one net and holds the L2 term ``l2_reg_term``
    (lambda, a finite number >= 0), which may be changed at any time.
    ``TARGETS`` is the interval every target must lie in (None: any real
    number); data outside it is refused before training or evaluation.
    """

    TARGETS = None
    _TARGETS_HINT = ''

    def __init__(self, neural_net, l2_reg_term=0):
        if not isinstance(neural_net, NeuralNet):
            raise TypeError('expected neural_net to be a NeuralNet, got {}'.format(type(neural_net).__name__))
        check_output_layer(neural_net.activations()[-1], neural_net.layer_sizes()[-1])
        self.neural_net = neural_net
        self.l2_reg_term = l2_reg_term
        self._l2_scratch = None

    @property
    def l2_reg_term(self):
        """lambda, the weight of the L2 term (checked whenever it is set)."""
        return self._l2_reg_term

    @l2_reg_term.setter
    def l2_reg_term(self, value):
        self._l2_reg_term = check_nonnegative_number(value, 'l2_reg_term')

    def __repr__(self):
        return '{}(l2_reg_term={!r})'.format(type(self).__name__, self.l2_reg_term)

    # ----- per-example terms, implemented by each cost ----------------------

    def loss(self, z_out, a_out, Y):
        """Per-example loss, shape (n,), from the output pre-activation and activation, both (n, k), and targets (n, k)."""
        raise NotImplementedError

    def output_delta(self, z_out, a_out, Y, out):
        """delta^L_i = dloss_i/dz^L_i for every example, written into ``out`` (n, k) and returned.

        Most costs know dloss_i/da^L_i; ``through_output_activation`` carries
        it through the output layer's activation to dloss_i/dz^L_i.
        """
        raise NotImplementedError

    def through_output_activation(self, grad_a, z_out, a_out, out):
        """dloss/dz^L = (da^L/dz^L)^T dloss/da^L: the chain rule through the output layer's activation.

        ``grad_a`` = dloss/da^L, ``z_out``, ``a_out`` and ``out``: all (n, k);
        ``out`` may be ``grad_a`` itself. Returns ``out``.
        """
        f = self.neural_net.activations()[-1]
        return f.backward(a_out, grad_a, out=out, z=z_out if f.needs_z else None)

    # ----- the whole cost ----------------------------------------------------

    def l2_term(self):
        """(lambda / 2) * sum of the squares of every weight."""
        if not self.l2_reg_term:
            return 0.0
        return 0.5 * self.l2_reg_term * sum(float(np.dot(w.ravel(), w.ravel())) for w in self.neural_net.weights())

    def get_cost(self, data_src):
        """The cost over every example of ``data_src``: the mean loss plus the L2 term (C_w if the source weighs its
        examples: see the module docstring)."""
        return self._evaluate(data_src)

    def cost_and_accuracy(self, data_src):
        """``(get_cost(data_src), accuracy)`` from one forward pass; the accuracy as ``accuracy`` defines it.

        Like ``accuracy``, it refuses targets that do not name classes (``check_class_targets``); it counts
        examples, whatever their sample weights.
        """
        return self._measure(data_src, with_accuracy=True)

    def _measure(self, data_src, with_accuracy, checked=False):
        """``(cost, accuracy)`` of ``data_src`` from one forward pass (the accuracy None unless ``with_accuracy``);
        ``checked`` as for ``_evaluate`` (then the targets were found to name classes where training started)."""
        if not with_accuracy:
            return self._evaluate(data_src, checked=checked), None
        correct, seen = [0], [0]

        def count_correct(a_out, Y):
            if not checked:
                check_class_targets(Y, first=seen[0])
                seen[0] += len(Y)
            correct[0] += int(np.count_nonzero(classes(a_out) == classes(Y)))

        value = self._evaluate(data_src, on_outputs=count_correct, checked=checked)
        return value, correct[0] / data_src.number_of_examples()

    def _evaluate(self, data_src, on_outputs=None, checked=False):
        """``get_cost(data_src)``, from one forward pass that ``on_outputs(a_out, Y)`` may also look at.

        ``on_outputs`` is called for every chunk of examples with the net's
        outputs (m, k) and the targets (m, k) of those examples. ``checked``:
        the source was checked where a training run started
        (``data_source._examine``), and its targets against ``TARGETS``: it is
        not checked again.
        """
        net = self.neural_net
        weights = _weights_of(data_src)
        total, count = 0.0, 0
        for X, Y in _chunks(data_src, net, checked):
            if self.TARGETS is not None and not checked:
                self._check_targets(float(Y.min()), float(Y.max()))
            for rows, z_out, a_out in net._forward_chunks(X):
                losses = self.loss(z_out, a_out, Y[rows])
                if weights is None:
                    total += float(losses.sum(dtype=np.float64))
                else:
                    total += float(np.dot(weights[count + rows.start:count + rows.stop], losses))
                if on_outputs is not None:
                    on_outputs(a_out, Y[rows])
            count += X.shape[0]
        if weights is None:
            return total / count + self.l2_term()
        return (total + count * self.l2_term()) / float(weights.sum())

    def gradient(self, X, Y, scale=1.0, sample_weights=None):
        """The gradient of the cost of the batch ``(X, Y)`` with respect to every parameter.

        ``X`` (n, n_inputs) and ``Y`` (n, n_outputs): arrays or lists of rows,
        checked and converted to the net's dtype. Returns the net's flat
        gradient array, laid out as ``parameters()``, which the next call
        overwrites. ``scale`` multiplies the whole result. ``sample_weights``
        (n,), each >= 0 and not all 0: the gradient of C_w (module docstring).
        """
        X, Y = checked_batch(X, Y, self.neural_net.dtype)
        sizes = self.neural_net.layer_sizes()
        if X.shape[1] != sizes[0] or Y.shape[1] != sizes[-1]:
            raise ValueError('expected X of shape (n, {}) and Y of shape (n, {}) for a net with sizes {}, got {} and '
                             '{}'.format(sizes[0], sizes[-1], sizes, X.shape, Y.shape))
        if self.TARGETS is not None:
            self._check_targets(float(Y.min()), float(Y.max()))
        if sample_weights is not None:
            sample_weights = checked_sample_weights(sample_weights, len(X))
        return self._gradient(X, Y, scale, sample_weights=sample_weights)

    def _gradient(self, X, Y, scale=1.0, on_layer=None, masks=None, sample_weights=None, weight_sum=None):
        """``gradient`` for contiguous arrays of the net's dtype, unchecked: the trainers' hot path.

        ``scale`` rides on delta^L: back-propagation is linear in it, so an
        update rule that passes its learning rate gets its step, with no extra
        pass over all the parameters. ``on_layer(i)`` is called as soon as
        layer i's gradient is whole (last layer first; see
        ``NeuralNet._backward``). ``masks`` (dropout, in training steps only)
        thin the net as ``NeuralNet._forward`` describes: the result is then
        the gradient of the thinned net's cost. ``sample_weights`` (n,): the
        gradient of C_w, its S being ``weight_sum`` (by default the sum of
        ``sample_weights``): a chunk of a larger batch passes that batch's S
        (its n, without weights), and the chunks' gradients add up to the
        batch's.
        """
        if weight_sum is not None or sample_weights is not None:
            # grad C_w = (n/S) ((1/n) sum_i w_i grad loss_i + lambda W): w_i rides on delta^L_i, n/S on the scale.
            scale = scale * X.shape[0] / (float(sample_weights.sum()) if weight_sum is None else weight_sum)
        return self._backpropagate(self._output_error(X, Y, scale, masks, sample_weights), X, scale, on_layer,
                                   masks)

    def _batch_cost(self, Y, sample_weights=None):
        """The cost of the batch ``Y`` (n, k) that the last ``_gradient`` took, as ``(total, S, n)`` with C = total / S:
        total = sum_i w_i loss_i + n (lambda / 2) sum W^2 (w_i = 1 without ``sample_weights``, S = sum_i w_i), each
        loss from that pass's outputs (under its dropout masks, if any), the L2 term of the weights it met."""
        workspace = self.neural_net._workspace(len(Y))
        losses = self.loss(workspace.z_out, workspace.a[-1], Y)
        if sample_weights is None:
            return float(losses.sum(dtype=np.float64)) + len(Y) * self.l2_term(), len(Y), len(Y)
        return (float(np.dot(sample_weights, losses)) + len(Y) * self.l2_term(), float(sample_weights.sum()),
                len(Y))

    def _check_targets(self, low, high):
        """Raise unless targets from ``low`` to ``high`` lie in ``TARGETS``, where the cost is defined."""
        if not self.TARGETS[0] <= low <= high <= self.TARGETS[1]:
            raise ValueError('expected targets from {:g} to {:g} for {}, got values from {:g} to {:g}{}'.format(
                self.TARGETS[0], self.TARGETS[1], type(self).__name__, low, high, self._TARGETS_HINT))

    def _output_error(self, X, Y, scale=1.0, masks=None, sample_weights=None):
        """The forward pass of the batch ``(X, Y)`` and its output error term, ready for back-propagation.

        Returns the net's workspace, whose ``delta[L]`` holds ``scale / n``
        times dloss_i/dz^L_i for every example (C is the mean over the batch),
        times w_i with ``sample_weights`` (n,).
        """
        workspace = self.neural_net._forward(X, masks)
        delta = workspace.delta[-1]
        self.output_delta(workspace.z_out, workspace.a[-1], Y, out=delta)
        delta *= scale / X.shape[0]
        if sample_weights is not None:
            delta *= sample_weights[:, np.newaxis]
        return workspace

    def _backpropagate(self, workspace, X, scale=1.0, on_layer=None, masks=None):
        """The net's back-propagation from ``workspace`` (as ``_output_error`` leaves it), with the L2 term's
        share of each layer's gradient, scale * lambda * W^l, added before ``on_layer`` sees the layer."""
        net = self.neural_net
        if not self.l2_reg_term:
            return net._backward(workspace, X, on_layer, masks)

        def add_l2(i):
            weights = net._weights[i]
            if self._l2_scratch is None or self._l2_scratch.dtype != weights.dtype \
                    or self._l2_scratch.size < weights.size:
                self._l2_scratch = np.empty(max(w.size for w in net._weights), weights.dtype)
            scratch = self._l2_scratch[:weights.size].reshape(weights.shape)
            np.multiply(weights, self.l2_reg_term * scale, out=scratch)
            net._nabla_w[i] += scratch
            if on_layer is not None:
                on_layer(i)

        return net._backward(workspace, X, add_l2, masks)


class QuadraticCost(Cost):
    """loss = 1/2 ||a - y||^2; dloss/da = a - y, carried through the output activation's derivative.

    With a Softmax output that derivative is the full softmax Jacobian
    (``Softmax.backward``), not the a - y shortcut of cross-entropy.
    """

    def loss(self, z_out, a_out, Y):
        difference = a_out - Y
        return 0.5 * np.einsum('nk,nk->n', difference, difference)

    def output_delta(self, z_out, a_out, Y, out):
        np.subtract(a_out, Y, out=out)
        return self.through_output_activation(out, z_out, a_out, out)


class CrossEntropyCost(Cost):
    """Cross-entropy, computed from the pre-activation z so that it stays finite when outputs saturate.

    * Softmax output (categorical): loss = -sum_k y_k log a_k
      = (sum_k y_k) logsumexp(z) - sum_k y_k z_k;
      delta_k = (sum_j y_j) a_k - y_k, which is a - y when the targets sum to 1.
    * Sigmoid output (binary, per unit): loss = -sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)]
      = sum_k [softplus(z_k) - y_k z_k];  delta = a - y.

    Any other output activation is refused: its outputs are not probabilities;
    so are targets outside [0, 1].
    """

    TARGETS = (0.0, 1.0)
    _TARGETS_HINT = ' (probabilities, or one-hot rows); use QuadraticCost for other targets'

    def __init__(self, neural_net, l2_reg_term=0):
        super().__init__(neural_net, l2_reg_term)
        output = neural_net.activations()[-1]
        if output not in (Softmax, Sigmoid):
            raise ValueError('CrossEntropyCost needs output probabilities: an output layer with Softmax '
                             '(categorical) or Sigmoid (binary) activation, got {}; create the net with '
                             'output_layer_activation=Softmax or Sigmoid, or use QuadraticCost'.format(output.name))
        self._categorical = output is Softmax

    def loss(self, z_out, a_out, Y):
        if self._categorical:
            top = z_out.max(axis=1)
            log_sum_exp = top + np.log(np.exp(z_out - top[:, np.newaxis]).sum(axis=1))
            return Y.sum(axis=1) * log_sum_exp - np.einsum('nk,nk->n', Y, z_out)
        softplus = np.maximum(z_out, 0) + np.log1p(np.exp(-np.abs(z_out)))
        return (softplus - Y * z_out).sum(axis=1)

    def output_delta(self, z_out, a_out, Y, out):
        if self._categorical:
            np.multiply(a_out, np.add.reduce(Y, axis=1, keepdims=True), out=out)
            out -= Y
            return out
        return np.subtract(a_out, Y, out=out)


# ----- the registry ---------------------------------------------------------------

_REGISTRY = {cls.__name__: cls for cls in (QuadraticCost, CrossEntropyCost)}
_BUILT_IN = frozenset(_REGISTRY)

#: The costs that checkpoints can hold, by class name (read-only: add yours with ``register_cost``).
COSTS = types.MappingProxyType(_REGISTRY)


def register_cost(cls, replace=False):
    """Make the cost class ``cls`` (a subclass of ``Cost``) known by its class name; returns ``cls``.

    A checkpoint names its trainer's cost, and rebuilds it as
    ``cls(net, l2_reg_term=...)``: a registered cost must be built that way,
    so keep any constant of its own (a Huber threshold, say) in a class
    attribute. The library's own names cannot be taken. The same class
    registered again, or defined anew (the same module and qualified name,
    as when a notebook cell that defines it runs again), takes the place of
    the one registered; a name registered before for another class is
    refused unless ``replace`` is True. Can be used as a class decorator.
    """
    name = check_registration(_REGISTRY, _BUILT_IN, cls, Cost, 'cost', replace, name=getattr(cls, '__name__', None))
    for method in ('loss', 'output_delta'):
        if getattr(cls, method) is getattr(Cost, method):
            raise TypeError('{} must define {}, as the Cost class describes'.format(cls.__qualname__, method))
    _REGISTRY[name] = cls
    return cls


# ----- how well a net classifies -------------------------------------------------

def classes(outputs):
    """The class of each row of ``outputs`` (n, k): argmax for k > 1, ``outputs > 0.5`` for k = 1.

    The class of an example is the index of its largest target (one-hot
    targets) or, with a single output unit, whether the value is above 0.5
    (binary targets); the net's predicted class is read the same way from
    its output.
    """
    outputs = np.asarray(outputs)
    if outputs.ndim != 2:
        raise ValueError('expected outputs of shape (n, k), got shape {}'.format(outputs.shape))
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > 0.5).astype(np.intp)
    return outputs.argmax(axis=1)


def check_class_targets(Y, first=0):
    """Raise ``ValueError`` unless every row of the targets ``Y`` (m, k) names a class.

    A class is named by a one-hot row (k > 1) or by 0 or 1 (k = 1), as
    ``classes`` reads it. Anything else (regression targets, probabilities)
    has no class to count, and an accuracy of it would mean nothing. The
    message counts examples from ``first``.
    """
    not_binary = (Y != 0) & (Y != 1)
    if not_binary.any():
        row, column = np.argwhere(not_binary)[0]
        raise ValueError('expected class targets (one-hot rows, or 0 and 1 with a single output), got {:g} at '
                         'example {}, column {}{}'.format(Y[row, column], first + row, column, _NOT_CLASSES_HINT))
    if Y.shape[1] > 1:
        ones = np.count_nonzero(Y, axis=1)
        if (ones != 1).any():
            row = int(np.argmax(ones != 1))
            raise ValueError('expected class targets (one-hot rows, or 0 and 1 with a single output), got a row of '
                             '{} ones at example {}{}'.format(ones[row], first + row, _NOT_CLASSES_HINT))


_NOT_CLASSES_HINT = ('; accuracy and confusion_matrix count classes: for other targets, measure the cost '
                     '(cost.get_cost), and for class labels 0..k-1 make one-hot rows with data_source.one_hot')


def confusion_matrix(neural_net, data_src):
    """Counts of (true class, predicted class) over every example of ``data_src``.

    Returns an integer array of shape ``(k, k)`` (``(2, 2)`` for a single
    output): row i, column j counts the examples of class i that the net put
    in class j, so the diagonal holds the correct answers. Targets that do
    not name classes are refused (``check_class_targets``).
    """
    n_classes = max(2, neural_net.layer_sizes()[-1])
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    first = 0
    for X, Y in _chunks(data_src, neural_net):
        check_class_targets(Y, first)
        first += len(Y)
        for rows, _, a_out in neural_net._forward_chunks(X):
            pairs = classes(Y[rows]) * n_classes + classes(a_out)
            counts += np.bincount(pairs, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    return counts


def accuracy(neural_net, data_src):
    """The share of examples of ``data_src`` whose class the net predicts correctly, from 0 to 1."""
    counts = confusion_matrix(neural_net, data_src)
    return float(np.trace(counts)) / float(counts.sum())


def _chunks(data_src, net, checked=False):
    """The examples of ``data_src`` as checked ``(X, Y)`` chunks in the net's dtype (the source's fit to the net is
    checked first, unless ``checked`` says it was where training started)."""
    if not checked:
        check_fits(data_src, net.layer_sizes())
    total = data_src.number_of_examples()
    for start in range(0, total, READ_ROWS):
        yield data_src.read(start, min(start + READ_ROWS, total), net.dtype)
