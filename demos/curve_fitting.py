"""Fit y = x*x with the README's net, and picture the fit as it forms.

    python demos/curve_fitting.py [--epochs 5000] [--seed 0] [--out out] [--save net.json]

Writes ``curve_fitting.png`` into ``--out``: on the left the target curve and
the net's function at several moments of training (before the first step,
then at about 1%, 10%, 40% and 100% of the epochs); on the right the training
cost per epoch, with those moments marked. ``--data-dir`` is unused: the
demo makes its own data.
"""
import os

import common
import training_loop
import numpy as np

from activation_functions import Rectifier, Sigmoid
from cost_functions import QuadraticCost
from data_source import PreloadSource
from gradient_descent import GradientDescent
from neural_net import NetFactory


def snapshot_epochs(epochs):
    """The epochs after which the fit is drawn: 0 (the start), then about 1%, 10%, 40% and 100% of ``epochs``."""
    return sorted({0, epochs} | {max(1, round(epochs * share)) for share in (0.01, 0.1, 0.4)})


def main(argv=None):
    parser = common.standard_parser(__doc__, epochs=5000, seed=0, checkpoints=False)
    args = parser.parse_args(argv)

    plt = common.pyplot()

    x = np.arange(2.0, 11.0).reshape(-1, 1)
    src = PreloadSource((x, x ** 2))
    net = NetFactory.create_neural_net([1, 200, 1], hidden_layer_activation=Sigmoid,
                                       output_layer_activation=Rectifier)
    net.randomize_parameters(args.seed)
    cost = QuadraticCost(net, l2_reg_term=0.0005)
    gd = GradientDescent(net, cost, learning_rate=0.001)

    grid = np.linspace(1.5, 10.5, 200).reshape(-1, 1)
    moments = snapshot_epochs(args.epochs)
    fits = {0: net.feed(grid)}

    def remember_fit(record):
        if record['epoch'] in moments:
            fits[record['epoch']] = net.feed(grid)

    history = training_loop.train_run(gd, src, args.epochs, on_epoch=remember_fit, quiet=True).history
    final = history['training_cost'][-1]
    moments = [epoch for epoch in moments if epoch in fits]  # all of them, unless Ctrl+C stopped the run

    figure, (fit, curve) = plt.subplots(1, 2, figsize=(11, 4.2))
    fit.plot(grid, grid ** 2, label='target y = x\u00b2', color='black', linewidth=2.5, alpha=0.35)
    colours = plt.cm.viridis(np.linspace(0.0, 0.9, len(moments)))
    for colour, epoch in zip(colours, moments):
        fit.plot(grid, fits[epoch], color=colour, label='net after {} epochs'.format(epoch))
    fit.scatter(x, x ** 2, label='training examples', color='black', zorder=3, s=18)
    fit.set(xlabel='x', ylabel='y', title='The net\u2019s function as training goes on')
    fit.legend(fontsize=8)
    epochs = np.arange(1, len(history) + 1)
    curve.loglog(epochs, history['training_cost'], color='tab:blue')
    for colour, epoch in zip(colours, moments):
        if epoch > 0:
            curve.plot(epoch, history['training_cost'][epoch - 1], 'o', color=colour)
    curve.set(xlabel='epoch (log scale)', ylabel='training cost (log scale)', title='Training cost; dots: the fits')
    curve.grid(alpha=0.3, which='both')
    picture = common.save_figure(figure, os.path.join(args.out, 'curve_fitting.png'), dpi=80)
    if args.save:
        net.save(args.save)
    print('picture: {}'.format(picture))
    print('final cost: {:.4f}'.format(final))
    return history


if __name__ == '__main__':
    common.run(main)
