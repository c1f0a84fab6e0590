"""What every demo shares: the standard arguments, MNIST, the epoch loop, Ctrl+C, pictures, the summary.

A classification demo is a few lines::

    import common                      # works from the repository root and from demos/
    args = common.standard_parser(__doc__, epochs=20).parse_args()
    training, test = common.load_data(args)
    net, cost, trainer = ...           # the library's own objects, seeded from common.rngs(args)
    common.train_classifier(net, cost, trainer, training, test, args, name='my_demo')

``train_classifier`` is ``run_epochs`` (progress bar over each epoch's
mini-batches, metrics after each epoch, Ctrl+C stops after the current
mini-batch) followed by ``finish`` (summary, ``--save``, learning curves into
``--out``, and the last line ``test accuracy: NN.NN%``). Demos that measure
something else pass their own ``evaluate`` to those two; ``run_epochs`` calls
``on_epoch(record)`` after each epoch.

``--checkpoint PATH`` saves the trainer (net, settings, random state, epochs
done) after every epoch, and ``--resume PATH`` continues from such a file
exactly: a run stopped by Ctrl+C or killed loses at most one epoch, and the
resumed run ends with the same parameters as one that was never stopped.
``train_classifier`` does both; a demo with its own loop calls ``resume``
before it and passes ``checkpointing(...)`` as ``on_epoch``.
"""
import argparse
import math
import os
import signal
import sys
import time

# The library is a set of top-level modules in the repository's root, one folder up.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import numpy as np  # noqa: E402

import checkpoint  # noqa: E402
from evaluation import cost_and_accuracy  # noqa: E402
import mnist_loader  # noqa: E402

#: The metrics each epoch's record holds, in the order they are printed.
METRICS = ('train_cost', 'train_accuracy', 'test_cost', 'test_accuracy')


# ----- arguments -------------------------------------------------------------

def standard_parser(description, epochs, seed=1, out='out', save=True, checkpoints=True):
    """An ``argparse.ArgumentParser`` with the standard demo flags; add a demo's own with ``add_argument``.

    ``--epochs`` (default ``epochs``), ``--data-dir``, ``--seed`` (default
    ``seed``), ``--out DIR`` (default ``out``) and ``--help``; ``--save PATH``
    with ``save``, and ``--checkpoint PATH`` and ``--resume PATH`` with
    ``checkpoints`` (``train_classifier`` honours them): a demo that does not
    do what a flag asks leaves it out, so that it is refused, not ignored.
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--epochs', type=positive_int, default=epochs,
                        help='training epochs (default {})'.format(epochs))
    parser.add_argument('--data-dir', metavar='DIR', default=None,
                        help='folder of the four MNIST files (default: $MNIST_DIR, else a per-user cache, '
                             'downloading what is missing)')
    parser.add_argument('--seed', type=int, default=seed,
                        help='seed of the initial parameters and of the shuffling (default {})'.format(seed))
    if save:
        parser.add_argument('--save', metavar='PATH', default=None, help='save the trained net to PATH as JSON')
    parser.add_argument('--out', metavar='DIR', default=out, help='folder for the pictures (default {})'.format(out))
    if not checkpoints:
        return parser
    parser.add_argument('--checkpoint', metavar='PATH', default=None,
                        help='after every epoch, save the training state (net, settings, random state, epochs '
                             'done) to PATH, to continue later with --resume PATH')
    parser.add_argument('--resume', metavar='PATH', default=None,
                        help='continue the run saved in the checkpoint PATH; --epochs counts every epoch, '
                             'those done before included')
    return parser


def positive_int(text):
    """argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError('expected a positive integer, got {}'.format(text))
    return value


def rngs(args, n=2):
    """``n`` independent ``numpy.random.Generator`` objects drawn from ``args.seed``.

    By convention the first seeds the initial parameters, the second the
    shuffling of stochastic gradient descent.
    """
    return [np.random.default_rng(child) for child in np.random.SeedSequence(args.seed).spawn(n)]


def load_data(args, dtype=np.float32):
    """MNIST as ``(training, test)`` from ``args.data_dir``; exits with the loader's message if it cannot."""
    started = time.perf_counter()
    try:
        training, test = mnist_loader.load_mnist(args.data_dir, dtype=dtype)
    except (mnist_loader.MnistNotFoundError, mnist_loader.MnistFileError) as error:
        sys.exit('error: {}'.format(error))
    print('MNIST: {} training and {} test images, loaded in {:.2f} s'.format(
        len(training), len(test), time.perf_counter() - started))
    return training, test


