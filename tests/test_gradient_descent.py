import numpy as np
import pytest

import gradient_descent
import reference
from activation_functions import Identity, Rectifier, Sigmoid, Softmax, Tanh
from cost_functions import CrossEntropyCost, QuadraticCost
from data_source import PreloadSource
from gradient_descent import GradientDescent, StochasticGradientDescent, TrainingDivergedError
from neural_net import NetFactory

DEFAULT_LAYERWISE_MIN_PARAMETERS = gradient_descent.LAYERWISE_MIN_PARAMETERS


# Every test here runs twice: with the whole step taken at once, and with layer-by-layer updates.
pytestmark = pytest.mark.usefixtures('both_update_paths')


def problem(n=10, seed=0, hidden=Tanh, output=Softmax):
    rng = np.random.default_rng(seed)
    net = NetFactory.create_neural_net([3, 4, 2], hidden, output)
    net.parameters()[...] = rng.normal(0, 0.5, net.parameters().size)
    X = rng.normal(size=(n, 3))
    Y = np.eye(2)[rng.integers(0, 2, n)]
    return net, X, Y


def numerical_step(net, X, Y, cost_name, l2, learning_rate):
    names = [f.name for f in net.activations()]

    def cost():
        return reference.cost(cost_name, net.weights(), net.biases(), names, X, Y, l2)

    return learning_rate * reference.numerical_gradient(cost, net.parameters())


@pytest.mark.parametrize('cost_class', [QuadraticCost, CrossEntropyCost])
def test_full_batch_step_is_the_learning_rate_times_the_gradient(cost_class):
    net, X, Y = problem()
    before = net.parameters().copy()
    step = numerical_step(net, X, Y, cost_class.__name__, 0.05, 0.3)
    GradientDescent(net, cost_class(net, l2_reg_term=0.05), 0.3).training_epoch(PreloadSource((X, Y)))
    assert reference.relative_error(before - net.parameters(), step) < 1e-8


def test_stochastic_epoch_steps_through_a_fresh_shuffle_in_mini_batches():
    net, X, Y = problem(n=10)
    twin = NetFactory.create_neural_net([3, 4, 2], Tanh, Softmax)
    twin.parameters()[...] = net.parameters()
    # Independently: the same generator gives the same shuffle; batches of 3, 3, 3 and 1.
    rng = np.random.default_rng(5)
    for epoch in range(2):
        order = rng.permutation(10)
        for start in range(0, 10, 3):
            rows = order[start:start + 3]
            twin.parameters()[...] -= numerical_step(twin, X[rows], Y[rows], 'CrossEntropyCost', 0.01, 0.2)
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=0.01), 0.2, batch_size=3, seed=5)
    batches = []
    for epoch in range(2):
        sgd.training_epoch(PreloadSource((X, Y)), on_batch=lambda i, n: batches.append((i, n)))
    assert batches == [(0, 4), (1, 4), (2, 4), (3, 4)] * 2
    assert reference.relative_error(net.parameters(), twin.parameters()) < 1e-8


def test_same_seed_same_training_different_seed_different():
    results = []
    for seed in (1, 1, 2):
        net, X, Y = problem(n=30)
        StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=4, seed=seed).train(
            PreloadSource((X, Y)), 2)
        results.append(net.parameters().copy())
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], results[2])


def test_full_batch_over_many_examples_sums_chunks_exactly(monkeypatch):
    net, X, Y = problem(n=23)
    twin = NetFactory.create_neural_net([3, 4, 2], Tanh, Softmax)
    twin.parameters()[...] = net.parameters()
    GradientDescent(net, QuadraticCost(net, 0.1), 0.5).training_epoch(PreloadSource((X, Y)))
    monkeypatch.setattr(gradient_descent, 'FULL_BATCH_CHUNK', 5)
    GradientDescent(twin, QuadraticCost(twin, 0.1), 0.5).training_epoch(PreloadSource((X, Y)))
    np.testing.assert_allclose(twin.parameters(), net.parameters(), rtol=1e-13, atol=1e-15)


def test_float32_training_stays_float32_and_close_to_float64():
    net, X, Y = problem(n=40)
    net32 = NetFactory.create_neural_net([3, 4, 2], Tanh, Softmax, dtype=np.float32)
    net32.parameters()[...] = net.parameters()
    src = PreloadSource((X, Y))
    StochasticGradientDescent(net32, CrossEntropyCost(net32), 0.1, batch_size=8, seed=0).train(src, 2)
    StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=8, seed=0).train(src, 2)
    assert net32.parameters().dtype == np.float32
    np.testing.assert_allclose(net32.parameters(), net.parameters(), rtol=1e-4, atol=1e-5)


