"""One step of back-propagation on one example, number by number, as ``demos/backprop_step.py`` prints it.

The forward pass and the hidden units' error terms are worked out here with
the textbook formulas (z = a W + b, a = f(z); δˡ = f'(zˡ) ⊙ (Wˡ⁺¹ δˡ⁺¹),
through each activation's own ``backward``); the output layer's δ, the
gradient and the step come from the library (``cost.gradient`` and one
step of a copy of the session's trainer on this one example), and the last
line checks that the two agree.
"""
import copy

import numpy as np

from data_source import PreloadSource

__all__ = ['trace', 'unit_names']


def unit_names(sizes):
    """x1, x2, ... for the inputs, h1_1, h1_2, ... for hidden layer 1, and so on, o1, ... for the outputs."""
    names = [['x{}'.format(j + 1) for j in range(sizes[0])]]
    for layer, size in enumerate(sizes[1:-1], start=1):
        names.append(['h{}_{}'.format(layer, j + 1) for j in range(size)])
    names.append(['o{}'.format(j + 1) for j in range(sizes[-1])])
    return names


def _by_layer(flat, sizes):
    weights, biases, start = [], [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append(flat[start:start + n_in * n_out].reshape(n_in, n_out))
        biases.append(flat[start + n_in * n_out:start + n_in * n_out + n_out])
        start += n_in * n_out + n_out
    return weights, biases


def trace(session, example=0, max_units=8, max_hidden_layers=3):
    """The text of one traced step on training example ``example`` of ``session`` (its net is not changed)."""
    net = session.net
    sizes = net.layer_sizes()
    if max(sizes) > max_units or len(sizes) - 2 > max_hidden_layers:
        return ('The trace is for small nets, of at most {} hidden layers of at most {} units (and at most {} inputs '
                'and outputs); this one has layers of {}.'.format(max_hidden_layers, max_units, max_units, sizes))
    X = session.data.training[0][example:example + 1]
    Y = session.data.training[1][example:example + 1]
    names = unit_names(sizes)
    weights, biases = [w.copy() for w in net.weights()], [b.copy() for b in net.biases()]
    activations = net.activations()
    lines = ['One step of back-propagation on training example {}: x = {}, y = {}'.format(
        example + 1, np.array2string(X[0], precision=4), np.array2string(Y[0], precision=4)), '']
    lines.append('Forward pass: z_j = sum_i w(i->j) a_i + b_j,  a_j = f(z_j)')
    lines.append('{:>5}  {:>6}  {:>12}  {:>12}   {}'.format('layer', 'unit', 'z', 'a', 'f'))
    a, z = [X], [None]
    for unit, value in zip(names[0], X[0]):
        lines.append('{:>5}  {:>6}  {:>12}  {:>12.8f}'.format(0, unit, '', value))
    for l in range(1, len(sizes)):
        z.append(a[-1] @ weights[l - 1] + biases[l - 1])
        a.append(activations[l - 1].activation(z[-1].copy()))
        for unit, z_j, a_j in zip(names[l], z[l][0], a[l][0]):
            lines.append('{:>5}  {:>6}  {:>12.8f}  {:>12.8f}   {}'.format(l, unit, z_j, a_j, activations[l - 1].name))
    lines.append('')
    example_cost = session.cost.get_cost(PreloadSource((X, Y)))
    lines.append('Cost of this example ({}, with its L2 term): C = {:.8f}'.format(type(session.cost).__name__,
                                                                                 example_cost))
    lines.append('')

    gradient = type(session.cost)(copy.deepcopy(net), l2_reg_term=session.cost.l2_reg_term).gradient(X, Y)
    nabla_w, nabla_b = _by_layer(gradient, sizes)
    L = len(sizes) - 1
    delta = {L: nabla_b[L - 1].reshape(1, -1).copy()}
    grad_a = {}
    for l in range(L - 1, 0, -1):
        grad_a[l] = delta[l + 1] @ weights[l].T
        out = np.empty_like(grad_a[l])
        delta[l] = activations[l - 1].backward(a[l], grad_a[l], out, z=z[l])
    lines.append('Backward pass: delta_j = dC/dz_j. Output layer: from the cost (the library\'s);')
    lines.append("  hidden layers: dC/da_j = sum_k w(j->k) delta_k, then delta_j = f'(z_j) dC/da_j")
    lines.append('{:>5}  {:>6}  {:>12}  {:>12}'.format('layer', 'unit', 'dC/da', 'delta'))
    for l in range(L, 0, -1):
        for j, unit in enumerate(names[l]):
            g = '' if l == L else '{:12.8f}'.format(grad_a[l][0, j])
            lines.append('{:>5}  {:>6}  {:>12}  {:>12.8f}'.format(l, unit, g, delta[l][0, j]))
    lines.append('')

    stepped = copy.deepcopy(session.trainer)
    if hasattr(stepped, 'batch_size'):
        stepped.batch_size = 1
    one = PreloadSource((X, Y))
    stepped.train(one, 1, evaluation_data=one)
    new_w, new_b = _by_layer(stepped.neural_net.parameters(), sizes)
    rule = session.setup['optimizer']
    lines.append('The step ({}, learning rate {:.6g}): dC/dw(i->j) = a_i delta_j (+ lambda w),  dC/db_j = delta_j'
                 .format(rule, session.trainer.learning_rate))
    lines.append('{:>5}  {:<14}  {:>12}  {:>12}  {:>12}'.format('layer', 'parameter', 'old', 'dC/d', 'new'))
    for l in range(L, 0, -1):
        for j, target in enumerate(names[l]):
            for i, source in enumerate(names[l - 1]):
                lines.append('{:>5}  {:<14}  {:>12.8f}  {:>12.8f}  {:>12.8f}'.format(
                    l, 'w({}->{})'.format(source, target), weights[l - 1][i, j], nabla_w[l - 1][i, j],
                    new_w[l - 1][i, j]))
        for j, target in enumerate(names[l]):
            lines.append('{:>5}  {:<14}  {:>12.8f}  {:>12.8f}  {:>12.8f}'.format(
                l, 'b({})'.format(target), biases[l - 1][j], nabla_b[l - 1][j], new_b[l - 1][j]))
    lines.append('')
    l2 = session.cost.l2_reg_term
    by_hand = max(float(np.abs(nabla_w[l - 1] - (a[l - 1].T @ delta[l] + l2 * weights[l - 1])).max())
                  for l in range(1, L + 1))
    lines.append("check: the library's dC/dw against a_i delta_j + lambda w: largest difference {:.1e}".format(by_hand))
    if session.trainer.dropout:
        lines.append('(dropout is on: the step above dropped units at random; the columns before it use the whole net)')
    return '\n'.join(lines)
