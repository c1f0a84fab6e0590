"""The demos' --checkpoint and --resume: a run stopped after an epoch, or by Ctrl+C, continues exactly.

Each run is a new process running a small classification demo built like
the MNIST ones (demos/common.py's parser and train_classifier), on a
synthetic problem so that no MNIST files are needed.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from neural_net import NeuralNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEMO = textwrap.dedent('''
    """A classification demo on three blobs, for the tests."""
    import signal
    import sys
    sys.path.insert(0, {demos!r})
    import numpy as np
    import common
    import training_loop
    sys.path.insert(0, {tests!r})
    from test_demo_common import PressCtrlC      # presses Ctrl+C as a step takes a given mini-batch
    from activation_functions import Rectifier, Softmax
    from cost_functions import CrossEntropyCost
    from gradient_descent import StochasticGradientDescent
    from feedforward_mnist import MnistSplit
    from neural_net import NetFactory

    def blobs(n, seed):
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, 3, n)
        centres = np.array([[1.0] * 4 + [0.0] * 4, [0.0] * 4 + [1.0] * 4, [1.0, 0.0] * 4])
        return MnistSplit(np.clip(centres[labels] + 0.4 * rng.standard_normal((n, 8)), 0, 1), labels,
                          np.eye(3)[labels])

    def main():
        parser = common.standard_parser(__doc__, epochs=4)
        parser.add_argument('--press-ctrl-c-at', type=int, default=None)
        parser.add_argument('--press-again-at', type=int, default=None)
        parser.add_argument('--press-ctrl-c-while-loading', action='store_true')
        args = parser.parse_args()
        if args.press_ctrl_c_while_loading:
            signal.raise_signal(signal.SIGINT)
        weights_rng, shuffle_rng = common.rngs(args)
        net = NetFactory.create_neural_net([8, 12, 3], Rectifier, Softmax)
        net.randomize_parameters(weights_rng)
        cost = CrossEntropyCost(net, l2_reg_term=0.001)
        trainer = StochasticGradientDescent(net, cost, 0.2, batch_size=16, seed=shuffle_rng)
        common.resume(trainer, args)
        training = blobs(200, 1)
        source = PressCtrlC(training.source, args.press_ctrl_c_at) if args.press_ctrl_c_at else None
        if args.press_again_at:
            source = PressCtrlC(source, args.press_again_at)
        training_loop.train_classifier(net, cost, trainer, training, blobs(60, 2), args, name='blobs', source=source)

    common.run(main)
''')


@pytest.fixture
def demo(tmp_path):
    path = tmp_path / 'blobs_demo.py'
    path.write_text(DEMO.format(demos=os.path.join(ROOT, 'demos'), tests=os.path.join(ROOT, 'tests')))

    def run(*arguments, status=0):
        result = subprocess.run([sys.executable, str(path), '--out', str(tmp_path / 'out')] + list(arguments),
                                capture_output=True, text=True, timeout=120, env=dict(os.environ, MPLBACKEND='Agg'))
        assert result.returncode == status, result.stderr
        return result.stdout if status == 0 else result.stdout + result.stderr
    return run


def parameters(path):
    return NeuralNet.create_from_file(path).parameters()


def test_a_run_stopped_after_one_epoch_and_resumed_ends_exactly_as_one_never_stopped(tmp_path, demo):
    straight = demo('--epochs', '4', '--save', str(tmp_path / 'straight.json'))
    assert 'epoch 4 (' in straight
    checkpoint = str(tmp_path / 'checkpoint.json')
    first = demo('--epochs', '1', '--checkpoint', checkpoint)
    assert 'epoch 1 (' in first and 'epoch 2 (' not in first
    assert 'summary after 1 epoch: ' in first and 'summary after 4 epochs: ' in straight     # not "1 epochs"
    assert json.load(open(checkpoint))['epochs_done'] == 1
    resumed = demo('--epochs', '4', '--resume', checkpoint, '--checkpoint', checkpoint,
                   '--save', str(tmp_path / 'resumed.json'))
    assert 'resumed from {} after epoch 1'.format(checkpoint) in resumed
    assert 'epoch 1 (' not in resumed and 'epoch 2 (' in resumed and 'epoch 4 (' in resumed
    np.testing.assert_array_equal(parameters(tmp_path / 'resumed.json'), parameters(tmp_path / 'straight.json'))
    # The lines of epochs 2 to 4 (costs, accuracies) are the same too, but for their times.
    def epoch_lines(output):
        return [line.split(': ', 1)[1] for line in output.splitlines() if line.startswith('epoch ')]
    assert epoch_lines(resumed) == epoch_lines(straight)[1:]
    assert json.load(open(checkpoint))['epochs_done'] == 4


def test_ctrl_c_loses_at_most_the_epoch_in_progress(tmp_path, demo):
    straight = demo('--epochs', '3', '--save', str(tmp_path / 'straight.json'))
    checkpoint = str(tmp_path / 'checkpoint.json')
    # 200 examples in batches of 16: 13 mini-batches per epoch; Ctrl+C in the 5th of epoch 2.
    stopped = demo('--epochs', '3', '--checkpoint', checkpoint, '--press-ctrl-c-at', '18', status=130)
    assert 'interrupted after 5 of 13 mini-batches of epoch 2' in stopped
    assert 'continue with --resume {}'.format(checkpoint) in stopped
    assert json.load(open(checkpoint))['epochs_done'] == 1
    demo('--epochs', '3', '--resume', checkpoint, '--save', str(tmp_path / 'resumed.json'))
    np.testing.assert_array_equal(parameters(tmp_path / 'resumed.json'), parameters(tmp_path / 'straight.json'))
    assert 'epoch 3 (' in straight


def test_ctrl_c_while_loading_or_a_second_one_stops_at_once_in_one_line(tmp_path, demo):
    loading = demo('--press-ctrl-c-while-loading', status=130)
    assert 'Traceback' not in loading and loading.strip().splitlines()[-1] == 'stopped by Ctrl+C', loading
    straight = demo('--epochs', '3', '--save', str(tmp_path / 'straight.json'))
    checkpoint = str(tmp_path / 'checkpoint.json')
    # Two presses as the 18th mini-batch is taken: the second comes while the first waits for the batch to end.
    twice = demo('--epochs', '3', '--checkpoint', checkpoint, '--press-ctrl-c-at', '18', '--press-again-at', '18',
                 status=130)
    assert 'Traceback' not in twice and twice.strip().splitlines()[-1] == 'stopped by Ctrl+C', twice
    assert json.load(open(checkpoint))['epochs_done'] == 1       # the last whole epoch's, intact
    demo('--epochs', '3', '--resume', checkpoint, '--save', str(tmp_path / 'resumed.json'))
    np.testing.assert_array_equal(parameters(tmp_path / 'resumed.json'), parameters(tmp_path / 'straight.json'))
    assert 'epoch 3 (' in straight


def test_resuming_from_a_checkpoint_of_another_net_is_refused(tmp_path, demo):
    from activation_functions import Identity
    from feedforward_checkpoint import save_checkpoint
    from cost_functions import QuadraticCost
    from gradient_descent import StochasticGradientDescent
    from neural_net import NetFactory
    other = NetFactory.create_neural_net([8, 5, 3], Identity, Identity)
    save_checkpoint(tmp_path / 'other.json', StochasticGradientDescent(other, QuadraticCost(other), 0.1))
    demo_path = tmp_path / 'blobs_demo.py'
    result = subprocess.run([sys.executable, str(demo_path), '--resume', str(tmp_path / 'other.json'),
                             '--out', str(tmp_path / 'out')], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert 'cannot resume from' in result.stderr and '[8, 5, 3]' in result.stderr


def test_ctrl_c_before_the_first_epoch_ends_claims_no_checkpoint(tmp_path, demo):
    checkpoint = tmp_path / 'checkpoint.json'
    stopped = demo('--epochs', '3', '--checkpoint', str(checkpoint), '--press-ctrl-c-at', '5', status=130)
    assert 'interrupted after 5 of 13 mini-batches of epoch 1' in stopped
    assert 'no epoch finished, so no checkpoint was written to {}'.format(checkpoint) in stopped
    assert 'continue with --resume' not in stopped and not checkpoint.exists()


def test_a_resumed_run_draws_and_keeps_the_history_of_the_whole_run(tmp_path, demo):
    checkpoint = str(tmp_path / 'checkpoint.json')
    demo('--epochs', '2', '--checkpoint', checkpoint)
    demo('--epochs', '4', '--resume', checkpoint, '--checkpoint', checkpoint)
    history = json.load(open(checkpoint))['history']
    assert [record['epoch'] for record in history] == [1, 2, 3, 4]
    assert all(0 <= record['evaluation_accuracy'] <= 1 for record in history)


@pytest.mark.parametrize('epochs', ['1', '2'])
def test_resuming_with_no_more_epochs_than_done_is_an_error(tmp_path, demo, epochs):
    checkpoint = str(tmp_path / 'checkpoint.json')
    demo('--epochs', '2', '--checkpoint', checkpoint)
    output = demo('--epochs', epochs, '--resume', checkpoint, status=1)
    assert 'holds 2 epochs already, and --epochs {} counts those too'.format(epochs) in output
    assert 'Traceback' not in output
