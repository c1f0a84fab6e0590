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
``on_epoch(record)`` after each epoch, where a demo can checkpoint.
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

import mnist_loader  # noqa: E402

#: The metrics each epoch's record holds, in the order they are printed.
METRICS = ('train_cost', 'train_accuracy', 'test_cost', 'test_accuracy')


# ----- arguments -------------------------------------------------------------

def standard_parser(description, epochs, seed=1, out='out'):
    """An ``argparse.ArgumentParser`` with the flags every demo takes; add a demo's own with ``add_argument``.

    ``--epochs`` (default ``epochs``), ``--data-dir``, ``--seed`` (default
    ``seed``), ``--save PATH``, ``--out DIR`` (default ``out``) and ``--help``.
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--epochs', type=positive_int, default=epochs,
                        help='training epochs (default {})'.format(epochs))
    parser.add_argument('--data-dir', metavar='DIR', default=None,
                        help='folder of the four MNIST files (default: $MNIST_DIR, else a per-user cache, '
                             'downloading what is missing)')
    parser.add_argument('--seed', type=int, default=seed,
                        help='seed of the initial parameters and of the shuffling (default {})'.format(seed))
    parser.add_argument('--save', metavar='PATH', default=None, help='save the trained net to PATH as JSON')
    parser.add_argument('--out', metavar='DIR', default=out, help='folder for the pictures (default {})'.format(out))
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

def classifier_metrics(net, cost, source):
    """``(cost, accuracy)`` of ``net`` on every example of ``source``, from one forward pass.

    cost = (1/n) sum_i loss_i + L2 term, as ``cost.get_cost`` defines it;
    accuracy = share of examples whose largest output is at the target's 1.
    """
    X, Y = source.get_examples()
    X = np.ascontiguousarray(X, dtype=net.dtype)
    total, correct = 0.0, 0
    for rows, z_out, a_out in net.forward_chunks(X):
        total += float(np.sum(cost.loss(z_out, a_out, Y[rows]), dtype=np.float64))
        correct += int(np.count_nonzero(a_out.argmax(axis=1) == Y[rows].argmax(axis=1)))
    return total / len(X) + cost.l2_term(), correct / len(X)


def classifier_evaluation(net, cost, training, test):
    """A function of no arguments giving the four ``METRICS`` of ``net`` on the two splits."""
    def evaluate():
        train_cost, train_accuracy = classifier_metrics(net, cost, training.source)
        test_cost, test_accuracy = classifier_metrics(net, cost, test.source)
        return {'train_cost': train_cost, 'train_accuracy': train_accuracy,
                'test_cost': test_cost, 'test_accuracy': test_accuracy}
    return evaluate


def describe(record):
    """One line for an epoch's (or the summary's) record."""
    return 'train cost {:.4f}, accuracy {:.2f}% | test cost {:.4f}, accuracy {:.2f}%'.format(
        record['train_cost'], 100 * record['train_accuracy'], record['test_cost'], 100 * record['test_accuracy'])


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


def run_epochs(trainer, source, epochs, evaluate, on_epoch=None, progress=True):
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
            print('epoch {} ({:.1f} s): {}'.format(record['epoch'], record['seconds'], describe(record)), flush=True)
            if on_epoch is not None:
                on_epoch(record)
            if interrupt.requested:  # Ctrl+C during the evaluation: stop here
                run.interrupted = True
                break
    return run


def finish(net, run, evaluate, args, name, trainer=None, accuracy_label='accuracy'):
    """Summary, ``--save``, learning curves, and the last line ``test accuracy: NN.NN%``; returns the summary.

    When the run stopped in the middle of an epoch, the summary (of the net
    as it is) is added to the curves at its fractional epoch.
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
        round(summary['epoch'], 2), ' (interrupted)' if run.interrupted else '', describe(summary)))
    if args.save:
        net.save(args.save)
        print('net saved to {}'.format(args.save))
    picture = plot_learning_curves(curve_records, os.path.join(args.out, name + '_learning_curves.png'),
                                   title=name, accuracy_label=accuracy_label)
    print('learning curves: {}'.format(picture))
    print('test accuracy: {:.2f}%'.format(100 * summary['test_accuracy']), flush=True)
    return summary


def train_classifier(net, cost, trainer, training, test, args, name, on_epoch=None):
    """``run_epochs`` and ``finish`` for a net classifying digits; returns the summary record."""
    evaluate = classifier_evaluation(net, cost, training, test)
    run = run_epochs(trainer, training.source, args.epochs, evaluate, on_epoch=on_epoch)
    return finish(net, run, evaluate, args, name, trainer=trainer)


# ----- pictures ----------------------------------------------------------------

def pyplot():
    """matplotlib's pyplot, drawing to files (no window needed)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def plot_learning_curves(records, path, title, accuracy_label='accuracy'):
    """Cost and accuracy per epoch, training and test, side by side; written as a PNG to ``path``."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    epochs = [record['epoch'] for record in records]
    figure, (costs, accuracies) = plt.subplots(1, 2, figsize=(11, 4.2))
    marker = 'o' if len(records) < 30 else None
    for split, style in (('train', '-'), ('test', '--')):
        costs.plot(epochs, [r[split + '_cost'] for r in records], style, marker=marker, label=split)
        accuracies.plot(epochs, [100 * r[split + '_accuracy'] for r in records], style, marker=marker,
                        label=split)
    costs.set(xlabel='epoch', ylabel='cost (with L2 term)', title='Cost')
    accuracies.set(xlabel='epoch', ylabel=accuracy_label + ' (%)', title=accuracy_label.capitalize())
    for axes in (costs, accuracies):
        axes.legend()
        axes.grid(alpha=0.3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if epochs and not math.isclose(min(epochs), max(epochs)):
            axes.set_xlim(min(epochs) - 0.2, max(epochs) + 0.2)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def digit_grid(images, path, title, row_labels=None):
    """Images (rows, cols, 784) in [0, 1] drawn as a grid of 28x28 pictures, ink dark on white; a PNG at ``path``."""
    plt = pyplot()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
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
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
