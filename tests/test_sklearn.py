"""The scikit-learn estimators: scikit-learn's own checks, its MLP as the reference for a step, and the conventions.

scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` are the independent
reference: from the same parameters, one epoch of full-batch gradient
descent (one step) must take the nets to the same place.
"""
import importlib
import pickle
import sys
import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip('sklearn', reason='the estimators need scikit-learn: pip install ".[sklearn]"')

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from activation_functions import Rectifier, Softmax, Tanh  # noqa: E402
from cost_functions import CrossEntropyCost  # noqa: E402
from data_source import PreloadSource, one_hot  # noqa: E402
from feedforward_sklearn import NeuralNetClassifier, NeuralNetRegressor  # noqa: E402
from feedforward_schedules import ExponentialDecay  # noqa: E402
from gradient_descent import Adam, StochasticGradientDescent, TrainingDivergedError  # noqa: E402
from neural_net import NetFactory  # noqa: E402


@parametrize_with_checks([NeuralNetClassifier(), NeuralNetRegressor()])
def test_scikit_learn_checks(estimator, check):
    """scikit-learn's own suite (check_estimator's checks), with default settings and no expected failures."""
    check(estimator)


def blobs(n=120, labels=(0, 1, 2), seed=0):
    X, y = make_blobs(n_samples=n, centers=len(labels), n_features=4, cluster_std=1.0, random_state=seed)
    return X, np.asarray(labels, dtype=object if isinstance(labels[0], str) else None)[y]


def smooth_targets(n=200, seed=0):
    """X (n, 3) and three smooth functions of it, (n, 3)."""
    X = np.random.default_rng(seed).uniform(-1, 1, size=(n, 3))
    Y = np.column_stack([X[:, 0] * X[:, 1], np.sin(2 * X[:, 2]), X.sum(axis=1)])
    return X, Y


# ----- one step against scikit-learn's MLP -----------------------------------------------

def classification():
    X, y = blobs(n=90)
    estimator = NeuralNetClassifier(hidden_layer_sizes=(7, 5), activation='tanh', learning_rate=0.3)
    return estimator, MLPClassifier(hidden_layer_sizes=(7, 5), activation='tanh'), X, y, 'predict_proba'


def regression():
    X, Y = smooth_targets(n=60)
    # One target: scikit-learn's squared error averages over the targets too, where the quadratic cost sums.
    estimator = NeuralNetRegressor(hidden_layer_sizes=(9,), activation='relu', learning_rate=0.05)
    return estimator, MLPRegressor(hidden_layer_sizes=(9,), activation='relu'), X, Y[:, 1], 'predict'


@pytest.mark.parametrize('l2', [0.0, 0.01])
@pytest.mark.parametrize('problem', [classification, regression])
def test_a_step_is_that_of_scikit_learns_mlp_from_the_same_parameters(problem, l2):
    """One epoch of full-batch descent (one step), ours and scikit-learn's, from the same parameters."""
    estimator, mlp, X, y, method = problem()
    n = len(X)
    estimator.set_params(l2=l2, batch_size=n, epochs=1, warm_start=True, random_state=0).fit(X, y)
    mlp.set_params(solver='sgd', batch_size=n, shuffle=False, learning_rate_init=estimator.learning_rate,
                   momentum=0.0, nesterovs_momentum=False, max_iter=1, warm_start=True, tol=0.0,
                   # scikit-learn's L2 term is alpha / (2 n_batch) sum W^2: alpha = lambda n_batch.
                   alpha=l2 * n)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', ConvergenceWarning)
        mlp.fit(X, y)  # makes its arrays; the parameters are then replaced by ours
        for coefficients, intercepts, W, b in zip(mlp.coefs_, mlp.intercepts_, estimator.net_.weights(),
                                                   estimator.net_.biases()):
            coefficients[...] = W
            intercepts[...] = b
        mlp.fit(X, y)
    before = estimator.net_.parameters().copy()
    estimator.fit(X, y)
    assert not np.allclose(estimator.net_.parameters(), before)  # a step was taken
    for ours, theirs in zip(estimator.net_.weights() + estimator.net_.biases(), mlp.coefs_ + mlp.intercepts_):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(getattr(estimator, method)(X), getattr(mlp, method)(X), rtol=1e-10)


def mlp_from(estimator, mlp, X, y):
    """``mlp`` (an MLPClassifier or MLPRegressor) set for one whole-batch SGD step per fit, unshuffled, at the
    estimator's learning rate, and holding the estimator's parameters."""
    mlp.set_params(solver='sgd', batch_size=len(X), shuffle=False, learning_rate_init=estimator.learning_rate,
                   momentum=0.0, nesterovs_momentum=False, max_iter=1, warm_start=True, tol=0.0)
    mlp_step(mlp, X, y)   # makes its arrays; the parameters are then replaced by ours
    for coefficients, intercepts, W, b in zip(mlp.coefs_, mlp.intercepts_, estimator.net_.weights(),
                                               estimator.net_.biases()):
        coefficients[...] = W
        intercepts[...] = b
    return mlp