# ----- Ctrl+C ------------------------------------------------------------------

class StopTraining(Exception):
    """Raised between two mini-batches once Ctrl+C was pressed."""


class StopOnInterrupt:
    """While active, the first Ctrl+C (SIGINT) asks the run to stop after the current mini-batch.

    ``check()``, called after each mini-batch, raises ``StopTraining`` once
    it was asked. A second Ctrl+C interrupts at once, as usual.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self._previous)
        return False

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        sys.stderr.write('\nCtrl+C: stopping after this mini-batch (press again to stop at once)\n')

    def check(self):
        if self.requested:
            raise StopTraining


# ----- measuring ---------------------------------------------------------------

def classifier_evaluation(net, cost, training, test):
    """A function of no arguments giving the four ``METRICS`` of ``net`` on the two splits."""
    def evaluate():
        train_cost, train_accuracy = cost_and_accuracy(cost, training.source)
        test_cost, test_accuracy = cost_and_accuracy(cost, test.source)
        return {'train_cost': train_cost, 'train_accuracy': train_accuracy,
                'test_cost': test_cost, 'test_accuracy': test_accuracy}
    return evaluate


def describe(record, accuracy_label='accuracy'):
    """One line for an epoch's (or the summary's) record."""
    return 'train cost {:.4f}, {label} {:.2f}% | test cost {:.4f}, {label} {:.2f}%'.format(
        record['train_cost'], 100 * record['train_accuracy'], record['test_cost'], 100 * record['test_accuracy'],
        label=accuracy_label)


# ----- the epoch loop ----------------------------------------------------------

class Run:
    """What ``run_epochs`` did: ``records`` (one dict per finished epoch) and whether it was interrupted.

    Each record holds ``epoch`` (the trainer's ``epochs_done``), ``seconds``
    (training time of the epoch) and the values ``evaluate`` returned.
    ``batches_into_epoch`` counts the mini-batches of an epoch cut short by
    Ctrl+C (0 if none), and ``batches_per_epoch`` how many an epoch has.
    """

    def __init__(self):
        self.records = []
        self.interrupted = False
        self.batches_into_epoch = 0
        self.batches_per_epoch = 0


def run_epochs(trainer, source, epochs, evaluate, on_epoch=None, progress=True, accuracy_label='accuracy'):
    """Train ``epochs`` epochs of ``trainer`` (a StochasticGradientDescent) on ``source``; returns a ``Run``.

    A progress bar runs over each epoch's mini-batches; after each epoch
    ``evaluate()`` is measured and printed, and ``on_epoch(record)`` is
    called. Ctrl+C ends the run after the current mini-batch.
    """
    from tqdm import tqdm

    run = Run()
    batch_size = getattr(trainer, 'batch_size', source.number_of_examples())
    run.batches_per_epoch = n_batches = -(-source.number_of_examples() // batch_size)
    with StopOnInterrupt() as interrupt:
        for _ in range(epochs):
            epoch = trainer.epochs_done + 1
            bar = tqdm(total=n_batches, desc='epoch {}'.format(epoch), unit='batch', leave=False,
                       disable=not progress, mininterval=0.5)
            done = [0]

            def on_batch(batch_index, total):
                done[0] = batch_index + 1
                bar.update(1)
                interrupt.check()

            started = time.perf_counter()
            try:
                trainer.training_epoch(source, on_batch=on_batch)
            except StopTraining:
                run.interrupted, run.batches_into_epoch = True, done[0]
            finally:
                bar.close()
            if run.interrupted:
                print('interrupted after {} of {} mini-batches of epoch {}'.format(done[0], n_batches, epoch))
                break
            record = {'epoch': trainer.epochs_done, 'seconds': time.perf_counter() - started}
            record.update(evaluate())
            run.records.append(record)
            print('epoch {} ({:.1f} s): {}'.format(record['epoch'], record['seconds'], describe(record, accuracy_label)),
                  flush=True)
            if on_epoch is not None:
                on_epoch(record)
            if interrupt.requested:  # Ctrl+C during the evaluation: stop here
                run.interrupted = True
                break
    return run


def finish(net, run, evaluate, args, name, trainer=None, accuracy_label='accuracy', title=None):
    """Summary, ``--save``, learning curves, and the last line ``test accuracy: NN.NN%``; returns the summary.

    When the run stopped in the middle of an epoch, the summary (of the net
    as it is) is added to the curves at its fractional epoch. ``title``
    (default ``name``) heads the picture.
    """
    summary = run.records[-1] if run.records and not run.batches_into_epoch else None
    if summary is None:
        summary = dict(evaluate())
        epochs_done = trainer.epochs_done if trainer is not None else len(run.records)
        summary['epoch'] = epochs_done + run.batches_into_epoch / max(run.batches_per_epoch, 1)
    curve_records = list(run.records)
    if not curve_records or curve_records[-1] is not summary:
        curve_records.append(summary)
    print('summary after {:g} epochs{}: {}'.format(
        round(summary['epoch'], 2), ' (interrupted)' if run.interrupted else '', describe(summary, accuracy_label)))
    if args.save:
        net.save(args.save)
        print('net saved to {}'.format(args.save))
    picture = plot_learning_curves(curve_records, os.path.join(args.out, name + '_learning_curves.png'),
                                   title=title or name, accuracy_label=accuracy_label)
    print('learning curves: {}'.format(picture))
    print('test accuracy: {:.2f}%'.format(100 * summary['test_accuracy']), flush=True)
    return summary


def train_classifier(net, cost, trainer, training, test, args, name, on_epoch=None):
    """``run_epochs`` and ``finish`` for a net classifying digits, with ``--resume`` and ``--checkpoint``.

    Returns the summary record.
    """
    resume(trainer, args)
    evaluate = classifier_evaluation(net, cost, training, test)
    run = run_epochs(trainer, training.source, epochs_left(trainer, args), evaluate,
                     on_epoch=checkpointing(trainer, args, on_epoch))
    if run.interrupted and args.checkpoint:
        print('the checkpoint {} holds the state after epoch {}; continue with --resume {}'.format(
            args.checkpoint, trainer.epochs_done, args.checkpoint))
    return finish(net, run, evaluate, args, name, trainer=trainer)


# ----- checkpoints -------------------------------------------------------------

def resume(trainer, args):
    """With ``--resume PATH``: restore that checkpoint into ``trainer`` (and its net and cost); exits if it cannot."""
    if not args.resume:
        return trainer
    try:
        checkpoint.resume_into(args.resume, trainer)
    except (OSError, ValueError) as error:
        sys.exit('error: cannot resume from {}: {}'.format(args.resume, error))
    print('resumed from {} after epoch {}'.format(args.resume, trainer.epochs_done))
    return trainer


def epochs_left(trainer, args):
    """How many epochs the run still has to train: ``--epochs`` counts those a resumed run did before."""
    return max(args.epochs - trainer.epochs_done, 0)


def checkpointing(trainer, args, on_epoch=None):
    """An ``on_epoch`` for ``run_epochs``: call ``on_epoch``, then, with ``--checkpoint PATH``, save the trainer there.

    ``on_epoch`` runs first because it may change the trainer for the next
    epoch (a decaying learning rate): the checkpoint then holds exactly what
    the next epoch starts from.
    """
    if not args.checkpoint:
        return on_epoch

    def then_save(record):
        if on_epoch is not None:
            on_epoch(record)
        checkpoint.save_checkpoint(args.checkpoint, trainer)
    return then_save


def classifier(sizes, l2_reg_term, learning_rate, batch_size, args, hidden=None, output=None, dtype=np.float32):
    """A net (``hidden`` units, Rectifier by default; ``output`` units, Softmax by default), its L2-regularized
    cross-entropy and SGD, seeded from ``args`` (initial parameters, then shuffling).

    Returns ``(net, cost, trainer)``; ``sizes`` runs from 784 inputs to 10 outputs.
    """
    from activation_functions import Rectifier, Softmax
    from cost_functions import CrossEntropyCost
    from gradient_descent import StochasticGradientDescent
    from neural_net import NetFactory

    init_rng, shuffle_rng = rngs(args)
    net = NetFactory.create_neural_net(sizes, hidden_layer_activation=hidden or Rectifier,
                                       output_layer_activation=output or Softmax, dtype=dtype)
    net.randomize_parameters(init_rng)
    cost = CrossEntropyCost(net, l2_reg_term=l2_reg_term)
    trainer = StochasticGradientDescent(net, cost, learning_rate, batch_size=batch_size, seed=shuffle_rng)
    return net, cost, trainer


def classification_demo(argv, description, name, build, hidden, learning_rate, decay, l2_reg_term, batch_size,
                        epochs):
    """The whole of a classification demo: its flags (the standard ones and the training settings), MNIST,
    ``build(sizes, l2_reg_term, learning_rate, batch_size, args)`` -> ``(net, cost, trainer)``, and
    ``train_classifier`` with the learning rate decaying by ``decay`` after each epoch. Returns the summary.
    """
    parser = standard_parser(description, epochs=epochs)
    parser.add_argument('--hidden', type=positive_int, nargs='+', default=list(hidden), metavar='UNITS',
                        help='units of each hidden layer (default {})'.format(' '.join(map(str, hidden))))
    parser.add_argument('--learning-rate', type=float, default=learning_rate,
                        help='learning rate of the first epoch (default {})'.format(learning_rate))
    parser.add_argument('--decay', type=float, default=decay,
                        help='factor applied to the learning rate after each epoch (default {})'.format(decay))
    parser.add_argument('--l2', type=float, default=l2_reg_term,
                        help='L2 regularization term (default {})'.format(l2_reg_term))
    parser.add_argument('--batch-size', type=positive_int, default=batch_size,
                        help='mini-batch size (default {})'.format(batch_size))
    args = parser.parse_args(argv)
    training, test = load_data(args)
    net, cost, trainer = build([784] + args.hidden + [10], args.l2, args.learning_rate, args.batch_size, args)
    describe_training(net, trainer, args, args.decay)
    return train_classifier(net, cost, trainer, training, test, args, name,
                            on_epoch=decay_learning_rate(trainer, args.decay))


def decay_learning_rate(trainer, factor):
    """An ``on_epoch`` hook: after each epoch, learning_rate <- factor * learning_rate.

    The step size of epoch e (from 1) is then learning_rate_0 * factor^(e - 1).
    """
    def on_epoch(record):
        trainer.learning_rate *= factor
    return on_epoch


def describe_training(net, trainer, args, decay=None):
    """Print the net and the training settings in one line."""
    print('net {} ({}), learning rate {}{}, mini-batches of {}, L2 term {}, {} epochs, seed {}'.format(
        net.layer_sizes(), ' -> '.join(f.name for f in net.activations()), trainer.learning_rate,
        ' times {} after each epoch'.format(decay) if decay else '', trainer.batch_size,
        trainer.cost_function.l2_reg_term, args.epochs, args.seed))


# ----- pictures ----------------------------------------------------------------

def pyplot():
    """matplotlib's pyplot, drawing to files (no window needed)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def save_figure(figure, path, dpi=100):
    """Lay ``figure`` out, write it as a PNG at ``path`` (making its folder if need be) and close it; returns ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    pyplot().close(figure)
    return path


def plot_learning_curves(records, path, title, accuracy_label='accuracy'):
    """Cost and accuracy per epoch, training and test, side by side; written as a PNG to ``path``."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator
    epochs = [record['epoch'] for record in records]
    figure, (costs, accuracies) = plt.subplots(1, 2, figsize=(11, 4.2))
    marker = 'o' if len(records) < 30 else None
    for split, style in (('train', '-'), ('test', '--')):
        costs.plot(epochs, [r[split + '_cost'] for r in records], style, marker=marker, label=split)
        accuracies.plot(epochs, [100 * r[split + '_accuracy'] for r in records], style, marker=marker,
                        label=split)
    costs.set(xlabel='epoch', ylabel='cost', title='Cost (with the L2 term, if any)')
    accuracies.set(xlabel='epoch', ylabel=accuracy_label + ' (%)', title=accuracy_label.capitalize())
    for axes in (costs, accuracies):
        axes.legend()
        axes.grid(alpha=0.3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if epochs and not math.isclose(min(epochs), max(epochs)):
            axes.set_xlim(min(epochs) - 0.2, max(epochs) + 0.2)
    figure.suptitle(title)
    return save_figure(figure, path)


def digit_grid(images, path, title, row_labels=None, column_labels=None):
    """Images (rows, cols, 784) in [0, 1] drawn as a grid of 28x28 pictures, ink dark on white; a PNG at ``path``.

    ``row_labels`` and ``column_labels`` (strings) name the rows and columns.
    """
    plt = pyplot()
    n_rows, n_cols = images.shape[:2]
    figure, axes = plt.subplots(n_rows, n_cols, figsize=(1.1 * n_cols + 0.6, 1.1 * n_rows + 0.6), squeeze=False)
    for r in range(n_rows):
        for c in range(n_cols):
            ax = axes[r, c]
            ax.imshow(images[r, c].reshape(28, 28), cmap='gray_r', vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if row_labels is not None and c == 0:
                ax.set_ylabel(row_labels[r], rotation=0, labelpad=14, fontsize=12, va='center')
            if column_labels is not None and r == 0:
                ax.set_title(column_labels[c], fontsize=12)
    figure.suptitle(title)
    return save_figure(figure, path)
