"""Each MNIST demo, run end to end for one epoch on the real data, as a user would run it."""
import os
import re
import subprocess
import sys
import time

import pytest

import feedforward_mnist
from neural_net import NeuralNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASSIFIERS = ['1hidden_layer_sigmoid_xentropy', '2hidden_layers_relu_softmax_xentropy_L2',
               '4hidden_layers_relu_softmax_xentropy_L2', 'dropout_mlp']
GENERATORS = ['generating_digits', 'noisy_digits']
LAST_LINE = re.compile(r'^test accuracy: (\d{1,3}\.\d\d)%$')
#: The generators' last line: the share of their drawings from the test codes that the classifier recognises.
RECOGNISED_LINE = re.compile(r'^test recognised: (\d{1,3}\.\d\d)%$')


def mnist_dir():
    folder = os.environ.get('MNIST_DIR')
    if not folder:
        pytest.skip('MNIST_DIR is not set: the demo tests need the real MNIST files')
    if not feedforward_mnist.files_present(folder):
        pytest.skip('MNIST_DIR={} does not hold the four MNIST files'.format(folder))
    return os.path.abspath(folder)


def run_demo(name, *arguments, cwd=ROOT, status=0):
    script = os.path.join(ROOT, 'demos', name + '.py')
    if cwd != ROOT:
        script = os.path.relpath(script, cwd)
    environment = dict(os.environ, MPLBACKEND='Agg')
    done = subprocess.run([sys.executable, script] + list(arguments), cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == status, 'demo {} exited with {}:\n{}\n{}'.format(
        name, done.returncode, done.stdout[-3000:], done.stderr[-3000:])
    return done


def final_accuracy(done, line=LAST_LINE):
    last = done.stdout.strip().splitlines()[-1]
    match = line.match(last)
    assert match, 'expected the last line to match {}, got {!r}'.format(line.pattern, last)
    return float(match.group(1))


@pytest.mark.parametrize('name', CLASSIFIERS + GENERATORS)
def test_help_lists_the_standard_flags(name):
    done = run_demo(name, '--help')
    for flag in ('--epochs', '--data-dir', '--seed', '--save', '--out', '--help'):
        assert flag in done.stdout
    if name in CLASSIFIERS:
        for flag in ('--checkpoint', '--resume', '--momentum', '--nesterov', '--dropout', '--decay', '--shift'):
            assert flag in done.stdout


@pytest.fixture(scope='module')
def classifier(tmp_path_factory):
    """The two-hidden-layer demo after one epoch, run from inside demos/; its saved net judges the generators."""
    folder = tmp_path_factory.mktemp('classifier')
    path = str(folder / 'net.json')
    done = run_demo('2hidden_layers_relu_softmax_xentropy_L2', '--epochs', '1', '--data-dir', mnist_dir(),
                    '--out', str(folder), '--save', path, cwd=os.path.join(ROOT, 'demos'))
    return path, done, folder


def test_two_hidden_layers_from_inside_demos(classifier):
    path, done, folder = classifier
    assert final_accuracy(done) > 95
    assert 'epoch 1 (' in done.stdout and 'it/s' not in done.stdout  # the bar goes to stderr
    assert (folder / '2hidden_layers_relu_softmax_xentropy_L2_learning_curves.png').exists()
    assert NeuralNet.create_from_file(path).layer_sizes()[0] == 784


# One epoch reaches 96.2% (the 4-hidden-layer demo) and, of dropout_mlp's recipe on a smaller 784-200-100-10 net,
# 96.5%; a demo that breaks training or evaluation falls far below (the moves of the digits are checked pixel by
# pixel in test_demo_common.py).
@pytest.mark.parametrize('name, least, flags', [(CLASSIFIERS[0], 94, []), (CLASSIFIERS[2], 95, []),
                                               (CLASSIFIERS[3], 95, ['--hidden', '200', '100'])])
def test_classifier_demo_one_epoch(name, least, flags, tmp_path):
    done = run_demo(name, '--epochs', '1', '--data-dir', mnist_dir(), '--out', str(tmp_path),
                    '--save', str(tmp_path / 'net.json'), *flags)
    assert final_accuracy(done) > least
    assert 'batch' not in done.stderr  # no progress bar when the output is not a terminal
    assert (tmp_path / (name + '_learning_curves.png')).stat().st_size > 10000
    net = NeuralNet.create_from_file(str(tmp_path / 'net.json'))
    assert net.layer_sizes()[0] == 784 and net.layer_sizes()[-1] == 10


@pytest.mark.parametrize('name, picture', [('generating_digits', 'generated_digits.png'),
                                           ('noisy_digits', 'noisy_digits.png')])
def test_generator_demo_one_epoch(name, picture, classifier, tmp_path):
    done = run_demo(name, '--epochs', '1', '--data-dir', mnist_dir(), '--out', str(tmp_path),
                    '--classifier', classifier[0], '--save', str(tmp_path / 'generator.json'))
    assert final_accuracy(done, RECOGNISED_LINE) > 80
    assert 'test accuracy' not in done.stdout
    judged = re.search(r'judged set: the classifier recognises ([\d.]+)% of 1000 drawings', done.stdout)
    assert judged and float(judged.group(1)) > 80
    assert (tmp_path / picture).stat().st_size > 5000
    assert (tmp_path / (name + '_learning_curves.png')).exists()
    assert NeuralNet.create_from_file(str(tmp_path / 'generator.json')).layer_sizes() == [10, 100, 300, 784]


def test_ctrl_c_ends_a_demo_after_the_current_mini_batch(tmp_path):
    """A real SIGINT during epoch 2: the summary, the saved net and the last line are all there."""
    import signal
    script = os.path.join(ROOT, 'demos', CLASSIFIERS[0] + '.py')
    process = subprocess.Popen([sys.executable, script, '--epochs', '50', '--hidden', '30', '--data-dir', mnist_dir(),
                                '--out', str(tmp_path), '--save', str(tmp_path / 'net.json')],
                               cwd=ROOT, env=dict(os.environ, MPLBACKEND='Agg'), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    lines = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip('\n'))
            if line.startswith('epoch 1 ('):
                # Let the demo finish the epoch's line and start epoch 2 (an epoch takes about a second): on a
                # busy machine a signal sent at once could land before the end of epoch 1's bookkeeping.
                time.sleep(0.2)
                process.send_signal(signal.SIGINT)
                break
        lines.extend(line.rstrip('\n') for line in process.stdout)
        assert process.wait(timeout=120) == 130  # as command-line tools do after Ctrl+C
    finally:
        if process.poll() is None:
            process.kill()
    output = '\n'.join(lines)
    assert re.search(r'interrupted after \d+ of 3000 mini-batches of epoch 2', output), output
    assert re.search(r'summary after 1(\.\d+)? epochs? \(interrupted\)', output), output
    assert 'net saved to' in output and (tmp_path / 'net.json').exists()
    assert LAST_LINE.match(lines[-1]), lines[-1]


@pytest.mark.parametrize('name, flags, message', [
    (CLASSIFIERS[1], ['--learning-rate', '0'], 'argument --learning-rate: expected a positive finite number, got 0'),
    (CLASSIFIERS[1], ['--l2', '-1'], 'argument --l2: expected a finite number >= 0, got -1'),
    (CLASSIFIERS[1], ['--decay', 'nan'], 'argument --decay: expected a number above 0 and at most 1, got nan'),
    (CLASSIFIERS[1], ['--decay', '2'], 'argument --decay: expected a number above 0 and at most 1, got 2'),
    (CLASSIFIERS[1], ['--seed', 'abc'], 'argument --seed: expected an integer >= 0, got abc'),
    (CLASSIFIERS[1], ['--momentum', '1'], 'argument --momentum: expected a number >= 0 and below 1, got 1'),
    (CLASSIFIERS[1], ['--dropout', '0.2', '0.5'], 'argument --dropout: expected one rate, or 3 (input and hidden '
                                                  'layers), got 2'),
    (CLASSIFIERS[3], ['--dropout', '-0.5'], 'argument --dropout: expected a number >= 0 and below 1, got -0.5'),
    (CLASSIFIERS[3], ['--shift', '28'], 'argument --shift: expected an integer from 0 to 27, got 28'),
    (CLASSIFIERS[1], ['--momentum', '0', '--nesterov'], 'argument --optimizer sgd: Nesterov momentum needs a momentum above 0'),
    (CLASSIFIERS[1], ['--resume', 'CORRUPT'], 'error: cannot resume from CORRUPT: CORRUPT: not valid JSON'),
    ('confusion_matrix', ['--load', 'CORRUPT'], 'error: --load CORRUPT: CORRUPT: not valid JSON'),
    (GENERATORS[0], ['--classifier', 'CORRUPT'], 'error: --classifier CORRUPT: CORRUPT: not valid JSON'),
    (GENERATORS[1], ['--noise-std', '-0.1'], 'argument --noise-std: expected a finite number >= 0, got -0.1'),
    (CLASSIFIERS[0], ['--data-dir', 'MISSING'], 'MISSING: no such folder (--data-dir names it)'),
])
def test_bad_flags_are_refused_in_one_line_before_any_work(tmp_path, name, flags, message):
    corrupt = tmp_path / 'corrupt.json'
    corrupt.write_text('{"format": ')
    missing = tmp_path / 'no' / 'such' / 'folder'
    flags = [str(corrupt) if f == 'CORRUPT' else str(missing) if f == 'MISSING' else f for f in flags]
    message = message.replace('CORRUPT', str(corrupt)).replace('MISSING', str(missing))
    done = run_demo(name, '--out', str(tmp_path / 'out'), *flags, status=2 if 'argument' in message else 1)
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert 'Traceback' not in done.stderr and 'MNIST:' not in done.stdout
    assert not missing.exists() and not (tmp_path / 'no').exists()


def test_resuming_a_checkpoint_of_other_layer_sizes_says_to_give_its_hidden_flag(tmp_path):
    from activation_functions import Rectifier, Softmax
    from cost_functions import CrossEntropyCost
    from feedforward_checkpoint import save_checkpoint
    from gradient_descent import StochasticGradientDescent
    from neural_net import NetFactory
    net = NetFactory.create_neural_net([784, 16, 8, 10], Rectifier, Softmax, dtype='float32')
    save_checkpoint(str(tmp_path / 'small.json'), StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, seed=0))
    done = run_demo('dropout_mlp', '--resume', str(tmp_path / 'small.json'), '--out', str(tmp_path), status=1)
    assert 'a net [784, 16, 8, 10]' in done.stderr and 'give the --hidden of the run that wrote the checkpoint' in \
        done.stderr and 'MNIST:' not in done.stdout


