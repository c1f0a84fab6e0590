"""np.dot against np.matmul for each matrix product of a training step, at the shapes of W1, W2 and W3.

    python benchmarks/product_calls.py
    python benchmarks/product_calls.py --rounds 15

A step forms, for each layer l, z = a W (forward), the weight gradient a^T delta, and (above the first layer)
delta W^T (backward). For each workload of ``bench_training.py`` this script times the three products with both
NumPy calls, on the threads that the library's default policy gives the workload, in turns, and prints the
median µs per call of each and their ratio (matmul over dot: below 1, np.matmul is faster). The two calls compute
the same BLAS product; np.matmul passes a transposed operand to the BLAS as a flag. With ``--torch`` (PyTorch
installed) ``torch.matmul`` of the same arrays is timed too, on the same number of threads, after NumPy's rounds
(not in turns: the two thread pools would slow each other): PyTorch's wheels multiply with Intel's MKL, NumPy's
with OpenBLAS.
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


def products(sizes, batch, dtype, rng, torch=None):
    """(name, dot call, matmul call, torch call or None) for every product of one step of a net of ``sizes``."""
    found = []

    def in_torch(x, y, out):
        if torch is None:
            return None
        x, y, out = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(out)
        return lambda: torch.matmul(x, y, out=out)

    for l in range(1, len(sizes)):
        a = rng.random((batch, sizes[l - 1])).astype(dtype)
        W = rng.random((sizes[l - 1], sizes[l])).astype(dtype)
        delta = rng.random((batch, sizes[l])).astype(dtype)
        z, gradient, below = np.empty_like(delta), np.empty_like(W), np.empty_like(a)
        shape = '{}x{}'.format(sizes[l - 1], sizes[l])
        found.append(('a W       ' + shape, lambda a=a, W=W, z=z: np.dot(a, W, out=z),
                      lambda a=a, W=W, z=z: np.matmul(a, W, out=z), in_torch(a, W, z)))
        found.append(('a^T delta ' + shape, lambda a=a, d=delta, g=gradient: np.dot(a.T, d, out=g),
                      lambda a=a, d=delta, g=gradient: np.matmul(a.T, d, out=g), in_torch(a.T, delta, gradient)))
        if l > 1:
            found.append(('delta W^T ' + shape, lambda d=delta, W=W, b=below: np.dot(d, W.T, out=b),
                          lambda d=delta, W=W, b=below: np.matmul(d, W.T, out=b), in_torch(delta, W.T, below)))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=9, help='timed rounds of each call, in turns (default 9)')
    parser.add_argument('--torch', action='store_true', help='time torch.matmul too (needs PyTorch)')
    args = parser.parse_args(argv)
    torch = None
    if args.torch:
        import torch
    rng = np.random.default_rng(0)
    print('{:4} {:22} {:>8} {:>8} {:>13}'.format('name', 'product', 'dot µs', 'matmul µs', 'matmul/dot') +
          (' {:>9} {:>15}'.format('torch µs', 'matmul/torch') if torch else ''))
    for name in ('W1', 'W2', 'W3'):
        sizes, _, _, batch, _, _, dtype = WORKLOADS[name]
        threads = feedforward_threads.policy_threads(sizes, batch, dtype)
        if torch:
            torch.set_num_threads(threads or os.cpu_count())
        with threadpoolctl.threadpool_limits(threads, user_api='blas'):
            for product, *calls in products(sizes, batch, dtype, rng, torch):
                calls = [call for call in calls if call is not None]
                repeat = max(3, int(2e-2 / max(per_call(calls[0], 3) * 1e-6, 1e-7)))   # about 20 ms a round
                times = [[] for _ in calls]
                for _ in range(args.rounds):                   # NumPy's two calls in turns
                    for call, spent in zip(calls[:2], times):
                        spent.append(per_call(call, repeat))
                if torch:
                    # PyTorch's threads and OpenBLAS's spin for a while after their last product: taken in turns,
                    # each would slow the other. PyTorch's rounds come after, with a pause on either side.
                    time.sleep(0.2)
                    times[2] = [per_call(calls[2], repeat) for _ in range(args.rounds)]
                    time.sleep(0.2)
                row = '{:4} {:22} {:8.1f} {:8.1f} {:13.2f}'.format(
                    name, product, statistics.median(times[0]), statistics.median(times[1]),
                    statistics.median(m / d for m, d in zip(times[1], times[0])))
                if torch:
                    row += ' {:9.1f} {:15.2f}'.format(statistics.median(times[2]),
                                                      statistics.median(m / t for m, t in zip(times[1], times[2])))
                print(row)
    print('(the threads of the default policy for each workload; medians of {} rounds in turns)'.format(args.rounds))


if __name__ == '__main__':
    main()
