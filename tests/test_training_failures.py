"""Training that goes wrong stops with a clear error and undoes its epoch; bad data is refused early."""
import warnings

import numpy as np
import pytest

from activation_functions import Identity, Rectifier, Sigmoid, Softmax, Tanh
from cost_functions import CrossEntropyCost, QuadraticCost, accuracy
from data_source import DataSource, PreloadSource
from gradient_descent import GradientDescent, StochasticGradientDescent, TrainingDivergedError
from neural_net import NetFactory


def regression_problem(dtype=np.float64, n=200, seed=0):
    rng = np.random.default_rng(seed)
    net = NetFactory.create_neural_net([3, 20, 2], Rectifier, Identity, dtype=dtype)
    net.randomize_parameters(seed)
    X = rng.normal(0, 10, size=(n, 3))
    Y = rng.normal(0, 10, size=(n, 2))
    return net, PreloadSource((X, Y))


class StepRecorder:
    """Keeps a copy of the parameters after every step, to compare with what the net keeps."""

    def __init__(self, net):
        self.net = net
        self.after = [net.parameters().copy()]

    def at_start_of_epoch(self, epoch, n_batches):
        return self.after[(epoch - 1) * n_batches]

    def __call__(self, batch_index, n_batches):
        self.after.append(self.net.parameters().copy())


def train_until_it_fails(trainer, src, recorder, max_epochs=50):
    with warnings.catch_warnings():
        warnings.simplefilter('error')          # no overflow warning may stand in for the error
        with pytest.raises(TrainingDivergedError) as caught:
            for _ in range(max_epochs):
                trainer.training_epoch(src, on_batch=recorder)
    return caught.value