def test_train_returns_a_history_of_costs():
    net, X, Y = problem(n=20)
    src = PreloadSource((X, Y))
    cost = CrossEntropyCost(net)
    seen = []
    history = StochasticGradientDescent(net, cost, 0.1, batch_size=5, seed=0).train(
        src, 3, evaluation_data=src, callback=lambda epoch, h: seen.append(epoch))
    assert seen == [1, 2, 3]
    assert len(history) == 3
    assert history['training_cost'][-1] == pytest.approx(cost.get_cost(src))
    assert history['evaluation_cost'] == history['training_cost']


@pytest.mark.parametrize('learning_rate', [0, -0.1, float('nan'), float('inf'), None, '0.1', True])
def test_bad_learning_rates(learning_rate):
    net, _, _ = problem()
    with pytest.raises((TypeError, ValueError), match='learning_rate'):
        GradientDescent(net, QuadraticCost(net), learning_rate)


@pytest.mark.parametrize('batch_size', [0, -5, 2.5, None, True])
def test_bad_batch_sizes(batch_size):
    net, _, _ = problem()
    with pytest.raises((TypeError, ValueError), match='batch_size'):
        StochasticGradientDescent(net, QuadraticCost(net), 0.1, batch_size=batch_size)


def test_cost_must_belong_to_the_net():
    net, _, _ = problem()
    other, _, _ = problem()
    with pytest.raises(ValueError, match='same net'):
        GradientDescent(net, QuadraticCost(other), 0.1)
    with pytest.raises(TypeError, match='cost'):
        GradientDescent(net, 'quadratic', 0.1)


def test_data_of_the_wrong_width_changes_nothing():
    net, X, Y = problem()
    before = net.parameters().copy()
    sgd = StochasticGradientDescent(net, QuadraticCost(net), 0.1)
    with pytest.raises(ValueError, match='3 input columns'):
        sgd.training_epoch(PreloadSource((X[:, :2], Y)))
    with pytest.raises(ValueError, match='2 target columns'):
        sgd.train(PreloadSource((X, Y[:, :1])), 1)
    np.testing.assert_array_equal(net.parameters(), before)


def test_divergence_stops_training_and_keeps_finite_parameters():
    rng = np.random.default_rng(0)
    net = NetFactory.create_neural_net([3, 50, 50, 2], Rectifier, Identity)
    net.randomize_parameters(0)
    X = rng.normal(0, 10, size=(200, 3))
    Y = rng.normal(0, 10, size=(200, 2))
    sgd = StochasticGradientDescent(net, QuadraticCost(net), 10.0, batch_size=10, seed=0)
    with pytest.raises(TrainingDivergedError, match=r'epoch \d+ at batch \d+'):
        sgd.train(PreloadSource((X, Y)), 5)
    assert np.isfinite(net.parameters()).all()


def test_sigmoid_full_batch_learns_xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    Y = np.array([[0], [1], [1], [0]], float)
    net = NetFactory.create_neural_net([2, 8, 1], Sigmoid, Sigmoid)
    net.randomize_parameters(3)
    src = PreloadSource((X, Y))
    GradientDescent(net, CrossEntropyCost(net), 2.0).train(src, 2000)
    np.testing.assert_array_equal(net.feed(X) > 0.5, Y > 0.5)


@pytest.mark.parametrize('cost_class', [QuadraticCost, CrossEntropyCost])
def test_gradient_scaled_by_the_learning_rate_is_the_numerical_step(cost_class):
    # The scale rides on delta^L; the result must still be learning_rate times the true gradient, L2 term included.
    net, X, Y = problem(hidden=Sigmoid, output=Sigmoid)
    step = numerical_step(net, X, Y, cost_class.__name__, 0.05, 0.3)
    scaled = cost_class(net, l2_reg_term=0.05).gradient(X, Y, scale=0.3)
    assert reference.relative_error(scaled, step) < 1e-8


