"""Back-propagation against numerical derivatives, for every combination the library accepts."""
import itertools

import numpy as np
import pytest

import reference
from activation_functions import ACTIVATIONS, Softmax
from cost_functions import CrossEntropyCost, QuadraticCost
from neural_net import NetFactory

NAMES = sorted(ACTIVATIONS)
COMBINATIONS = [(hidden, output, cost) for hidden, output, cost in itertools.product(
    NAMES, NAMES, ['QuadraticCost', 'CrossEntropyCost'])
    if cost == 'QuadraticCost' or output in ('Sigmoid', 'Softmax')]


def make_problem(hidden, output, seed, sizes=(4, 5, 6, 3), n=7, summing_to_one=True):
    """A net with random parameters and a batch; Softmax targets are distributions unless ``summing_to_one``
    is False, when each row sums to anything from 0 to 3."""
    rng = np.random.default_rng(seed)
    net = NetFactory.create_neural_net(list(sizes), ACTIVATIONS[hidden], ACTIVATIONS[output])
    # Parameters drawn here, not by randomize_parameters (whose output layer starts at zero).
    net.parameters()[...] = rng.normal(0, 0.7, net.parameters().size)
    X = rng.normal(0, 1, (n, sizes[0]))
    if output == 'Softmax' and summing_to_one:
        Y = rng.dirichlet(np.ones(sizes[-1]), n)
    elif output == 'Softmax':
        Y = rng.uniform(0, 1, (n, sizes[-1]))
    elif output == 'Sigmoid':
        Y = rng.uniform(0, 1, (n, sizes[-1]))
    else:
        Y = rng.normal(0, 1, (n, sizes[-1]))
    return net, X, Y


def library_cost(cost_name, net, l2):
    return {'QuadraticCost': QuadraticCost, 'CrossEntropyCost': CrossEntropyCost}[cost_name](net, l2_reg_term=l2)


@pytest.mark.parametrize('summing_to_one', [True, False], ids=['targets sum to 1', 'targets need not'])
@pytest.mark.parametrize('hidden,output,cost_name', COMBINATIONS)
def test_gradient_matches_central_differences(hidden, output, cost_name, summing_to_one):
    net, X, Y = make_problem(hidden, output, seed=len(hidden) * 31 + len(output) * 7 + len(cost_name),
                             summing_to_one=summing_to_one)
    l2 = 0.03
    cost = library_cost(cost_name, net, l2)
    names = [f.name for f in net.activations()]

    def reference_cost():
        return reference.cost(cost_name, net.weights(), net.biases(), names, X, Y, l2)

    numerical = reference.numerical_gradient(reference_cost, net.parameters())
    analytic = cost.gradient(X, Y).copy()
    assert reference.relative_error(analytic, numerical) < 1e-6


@pytest.mark.parametrize('hidden,output,cost_name', COMBINATIONS)
def test_cost_matches_reference(hidden, output, cost_name):
    from data_source import PreloadSource
    net, X, Y = make_problem(hidden, output, seed=3)
    cost = library_cost(cost_name, net, 0.01)
    names = [f.name for f in net.activations()]
    expected = reference.cost(cost_name, net.weights(), net.biases(), names, X, Y, 0.01)
    assert cost.get_cost(PreloadSource((X, Y))) == pytest.approx(expected, rel=1e-12)


def test_softmax_quadratic_uses_the_jacobian_not_a_minus_y():
    """With a Softmax output the quadratic cost's delta is J^T (a - y); a - y alone would differ."""
    net, X, Y = make_problem('Sigmoid', 'Softmax', seed=5)
    cost = QuadraticCost(net)
    names = [f.name for f in net.activations()]
    hidden = reference.forward(net.weights()[:-1], net.biases()[:-1], names[:-1], X)
    z = hidden @ net.weights()[-1] + net.biases()[-1]
    a = reference.activation('Softmax', z)
    delta = np.empty_like(Y)
    cost.output_delta(z, a, Y, out=delta)
    jacobians = np.stack([np.diag(row) - np.outer(row, row) for row in a])
    expected = np.einsum('nkj,nk->nj', jacobians, a - Y)
    np.testing.assert_allclose(delta, expected, rtol=1e-12, atol=1e-15)
    assert not np.allclose(delta, a - Y)


def test_categorical_cross_entropy_with_targets_not_summing_to_one():
    net, X, _ = make_problem('Tanh', 'Softmax', seed=9)
    Y = np.random.default_rng(1).uniform(0, 1, (X.shape[0], 3))
    cost = CrossEntropyCost(net)

    def reference_cost():
        return reference.cost('CrossEntropyCost', net.weights(), net.biases(),
                              [f.name for f in net.activations()], X, Y, 0)

    numerical = reference.numerical_gradient(reference_cost, net.parameters())
    assert reference.relative_error(cost.gradient(X, Y).copy(), numerical) < 1e-6


@pytest.mark.parametrize('sizes', [(3, 2), (3, 4, 2), (2, 3, 3, 3, 3, 2)])
def test_gradient_for_other_depths(sizes):
    net, X, Y = make_problem('Sigmoid', 'Sigmoid', seed=11, sizes=sizes)
    cost = CrossEntropyCost(net, l2_reg_term=0.1)

    def reference_cost():
        return reference.cost('CrossEntropyCost', net.weights(), net.biases(),
                              [f.name for f in net.activations()], X, Y, 0.1)

    numerical = reference.numerical_gradient(reference_cost, net.parameters())
    assert reference.relative_error(cost.gradient(X, Y).copy(), numerical) < 1e-6


def test_float32_gradient_is_close_to_float64():
    net64, X, Y = make_problem('Rectifier', 'Softmax', seed=2)
    net32 = NetFactory.create_neural_net(net64.layer_sizes(), ACTIVATIONS['Rectifier'], Softmax, dtype=np.float32)
    net32.parameters()[...] = net64.parameters()
    g64 = CrossEntropyCost(net64, 0.01).gradient(X, Y).copy()
    g32 = CrossEntropyCost(net32, 0.01).gradient(X.astype(np.float32), Y.astype(np.float32))
    assert g32.dtype == np.float32
    assert reference.relative_error(g32.astype(np.float64), g64) < 1e-5
