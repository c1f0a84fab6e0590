"""float32 against float64 on MNIST: the same net, start and shuffles, trained in both dtypes.

    python benchmarks/float32_accuracy.py              # W2 of the benchmark, 3 epochs
    python benchmarks/float32_accuracy.py --epochs 1

Prints the test accuracy of each and the difference in percentage points;
exits with status 1 if they differ by more than 0.2 points.
"""
import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import feedforward_mnist  # noqa: E402
from activation_functions import Rectifier, Softmax  # noqa: E402
from cost_functions import CrossEntropyCost  # noqa: E402
from cost_functions import accuracy  # noqa: E402
from gradient_descent import StochasticGradientDescent  # noqa: E402
from neural_net import NetFactory  # noqa: E402

SIZES, BATCH, RATE, L2 = [784, 100, 100, 10], 50, 0.1, 1e-4
TOLERANCE_POINTS = 0.2


def train_and_test(dtype, epochs, start):
    training, test = feedforward_mnist.load_mnist(dtype=dtype, download=False, progress=False)
    net = NetFactory.create_neural_net(SIZES, Rectifier, Softmax, dtype=dtype)
    net.parameters()[...] = start  # the same starting point in both dtypes
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=L2), RATE, batch_size=BATCH, seed=0)
    started = time.perf_counter()
    for _ in range(epochs):
        sgd.training_epoch(training.source)
    seconds = time.perf_counter() - started
    return accuracy(net, test.source), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--epochs', type=int, default=3)
    args = parser.parse_args(argv)
    start_net = NetFactory.create_neural_net(SIZES, Rectifier, Softmax)
    start_net.randomize_parameters(seed=0)
    start = start_net.parameters().copy()
    print('{}, Rectifier/Softmax, cross-entropy, L2 {}, batch {}, rate {}, {} epochs on MNIST, same start '
          'and shuffles:'.format('-'.join(map(str, SIZES)), L2, BATCH, RATE, args.epochs))
    results = {}
    for dtype in (np.float64, np.float32):
        results[dtype] = train_and_test(dtype, args.epochs, start)
        print('  {:<8} test accuracy {:.2f}%  ({:.1f} s of training)'.format(
            np.dtype(dtype).name, 100 * results[dtype][0], results[dtype][1]))
    difference = 100 * abs(results[np.float32][0] - results[np.float64][0])
    verdict = 'within' if difference <= TOLERANCE_POINTS else 'NOT within'
    print('  difference {:.2f} points: {} {} points'.format(difference, verdict, TOLERANCE_POINTS))
    return 0 if difference <= TOLERANCE_POINTS else 1


if __name__ == '__main__':
    sys.exit(main())
