"""Learning-rate schedules, early stopping and the validation split."""
import math

import numpy as np
import pytest

from activation_functions import Rectifier, Softmax
from cost_functions import CrossEntropyCost
from data_source import PreloadSource, one_hot, validation_split
from feedforward_schedules import Constant, ExponentialDecay, ReduceOnPlateau, StepDecay
from gradient_descent import Adam, GradientDescent, StochasticGradientDescent
from neural_net import NetFactory

#: A sequence of evaluation costs with improvements, a plateau, tiny improvements below the threshold, and rises.
COSTS = [1.0, 0.8, 0.8, 0.79995, 0.81, 0.7, 0.7, 0.7, 0.7, 0.69999, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]


def rates_of(schedule, learning_rate, costs):
    rates = [learning_rate]
    for epoch, cost in enumerate(costs, start=1):
        rates.append(schedule.next_learning_rate(rates[-1], epoch, cost))
    return rates


def test_the_epoch_schedules_follow_their_formulas():
    assert rates_of(Constant(), 0.5, COSTS[:4]) == [0.5] * 5
    np.testing.assert_allclose(rates_of(ExponentialDecay(0.9), 0.5, COSTS[:6]), 0.5 * 0.9 ** np.arange(7),
                               rtol=1e-15)
    assert rates_of(StepDecay(3, factor=0.5), 1.0, COSTS[:8]) == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]


def test_reduce_on_plateau_by_hand():
    # patience 2, threshold 1e-4: epochs 3 and 4 do not improve on 0.8 by the threshold (0.79995 is not below
    # 0.8 * 0.9999 = 0.79992), epoch 5 rises: three bad epochs, more than 2, and the rate falls after epoch 5.
    # Then 0.7 is best from epoch 6, epochs 7 to 9 are bad (so is 0.69999 in epoch 10, after the fall after
    # epoch 9); 0.5 is best in epoch 11, and epochs 12 to 14 are bad. rates[e] is the rate after epoch e.
    schedule = ReduceOnPlateau(factor=0.5, patience=2)
    assert rates_of(schedule, 1.0, COSTS) == [1.0] * 5 + [0.5] * 4 + [0.25] * 5 + [0.125] * 3
    assert schedule.best == 0.5 and schedule.state() == {'best': 0.5, 'bad_epochs': 2}


def test_reduce_on_plateau_follows_a_floor():
    schedule = ReduceOnPlateau(factor=0.1, patience=0, min_learning_rate=0.02)
    assert rates_of(schedule, 1.0, [1.0, 1.0, 1.0, 1.0]) == [1.0, 1.0, 0.1, 0.02, 0.02]


@pytest.mark.parametrize('make', [lambda: ExponentialDecay(0.8), lambda: StepDecay(4, 0.3),
                                  lambda: ReduceOnPlateau(factor=0.5, patience=2),
                                  lambda: ReduceOnPlateau(factor=0.2, patience=0, threshold=0.1)])
def test_the_schedules_give_the_rates_of_pytorchs_schedulers(make):
    torch = pytest.importorskip('torch', reason='PyTorch is not installed: its schedulers are not compared')
    schedule = make()
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=0.5)
    if isinstance(schedule, ExponentialDecay):
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=schedule.factor)
    elif isinstance(schedule, StepDecay):
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=schedule.step_size, gamma=schedule.factor)
    else:
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=schedule.factor,
                                                               patience=schedule.patience,
                                                               threshold=schedule.threshold)
    theirs = [0.5]
    for cost in COSTS:
        optimizer.step()
        scheduler.step(cost) if isinstance(schedule, ReduceOnPlateau) else scheduler.step()
        theirs.append(optimizer.param_groups[0]['lr'])
    np.testing.assert_allclose(rates_of(schedule, 0.5, COSTS), theirs, rtol=1e-12)


@pytest.mark.parametrize('make, message', [
    (lambda: ExponentialDecay(0), 'factor'), (lambda: ExponentialDecay(1.5), 'factor'),
    (lambda: ExponentialDecay('0.9'), 'factor'), (lambda: StepDecay(0), 'step_size'),
    (lambda: StepDecay(2.5), 'step_size'), (lambda: StepDecay(3, -0.1), 'factor'),
    (lambda: ReduceOnPlateau(factor=1.0), 'never reduce'), (lambda: ReduceOnPlateau(patience=-1), 'patience'),
    (lambda: ReduceOnPlateau(patience=1.5), 'patience'), (lambda: ReduceOnPlateau(threshold=1), 'threshold'),
    (lambda: ReduceOnPlateau(min_learning_rate=-1), 'min_learning_rate'),
])
def test_bad_schedule_settings_are_refused(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 5)) + 1.5 * np.eye(3, 5)[labels]
    return PreloadSource((X, one_hot(labels, 3)))


def classifier(seed=1, **settings):
    net = NetFactory.create_neural_net([5, 40, 3], Rectifier, Softmax)
    net.randomize_parameters(seed)
    return StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=1e-4), 0.2, batch_size=10, seed=2,
                                     **settings)


def test_train_applies_the_schedule_after_each_epoch_and_records_the_rate_used():
    trainer = classifier(schedule=ExponentialDecay(0.5))
    history = trainer.train(blobs(), 3)
    assert history['learning_rate'] == [0.2, 0.1, 0.05] and trainer.learning_rate == 0.025
    # training_epoch alone leaves the rate as it is
    trainer.training_epoch(blobs())
    assert trainer.learning_rate == 0.025


