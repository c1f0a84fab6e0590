"""How close the library's epoch is to the fastest plain-SGD epoch NumPy can run: W1 and W2 written flat.

    python benchmarks/numpy_floor.py                     # W1 and W2, 7 rounds on all of MNIST
    python benchmarks/numpy_floor.py --workloads W2 --rounds 11
    python benchmarks/numpy_floor.py --jax              # and JAX's whole epoch as one lax.scan, in turns

The flat epoch is the step of W1 or W2 of ``bench_training.py`` written as one
function with nothing but the arithmetic: every buffer made once, the
parameters in one flat array, each batch gathered with one ``np.take`` per
array into a buffer (no index check), three matrix products per layer (two on
the first), the activation, its derivative and the softmax in place, the L2
term and the update as three passes over the flat parameters, and a
finiteness check of them per step. It has no hooks, no checks of arguments, no
undo, no dropout and no other update rule: no code a library can go without.
Both run on one BLAS thread, as the library's default policy runs W1 and W2.

The script trains the library's epoch and the flat one in turns and prints
the median seconds of each and the median of the per-round ratios: what the
library's machinery adds to the arithmetic that NumPy calls need. With
``--jax`` (``jax[cpu]`` installed) JAX's epoch compiled as one ``lax.scan``
(``bench_training.py``'s) runs in the same turns and both are compared with
it: JAX on XLA's own thread pool, which uses every core, the two NumPy epochs
on one BLAS thread.
"""
import argparse
import os
import statistics
import sys

import numpy as np
import threadpoolctl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_training import (WORKLOADS, interleave, jax_epoch, library_epoch, per_round_ratios,  # noqa: E402
                            training_data)

from activation_functions import Sigmoid  # noqa: E402


def flat_epoch(workload, images, targets, seed=0):
    """A function that trains one plain-SGD epoch of ``workload`` (W1 or W2) in flat NumPy."""
    sizes, hidden, _, batch, rate, l2, dtype = workload
    rng = np.random.default_rng(seed)
    shapes = list(zip(sizes[:-1], sizes[1:]))
    theta = np.zeros(sum(n_in * n_out + n_out for n_in, n_out in shapes), dtype)
    gradient, scratch = np.zeros_like(theta), np.empty_like(theta)
    weights, biases, weight_gradients, bias_gradients, start = [], [], [], [], 0
    for n_in, n_out in shapes:
        weights.append(theta[start:start + n_in * n_out].reshape(n_in, n_out))
        weight_gradients.append(gradient[start:start + n_in * n_out].reshape(n_in, n_out))
        start += n_in * n_out
        biases.append(theta[start:start + n_out])
        bias_gradients.append(gradient[start:start + n_out])
        start += n_out
        weights[-1][...] = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
    x, y = np.empty((batch, sizes[0]), dtype), np.empty((batch, sizes[-1]), dtype)
    a = [np.empty((batch, n_out), dtype) for _, n_out in shapes]       # each layer's activation
    delta = [np.empty_like(layer) for layer in a]
    ones, finite = np.ones(batch, dtype), np.empty(theta.size, bool)
    sigmoid = hidden is Sigmoid        # W1: Sigmoid hidden and output; W2: Rectifier hidden, Softmax output
    n, last = images.shape[0], len(shapes) - 1

    def step(indices):
        images.take(indices, axis=0, out=x, mode='wrap')
        targets.take(indices, axis=0, out=y, mode='wrap')
        below = x
        for l, z in enumerate(a):
            np.dot(below, weights[l], out=z)
            z += biases[l]
            if sigmoid:                                    # 1 / (1 + exp(-z))
                np.negative(z, out=z)
                np.exp(z, out=z)
                z += 1
                np.reciprocal(z, out=z)
            elif l < last:
                np.maximum(z, 0, out=z)
            else:
                z -= np.maximum.reduce(z, axis=1, keepdims=True)
                np.exp(z, out=z)
                z /= np.add.reduce(z, axis=1, keepdims=True)
            below = z
        np.subtract(a[-1], y, out=delta[-1])               # cross-entropy's delta at the output, times the rate / n
        delta[-1] *= rate / batch
        for l in range(last, -1, -1):
            np.matmul(x.T if l == 0 else a[l - 1].T, delta[l], out=weight_gradients[l])
            np.dot(ones, delta[l], out=bias_gradients[l])
            if l > 0:
                np.matmul(delta[l], weights[l].T, out=delta[l - 1])
                if sigmoid:                                # times a (1 - a)
                    delta[l - 1] *= a[l - 1]
                    np.subtract(1, a[l - 1], out=a[l - 1])
                    delta[l - 1] *= a[l - 1]
                else:
                    delta[l - 1] *= a[l - 1] > 0
        if l2:
            np.multiply(theta, rate * l2, out=scratch)     # the biases' share is wasted work, as in a flat update
            np.add(gradient, scratch, out=gradient)
        np.subtract(theta, gradient, out=theta)
        if not np.logical_and.reduce(np.isfinite(theta, out=finite)):
            raise FloatingPointError('the flat epoch diverged')

    def one_epoch():
        order = rng.permutation(n)
        for begin in range(0, n - batch + 1, batch):      # full batches (all of them on MNIST)
            step(order[begin:begin + batch])

    return one_epoch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--workloads', nargs='+', default=['W1', 'W2'], choices=['W1', 'W2'])
    parser.add_argument('--rounds', type=int, default=7, help='timed epochs of each, in turns (default 7)')
    parser.add_argument('--examples', type=int, default=None, help='training examples (default: all 60000)')
    parser.add_argument('--synthetic', action='store_true', help='random arrays of MNIST shapes instead of MNIST')
    parser.add_argument('--jax', action='store_true', help="JAX's epoch as one lax.scan too (needs jax[cpu])")
    args = parser.parse_args(argv)
    print('{:4} {:>10} {:>10} {:>14}'.format('name', 'library s', 'flat s', 'library/flat') +
          (' {:>10} {:>12} {:>12}'.format('JAX scan s', 'library/JAX', 'flat/JAX') if args.jax else ''))
    for name in args.workloads:
        workload = WORKLOADS[name]
        images, targets = training_data(workload[-1], args.synthetic, args.examples)
        # One BLAS thread for both, set once: the library's default policy gives W1 and W2 one thread anyway.
        runners = {'library': library_epoch(workload, images, targets), 'flat': flat_epoch(workload, images, targets)}
        if args.jax:
            runners['jax'] = jax_epoch(workload, images, targets, 'scan')
        with threadpoolctl.threadpool_limits(1, user_api='blas'):
            times = interleave(runners, args.rounds, warmup=1)

        def ratio(numerator, denominator):
            return per_round_ratios(times, numerator, denominator)[0]

        row = '{:4} {:10.3f} {:10.3f} {:14.3f}'.format(name, statistics.median(times['library']),
                                                      statistics.median(times['flat']), ratio('library', 'flat'))
        if args.jax:
            row += ' {:10.3f} {:12.3f} {:12.3f}'.format(statistics.median(times['jax']), ratio('library', 'jax'),
                                                       ratio('flat', 'jax'))
        print(row)
    print('(medians of {} epochs of each after a warm-up epoch, in turns; library/flat: the median of the '
          'per-round ratios)'.format(args.rounds))


if __name__ == '__main__':
    main()