@pytest.mark.parametrize('name, shift', [(CLASSIFIERS[1], '0'), ('dropout_mlp', '1')])
def test_a_real_demo_stopped_and_resumed_from_its_checkpoint_ends_as_an_unbroken_run(name, shift, tmp_path):
    """--checkpoint after epoch 1, then --resume for epoch 2, with the learning rate decaying between epochs:
    the net equals, bit for bit, that of one run of two epochs, with the digits as they are and moved."""
    data = mnist_dir()
    common = ['--data-dir', data, '--out', str(tmp_path), '--hidden', '16', '8', '--seed', '3', '--shift', shift]
    run_demo(name, '--epochs', '2', '--save', str(tmp_path / 'straight.json'), *common)
    run_demo(name, '--epochs', '1', '--checkpoint', str(tmp_path / 'checkpoint.json'), *common)
    run_demo(name, '--epochs', '2', '--resume', str(tmp_path / 'checkpoint.json'),
             '--save', str(tmp_path / 'resumed.json'), *common)
    straight = NeuralNet.create_from_file(tmp_path / 'straight.json')
    resumed = NeuralNet.create_from_file(tmp_path / 'resumed.json')
    assert (straight.parameters() == resumed.parameters()).all()


def test_grid_search_demo_with_tiny_settings(tmp_path):
    pytest.importorskip('sklearn', reason='the grid search needs scikit-learn: pip install ".[sklearn]"')
    done = run_demo('grid_search', '--examples', '300', '--epochs', '2', '--hidden', '8', '16', '--learning-rates',
                    '0.1', '0.3', '0.5', '--folds', '2', '--data-dir', mnist_dir(), '--out', str(tmp_path))
    assert '6 candidates x 2 folds on 300 digits, 2 epochs each, here' in done.stdout
    header = re.search(r'^ +hidden \\ rate +0\.1 +0\.3 +0\.5$', done.stdout, flags=re.M)
    rows = re.findall(r'^ +(8|16)((?: +\d+\.\d\d){3})$', done.stdout, flags=re.M)
    assert header and [row[0] for row in rows] == ['8', '16'], done.stdout
    scores = {(h, rate): float(s) for h, row in rows for rate, s in zip(('0.1', '0.3', '0.5'), row.split())}
    best = re.search(r'^best: (\d+) hidden units, learning rate ([\d.]+) \((\d+\.\d\d)% cross-validated\)',
                     done.stdout, flags=re.M)
    assert best and float(best.group(3)) == max(scores.values()) == scores[best.group(1), best.group(2)]
    assert final_accuracy(done) > 30
    assert (tmp_path / 'grid_search.png').stat().st_size > 10000