def mlp_step(mlp, X, y, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', ConvergenceWarning)
        mlp.fit(X, y, sample_weight=sample_weight)


def assert_same_nets(estimator, mlp):
    for ours, theirs in zip(estimator.net_.weights() + estimator.net_.biases(), mlp.coefs_ + mlp.intercepts_):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)


METHODS = {
    'sgd': ({}, StochasticGradientDescent, {}),
    'nesterov': ({'momentum': 0.9, 'nesterov': True, 'dropout': 0.2}, StochasticGradientDescent,
                 {'momentum': 0.9, 'nesterov': True, 'dropout': 0.2}),
    'adam': ({'solver': 'adam', 'betas': [0.8, 0.99], 'eps': 1e-6, 'schedule': ExponentialDecay(0.9)}, Adam,
             {'betas': (0.8, 0.99), 'eps': 1e-6, 'schedule': ExponentialDecay(0.9)}),
}


@pytest.mark.parametrize('method', METHODS)
def test_fit_trains_as_the_library_does_with_the_same_settings(method):
    """The hyper-parameters reach the net, the cost and the trainer: the estimator's fit is the library's train."""
    hyper, trainer_class, settings = METHODS[method]
    X, y = blobs(n=100)
    classifier = NeuralNetClassifier(hidden_layer_sizes=(6,), activation=Tanh, learning_rate=0.2, batch_size=16,
                                     epochs=4, l2=0.003, dtype='float32', random_state=3, **hyper).fit(X, y)
    initial, shuffling = [np.random.default_rng(s) for s in np.random.SeedSequence(
        np.random.RandomState(3).randint(np.iinfo(np.int32).max)).spawn(2)]
    net = NetFactory.create_neural_net([4, 6, 3], Tanh, Softmax, dtype=np.float32)
    net.randomize_parameters(initial)
    trainer = trainer_class(net, CrossEntropyCost(net, l2_reg_term=0.003), 0.2, batch_size=16, seed=shuffling,
                            **settings)
    history = trainer.train(PreloadSource((X, one_hot(y, 3, np.float32))), 4, measure_training='batches')
    np.testing.assert_array_equal(classifier.net_.parameters(), net.parameters())
    assert classifier.loss_curve_ == history['batch_cost']
    assert [r['epoch'] for r in classifier.history_] == [1, 2, 3, 4]
    assert classifier.history_['learning_rate'] == history['learning_rate']
    if 'schedule' in hyper:
        assert hyper['schedule'].settings() == {'factor': 0.9}     # fit used a copy


def test_the_learning_rate_by_default_is_the_solvers():
    X, y = blobs()
    for solver, expected in (('sgd', 0.1), ('adam', 0.001)):
        classifier = NeuralNetClassifier(hidden_layer_sizes=(4,), epochs=1, solver=solver).fit(X, y)
        assert classifier.history_['learning_rate'] == [expected]
    regressor = NeuralNetRegressor(hidden_layer_sizes=(4,), epochs=1).fit(X, X[:, 0])
    assert regressor.history_['learning_rate'] == [0.001]


def test_early_stopping_keeps_the_best_epoch_on_a_seeded_validation_share():
    X, _ = blobs(n=200)
    y = np.random.default_rng(0).integers(0, 3, 200)      # labels of no pattern: the validation cost soon rises
    settings = dict(hidden_layer_sizes=(32,), learning_rate=0.5, epochs=60, patience=3, validation_fraction=0.25,
                    random_state=1)
    classifier = NeuralNetClassifier(**settings).fit(X, y)
    costs = classifier.history_['evaluation_cost']
    assert len(costs) < 40 and classifier.history_.best_epoch == 1 + int(np.argmin(costs))
    assert len(costs) - classifier.history_.best_epoch == 3
    # It trained on 150 examples and kept the best epoch's net: the validation cost of that net is the lowest.
    twin = NeuralNetClassifier(**settings).fit(X, y)
    np.testing.assert_array_equal(twin.net_.parameters(), classifier.net_.parameters())


def test_warm_start_keeps_the_momentum_and_partial_fit_keeps_the_schedule_going():
    X, y = blobs()
    settings = dict(hidden_layer_sizes=(6,), batch_size=10, random_state=5, momentum=0.9, learning_rate=0.05)
    whole = NeuralNetClassifier(epochs=4, **settings).fit(X, y)
    warm = NeuralNetClassifier(epochs=2, warm_start=True, **settings)
    warm.fit(X, y).fit(X, y)
    np.testing.assert_array_equal(warm.net_.parameters(), whole.net_.parameters())
    decaying = dict(settings, schedule=ExponentialDecay(0.5))
    pieces = NeuralNetClassifier(**decaying)
    pieces.partial_fit(X, y, classes=[0, 1, 2])
    for _ in range(3):
        pieces.partial_fit(X, y)
    assert pieces.history_['learning_rate'] == [0.05, 0.025, 0.0125, 0.00625]
    assert NeuralNetClassifier(epochs=4, **decaying).fit(X, y).history_['learning_rate'] == \
        pieces.history_['learning_rate']


