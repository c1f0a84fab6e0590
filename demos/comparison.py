"""What the comparison demos share beyond ``common``: MNIST subsets, and the flags every run shares."""
import common
import training_loop
from feedforward_mnist import MnistSplit


def add_size_flags(parser, train_size, test_size):
    """``--train-size`` and ``--test-size``: how many MNIST images each run uses (the first ones of each split)."""
    parser.add_argument('--train-size', type=common.positive_int, default=train_size,
                        help='training images used, the first of the 60000 (default {})'.format(train_size))
    parser.add_argument('--test-size', type=common.positive_int, default=test_size,
                        help='test images used, the first of the 10000 (default {})'.format(test_size))


def add_run_flags(parser, learning_rate, batch_size):
    """``--learning-rate`` and ``--batch-size``, the same for every run of the comparison."""
    parser.add_argument('--learning-rate', type=common.positive_float, default=learning_rate,
                        help='learning rate of every run (default {})'.format(learning_rate))
    parser.add_argument('--batch-size', type=common.positive_int, default=batch_size,
                        help='mini-batch size (default {})'.format(batch_size))


def load_subsets(args):
    """``(training, test)`` MnistSplits of the first ``args.train_size`` and ``args.test_size`` images."""
    training, test = common.load_data(args)
    return part(training, 0, args.train_size), part(test, 0, args.test_size)


def part(split, start, stop=None):
    """The images ``start`` to ``stop`` of an MnistSplit, as an MnistSplit (views, no copy)."""
    return MnistSplit(split.images[start:stop], split.labels[start:stop], split.targets[start:stop])


def train_recording(trainer, source, epochs, label='', **train_options):
    """``training_loop.train_run`` for one run of a comparison: returns ``(history, interrupted)``.

    Ctrl+C stops the run after the current mini-batch; the history then holds
    the epochs that finished.
    """
    result = training_loop.train_run(trainer, source, epochs, label=label, **train_options)
    return result.history, result.interrupted
