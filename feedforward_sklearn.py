"""scikit-learn estimators over the library's nets: ``NeuralNetClassifier`` and ``NeuralNetRegressor``.

    from feedforward_sklearn import NeuralNetClassifier
    classifier = NeuralNetClassifier(hidden_layer_sizes=(100,), max_iter=10, random_state=0).fit(X, y)
    classifier.predict(X_test)          # labels, as y held them: integers, strings, ...
    classifier.predict_proba(X_test)    # (n, n_classes), columns in the order of classifier.classes_

They follow scikit-learn's conventions, so they work in ``Pipeline``,
``GridSearchCV``, ``cross_val_score`` and ``clone``: ``__init__`` stores the
hyper-parameters as given and ``fit`` checks them; what fitting learns ends
in an underscore (``net_``, the library's ``NeuralNet``; ``classes_``;
``n_features_in_``; ``history_``, a ``gradient_descent.History`` of every
epoch; ``loss_curve_``, the mean cost of each epoch's mini-batches, L2 term
included, as scikit-learn's MLP records it; ``n_iter_``, the epochs of the
last call). Arrays are ``X`` (n_samples, n_features) and ``y``
(n_samples,), or (n_samples, n_targets) for a regressor with several
outputs, or (n_samples, n_labels) of 0 and 1 for a multilabel classifier;
``fit(X, y, sample_weight=None)`` takes a weight per example, shape
(n_samples,), as scikit-learn's MLP does.

The names and meanings of ``MLPClassifier`` work where the library has the
same thing (``max_iter``, ``alpha``, ``verbose``, ``batch_size='auto'``, ...);
``docs/ecosystem.md`` maps every parameter of ``MLPClassifier`` to these.

Training is the library's own: a net from ``NetFactory.create_neural_net``,
a cost from ``cost_functions``, ``StochasticGradientDescent`` and its
``train``. The hyper-parameters map onto it as follows:

* ``hidden_layer_sizes`` (an int or a sequence of ints, possibly empty): the
  hidden layers, between ``n_features_in_`` inputs and one output per class
  (the classifier) or per label (multilabel) or per target (the regressor);
* ``activation``: the hidden layers' activation; ``output_activation``
  (regressor): the output layer's. The library's names (``'Sigmoid'``,
  ``'Rectifier'``, ``'Tanh'``, ``'Identity'``, ``'Softmax'``, in any case),
  scikit-learn's MLP names (``'logistic'``, ``'relu'``) or the classes of
  ``activation_functions``. The classifier's output layer is Softmax
  (Sigmoid, one unit per label, for multilabel ``y``);
* ``cost``: ``'cross-entropy'`` (``CrossEntropyCost``) or ``'quadratic'``
  (``QuadraticCost``), or one of those classes;
* ``alpha`` (1e-4): the L2 term as scikit-learn's MLP means it, alpha / (2
  n_batch) sum W^2 added to the mean loss of a batch of n_batch examples
  (alpha / (2 S) sum W^2 with sample weights summing to S): the cost's
  ``l2_reg_term`` lambda is alpha / batch_size (alpha / n_samples when a
  batch holds every example); ``l2`` (None): lambda itself, the library's
  own name, which then takes the place of ``alpha`` (left at its default);
* ``solver``: an update rule of ``feedforward_optimizers.OPTIMIZERS``
  (``'sgd'``, ``'adam'``, ...); ``learning_rate``: its step size
  (scikit-learn's ``learning_rate_init``), or None for its default (0.1 for
  the classifier's SGD, 0.001 for the regressor's, 0.001 for Adam);
  ``batch_size`` (32, or ``'auto'``: min(200, n_samples)); ``max_iter``
  (100): the epochs of ``fit`` (``partial_fit`` trains one); ``epochs``
  (None): the library's name for it, which then takes the place of
  ``max_iter`` (left at its default);
* ``verbose``: True (or an int above 0) prints a line per epoch (``train``'s
  ``verbose=True``);
* ``momentum`` and ``nesterov`` (SGD only), ``betas`` and ``eps`` (Adam
  only), ``dropout`` (None, one rate for every hidden layer, or one per
  non-output layer) and ``schedule`` (a schedule of
  ``feedforward_schedules``; each ``fit`` starts from a copy of it): as the
  trainers take them;
* ``patience``: None, or early stopping: a share ``validation_fraction`` of
  the examples is dealt out (seeded) as validation data, and ``fit`` stops
  when its cost has not improved for ``patience`` epochs, keeping the net of
  the best epoch (``history_.best_epoch``). A schedule that follows the evaluation cost
  (``ReduceOnPlateau``) uses the same validation data;
* ``dtype``: float64 or float32, the net's (and the predictions') dtype;
* ``random_state``: None, an int or a ``numpy.random.RandomState``, as in
  scikit-learn; it seeds the initial parameters and the shuffling;
* ``warm_start``: ``fit`` continues training the net it fitted before, as
  ``partial_fit`` always does. The solver keeps its state (velocity, Adam's
  moments) from one call to the next; each ``fit`` begins at
  ``learning_rate`` with a fresh copy of ``schedule``, while successive
  ``partial_fit`` calls go on with the rate and the schedule where the last
  one left them.

Requires scikit-learn 1.6 or newer: pip install ".[sklearn]" in a clone of the library, or pip install
scikit-learn.
"""
import copy
import json
import numbers

