"""The training benchmark's quick mode runs end to end, so that it cannot rot.

It runs in a child process: the benchmark sets BLAS threads before NumPy
starts, and imports PyTorch when it is installed (it need not be).
"""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

import feedforward_mnist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def mnist_available():
    return feedforward_mnist.files_present(feedforward_mnist.data_folder())


def test_the_step_cost_script_times_the_update_of_every_method():
    command = [sys.executable, os.path.join(ROOT, 'benchmarks', 'step_cost.py'), '--workload', 'W2',
               '--examples', '500', '--epochs', '1', '--threads', '1']
    if not mnist_available():
        command.append('--synthetic')
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    for method in ('sgd', 'momentum', 'adam'):
        row = re.search(r'^ours +{} +(\d+\.\d+) +(\d+\.\d+)$'.format(method), result.stdout, flags=re.M)
        assert row and 0 < float(row.group(2)) < 1000 * float(row.group(1)), result.stdout


def test_the_product_script_times_both_calls_for_every_product_of_each_workload():
    command = [sys.executable, os.path.join(ROOT, 'benchmarks', 'product_calls.py'), '--rounds', '1']
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    rows = re.findall(r'^(W[123]) +(a W|a\^T delta|delta W\^T) +\d+x\d+ +(\d+\.\d) +(\d+\.\d) +(\d+\.\d\d)$',
                      result.stdout, flags=re.M)
    # three layers' forward and gradient products for W1 (two layers), W2 and W3, and delta W^T above the first
    assert [(name, sum(1 for row in rows if row[0] == name)) for name in ('W1', 'W2', 'W3')] == \
        [('W1', 5), ('W2', 8), ('W3', 8)], result.stdout
    assert all(float(dot) > 0 and float(matmul) > 0 for _, _, dot, matmul, _ in rows), result.stdout


def test_the_floor_script_times_the_library_against_the_flat_epoch():
    command = [sys.executable, os.path.join(ROOT, 'benchmarks', 'numpy_floor.py'), '--synthetic', '--examples', '500',
               '--rounds', '1']
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    rows = re.findall(r'^(W[12]) +(\d+\.\d+) +(\d+\.\d+) +(\d+\.\d+)$', result.stdout, flags=re.M)
    assert [row[0] for row in rows] == ['W1', 'W2'] and all(float(value) > 0 for row in rows for value in row[1:]), \
        result.stdout


def test_quick_mode_prints_every_workload_and_writes_the_plot(tmp_path):
    plot = tmp_path / 'sweep.png'
    command = [sys.executable, os.path.join(ROOT, 'benchmarks', 'bench_training.py'), '--quick',
               '--threads', '1', '--plot', str(plot)]
    if not mnist_available():
        command.append('--synthetic')
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    output = result.stdout
    for name in ('W1', 'W2', 'W3'):
        row = re.search(r'^{} .* (\d+\.\d+) +(\d+) '.format(name), output, flags=re.M)
        assert row, output
        assert float(row.group(1)) > 0 and int(row.group(2)) > 0
    products = output[output.index('Matrix products alone'):]
    for name in ('W1', 'W2', 'W3'):
        row = re.search(r'^{} +(\d+\.\d+) +(\d+\.\d+) +(\d+\.\d+) +(\d+\.\d+)$'.format(name), products, flags=re.M)
        assert row, output
        assert all(float(value) > 0 for value in row.groups())
    for width in (32, 128, 512, 2048):
        assert re.search(r'^ +{} +\d+\.\d+ +\d+\.\d+ +\d+\.\d+'.format(width), output, flags=re.M), output
    assert re.search(r'traced NumPy allocations \d+\.\d MB', output), output
    methods = output[output.index('Training methods:'):]
    for name in ('W2', 'W3'):
        for method in ('sgd', 'momentum', 'adam', 'dropout'):
            row = re.search(r'^{} +{} +(\d+\.\d+) '.format(name, method), methods, flags=re.M)
            assert row and float(row.group(1)) > 0, output
    assert plot.stat().st_size > 10000
    try:
        import sklearn  # noqa: F401
    except ImportError:
        assert 'scikit-learn: not installed, so not compared' in output
        return
    for name in ('train', 'NeuralNetClassifier', 'MLPClassifier'):
        row = re.search(r'^{} +(\d+\.\d+) +(\d+\.\d+)$'.format(name), output, flags=re.M)
        assert row and float(row.group(1)) > 0, output
    for pair in ('NeuralNetClassifier / train', 'NeuralNetClassifier / MLPClassifier'):
        assert re.search(r'^{}: \d+\.\d+ \(rounds: '.format(pair), output, flags=re.M), output


