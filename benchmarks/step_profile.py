"""What one training step costs in calls: lines of library code run, NumPy calls, Python calls, and µs per step.

    python benchmarks/step_profile.py                    # the working tree, W1 and W2
    python benchmarks/step_profile.py OLD                # commit OLD, then the working tree, side by side
    python benchmarks/step_profile.py OLD NEW --lines    # two commits; also the lines each step runs

For each version (taken from git as ``compare_commits.py`` does) and each
workload (W1, W2 of ``bench_training.py``; ``--methods`` adds momentum and
Adam, for versions that have them), a worker process builds the net from the
same seed with the seed README's API (``NetFactory``, ``PreloadSource``,
``CrossEntropyCost``, ``StochasticGradientDescent``, or ``Adam``), trains a
warm-up epoch of random data of MNIST's shapes, then:

* counts, with a line tracer (``sys.settrace``), over one epoch of
  ``--batches`` mini-batches: the lines of the library's own modules that
  run, those of them that call into NumPy (a NumPy function, an array
  method, or an in-place operator on an array: a line holding ``np.`` or an
  augmented assignment ``+=``, ``-=``, ``*=``, ``/=``, or a call of an
  array method such as ``.all(``), and the Python functions called
  (the library's and any other), each divided by the batches: per step;
* times, without the tracer, epochs of the same batches, and prints the
  median µs per step (the machine is shared: compare versions within one
  run, as the workers here take their epochs in turns).

The per-step figures include the epoch's own work spread over its steps
(the shuffle, the epoch's checks). ``--lines`` prints, per version and
workload, every library line a step runs with how often, so that the
count of NumPy calls can be checked by eye.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_commits import WORKTREE, describe, export  # noqa: E402

# Runs in each worker, with the version's folder first on sys.path.
WORKER = r'''
import collections, json, os, re, sys, time
import numpy as np
tree, workload, method, batches, rounds, trace = (sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]),
                                                 int(sys.argv[5]), sys.argv[6] == 'trace')
sys.path.insert(0, tree)
from activation_functions import Rectifier, Sigmoid, Softmax
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
import gradient_descent
from neural_net import NetFactory
sizes, hidden, output, batch, rate, l2, dtype = {
    'W1': ([784, 30, 10], Sigmoid, Sigmoid, 10, 0.5, 0.0, np.float64),
    'W2': ([784, 100, 100, 10], Rectifier, Softmax, 50, 0.1, 1e-4, np.float32)}[workload]
net = NetFactory.create_neural_net(sizes, hidden_layer_activation=hidden, output_layer_activation=output, dtype=dtype)
net.randomize_parameters(seed=0)
rng = np.random.default_rng(0)
n = batch * batches
X = rng.random((n, sizes[0])).astype(dtype)
Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], n)]
src = PreloadSource((X, Y), dtype=dtype)
cost = CrossEntropyCost(net, l2_reg_term=l2)
if method == 'adam':
    trainer = gradient_descent.Adam(net, cost, learning_rate=0.001, batch_size=batch, seed=0)
else:
    settings = dict(momentum=0.9) if method == 'momentum' else {}
    trainer = gradient_descent.StochasticGradientDescent(net, cost, rate, batch_size=batch, seed=0, **settings)
trainer.training_epoch(src)

tree = os.path.realpath(tree)
lines, functions = collections.Counter(), [0]
def tracer(frame, event, arg):
    functions[0] += 1
    name = frame.f_code.co_filename
    if not name.startswith('<') and os.path.realpath(name).startswith(tree + os.sep):
        return local
    return None
def local(frame, event, arg):
    if event == 'line':
        lines[(frame.f_code.co_filename, frame.f_lineno)] += 1
    return local
if trace:
    sys.settrace(tracer)
    trainer.training_epoch(src)
    sys.settrace(None)

NUMPY = re.compile(r'\bnp\.|\bnumpy\.|[-+*/]=(?!=)|\.(all|any|sum|max|min|fill|dot|copy|reshape|astype)\(')
def source_line(path, number):
    with open(path) as stream:
        return stream.read().splitlines()[number - 1].split('#')[0]
listing = []
numpy_calls = 0
for (path, number), count in sorted(lines.items()):
    text = source_line(path, number)
    calls = NUMPY.search(text) is not None
    numpy_calls += count if calls else 0
    listing.append((os.path.relpath(path, tree), number, count / batches, calls, text.strip()))
seconds = []
for _ in range(rounds):
    started = time.perf_counter()
    trainer.training_epoch(src)
    seconds.append(time.perf_counter() - started)
print(json.dumps({'lines': sum(lines.values()) / batches, 'numpy': numpy_calls / batches,
                  'functions': functions[0] / batches, 'us': [s / batches * 1e6 for s in seconds],
                  'listing': listing}))
'''


def profile(tree, workload, method, batches, rounds, trace):
    done = subprocess.run([sys.executable, '-c', WORKER, tree, workload, method, str(batches), str(rounds),
                           'trace' if trace else 'time'],
                          capture_output=True, text=True, cwd=tree, env=dict(os.environ, PYTHONDONTWRITEBYTECODE='1'))
    if done.returncode != 0:
        raise RuntimeError('a worker failed:\n' + done.stderr)
    return json.loads(done.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('revisions', nargs='*', default=[], metavar='REVISION',
                        help='git revisions to profile, the working tree last (default: the working tree alone)')
    parser.add_argument('--workloads', nargs='+', choices=['W1', 'W2'], default=['W1', 'W2'])
    parser.add_argument('--methods', nargs='+', choices=['sgd', 'momentum', 'adam'], default=['sgd'])
    parser.add_argument('--batches', type=int, default=400, help='mini-batches of the traced epoch (default 400)')
    parser.add_argument('--rounds', type=int, default=5, help='timed epochs per version, in turns (default 5)')
    parser.add_argument('--lines', action='store_true', help='print every library line a step runs, with counts')
    args = parser.parse_args(argv)
    if args.batches < 1 or args.rounds < 1:
        parser.error('--batches and --rounds must be positive')
    revisions = list(args.revisions) if len(args.revisions) >= 2 else list(args.revisions) + [WORKTREE]
    with tempfile.TemporaryDirectory() as folder:
        trees = [export(revision, folder) for revision in revisions]
        for revision in revisions:
            print('{}: {}'.format(revisions.index(revision) + 1, describe(revision)))
        print('{} mini-batches of random data an epoch; µs per step: median of {} epochs, versions in turns'.format(
            args.batches, args.rounds))
        print('{:<4} {:<9} {:>3} {:>12} {:>12} {:>14} {:>10}'.format(
            'name', 'method', 'ver', 'lines/step', 'NumPy/step', 'Python calls', 'µs/step'))
        for workload in args.workloads:
            for method in args.methods:
                results = [None] * len(trees)
                times = [[] for _ in trees]
                for round_ in range(args.rounds):
                    order = range(len(trees)) if round_ % 2 == 0 else reversed(range(len(trees)))
                    for i in order:
                        result = profile(trees[i], workload, method, args.batches, 1, trace=results[i] is None)
                        results[i] = results[i] or result
                        times[i].extend(result['us'])
                for i, result in enumerate(results):
                    print('{:<4} {:<9} {:>3} {:>12.1f} {:>12.1f} {:>14.1f} {:>10.1f}'.format(
                        workload, method, i + 1, result['lines'], result['numpy'], result['functions'],
                        statistics.median(times[i])), flush=True)
                    if args.lines:
                        for path, number, count, calls, text in result['listing']:
                            print('      {:>7.2f} {} {}:{} {}'.format(count, 'N' if calls else ' ', path, number,
                                                                      text[:90]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
