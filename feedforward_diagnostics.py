"""Per-layer diagnostics: how the gradient and the activations of every layer look on one batch.

For a batch ``(X, Y)`` of n examples and every non-input layer l = 1..L
(the output layer included), ``layer_diagnostics`` measures::

    weight_gradient_norm[l] = ||dC/dW^l||_F    (C: the cost of the batch, with its L2 term, as a step uses it)
    activation_mean[l]      = mean of a^l over the n examples and the units of layer l
    activation_std[l]       = standard deviation of a^l over the same n * units values
    saturated[l]            = share of the n * units outputs a^l within SATURATION_MARGIN of a bound of
                              the activation (its ``saturation_bounds``): a < 0.01 or a > 0.99 for
                              Sigmoid, |a| > 0.99 for Tanh; NaN for activations that have no bounds
    dead[l]                 = share of the units whose output is at or below the activation's
                              ``dead_output`` for every one of the n examples: 0 for Rectifier; NaN for
                              activations whose units cannot die

Saturated units pass almost no gradient back (sigma' = sigma (1 - sigma) is
below 0.01 there), and dead rectifiers pass none at all: both show where
learning stalls. ``train(..., diagnostics=True)`` records them once per epoch
on a fixed diagnostic batch (see ``diagnostic_batch``), never inside the
mini-batch loop.
"""
import numpy as np

from data_source import check_fits, checked_batch

__all__ = ['layer_diagnostics', 'diagnostic_batch', 'saturated_share', 'dead_share', 'QUANTITIES', 'SATURATION_MARGIN',
           'DIAGNOSTIC_BATCH_SIZE', 'DIAGNOSTIC_SEED']

#: How close to a bound of Sigmoid or Tanh an output must be to count as saturated.
SATURATION_MARGIN = 0.01
#: Examples in the diagnostic batch (all of them when a data source holds fewer).
DIAGNOSTIC_BATCH_SIZE = 1000
#: The seed of the draw of the diagnostic batch: the same examples every epoch and every run.
DIAGNOSTIC_SEED = 0

#: The quantities, in the order ``layer_diagnostics`` returns them.
QUANTITIES = ('weight_gradient_norm', 'activation_mean', 'activation_std', 'saturated', 'dead')


def diagnostic_batch(data_src, neural_net, size=DIAGNOSTIC_BATCH_SIZE, seed=DIAGNOSTIC_SEED, checked=False):
    """A fixed batch ``(X, Y)`` of ``size`` examples of ``data_src`` (all of them if it holds fewer).

    The examples are drawn without replacement by a generator of their own,
    seeded by ``seed``, so the draw touches no optimizer's random state.
    Returns contiguous arrays of the net's dtype, shapes (m, n_inputs) and
    (m, n_outputs) with m = min(size, number of examples). ``checked``: the
    source's fit to the net was checked where a training run started.
    """
    if not checked:
        check_fits(data_src, neural_net.layer_sizes())
    total = data_src.number_of_examples()
    if total <= size:
        indices = np.arange(total)
    else:
        indices = np.sort(np.random.default_rng(seed).choice(total, size=size, replace=False))
    return data_src.take(indices, dtype=neural_net.dtype)


def layer_diagnostics(cost, X, Y):
    """The diagnostics of every layer of ``cost.neural_net`` on the batch ``X`` (n, n_inputs), ``Y`` (n, n_outputs).

    Returns a dictionary from each name of ``QUANTITIES`` to a list of L
    floats, one per non-input layer (first hidden layer first); see the
    module docstring. It runs one forward and one backward pass, which
    overwrite the net's gradient array; the parameters are not touched.
    """
    net = cost.neural_net
    X, Y = checked_batch(X, Y, net.dtype)
    sizes = net.layer_sizes()
    if X.shape[1] != sizes[0] or Y.shape[1] != sizes[-1]:
        raise ValueError('expected X of shape (n, {}) and Y of shape (n, {}) for a net with sizes {}, got {} and '
                         '{}'.format(sizes[0], sizes[-1], sizes, X.shape, Y.shape))
    # The steps of cost.gradient(X, Y), keeping the forward pass's workspace for the activations.
    workspace = cost._output_error(X, Y)
    cost._backpropagate(workspace, X)
    result = {name: [] for name in QUANTITIES}
    result['weight_gradient_norm'] = [float(np.linalg.norm(nabla_w)) for nabla_w in net._nabla_w]
    for l, activation in enumerate(net.activations(), start=1):
        a = workspace.a[l]
        result['activation_mean'].append(float(a.mean(dtype=np.float64)))
        result['activation_std'].append(float(a.std(dtype=np.float64)))
        result['saturated'].append(saturated_share(activation, a))
        result['dead'].append(dead_share(activation, a))
    return result


def saturated_share(activation, a):
    """The share of the outputs ``a`` (n, units) of a layer within SATURATION_MARGIN of a bound of its activation.

    NaN for an activation whose ``saturation_bounds`` are None.
    """
    if activation.saturation_bounds is None:
        return float('nan')
    low, high = activation.saturation_bounds
    saturated = np.count_nonzero((a < low + SATURATION_MARGIN) | (a > high - SATURATION_MARGIN))
    return float(saturated / a.size)


def dead_share(activation, a):
    """The share of the units of a layer whose outputs ``a`` (n, units) are at or below ``dead_output`` for every
    example (a Rectifier unit that outputs 0 for every example is dead).

    NaN for an activation whose ``dead_output`` is None.
    """
    if activation.dead_output is None:
        return float('nan')
    return float(np.count_nonzero(~(a > activation.dead_output).any(axis=0)) / a.shape[1])
