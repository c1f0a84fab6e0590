"""np.dot against np.matmul for each matrix product of a training step, at the shapes of W1, W2 and W3.

    python benchmarks/product_calls.py
    python benchmarks/product_calls.py --rounds 15

A step forms, for each layer l, z = a W (forward), the weight gradient a^T delta, and (above the first layer)
delta W^T (backward). For each workload of ``bench_training.py`` this script times the three products with both
NumPy calls, on the threads that the library's default policy gives the workload, in turns, and prints the
median µs per call of each and their ratio (matmul over dot: below 1, np.matmul is faster). The two calls compute
the same BLAS product; np.matmul passes a transposed operand to the BLAS as a flag.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import threadpoolctl

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_training import WORKLOADS  # noqa: E402
import feedforward_threads  # noqa: E402


def per_call(function, calls):
    """µs per call of ``function`` over ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls * 1e6


def products(sizes, batch, dtype, rng):
    """(name, dot call, matmul call) for every product of one step of a net of ``sizes``."""
    found = []
    for l in range(1, len(sizes)):
        a = rng.random((batch, sizes[l - 1])).astype(dtype)
        W = rng.random((sizes[l - 1], sizes[l])).astype(dtype)
        delta = rng.random((batch, sizes[l])).astype(dtype)
        z, gradient, below = np.empty_like(delta), np.empty_like(W), np.empty_like(a)
        shape = '{}x{}'.format(sizes[l - 1], sizes[l])
        found.append(('a W       ' + shape, lambda a=a, W=W, z=z: np.dot(a, W, out=z),
                      lambda a=a, W=W, z=z: np.matmul(a, W, out=z)))
        found.append(('a^T delta ' + shape, lambda a=a, d=delta, g=gradient: np.dot(a.T, d, out=g),
                      lambda a=a, d=delta, g=gradient: np.matmul(a.T, d, out=g)))
        if l > 1:
            found.append(('delta W^T ' + shape, lambda d=delta, W=W, b=below: np.dot(d, W.T, out=b),
                          lambda d=delta, W=W, b=below: np.matmul(d, W.T, out=b)))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=9, help='timed rounds of each call, in turns (default 9)')
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    print('{:4} {:22} {:>8} {:>8} {:>13}'.format('name', 'product', 'dot µs', 'matmul µs', 'matmul/dot'))
    for name in ('W1', 'W2', 'W3'):
        sizes, _, _, batch, _, _, dtype = WORKLOADS[name]
        threads = feedforward_threads.policy_threads(sizes, batch, dtype)
        with threadpoolctl.threadpool_limits(threads, user_api='blas'):
            for product, dot, matmul in products(sizes, batch, dtype, rng):
                calls = max(3, int(2e-2 / max(per_call(dot, 3) * 1e-6, 1e-7)))   # about 20 ms a round
                dots, matmuls, ratios = [], [], []
                for _ in range(args.rounds):
                    dots.append(per_call(dot, calls))
                    matmuls.append(per_call(matmul, calls))
                    ratios.append(matmuls[-1] / dots[-1])
                print('{:4} {:22} {:8.1f} {:8.1f} {:13.2f}'.format(
                    name, product, statistics.median(dots), statistics.median(matmuls), statistics.median(ratios)))
    print('(the threads of the default policy for each workload; medians of {} rounds in turns)'.format(args.rounds))


if __name__ == '__main__':
    main()