def test_a_schedule_that_follows_the_evaluation_cost_needs_evaluation_data_before_any_work():
    trainer = classifier(schedule=ReduceOnPlateau())
    before = trainer.neural_net.parameters().copy()
    with pytest.raises(ValueError, match='evaluation_data'):
        trainer.train(blobs(), 3)
    with pytest.raises(ValueError, match='evaluation_data'):
        classifier().train(blobs(), 3, patience=2)
    np.testing.assert_array_equal(trainer.neural_net.parameters(), before)
    assert trainer.epochs_done == 0


def test_reduce_on_plateau_in_train_follows_the_evaluation_costs_it_recorded():
    trainer = classifier(schedule=ReduceOnPlateau(factor=0.5, patience=1))
    small = blobs(40, seed=3)          # few examples: the evaluation cost soon stops falling
    history = trainer.train(blobs(), 12, evaluation_data=small)
    expected = rates_of(ReduceOnPlateau(factor=0.5, patience=1), 0.2, history['evaluation_cost'])
    assert history['learning_rate'] == expected[:-1] and trainer.learning_rate == expected[-1]
    assert min(expected) < 0.2


@pytest.mark.parametrize('patience', [1, 3])
def test_early_stopping_stops_after_patience_epochs_without_improvement_and_restores_the_best(patience):
    training, validation = validation_split(blobs(200), 0.4, seed=5)
    # The same run without early stopping, keeping the parameters of every epoch.
    full = classifier(momentum=0.9)
    kept = []
    costs = full.train(training, 30, evaluation_data=validation,
                       callback=lambda e, h: kept.append(full.neural_net.parameters().copy()))['evaluation_cost']
    best = int(np.argmin(costs[:next(e for e in range(len(costs)) if e - np.argmin(costs[:e + 1]) >= patience)
                               + 1]))
    trainer = classifier(momentum=0.9)
    history = trainer.train(training, 30, evaluation_data=validation, patience=patience)
    assert history.best_epoch == best + 1
    assert len(history) == best + 1 + patience < 30
    np.testing.assert_array_equal(trainer.neural_net.parameters(), kept[best])
    assert trainer.epochs_done == len(history)


def test_early_stopping_restores_the_best_epoch_when_the_run_ends_first_or_is_stopped():
    training, validation = validation_split(blobs(200), 50, seed=5)
    trainer = classifier()
    kept = []
    history = trainer.train(training, 4, evaluation_data=validation, patience=10,
                            callback=lambda e, h: (kept.append(trainer.neural_net.parameters().copy()), e < 3)[1])
    assert len(history) == 3
    np.testing.assert_array_equal(trainer.neural_net.parameters(), kept[history.best_epoch - 1])
    assert history['evaluation_cost'][history.best_epoch - 1] == min(history['evaluation_cost'])


def test_bad_patience_is_refused():
    for patience in (0, -1, 2.5, True):
        with pytest.raises((TypeError, ValueError), match='patience'):
            classifier().train(blobs(), 3, evaluation_data=blobs(), patience=patience)


def test_full_batch_descent_and_adam_follow_schedules_too():
    src = blobs(60)
    net = NetFactory.create_neural_net([5, 8, 3], Rectifier, Softmax)
    net.randomize_parameters(0)
    gd = GradientDescent(net, CrossEntropyCost(net), 0.4, momentum=0.5, schedule=StepDecay(2, 0.5))
    assert gd.train(src, 4)['learning_rate'] == [0.4, 0.4, 0.2, 0.2]
    adam = Adam(net, CrossEntropyCost(net), 0.01, schedule=ExponentialDecay(0.1))
    assert adam.train(src, 2)['learning_rate'] == [0.01, 0.001]


# ----- the validation split ----------------------------------------------------

def test_validation_split_deals_every_example_once_and_repeats_with_its_seed():
    X = np.arange(50.0).reshape(25, 2)
    src = PreloadSource((X, one_hot(np.arange(25) % 3, 3)))
    training, validation = validation_split(src, 0.2, seed=1)
    assert (training.number_of_examples(), validation.number_of_examples()) == (20, 5)
    rows = np.concatenate([training.get_examples()[0][:, 0], validation.get_examples()[0][:, 0]]) / 2
    assert sorted(rows) == list(range(25))
    assert list(training.get_examples()[0][:, 0]) == sorted(training.get_examples()[0][:, 0])  # order kept
    again = validation_split(src, 5, seed=1)[1]
    np.testing.assert_array_equal(again.get_examples()[0], validation.get_examples()[0])
    other = validation_split(src, 5, seed=2)[1]
    assert not np.array_equal(other.get_examples()[0], validation.get_examples()[0])
    # The parts are data sources like any other: read in a dtype, taken by index, trained on.
    X32, _ = training.read(0, 3, np.float32)
    assert X32.dtype == np.float32 and X32.shape == (3, 2)
    np.testing.assert_array_equal(training.take(np.array([2, 0]))[0], training.get_examples()[0][[2, 0]])


@pytest.mark.parametrize('validation', [0, 25, 26, -3, 1.0, 0.0, -0.5, 0.01, 0.99])
def test_a_split_that_leaves_a_part_empty_is_refused(validation):
    src = PreloadSource((np.zeros((25, 2)), np.zeros((25, 1))))
    with pytest.raises(ValueError, match='at least one example in each part|between 0 and 1'):
        validation_split(src, validation)


@pytest.mark.parametrize('validation', ['0.2', None, True, [5]])
def test_a_split_of_the_wrong_kind_is_refused(validation):
    with pytest.raises(TypeError, match='validation'):
        validation_split(PreloadSource((np.zeros((25, 2)), np.zeros((25, 1)))), validation)
    with pytest.raises(TypeError, match='DataSource'):
        validation_split((np.zeros((25, 2)), np.zeros((25, 1))), 0.2)
    assert math.isfinite(0.2)