@pytest.mark.parametrize('dtype', [np.float64, np.float32])
def test_a_far_too_large_learning_rate_stops_with_epoch_and_batch_and_returns_to_the_epochs_start(dtype):
    net, src = regression_problem(dtype)
    recorder = StepRecorder(net)
    sgd = StochasticGradientDescent(net, QuadraticCost(net), learning_rate=10.0, batch_size=10, seed=0)
    error = train_until_it_fails(sgd, src, recorder)
    n_batches = 20
    steps_taken = len(recorder.after) - 1
    # The refused step is the one after the last recorded one: epoch and batch follow from the count.
    assert (error.epoch, error.batch) == (steps_taken // n_batches + 1, steps_taken % n_batches + 1)
    assert 'epoch {} at batch {}'.format(error.epoch, error.batch) in str(error)
    assert 'learning rate' in str(error)
    assert np.isfinite(net.parameters()).all()
    np.testing.assert_array_equal(net.parameters(), recorder.at_start_of_epoch(error.epoch, n_batches))
    assert net.parameters().dtype == dtype


def test_a_step_that_overflows_a_parameter_is_refused_and_the_parameter_kept():
    # a = w x + b with w = 0, b = 1e308; for the target y = 1.79e308 the gradient of 1/2 (a - y)^2 with
    # respect to b is a - y = -0.79e308, finite; a step of learning rate 2 would make b = 2.58e308 = inf.
    # Full-batch descent used to finish the epoch with b = inf and no error at all.
    net = NetFactory.create_neural_net([1, 1], Identity, Identity)
    net.biases()[0][0] = 1e308
    src = PreloadSource((np.array([[1.0]]), np.array([[1.79e308]])))
    gd = GradientDescent(net, QuadraticCost(net), learning_rate=2.0)
    before = net.parameters().copy()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with pytest.raises(TrainingDivergedError, match='epoch 1 at batch 1') as caught:
            gd.training_epoch(src)
    assert (caught.value.epoch, caught.value.batch) == (1, 1)
    np.testing.assert_array_equal(net.parameters(), before)
    assert gd.epochs_done == 0


def test_an_infinite_parameter_cannot_hide_behind_a_saturated_sigmoid():
    # With a Sigmoid output and the quadratic cost, an infinite output bias gives sigma = 1 and zero
    # gradients: every step was finite, training went on with b = inf, and saving the net failed later.
    net = NetFactory.create_neural_net([1, 3, 1], Tanh, Sigmoid)
    net.randomize_parameters(0)
    start = net.parameters().copy()
    src = PreloadSource((np.linspace(-1, 1, 8).reshape(-1, 1), np.linspace(0, 1, 8).reshape(-1, 1)))
    sgd = StochasticGradientDescent(net, QuadraticCost(net), learning_rate=0.5, batch_size=2, seed=0)

    def poison(batch_index, n_batches):
        if batch_index == 1:
            net.biases()[-1][0] = np.inf

    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with pytest.raises(TrainingDivergedError, match='epoch 1 at batch 3') as caught:
            sgd.training_epoch(src, on_batch=poison)
    assert caught.value.batch == 3
    np.testing.assert_array_equal(net.parameters(), start)


def test_a_parameter_poisoned_during_an_epoch_stops_training_and_the_epoch_start_is_restored():
    net, src = regression_problem()
    start = net.parameters().copy()
    sgd = StochasticGradientDescent(net, QuadraticCost(net), learning_rate=1e-4, batch_size=10, seed=0)

    def poison(batch_index, n_batches):
        if batch_index == 2:
            net.weights()[0][1, 3] = np.nan

    with pytest.raises(TrainingDivergedError, match='epoch 1 at batch 4.*back at its parameters from the start of '
                                                    'epoch 1') as caught:
        sgd.training_epoch(src, on_batch=poison)
    assert (caught.value.epoch, caught.value.batch) == (1, 4)
    np.testing.assert_array_equal(net.parameters(), start)


def test_a_net_poisoned_before_training_is_not_trained_and_the_error_says_so():
    net, src = regression_problem()
    net.biases()[1][0] = np.inf
    before = net.parameters().copy()
    sgd = StochasticGradientDescent(net, QuadraticCost(net), learning_rate=1e-4, batch_size=10, seed=0)
    with pytest.raises(ValueError, match='finite before epoch 1, got NaN or infinity in 1 of them.*set outside '
                                         'training') as caught:
        sgd.training_epoch(src)
    assert not isinstance(caught.value, TrainingDivergedError)
    np.testing.assert_array_equal(net.parameters(), before)


def test_an_infinite_cost_after_an_epoch_stops_train_naming_the_epoch():
    # Targets of 1e160: each step is finite (learning rate 1e-170 times a gradient near 1e160),
    # but the quadratic cost 1/2 (a - y)^2 = 5e319 overflows.
    net = NetFactory.create_neural_net([1, 1], Identity, Identity)
    src = PreloadSource((np.array([[1.0], [2.0]]), np.array([[1e160], [2e160]])))
    sgd = StochasticGradientDescent(net, QuadraticCost(net), learning_rate=1e-170, batch_size=1, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(TrainingDivergedError, match='after the last batch of epoch 1 the training cost is inf') \
                as caught:
            sgd.train(src, 3, measure_training=True)
    assert (caught.value.epoch, caught.value.batch) == (1, None)
    assert np.isfinite(net.parameters()).all()


def test_cross_entropy_training_with_a_huge_rate_also_stops_cleanly():
    rng = np.random.default_rng(3)
    net = NetFactory.create_neural_net([4, 16, 3], Tanh, Softmax)
    net.randomize_parameters(3)
    X = rng.normal(0, 1e3, size=(60, 4))
    Y = np.eye(3)[rng.integers(0, 3, 60)]
    recorder = StepRecorder(net)
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), learning_rate=1e306, batch_size=6, seed=1)
    error = train_until_it_fails(sgd, PreloadSource((X, Y)), recorder)
    np.testing.assert_array_equal(net.parameters(), recorder.at_start_of_epoch(error.epoch, 10))


# ----- data sources refuse bad data when they are made --------------------

ONE = np.array([[1.0]])


