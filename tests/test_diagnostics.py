"""Per-layer diagnostics, checked against values worked out by hand."""
import math

import numpy as np
import pytest

import reference
from activation_functions import Identity, Rectifier, Sigmoid, Softmax, Tanh
from cost_functions import QuadraticCost
from data_source import PreloadSource
from feedforward_diagnostics import diagnostic_batch, layer_diagnostics
from neural_net import NetFactory


def hand_worked_net():
    """[2, 3, 1]: Rectifier hidden layer, Identity output; see the numbers in the test below."""
    net = NetFactory.create_neural_net([2, 3, 1], Rectifier, Identity)
    net.weights()[0][...] = [[1, -1, 0.5], [1, -1, -1]]
    net.weights()[1][...] = [[1], [2], [-2]]
    net.biases()[1][...] = 0.5
    return net


def test_rectifier_layer_by_hand():
    net = hand_worked_net()
    X = np.array([[1.0, 2.0], [3.0, 0.0]])
    Y = np.array([[1.0], [0.0]])
    before = net.parameters().copy()
    d = layer_diagnostics(QuadraticCost(net), X, Y)
    # a1 = relu(X W1) = [[3, 0, 0], [3, 0, 1.5]]: unit 2 is 0 for both examples (dead), unit 3 is not.
    # a2 = a1 W2 + 0.5 = [[3.5], [0.5]].
    assert d['activation_mean'] == pytest.approx([7.5 / 6, 2.0])
    assert d['activation_std'] == pytest.approx([math.sqrt(10.875 / 6), 1.5])
    assert d['dead'][0] == pytest.approx(1 / 3)
    assert math.isnan(d['dead'][1])
    assert all(math.isnan(s) for s in d['saturated'])
    # delta2 = (a2 - y) / 2 = [1.25, 0.25]; dW2 = a1^T delta2 = [4.5, 0, 0.375].
    # delta1 = delta2 W2^T * relu'(z1) = [[1.25, 0, 0], [0.25, 0, -0.5]]; dW1 = X^T delta1 = [[2, 0, -1.5], [2.5, 0, 0]].
    assert d['weight_gradient_norm'] == pytest.approx([math.sqrt(12.5), math.sqrt(20.390625)])
    np.testing.assert_array_equal(net.parameters(), before)


def test_gradient_norms_match_numerical_derivatives_with_l2():
    rng = np.random.default_rng(1)
    net = NetFactory.create_neural_net([3, 5, 4, 2], Tanh, Softmax)
    net.randomize_parameters(1)
    net.weights()[-1][...] = rng.normal(size=(4, 2))
    X, Y = rng.normal(size=(7, 3)), np.eye(2)[rng.integers(0, 2, 7)]
    names = [f.name for f in net.activations()]
    d = layer_diagnostics(QuadraticCost(net, 0.1), X, Y)
    for W, norm in zip(net.weights(), d['weight_gradient_norm']):
        # W.reshape(-1) is a view: the central differences move the net's own weights.
        numerical = reference.numerical_gradient(
            lambda: reference.cost('QuadraticCost', net.weights(), net.biases(), names, X, Y, 0.1), W.reshape(-1))
        assert norm == pytest.approx(np.linalg.norm(numerical), rel=1e-6)


@pytest.mark.parametrize('activation, saturated', [(Sigmoid, 4 / 8), (Tanh, 6 / 8)])
def test_saturated_share_by_hand(activation, saturated):
    net = NetFactory.create_neural_net([1, 4], output_layer_activation=activation)
    net.weights()[0][...] = 1.0
    net.biases()[0][...] = [-6, 0, 5, 3]
    X = np.array([[0.0], [2.0]])  # z = [[-6, 0, 5, 3], [-4, 2, 7, 5]]
    # Sigmoid: a < 0.01 iff z < -4.595, a > 0.99 iff z > 4.595: -6, 5 and 7, 5 -> 4 of 8.
    # Tanh: |a| > 0.99 iff |z| > 2.647: -6, 5, 3 and -4, 7, 5 -> 6 of 8.
    d = layer_diagnostics(QuadraticCost(net), X, np.zeros((2, 4)))
    assert d['saturated'] == [pytest.approx(saturated)]
    assert math.isnan(d['dead'][0])


def test_diagnostic_batch_is_fixed_and_leaves_other_generators_alone():
    X = np.arange(3000.0).reshape(1500, 2)
    src = PreloadSource((X, X[:, :1]))
    net = NetFactory.create_neural_net([2, 1])
    np.random.seed(7)
    legacy_state = np.random.get_state()
    first, second = diagnostic_batch(src, net), diagnostic_batch(src, net)
    after = np.random.get_state()
    assert after[0] == legacy_state[0] and np.array_equal(after[1], legacy_state[1]) and after[2:] == legacy_state[2:]
    np.testing.assert_array_equal(first[0], second[0])
    rows = (first[0][:, 0] / 2).astype(int)
    assert len(rows) == 1000 and len(set(rows)) == 1000
    np.testing.assert_array_equal(first[1][:, 0], X[rows, 0])
    small = PreloadSource((X[:10], X[:10, :1]))
    np.testing.assert_array_equal(diagnostic_batch(small, net)[0], X[:10])
