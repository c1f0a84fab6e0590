"""The training benchmark's quick mode runs end to end, so that it cannot rot.

It runs in a child process: the benchmark sets BLAS threads before NumPy
starts, and imports PyTorch when it is installed (it need not be).
"""
import os
import re
import subprocess
import sys

import feedforward_mnist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def mnist_available():
    return feedforward_mnist.files_present(feedforward_mnist.data_folder())


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
