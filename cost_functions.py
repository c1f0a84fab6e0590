"""Costs: their value, the output layer's error term delta^L, and the L2 term.

For a batch of n examples with outputs a^L (n, k) and targets Y (n, k), the
cost is::

    C = (1/n) sum_i loss(a_i, y_i) + (lambda / 2) sum_l ||W^l||^2

where lambda is ``l2_reg_term`` and the sum runs over the weights of every
layer (biases are not regularized). Its gradient is::

    dC/dW^l = (1/n) sum_i dloss_i/dW^l + lambda W^l,    dC/db^l = (1/n) sum_i dloss_i/db^l

Back-propagation starts from delta^L_i = dloss_i/dz^L_i, which each cost
computes from the output pre-activation z^L and activation a^L.
"""
import math

import numpy as np

from activation_functions import Sigmoid, Softmax
from data_source import DataSource
from neural_net import NeuralNet


class Cost:
    """The interface of a cost; see the module docstring."""

    def __init__(self, neural_net, l2_reg_term=0):
        if not isinstance(neural_net, NeuralNet):
            raise TypeError('expected neural_net to be a NeuralNet, got {}'.format(type(neural_net).__name__))
        if isinstance(l2_reg_term, bool) or not isinstance(l2_reg_term, (int, float, np.integer, np.floating)) \
                or not math.isfinite(l2_reg_term) or l2_reg_term < 0:
            raise ValueError('expected l2_reg_term to be a finite number >= 0, got {!r}'.format(l2_reg_term))
        self.neural_net = neural_net
        self.l2_reg_term = float(l2_reg_term)
        self._l2_scratch = None

    # ----- per-example terms, implemented by each cost ----------------------

    def loss(self, z_out, a_out, Y):
        """Per-example loss, shape (n,), from the output pre-activation and activation, both (n, k), and targets (n, k)."""
        raise NotImplementedError

    def output_delta(self, z_out, a_out, Y, out):
        """delta^L_i = dloss_i/dz^L_i for every example, written into ``out`` (n, k)."""
        raise NotImplementedError

    # ----- the whole cost ----------------------------------------------------

    def l2_term(self):
        """(lambda / 2) * sum of the squares of every weight."""
        if not self.l2_reg_term:
            return 0.0
        weights = self.neural_net.parameters()[:self.neural_net.number_of_weights()]
        return 0.5 * self.l2_reg_term * float(np.dot(weights, weights))

    def get_cost(self, data_src):
        """The cost over every example of ``data_src``: the mean loss plus the L2 term."""
        return self.evaluate(data_src)

    def evaluate(self, data_src, on_outputs=None):
        """``get_cost(data_src)``, from one forward pass that ``on_outputs`` may also look at.

        ``on_outputs(a_out, Y)``, if given, is called for every chunk of
        examples with the net's outputs (m, k) and the targets (m, k) of those
        examples, so that other measures (accuracy, say) need no pass of their own.
        """
        net = self.neural_net
        total, count = 0.0, 0
        for X, Y in evaluation_batches(data_src, net):
            for rows, z_out, a_out in net.forward_chunks(X):
                total += float(self.loss(z_out, a_out, Y[rows]).sum(dtype=np.float64))
                if on_outputs is not None:
                    on_outputs(a_out, Y[rows])
            count += X.shape[0]
        return total / count + self.l2_term()

    def gradient(self, X, Y, scale=1.0):
        """The gradient of the cost of the batch ``(X, Y)`` with respect to every parameter.

        ``X`` (n, n_inputs) and ``Y`` (n, n_outputs) must be contiguous arrays
        of the net's dtype. Returns the net's flat gradient array (laid out as
        ``parameters()``; ``net.nabla_w()`` and ``net.nabla_b()`` are views of
        it), which the next call overwrites.

        ``scale`` multiplies the whole result: an update rule passes its
        learning rate and gets its step. Back-propagation is linear in
        delta^L, so scaling the small (n, n_outputs) delta^L scales every
        gradient, and no extra pass over all the parameters is needed.
        """
        net = self.neural_net
        workspace = self.output_error(X, Y, scale)
        net.backward(workspace, X)
        gradient = net.gradient()
        self.add_l2_gradient(gradient, scale)
        return gradient

    def output_error(self, X, Y, scale=1.0):
        """The forward pass of the batch ``(X, Y)`` and its output error term, ready for back-propagation.

        Returns the net's workspace, whose ``delta[L]`` holds ``scale / n``
        times dloss_i/dz^L_i for every example (C is the mean over the batch).
        """
        workspace = self.neural_net.forward(X)
        delta = workspace.delta[-1]
        self.output_delta(workspace.z_out, workspace.a[-1], Y, out=delta)
        delta *= scale / X.shape[0]
        return workspace

    def add_l2_gradient(self, gradient, scale=1.0):
        """gradient += scale * lambda * W for every weight (the L2 term's share of the gradient)."""
        n_weights = self.neural_net.number_of_weights()
        self._add_l2(gradient[:n_weights], self.neural_net.parameters()[:n_weights], scale)

    def add_layer_l2_gradient(self, l, nabla_w, scale=1.0):
        """nabla_w += scale * lambda * W^l for the weights of layer ``l`` alone (counted from 1).

        Element for element the same sums as ``add_l2_gradient``.
        """
        self._add_l2(nabla_w, self.neural_net.weights()[l - 1], scale)

    def _add_l2(self, target, weights, scale):
        if not self.l2_reg_term:
            return
        if self._l2_scratch is None or self._l2_scratch.dtype != weights.dtype:
            self._l2_scratch = np.empty(self.neural_net.number_of_weights(), weights.dtype)
        scratch = self._l2_scratch[:weights.size].reshape(weights.shape)
        np.multiply(weights, self.l2_reg_term * scale, out=scratch)
        target += scratch


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
        return self.neural_net.activations()[-1].backward(a_out, out, out=out)


