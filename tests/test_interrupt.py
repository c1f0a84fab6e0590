"""Ctrl+C inside train(): the trainer is left exactly as it was at the end of the last whole epoch.

Whatever the moment a ``KeyboardInterrupt`` lands (in a step, between two,
while the epoch is measured, while the schedule steps, while the record is
kept), ``train`` puts back the parameters, the rule's state, both random
states, the schedule, the learning rate, the history and ``epochs_done`` of
the end of the last whole epoch, then lets the interrupt go on; a checkpoint
saved then resumes bit for bit as a run never stopped. Tested with a real
SIGINT sent to a training process after a sweep of delays, and in-process
with an interrupt raised at chosen points.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import feedforward_training
from activation_functions import Rectifier, Softmax
from cost_functions import CrossEntropyCost
from data_source import PreloadSource, one_hot
from feedforward_checkpoint import load_checkpoint, save_checkpoint
from feedforward_schedules import ReduceOnPlateau
from gradient_descent import Adam, StochasticGradientDescent
from neural_net import NetFactory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPOCHS = 6

# The run of the tests, in a child process: trains EPOCHS epochs; on Ctrl+C, saves a checkpoint and says so.
CHILD = textwrap.dedent('''
    import sys
    sys.path[:0] = [sys.argv[1], sys.argv[2]]
    from feedforward_checkpoint import save_checkpoint
    from test_interrupt import EPOCHS, data, trainer
    training, evaluation = data()
    run = trainer(sys.argv[4])
    print('ready', flush=True)
    try:
        run.train(training, EPOCHS, evaluation_data=evaluation, measure_training=True)
    except KeyboardInterrupt:
        save_checkpoint(sys.argv[3], run)
        print('interrupted', run.epochs_done, flush=True)
    else:
        print('finished', flush=True)
''')


def data():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 6000)
    X = rng.normal(size=(6000, 20)) + np.eye(3, 20)[labels]
    return PreloadSource((X[:5000], one_hot(labels[:5000], 3))), PreloadSource((X[5000:], one_hot(labels[5000:], 3)))


def trainer(kind='momentum'):
    """Momentum with dropout and a schedule that follows the evaluation cost, or Adam: every kind of state."""
    net = NetFactory.create_neural_net([20, 32, 3], Rectifier, Softmax)
    net.randomize_parameters(1)
    cost = CrossEntropyCost(net, l2_reg_term=1e-3)
    schedule = ReduceOnPlateau(factor=0.5, patience=0, threshold=0.02)
    if kind == 'adam':
        return Adam(net, cost, 0.003, batch_size=10, seed=2, dropout=0.2, schedule=schedule, threads=1)
    return StochasticGradientDescent(net, cost, 0.05, batch_size=10, seed=2, momentum=0.9, dropout=0.2,
                                     schedule=schedule, threads=1)


def finished(run):
    """What a run ends with, to the bit: the parameters, the rule's state, the random states, the learning rate, the
    schedule's state and the history (but its times)."""
    history = [{key: value for key, value in record.items() if key not in ('seconds', 'wall_time')}
               for record in run.history]
    return (run.neural_net.parameters().tobytes(), {name: a.tobytes() for name, a in run.rule.state().items()},
            run.rng.bit_generator.state, run.dropout_rng.bit_generator.state, run.learning_rate,
            json.dumps(run.schedule.state()), json.dumps(history), run.epochs_done)


@pytest.fixture(scope='module')
def straight():
    training, evaluation = data()
    runs = {}
    for kind in ('momentum', 'adam'):
        run = trainer(kind)
        run.train(training, EPOCHS, evaluation_data=evaluation, measure_training=True)
        runs[kind] = finished(run)
    return runs


@pytest.mark.parametrize('kind, delays', [('momentum', [0.0, 0.013, 0.029, 0.041, 0.057, 0.066, 0.078, 0.093,
                                                        0.108, 0.121, 0.137, 0.152]),
                                          ('adam', [0.004, 0.022, 0.035, 0.049, 0.071, 0.086, 0.101, 0.129])])