import numpy as np

from activation_functions import ACTIVATIONS, Activation, Rectifier, Sigmoid, Softmax, check_activation
from cost_functions import Cost, CrossEntropyCost, QuadraticCost
from data_source import PreloadSource, checked_sample_weights, one_hot, validation_count, validation_split
from feedforward_checks import (FLOAT_DTYPES, apply_settings, check_float_dtype, check_nonnegative_number,
                                check_positive_int, declared_settings, install_hint)
from feedforward_optimizers import OPTIMIZERS, SGDRule
from feedforward_schedules import Schedule
from gradient_descent import History, Trainer
from neural_net import NetFactory

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as error:
    raise ImportError('feedforward_sklearn needs scikit-learn 1.6 or newer, which could not be imported ({}): '
                      'install it with {}'.format(error, install_hint('sklearn', 'scikit-learn'))) from error

__all__ = ['NeuralNetClassifier', 'NeuralNetRegressor']

#: scikit-learn's MLP names for two of the library's activations (whose own names work too, in any case).
_SKLEARN_ACTIVATION_NAMES = {'relu': Rectifier, 'logistic': Sigmoid}

#: Costs by name.
_COSTS = {'cross-entropy': CrossEntropyCost, 'quadratic': QuadraticCost}

def _trainer_for(estimator, net, rng, n_examples, trainer=None, run=True):
    """The trainer (and its cost) that ``estimator``'s hyper-parameters ask for, on ``net``.

    The one place where hyper-parameters become the cost's and the trainer's
    arguments: a new training setting is added here. ``solver`` names an
    update rule of the registry (``feedforward_optimizers.OPTIMIZERS``: the
    library's, or one registered with ``register_optimizer``); ``momentum``,
    ``nesterov``, ``betas`` and ``eps`` go to it when it has those settings
    (None: the rule's default), and ``solver_settings`` (a dict) gives it any
    other. ``rng``, a ``numpy.random.Generator``, shuffles the examples (it is
    used as it is, so the shuffles go on where the last ``fit`` left them).
    ``n_examples``, the number of examples the fit trains on, sets
    ``batch_size='auto'`` and the batches' size that ``alpha`` is over.
    ``trainer``, the one of the last fit of the same net, is kept with its
    state when the solver is the same, its settings set anew; ``run`` False
    (a later ``partial_fit``) keeps its learning rate and schedule as they
    are. The library checks every value and raises ``TypeError`` or
    ``ValueError`` naming it.
    """
    solver = estimator.solver
    if not isinstance(solver, str) or solver.lower() not in OPTIMIZERS:
        raise ValueError('expected solver to be one of {}, got {!r} (a rule of your own: register it first with '
                         'feedforward_optimizers.register_optimizer)'.format(
                             ', '.join(repr(name) for name in OPTIMIZERS), solver))
    rule_class = OPTIMIZERS[solver.lower()]
    schedule = estimator.schedule
    if schedule is not None and not isinstance(schedule, Schedule):
        raise TypeError('expected schedule to be None or a schedule of feedforward_schedules, such as '
                        'ExponentialDecay(0.95), got {!r}'.format(schedule))
    rule_settings = _rule_settings(estimator, rule_class)
    learning_rate = estimator.learning_rate
    if learning_rate is None:
        learning_rate = estimator._sgd_learning_rate if rule_class is SGDRule else rule_class.default_learning_rate
    batch_size = estimator.batch_size
    if isinstance(batch_size, str):
        if batch_size != 'auto':
            raise ValueError("expected batch_size to be a positive integer or 'auto', got {!r}".format(batch_size))
        batch_size = min(200, n_examples)        # scikit-learn's 'auto'
    settings = {'batch_size': batch_size, 'dropout': estimator.dropout}
    cost_class = _cost_class(estimator.cost)
    # A batch holds batch_size examples (the last of an epoch may hold fewer), or every one when that is fewer.
    batch = min(check_positive_int(batch_size, 'batch_size'), n_examples)
    cost = cost_class(net, l2_reg_term=_l2_reg_term(estimator, batch))
    if trainer is None or type(trainer.rule) is not rule_class or trainer.neural_net is not net:
        return Trainer(net, cost, rule_class(**rule_settings), learning_rate=learning_rate, seed=rng,
                       schedule=copy.deepcopy(schedule), **settings)
    trainer.cost_function = cost
    for name, value in settings.items():
        setattr(trainer, name, value)
    apply_settings(trainer.rule, rule_settings)
    if run:
        trainer.learning_rate, trainer.schedule = learning_rate, copy.deepcopy(schedule)
    return trainer


