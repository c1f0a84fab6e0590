"""Training speed of two versions of the library, measured in one run with their epochs in turns.

    python benchmarks/compare_commits.py OLD                  # commit OLD against the working tree
    python benchmarks/compare_commits.py OLD NEW              # two commits (any git revision names)
    python benchmarks/compare_commits.py OLD --workloads W3 --rounds 7 --examples 30000
    python benchmarks/compare_commits.py OLD --momentum 0.9    # steps with momentum (versions that have it)
    python benchmarks/compare_commits.py OLD --adam            # Adam's steps (versions that have it)

Each version is taken from git (``git archive``) into a temporary folder; the
working tree is used as it is. For every workload (W1, W2, W3 of
``bench_training.py``), one worker process per version builds the same net
from the same seed with the seed README's API alone (``NetFactory``,
``PreloadSource``, ``CrossEntropyCost``, ``StochasticGradientDescent``), so
any two versions can be compared (``--momentum MU`` trains with momentum MU
at a learning rate of (1 - MU) times the workload's, as ``bench_training.py``
does, and needs versions that have it). After one warm-up epoch each, the workers
train one epoch at a time in turns, the order swapping every round, with a
pause before each epoch so that the BLAS threads of the other have gone
idle: both versions meet the same moments of a shared machine. The script
prints the per-round ratios new / old and their median, the ratio of the
fastest epochs (the least disturbed by other work on a shared machine), and
whether the two nets ended with bit-identical weights and biases.

The data (MNIST, or ``--synthetic`` random arrays of its shapes) is loaded
once and handed to the workers as ``.npy`` files.
"""
import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_training import WORKLOADS, training_data  # noqa: E402

WORKTREE = 'worktree'
SETTLE_SECONDS = 0.5

# Runs in each worker, with the version's folder first on sys.path. Only the seed README's API.
WORKER = r'''
import hashlib, sys, time
import numpy as np
tree, images_path, targets_path, spec, momentum, adam = sys.argv[1:7]
sys.path.insert(0, tree)
from activation_functions import Rectifier, Sigmoid, Softmax
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
import gradient_descent
from neural_net import NetFactory
sizes, hidden, output, batch, rate, l2, dtype = eval(spec, {'Rectifier': Rectifier, 'Sigmoid': Sigmoid,
                                                           'Softmax': Softmax, 'np': np})
net = NetFactory.create_neural_net(sizes, hidden_layer_activation=hidden, output_layer_activation=output,
                                   dtype=dtype)
net.randomize_parameters(seed=0)
src = PreloadSource(examples=(np.load(images_path), np.load(targets_path)), dtype=dtype)
momentum = float(momentum)
settings = dict(momentum=momentum) if momentum else {}
if adam == 'adam':
    sgd = gradient_descent.Adam(net, CrossEntropyCost(net, l2_reg_term=l2), 0.001, batch_size=batch, seed=0)
else:
    sgd = gradient_descent.StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=l2), rate * (1 - momentum),
                                                     batch_size=batch, seed=0, **settings)
print('ready', flush=True)
for line in sys.stdin:
    if line.strip() == 'epoch':
        started = time.perf_counter()
        sgd.training_epoch(src)
        print(time.perf_counter() - started, flush=True)
    elif line.strip() == 'digest':
        # Weights then biases, layer by layer: the same bytes whatever the flat array's layout.
        values = [np.ascontiguousarray(w).tobytes() for w in net.weights()] + [b.tobytes() for b in net.biases()]
        print(hashlib.sha256(b''.join(values)).hexdigest(), flush=True)
    else:
        break
'''

_SPECS = {
    'W1': "([784, 30, 10], Sigmoid, Sigmoid, 10, 0.5, 0.0, np.float64)",
    'W2': "([784, 100, 100, 10], Rectifier, Softmax, 50, 0.1, 1e-4, np.float32)",
    'W3': "([784, 1024, 1024, 10], Rectifier, Softmax, 128, 0.1, 0.0, np.float32)",
}


def export(revision, folder):
    """The library's files at ``revision`` in ``folder`` (or the working tree itself); returns the path."""
    if revision == WORKTREE:
        return ROOT
    target = os.path.join(folder, hashlib.sha1(revision.encode()).hexdigest()[:12])
    os.makedirs(target)
    archive = os.path.join(folder, 'tree.tar')
    with open(archive, 'wb') as stream:
        subprocess.run(['git', '-C', ROOT, 'archive', revision], stdout=stream, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter='data')
    os.remove(archive)
    return target


