"""The demos' shared machinery (demos/common.py) on a small synthetic problem: no MNIST needed."""
import os
import re
import signal
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'demos'))

import classification  # noqa: E402
import common  # noqa: E402
import training_loop  # noqa: E402
from activation_functions import Rectifier, Softmax  # noqa: E402
from cost_functions import CrossEntropyCost  # noqa: E402
from cost_functions import accuracy  # noqa: E402
from data_source import DataSource  # noqa: E402
from gradient_descent import StochasticGradientDescent  # noqa: E402
from feedforward_mnist import MnistSplit  # noqa: E402
from neural_net import NetFactory, NeuralNet  # noqa: E402


def blobs(n, seed):
    """n examples of 3 classes: 8 inputs around a different centre per class."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = np.array([[1.0] * 4 + [0.0] * 4, [0.0] * 4 + [1.0] * 4, [1.0, 0.0] * 4])
    images = np.clip(centres[labels] + 0.3 * rng.standard_normal((n, 8)), 0, 1)
    return MnistSplit(images, labels, np.eye(3)[labels])


def small_problem(l2=0.001):
    net = NetFactory.create_neural_net([8, 12, 3], Rectifier, Softmax)
    net.randomize_parameters(seed=3)
    cost = CrossEntropyCost(net, l2_reg_term=l2)
    return net, cost, blobs(300, 1), blobs(100, 2)


def test_the_demos_cost_and_accuracy_agree_with_the_library():
    net, cost, training, test = small_problem()
    StochasticGradientDescent(net, cost, 0.1, batch_size=10, seed=0).train(training.source, 2)
    value, share = cost.cost_and_accuracy(test.source)
    assert value == pytest.approx(cost.get_cost(test.source), rel=1e-12)
    assert share == pytest.approx(accuracy(net, test.source), abs=0)
    # and by hand: the share of rows whose largest output is at the label
    assert share == pytest.approx(np.mean(net.feed(test.images).argmax(axis=1) == test.labels))


def test_standard_flags(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    parser = common.standard_parser('a demo', epochs=7)
    args = parser.parse_args([])
    assert (args.epochs, args.data_dir, args.seed, args.save, args.out) == (7, None, 1, None, 'out')
    args = parser.parse_args(['--epochs', '2', '--data-dir', 'd', '--seed', '5', '--save', 'n.json', '--out', 'o'])
    assert (args.epochs, args.data_dir, args.seed, args.save, args.out) == (2, 'd', 5, 'n.json', 'o')
    with pytest.raises(SystemExit):
        parser.parse_args(['--epochs', '0'])


def test_rngs_are_repeatable_and_independent():
    args = common.standard_parser('a demo', epochs=1).parse_args(['--seed', '4'])
    first, second = common.rngs(args)
    again, _ = common.rngs(args)
    assert first.random() == again.random()
    assert common.rngs(args)[0].random() != second.random()


def test_a_whole_run_prints_saves_and_plots(tmp_path, capsys):
    net, cost, training, test = small_problem()
    trainer = StochasticGradientDescent(net, cost, 0.1, batch_size=10, seed=0)
    args = common.standard_parser('a demo', epochs=3).parse_args(
        ['--save', str(tmp_path / 'net.json'), '--out', str(tmp_path / 'pictures')])
    summary = training_loop.train_classifier(net, cost, trainer, training, test, args, name='blobs')
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(' (')[0] for line in lines if line.startswith('epoch ')] == ['epoch 1', 'epoch 2', 'epoch 3']
    assert lines[-1] == 'test accuracy: {:.2f}%'.format(100 * accuracy(net, test.source))
    assert summary['evaluation_accuracy'] > 0.9
    restored = NeuralNet.create_from_file(str(tmp_path / 'net.json'))
    np.testing.assert_array_equal(restored.parameters(), net.parameters())
    assert (tmp_path / 'pictures' / 'blobs_learning_curves.png').stat().st_size > 10000


class PressCtrlC(DataSource):
    """The examples of ``source``, counting the mini-batches steps take; presses Ctrl+C (raises SIGINT) as a step
    takes mini-batch ``at``."""

    def __init__(self, source, at):
        self.source, self.at, self.taken = source, at, 0

    def number_of_examples(self):
        return self.source.number_of_examples()

    def get_examples(self, index_from=0, index_to=None):
        return self.source.get_examples(index_from, index_to)

    def take(self, indices, dtype=None, out=None):
        self.taken += 1
        if self.taken == self.at:
            signal.raise_signal(signal.SIGINT)
        return self.source.take(indices, dtype, out)


def test_ctrl_c_stops_after_the_current_mini_batch_and_keeps_everything(tmp_path, capsys):
    net, cost, training, test = small_problem()
    trainer = StochasticGradientDescent(net, cost, 0.1, batch_size=10, seed=0)
    source = PressCtrlC(training.source, 30 + 4)  # 30 mini-batches per epoch: press in the 4th step of epoch 2
    args = common.standard_parser('a demo', epochs=50).parse_args(
        ['--save', str(tmp_path / 'net.json'), '--out', str(tmp_path)])
    handler = signal.getsignal(signal.SIGINT)
    summary = training_loop.train_classifier(net, cost, trainer, training, test, args, name='blobs', source=source)
    assert source.taken == 34 and trainer.epochs_done == 1
    assert signal.getsignal(signal.SIGINT) is handler
    assert summary['epoch'] == pytest.approx(1 + 4 / 30)
    output = capsys.readouterr().out
    assert 'interrupted after 4 of 30 mini-batches of epoch 2' in output
    assert output.strip().splitlines()[-1] == 'test accuracy: {:.2f}%'.format(100 * accuracy(net, test.source))
    restored = NeuralNet.create_from_file(str(tmp_path / 'net.json'))
    np.testing.assert_array_equal(restored.parameters(), net.parameters())
    assert (tmp_path / 'blobs_learning_curves.png').exists()


def test_digit_grid_writes_a_picture(tmp_path):
    images = np.random.default_rng(0).random((2, 3, 784))
    path = common.digit_grid(images, str(tmp_path / 'grid.png'), 'random', row_labels=['a', 'b'])
    assert os.path.getsize(path) > 1000
    assert re.search(r'grid\.png$', path)


def test_a_recipe_builds_a_trainer_whose_learning_rate_decays_by_the_factor_after_each_epoch(capsys):
    _, _, training, test = small_problem()
    recipe = classification.Recipe(hidden=[12], learning_rate=0.4, decay=0.5, l2=0.001, batch_size=30, epochs=3,
                           momentum=0.5, nesterov=True, dropout=[0.1, 0.2])
    args = common.standard_parser('a demo', epochs=3).parse_args(['--seed', '2'])
    net, cost, trainer = recipe.build(args, inputs=8, outputs=3, batch_size=20)
    assert net.layer_sizes() == [8, 12, 3] and cost.l2_reg_term == 0.001
    assert (trainer.momentum, trainer.nesterov, trainer.dropout, trainer.batch_size) == (0.5, True, (0.1, 0.2), 20)
    rates = []

    def on_epoch(record):
        rates.append(record['learning_rate'])   # the rate the epoch used

    training_loop.train_run(trainer, training.source, 3, evaluation_data=test.source, on_epoch=on_epoch)
    assert rates == [0.4, 0.2, 0.1] and trainer.learning_rate == 0.05
    assert common.training_settings(trainer) == (
        'StochasticGradientDescent(learning_rate=0.05, batch_size=20, momentum=0.5, nesterov=True, dropout=(0.1, 0.2), '
        'schedule=ExponentialDecay(factor=0.5), epochs_done=3), L2 term 0.001')


@pytest.mark.parametrize('flags,message', [
    (['--epochs', '0'], 'argument --epochs: expected a positive integer, got 0'),
    (['--save', 'NOWHERE/net.json'], 'argument --save: NOWHERE/net.json cannot be written'),
    (['--checkpoint', 'NOWHERE/c.json'], 'argument --checkpoint: NOWHERE/c.json cannot be written'),
    (['--out', 'FILE/pictures'], 'argument --out: cannot make the folder FILE/pictures'),
    (['--bogus'], 'unrecognized arguments: --bogus'),
])
def test_bad_flags_are_one_line_before_any_work(tmp_path, capsys, flags, message):
    (tmp_path / 'a-file').write_text('')
    flags = [f.replace('NOWHERE', str(tmp_path / 'no' / 'such')).replace('FILE', str(tmp_path / 'a-file'))
             for f in flags]
    message = message.replace('NOWHERE', str(tmp_path / 'no' / 'such')).replace('FILE', str(tmp_path / 'a-file'))
    with pytest.raises(SystemExit) as caught:
        common.standard_parser('a demo', epochs=3).parse_args(flags + ['--out', str(tmp_path / 'out')]
                                                             if '--out' not in flags else flags)
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1, error


def test_epoch_lines_do_not_break_a_progress_bar_on_a_terminal(capsys, monkeypatch):
    # The bar goes to stderr; a line printed to stdout while it is drawn must go through tqdm.
    monkeypatch.setattr(sys.stderr, 'isatty', lambda: True, raising=False)
    written = []
    import tqdm
    monkeypatch.setattr(tqdm.tqdm, 'write', classmethod(lambda cls, line, file=None, **kw: written.append(line)))
    net, cost, training, test = small_problem()
    trainer = StochasticGradientDescent(net, cost, 0.1, batch_size=10, seed=0)
    training_loop.train_run(trainer, training.source, 2, evaluation_data=test.source)
    assert [line.split(' (')[0] for line in written] == ['epoch 1', 'epoch 2']
