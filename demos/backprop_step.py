"""One step of back-propagation, traced number by number: a 2-2-2 net of Sigmoid units, one example.

    python demos/backprop_step.py

The net, its weights and biases, the example and the learning rate are those
of a worked example often used to teach back-propagation (inputs 0.05 and
0.10, targets 0.01 and 0.99, learning rate 0.5), so that the tables can be
laid beside a derivation done by hand. Units are named x1, x2 (inputs), h1,
h2 (hidden) and o1, o2 (outputs); w(h1->o2) is the weight from h1 to o2.

The demo works out z, a and delta with the textbook formulas, and takes the
gradient and the step from the library (``cost.gradient`` and one epoch of
``GradientDescent``); the last lines check that the two agree.
"""
import argparse

import common
import numpy as np

from activation_functions import Sigmoid
from cost_functions import QuadraticCost
from data_source import PreloadSource
from gradient_descent import GradientDescent
from neural_net import NetFactory

X = np.array([[0.05, 0.10]])
Y = np.array([[0.01, 0.99]])
#: Weights as the library lays them out, (inputs, units): row i, column j is the weight from unit i to unit j.
WEIGHTS = [np.array([[0.15, 0.25],
                     [0.20, 0.30]]),
           np.array([[0.40, 0.50],
                     [0.45, 0.55]])]
BIASES = [np.array([0.35, 0.35]), np.array([0.60, 0.60])]
LEARNING_RATE = 0.5
UNITS = [['x1', 'x2'], ['h1', 'h2'], ['o1', 'o2']]


def by_layer(flat, sizes):
    """The weight matrices and the bias vectors in ``flat``, laid out as ``net.parameters()``: layer after layer,
    each layer's weights (row-major), then its biases."""
    weights, biases, start = [], [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append(flat[start:start + n_in * n_out].reshape(n_in, n_out).copy())
        biases.append(flat[start + n_in * n_out:start + n_in * n_out + n_out].copy())
        start += n_in * n_out + n_out
    return weights, biases


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.parse_args(argv)

    net = NetFactory.create_neural_net([2, 2, 2], hidden_layer_activation=Sigmoid, output_layer_activation=Sigmoid)
    for l in range(2):
        net.weights()[l][...] = WEIGHTS[l]
        net.biases()[l][...] = BIASES[l]
    cost = QuadraticCost(net)

    print('One step of back-propagation: a 2-2-2 net of Sigmoid units, one example, the quadratic cost, '
          'learning rate {}'.format(LEARNING_RATE))
    print()
    print('Forward pass: z_j = sum_i w(i->j) a_i + b_j,  a_j = sigma(z_j) = 1 / (1 + e^-z_j)')
    print('{:>5}  {:>4}  {:>12}  {:>12}'.format('layer', 'unit', 'z', 'a'))
    a = [X[0]]
    z = [None]
    for unit, value in zip(UNITS[0], X[0]):
        print('{:>5}  {:>4}  {:>12}  {:>12.8f}'.format(0, unit, '', value))
    for l in (1, 2):
        z.append(a[-1] @ WEIGHTS[l - 1] + BIASES[l - 1])
        a.append(1.0 / (1.0 + np.exp(-z[-1])))
        for unit, z_j, a_j in zip(UNITS[l], z[l], a[l]):
            print('{:>5}  {:>4}  {:>12.8f}  {:>12.8f}'.format(l, unit, z_j, a_j))
    print()

    total = 0.5 * np.sum((a[2] - Y[0]) ** 2)
    print('Total error: C = 1/2 (a_o1 - y_o1)^2 + 1/2 (a_o2 - y_o2)^2 = {:.8f}   (targets y = {}, {})'.format(
        total, *Y[0]))
    print()

    print('Backward pass: delta_j = dC/dz_j = dC/da_j sigma\'(z_j), with sigma\'(z) = a (1 - a);')
    print('  output units: dC/da_j = a_j - y_j;  hidden units: dC/da_j = sum_k w(j->k) delta_k')
    print('{:>5}  {:>4}  {:>12}  {:>12}  {:>12}'.format('layer', 'unit', 'dC/da', "sigma'(z)", 'delta'))
    delta = {2: None, 1: None}
    grad_a = {2: a[2] - Y[0]}
    delta[2] = grad_a[2] * a[2] * (1 - a[2])
    grad_a[1] = WEIGHTS[1] @ delta[2]
    delta[1] = grad_a[1] * a[1] * (1 - a[1])
    for l in (2, 1):
        for unit, g, a_j, d in zip(UNITS[l], grad_a[l], a[l], delta[l]):
            print('{:>5}  {:>4}  {:>12.8f}  {:>12.8f}  {:>12.8f}'.format(l, unit, g, a_j * (1 - a_j), d))
    print()

    nabla_w, nabla_b = by_layer(cost.gradient(X, Y), net.layer_sizes())
    trainer = GradientDescent(net, cost, learning_rate=LEARNING_RATE)
    trainer.training_epoch(PreloadSource((X, Y)))

    print('The step: dC/dw(i->j) = a_i delta_j,  dC/db_j = delta_j,  new = old - {} dC/d(old)'.format(LEARNING_RATE))
    print('{:>5}  {:<10}  {:>12}  {:>12}  {:>12}'.format('layer', 'parameter', 'old', 'dC/d', 'new'))
    for l in (2, 1):
        # Target by target, as a derivation numbers them: w(h1->o1), w(h2->o1), w(h1->o2), ...
        for j, target in enumerate(UNITS[l]):
            for i, source in enumerate(UNITS[l - 1]):
                print('{:>5}  {:<10}  {:>12.8f}  {:>12.8f}  {:>12.8f}'.format(
                    l, 'w({}->{})'.format(source, target), WEIGHTS[l - 1][i, j], nabla_w[l - 1][i, j],
                    net.weights()[l - 1][i, j]))
        for j, target in enumerate(UNITS[l]):
            print('{:>5}  {:<10}  {:>12.8f}  {:>12.8f}  {:>12.8f}'.format(
                l, 'b({})'.format(target), BIASES[l - 1][j], nabla_b[l - 1][j], net.biases()[l - 1][j]))
    print()

    # The library's numbers against the formulas above.
    by_hand = [np.outer(a[l - 1], delta[l]) for l in (1, 2)]
    gradient_difference = max(max(np.abs(nabla_w[l] - by_hand[l]).max(), np.abs(nabla_b[l] - delta[l + 1]).max())
                              for l in (0, 1))
    step_difference = max(max(np.abs(net.weights()[l] - (WEIGHTS[l] - LEARNING_RATE * by_hand[l])).max(),
                              np.abs(net.biases()[l] - (BIASES[l] - LEARNING_RATE * delta[l + 1])).max())
                          for l in (0, 1))
    print('check: the library\'s gradient against a_i delta_j and delta_j: largest difference {:.1e}'.format(
        gradient_difference))
    print('check: the library\'s step against old - {} dC/d(old): largest difference {:.1e}'.format(
        LEARNING_RATE, step_difference))
    print('total error after the step: {:.8f}'.format(cost.get_cost(PreloadSource((X, Y)))))


if __name__ == '__main__':
    common.run(main)
