"""Plain SGD, momentum, Nesterov momentum and Adam on the same net, from the same start, on the same mini-batches.

    python demos/compare_optimizers.py [--epochs 15] [--train-size 10000] [--test-size 10000] [--out out]

Four copies of one 784-HIDDEN-10 net (Rectifier hidden layer, Softmax
output, cross-entropy) start from the same parameters and see the same
mini-batches in the same order; only the update rule differs. Plain SGD,
momentum and Nesterov momentum take the same learning rate; Adam takes its
usual 0.001. A small learning rate shows the difference best: momentum
gathers the steps of many mini-batches into one velocity, about
1 / (1 - momentum) times as long as a plain step where the gradients agree,
and Adam scales each parameter's step by its own running gradient size.
Writes ``compare_optimizers.png`` into ``--out``: the training cost, measured
five times an epoch, and the test accuracy after each epoch.
"""
import os

import common
import comparison

from gradient_descent import Adam

EPOCHS, HIDDEN, LEARNING_RATE, ADAM_LEARNING_RATE, MOMENTUM, BATCH_SIZE = 15, 100, 0.01, 0.001, 0.9, 50
#: Measurements of the training cost per epoch.
POINTS_PER_EPOCH = 5
COLOURS = {'SGD': 'tab:red', 'momentum': 'tab:green', 'Nesterov': 'tab:purple', 'Adam': 'tab:blue'}
#: Nesterov's curves often lie on momentum's: dashed, so that both show.
STYLES = {'Nesterov': '--'}


def trainers(args):
    """The four trainers, by name, each on its own copy of the same net, with the same shuffles."""
    built = {}
    for name in COLOURS:
        momentum = args.momentum if name in ('momentum', 'Nesterov') else 0.0
        # The same seeds for every run: the same initial parameters and the same shuffles.
        net, cost, trainer = common.classifier([784, args.hidden, 10], 0.0, args.learning_rate, args.batch_size,
                                               args, momentum=momentum, nesterov=name == 'Nesterov')
        if name == 'Adam':
            trainer = Adam(net, cost, args.adam_learning_rate, batch_size=args.batch_size, seed=common.rngs(args)[1])
        built[name] = trainer
    return built


def main(argv=None):
    parser = common.standard_parser(__doc__, epochs=EPOCHS, save=False, checkpoints=False)
    comparison.add_size_flags(parser, train_size=10000, test_size=10000)
    parser.add_argument('--hidden', type=common.positive_int, default=HIDDEN,
                        help='hidden units (default {})'.format(HIDDEN))
    comparison.add_run_flags(parser, LEARNING_RATE, BATCH_SIZE)
    parser.add_argument('--momentum', type=common.below_one, default=MOMENTUM,
                        help='momentum of the momentum and Nesterov runs (default {})'.format(MOMENTUM))
    parser.add_argument('--adam-learning-rate', type=common.positive_float, default=ADAM_LEARNING_RATE,
                        help='learning rate of Adam (default {})'.format(ADAM_LEARNING_RATE))
    args = parser.parse_args(argv)
    training, test = comparison.load_subsets(args)

    histories, costs = {}, {}
    for name, trainer in trainers(args).items():
        costs[name] = points = []
        n_batches = -(-len(training) // args.batch_size)
        marks = {round(k * n_batches / POINTS_PER_EPOCH) - 1 for k in range(1, POINTS_PER_EPOCH + 1)}

        def measure_cost(batch_index, n, trainer=trainer, points=points):
            if batch_index in marks:
                epoch = trainer.epochs_done + (batch_index + 1) / n
                points.append((epoch, trainer.cost_function.get_cost(training.source)))

        histories[name], interrupted = comparison.train_recording(
            trainer, training.source, args.epochs, label=name + ' ', evaluation_data=test.source,
            on_batch=measure_cost)
        if interrupted:
            break

    draw(histories, costs, args, len(training))
    return histories


def draw(histories, costs, args, n_training):
    """The picture: the training cost as it falls (``costs``: name -> [(epoch, cost)]) and the test accuracy per
    epoch, one line per update rule; prints a line of numbers per rule and returns the picture's path."""
    plt = common.pyplot()
    figure, (cost, accuracy) = plt.subplots(1, 2, figsize=(11, 4.6))
    labels = {'SGD': 'plain SGD', 'momentum': 'momentum {}'.format(args.momentum),
              'Nesterov': 'Nesterov momentum {}'.format(args.momentum),
              'Adam': 'Adam (its own learning rate, {})'.format(args.adam_learning_rate)}
    for name, history in histories.items():
        # Momentum's line is drawn wide and pale, Nesterov's dashed over it: where they coincide, both show.
        style = dict(color=COLOURS[name], linestyle=STYLES.get(name, '-'), label=labels[name],
                     linewidth=4 if name == 'momentum' else 1.6, alpha=0.45 if name == 'momentum' else 1.0)
        cost.semilogy([e for e, _ in costs[name]], [c for _, c in costs[name]], **style)
        accuracy.plot(history['epoch'], 100 * history.array('evaluation_accuracy'), marker='o', markersize=3,
                      **style)
        print('{:>9}: training cost {:.4f}, test accuracy {:.2f}% after {} epochs'.format(
            name, history['training_cost'][-1], 100 * history['evaluation_accuracy'][-1], len(history)))
    cost.set(xlabel='epoch', ylabel='cost on the training images (log scale)',
             title='Training cost, measured {} times an epoch'.format(POINTS_PER_EPOCH))
    accuracy.set(xlabel='epoch', ylabel='accuracy on the test images (%)', title='Test accuracy after each epoch')
    for ax in (cost, accuracy):
        ax.grid(alpha=0.3, which='both')
        ax.legend(fontsize=9)
    figure.suptitle('Four update rules on one 784-{}-10 net, from the same start and on the same mini-batches\n'
                    '({} training images, batches of {}; SGD, momentum and Nesterov at learning rate {})'.format(
                        args.hidden, n_training, args.batch_size, args.learning_rate), fontsize=11)
    picture = common.save_figure(figure, os.path.join(args.out, 'compare_optimizers.png'), dpi=80)
    print('picture: {}'.format(picture))
    return picture


if __name__ == '__main__':
    common.run(main)