#: The hyper-parameters that are settings of some update rules, with the value that leaves them to the rule.
_RULE_HYPER_PARAMETERS = {'momentum': 0.0, 'nesterov': False, 'betas': None, 'eps': None}


def _rule_settings(estimator, rule_class):
    """The settings of ``rule_class`` that the estimator's hyper-parameters give (see ``_trainer_for``)."""
    declared = declared_settings(rule_class)
    given = {}
    for name, unset in _RULE_HYPER_PARAMETERS.items():
        value = getattr(estimator, name)
        if name in declared and value is not None:
            given[name] = tuple(value) if isinstance(value, list) else value
        elif name not in declared and value != unset:
            raise ValueError('expected {}={!r} with solver={!r}, whose rule has no setting {!r} (its settings are '
                             '{}), got {}={!r}'.format(name, unset, estimator.solver, name, ', '.join(declared),
                                                       name, value))
    extra = estimator.solver_settings
    if extra is not None:
        if not isinstance(extra, dict):
            raise TypeError('expected solver_settings to be None or a dict of the settings of the solver\'s rule, '
                            'got {!r}'.format(extra))
        clash = sorted(set(extra) & set(given))
        if clash:
            raise ValueError('solver_settings gives {} again: set {} as hyper-parameters of their own'.format(
                ', '.join(clash), ', '.join(clash)))
        given.update(extra)
    return given


def _l2_reg_term(estimator, batch):
    """The cost's L2 term lambda that ``l2`` or ``alpha`` asks for, for batches of ``batch`` examples.

    scikit-learn's MLP adds alpha / (2 n) sum W^2 to the mean loss of a batch
    of n examples (alpha / (2 S) with sample weights summing to S), where
    the library adds lambda / 2 sum W^2 (times n / S with weights: see
    ``cost_functions``): lambda = alpha / n.
    """
    alpha, l2 = estimator.alpha, estimator.l2
    if l2 is None:
        return check_nonnegative_number(alpha, 'alpha') / batch
    if not (isinstance(alpha, numbers.Real) and alpha == _ALPHA):
        raise ValueError('give the L2 term once: l2={!r} (the library\'s lambda) or alpha={!r} (scikit-learn\'s, '
                         'lambda = alpha / batch_size), not both'.format(l2, alpha))
    return l2


def _epochs(estimator):
    """The epochs of ``fit``: ``epochs`` if given, else ``max_iter``."""
    epochs, max_iter = estimator.epochs, estimator.max_iter
    if epochs is None:
        return check_positive_int(max_iter, 'max_iter')
    epochs = check_positive_int(epochs, 'epochs')
    if max_iter != _MAX_ITER and max_iter != epochs:
        raise ValueError('give the number of epochs once: epochs={!r} or max_iter={!r}, not both'.format(
            epochs, max_iter))
    return epochs