@pytest.mark.parametrize('examples,kwargs,error,message', [
    ((np.array([[1.0, np.nan]]), ONE), {}, ValueError, r'finite numbers in X, got nan at example 0, column 1'),
    (([[1.0], [float('inf')]], [[1.0], [2.0]]), {}, ValueError, 'finite numbers in X, got inf at example 1'),
    ((ONE, np.array([[-np.inf]])), {}, ValueError, 'finite numbers in Y, got -inf'),
    # Finite in float64 but not in the dtype asked for: the cast used to warn and leave inf behind.
    ((np.array([[1e39]]), ONE), {'dtype': np.float32}, ValueError, 'fit in float32 in X, got 1e\\+39'),
    ((np.array([[1.0], [2.0]], dtype=object), [[1], [2]]), {}, TypeError, 'dtype object'),
    (([[1.0], [None]], [[1], [2]]), {}, TypeError, 'dtype object'),
    (([['a'], ['b']], [[1], [2]]), {}, TypeError, 'hold numbers'),
    (([[1.0, 2.0], [3.0]], [[1], [2]]), {}, ValueError, 'same shape'),
    # A ragged nesting used to let NumPy's own "inhomogeneous shape" message through.
    (([[1, [2]], [3, 4]], [[1], [2]]), {}, ValueError, 'flat sequence of numbers'),
    ((np.zeros((3, 1)), np.zeros((2, 1))), {}, ValueError, r'3 inputs \(X\) and 2 targets \(Y\)'),
    (([[1.0]] * 3, [[1.0]] * 4), {}, ValueError, r'3 inputs \(X\) and 4 targets \(Y\)'),
    ((np.zeros((2, 0)), np.zeros((2, 1))), {}, ValueError, 'at least one column in X'),
])
def test_data_sources_refuse_bad_data_when_made(examples, kwargs, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with pytest.raises(error, match=message):
            PreloadSource(examples, **kwargs)


class RowsSource(DataSource):
    """A data source of the user's own, with nothing but the two methods the interface asks for."""

    def __init__(self, X, Y):
        self.X, self.Y = X, Y

    def number_of_examples(self):
        return len(self.X)

    def get_examples(self, index_from=0, index_to=None):
        return self.X[index_from:index_to], self.Y[index_from:index_to]


@pytest.mark.parametrize('make_source', [lambda X, Y: PreloadSource((X, Y)), RowsSource], ids=['preload', 'own'])
@pytest.mark.parametrize('use', [
    lambda net, src: StochasticGradientDescent(net, QuadraticCost(net), 0.1, batch_size=1, seed=0).training_epoch(src),
    lambda net, src: GradientDescent(net, QuadraticCost(net), 0.1).training_epoch(src),
    lambda net, src: GradientDescent(net, QuadraticCost(net), 0.1).train(src, 1),
    lambda net, src: QuadraticCost(net).get_cost(src),
    lambda net, src: accuracy(net, src),
], ids=['sgd', 'full batch', 'train', 'get_cost', 'accuracy'])
def test_data_too_large_for_a_float32_net_is_refused_before_any_step(make_source, use):
    # Finite in float64, so the source takes it; 1e39 is too large for float32, which every route must refuse.
    src = make_source(np.array([[1.0], [1e39]]), np.ones((2, 1)))
    net = NetFactory.create_neural_net([1, 1], Identity, Identity, dtype=np.float32)
    before = net.parameters().copy()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with pytest.raises(ValueError, match='fit in float32 in X, got 1e\\+39 at example 1'):
            use(net, src)
    np.testing.assert_array_equal(net.parameters(), before)


# ----- what a new user got wrong, refused clearly and before any work -------------

def small_classifier(dtype=np.float64):
    net = NetFactory.create_neural_net([4, 6, 3], Rectifier, Softmax, dtype=dtype)
    net.randomize_parameters(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    return net, X, np.eye(3)[rng.integers(0, 3, 40)]


@pytest.mark.parametrize('make_source', [lambda X, Y: PreloadSource((X, Y)), RowsSource], ids=['preload', 'own'])
def test_bad_evaluation_data_is_refused_before_the_first_epoch(make_source):
    net, X, Y = small_classifier(np.float32)
    bad = X.copy()
    bad[19, 3] = 1e39
    before = net.parameters().copy()
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=8, seed=0)
    with pytest.raises(ValueError, match=r'got 1e\+39 at example 19, column 3'):
        sgd.train(PreloadSource((X, Y)), 5, evaluation_data=make_source(bad, Y))
    np.testing.assert_array_equal(net.parameters(), before)
    assert sgd.epochs_done == 0 and len(sgd.history) == 0


@pytest.mark.parametrize('run', [
    lambda cost, X, Y: cost.get_cost(PreloadSource((X, 5 * Y))),
    lambda cost, X, Y: cost.gradient(X, 5 * Y),
    lambda cost, X, Y: StochasticGradientDescent(cost.neural_net, cost, 0.1, seed=0).train(PreloadSource((X, -Y)), 1),
    lambda cost, X, Y: GradientDescent(cost.neural_net, cost, 0.1).training_epoch(PreloadSource((X, 5 * Y))),
], ids=['get_cost', 'gradient', 'train', 'training_epoch'])
def test_cross_entropy_refuses_targets_outside_zero_to_one(run):
    net, X, Y = small_classifier()
    before = net.parameters().copy()
    with pytest.raises(ValueError, match='expected targets from 0 to 1 for CrossEntropyCost, got values from'):
        run(CrossEntropyCost(net), X, Y)
    np.testing.assert_array_equal(net.parameters(), before)


@pytest.mark.parametrize('X,Y,error,message', [
    (np.ones((2, 5)), np.eye(3)[:2], ValueError, r'X of shape \(n, 4\) and Y of shape \(n, 3\)'),
    (np.ones((2, 4)), np.ones((2, 2)), ValueError, r'X of shape \(n, 4\) and Y of shape \(n, 3\)'),
    (np.full((2, 4), np.nan), np.eye(3)[:2], ValueError, 'finite numbers in X, got nan at example 0'),
    ('abc', np.eye(3)[:2], TypeError, 'X'),
])
def test_the_public_gradient_checks_its_batch(X, Y, error, message):
    net, _, _ = small_classifier(np.float32)
    with pytest.raises(error, match=message):
        QuadraticCost(net).gradient(X, Y)
    # Lists and another float dtype are converted, as everywhere else.
    gradient = QuadraticCost(net).gradient([[1.0, 2.0, 3.0, 4.0]], [[0.0, 1.0, 0.0]])
    assert gradient.dtype == np.float32 and gradient.shape == net.parameters().shape


class BrokenSource(DataSource):
    """Three examples, handed out by ``examples(index_from, index_to)`` however it likes."""

    def __init__(self, examples):
        self.examples = examples

    def number_of_examples(self):
        return 3

    def get_examples(self, index_from=0, index_to=None):
        return self.examples(index_from, index_to)


@pytest.mark.parametrize('source,message', [
    (BrokenSource(lambda a, b: [[1.0, 2.0, 3.0, 4.0]] * (b - a)), r'get_examples\(0, 1\) to return a pair \(X, Y\)'),
    (BrokenSource(lambda a, b: ([1.0] * (b - a), [[1.0, 0, 0]] * (b - a))), r'two 2-d arrays of 1 row'),
    (RowsSource(np.ones((3, 4)), np.eye(3)), None),
], ids=['not a pair', 'not 2-d', 'fine'])
def test_a_data_source_that_breaks_the_interface_is_told_how(source, message):
    net, _, _ = small_classifier()
    sgd = StochasticGradientDescent(net, QuadraticCost(net), 0.1, batch_size=2, seed=0)
    if message is None:
        sgd.training_epoch(source)
        return
    with pytest.raises((TypeError, ValueError), match=message):
        sgd.training_epoch(source)


def test_a_source_that_claims_more_examples_than_it_has_is_refused():
    class Claims(RowsSource):
        def number_of_examples(self):
            return 50
    net, X, Y = small_classifier()
    before = net.parameters().copy()
    for run in (lambda src: QuadraticCost(net).get_cost(src),
                lambda src: StochasticGradientDescent(net, QuadraticCost(net), 0.1, seed=0).training_epoch(src)):
        with pytest.raises(ValueError, match=r'to return \d+ examples, got \d+'):
            run(Claims(X, Y))
    np.testing.assert_array_equal(net.parameters(), before)


def test_feed_names_the_value_too_large_for_the_nets_dtype():
    net, _, _ = small_classifier(np.float32)
    x = np.ones((3, 4))
    x[2, 1] = 1e39
    with pytest.raises(ValueError, match=r'fit in float32 in x, got 1e\+39 at example 2, column 1'):
        net.feed(x)


def test_a_net_holding_nan_is_not_saved_and_the_error_names_the_file(tmp_path):
    net, _, _ = small_classifier()
    net.weights()[0][0, 0] = np.nan
    with pytest.raises(ValueError, match='cannot save the net to .*n.json: 1 of its parameters are NaN'):
        net.save(tmp_path / 'n.json')
    assert list(tmp_path.iterdir()) == []


def test_weights_cannot_be_rebound_by_mistake():
    net, _, _ = small_classifier()
    with pytest.raises(TypeError):
        net.weights()[0] = np.zeros((4, 6))   # would change nothing: write net.weights()[0][...] = ...
    net.weights()[0][...] = 0.0
    assert not net.parameters()[:24].any()


def test_a_trainer_stopped_in_the_middle_of_an_epoch_is_not_checkpointed_until_an_epoch_ends(tmp_path):
    from feedforward_checkpoint import save_checkpoint
    from gradient_descent import StopTraining
    net, X, Y = small_classifier()
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=8, seed=0)

    def stop(batch_index, n_batches):
        if batch_index == 1:
            raise StopTraining
    sgd.train(PreloadSource((X, Y)), 3, on_batch=stop)
    assert sgd.epochs_done == 0 and sgd.in_epoch
    with pytest.raises(ValueError, match='stopped in the middle of epoch 1'):
        save_checkpoint(tmp_path / 'c.json', sgd)
    sgd.training_epoch(PreloadSource((X, Y)))
    assert not sgd.in_epoch
    save_checkpoint(tmp_path / 'c.json', sgd)


