"""Instructions per training step of two versions of the library, counted by valgrind's callgrind.

    python benchmarks/count_instructions.py OLD                 # commit OLD against the working tree
    python benchmarks/count_instructions.py OLD NEW             # two commits (any git revision names)
    python benchmarks/count_instructions.py OLD --workloads W1 --batches 100 300
    python benchmarks/count_instructions.py OLD --method adam   # Adam's steps (or momentum), for versions with them

Times on a shared machine move with the other work on it; the number of
instructions a step executes hardly does. For each workload of
``compare_commits.py`` (W1, W2, W3) and each version, a worker trains one
epoch of exactly N mini-batches of random data of MNIST's shapes, under
``valgrind --tool=callgrind`` with one BLAS thread, for two values of N; the
difference of the two counts, divided by the difference of the N, is the
instructions per mini-batch, with the start-up (imports, data) taken out.
The workers use the seed README's API alone, as ``compare_commits.py``'s do.
Needs valgrind; W3 is slow under it (half an hour or more for its four runs).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_commits import WORKTREE, _SPECS, describe, export  # noqa: E402

# Runs in each worker, with the version's folder first on sys.path: one epoch of exactly `batches` mini-batches.
WORKER = r'''
import sys
import numpy as np
tree, spec, batches, method = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, tree)
from activation_functions import Rectifier, Sigmoid, Softmax
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
import gradient_descent
from neural_net import NetFactory
sizes, hidden, output, batch, rate, l2, dtype = eval(spec, {'Rectifier': Rectifier, 'Sigmoid': Sigmoid,
                                                           'Softmax': Softmax, 'np': np})
rng = np.random.default_rng(0)
n = batch * batches
images = rng.uniform(0, 1, (n, sizes[0])).astype(dtype)
targets = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], n)]
net = NetFactory.create_neural_net(sizes, hidden_layer_activation=hidden, output_layer_activation=output,
                                   dtype=dtype)
net.randomize_parameters(seed=0)
cost = CrossEntropyCost(net, l2_reg_term=l2)
if method == 'adam':
    sgd = gradient_descent.Adam(net, cost, 0.001, batch_size=batch, seed=0)
elif method == 'momentum':
    sgd = gradient_descent.StochasticGradientDescent(net, cost, rate / 10, batch_size=batch, seed=0, momentum=0.9)
else:
    sgd = gradient_descent.StochasticGradientDescent(net, cost, rate, batch_size=batch, seed=0)
sgd.training_epoch(PreloadSource(examples=(images, targets), dtype=dtype))
'''


def count(tree, spec, batches, folder, method='sgd'):
    """The instructions (callgrind's Ir) a worker on ``tree`` executes for an epoch of ``batches`` mini-batches."""
    output = os.path.join(folder, 'callgrind.out')
    environment = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
                       PYTHONDONTWRITEBYTECODE='1')
    done = subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + output,
                           sys.executable, '-c', WORKER, tree, spec, str(batches), method],
                          cwd=tree, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError('the worker failed under valgrind:\n' + done.stderr[-2000:])
    with open(output) as stream:
        totals = re.search(r'^(?:summary|totals): (\d+)', stream.read(), flags=re.M)
    os.remove(output)
    return int(totals.group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('old', help='git revision of the version to compare against')
    parser.add_argument('new', nargs='?', default=WORKTREE, help='git revision (default: the working tree)')
    parser.add_argument('--workloads', nargs='+', choices=sorted(_SPECS), default=sorted(_SPECS))
    parser.add_argument('--method', choices=['sgd', 'momentum', 'adam'], default='sgd',
                        help='plain steps (default), momentum 0.9 at a tenth of the rate, or Adam at 0.001 (versions '
                             'that have them)')
    parser.add_argument('--batches', nargs=2, type=int, default=None, metavar=('FEW', 'MANY'),
                        help='the two epoch lengths in mini-batches (default: 100 400 for W1 and W2, 5 15 for W3)')
    args = parser.parse_args(argv)
    if shutil.which('valgrind') is None:
        parser.error('valgrind is not installed (apt-get install valgrind)')

    with tempfile.TemporaryDirectory() as folder:
        trees = [export(args.old, folder), export(args.new, folder)]
        print('old: {}\nnew: {}'.format(describe(args.old), describe(args.new)))
        print('{:<4} {:>9} {:>16} {:>16} {:>9}'.format('name', 'batches', 'old Ir/batch', 'new Ir/batch', 'new/old'))
        for name in args.workloads:
            few, many = args.batches or ((5, 15) if name == 'W3' else (100, 400))
            per_batch = []
            for tree in trees:
                counts = [count(tree, _SPECS[name], batches, folder, args.method) for batches in (few, many)]
                per_batch.append((counts[1] - counts[0]) / (many - few))
            print('{:<4} {:>9} {:>16,.0f} {:>16,.0f} {:>9.4f}'.format(
                name, '{}-{}'.format(few, many), per_batch[0], per_batch[1], per_batch[1] / per_batch[0]), flush=True)
        print('(Ir/batch: instructions per mini-batch, one BLAS thread, the start-up taken out)')


if __name__ == '__main__':
    main()