def busy_command(*extra):
    command = [sys.executable, os.path.join(ROOT, 'benchmarks', 'bench_training.py'), '--busy', '--quick',
               '--threads', '2'] + list(extra)
    if not mnist_available() and '--synthetic' not in extra:
        command.append('--synthetic')
    return command


def alive(pid):
    """Whether the process ``pid`` exists and is not a zombie waiting for its parent."""
    try:
        with open('/proc/{}/stat'.format(pid), encoding='ascii') as stream:
            return stream.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc to see the busy process')
def test_busy_mode_prints_every_setting_quiet_and_busy_and_kills_its_busy_process():
    result = subprocess.run(busy_command('--workloads', 'W1,W2', '--no-torch'), capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    output = result.stdout
    pid = int(re.search(r'Busy core: process (\d+) runs "while True: pass"', output).group(1))
    assert not alive(pid)
    table = output[output.index('Busy core: seconds per epoch'):]
    for name in ('W1', 'W2'):
        for setting in ('all threads', 'default', "'auto'"):
            row = re.search(r'^{} +{} +(\d+\.\d+) +(\d+\.\d+) +(\d+\.\d+) '.format(name, re.escape(setting)), table,
                            flags=re.M)
            assert row and all(float(value) > 0 for value in row.groups()), output


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc to see the busy process')
@pytest.mark.parametrize('how', [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_the_busy_process_dies_with_the_benchmark_however_it_is_stopped(how):
    # Ctrl+C reaches the whole process group; SIGINT to the benchmark alone proves its own clean-up.
    benchmark = subprocess.Popen(busy_command('--workloads', 'W3', '--synthetic'), stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        pid = None
        for line in benchmark.stdout:
            found = re.search(r'Busy core: process (\d+)', line)
            if found:
                pid = int(found.group(1))
                break
        assert pid is not None and alive(pid)
        time.sleep(1.0)
        benchmark.send_signal(how)
        benchmark.wait(timeout=60)
        for _ in range(50):
            if not alive(pid):
                break
            time.sleep(0.1)
        assert not alive(pid)
    finally:
        if benchmark.poll() is None:
            benchmark.kill()
        benchmark.wait()


def estimators_command(*extra):
    return [sys.executable, os.path.join(ROOT, 'benchmarks', 'bench_estimators.py'), '--quick', '--threads', '1'] + \
        list(extra)


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc to see the busy process')
@pytest.mark.parametrize('busy', [False, True], ids=['quiet', 'busy'])
def test_the_estimator_benchmark_compares_both_estimators_on_every_data_set(busy):
    pytest.importorskip('sklearn', reason='the estimator benchmark compares with scikit-learn')
    result = subprocess.run(estimators_command(*(['--busy'] if busy else [])), capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    output = result.stdout
    loads = ('quiet', 'busy') if busy else ('quiet',)
    medians = output[output.index('Medians over 1 round'):]
    for name in ('digits', 'breast cancer', 'wine'):
        for load in loads:
            row = re.search(r'^ +{} +{} +NeuralNetClassifier +(\d+\.\d+) s +MLPClassifier +(\d+\.\d+) s +ratio '
                            r'+(\d+\.\d+)$'.format(name, load), output, flags=re.M)
            assert row and all(float(value) > 0 for value in row.groups()), output
            assert re.search(r'^{} +{} +\d+\.\d+ +\d+\.\d+ +\d+\.\d+  \d+\.\d+ to \d+\.\d+$'.format(name, load),
                             medians, flags=re.M), output
    assert re.search(r'^train / training_epoch: \d+\.\d+ \(rounds: ', output, flags=re.M), output
    if busy:
        pid = int(re.search(r'Busy core: process (\d+) runs', output).group(1))
        assert not alive(pid)