# ----- targets --------------------------------------------------------------------------

def test_integer_and_string_labels_give_the_same_classifier():
    X, y = blobs(labels=(3, 7, 11))
    _, names = blobs(labels=('cat', 'dog', 'emu'))
    by_number = NeuralNetClassifier(hidden_layer_sizes=(10,), epochs=30, random_state=0).fit(X, y)
    by_name = NeuralNetClassifier(hidden_layer_sizes=(10,), epochs=30, random_state=0).fit(X, names)
    assert list(by_number.classes_) == [3, 7, 11] and list(by_name.classes_) == ['cat', 'dog', 'emu']
    np.testing.assert_array_equal(by_number.predict_proba(X), by_name.predict_proba(X))
    assert by_number.score(X, y) > 0.95
    predicted = by_name.predict(X)
    assert predicted.dtype == object and set(predicted) <= {'cat', 'dog', 'emu'}
    np.testing.assert_array_equal(predicted == 'dog', by_number.predict(X) == 7)
    probabilities = by_name.predict_proba(X)
    assert probabilities.shape == (len(X), 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_array_equal(by_name.classes_[probabilities.argmax(axis=1)], predicted)


def test_two_classes_have_two_probability_columns():
    X, y = blobs(labels=(False, True))
    classifier = NeuralNetClassifier(hidden_layer_sizes=(5,), epochs=20, random_state=0).fit(X, y)
    assert classifier.predict_proba(X).shape == (len(X), 2)
    assert classifier.predict(X).dtype == bool and classifier.score(X, y) > 0.9


def test_multi_output_regression():
    X, Y = smooth_targets(n=400)
    regressor = NeuralNetRegressor(hidden_layer_sizes=(50,), activation='tanh', learning_rate=0.05, epochs=200,
                                   random_state=0).fit(X, Y)
    assert regressor.predict(X).shape == (400, 3)
    assert regressor.net_.layer_sizes() == [3, 50, 3]
    assert regressor.score(X, Y) > 0.95
    single = NeuralNetRegressor(hidden_layer_sizes=(5,), epochs=2, random_state=0).fit(X, Y[:, 0])
    assert single.predict(X).shape == (400,)


def test_float32_nets_predict_float32():
    X, y = blobs()
    classifier = NeuralNetClassifier(hidden_layer_sizes=(5,), epochs=3, dtype=np.float32, random_state=0).fit(X, y)
    assert classifier.net_.dtype == np.float32 and classifier.predict_proba(X).dtype == np.float32


# ----- scikit-learn's names: max_iter, alpha, verbose -----------------------------------------

def test_max_iter_is_the_number_of_epochs_and_epochs_overrides_it():
    X, y = blobs()
    assert len(NeuralNetClassifier(hidden_layer_sizes=(4,), max_iter=3).fit(X, y).history_) == 3
    assert len(NeuralNetClassifier(hidden_layer_sizes=(4,), epochs=2).fit(X, y).history_) == 2
    assert len(NeuralNetClassifier(hidden_layer_sizes=(4,), epochs=2, max_iter=2).fit(X, y).history_) == 2
    assert NeuralNetClassifier().get_params()['max_iter'] == 100
    with pytest.raises(ValueError, match='give the number of epochs once: epochs=2 or max_iter=5, not both'):
        NeuralNetClassifier(epochs=2, max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match='expected max_iter to be a positive integer'):
        NeuralNetClassifier(max_iter=0).fit(X, y)


@pytest.mark.parametrize('sample_weight', [False, True])
@pytest.mark.parametrize('alpha', [1e-4, 0.5])
def test_alpha_is_scikit_learns_alpha(alpha, sample_weight):
    """alpha is MLPClassifier's: a step and the loss from the same parameters are MLPClassifier's, for a whole batch,
    with sample weights or without."""
    X, y = blobs(n=90)
    weights = np.random.default_rng(4).uniform(0, 3, len(X)) if sample_weight else None
    ours = NeuralNetClassifier(hidden_layer_sizes=(7, 5), activation='tanh', learning_rate=0.3, alpha=alpha,
                               batch_size=len(X), epochs=1, warm_start=True, random_state=0).fit(X, y)
    assert ours._trainer.cost_function.l2_reg_term == pytest.approx(alpha / len(X))
    mlp = mlp_from(ours, MLPClassifier(hidden_layer_sizes=(7, 5), activation='tanh', alpha=alpha), X, y)
    mlp_step(mlp, X, y, sample_weight=weights)
    ours.fit(X, y, sample_weight=weights)
    assert_same_nets(ours, mlp)
    # The loss of the step's batch, L2 term included, is MLPClassifier's loss_curve_ value.
    assert ours.loss_curve_[-1] == pytest.approx(mlp.loss_curve_[-1], rel=1e-12)


@pytest.mark.parametrize('sample_weight', [False, True])
def test_a_mini_batch_gradient_and_loss_are_scikit_learns_with_the_same_alpha(sample_weight):
    """For a mini-batch of batch_size examples, the estimator's cost (lambda = alpha / batch_size) has the value and the
    gradient of MLPClassifier's loss (its _backprop) with the same alpha, on the same parameters."""
    X, y = blobs(n=90)
    alpha, batch = 0.3, 16
    ours = NeuralNetClassifier(hidden_layer_sizes=(6,), activation='tanh', learning_rate=0.1, alpha=alpha,
                               batch_size=batch, epochs=1, random_state=0).fit(X, y)
    mlp = mlp_from(ours, MLPClassifier(hidden_layer_sizes=(6,), activation='tanh', alpha=alpha), X, y)
    rows = np.random.default_rng(1).choice(len(X), batch, replace=False)
    weights = np.random.default_rng(2).uniform(0, 2, batch) if sample_weight else None
    targets = mlp._label_binarizer.transform(y[rows]).astype(float)
    sizes = ours.net_.layer_sizes()
    loss, coefficient_grads, intercept_grads = mlp._backprop(
        X[rows], targets, weights, [X[rows], None, None], [None, None],
        [np.empty((a, b)) for a, b in zip(sizes, sizes[1:])], [np.empty(b) for b in sizes[1:]])
    cost = ours._trainer.cost_function
    gradient = cost.gradient(X[rows], targets, sample_weights=weights).copy()
    ours.net_.parameters()[...] = gradient          # the gradient, laid out as the parameters: read by layer
    for mine, theirs in zip(ours.net_.weights() + ours.net_.biases(), coefficient_grads + intercept_grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-13)
    ours.net_.parameters()[...] = mlp_parameters(mlp)
    assert cost.get_cost(PreloadSource((X[rows], targets), sample_weights=weights)) == pytest.approx(loss, rel=1e-12)


def mlp_parameters(mlp):
    """MLP's coefficients and intercepts as one flat array laid out as a net's parameters (weights, then biases, of
    each layer in turn)."""
    return np.concatenate([array.ravel() for pair in zip(mlp.coefs_, mlp.intercepts_) for array in pair])


def test_alpha_and_l2_name_the_same_term_once():
    X, y = blobs()
    settings = dict(hidden_layer_sizes=(4,), epochs=1, batch_size=16, random_state=0)
    assert NeuralNetClassifier().get_params()['alpha'] == 1e-4
    default = NeuralNetClassifier(**settings).fit(X, y)
    assert default._trainer.cost_function.l2_reg_term == pytest.approx(1e-4 / 16)
    library = NeuralNetClassifier(l2=0.003, **settings).fit(X, y)
    assert library._trainer.cost_function.l2_reg_term == 0.003
    whole = NeuralNetClassifier(**dict(settings, batch_size=1000, alpha=0.3)).fit(X, y)
    assert whole._trainer.cost_function.l2_reg_term == pytest.approx(0.3 / len(X))   # the batch is every example
    with pytest.raises(ValueError, match='give the L2 term once: l2=0.01 .* or alpha=0.001 .*, not both'):
        NeuralNetClassifier(l2=0.01, alpha=0.001).fit(X, y)
    with pytest.raises(ValueError, match='expected alpha to be a finite number >= 0'):
        NeuralNetClassifier(alpha=-1.0).fit(X, y)


@pytest.mark.parametrize('verbose', [True, 1, 2])
def test_verbose_prints_a_line_per_epoch(verbose, capsys):
    X, y = blobs()
    NeuralNetClassifier(hidden_layer_sizes=(4,), epochs=3, verbose=verbose, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [['epoch', '1/3'], ['epoch', '2/3'], ['epoch', '3/3']]
    assert all('batch cost' in line for line in lines)
    NeuralNetRegressor(hidden_layer_sizes=(4,), epochs=2, verbose=verbose).fit(X, X[:, 0])
    assert len(capsys.readouterr().out.splitlines()) == 2
    NeuralNetClassifier(hidden_layer_sizes=(4,), epochs=2, verbose=0).fit(X, y)
    assert capsys.readouterr().out == ''


# ----- sample weights -----------------------------------------------------------------------------

@pytest.mark.parametrize('problem', [classification, regression])
def test_a_weighted_step_is_that_of_scikit_learns_mlp(problem):
    """sample_weight weighs each example's loss as MLPClassifier and MLPRegressor do: a whole-batch step and its
    loss from the same parameters agree with theirs."""
    estimator, mlp, X, y, method = problem()
    weights = np.random.default_rng(2).uniform(0, 4, len(X))
    weights[:5] = 0
    estimator.set_params(alpha=0.01, batch_size=len(X), epochs=1, warm_start=True, random_state=0).fit(X, y)
    mlp = mlp_from(estimator, mlp.set_params(alpha=0.01), X, y)
    mlp_step(mlp, X, y, sample_weight=weights)
    estimator.fit(X, y, sample_weight=weights)
    assert_same_nets(estimator, mlp)
    np.testing.assert_allclose(getattr(estimator, method)(X), getattr(mlp, method)(X), rtol=1e-10)
    assert estimator.loss_curve_[-1] == pytest.approx(mlp.loss_curve_[-1], rel=1e-12)


def test_whole_number_weights_are_repeated_examples():
    """Weight k is the example repeated k times (0: left out), for whole-batch steps: the same net to rounding."""
    X, y = blobs(n=40)
    counts = np.random.default_rng(1).integers(0, 4, len(X))
    settings = dict(hidden_layer_sizes=(6,), batch_size=1000, epochs=5, learning_rate=0.2, alpha=0.1,
                    random_state=0)
    weighted = NeuralNetClassifier(**settings).fit(X, y, sample_weight=counts)
    repeated = NeuralNetClassifier(**settings).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.net_.parameters(), repeated.net_.parameters(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-9)


def test_sample_weights_train_in_mini_batches_partial_fit_and_with_early_stopping():
    X, y = blobs(n=150)
    weights = np.where(y == 0, 5.0, 1.0)
    settings = dict(hidden_layer_sizes=(8,), batch_size=16, epochs=30, random_state=0)
    heavy = NeuralNetClassifier(**settings).fit(X, y, sample_weight=weights)
    plain = NeuralNetClassifier(**settings).fit(X, y)
    ones = NeuralNetClassifier(**settings).fit(X, y, sample_weight=np.ones(len(X)))
    np.testing.assert_allclose(ones.net_.parameters(), plain.net_.parameters(), rtol=1e-12, atol=1e-14)
    assert not np.allclose(heavy.net_.parameters(), plain.net_.parameters())
    # Class 0 weighs 5 times more: the net gives it more probability than the unweighted one does.
    assert heavy.predict_proba(X)[:, 0].mean() > plain.predict_proba(X)[:, 0].mean()
    pieces = NeuralNetClassifier(**settings)
    pieces.partial_fit(X, y, classes=[0, 1, 2], sample_weight=weights)
    pieces.partial_fit(X, y, sample_weight=weights)
    assert len(pieces.history_) == 2
    stopped = NeuralNetClassifier(**dict(settings, patience=2)).fit(X, y, sample_weight=weights)
    assert stopped.history_.best_epoch is not None
    one = np.zeros(len(X))
    one[0] = 1.0         # one example weighs: one of the two parts of early stopping's split has none
    with pytest.raises(ValueError, match='expected examples of sample_weight above zero in the (training|validation) '
                                         'part that early stopping deals out'):
        NeuralNetClassifier(**dict(settings, patience=2)).fit(X, y, sample_weight=one)


@pytest.mark.parametrize('weights, message', [
    (np.ones(7), 'expected sample_weight of shape \\(120,\\), one per example, got shape \\(7,\\)'),
    (np.ones((120, 2)), 'expected sample_weight of shape \\(120,\\), one per example, got shape \\(120, 2\\)'),
    (-np.ones(120), 'expected sample_weight that are finite and >= 0, got -1 at example 0'),
    (np.zeros(120), 'expected sample_weight with at least one above zero, got all zero'),
    (np.full(120, np.nan), 'expected sample_weight that are finite and >= 0, got nan at example 0'),
])
def test_bad_sample_weights_are_refused_and_change_nothing(weights, message):
    X, y = blobs()
    classifier = NeuralNetClassifier(hidden_layer_sizes=(5,), epochs=2, warm_start=True, random_state=0).fit(X, y)
    before = classifier.net_.parameters().copy()
    with pytest.raises(ValueError, match=message):
        classifier.fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(classifier.net_.parameters(), before)


# ----- multilabel targets ---------------------------------------------------------------------------

def multilabel(n=80, labels=4, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, 5))
    Y = (X[:, :labels] + 0.3 * X[:, 4:5] > 0).astype(np.int64)
    return X, Y


def test_multilabel_targets_give_a_sigmoid_unit_per_label_as_mlp_classifier_does():
    X, Y = multilabel()
    classifier = NeuralNetClassifier(hidden_layer_sizes=(16,), epochs=200, random_state=0).fit(X, Y)
    assert classifier.net_.layer_sizes() == [5, 16, 4] and classifier.net_.activations()[-1].name == 'Sigmoid'
    mlp = MLPClassifier(hidden_layer_sizes=(3,), max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', ConvergenceWarning)
        mlp.fit(X, Y)
    np.testing.assert_array_equal(classifier.classes_, mlp.classes_)
    assert classifier.classes_.dtype == mlp.classes_.dtype
    probabilities = classifier.predict_proba(X)
    assert probabilities.shape == (80, 4) and not np.allclose(probabilities.sum(axis=1), 1)
    predicted = classifier.predict(X)
    np.testing.assert_array_equal(predicted, (probabilities > 0.5).astype(int))
    assert predicted.dtype == mlp.predict(X).dtype
    assert classifier.score(X, Y) > 0.9         # every label of an example right
    bools = NeuralNetClassifier(hidden_layer_sizes=(16,), epochs=200, random_state=0).fit(X, Y.astype(bool))
    np.testing.assert_array_equal(bools.predict_proba(X), probabilities)


def test_a_multilabel_step_is_that_of_scikit_learns_mlp():
    """Sigmoid outputs with the cross-entropy per label, as MLPClassifier trains multilabel targets."""
    X, Y = multilabel(n=60, labels=3)
    weights = np.random.default_rng(0).uniform(0, 2, len(X))
    ours = NeuralNetClassifier(hidden_layer_sizes=(6,), activation='relu', learning_rate=0.3, alpha=0.01,
                               batch_size=len(X), epochs=1, warm_start=True, random_state=0).fit(X, Y)
    mlp = mlp_from(ours, MLPClassifier(hidden_layer_sizes=(6,), activation='relu', alpha=0.01), X, Y)
    mlp_step(mlp, X, Y, sample_weight=weights)
    ours.fit(X, Y, sample_weight=weights)
    assert_same_nets(ours, mlp)
    np.testing.assert_allclose(ours.predict_proba(X), mlp.predict_proba(X), rtol=1e-10)
    assert ours.loss_curve_[-1] == pytest.approx(mlp.loss_curve_[-1], rel=1e-12)


def test_multilabel_partial_fit_and_bad_indicator_matrices():
    X, Y = multilabel()
    pieces = NeuralNetClassifier(hidden_layer_sizes=(4,), random_state=0)
    pieces.partial_fit(X, Y).partial_fit(X, Y, classes=[0, 1, 2, 3])
    assert len(pieces.history_) == 2 and list(pieces.classes_) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match='expected y with 4 labels per example, as the net fitted before has, got 3'):
        pieces.partial_fit(X, Y[:, :3])
    with pytest.raises(ValueError, match='expected classes=\\[0, 1, 2, 3\\], the columns of the multilabel y'):
        NeuralNetClassifier().partial_fit(X, Y, classes=[0, 1])
    with pytest.raises(ValueError, match='Unknown label type|multilabel-indicator'):
        NeuralNetClassifier().fit(X, Y * 2.5)
    # A net fitted on class labels cannot go on with an indicator matrix, nor the other way round.
    with pytest.raises(ValueError, match=r'expected class labels, shape \(n_samples,\), as the net fitted before '
                                         'learned, got a multilabel indicator matrix: set warm_start=False'):
        NeuralNetClassifier(hidden_layer_sizes=(4,), epochs=1, warm_start=True).fit(X, Y[:, 0]).fit(X, Y)
    with pytest.raises(ValueError, match='expected a multilabel indicator matrix, as the net fitted before learned, '
                                         'got class labels'):
        NeuralNetClassifier(hidden_layer_sizes=(4,), epochs=1, warm_start=True).fit(X, Y).fit(X, Y[:, 0])
    with pytest.raises(ValueError, match='expected y as class labels .* or a multilabel indicator matrix of 0 and 1 '
                                         r'\(n_samples, n_labels\), got multiclass-multioutput targets'):
        NeuralNetClassifier().fit(X, Y + Y[:, :1])
    with pytest.raises(ValueError, match=r'expected a multilabel indicator matrix of 0 and 1 \(n_samples, n_labels\), '
                                         r'got the values \[0, 2\]'):
        NeuralNetClassifier().fit(X, Y * 2)


# ----- the rest of scikit-learn -------------------------------------------------------------

def test_pipeline_cross_validation_grid_search_and_clone():
    X, y = blobs(n=150)
    X = X * 50 + 200  # far from standardized: the scaler in the pipeline matters
    pipeline = make_pipeline(StandardScaler(), NeuralNetClassifier(hidden_layer_sizes=(8,), epochs=20, random_state=0))
    assert pipeline.fit(X, y).score(X, y) > 0.95
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9
    search = GridSearchCV(pipeline, {'neuralnetclassifier__hidden_layer_sizes': [(2,), (8,)],
                                     'neuralnetclassifier__learning_rate': [1e-4, 0.1]}, cv=3)
    search.fit(X, y)
    assert search.best_params_ == {'neuralnetclassifier__hidden_layer_sizes': (8,),
                                   'neuralnetclassifier__learning_rate': 0.1}
    twin = clone(search.best_estimator_)
    assert twin.get_params()['neuralnetclassifier__hidden_layer_sizes'] == (8,)
    assert not hasattr(twin[-1], 'net_')


def test_a_pickled_estimator_predicts_identically_and_trains_on_identically():
    X, y = blobs()
    classifier = NeuralNetClassifier(hidden_layer_sizes=(6,), epochs=2, random_state=0).fit(X, y)
    twin = pickle.loads(pickle.dumps(classifier))
    np.testing.assert_array_equal(twin.predict_proba(X), classifier.predict_proba(X))
    np.testing.assert_array_equal(twin.predict(X), classifier.predict(X))
    # The shuffling goes on where it was: two more epochs are the same on both.
    for estimator in (classifier, twin):
        estimator.partial_fit(X, y)
        estimator.partial_fit(X, y)
    np.testing.assert_array_equal(twin.net_.parameters(), classifier.net_.parameters())
    assert twin.loss_curve_ == classifier.loss_curve_ and len(twin.history_) == 4


# ----- training runs ----------------------------------------------------------------------------

def test_warm_start_and_partial_fit_continue_the_same_run():
    """2 + 2 epochs with warm_start, and 4 partial_fit calls, end where 4 epochs of one fit end, to the bit."""
    X, y = blobs()
    settings = dict(hidden_layer_sizes=(6,), batch_size=10, random_state=5)
    whole = NeuralNetClassifier(epochs=4, **settings).fit(X, y)
    warm = NeuralNetClassifier(epochs=2, warm_start=True, **settings)
    warm.fit(X, y).fit(X, y)
    pieces = NeuralNetClassifier(**settings)
    pieces.partial_fit(X, y, classes=[0, 1, 2])
    for _ in range(3):
        pieces.partial_fit(X, y)
    for estimator in (warm, pieces):
        np.testing.assert_array_equal(estimator.net_.parameters(), whole.net_.parameters())
        assert [r['epoch'] for r in estimator.history_] == [1, 2, 3, 4]
        assert estimator.loss_curve_ == whole.loss_curve_
    cold = NeuralNetClassifier(epochs=2, **settings)
    cold.fit(X, y).fit(X, y)  # without warm_start, each fit starts anew
    assert len(cold.history_) == 2
    np.testing.assert_array_equal(cold.net_.parameters(), NeuralNetClassifier(epochs=2, **settings).fit(
        X, y).net_.parameters())


def test_random_state_makes_fits_repeatable():
    X, y = blobs()
    fits = [NeuralNetClassifier(hidden_layer_sizes=(6,), epochs=2, random_state=seed).fit(X, y).net_.parameters()
            for seed in (1, 1, 2)]
    np.testing.assert_array_equal(fits[0], fits[1])
    assert not np.array_equal(fits[0], fits[2])
    by_instance = [NeuralNetClassifier(hidden_layer_sizes=(6,), epochs=2, random_state=np.random.RandomState(1)).fit(
        X, y).net_.parameters() for _ in range(2)]
    np.testing.assert_array_equal(by_instance[0], by_instance[1])


def test_the_loss_curve_falls():
    X, y = blobs()
    classifier = NeuralNetClassifier(hidden_layer_sizes=(10,), epochs=20, random_state=0).fit(X, y)
    assert len(classifier.loss_curve_) == 20 and classifier.loss_curve_[-1] < 0.5 * classifier.loss_curve_[0]


# ----- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize('method', ['predict', 'predict_proba', 'score', 'export_onnx'])
def test_an_unfitted_classifier_raises_not_fitted_error(method, tmp_path):
    X, y = blobs()
    arguments = {'predict': (X,), 'predict_proba': (X,), 'score': (X, y), 'export_onnx': (tmp_path / 'a.onnx',)}
    with pytest.raises(NotFittedError):
        getattr(NeuralNetClassifier(), method)(*arguments[method])


def test_wrong_numbers_of_features_and_targets_are_refused():
    X, y = blobs()
    classifier = NeuralNetClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match='X has 3 features, but NeuralNetClassifier is expecting 4 features'):
        classifier.predict(X[:, :3])
    with pytest.raises(ValueError, match='X has 5 features'):
        classifier.partial_fit(np.hstack([X, X[:, :1]]), y)
    regressor = NeuralNetRegressor(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(*smooth_targets())
    with pytest.raises(ValueError, match='expected y with 3 targets per example, as the net fitted before has, got 1'):
        regressor.partial_fit(smooth_targets()[0], smooth_targets()[1][:, 0])


def test_labels_outside_the_classes_and_a_single_class_are_refused():
    X, y = blobs()
    with pytest.raises(ValueError, match='classes must be passed on the first call to partial_fit'):
        NeuralNetClassifier().partial_fit(X, y)
    classifier = NeuralNetClassifier(hidden_layer_sizes=(4,), random_state=0).partial_fit(X, y, classes=[0, 1, 2, 3])
    assert list(classifier.classes_) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match=r'expected labels among the classes \[0, 1, 2, 3\], got \[9\] as well'):
        classifier.partial_fit(X, np.where(y == 2, 9, y))
    with pytest.raises(ValueError, match=r'expected classes=\[0, 1, 2, 3\] as in the first call'):
        classifier.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match='got 1 class'):
        NeuralNetClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match='Unknown label type'):
        NeuralNetClassifier().fit(X, np.linspace(0, 1, len(X)))


