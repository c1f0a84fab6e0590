"""Back-propagation against numerical derivatives, for every combination the library accepts.

Two checks of every pair of hidden and output activation with every cost: the
central differences of the independent plain implementation in
``reference.py``, and the library's public ``gradient_check``.
"""
import itertools

import numpy as np
import pytest

import reference
from activation_functions import ACTIVATIONS, LeakyRectifier, Softmax
from cost_functions import CrossEntropyCost, QuadraticCost
from feedforward_gradient_check import gradient_check
from neural_net import NetFactory

#: The library's own activations, old and new.
NAMES = ['Identity', 'LeakyRectifier', 'Rectifier', 'Sigmoid', 'Softmax', 'Softplus', 'Swish', 'Tanh']
COMBINATIONS = [(hidden, output, cost) for hidden, output, cost in itertools.product(
    NAMES, NAMES, ['QuadraticCost', 'CrossEntropyCost'])
    if cost == 'QuadraticCost' or output in ('Sigmoid', 'Softmax')]


def activation(name):
    """The activation of that name; LeakyRectifier with a slope other than the default, so that the slope counts."""
    return LeakyRectifier(slope=0.2) if name == 'LeakyRectifier' else ACTIVATIONS[name]


def make_problem(hidden, output, seed, sizes=(4, 5, 6, 3), n=7, summing_to_one=True):
    """A net with random parameters and a batch; Softmax targets are distributions unless ``summing_to_one``
    is False, when each row sums to anything from 0 to 3."""
    rng = np.random.default_rng(seed)
    net = NetFactory.create_neural_net(list(sizes), activation(hidden), activation(output))
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
    names = [reference.spec(f) for f in net.activations()]

    def reference_cost():
        return reference.cost(cost_name, net.weights(), net.biases(), names, X, Y, l2)

    numerical = reference.numerical_gradient(reference_cost, net.parameters())
    analytic = cost.gradient(X, Y).copy()
    assert reference.relative_error(analytic, numerical) < 1e-6


@pytest.mark.parametrize('hidden,output,cost_name', COMBINATIONS)
@pytest.mark.parametrize('dtype', [np.float64, np.float32])
def test_the_public_gradient_check_passes(hidden, output, cost_name, dtype):
    net, X, Y = make_problem(hidden, output, seed=len(hidden) * 13 + len(output) * 5 + len(cost_name))
    if dtype == np.float32:
        # The check runs in float64 on a copy of any net: a float32 net is checked as precisely.
        net32 = NetFactory.create_neural_net(net.layer_sizes(), activation(hidden), activation(output), np.float32)
        net32.parameters()[...] = net.parameters()
        net = net32
    kept = net.parameters().copy()
    result = gradient_check(library_cost(cost_name, net, 0.03), X, Y)
    assert result.passed, str(result)
    assert max(result.errors) < 1e-6 and result.checked == result.parameters == [25, 36, 21]
    np.testing.assert_array_equal(net.parameters(), kept)     # the net is not touched


@pytest.mark.parametrize('hidden,output,cost_name', COMBINATIONS)
def test_cost_matches_reference(hidden, output, cost_name):
    from data_source import PreloadSource
    net, X, Y = make_problem(hidden, output, seed=3)
    cost = library_cost(cost_name, net, 0.01)
    names = [reference.spec(f) for f in net.activations()]
    expected = reference.cost(cost_name, net.weights(), net.biases(), names, X, Y, 0.01)
    assert cost.get_cost(PreloadSource((X, Y))) == pytest.approx(expected, rel=1e-12)


def test_softmax_quadratic_uses_the_jacobian_not_a_minus_y():
    """With a Softmax output the quadratic cost's delta is J^T (a - y); a - y alone would differ."""
    net, X, Y = make_problem('Sigmoid', 'Softmax', seed=5)
    cost = QuadraticCost(net)
    names = [reference.spec(f) for f in net.activations()]
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
                              [reference.spec(f) for f in net.activations()], X, Y, 0)

    numerical = reference.numerical_gradient(reference_cost, net.parameters())
    assert reference.relative_error(cost.gradient(X, Y).copy(), numerical) < 1e-6


@pytest.mark.parametrize('sizes', [(3, 2), (3, 4, 2), (2, 3, 3, 3, 3, 2)])
def test_gradient_for_other_depths(sizes):
    net, X, Y = make_problem('Sigmoid', 'Sigmoid', seed=11, sizes=sizes)
    cost = CrossEntropyCost(net, l2_reg_term=0.1)

    def reference_cost():
        return reference.cost('CrossEntropyCost', net.weights(), net.biases(),
                              [reference.spec(f) for f in net.activations()], X, Y, 0.1)

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


@pytest.mark.parametrize('hidden,output,cost_name', [('Tanh', 'Softmax', 'CrossEntropyCost'),
                                                     ('Rectifier', 'Sigmoid', 'CrossEntropyCost'),
                                                     ('Sigmoid', 'Identity', 'QuadraticCost'),
                                                     ('Swish', 'Softmax', 'QuadraticCost')])
def test_the_gradient_with_sample_weights_matches_central_differences(hidden, output, cost_name):
    """With sample weights w the cost is (1 / sum w) (sum_i w_i loss_i + (lambda n / 2) sum W^2), scikit-learn's MLP's
    weighted cost with alpha = lambda n; back-propagation and the public gradient check agree with it."""
    net, X, Y = make_problem(hidden, output, seed=17)
    weights = np.random.default_rng(3).uniform(0, 3, len(X))
    weights[1] = 0.0
    cost = library_cost(cost_name, net, 0.04)
    names = [reference.spec(f) for f in net.activations()]

    def reference_cost():
        return reference.cost(cost_name, net.weights(), net.biases(), names, X, Y, 0.04, sample_weights=weights)

    numerical = reference.numerical_gradient(reference_cost, net.parameters())
    analytic = cost.gradient(X, Y, sample_weights=weights).copy()
    assert reference.relative_error(analytic, numerical) < 1e-6
    assert not np.allclose(analytic, cost.gradient(X, Y))          # the weights count
    # Every weight 2.5: the mean loss, and the L2 term over 2.5 (scikit-learn's alpha / (2 S)).
    same = cost.gradient(X, Y, sample_weights=np.full(len(X), 2.5)).copy()
    np.testing.assert_allclose(same, library_cost(cost_name, net, 0.04 / 2.5).gradient(X, Y), rtol=1e-12, atol=1e-15)
    result = gradient_check(cost, X, Y, sample_weights=weights)
    assert result.passed and max(result.errors) < 1e-6, str(result)
    from data_source import PreloadSource
    assert cost.get_cost(PreloadSource((X, Y), sample_weights=weights)) == pytest.approx(reference_cost(), rel=1e-12)