def test_mini_batch_step_is_the_learning_rate_times_the_batch_gradient():
    net, X, Y = problem(n=6)
    before = net.parameters().copy()
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=0.02), 0.4, batch_size=6, seed=1)
    step = numerical_step(net, X, Y, 'CrossEntropyCost', 0.02, 0.4)  # one batch of every example: order is moot
    sgd.training_epoch(PreloadSource((X, Y)))
    assert reference.relative_error(before - net.parameters(), step) < 1e-8


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_a_step_of_huge_finite_values_is_taken_though_its_squares_overflow(dtype):
    # The finiteness check is a dot product of the step with itself; when that overflows, each element decides.
    net = NetFactory.create_neural_net([1, 1], Identity, Identity, dtype=dtype)
    gd = GradientDescent(net, QuadraticCost(net), 1.0)
    huge = np.sqrt(np.finfo(dtype).max) * 4
    step = np.array([huge, -huge], dtype)
    with np.errstate(over='ignore'):
        gd._take_step(step.copy(), 0)
    np.testing.assert_array_equal(net.parameters(), -step)
    with pytest.raises(TrainingDivergedError):
        gd._take_step(np.array([np.inf, 0.0], dtype), 0)
    with pytest.raises(TrainingDivergedError):
        gd._take_step(np.array([np.nan, 0.0], dtype), 0)


def step_and_bound(net, X, Y, l2, rate):
    """The exact step on the batch (from the whole gradient) and the bound the layer-by-layer update uses."""
    cost = CrossEntropyCost(net, l2_reg_term=l2)
    gd = GradientDescent(net, cost, rate)
    gd._measure_parameter_bound()
    step = cost.gradient(X, Y, scale=rate).copy()
    workspace = cost.output_error(X, Y, scale=rate)
    net.backpropagate(workspace)
    return step, gd._step_length_bound(workspace, X), gd._parameter_bound


def test_the_step_length_bound_is_exact_for_one_example():
    # With one example each layer's step is the outer product a^T delta (and delta for the biases), whose norm is
    # exactly ||a|| ||delta||: the bound, before its factor 2 for rounding, is the step's length itself.
    net = NetFactory.create_neural_net([5, 7, 6, 3], Tanh, Softmax)
    net.parameters()[...] = np.random.default_rng(1).normal(0, 0.7, net.parameters().size)
    X = np.random.default_rng(2).normal(size=(1, 5))
    Y = np.eye(3)[[2]]
    step, bound, _ = step_and_bound(net, X, Y, l2=0.0, rate=0.3)
    assert bound / 2 == pytest.approx(float(np.linalg.norm(step)), rel=1e-12)


@pytest.mark.parametrize('l2', [0.1, 100.0])
@pytest.mark.parametrize('seed', range(5))
def test_the_step_length_bound_holds_for_batches_with_l2(seed, l2):
    rng = np.random.default_rng(seed)
    net = NetFactory.create_neural_net([4, 9, 5, 3], Rectifier, Softmax)
    net.parameters()[...] = rng.normal(0, 1.0, net.parameters().size)
    X = rng.normal(size=(int(rng.integers(2, 40)), 4))
    Y = np.eye(3)[rng.integers(0, 3, len(X))]
    step, bound, parameter_bound = step_and_bound(net, X, Y, l2=l2, rate=0.5)
    assert parameter_bound >= float(np.abs(net.parameters()).max())
    # The loss part alone is within half the bound (the 2 is for rounding); the L2 part within the rest.
    decay = 0.5 * l2 * parameter_bound
    assert float(np.linalg.norm(step)) <= (bound - decay) / 2 + decay


def layer_by_layer_only(monkeypatch, sgd):
    """Make ``sgd`` step layer by layer, and fail if it ever takes the whole-step way instead."""
    monkeypatch.setattr(gradient_descent, 'LAYERWISE_MIN_PARAMETERS', 0)

    def refuse(step, batch_index):
        raise AssertionError('the whole step was taken')
    monkeypatch.setattr(sgd, '_take_step', refuse)


def test_a_step_the_bound_cannot_vouch_for_is_checked_whole_and_taken_the_same(monkeypatch):
    # When the bound fails (here: forced to), the step is formed whole and checked element by element.
    monkeypatch.setattr(gradient_descent, 'LAYERWISE_MIN_PARAMETERS', 0)
    checked = []

    def train(force_check):
        net, X, Y = problem(n=12)
        sgd = StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=0.01), 0.3, batch_size=5, seed=2)
        if force_check:
            monkeypatch.setattr(sgd, '_step_length_bound', lambda workspace, X: np.inf)
            take_step = sgd._take_step
            monkeypatch.setattr(sgd, '_take_step', lambda step, i: checked.append(i) or take_step(step, i))
        sgd.train(PreloadSource((X, Y)), 3)
        return net.parameters()

    np.testing.assert_array_equal(train(True), train(False))
    assert checked == [0, 1, 2] * 3