class CrossEntropyCost(Cost):
    """Cross-entropy, computed from the pre-activation z so that it stays finite when outputs saturate.

    * Softmax output (categorical): loss = -sum_k y_k log a_k
      = (sum_k y_k) logsumexp(z) - sum_k y_k z_k;
      delta_k = (sum_j y_j) a_k - y_k, which is a - y when the targets sum to 1.
    * Sigmoid output (binary, per unit): loss = -sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)]
      = sum_k [softplus(z_k) - y_k z_k];  delta = a - y.

    Any other output activation is refused: its outputs are not probabilities.
    """

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
            np.multiply(a_out, Y.sum(axis=1, keepdims=True), out=out)
            out -= Y
            return out
        return np.subtract(a_out, Y, out=out)


#: Examples read from a data source at once when a whole data set is evaluated (bounds memory).
EVALUATION_ROWS = 8 * 4096


def evaluation_batches(data_src, net):
    """The examples of ``data_src`` as ``(X, Y)`` chunks in the net's dtype, checked against its sizes."""
    check_source_fits(data_src, net)
    total = data_src.number_of_examples()
    chunk = EVALUATION_ROWS
    for start in range(0, total, chunk):
        X, Y = data_src.get_examples(start, min(start + chunk, total))
        yield (np.ascontiguousarray(X, dtype=net.dtype), np.ascontiguousarray(Y, dtype=net.dtype))


def check_source_fits(data_src, net):
    """Raise ValueError unless ``data_src`` has examples whose widths match the net's input and output layers."""
    if not isinstance(data_src, DataSource):
        raise TypeError('expected a DataSource such as PreloadSource, got {}'.format(type(data_src).__name__))
    total = data_src.number_of_examples()
    if total < 1:
        raise ValueError('expected a data source with at least one example, got none')
    sizes = net.layer_sizes()
    n_in, n_out = data_src.input_size(), data_src.output_size()
    if n_in != sizes[0]:
        raise ValueError('expected examples with {} input columns for a net with sizes {}, got {}'.format(
            sizes[0], sizes, n_in))
    if n_out != sizes[-1]:
        raise ValueError('expected examples with {} target columns for a net with sizes {}, got {}'.format(
            sizes[-1], sizes, n_out))