#: The defaults of ``alpha`` (scikit-learn's) and ``max_iter`` (scikit-learn's is 200).
_ALPHA = 1e-4
_MAX_ITER = 100


class _NeuralNetEstimator(BaseEstimator):
    """What the classifier and the regressor share: fitting, predicting the net's outputs, export."""

    def fit(self, X, y, sample_weight=None):
        """Train for ``max_iter`` (or ``epochs``) epochs on ``X`` (n_samples, n_features) and ``y``; returns ``self``.

        ``sample_weight`` (n_samples,), each >= 0 and not all 0, or None:
        each example's loss counts by its weight, as in scikit-learn's MLP
        (see ``alpha``). A new net is drawn (from ``random_state``), unless
        ``warm_start`` is set and a net was fitted before: that one then
        trains on. A fit that fails leaves the estimator as it was; one that
        diverges (``gradient_descent.TrainingDivergedError``) too, or, when
        it trains on, with the net as it was at the start of the failed epoch.
        """
        return self._fit(X, y, _epochs(self), train_on=self.warm_start, sample_weight=sample_weight)

    def _fit(self, X, y, epochs, train_on, classes=None, partial=False, sample_weight=None):
        train_on = train_on and hasattr(self, 'net_')
        hidden, activation, dtype = self._net_design()
        verbose = self.verbose
        if not isinstance(verbose, (numbers.Integral, np.integer)):          # bool is an Integral
            raise TypeError('expected verbose to be True, False or an int, got {!r}'.format(verbose))
        before = dict(vars(self))
        try:
            X, y = validate_data(self, X, y, reset=not train_on, dtype=FLOAT_DTYPES, **self._target_checks)
            if sample_weight is not None:
                sample_weight = np.asarray(sample_weight)
                if sample_weight.ndim == 0:                    # one number for every example, as scikit-learn takes
                    sample_weight = np.full(len(X), sample_weight)
                sample_weight = checked_sample_weights(sample_weight, len(X), 'sample_weight')
            Y = self._targets(y, train_on, classes, dtype)
            sizes = [X.shape[1]] + hidden + [Y.shape[1]]
            activations = [activation] * len(hidden) + [self._output_layer_activation()]
            if train_on:
                net = self.net_
                if (net.layer_sizes(), net.activations(), net.dtype) != (sizes, activations, dtype):
                    raise ValueError('expected hyper-parameters that describe the net fitted before ({}), since '
                                     'warm_start and partial_fit train it on; they now ask for sizes {}, activations '
                                     '{} and {}: set warm_start=False to fit a new net'.format(
                                         net, sizes, [f.name for f in activations], dtype.name))
            else:
                net = NetFactory.create_neural_net(sizes, activation, activations[-1], dtype)
                initial, self._shuffling = [np.random.default_rng(seed) for seed in np.random.SeedSequence(
                    check_random_state(self.random_state).randint(np.iinfo(np.int32).max)).spawn(2)]
                net.randomize_parameters(initial)
                self.history_ = History()
            patience, schedule = self.patience, self.schedule
            split = patience is not None or (schedule is not None and getattr(schedule, 'needs_evaluation', False))
            # Every setting is checked before the split draws from the shuffling generator.
            n_training = len(X) - (validation_count(self.validation_fraction, len(X)) if split else 0)
            trainer = _trainer_for(self, net, self._shuffling, n_training,
                                   getattr(self, '_trainer', None) if train_on else None, run=not partial)
            trainer.epochs_done = len(self.history_)
            source, validation = PreloadSource((X, Y), dtype=dtype, sample_weights=sample_weight), None
            if split:
                source, validation = validation_split(source, self.validation_fraction, seed=self._shuffling)
                for part, name in ((source, 'training'), (validation, 'validation')):
                    if sample_weight is not None and not part.sample_weights().any():
                        raise ValueError('expected examples of sample_weight above zero in the {} part that early '
                                         'stopping deals out (validation_fraction={!r}), got none: give more examples '
                                         'weight, or another random_state'.format(name, self.validation_fraction))
            self.net_, self._trainer = net, trainer
            earlier = len(trainer.history)
            try:
                run = trainer.train(source, epochs, evaluation_data=validation, patience=patience,
                                    measure_training='batches', verbose=bool(verbose))
                if patience is not None:
                    # The epoch whose net early stopping kept, counted over every fit, as the records are.
                    self.history_.best_epoch = run.best_epoch
            finally:
                self.history_.records.extend(trainer.history.records[earlier:])
                self.n_iter_ = len(trainer.history) - earlier
                self.loss_curve_ = self.history_['batch_cost'] if len(self.history_) else []
        except BaseException:
            if not train_on:
                vars(self).clear()
                vars(self).update(before)
            raise
        return self

    def _net_design(self):
        """The hidden layer sizes (a list), the hidden activation and the dtype the hyper-parameters ask for."""
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (numbers.Integral, np.integer)) and not isinstance(sizes, bool):
            sizes = [sizes]
        try:
            sizes = [check_positive_int(size, 'every hidden layer size') for size in sizes]
        except TypeError:
            raise TypeError('expected hidden_layer_sizes as a positive integer or a sequence of them, such as '
                            '(100,) or (500, 200), got {!r}'.format(self.hidden_layer_sizes)) from None
        return sizes, _activation(self.activation, 'activation'), check_float_dtype(self.dtype)

    def _outputs(self, X):
        """The net's outputs for ``X`` (n_samples, n_features_in_): (n_samples, n_outputs) of its dtype."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        return self.net_.feed(X)

    def export_onnx(self, path):
        """Write the fitted net to ``path`` as an ONNX model, through ``NeuralNet.export_onnx``.

        Its input is X (N, n_features_in_) as floats of the net's dtype; its
        output is the net's (``predict_proba`` for the classifier, whose
        ``classes_`` go into the model's metadata as the JSON list
        ``classes``; ``predict``, as (N, n_outputs), for the regressor).
        Needs the onnx extra: pip install ".[onnx]" in a clone of the library.
        """
        check_is_fitted(self)
        self.net_.export_onnx(path, metadata=self._onnx_metadata())

    def _onnx_metadata(self):
        return None


class NeuralNetClassifier(ClassifierMixin, _NeuralNetEstimator):
    """A classifier: a net with a Softmax output unit per class, trained by the library's SGD.

    Labels may be integers, strings or any sortable values; ``classes_``
    holds them sorted, and column k of ``predict_proba`` is the probability
    of ``classes_[k]``. Multilabel ``y``, an indicator matrix (n_samples,
    n_labels) of 0 and 1, as ``MLPClassifier`` takes it, gives a net with a
    Sigmoid output unit per label, trained on the cross-entropy of each
    label: ``classes_`` is then 0..n_labels-1, ``predict_proba`` the
    probability of each label, and ``predict`` the indicator matrix of
    those above 0.5. See the module docstring for the hyper-parameters.
    """

    _target_checks = {'multi_output': True}

    #: The learning rate of ``solver='sgd'`` when ``learning_rate`` is None.
    _sgd_learning_rate = 0.1

    #: Whether the net was fitted to multilabel ``y`` (set by every fit).
    _multilabel = False

    def __init__(self, hidden_layer_sizes=(100,), activation='relu', cost='cross-entropy', solver='sgd',
                 learning_rate=None, batch_size=32, max_iter=_MAX_ITER, epochs=None, alpha=_ALPHA, l2=None,
                 momentum=0.0, nesterov=False, betas=None, eps=None, solver_settings=None, dropout=None,
                 schedule=None, patience=None, validation_fraction=0.1, dtype='float64', random_state=None,
                 warm_start=False, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.cost = cost
        self.solver = solver
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.epochs = epochs
        self.alpha = alpha
        self.l2 = l2
        self.momentum = momentum
        self.nesterov = nesterov
        self.betas = betas
        self.eps = eps
        self.solver_settings = solver_settings
        self.dropout = dropout
        self.schedule = schedule
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.dtype = dtype
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch on ``X`` and ``y``: from a new net on the first call, then on the same net; returns ``self``.

        ``classes``, every label there will be, is needed on the first call
        (one batch need not hold them all), as scikit-learn's ``partial_fit``
        asks; later calls may leave it out. Multilabel ``y`` needs none (its
        columns are the labels). ``sample_weight`` as for ``fit``.
        """
        if classes is None and not hasattr(self, 'net_') and not _is_indicator_matrix(y):
            raise ValueError('classes must be passed on the first call to partial_fit: every label there will '
                             'be, such as classes=numpy.unique(y) of the whole data set')
        return self._fit(X, y, 1, train_on=True, classes=classes, partial=True, sample_weight=sample_weight)

    def _targets(self, y, train_on, classes, dtype):
        """The net's targets for ``y``: one-hot rows (n_samples, n_classes) for labels, the 0/1 matrix itself
        (n_samples, n_labels) for multilabel ``y``; sets ``classes_`` for a new net."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)          # as scikit-learn's classifiers take a column of labels
        multilabel = y.ndim == 2
        if train_on and multilabel != self._multilabel:
            raise ValueError('expected {}, as the net fitted before learned, got {}: set warm_start=False to fit a '
                             'new net'.format(*(('class labels, shape (n_samples,)', 'a multilabel indicator matrix')
                                                if self._multilabel is False else
                                                ('a multilabel indicator matrix', 'class labels'))))
        self._multilabel = multilabel
        if multilabel:
            return self._label_indicators(y, train_on, classes, dtype)
        check_classification_targets(y)
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if train_on and not np.array_equal(classes, self.classes_):
                raise ValueError('expected classes={} as in the first call to partial_fit, got {}'.format(
                    self.classes_.tolist(), classes.tolist()))
        known = self.classes_ if train_on else (np.unique(y) if classes is None else classes)
        if len(known) < 2:
            raise ValueError('expected labels of at least 2 classes in y, got 1 class ({!r}): a classifier needs '
                             'examples of two classes or more'.format(known.tolist()[0]))
        unknown = np.setdiff1d(y, known)
        if unknown.size:
            raise ValueError('expected labels among the classes {}, got {} as well'.format(
                known.tolist(), unknown[:5].tolist()))
        self.classes_ = known
        return one_hot(np.searchsorted(known, y), len(known), dtype=dtype)

    def _label_indicators(self, y, train_on, classes, dtype):
        """The indicator matrix ``y`` (n_samples, n_labels) of 0 and 1 as the net's targets; ``classes_`` is
        0..n_labels-1, as ``MLPClassifier`` sets it."""
        kind = type_of_target(y)
        if kind != 'multilabel-indicator':
            check_classification_targets(y)          # 'Unknown label type' for continuous targets, as scikit-learn
            raise ValueError('expected y as class labels (n_samples,) or a multilabel indicator matrix of 0 and 1 '
                             '(n_samples, n_labels), got {} targets of shape {}'.format(kind, y.shape))
        values = np.unique(y)
        if not np.isin(values, (0, 1)).all():      # type_of_target calls any two whole numbers an indicator
            raise ValueError('expected a multilabel indicator matrix of 0 and 1 (n_samples, n_labels), got the values '
                             '{}'.format(values.tolist()))
        labels = np.arange(y.shape[1])
        if train_on and y.shape[1] != len(self.classes_):
            raise ValueError('expected y with {} labels per example, as the net fitted before has, got {}'.format(
                len(self.classes_), y.shape[1]))
        if classes is not None and not np.array_equal(np.asarray(classes), labels):
            raise ValueError('expected classes={}, the columns of the multilabel y, or None, got {}'.format(
                labels.tolist(), np.asarray(classes).tolist()))
        self.classes_ = labels
        return np.asarray(y, dtype=dtype)

    def _output_layer_activation(self):
        return Sigmoid if self._multilabel else Softmax

    def predict_proba(self, X):
        """The probability of each class, shape (n_samples, n_classes), columns in the order of ``classes_`` (for
        multilabel ``y``, of each label: shape (n_samples, n_labels))."""
        return self._outputs(X)

    def predict(self, X):
        """The most probable class of each example of ``X`` (n_samples, n_features): labels, shape (n_samples,); for
        multilabel ``y``, the indicator matrix (n_samples, n_labels) of the labels whose probability is above 0.5."""
        outputs = self._outputs(X)
        if self._multilabel:
            return (outputs > 0.5).astype(int)
        return self.classes_[np.argmax(outputs, axis=1)]

    def _onnx_metadata(self):
        return {'classes': json.dumps(self.classes_.tolist(), default=str)}


class NeuralNetRegressor(RegressorMixin, _NeuralNetEstimator):
    """A regressor: a net with an output unit per target (Identity by default), trained by the library's SGD.

    ``y`` of shape (n_samples,) gives predictions of that shape; (n_samples,
    n_targets) gives (n_samples, n_targets), unless n_targets is 1. See the
    module docstring for the hyper-parameters.
    """

    _target_checks = {'multi_output': True, 'y_numeric': True}

    #: The learning rate of ``solver='sgd'`` when ``learning_rate`` is None.
    _sgd_learning_rate = 0.001

    def __init__(self, hidden_layer_sizes=(100,), activation='relu', output_activation='identity', cost='quadratic',
                 solver='sgd', learning_rate=None, batch_size=32, max_iter=_MAX_ITER, epochs=None, alpha=_ALPHA,
                 l2=None, momentum=0.0, nesterov=False, betas=None, eps=None, solver_settings=None, dropout=None,
                 schedule=None, patience=None, validation_fraction=0.1, dtype='float64', random_state=None,
                 warm_start=False, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.cost = cost
        self.solver = solver
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.epochs = epochs
        self.alpha = alpha
        self.l2 = l2
        self.momentum = momentum
        self.nesterov = nesterov
        self.betas = betas
        self.eps = eps
        self.solver_settings = solver_settings
        self.dropout = dropout
        self.schedule = schedule
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.dtype = dtype
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch on ``X`` and ``y``: from a new net on the first call, then on the same net; returns ``self``.
        ``sample_weight`` as for ``fit``."""
        return self._fit(X, y, 1, train_on=True, partial=True, sample_weight=sample_weight)

    def _targets(self, y, train_on, classes, dtype):
        """``y`` as a 2-d array (n_samples, n_targets)."""
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if train_on and Y.shape[1] != self.net_.layer_sizes()[-1]:
            raise ValueError('expected y with {} targets per example, as the net fitted before has, got {}'.format(
                self.net_.layer_sizes()[-1], Y.shape[1]))
        return Y

    def _output_layer_activation(self):
        return _activation(self.output_activation, 'output_activation')

    def predict(self, X):
        """The net's outputs for ``X`` (n_samples, n_features): (n_samples,) for one target, else (n_samples, n_targets)."""
        outputs = self._outputs(X)
        return outputs[:, 0] if outputs.shape[1] == 1 else outputs