@pytest.mark.parametrize('l2', [0.0, 0.05])
def test_layer_by_layer_and_whole_steps_agree_to_the_bit(monkeypatch, l2):
    results = []
    for threshold in (1 << 62, 0):
        monkeypatch.setattr(gradient_descent, 'LAYERWISE_MIN_PARAMETERS', threshold)
        rng = np.random.default_rng(4)
        net = NetFactory.create_neural_net([6, 8, 7, 3], Rectifier, Softmax, dtype=np.float32)
        net.randomize_parameters(1)
        X = rng.normal(size=(40, 6)).astype(np.float32)
        Y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 40)]
        sgd = StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=l2), 0.2, batch_size=8, seed=3)
        if threshold == 0:
            layer_by_layer_only(monkeypatch, sgd)
        sgd.train(PreloadSource((X, Y)), 4)
        results.append(net.parameters().copy())
    np.testing.assert_array_equal(results[0], results[1])


@pytest.mark.parametrize('l2', [0.0, 0.5, 3.0])
def test_the_parameter_bound_stays_above_the_parameters_length_after_every_layer_by_layer_step(monkeypatch, l2):
    # rate lambda of 0, 0.5 and 3: the L2 decay shrinks the weights, or flips and grows them.
    net, X, Y = problem(n=30)
    sgd = StochasticGradientDescent(net, QuadraticCost(net, l2_reg_term=l2), 1.0, batch_size=3, seed=0)
    layer_by_layer_only(monkeypatch, sgd)
    lengths = []

    def check(batch_index, n_batches):
        lengths.append(float(np.linalg.norm(net.parameters())))
        assert sgd._parameter_bound >= lengths[-1]

    with np.errstate(over='ignore'):
        for _ in range(3):
            sgd.training_epoch(PreloadSource((X, Y)), on_batch=check)
    assert len(lengths) == 30


def test_no_bound_is_claimed_for_arrays_too_long_for_its_rounding_argument():
    # The rounding argument needs N u <= 0.1 for the N elements of every array: N <= 1,677,721 in float32.
    def bound_for(n):
        net = NetFactory.create_neural_net([1, 1], Identity, Identity, dtype=np.float32)
        cost = QuadraticCost(net)
        X = np.ones((n, 1), np.float32)
        workspace = cost.output_error(X, np.zeros((n, 1), np.float32), scale=0.1)
        net.backpropagate(workspace)
        gd = GradientDescent(net, cost, 0.1)
        gd._measure_parameter_bound()
        return gd._step_length_bound(workspace, X)

    assert np.isfinite(bound_for(1_677_000))
    assert bound_for(1_678_000) == np.inf


def test_a_wide_net_steps_layer_by_layer_to_the_whole_gradient_step(monkeypatch):
    # A net past the default LAYERWISE_MIN_PARAMETERS, whatever the fixture set.
    monkeypatch.setattr(gradient_descent, 'LAYERWISE_MIN_PARAMETERS', DEFAULT_LAYERWISE_MIN_PARAMETERS)
    rng = np.random.default_rng(3)
    net = NetFactory.create_neural_net([300, 450, 3], Tanh, Softmax)
    assert net.parameters().size >= DEFAULT_LAYERWISE_MIN_PARAMETERS
    net.parameters()[...] = rng.normal(0, 0.05, net.parameters().size)
    X = rng.normal(size=(4, 300))
    Y = np.eye(3)[rng.integers(0, 3, 4)]
    cost = CrossEntropyCost(net, l2_reg_term=0.02)
    expected = net.parameters() - cost.gradient(X, Y, scale=0.2)
    sgd = StochasticGradientDescent(net, cost, 0.2, batch_size=4, seed=0)

    def refuse(step, batch_index):
        raise AssertionError('the whole step was taken')
    monkeypatch.setattr(sgd, '_take_step', refuse)
    sgd.training_epoch(PreloadSource((X, Y)))
    # The batch is a shuffle of X: its sums run in another order, so agreement is to rounding.
    np.testing.assert_allclose(net.parameters(), expected, rtol=1e-12, atol=1e-15)