def test_export_onnx_demo_classifies_the_test_digits_with_onnxruntime(tmp_path):
    pytest.importorskip('sklearn', reason='the demo trains with scikit-learn: pip install ".[sklearn]"')
    pytest.importorskip('onnxruntime', reason='the demo runs onnxruntime: pip install ".[onnx]"')
    model = tmp_path / 'digits.onnx'
    done = run_demo('export_onnx', '--epochs', '1', '--data-dir', mnist_dir(), '--out', str(tmp_path),
                    '--model', str(model))
    library = re.search(r'the library classifies (\d+\.\d\d)% of the test digits right', done.stdout)
    agreed = re.search(r'the same class as the library for (\d+) of them', done.stdout)
    assert library and agreed and int(agreed.group(1)) >= 9990, done.stdout
    assert final_accuracy(done) > 90 and abs(final_accuracy(done) - float(library.group(1))) <= 0.1
    assert model.stat().st_size > 300000  # 79,510 float32 parameters


def test_the_ecosystem_demos_refuse_bad_flags_in_one_line(tmp_path):
    done = run_demo('grid_search', '--folds', '1', '--out', str(tmp_path), status=2)
    assert done.stderr.strip().endswith('argument --folds: expected at least 2, got 1 (see --help)')
    done = run_demo('grid_search', '--dask-workers', '2', '--scheduler', 'tcp://a:1', '--out', str(tmp_path), status=2)
    assert 'not allowed with argument' in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = run_demo('export_onnx', '--model', str(tmp_path / 'no' / 'such' / 'm.onnx'), '--out', str(tmp_path),
                    status=2)
    assert 'argument --model' in done.stderr and 'is not a folder this user may write in' in done.stderr