def _activation(value, name):
    """The activation that ``value`` names (a registered activation's name in any case, scikit-learn's 'relu' or
    'logistic', or an activation of ``activation_functions``), as a net stores it."""
    if isinstance(value, str):
        names = dict({key.lower(): cls for key, cls in ACTIVATIONS.items()}, **_SKLEARN_ACTIVATION_NAMES)
        if value.lower() in names:
            return check_activation(names[value.lower()], name)
        raise ValueError('expected {} to be one of {}, got {!r}'.format(
            name, ', '.join(repr(n) for n in sorted(names)), value))
    if isinstance(value, type) and issubclass(value, Activation) or isinstance(value, Activation):
        return check_activation(value, name)
    raise TypeError('expected {} to be an activation name such as \'relu\' or a class of activation_functions, '
                    'got {!r}'.format(name, value))


def _is_indicator_matrix(y):
    """Whether ``y``, as ``partial_fit`` received it, is a multilabel indicator matrix (then it names its classes)."""
    try:
        return type_of_target(y) == 'multilabel-indicator'
    except ValueError:          # what type_of_target cannot read, validate_data refuses with its own message
        return False


def _cost_class(value):
    """The cost class that ``value`` names: 'cross-entropy', 'quadratic', or one of those classes."""
    if isinstance(value, str) and value.lower() in _COSTS:
        return _COSTS[value.lower()]
    if isinstance(value, type) and issubclass(value, Cost) and value is not Cost:
        return value
    raise ValueError('expected cost to be one of {}, or one of the classes CrossEntropyCost and QuadraticCost, got '
                     '{!r}'.format(', '.join(repr(n) for n in _COSTS), value))