def test_a_real_sigint_at_any_moment_leaves_a_checkpoint_that_resumes_as_a_run_never_stopped(tmp_path, straight, kind,
                                                                                            delays):
    training, evaluation = data()
    landed = []
    for i, delay in enumerate(delays):
        path = tmp_path / 'interrupted{}.json'.format(i)
        child = subprocess.Popen([sys.executable, '-c', CHILD, ROOT, os.path.join(ROOT, 'tests'), str(path), kind],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == 'ready'
            time.sleep(delay)
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
        assert child.returncode == 0, err
        if out.startswith('finished'):
            continue
        landed.append(int(out.split()[1]))
        resumed = load_checkpoint(path)
        assert resumed.epochs_done == landed[-1] and len(resumed.history) == landed[-1]
        resumed.train(training, EPOCHS - resumed.epochs_done, evaluation_data=evaluation, measure_training=True)
        assert finished(resumed) == straight[kind], 'interrupted after {} s (epoch {})'.format(delay, landed[-1])
    # The interrupts landed in several epochs, so the sweep saw the steps of more than one epoch, and its ends.
    assert len(set(landed)) >= 3, landed


class Interrupt(Exception):
    pass


@pytest.mark.parametrize('where', ['first step', 'mid epoch', 'last step', 'measuring', 'schedule', 'recording'])
def test_an_interrupt_at_each_part_of_an_epoch_puts_back_the_end_of_the_last_whole_epoch(where, monkeypatch, tmp_path):
    training, evaluation = data()
    run = trainer()
    run.train(training, 2, evaluation_data=evaluation, measure_training=True)
    before = finished(run)
    steps = []

    def on_batch(batch_index, n_batches):
        steps.append(batch_index)
        if (where, batch_index) in (('first step', 0), ('mid epoch', 250), ('last step', n_batches - 1)):
            raise KeyboardInterrupt
    if where == 'measuring':
        monkeypatch.setattr(run.cost_function, '_measure', lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    if where == 'schedule':
        monkeypatch.setattr(run.schedule, 'next_learning_rate', lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    if where == 'recording':
        original = run.history.append

        def append(record):
            original(record)
            raise KeyboardInterrupt
        monkeypatch.setattr(run.history, 'append', append)
    with pytest.raises(KeyboardInterrupt):
        run.train(training, 3, evaluation_data=evaluation, measure_training=True, on_batch=on_batch)
    assert finished(run) == before and not run.in_epoch
    monkeypatch.undo()
    save_checkpoint(tmp_path / 'c.json', run)         # between epochs: a checkpoint takes it


def test_an_interrupt_in_the_callback_keeps_the_whole_epoch_before_it():
    training, evaluation = data()
    run = trainer()

    def callback(epoch, history):
        if epoch == 2:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        run.train(training, 4, evaluation_data=evaluation, callback=callback)
    assert run.epochs_done == 2 and len(run.history) == 2 and not run.in_epoch


def test_an_interrupt_within_training_epoch_puts_back_its_start():
    training, _ = data()
    run = trainer()
    run.training_epoch(training)
    before = finished(run)

    def on_batch(batch_index, n_batches):
        if batch_index == 100:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        run.training_epoch(training, on_batch=on_batch)
    assert finished(run) == before


def test_a_second_ctrl_c_while_a_trainer_is_put_back_waits_until_it_is_whole(monkeypatch):
    """The putting back holds Ctrl+C: a SIGINT that arrives during it is raised after it, not in its middle."""
    training, evaluation = data()
    run = trainer()
    run.train(training, 1, evaluation_data=evaluation)
    before = finished(run)
    original = feedforward_training._EpochStart.put_back

    def put_back_while_pressed(self, trainer):
        signal.raise_signal(signal.SIGINT)              # a second Ctrl+C, in the middle of putting back
        original(self, trainer)
    monkeypatch.setattr(feedforward_training._EpochStart, 'put_back', put_back_while_pressed)

    def on_batch(batch_index, n_batches):
        if batch_index == 10:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        run.train(training, 2, evaluation_data=evaluation, on_batch=on_batch)
    assert finished(run) == before
