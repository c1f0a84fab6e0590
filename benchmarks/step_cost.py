"""The cost of the update step alone, per mini-batch, for each training method: this library and PyTorch.

    python benchmarks/step_cost.py                          # W3, 12,800 MNIST examples, 3 epochs
    python benchmarks/step_cost.py --workload W2 --threads 1

An epoch's time is back-propagation plus the update steps; ``bench_training.py
--workloads methods`` times whole epochs. This script times the update
alone: for this library, every call that updates the parameters from their
gradient (``Trainer._update``: the update rule's step, a stretch of the
parameters at a time, each checked for NaN and infinity); for PyTorch, every
``optimizer.step()``. Both train the
workload of ``bench_training.py`` with the same method settings, epoch after
epoch in turns, and the script prints the median over the timed epochs of
the milliseconds per mini-batch spent updating, beside the epoch.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_training import (METHODS, WORKLOADS, interleave, library_epoch, torch_epoch,  # noqa: E402
                            torch_version, training_data)

import feedforward_training  # noqa: E402

STEP_METHODS = [method for method in METHODS if method != 'dropout']


def timed(owner, name, spent):
    """Replace the method ``name`` of the class ``owner`` by one that adds the seconds of each call to ``spent``."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--workload', choices=sorted(WORKLOADS), default='W3')
    parser.add_argument('--examples', type=int, default=12800, help='training examples (default 12800)')
    parser.add_argument('--epochs', type=int, default=3, help='timed epochs of each (default 3)')
    parser.add_argument('--threads', type=int, default=os.cpu_count(),
                        help='threads for PyTorch (default: every CPU, {})'.format(os.cpu_count()))
    parser.add_argument('--synthetic', action='store_true', help='random arrays of MNIST shapes instead of MNIST')
    args = parser.parse_args(argv)
    if args.examples < 1 or args.epochs < 1 or args.threads < 1:
        parser.error('--examples, --epochs and --threads must be positive')
    workload = WORKLOADS[args.workload]
    images, targets = training_data(workload[-1], args.synthetic, args.examples)
    batches = -(-len(images) // workload[3])

    spent = [0.0]
    timed(feedforward_training.Trainer, '_update', spent)
    runners = {('ours', method): library_epoch(workload, images, targets, method) for method in STEP_METHODS}
    if torch_version() is not None:
        import torch
        for owner in (torch.optim.SGD, torch.optim.Adam):
            timed(owner, 'step', spent)
        runners.update({('torch', method): torch_epoch(workload, images, targets, args.threads, method)
                        for method in STEP_METHODS})
    updates = {name: [] for name in runners}

    def measured(name):
        def run():
            spent[0] = 0.0
            runners[name]()
            updates[name].append(spent[0])
        return run

    times = interleave({name: measured(name) for name in runners}, args.epochs, warmup=1)
    print('{} on {} {} examples, {} mini-batches an epoch; median of {} epochs after one warm-up epoch'.format(
        args.workload, len(images), 'synthetic' if args.synthetic else 'MNIST', batches, args.epochs))
    print('{:<6} {:<9} {:>9} {:>16}'.format('who', 'method', 's/epoch', 'update ms/batch'))
    for (who, method), seconds in times.items():
        update = statistics.median(updates[(who, method)][1:])      # the warm-up epoch is not timed
        print('{:<6} {:<9} {:>9.3f} {:>16.2f}'.format(who, method, statistics.median(seconds),
                                                       update / batches * 1e3))
    return 0


if __name__ == '__main__':
    sys.exit(main())
