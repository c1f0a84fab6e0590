"""Fit y = x*x with the README's net, and plot the target against the net's fit.

    python demos/curve_fitting.py --epochs 5000 --out out
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from activation_functions import Rectifier, Sigmoid  # noqa: E402
from cost_functions import QuadraticCost  # noqa: E402
from data_source import PreloadSource  # noqa: E402
from gradient_descent import GradientDescent  # noqa: E402
from neural_net import NetFactory  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--epochs', type=int, default=5000, help='full-batch epochs (default 5000)')
    parser.add_argument('--seed', type=int, default=None, help='seed of the initial parameters')
    parser.add_argument('--save', metavar='PATH', help='save the trained net to PATH as JSON')
    parser.add_argument('--out', metavar='DIR', default='out', help='folder for the picture (default out)')
    parser.add_argument('--data-dir', help='unused: this demo makes its own data')
    args = parser.parse_args(argv)

    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from tqdm import tqdm

    x = np.arange(2.0, 11.0).reshape(-1, 1)
    src = PreloadSource((x, x ** 2))
    net = NetFactory.create_neural_net([1, 200, 1], hidden_layer_activation=Sigmoid,
                                       output_layer_activation=Rectifier)
    net.randomize_parameters(args.seed)
    cost = QuadraticCost(net, l2_reg_term=0.0005)
    gd = GradientDescent(net, cost, learning_rate=0.001)
    with tqdm(total=args.epochs, desc='training', unit='epoch') as bar:
        history = gd.train(src, args.epochs, callback=lambda epoch, h: bar.update(1))
    final = history['training_cost'][-1]

    os.makedirs(args.out, exist_ok=True)
    grid = np.linspace(1.5, 10.5, 200).reshape(-1, 1)
    figure, (fit, curve) = plt.subplots(1, 2, figsize=(10, 4))
    fit.plot(grid, grid ** 2, label='target y = x\u00b2', color='black', linewidth=1)
    fit.plot(grid, net.feed(grid), label='net', color='tab:orange')
    fit.scatter(x, x ** 2, label='training examples', color='black', zorder=3)
    fit.set(xlabel='x', ylabel='y', title='Fit after {} epochs'.format(args.epochs))
    fit.legend()
    curve.semilogy(range(1, len(history) + 1), history['training_cost'])
    curve.set(xlabel='epoch', ylabel='cost (log scale)', title='Training cost')
    figure.tight_layout()
    picture = os.path.join(args.out, 'curve_fitting.png')
    figure.savefig(picture, dpi=100)
    if args.save:
        net.save(args.save)
    print('picture: {}'.format(picture))
    print('final cost: {:.4f}'.format(final))


if __name__ == '__main__':
    main()
