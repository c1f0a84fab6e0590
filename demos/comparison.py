"""What the comparison demos share beyond ``common``: MNIST subsets and training that keeps its history.

``train_recording`` runs the library's ``train`` (so a demo gets its
``History``, diagnostics included) with a progress bar, a line per epoch, and
Ctrl+C ending the run after the current epoch with the epochs done so far.
"""
import common
from mnist_loader import MnistSplit


def add_size_flags(parser, train_size, test_size):
    """``--train-size`` and ``--test-size``: how many MNIST images each run uses (the first ones of each split)."""
    parser.add_argument('--train-size', type=common.positive_int, default=train_size,
                        help='training images used, the first of the 60000 (default {})'.format(train_size))
    parser.add_argument('--test-size', type=common.positive_int, default=test_size,
                        help='test images used, the first of the 10000 (default {})'.format(test_size))


def add_run_flags(parser, learning_rate, batch_size):
    """``--learning-rate`` and ``--batch-size``, the same for every run of the comparison."""
    parser.add_argument('--learning-rate', type=float, default=learning_rate,
                        help='learning rate of every run (default {})'.format(learning_rate))
    parser.add_argument('--batch-size', type=common.positive_int, default=batch_size,
                        help='mini-batch size (default {})'.format(batch_size))


def load_subsets(args):
    """``(training, test)`` MnistSplits of the first ``args.train_size`` and ``args.test_size`` images."""
    training, test = common.load_data(args)
    return _first(training, args.train_size), _first(test, args.test_size)


def _first(split, n):
    return MnistSplit(split.images[:n], split.labels[:n], split.targets[:n])


def train_recording(trainer, source, epochs, label='', **train_options):
    """``trainer.train(source, epochs, progress=True, **train_options)``, printing a line per epoch.

    Returns ``(history, interrupted)``. The first Ctrl+C stops the run after
    the current epoch; the history then holds the epochs that finished.
    """
    kept = {}

    def after_epoch(epoch, history):
        kept['history'] = history
        record = history.records[-1]
        shown = ['{} {:.4g}'.format(key.replace('_', ' '), record[key])
                 for key in ('training_cost', 'evaluation_cost', 'evaluation_accuracy') if key in record]
        print('{}epoch {} ({:.1f} s): {}'.format(label, epoch, record['seconds'], ', '.join(shown)), flush=True)
        interrupt.check()

    with common.StopOnInterrupt() as interrupt:
        try:
            return trainer.train(source, epochs, callback=after_epoch, progress=True, **train_options), False
        except common.StopTraining:
            print('interrupted: keeping the {} epochs done'.format(len(kept['history'])))
            return kept['history'], True
