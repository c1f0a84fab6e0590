"""The gradient check: back-propagation's gradient against central differences of the cost, layer by layer.

For the cost of the batch ``(X, Y)`` as ``cost_functions`` defines it and a
training step sees it, the mean loss plus the L2 term::

    C = (1/n) sum_i loss(a_i, y_i) + (lambda / 2) sum_l ||W^l||^2

and a parameter theta_i, the central difference is::

    n_i = (C(theta_i + eps) - C(theta_i - eps)) / (2 eps)

With sample weights w (n,), C is the weighted cost C_w of ``cost_functions``,
(1/S) (sum_i w_i loss_i + (lambda n / 2) sum_l ||W^l||^2), S = sum_i w_i.

It differs from the true derivative by O(eps^2) (and by rounding, about
1e-16 |C| / eps), so with eps = 1e-6 in float64 a right gradient g agrees
with it to about 1e-9 relative, and a wrong backward rule is off by far more.
For each layer l, over the parameters of the layer that are checked::

    error_l = max_i |g_i - n_i| / max_i max(|g_i|, |n_i|)

the worst difference, relative to the layer's largest derivative. Every
parameter of a layer is checked when it has at most ``per_layer`` of them;
otherwise a sample of ``per_layer``, drawn without replacement by a generator
seeded by ``seed``.

Each checked parameter costs two forward passes of the batch, but only from
its own layer up: moving a weight W^l_ij by eps moves z^l in column j alone,
by eps a^(l-1)_i (a bias b^l_j, by eps), and the layers above run on the
copies of the batch for many parameters at once, stacked into one batch. The
L2 term changes by (lambda / 2) ((w + eps)^2 - (w - eps)^2) when a weight w
moves, and not at all when a bias does. So a net of 100,000 parameters takes
well under a second, and a few examples make a quick check.

Everything runs in float64 on a copy of the net, whatever the net's dtype,
with a shallow copy of the cost: the net and its cost are not changed.
"""
import copy
from typing import NamedTuple

import numpy as np

from data_source import checked_batch
from neural_net import NeuralNet

__all__ = ['gradient_check', 'GradientCheck']


class GradientCheck(NamedTuple):
    """What ``gradient_check`` found: ``str()`` and ``repr()`` of it are a table, one row per layer."""

    #: The worst relative error of each non-input layer, first hidden layer first.
    errors: list
    #: Whether every layer's worst relative error is below ``threshold``.
    passed: bool
    threshold: float
    #: How many parameters each layer has, and how many of them were checked.
    parameters: list
    checked: list

    def __str__(self):
        lines = ['layer  parameters  checked  worst relative error']
        for l, (error, total, checked) in enumerate(zip(self.errors, self.parameters, self.checked), start=1):
            lines.append('{:>5}  {:>10}  {:>7}  {:>20.1e}{}'.format(
                l, total, checked, error, '' if error < self.threshold else '  <- above {:.0e}'.format(
                    self.threshold)))
        lines.append('passed: every layer below {:.0e}'.format(self.threshold) if self.passed else
                     'FAILED: the gradient of {} differs from the cost\'s derivatives'.format(
                         ', '.join('layer {}'.format(l) for l, e in enumerate(self.errors, start=1)
                                   if not e < self.threshold)))
        return '\n'.join(lines)

    # What a notebook or the interpreter shows for the check: the table, as print shows it.
    __repr__ = __str__


