"""Vanishing gradients: per-layer gradient norms of a deep Sigmoid net vs the same depth of Rectifier units.

    python demos/vanishing_gradients.py [--epochs 20] [--layers 5] [--hidden 30] [--train-size 10000] [--out out]

Two nets 784-30-30-30-30-30-10 (by default) differ only in the activation of
their hidden layers; both have a Softmax output and the cross-entropy cost,
and train with the same examples, mini-batches and learning rate. After each
epoch, ``train(..., diagnostics=True)`` measures the norm of the gradient of
the cost with respect to every layer's weights on a fixed batch of 1000
training images. In the Sigmoid net each layer back multiplies the error by
sigma' <= 1/4 and by small weights, so the first layers get gradients orders
of magnitude smaller than the last and barely learn; the Rectifier's slope
is 1 where it is active, and its gradients stay of one size through the
depth. Writes ``vanishing_gradients.png`` into ``--out``.
"""
import os

import common
import comparison
import numpy as np

from activation_functions import Rectifier, Sigmoid

EPOCHS, LAYERS, HIDDEN, LEARNING_RATE, BATCH_SIZE = 20, 5, 30, 0.1, 20


def main(argv=None):
    parser = common.standard_parser(__doc__, epochs=EPOCHS, save=False, checkpoints=False)
    comparison.add_size_flags(parser, train_size=10000, test_size=10000)
    parser.add_argument('--layers', type=common.positive_int, default=LAYERS,
                        help='hidden layers (default {})'.format(LAYERS))
    parser.add_argument('--hidden', type=common.positive_int, default=HIDDEN,
                        help='units per hidden layer (default {})'.format(HIDDEN))
    comparison.add_run_flags(parser, LEARNING_RATE, BATCH_SIZE)
    args = parser.parse_args(argv)
    training, test = comparison.load_subsets(args)
    sizes = [784] + [args.hidden] * args.layers + [10]

    histories = {}
    for activation in (Sigmoid, Rectifier):
        _, _, trainer = common.classifier(sizes, 0.0, args.learning_rate, args.batch_size, args, hidden=activation)
        histories[activation.name], interrupted = comparison.train_recording(
            trainer, training.source, args.epochs, label=activation.name + ' ', evaluation_data=test.source,
            diagnostics=True)
        if interrupted:
            break

    plt = common.pyplot()
    figure, panels = plt.subplots(1, len(histories), figsize=(5.5 * len(histories), 4.4), sharey=True,
                                  squeeze=False)
    layers = len(sizes) - 1
    colours = plt.cm.plasma(np.linspace(0.0, 0.85, layers))
    for ax, (name, history) in zip(panels[0], histories.items()):
        norms = history.array('weight_gradient_norm')
        for l in range(layers):
            label = 'layer {}{}'.format(l + 1, ' (output)' if l == layers - 1 else '')
            ax.semilogy(history['epoch'], norms[:, l], color=colours[l], marker='o', markersize=3, label=label)
        ax.set(xlabel='epoch', title='{} hidden layers: test accuracy {:.1f}%'.format(
            name, 100 * history['evaluation_accuracy'][-1]))
        ax.grid(alpha=0.3, which='both')
        ax.xaxis.get_major_locator().set_params(integer=True)
        ratio = norms[-1, 0] / norms[-1, -1]
        print('{:>9}: last epoch, ||dC/dW|| of layer 1 / the output layer = {:.3g}; test accuracy {:.2f}%'.format(
            name, ratio, 100 * history['evaluation_accuracy'][-1]))
    panels[0][0].set_ylabel('||dC/dW|| per layer (log scale)')
    # One legend, where the Rectifier panel is empty: below its lines.
    panels[0][-1].legend(fontsize=8, loc='lower center', ncol=2)
    figure.suptitle('Weight-gradient norm of each layer after each epoch, net {}, on 1000 training images'.format(
        '-'.join(str(s) for s in sizes)), fontsize=10)
    picture = common.save_figure(figure, os.path.join(args.out, 'vanishing_gradients.png'), dpi=80)
    print('picture: {}'.format(picture))
    return histories


if __name__ == '__main__':
    common.run(main)
