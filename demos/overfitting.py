"""Overfitting, and three cures: a net trained on 1,000 digits, with no regularization, L2, dropout, early stopping.

    python demos/overfitting.py [--epochs 100] [--train-size 1000] [--test-size 10000] [--out out]

In the style of chapter 3 of Nielsen's book: a 784-HIDDEN-10 net (Rectifier
hidden layer, Softmax output, cross-entropy) has far more parameters than
1,000 training images can pin down. Trained long on them, it gets every
training image right while its test accuracy stalls well below: it has
learned the training images, not the digits. Four runs from the same start,
on the same mini-batches:

* no regularization;
* an L2 term, which keeps the weights small (``--l2``);
* dropout on the hidden layer (``--dropout``), which trains a different
  thinned net at every step, so no unit can rely on particular others;
* early stopping (``--patience``): training stops once the cost on a
  validation set has not improved for that many epochs, and the net goes back
  to the epoch of the lowest validation cost. The validation set is dealt
  (``validation_split``) from the next training images of MNIST, so that all
  four runs train on the same 1,000.

Writes ``overfitting.png`` into ``--out``: training and test accuracy per
epoch for each run.
"""
import os

import common
import comparison

from data_source import validation_split

EPOCHS, HIDDEN, LEARNING_RATE, BATCH_SIZE = 100, 100, 0.05, 10
L2, DROPOUT, PATIENCE, VALIDATION_SIZE = 0.005, 0.5, 10, 1000
RUNS = ('no regularization', 'L2', 'dropout', 'early stopping')


def main(argv=None):
    parser = common.standard_parser(__doc__, epochs=EPOCHS, save=False, checkpoints=False)
    comparison.add_size_flags(parser, train_size=1000, test_size=10000)
    parser.add_argument('--hidden', type=common.positive_int, default=HIDDEN,
                        help='hidden units (default {})'.format(HIDDEN))
    comparison.add_run_flags(parser, LEARNING_RATE, BATCH_SIZE)
    parser.add_argument('--l2', type=common.positive_float, default=L2,
                        help='L2 term of the L2 run (default {})'.format(L2))
    parser.add_argument('--dropout', type=common.below_one, default=DROPOUT,
                        help='dropout rate of the hidden layer in the dropout run (default {})'.format(DROPOUT))
    parser.add_argument('--patience', type=common.positive_int, default=PATIENCE,
                        help='epochs without a lower validation cost before early stopping (default {})'.format(
                            PATIENCE))
    args = parser.parse_args(argv)
    all_training, test = common.load_data(args)
    test = comparison.part(test, 0, args.test_size)
    # The first --train-size images train every run; the validation set is dealt from the next ones.
    training = comparison.part(all_training, 0, args.train_size)
    _, validation = validation_split(comparison.part(all_training, args.train_size).source, VALIDATION_SIZE,
                                     seed=args.seed)

    histories = {}
    for name in RUNS:
        # The same seeds for every run: the same initial parameters and the same mini-batches.
        _, cost, trainer = common.classifier([784, args.hidden, 10], args.l2 if name == 'L2' else 0.0,
                                             args.learning_rate, args.batch_size, args,
                                             dropout=args.dropout if name == 'dropout' else None)
        if name == 'early stopping':
            history, interrupted = comparison.train_recording(
                trainer, training.source, args.epochs, label=name + ' ', evaluation_data=validation,
                patience=args.patience, evaluation_label='validation',
                measure=lambda cost=cost: test_record(cost, test))
        else:
            history, interrupted = comparison.train_recording(
                trainer, training.source, args.epochs, label=name + ' ', evaluation_data=test.source)
        histories[name] = history
        if interrupted:
            break
    summaries = draw(histories, args, len(training))
    for name, summary in summaries.items():
        print('{:>17}: {}'.format(name, summary))
    return histories


def test_record(cost, test):
    """The test cost and accuracy, for the early-stopping run (whose evaluation data is the validation set)."""
    test_cost, test_accuracy = cost.cost_and_accuracy(test.source)
    return {'test_cost': test_cost, 'test_accuracy': test_accuracy}


def test_accuracies(history):
    key = 'test_accuracy' if 'test_accuracy' in history.keys() else 'evaluation_accuracy'
    return 100 * history.array(key)


def draw(histories, args, n_training):
    """The picture, one panel per run; returns a line of numbers per run."""
    plt = common.pyplot()
    figure, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True, sharey=True)
    summaries = {}
    for ax, (name, history) in zip(axes.flat, histories.items()):
        epochs = history['epoch']
        training, test = 100 * history.array('training_accuracy'), test_accuracies(history)
        ax.plot(epochs, training, color='tab:blue', label='training accuracy')
        ax.plot(epochs, test, color='tab:orange', label='test accuracy')
        if name == 'early stopping' and history.best_epoch is not None:
            best = history.best_epoch
            ax.axvline(best, color='gray', linestyle=':', label='lowest validation cost: epoch {}'.format(best))
            ax.plot([best], [test[best - 1]], 'o', color='tab:orange')
            validation_cost = ax.twinx()
            validation_cost.plot(epochs, history['evaluation_cost'], color='tab:gray', linewidth=1,
                                 label='validation cost (right axis)')
            validation_cost.set_ylabel('validation cost', color='tab:gray')
            lowest = min(history['evaluation_cost'])
            validation_cost.set_ylim(0.9 * lowest, 1.6 * lowest)     # around its lowest, where it turns
            validation_cost.legend(loc='center right', fontsize=9)
            title = '{}: test {:.2f}% (kept epoch {} of {})'.format(name, test[best - 1], best, len(history))
            summaries[name] = 'test accuracy {:.2f}% (the net of epoch {}; stopped after {})'.format(
                test[best - 1], best, len(history))
        else:
            title = '{}: test {:.2f}% after {} epochs'.format(name, test[-1], len(history))
            summaries[name] = 'test accuracy {:.2f}%, training accuracy {:.2f}% after {} epochs'.format(
                test[-1], training[-1], len(history))
        ax.set_title(title, fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(loc='lower right', fontsize=9)
        ax.set_ylim(75, 100.5)
    for ax in axes[-1]:
        ax.set_xlabel('epoch')
    for ax in axes[:, 0]:
        ax.set_ylabel('accuracy (%)')
    details = 'L2 term {}; dropout {} on the hidden layer; patience {} on the cost of {} validation images'.format(
        args.l2, args.dropout, args.patience, VALIDATION_SIZE)
    figure.suptitle('784-{}-10 trained on {} images (mini-batches of {}, learning rate {})\n{}'.format(
        args.hidden, n_training, args.batch_size, args.learning_rate, details), fontsize=10)
    picture = common.save_figure(figure, os.path.join(args.out, 'overfitting.png'), dpi=80)
    print('picture: {}'.format(picture))
    return summaries


if __name__ == '__main__':
    common.run(main)