def gradient_check(cost, X, Y, epsilon=1e-6, threshold=1e-6, per_layer=300, seed=0, sample_weights=None):
    """Compare ``cost.gradient(X, Y)`` with central differences of the cost, in float64; see the module docstring.

    ``cost``: a cost (built-in or your own) on the net to check; ``X``
    (n, n_inputs) and ``Y`` (n, n_outputs): a batch, checked as
    ``cost.gradient`` checks it (a few examples are enough). ``epsilon``:
    the step of the differences; ``threshold``: the largest relative error
    that passes; ``per_layer``: the most parameters checked in one layer (a
    seeded sample, ``seed``, beyond that); ``sample_weights`` (n,): check
    the gradient of the weighted cost. Returns a ``GradientCheck``:
    ``errors`` (the worst relative error of each layer) and ``passed``;
    print it for a table.
    """
    for value, name in ((epsilon, 'epsilon'), (threshold, 'threshold')):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float('inf'):
            raise ValueError('expected {} to be a positive finite number, got {!r}'.format(name, value))
    if isinstance(per_layer, bool) or not isinstance(per_layer, (int, np.integer)) or per_layer < 1:
        raise ValueError('expected per_layer to be a positive integer, got {!r}'.format(per_layer))
    net = cost.neural_net
    twin = NeuralNet(net.layer_sizes(), net.activations(), np.float64)
    twin.parameters()[...] = net.parameters()
    twin_cost = copy.copy(cost)
    twin_cost.neural_net = twin
    twin_cost._l2_scratch = None
    X, Y = checked_batch(X, Y, np.float64)
    # Checks the shapes, the targets and the weights, as for the net itself.
    analytic = twin_cost.gradient(X, Y, sample_weights=sample_weights).copy()
    n = X.shape[0]
    # C = (sum_i w_i loss_i + (lambda n / 2) sum W^2) / S; w_i = 1 and S = n without weights.
    weights = np.ones(n) if sample_weights is None else np.asarray(sample_weights, dtype=np.float64)
    weight_sum = float(weights.sum())

    # The forward pass, written out: each layer's input a^(l-1) and pre-activation z^l.
    layers = list(zip(twin.weights(), twin.biases(), twin.activations()))
    inputs, pre_activations = [], []
    a = X
    for W, b, f in layers:
        inputs.append(a)
        pre_activations.append(a @ W + b)
        a = f.activation(pre_activations[-1])

    def mean_losses(l, z):
        """The (weighted) mean loss of the batch for each of the stacked copies ``z`` (copies, n, units) of z^l."""
        copies, n, units = z.shape
        z = z.reshape(copies * n, units)
        a = layers[l][2].activation(z)
        for W, b, f in layers[l + 1:]:
            z = a @ W + b
            a = f.activation(z)
        losses = twin_cost.loss(z, a, np.tile(Y, (copies, 1)))
        return losses.reshape(copies, n) @ weights / weight_sum

    rng = np.random.default_rng(seed)
    theta = twin.parameters()
    sizes = twin.layer_sizes()
    errors, totals, counts = [], [], []
    for l, where in enumerate(twin._slices):
        n_in, units = sizes[l], sizes[l + 1]
        total = where.stop - where.start
        if total <= per_layer:
            chosen = np.arange(total)
        else:
            chosen = np.sort(rng.choice(total, size=per_layer, replace=False))
        # Perturbations in groups small enough that their stacked copies of the batch take some 32 MB at most.
        group = max(1, _STACKED_VALUES // (2 * X.shape[0] * max(sizes[l + 1:])))
        numerical = np.empty(chosen.size)
        for start in range(0, chosen.size, group):
            part = chosen[start:start + group]
            # theta_i +- eps moves z^l in one column only: by +-eps a^(l-1)_i for a weight W_ij, +-eps for b_j.
            z = np.repeat(pre_activations[l][np.newaxis], 2 * part.size, axis=0)
            # The L2 term changes by (lambda / 2) ((w + eps)^2 - (w - eps)^2) for a weight w; not for a bias.
            l2 = np.zeros(part.size)
            for k, p in enumerate(part):
                i, j = divmod(p, units) if p < n_in * units else (None, p - n_in * units)
                step = epsilon * inputs[l][:, i] if i is not None else epsilon
                z[2 * k, :, j] += step
                z[2 * k + 1, :, j] -= step
                if i is not None:
                    w = theta[where.start + p]
                    l2[k] = 0.5 * twin_cost.l2_reg_term * ((w + epsilon) ** 2 - (w - epsilon) ** 2) * n / weight_sum
            losses = mean_losses(l, z)
            numerical[start:start + part.size] = (losses[0::2] - losses[1::2] + l2) / (2 * epsilon)
        mine = analytic[where.start + chosen]
        scale = max(float(np.abs(mine).max()), float(np.abs(numerical).max()))
        worst = float(np.abs(mine - numerical).max())
        errors.append(worst / scale if scale > 0 else worst)
        totals.append(int(total))
        counts.append(int(chosen.size))
    passed = all(error < threshold for error in errors)    # a NaN error fails
    return GradientCheck(errors, passed, float(threshold), totals, counts)


#: The most values the stacked copies of a batch hold at once (float64: 32 MB).
_STACKED_VALUES = 4_000_000
