"""Where BLAS threads start to pay: a layer's products at one thread against all, by the size of the work.

    python benchmarks/thread_crossover.py                 # float32 and float64, a few minutes
    python benchmarks/thread_crossover.py --rounds 9      # more rounds on a disturbed machine

A training step makes three products per layer of n_in inputs and n_out
units, on a batch of n examples: a W (n x n_in by n_in x n_out), a^T delta
(n_in x n by n x n_out) and delta W^T (n x n_out by n_out x n_in), each of
2 n n_in n_out floating-point operations. For layers of 784 inputs (MNIST's)
and a grid of batch sizes and widths, this script times the three at one
BLAS thread and at all the threads the BLAS was started with, in turns
(round after round, each setting once, the order swapping), and prints the
speed-up t(1 thread) / t(all threads) against the flops of one product,
sorted by flops, with the smallest flops from which every larger shape
reaches the speed-up ``--gain`` (default 1.5): the crossover that
``feedforward_threads.CROSSOVER_FLOPS`` holds.

Each time is the best of its rounds (the least disturbed by other work on a
shared machine); each product is repeated in a round until it has run for
about 5 ms.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
from threadpoolctl import ThreadpoolController

N_IN = 784
BATCHES = (10, 50, 128, 256)
WIDTHS = (30, 100, 256, 512, 1024, 2048)
ROUND_SECONDS = 0.005


def layer_products(n, n_in, n_out, dtype):
    """A function that runs the three products of one layer's step once."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n_in)).astype(dtype)
    W = rng.standard_normal((n_in, n_out)).astype(dtype)
    z = np.empty((n, n_out), dtype)
    delta = rng.standard_normal((n, n_out)).astype(dtype)
    nabla = np.empty((n_in, n_out), dtype)
    below = np.empty((n, n_in), dtype)

    def run():
        np.dot(a, W, out=z)
        np.dot(a.T, delta, out=nabla)
        np.dot(delta, W.T, out=below)

    return run


def seconds_per_call(run, repeats):
    started = time.perf_counter()
    for _ in range(repeats):
        run()
    return (time.perf_counter() - started) / repeats


def measure(dtype, rounds, controller, most):
    """Rows (flops of one product, n, width, seconds at 1 thread, seconds at all threads), sorted by flops."""
    rows = []
    for n in BATCHES:
        for width in WIDTHS:
            run = layer_products(n, N_IN, width, dtype)
            run()
            repeats = max(1, int(ROUND_SECONDS / max(seconds_per_call(run, 3), 1e-7)))
            best = {1: float('inf'), most: float('inf')}
            for round_ in range(rounds):
                for threads in ((1, most) if round_ % 2 == 0 else (most, 1)):
                    with controller.limit(limits=threads, user_api='blas'):
                        run()
                        best[threads] = min(best[threads], seconds_per_call(run, repeats))
            rows.append((2 * n * N_IN * width, n, width, best[1], best[most]))
    return sorted(rows)


def crossover(rows, gain):
    """The smallest flops from which every shape at least as large runs at least ``gain`` times faster on all
    threads (None if the largest does not)."""
    found = None
    for flops, _, _, one, many in reversed(rows):
        if one / many < gain:
            break
        found = flops
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=15, help='rounds of each setting (default 15)')
    parser.add_argument('--gain', type=float, default=1.5,
                        help='the speed-up all threads must bring to be chosen (default 1.5)')
    args = parser.parse_args(argv)
    controller = ThreadpoolController()
    blas = controller.select(user_api='blas')
    most = min(lib.get_num_threads() for lib in blas.lib_controllers)
    print('BLAS: {}; {} threads (the most it was started with); {} logical CPUs'.format(
        ', '.join('{} {}'.format(lib.internal_api, lib.version) for lib in blas.lib_controllers), most,
        os.cpu_count()))
    if most < 2:
        print('one thread only: nothing to compare')
        return 0
    for dtype in (np.float32, np.float64):
        rows = measure(dtype, args.rounds, controller, most)
        print()
        print('{}: layer {} -> width, batch n; best of {} rounds'.format(np.dtype(dtype).name, N_IN, args.rounds))
        print('{:>12} {:>5} {:>6} {:>12} {:>12} {:>8}'.format(
            'MFLOP/prod', 'n', 'width', 'ms 1 thread', 'ms {} thr.'.format(most), 'speed-up'))
        for flops, n, width, one, many in rows:
            print('{:>12.2f} {:>5} {:>6} {:>12.3f} {:>12.3f} {:>8.2f}'.format(
                flops / 1e6, n, width, one * 1e3, many * 1e3, one / many))
        found = crossover(rows, args.gain)
        speedups = [one / many for _, _, _, one, many in rows]
        print('crossover (speed-up >= {} from here on): {}; median speed-up {:.2f}'.format(
            args.gain, 'none' if found is None else '{:.1f} MFLOP per product'.format(found / 1e6),
            statistics.median(speedups)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
