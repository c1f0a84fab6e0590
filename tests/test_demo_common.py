"""The demos' shared machinery (demos/common.py) on a small synthetic problem: no MNIST needed."""
import os
import re
import signal
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'demos'))

import common  # noqa: E402
from activation_functions import Rectifier, Softmax  # noqa: E402
from cost_functions import CrossEntropyCost  # noqa: E402
from cost_functions import accuracy  # noqa: E402
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
    summary = common.train_classifier(net, cost, trainer, training, test, args, name='blobs')
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(' (')[0] for line in lines if line.startswith('epoch ')] == ['epoch 1', 'epoch 2', 'epoch 3']
    assert lines[-1] == 'test accuracy: {:.2f}%'.format(100 * accuracy(net, test.source))
    assert summary['evaluation_accuracy'] > 0.9
    restored = NeuralNet.create_from_file(str(tmp_path / 'net.json'))
    np.testing.assert_array_equal(restored.parameters(), net.parameters())
    assert (tmp_path / 'pictures' / 'blobs_learning_curves.png').stat().st_size > 10000


class StepCounter(StochasticGradientDescent):
    """SGD that counts its steps and presses Ctrl+C (raises SIGINT) after step ``press_at``."""

    press_at = None
    steps = 0

    def training_epoch(self, data_src, on_batch=None):
        def counting(batch_index, n_batches):
            self.steps += 1
            if self.steps == self.press_at:
                signal.raise_signal(signal.SIGINT)
            on_batch(batch_index, n_batches)
        super().training_epoch(data_src, on_batch=counting)


def test_ctrl_c_stops_after_the_current_mini_batch_and_keeps_everything(tmp_path, capsys):
    net, cost, training, test = small_problem()
    trainer = StepCounter(net, cost, 0.1, batch_size=10, seed=0)
    trainer.press_at = 30 + 4  # 30 mini-batches per epoch: press in the 4th step of epoch 2
    args = common.standard_parser('a demo', epochs=50).parse_args(
        ['--save', str(tmp_path / 'net.json'), '--out', str(tmp_path)])
    handler = signal.getsignal(signal.SIGINT)
    summary = common.train_classifier(net, cost, trainer, training, test, args, name='blobs')
    assert trainer.steps == 34 and trainer.epochs_done == 1
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
    recipe = common.Recipe(hidden=[12], learning_rate=0.4, decay=0.5, l2=0.001, batch_size=30, epochs=3,
                           momentum=0.5, nesterov=True, dropout=[0.1, 0.2])
    args = common.standard_parser('a demo', epochs=3).parse_args(['--seed', '2'])
    net, cost, trainer = recipe.build(args, inputs=8, outputs=3, batch_size=20)
    assert net.layer_sizes() == [8, 12, 3] and cost.l2_reg_term == 0.001
    assert (trainer.momentum, trainer.nesterov, trainer.dropout, trainer.batch_size) == (0.5, True, (0.1, 0.2), 20)
    rates = []

    def on_epoch(record):
        rates.append(record['learning_rate'])   # the rate the epoch used

    common.train_run(trainer, training.source, 3, evaluation_data=test.source, on_epoch=on_epoch)
    assert rates == [0.4, 0.2, 0.1] and trainer.learning_rate == 0.05
    assert 'schedule ExponentialDecay(factor=0.5), Nesterov momentum 0.5, dropout 0.1, 0.2' in \
        common.training_settings(trainer)


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
    common.train_run(trainer, training.source, 2, evaluation_data=test.source)
    assert [line.split(' (')[0] for line in written] == ['epoch 1', 'epoch 2']


def moved(image, dy, dx):
    """A 28 x 28 ``image`` moved down by ``dy`` and right by ``dx`` pixels (negative: up, left), zeros let in."""
    result = np.zeros_like(image)
    result[max(dy, 0):28 + min(dy, 0), max(dx, 0):28 + min(dx, 0)] = \
        image[max(-dy, 0):28 + min(-dy, 0), max(-dx, 0):28 + min(-dx, 0)]
    return result


@pytest.mark.parametrize('reach', [1, 2])
def test_shifted_digits_move_each_digit_a_step_takes_and_leave_the_measured_digits_unmoved(reach):
    rng = np.random.default_rng(5)
    images = rng.random((6, 784)).astype(np.float32)
    labels = np.arange(6) % 3
    digits = MnistSplit(images, labels, np.eye(3, dtype=np.float32)[labels])
    net = NetFactory.create_neural_net([784, 4, 3], Rectifier, Softmax, dtype=np.float32)
    trainer = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=3, seed=7)
    shifted = common.ShiftedDigits(digits.source, trainer, reach)
    assert shifted.number_of_examples() == 6 and (shifted.input_size(), shifted.output_size()) == (784, 3)
    X, Y = shifted.read(0, 6, np.float32)
    assert (X == images).all() and (Y == digits.targets).all()

    indices = np.array([4, 1, 1, 0])
    draws = np.random.default_rng(7).integers(0, 2 * reach + 1, size=(2, 4))  # what trainer.rng draws next
    out = (np.full((4, 784), np.nan, np.float32), np.full((4, 3), np.nan, np.float32))
    assert shifted.take(indices, np.float32, out) is out
    for row, (index, corner_row, corner_column) in enumerate(zip(indices, *draws)):
        expected = moved(images[index].reshape(28, 28), reach - corner_row, reach - corner_column)
        assert (out[0][row].reshape(28, 28) == expected).all()
        assert (out[1][row] == digits.targets[index]).all()

    X, Y = shifted.take([3, 5], np.float64)  # a list of indices, another dtype, another batch size
    assert X.dtype == Y.dtype == np.float64 and X.shape == (2, 784) and (Y == digits.targets[[3, 5]]).all()
    lost = images[[3, 5]].sum(axis=1) - X.sum(axis=1)   # the pixels moved out: at most 2 * 28 * reach, each below 1
    assert ((lost > -1e-9) & (lost < 2 * 28 * reach)).all()

    seen = set()
    for _ in range(400):  # every move within reach comes up
        X, _ = shifted.take(np.array([2]))
        seen.update((dy, dx) for dy in range(-reach, reach + 1) for dx in range(-reach, reach + 1)
                    if (X[0].reshape(28, 28) == moved(images[2].reshape(28, 28), dy, dx)).all())
    assert len(seen) == (2 * reach + 1) ** 2
