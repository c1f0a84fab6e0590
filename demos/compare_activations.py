"""Sigmoid vs Tanh vs Rectifier hidden layers on MNIST, with the same budget.

    python demos/compare_activations.py [--epochs 10] [--train-size 20000] [--test-size 10000] [--out out]

Three nets 784-HIDDEN-10 differ only in the activation of their hidden layer
(Softmax output, cross-entropy cost). Each starts from the library's
initialization for its activation and trains for the same epochs, on the same
examples, in the same mini-batches, with the same learning rate. Writes
``compare_activations.png`` into ``--out``: test accuracy and test cost per
epoch, one line per activation.
"""
import os

import common
import comparison

from activation_functions import Rectifier, Sigmoid, Tanh

EPOCHS, HIDDEN, LEARNING_RATE, BATCH_SIZE = 10, 100, 0.1, 20
COLOURS = {'Sigmoid': 'tab:red', 'Tanh': 'tab:green', 'Rectifier': 'tab:blue'}


def main(argv=None):
    parser = common.standard_parser(__doc__, epochs=EPOCHS, save=False, checkpoints=False)
    comparison.add_size_flags(parser, train_size=20000, test_size=10000)
    parser.add_argument('--hidden', type=common.positive_int, default=HIDDEN,
                        help='hidden units (default {})'.format(HIDDEN))
    comparison.add_run_flags(parser, LEARNING_RATE, BATCH_SIZE)
    args = parser.parse_args(argv)
    training, test = comparison.load_subsets(args)

    histories = {}
    for activation in (Sigmoid, Tanh, Rectifier):
        # The same seeds for every run: the same shuffles, and draws that differ only by the activation's rule.
        _, _, trainer = common.classifier([784, args.hidden, 10], 0.0, args.learning_rate, args.batch_size, args,
                                          hidden=activation)
        histories[activation.name], interrupted = comparison.train_recording(
            trainer, training.source, args.epochs, label=activation.name + ' ', evaluation_data=test.source)
        if interrupted:
            break

    plt = common.pyplot()
    figure, (accuracy, cost) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, history in histories.items():
        style = dict(color=COLOURS[name], marker='o', markersize=4, label='{} hidden layer'.format(name))
        accuracy.plot(history['epoch'], 100 * history.array('evaluation_accuracy'), **style)
        cost.plot(history['epoch'], history['evaluation_cost'], **style)
        print('{:>9}: test accuracy {:.2f}% after {} epochs'.format(
            name, 100 * history['evaluation_accuracy'][-1], len(history)))
    accuracy.set(xlabel='epoch', ylabel='test accuracy (%)', title='Test accuracy')
    cost.set(xlabel='epoch', ylabel='test cost (cross-entropy)', title='Test cost')
    for ax in (accuracy, cost):
        ax.grid(alpha=0.3)
        ax.legend()
    figure.suptitle('784-{}-10 nets, same budget: {} epochs on {} images, mini-batches of {}, learning rate {}'.format(
        args.hidden, args.epochs, len(training), args.batch_size, args.learning_rate), fontsize=10)
    picture = common.save_figure(figure, os.path.join(args.out, 'compare_activations.png'), dpi=80)
    print('picture: {}'.format(picture))
    return histories


if __name__ == '__main__':
    common.run(main)
