import numpy as np
import pytest

import feedforward_training
import reference
from activation_functions import Identity, Rectifier, Sigmoid, Softmax, Tanh
from cost_functions import CrossEntropyCost, QuadraticCost
from data_source import DataSource, PreloadSource, validation_split
from gradient_descent import GradientDescent, StochasticGradientDescent, TrainingDivergedError
from neural_net import NetFactory


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
    monkeypatch.setattr(feedforward_training, 'FULL_BATCH_CHUNK', 5)
    GradientDescent(twin, QuadraticCost(twin, 0.1), 0.5).training_epoch(PreloadSource((X, Y)))
    np.testing.assert_allclose(twin.parameters(), net.parameters(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize('chunk', [None, 5])
def test_whole_number_sample_weights_train_as_repeated_examples(chunk, monkeypatch):
    """Full-batch steps on examples of weight k are those on the examples repeated k times (0: left out), whether
    the gradient is summed in one piece or in chunks; so are the costs the run measures."""
    net, X, Y = problem(n=23)
    counts = np.random.default_rng(2).integers(0, 4, len(X))
    twin = NetFactory.create_neural_net([3, 4, 2], Tanh, Softmax)
    twin.parameters()[...] = net.parameters()
    repeated = PreloadSource((np.repeat(X, counts, axis=0), np.repeat(Y, counts, axis=0)))
    expected = GradientDescent(twin, CrossEntropyCost(twin, 0.1 / counts.sum()), 0.5).train(
        repeated, 3, evaluation_data=repeated, measure_training='batches')
    if chunk is not None:
        monkeypatch.setattr(feedforward_training, 'FULL_BATCH_CHUNK', chunk)
    weighted = PreloadSource((X, Y), sample_weights=counts)
    # The L2 term lambda n of a batch of n examples is that of the repeated batch: lambda = 0.1 / 23.
    history = GradientDescent(net, CrossEntropyCost(net, 0.1 / len(X)), 0.5).train(
        weighted, 3, evaluation_data=weighted, measure_training='batches')
    np.testing.assert_allclose(net.parameters(), twin.parameters(), rtol=1e-12, atol=1e-14)
    for key in ('batch_cost', 'evaluation_cost'):
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-12)


def test_mini_batches_with_sample_weights():
    """Unit weights change nothing; each mini-batch's step follows its own weights (checked against central
    differences of the weighted cost of the batch); a batch whose examples all weigh 0 takes no step."""
    net, X, Y = problem(n=10)
    weights = np.array([1, 0.5, 0, 0, 0, 2, 3, 1, 1, 0.25])      # the second batch, examples 3, 2 and 4, weighs 0
    twin = NetFactory.create_neural_net([3, 4, 2], Tanh, Softmax)
    twin.parameters()[...] = net.parameters()
    names = [f.name for f in twin.activations()]
    costs = []
    order = np.random.default_rng(5).permutation(10)        # the trainer's shuffle: the same generator
    for start in range(0, 10, 3):
        rows = order[start:start + 3]
        if not weights[rows].any():
            continue

        def cost():
            return reference.cost('CrossEntropyCost', twin.weights(), twin.biases(), names, X[rows], Y[rows], 0.01,
                                  sample_weights=weights[rows])
        costs.append((cost() * len(rows), len(rows)))
        twin.parameters()[...] -= 0.2 * reference.numerical_gradient(cost, twin.parameters())
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=0.01), 0.2, batch_size=3, seed=5)
    history = sgd.train(PreloadSource((X, Y), sample_weights=weights), 1, measure_training='batches')
    assert reference.relative_error(net.parameters(), twin.parameters()) < 1e-8
    assert history['batch_cost'][0] == pytest.approx(sum(c for c, _ in costs) / sum(n for _, n in costs), rel=1e-8)
    plain, ones = problem(n=10)[0], problem(n=10)[0]
    for each, source in ((plain, PreloadSource((X, Y))), (ones, PreloadSource((X, Y), sample_weights=np.ones(10)))):
        StochasticGradientDescent(each, CrossEntropyCost(each, 0.01), 0.2, batch_size=3, seed=5).train(source, 2)
    np.testing.assert_allclose(ones.parameters(), plain.parameters(), rtol=1e-13, atol=1e-15)


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
        src, 3, evaluation_data=src, callback=lambda epoch, h: seen.append(epoch), measure_training=True)
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
def test_a_huge_finite_step_is_taken_and_one_that_overflows_returns_the_net_to_the_epochs_start(dtype):
    # One Identity unit, quadratic cost, x = 1: the step on (w, b) is rate * (w + b - y) for both.
    huge = float(np.finfo(dtype).max) / 4
    net = NetFactory.create_neural_net([1, 1], Identity, Identity, dtype=dtype)
    gd = GradientDescent(net, QuadraticCost(net), 1.0)
    gd.training_epoch(PreloadSource((np.ones((1, 1)), np.full((1, 1), huge)), dtype=dtype))
    np.testing.assert_array_equal(net.parameters(), np.array([huge, huge], dtype))  # finite: taken
    start = net.parameters().copy()
    # Now w + b - y = 2 huge + 3 huge overflows: the step is infinite.
    with pytest.raises(TrainingDivergedError, match='epoch 2 at batch 1') as caught:
        gd.training_epoch(PreloadSource((np.ones((1, 1)), np.full((1, 1), -3 * huge)), dtype=dtype))
    assert (caught.value.epoch, caught.value.batch) == (2, 1)
    np.testing.assert_array_equal(net.parameters(), start)
    assert gd.epochs_done == 1


