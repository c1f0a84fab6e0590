import warnings

import numpy as np
import pytest

import reference
from activation_functions import Identity, Rectifier, Sigmoid, Softmax, Tanh
from cost_functions import CrossEntropyCost, QuadraticCost
from data_source import PreloadSource
from neural_net import NetFactory


def single_layer(output, inputs=1, outputs=2):
    return NetFactory.create_neural_net([inputs, outputs], output_layer_activation=output)


def test_quadratic_cost_by_hand():
    net = single_layer(Identity)
    net.weights()[0][...] = [[1.0, 2.0]]
    net.biases()[0][...] = [0.5, 0.0]
    # outputs: x=1 -> (1.5, 2); x=2 -> (2.5, 4)
    src = PreloadSource((np.array([[1.0], [2.0]]), np.array([[1.0, 2.0], [2.0, 1.0]])))
    # losses: 1/2 (0.25 + 0) = 0.125; 1/2 (0.25 + 9) = 4.625; mean 2.375; L2: 0.1/2 * (1 + 4) = 0.25
    assert QuadraticCost(net).get_cost(src) == pytest.approx(2.375, rel=1e-14)
    assert QuadraticCost(net, l2_reg_term=0.1).get_cost(src) == pytest.approx(2.625, rel=1e-14)


def test_binary_cross_entropy_by_hand():
    net = single_layer(Sigmoid, outputs=1)
    net.biases()[0][...] = np.log(3.0)  # output 0.75 whatever the input
    src = PreloadSource((np.zeros((2, 1)), np.array([[1.0], [0.0]])))
    expected = (-np.log(0.75) - np.log(0.25)) / 2
    assert CrossEntropyCost(net).get_cost(src) == pytest.approx(expected, rel=1e-14)


def test_categorical_cross_entropy_by_hand():
    net = single_layer(Softmax, outputs=3)
    net.biases()[0][...] = np.log([1.0, 2.0, 5.0])  # outputs 1/8, 2/8, 5/8
    src = PreloadSource((np.zeros((2, 1)), np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])))
    expected = (-np.log(5 / 8) - np.log(1 / 8)) / 2
    assert CrossEntropyCost(net).get_cost(src) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize('output', [Sigmoid, Softmax])
def test_cross_entropy_stays_finite_when_outputs_saturate(output):
    net = single_layer(output, outputs=2)
    net.weights()[0][...] = [[1000.0, -1000.0]]
    src = PreloadSource((np.array([[1.0]]), np.array([[0.0, 1.0]])))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        cost = CrossEntropyCost(net).get_cost(src)
    # the wrong class is certain: -log(sigmoid(-1000)) ~ 1000 per unit
    assert cost == pytest.approx(2000.0, rel=1e-9)


@pytest.mark.parametrize('output', [Rectifier, Tanh, Identity])
def test_cross_entropy_refuses_outputs_that_are_not_probabilities(output):
    with pytest.raises(ValueError, match='Softmax.*Sigmoid.*QuadraticCost'):
        CrossEntropyCost(single_layer(output))


@pytest.mark.parametrize('cost', [QuadraticCost, CrossEntropyCost])
def test_a_cost_refuses_a_softmax_output_of_one_unit(cost, monkeypatch):
    # The net refuses one when it is built (test_neural_net.py); a net built by any other route meets the cost's check.
    import neural_net
    with monkeypatch.context() as patch:
        patch.setattr(neural_net, 'check_output_layer', lambda activation, units: None, raising=False)
        net = single_layer(Softmax, outputs=1)
    with pytest.raises(ValueError, match='Softmax output layer to have at least 2 units, got 1.*use Sigmoid for one '
                                         'output.*or two Softmax units'):
        cost(net)


@pytest.mark.parametrize('l2', [-1, float('nan'), float('inf'), 'a', None, True])
def test_bad_l2_terms(l2):
    with pytest.raises((TypeError, ValueError), match='l2_reg_term'):
        QuadraticCost(single_layer(Sigmoid), l2_reg_term=l2)


def test_cost_needs_a_net():
    with pytest.raises(TypeError, match='NeuralNet'):
        QuadraticCost(neural_net='net')


def test_get_cost_refuses_sources_of_the_wrong_width():
    net = NetFactory.create_neural_net([3, 2])
    with pytest.raises(ValueError, match='expected examples with 3 input columns'):
        QuadraticCost(net).get_cost(PreloadSource((np.zeros((4, 2)), np.zeros((4, 2)))))
    with pytest.raises(ValueError, match='expected examples with 2 target columns'):
        QuadraticCost(net).get_cost(PreloadSource((np.zeros((4, 3)), np.zeros((4, 1)))))


def test_get_cost_over_many_examples_equals_the_mean():
    net = NetFactory.create_neural_net([2, 3, 1], Tanh, Identity)
    net.randomize_parameters(0)
    net.weights()[1][...] = 0.5
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(50000, 2)), rng.normal(size=(50000, 1))
    expected = reference.cost('QuadraticCost', net.weights(), net.biases(), ['Tanh', 'Identity'], X, Y, 0.0)
    assert QuadraticCost(net).get_cost(PreloadSource((X, Y))) == pytest.approx(expected, rel=1e-10)


def test_a_cost_shows_its_class_and_its_l2_term():
    net = single_layer(Softmax)
    assert repr(CrossEntropyCost(net, l2_reg_term=0.0001)) == 'CrossEntropyCost(l2_reg_term=0.0001)'
    assert repr(QuadraticCost(net)) == 'QuadraticCost(l2_reg_term=0.0)'

    class Halved(QuadraticCost):
        pass

    cost = Halved(net, l2_reg_term=1)
    cost.l2_reg_term = 0.5
    assert repr(cost) == 'Halved(l2_reg_term=0.5)'