def test_a_data_source_is_checked_once_where_a_run_starts_and_not_again_each_epoch(monkeypatch):
    """train checks each source (its fit to the net, every value, the targets) once, by the one function that
    training_epoch uses too; the epochs and the measurements after them do not check it again."""
    import cost_functions
    import data_source
    import feedforward_diagnostics
    net = NetFactory.create_neural_net([2, 4, 2], Tanh, Softmax)
    net.randomize_parameters(0)
    rng = np.random.default_rng(0)
    training = PreloadSource((rng.normal(size=(40, 2)), np.eye(2)[rng.integers(0, 2, 40)]))
    evaluation = PreloadSource((rng.normal(size=(10, 2)), np.eye(2)[rng.integers(0, 2, 10)]))
    checked = []
    original = data_source.check_fits
    for module in (data_source, cost_functions, feedforward_diagnostics):        # every module that calls it
        monkeypatch.setattr(module, 'check_fits', lambda source, sizes: checked.append(source) or original(source,
                                                                                                             sizes))
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=8, seed=0)
    sgd.train(training, 4, evaluation_data=evaluation, diagnostics=True, measure_training=True)
    assert checked == [training, evaluation]
    del checked[:]
    sgd.training_epoch(training)
    assert checked == [training]


def test_a_source_that_training_epoch_takes_train_takes_too():
    rng = np.random.default_rng(1)
    X, labels = rng.normal(size=(30, 2)), rng.integers(0, 2, 30)
    # Written as the original library's users wrote theirs: get_examples gives lists of 1-d arrays; 0/1 targets.
    source = RowsSource(list(X), list((labels[:, None] == 1).astype(float)))
    net = NetFactory.create_neural_net([2, 4, 1], Tanh, Sigmoid)
    net.randomize_parameters(0)
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.5, batch_size=10, seed=0)
    sgd.training_epoch(source)
    history = sgd.train(source, 2, measure_training=True)
    assert history.keys()[:4] == ['epoch', 'seconds', 'learning_rate', 'training_cost'] and \
        'training_accuracy' in history.keys()


def blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    return PreloadSource((rng.normal(size=(n, 4)) + labels[:, None], np.eye(2)[labels]))


@pytest.mark.parametrize('run', [lambda trainer, src: trainer.train(src, 2),
                                 lambda trainer, src: trainer.training_epoch(src)])
def test_a_net_never_randomized_is_refused_naming_randomize_parameters(run):
    net = NetFactory.create_neural_net([4, 6, 2], Sigmoid, Softmax)
    before = net.parameters().copy()
    trainer = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=10, seed=0)
    with pytest.raises(ValueError, match=r'hidden layer 1 to differ.*call net\.randomize_parameters\(\) before'):
        run(trainer, blobs())
    assert np.array_equal(net.parameters(), before) and trainer.epochs_done == 0
    net.randomize_parameters(seed=1)
    run(trainer, blobs())
    # With no hidden layer there is no symmetry to break: zeros are a fine start for a logistic regression.
    flat = NetFactory.create_neural_net([4, 2], Softmax, Softmax)
    run(StochasticGradientDescent(flat, CrossEntropyCost(flat), 0.1, batch_size=10, seed=0), blobs())


@pytest.mark.parametrize('keyword, function, message', [
    ('callback', lambda: None, r'expected callback to be a function of \(epoch, history\), as train calls it after '
                               r'every epoch, got .*<lambda>\(\)'),
    ('callback', lambda epoch: None, r'callback to be a function of \(epoch, history\)'),
    ('on_batch', lambda batch_index: None, r'expected on_batch to be a function of \(batch_index, n_batches\), as '
                                           r'train calls it after every step'),
    ('on_batch', 'not callable', r'expected on_batch to be a function of \(batch_index, n_batches\), got'),
])
def test_a_callback_of_the_wrong_signature_is_refused_before_any_step(keyword, function, message):
    net = NetFactory.create_neural_net([4, 6, 2], Sigmoid, Softmax)
    net.randomize_parameters(seed=0)
    before = net.parameters().copy()
    trainer = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=10, seed=0)
    with pytest.raises(TypeError, match=message):
        trainer.train(blobs(), 2, **{keyword: function})
    assert np.array_equal(net.parameters(), before) and trainer.epochs_done == 0 and len(trainer.history) == 0
    trainer.train(blobs(), 1, callback=lambda epoch, history, *more: None, on_batch=lambda *args: None)


def test_the_seed_trainers_default_to_the_learning_rate_of_the_readme_and_train_its_curve():
    x = np.arange(2.0, 11.0).reshape(-1, 1)
    curve = PreloadSource((x, x ** 2))
    for make in (lambda net, cost: GradientDescent(net, cost),
                 lambda net, cost: StochasticGradientDescent(net, cost, batch_size=3, seed=0)):
        net = NetFactory.create_neural_net([1, 30, 1], Sigmoid, Rectifier)
        net.randomize_parameters(seed=3)
        cost = QuadraticCost(net, l2_reg_term=0.0005)
        trainer = make(net, cost)
        assert trainer.learning_rate == 0.001
        first = cost.get_cost(curve)
        trainer.train(curve, 300)
        assert cost.get_cost(curve) < first / 4