@pytest.mark.parametrize('setting, error, message', [
    ({'hidden_layer_sizes': 'abc'}, TypeError, 'expected hidden_layer_sizes as a positive integer or a sequence'),
    ({'hidden_layer_sizes': (10, 0)}, ValueError, 'every hidden layer size'),
    ({'activation': 'swishy'}, ValueError, "expected activation to be one of 'identity', 'leakyrectifier'"),
    ({'activation': 3}, TypeError, 'expected activation to be an activation name'),
    ({'cost': 'hinge'}, ValueError, "expected cost to be one of 'cross-entropy', 'quadratic'"),
    ({'learning_rate': 0}, ValueError, 'expected learning_rate to be a positive finite number'),
    ({'batch_size': 2.5}, TypeError, 'expected batch_size to be a positive integer'),
    ({'epochs': 0}, ValueError, 'expected epochs to be a positive integer'),
    ({'l2': -1}, ValueError, 'expected l2_reg_term to be a finite number >= 0'),
    ({'dtype': 'int32'}, TypeError, 'expected dtype to be float32 or float64'),
    ({'hidden_layer_sizes': (5, 5)}, ValueError, 'set warm_start=False to fit a new net'),
    ({'solver': 'lbfgs'}, ValueError, "expected solver to be one of 'sgd', 'adam'"),
    ({'solver': 'adam', 'momentum': 0.9}, ValueError, "expected momentum=0.0 with solver='adam', whose rule has no "
                                                     "setting 'momentum'"),
    ({'momentum': 1.5}, ValueError, 'momentum'),
    ({'betas': (0.9, 1.0), 'solver': 'adam'}, ValueError, 'betas'),
    ({'dropout': 1.0}, ValueError, 'dropout'),
    ({'schedule': 0.9}, TypeError, 'expected schedule to be None or a schedule of feedforward_schedules'),
    ({'patience': 0}, ValueError, 'patience'),
    ({'patience': 2, 'validation_fraction': 1.5}, ValueError, 'validation'),
])
def test_bad_hyper_parameters_are_refused_at_fit_and_change_nothing(setting, error, message):
    X, y = blobs()
    classifier = NeuralNetClassifier(hidden_layer_sizes=(5,), epochs=2, warm_start=True, random_state=0).fit(X, y)
    before = classifier.predict_proba(X)
    history = list(classifier.loss_curve_)
    with pytest.raises(error, match=message):
        classifier.set_params(**setting).fit(X, y)
    np.testing.assert_array_equal(classifier.predict_proba(X), before)
    assert classifier.loss_curve_ == history


