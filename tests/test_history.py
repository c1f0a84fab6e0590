"""What train() records per epoch, checked against plain re-implementations; diagnostics off is free."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import feedforward_training
import gradient_descent
import reference
from activation_functions import Identity, Rectifier, Sigmoid, Softmax
from cost_functions import CrossEntropyCost, QuadraticCost
from data_source import PreloadSource
from feedforward_diagnostics import diagnostic_batch, layer_diagnostics
from gradient_descent import GradientDescent, StochasticGradientDescent
from neural_net import NetFactory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def classification(n=60, seed=0, sizes=(4, 6, 3), hidden=Sigmoid):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    Y = np.eye(sizes[-1])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1)]
    net = NetFactory.create_neural_net(list(sizes), hidden, Softmax)
    net.randomize_parameters(seed)
    return net, X, Y


def plain_cost_and_accuracy(net, X, Y):
    names = [f.name for f in net.activations()]
    a = reference.forward(net.weights(), net.biases(), names, X)
    cost = reference.cost('CrossEntropyCost', net.weights(), net.biases(), names, X, Y, 0.01)
    return cost, np.mean(a.argmax(axis=1) == Y.argmax(axis=1))


@pytest.mark.parametrize('full_batch', [False, True])
def test_history_records_costs_and_accuracies_of_every_epoch(full_batch):
    net, X, Y = classification()
    Xe, Ye = X[:20] * 1.5, Y[:20]
    cost = CrossEntropyCost(net, 0.01)
    gd = GradientDescent(net, cost, 0.5) if full_batch else StochasticGradientDescent(net, cost, 0.5, 7, seed=1)
    expected = []

    def check(epoch, history):
        expected.append(plain_cost_and_accuracy(net, X, Y) + plain_cost_and_accuracy(net, Xe, Ye))

    history = gd.train(PreloadSource((X, Y)), 4, evaluation_data=PreloadSource((Xe, Ye)), callback=check,
                       measure_training=True)
    assert history['epoch'] == [1, 2, 3, 4]
    for record, (cost_t, acc_t, cost_e, acc_e) in zip(history, expected):
        assert record['training_cost'] == pytest.approx(cost_t, rel=1e-10)
        assert record['training_accuracy'] == pytest.approx(acc_t)
        assert record['evaluation_cost'] == pytest.approx(cost_e, rel=1e-10)
        assert record['evaluation_accuracy'] == pytest.approx(acc_e)
    assert len(set(history['training_cost'])) == 4  # it trained


def test_wall_time_grows_and_covers_the_epochs():
    net, X, Y = classification()
    history = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, 5, seed=0).train(PreloadSource((X, Y)), 5)
    wall, seconds = history.array('wall_time'), history.array('seconds')
    assert (np.diff(wall) > 0).all()
    assert (wall >= np.cumsum(seconds)).all()


def test_accuracy_only_for_class_targets_unless_asked():
    x = np.linspace(0, 1, 12).reshape(-1, 1)
    net = NetFactory.create_neural_net([1, 4, 1], Sigmoid, Identity)
    net.randomize_parameters(0)
    gd = GradientDescent(net, QuadraticCost(net), 0.1)
    assert 'training_accuracy' not in gd.train(PreloadSource((x, x ** 2)), 1, measure_training=True).keys()
    binary = PreloadSource((x, (x > 0.5).astype(float)))
    assert gd.train(binary, 1, measure_training=True)['training_accuracy'] == [
        pytest.approx(np.mean((net.feed(x) > 0.5) == (x > 0.5)))]
    assert 'training_accuracy' not in gd.train(binary, 1, accuracy=False, measure_training=True).keys()
    assert 'training_accuracy' in gd.train(binary, 1, accuracy=True, measure_training=True).keys()
    # Targets that are not classes have no accuracy (cost_functions.check_class_targets), even when asked for.
    with pytest.raises(ValueError, match='expected class targets'):
        gd.train(PreloadSource((x, x ** 2)), 1, accuracy=True, measure_training=True)


def test_history_array_shapes():
    net, X, Y = classification(sizes=(4, 6, 5, 3))
    history = GradientDescent(net, CrossEntropyCost(net), 0.5).train(PreloadSource((X, Y)), 3, diagnostics=True,
                                                                     measure_training=True)
    assert history.array('training_cost').shape == (3,)
    assert history.array('weight_gradient_norm').shape == (3, 3)
    with pytest.raises(KeyError, match=r"'evaluation_cost' is not in this history \(train records it when given "
                                       r"evaluation_data\); it holds epoch, seconds, learning_rate, training_cost, training_accuracy"):
        history.array('evaluation_cost')


def test_unknown_keys_raise_a_key_error_that_names_the_keys_there_are():
    net, X, Y = classification()
    history = GradientDescent(net, CrossEntropyCost(net), 0.5).train(PreloadSource((X, Y)), 2, measure_training=True)
    with pytest.raises(KeyError, match="'training_cots' is not in this history; it holds epoch, seconds, "
                                       "learning_rate, training_cost, training_accuracy, wall_time"):
        history['training_cots']
    assert history[-1] is history.records[-1] and history[-1]['epoch'] == 2
    assert history[:1] == history.records[:1]
    with pytest.raises(IndexError):
        history[5]


def test_the_trainer_keeps_the_history_of_every_train_call():
    net, X, Y = classification()
    gd = GradientDescent(net, CrossEntropyCost(net), 0.5)
    first = gd.train(PreloadSource((X, Y)), 2)
    second = gd.train(PreloadSource((X, Y)), 3)
    assert first['epoch'] == [1, 2] and second['epoch'] == [3, 4, 5]
    assert gd.history['epoch'] == [1, 2, 3, 4, 5]
    assert gd.history.records == first.records + second.records


@pytest.mark.parametrize('how', ['callback returns False', 'callback raises', 'on_batch raises'])
def test_train_stops_when_asked_and_returns_the_finished_epochs(how):
    from gradient_descent import StopTraining
    net, X, Y = classification(n=40)
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=10, seed=0)
    steps = []

    def callback(epoch, history):
        if epoch == 2:
            if how == 'callback raises':
                raise StopTraining
            return False

    def on_batch(batch_index, n_batches):
        steps.append(batch_index)
        if len(steps) == 6 and how == 'on_batch raises':
            raise StopTraining

    history = sgd.train(PreloadSource((X, Y)), 5, callback=callback, on_batch=on_batch)
    if how == 'on_batch raises':   # in the middle of epoch 2: one epoch finished
        assert history['epoch'] == [1] and len(steps) == 6 and sgd.epochs_done == 1
    else:
        assert history['epoch'] == [1, 2] and len(steps) == 8 and sgd.epochs_done == 2


def test_diagnostics_are_those_of_the_fixed_batch_after_each_epoch():
    net, X, Y = classification(n=1300, hidden=Rectifier)
    src = PreloadSource((X, Y))
    cost = CrossEntropyCost(net, 0.01)
    Xd, Yd = diagnostic_batch(src, net)
    assert len(Xd) == 1000
    expected = []
    history = StochasticGradientDescent(net, cost, 0.1, 50, seed=0).train(
        src, 3, diagnostics=True, callback=lambda e, h: expected.append(layer_diagnostics(cost, Xd, Yd)))
    for record, values in zip(history, expected):
        for key, per_layer in values.items():
            np.testing.assert_array_equal(record[key], per_layer)
            assert len(record[key]) == 2


def train_parameters(how, epochs=3):
    net, X, Y = classification(n=90, sizes=(4, 8, 8, 3))
    src = PreloadSource((X, Y))
    cost = CrossEntropyCost(net, 0.001)
    sgd = StochasticGradientDescent(net, cost, 0.3, batch_size=8, seed=4)
    if how == 'manual':
        for _ in range(epochs):
            sgd.training_epoch(src)
            cost.get_cost(src)
    else:
        sgd.train(src, epochs, evaluation_data=src, diagnostics=(how == 'diagnostics'))
    return net.parameters().copy()


def test_diagnostics_on_or_off_train_the_same_bits_as_the_manual_loop():
    manual = train_parameters('manual')
    np.testing.assert_array_equal(train_parameters('plain'), manual)
    np.testing.assert_array_equal(train_parameters('diagnostics'), manual)


def test_diagnostics_off_computes_nothing_extra(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError('diagnostics computed while off')
    monkeypatch.setattr(feedforward_training, 'layer_diagnostics', refuse)
    monkeypatch.setattr(feedforward_training, 'diagnostic_batch', refuse)
    net, X, Y = classification(n=50)
    cost = CrossEntropyCost(net)
    calls = []
    original = cost._gradient  # the trainers' own, unchecked gradient
    monkeypatch.setattr(cost, '_gradient', lambda X, Y, **options: calls.append(len(X)) or original(X, Y, **options))
    history = StochasticGradientDescent(net, cost, 0.1, batch_size=10, seed=0).train(PreloadSource((X, Y)), 2)
    assert calls == [10] * 10  # one gradient per mini-batch, nothing more
    assert 'weight_gradient_norm' not in history.keys()


def test_progress_bar_shows_every_batch(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, 'isatty', lambda: True, raising=False)
    net, X, Y = classification(n=40)
    StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=10, seed=0).train(
        PreloadSource((X, Y)), 2, progress=True, measure_training=True)
    written = capsys.readouterr()
    assert '8/8' in written.err and 'epoch 2' in written.err
    lines = written.out.splitlines()      # each epoch's line, above the bar
    assert [line.split(' ')[:2] for line in lines] == [['epoch', '1/2'], ['epoch', '2/2']]
    assert all(re.search(r'^epoch \d/2 \d+\.\d\ds \| train cost \d\.\d{4} acc \d+\.\d\d%$', line) and len(line) < 80
               for line in lines)


def test_verbose_prints_a_line_per_epoch_with_no_bar_and_progress_can_go_without_them(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, 'isatty', lambda: True, raising=False)
    net, X, Y = classification(n=40)
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=10, seed=0)
    sgd.train(PreloadSource((X, Y)), 2, verbose=True)
    written = capsys.readouterr()
    assert written.err == '' and [line.split(' ')[:2] for line in written.out.splitlines()] == [['epoch', '1/2'],
                                                                                                ['epoch', '2/2']]
    assert re.match(r'^epoch 1/2 \d+\.\d\ds$', written.out.splitlines()[0])     # nothing measured: the epoch, its time
    sgd.train(PreloadSource((X, Y)), 1, progress=True, verbose=False)
    written = capsys.readouterr()
    assert written.out == '' and '4/4' in written.err


def test_progress_bar_is_not_drawn_when_the_output_is_not_a_terminal(capsys):
    # A log file would get a line per redraw; a run whose stderr goes to a file prints no bar.
    net, X, Y = classification(n=40)
    StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=10, seed=0).train(
        PreloadSource((X, Y)), 2, progress=True)
    assert capsys.readouterr().err == ''


def test_progress_without_tqdm_says_so_and_trains_nothing(monkeypatch):
    monkeypatch.setitem(sys.modules, 'tqdm', None)
    monkeypatch.setitem(sys.modules, 'tqdm.auto', None)
    net, X, Y = classification()
    before = net.parameters().copy()
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1)
    with pytest.raises(ImportError, match='pip install tqdm'):
        sgd.train(PreloadSource((X, Y)), 2, progress=True)
    np.testing.assert_array_equal(net.parameters(), before)
    assert sgd.epochs_done == 0


def test_indexing_a_history_says_what_it_holds():
    net, X, Y = classification()
    history = GradientDescent(net, CrossEntropyCost(net), 0.5).train(PreloadSource((X, Y)), 2)
    with pytest.raises(IndexError, match=r'expected an epoch index from -2 to 1 \(the history holds 2 epochs\), got 5'):
        history[5]
    with pytest.raises(KeyError) as caught:
        history['training_cots']
    assert str(caught.value).startswith("'training_cots' is not in this history")  # quoted once, not twice
    with pytest.raises(TypeError, match='expected records as a sequence of dictionaries'):
        gradient_descent.History(5)


PROGRESS_RUN = '''
import numpy as np
from activation_functions import Sigmoid, Softmax
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
from gradient_descent import StochasticGradientDescent
from neural_net import NetFactory
rng = np.random.default_rng(0)
X = rng.normal(size=(3000, 4))
Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
net = NetFactory.create_neural_net([4, 8, 2], Sigmoid, Softmax)
net.randomize_parameters(seed=0)
StochasticGradientDescent(net, CrossEntropyCost(net), 0.5, batch_size=10, seed=0).train(
    PreloadSource((X, Y)), 3, evaluation_data=PreloadSource((X[:500], Y[:500])), progress=True,
    measure_training=True)
'''


@pytest.mark.skipif(not hasattr(os, 'openpty'), reason='needs a pseudo-terminal')
@pytest.mark.parametrize('columns', [80, 110])
def test_in_a_terminal_of_80_or_110_columns_the_bar_keeps_its_width_and_each_epoch_its_whole_line(columns):
    import fcntl
    import struct
    import termios
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 24, columns, 0, 0))
    child = subprocess.Popen([sys.executable, '-c', PROGRESS_RUN], stdin=slave, stdout=slave, stderr=slave,
                             cwd=ROOT, env=dict(os.environ, TERM='xterm'))
    os.close(slave)
    output = b''
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:                        # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    assert child.wait(timeout=60) == 0, output
    shown = [part for part in re.split(r'[\r\n]', output.decode()) if part.strip()]
    assert all(len(part) <= columns for part in shown), shown
    epochs = [part for part in shown if part.startswith('epoch ') and '|' in part and ' cost ' in part]
    assert [line.split()[1] for line in epochs] == ['1/3', '2/3', '3/3']
    assert all(re.search(r'train cost \d\.\d{4} acc \d+\.\d\d% \| eval cost \d\.\d{4} acc \d+\.\d\d%$', line)
               for line in epochs), epochs
    bars = [part.split('|')[1] for part in shown if re.search(r'\d+/900 \[', part)]
    assert bars and min(len(bar) for bar in bars) >= 20, bars     # a bar a reader can see move
