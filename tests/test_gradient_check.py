"""The public gradient check: it passes right gradients, catches wrong ones, and takes seconds for large nets.

That it passes every pair of the library's activations with every cost is
in test_gradients.py; here, that it fails when it should.
"""
import time

import numpy as np
import pytest

from activation_functions import Activation, Identity, Rectifier, Sigmoid, Softmax, Tanh, register_activation
from cost_functions import CrossEntropyCost, QuadraticCost
from feedforward_gradient_check import GradientCheck, gradient_check
from neural_net import NetFactory


def problem(hidden=Tanh, output=Identity, sizes=(3, 4, 2), n=6, seed=0):
    rng = np.random.default_rng(seed)
    net = NetFactory.create_neural_net(list(sizes), hidden, output)
    net.parameters()[...] = rng.normal(0, 0.7, net.parameters().size)
    return net, rng.normal(size=(n, sizes[0])), rng.normal(size=(n, sizes[-1]))


def test_a_mistake_in_a_backward_rule_is_caught_in_its_layer():
    class SlightlyWrongTanh(Activation):
        name = 'SlightlyWrongTanh'
        needs_z = False

        def activation(self, z, out=None):
            return np.tanh(z, out=out)

        def derivative(self, z, a):
            return 1 - 0.99 * a * a       # 1 - a^2 is right: off by 1% of a^2

    register_activation(SlightlyWrongTanh)
    net, X, Y = problem(SlightlyWrongTanh, sizes=(3, 4, 4, 2))
    result = gradient_check(QuadraticCost(net), X, Y)
    assert not result.passed
    # Layers 1 and 2 lie below a SlightlyWrongTanh layer; the output layer's gradient is right.
    assert result.errors[0] > 1e-4 and result.errors[1] > 1e-4 and result.errors[2] < 1e-8
    text = str(result)
    assert 'FAILED: the gradient of layer 1, layer 2 differs' in text and text.count('<- above 1e-06') == 2


def test_a_mistake_in_a_cost_s_output_delta_is_caught():
    class ForgetsTheActivation(QuadraticCost):
        def output_delta(self, z_out, a_out, Y, out):
            return np.subtract(a_out, Y, out=out)     # a - y alone: sigma'(z) is missing

    net, X, Y = problem(Sigmoid, Sigmoid)
    result = gradient_check(ForgetsTheActivation(net), X, Y)
    assert not result.passed and min(result.errors) > 1e-2
    assert gradient_check(QuadraticCost(net), X, Y).passed


def test_a_missing_l2_share_is_caught(monkeypatch):
    net, X, Y = problem()
    cost = QuadraticCost(net, l2_reg_term=0.1)
    assert gradient_check(cost, X, Y).passed
    # Back-propagation without the L2 term's share, lambda W, in each layer's gradient.
    monkeypatch.setattr(QuadraticCost, '_backpropagate', lambda self, workspace, X, scale=1.0, on_layer=None,
                        masks=None: self.neural_net._backward(workspace, X, on_layer, masks))
    result = gradient_check(cost, X, Y)
    assert not result.passed and min(result.errors) > 1e-3


def test_small_nets_are_checked_whole_and_large_ones_on_a_seeded_sample():
    net, X, Y = problem(sizes=(3, 4, 2))
    result = gradient_check(QuadraticCost(net), X, Y)
    assert result.parameters == result.checked == [16, 10]
    net, X, Y = problem(Rectifier, Softmax, sizes=(30, 20, 5), n=4)
    Y = np.eye(5)[[0, 1, 2, 3]]
    cost = CrossEntropyCost(net, l2_reg_term=0.01)
    result = gradient_check(cost, X, Y, per_layer=50)
    assert result.parameters == [620, 105] and result.checked == [50, 50] and result.passed
    assert gradient_check(cost, X, Y, per_layer=50) == result
    assert gradient_check(cost, X, Y, per_layer=50, seed=1).errors != result.errors


def test_the_net_and_the_cost_are_left_as_they_were():
    net, X, Y = problem(dtype_net := Tanh)
    net32 = NetFactory.create_neural_net(net.layer_sizes(), dtype_net, Identity, dtype=np.float32)
    net32.parameters()[...] = net.parameters()
    kept = net32.parameters().copy()
    cost = QuadraticCost(net32, l2_reg_term=0.1)
    result = gradient_check(cost, X, Y)
    assert isinstance(result, GradientCheck) and result.passed
    np.testing.assert_array_equal(net32.parameters(), kept)
    assert cost.neural_net is net32 and net32.dtype == np.float32


def test_a_net_of_100000_parameters_takes_seconds():
    net = NetFactory.create_neural_net([784, 120, 40, 10], Rectifier, Softmax)
    net.randomize_parameters(0)
    net.parameters()[...] += np.random.default_rng(1).normal(0, 0.05, net.parameters().size)
    assert 99_000 < net.parameters().size <= 100_000
    rng = np.random.default_rng(2)
    X, Y = rng.uniform(0, 1, (10, 784)), np.eye(10)[rng.integers(0, 10, 10)]
    started = time.perf_counter()
    result = gradient_check(CrossEntropyCost(net, l2_reg_term=1e-4), X, Y)
    seconds = time.perf_counter() - started
    assert result.passed, str(result)
    assert seconds < 10, '{:.1f} s'.format(seconds)     # 0.2 to 0.3 s on a 2-core machine


@pytest.mark.parametrize('arguments, message', [
    ({'epsilon': 0}, 'epsilon to be a positive finite number'),
    ({'threshold': float('nan')}, 'threshold'),
    ({'per_layer': 0}, 'per_layer to be a positive integer'),
    ({'per_layer': 2.5}, 'per_layer'),
])
def test_bad_arguments_are_refused(arguments, message):
    net, X, Y = problem()
    with pytest.raises(ValueError, match=message):
        gradient_check(QuadraticCost(net), X, Y, **arguments)


def test_a_bad_batch_is_refused_as_the_cost_s_gradient_refuses_it():
    net, X, Y = problem()
    with pytest.raises(ValueError, match='expected X of shape'):
        gradient_check(QuadraticCost(net), X[:, :2], Y)
    with pytest.raises(ValueError, match='targets from 0 to 1'):
        sigmoid_net, X, _ = problem(Tanh, Sigmoid)
        gradient_check(CrossEntropyCost(sigmoid_net), X, np.full((6, 2), 2.0))


def test_the_repr_of_a_check_is_its_table():
    net, X, Y = problem()
    check = gradient_check(QuadraticCost(net), X, Y)
    assert repr(check) == str(check)
    lines = repr(check).splitlines()
    assert lines[0] == 'layer  parameters  checked  worst relative error'
    assert lines[-1] == 'passed: every layer below 1e-06' and len(lines) == 4