def describe(revision):
    if revision == WORKTREE:
        return 'the working tree'
    result = subprocess.run(['git', '-C', ROOT, 'log', '-1', '--format=%h %s', revision],
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()[:70]


class Worker:
    def __init__(self, tree, images, targets, spec, momentum=0.0, adam=False):
        environment = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
        self.process = subprocess.Popen([sys.executable, '-c', WORKER, tree, images, targets, spec, repr(momentum),
                                         'adam' if adam else 'sgd'],
                                        cwd=tree,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment)
        self._expect('ready')

    def _expect(self, word=None):
        line = self.process.stdout.readline().strip()
        if not line or (word is not None and line != word):
            raise RuntimeError('a worker failed (it said {!r}); run it by hand to see why'.format(line))
        return line

    def ask(self, command):
        self.process.stdin.write(command + '\n')
        self.process.stdin.flush()
        return self._expect()

    def close(self):
        self.process.stdin.write('quit\n')
        self.process.stdin.close()
        self.process.wait(timeout=60)


def compare(name, trees, data, rounds, settle=SETTLE_SECONDS, momentum=0.0, adam=False):
    """Time the workload ``name`` on both trees in turns; returns (old seconds, new seconds, identical)."""
    spec = _SPECS[name]
    images, targets = data[WORKLOADS[name][-1]]
    workers = [Worker(tree, images, targets, spec, momentum, adam) for tree in trees]
    times = ([], [])
    try:
        for round_ in range(rounds + 1):  # round 0 warms up
            order = (0, 1) if round_ % 2 == 0 else (1, 0)
            for i in order:
                time.sleep(settle)
                seconds = float(workers[i].ask('epoch'))
                if round_ > 0:
                    times[i].append(seconds)
        identical = workers[0].ask('digest') == workers[1].ask('digest')
    finally:
        for worker in workers:
            worker.close()
    return times[0], times[1], identical


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('old', help='git revision of the version to compare against')
    parser.add_argument('new', nargs='?', default=WORKTREE, help='git revision (default: the working tree)')
    parser.add_argument('--workloads', nargs='+', choices=sorted(_SPECS), default=sorted(_SPECS))
    parser.add_argument('--rounds', type=int, default=5, help='timed epochs of each version (default 5)')
    parser.add_argument('--examples', type=int, default=None, help='training examples (default: all 60000)')
    parser.add_argument('--synthetic', action='store_true', help='random arrays of MNIST shapes instead of MNIST')
    parser.add_argument('--settle', type=float, default=SETTLE_SECONDS,
                        help='seconds of pause before each epoch (default {})'.format(SETTLE_SECONDS))
    parser.add_argument('--momentum', type=float, default=0.0,
                        help='train with this momentum at (1 - MU) times the learning rate (default 0: plain steps)')
    parser.add_argument('--adam', action='store_true', help='train with Adam at the learning rate 0.001 instead')
    args = parser.parse_args(argv)
    if not 0 <= args.momentum < 1:
        parser.error('expected --momentum to be at least 0 and below 1, got {}'.format(args.momentum))
    if args.adam and args.momentum:
        parser.error('--adam and --momentum: give one of them (Adam has no momentum setting here)')

    with tempfile.TemporaryDirectory() as folder:
        trees = [export(args.old, folder), export(args.new, folder)]
        data = {}
        for dtype in {WORKLOADS[name][-1] for name in args.workloads}:
            images, targets = training_data(dtype, args.synthetic, args.examples)
            paths = [os.path.join(folder, '{}_{}.npy'.format(kind, np.dtype(dtype).name)) for kind in ('X', 'Y')]
            np.save(paths[0], images)
            np.save(paths[1], targets)
            data[dtype] = paths
        n = np.load(data[WORKLOADS[args.workloads[0]][-1]][0], mmap_mode='r').shape[0]
        print('old: {}\nnew: {}'.format(describe(args.old), describe(args.new)))
        print('{} {} examples; {} timed epochs of each after a warm-up epoch, in turns; {}'.format(
            n, 'synthetic' if args.synthetic else 'MNIST', args.rounds,
            'Adam' if args.adam else 'momentum {}'.format(args.momentum) if args.momentum else 'plain steps'))
        print('{:<4} {:>9} {:>9} {:>10} {:>10}  {}'.format('name', 'old s', 'new s', 'new/old', 'best/best',
                                                          'per-round new/old'))
        for name in args.workloads:
            old, new, identical = compare(name, trees, data, args.rounds, args.settle, args.momentum, args.adam)
            ratios = [b / a for a, b in zip(old, new)]
            print('{:<4} {:>9.3f} {:>9.3f} {:>10.3f} {:>10.3f}  {}  ({})'.format(
                name, statistics.median(old), statistics.median(new), statistics.median(ratios), min(new) / min(old),
                ' '.join('{:.2f}'.format(r) for r in ratios) if len(ratios) <= 25 else
                'quartiles {:.3f} {:.3f}'.format(*statistics.quantiles(ratios, n=4)[::2]),
                'parameters bit-identical' if identical else 'parameters differ'), flush=True)
        print('(old s, new s: median seconds per epoch; new/old: median of the per-round ratios; best/best: the '
              'fastest epoch of new over the fastest of old)')


if __name__ == '__main__':
    main()
