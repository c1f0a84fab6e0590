"""Whole-step updates against layer-by-layer updates, on one MNIST workload, in one process.

    python benchmarks/update_paths.py W3 --examples 30000 --rounds 4
    python benchmarks/update_paths.py W3 --l2 1e-4

Two copies of the same net train side by side, one taking every step whole
(gradient of every parameter, then one update) and one updating layer by
layer (``gradient_descent.LAYERWISE_MIN_PARAMETERS`` decides which a net
gets; here it is set for each copy). Their epochs alternate, the order
swapping each round, so that both meet the same moments of a shared machine;
the script prints each epoch's seconds and, per round, the ratio layer by
layer / whole step. Both ways compute the same sums element for element, so
the two nets must end bit-identical: the script checks that, and exits with
status 1 if they do not.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import gradient_descent  # noqa: E402
from bench_training import WORKLOADS, build_net, training_data  # noqa: E402
from cost_functions import CrossEntropyCost  # noqa: E402
from data_source import PreloadSource  # noqa: E402
from gradient_descent import StochasticGradientDescent  # noqa: E402

PATHS = {'whole step': 1 << 62, 'layer by layer': 0}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('workload', choices=sorted(WORKLOADS))
    parser.add_argument('--examples', type=int, default=30000, help='training examples (default 30000)')
    parser.add_argument('--rounds', type=int, default=4, help='timed epochs of each (default 4)')
    parser.add_argument('--l2', type=float, default=None, help="L2 term (default: the workload's)")
    parser.add_argument('--synthetic', action='store_true', help='random arrays of MNIST shapes instead of MNIST')
    args = parser.parse_args(argv)
    sizes, hidden, output, batch, rate, l2, dtype = WORKLOADS[args.workload]
    if args.l2 is not None:
        l2 = args.l2
    images, targets = training_data(dtype, args.synthetic, args.examples)
    src = PreloadSource(examples=(images, targets), dtype=dtype)
    trainers = {}
    for path in PATHS:
        net = build_net(WORKLOADS[args.workload])
        trainers[path] = StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=l2), rate, batch, seed=0)
    original = gradient_descent.LAYERWISE_MIN_PARAMETERS
    times = {path: [] for path in PATHS}
    try:
        for round_ in range(args.rounds + 1):  # round 0 warms up
            order = list(PATHS) if round_ % 2 == 0 else list(PATHS)[::-1]
            for path in order:
                gradient_descent.LAYERWISE_MIN_PARAMETERS = PATHS[path]
                started = time.perf_counter()
                trainers[path].training_epoch(src)
                if round_ > 0:
                    times[path].append(time.perf_counter() - started)
    finally:
        gradient_descent.LAYERWISE_MIN_PARAMETERS = original
    print('{} ({} parameters), L2 {}, {} examples, epochs alternating'.format(
        args.workload, trainers['whole step'].neural_net.parameters().size, l2, len(images)))
    for path, seconds in times.items():
        print('  {:<15} {}  median {:.3f} s'.format(path, ' '.join('{:.3f}'.format(t) for t in seconds),
                                                    statistics.median(seconds)))
    ratios = [a / b for a, b in zip(times['layer by layer'], times['whole step'])]
    print('  layer by layer / whole step, per round: {}  median {:.3f}'.format(
        ' '.join('{:.3f}'.format(r) for r in ratios), statistics.median(ratios)))
    whole, layerwise = (trainers[path].neural_net.parameters() for path in PATHS)
    same = np.array_equal(whole, layerwise)
    print('  the two nets\' parameters: {}'.format(
        'bit-identical' if same else 'DIFFER, by up to {:.3g}'.format(float(np.abs(whole - layerwise).max()))))
    return 0 if same else 1


if __name__ == '__main__':
    sys.exit(main())