def test_bad_costs_for_the_output_are_the_librarys_errors():
    X, Y = smooth_targets()
    with pytest.raises(ValueError, match='CrossEntropyCost needs output probabilities'):
        NeuralNetRegressor(cost='cross-entropy').fit(X, Y)


def test_a_fit_that_diverges_leaves_the_estimator_as_it_was():
    X, Y = smooth_targets()
    regressor = NeuralNetRegressor(hidden_layer_sizes=(5,), epochs=2, random_state=0).fit(X, Y)
    before = regressor.predict(X)
    with pytest.raises(TrainingDivergedError):
        regressor.set_params(learning_rate=1e6).fit(X * 1e3, Y)
    np.testing.assert_array_equal(regressor.predict(X), before)
    assert len(regressor.history_) == 2
    with pytest.raises(TrainingDivergedError):
        NeuralNetRegressor(learning_rate=1e6).fit(X * 1e3, Y)


# ----- without scikit-learn ---------------------------------------------------------------------

def test_without_scikit_learn_the_import_says_which_extra_to_install(monkeypatch):
    for name in [name for name in sys.modules if name == 'sklearn' or name.startswith('sklearn.')]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, 'feedforward_sklearn')
    with pytest.raises(ImportError,
                       match=r'pip install "\.\[sklearn\]" in a clone of this library, or pip install scikit-learn'):
        importlib.import_module('feedforward_sklearn')


def test_a_fit_refused_with_early_stopping_leaves_the_shuffles_as_they_were():
    """Every setting is checked before the validation share is dealt: a refused fit draws nothing from the shuffling
    generator, so the next fit is the one there would have been."""
    X, y = blobs()
    settings = dict(hidden_layer_sizes=(5,), epochs=3, warm_start=True, patience=2, random_state=0)
    twice = NeuralNetClassifier(**settings).fit(X, y)
    refused = NeuralNetClassifier(**settings).fit(X, y)
    for bad in ({'learning_rate': -1.0}, {'alpha': -1.0}, {'batch_size': 'big'}, {'validation_fraction': 2.0}):
        with pytest.raises(ValueError):
            refused.set_params(**bad).fit(X, y)
        refused.set_params(**{name: NeuralNetClassifier(**settings).get_params()[name] for name in bad})
    twice.fit(X, y)
    refused.fit(X, y)
    np.testing.assert_array_equal(refused.net_.parameters(), twice.net_.parameters())