def test_divergence_in_the_middle_of_an_epoch_returns_the_net_to_the_epochs_start():
    net, X, Y = problem(n=40, hidden=Rectifier, output=Identity)
    sgd = StochasticGradientDescent(net, QuadraticCost(net), 0.01, batch_size=5, seed=0)
    src = PreloadSource((X, Y))
    sgd.training_epoch(src)
    start = net.parameters().copy()
    steps = []

    def poison_after_the_third_step(batch_index, n_batches):
        steps.append(batch_index)
        if batch_index == 2:
            net.weights()[0][0, 0] = np.inf   # something outside training breaks the net mid-epoch
    with pytest.raises(TrainingDivergedError, match=r'epoch 2 at batch 4\b.*start of epoch 2'):
        sgd.training_epoch(src, on_batch=poison_after_the_third_step)
    assert steps == [0, 1, 2]
    np.testing.assert_array_equal(net.parameters(), start)


@pytest.mark.parametrize('poison', [np.nan, np.inf])
def test_parameters_that_are_not_finite_before_training_are_refused_as_such(poison):
    net, X, Y = problem(n=10)
    net.biases()[0][1] = poison
    before = net.parameters().copy()
    sgd = StochasticGradientDescent(net, QuadraticCost(net), 0.1, batch_size=5, seed=0)
    state = sgd.rng.bit_generator.state
    for run in (lambda: sgd.train(PreloadSource((X, Y)), 2), lambda: sgd.training_epoch(PreloadSource((X, Y)))):
        with pytest.raises(ValueError, match=r'finite before epoch 1, got NaN or infinity in 1 of them') as caught:
            run()
        assert 'learning rate' not in str(caught.value)
    np.testing.assert_array_equal(net.parameters(), before)
    assert sgd.rng.bit_generator.state == state and sgd.epochs_done == 0


@pytest.mark.parametrize('setting,value', [('learning_rate', 0), ('learning_rate', -1.0), ('learning_rate', 'fast'),
                                           ('batch_size', 0), ('batch_size', 2.5)])
def test_settings_are_checked_whenever_they_change(setting, value):
    net, _, _ = problem()
    sgd = StochasticGradientDescent(net, QuadraticCost(net), 0.1, batch_size=4)
    with pytest.raises((TypeError, ValueError), match=setting):
        setattr(sgd, setting, value)
    assert (sgd.learning_rate, sgd.batch_size) == (0.1, 4)
    cost = QuadraticCost(net, 0.5)
    with pytest.raises(ValueError, match='l2_reg_term'):
        cost.l2_reg_term = -1
    assert cost.l2_reg_term == 0.5


@pytest.mark.parametrize('seed', ['abc', 1.5, -1, [1, 2]])
def test_bad_seeds_get_the_librarys_message(seed):
    net, _, _ = problem()
    with pytest.raises((TypeError, ValueError), match='expected seed to be None, an integer >= 0 or a numpy'):
        StochasticGradientDescent(net, QuadraticCost(net), 0.1, seed=seed)
    with pytest.raises((TypeError, ValueError), match='expected seed to be None, an integer >= 0 or a numpy'):
        net.randomize_parameters(seed)


def test_a_source_of_ones_own_may_give_its_weights_as_a_list_and_trains_as_a_weighted_preload_source():
    """What a source's sample_weights() returns is checked where it is used, however it comes: a list of numbers
    weighs the examples in the steps, the split's parts and the costs as the same weights in a PreloadSource."""
    net, X, Y = problem(n=10)
    weights = [1, 0.5, 0, 0, 0, 2, 3, 1, 1, 0.25]

    class Listed(DataSource):
        def number_of_examples(self):
            return len(X)

        def get_examples(self, index_from=0, index_to=None):
            return X[index_from:index_to], Y[index_from:index_to]

        def sample_weights(self):
            return list(weights)

    twin = NetFactory.create_neural_net([3, 4, 2], Tanh, Softmax)
    twin.parameters()[...] = net.parameters()
    runs = []
    for each, source in ((net, Listed()), (twin, PreloadSource((X, Y), sample_weights=np.array(weights)))):
        training, validation = validation_split(source, 0.3, seed=1)
        sgd = StochasticGradientDescent(each, CrossEntropyCost(each, 0.01), 0.2, batch_size=3, seed=5)
        runs.append((sgd.train(training, 2, evaluation_data=validation, measure_training=True),
                     GradientDescent(each, CrossEntropyCost(each, 0.01), 0.2).train(source, 1)))
    np.testing.assert_array_equal(net.parameters(), twin.parameters())
    for key in ('training_cost', 'evaluation_cost'):
        assert runs[0][0][key] == runs[1][0][key]
