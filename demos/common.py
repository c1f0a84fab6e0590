"""What every demo shares: the standard flags, MNIST, training through ``train``, Ctrl+C, pictures, the summary.

A classification demo is a few lines::

    import common                      # works from the repository root and from demos/
    args = common.standard_parser(__doc__, epochs=20).parse_args()
    net, cost, trainer = ...           # the library's own objects, seeded from common.rngs(args)
    common.resume(trainer, args)       # --resume, checked before MNIST loads
    training, test = common.load_data(args)
    common.train_classifier(net, cost, trainer, training, test, args, name='my_demo')

``train_run`` is the one epoch loop of every demo: the library's
``trainer.train`` with a progress bar, a line per epoch and Ctrl+C stopping
the run after the current mini-batch. ``train_classifier`` adds
``--checkpoint`` and ``--resume`` and ends with ``finish``: the summary,
``--save``, the learning curves of the whole run (those before a resume
included) and the last line ``test accuracy: NN.NN%``.

``--checkpoint PATH`` saves the trainer (net, settings, random state, epochs
done, history) after every epoch, and ``--resume PATH`` continues from such
a file exactly: a run stopped by Ctrl+C or killed loses at most one epoch,
and the resumed run ends with the same parameters as one never stopped
(given the same ``--shift``, which checkpoints do not hold).

Bad flags are refused before any work, in one line; a run stopped by Ctrl+C
exits with status 130, as command-line tools do. Start a demo with
``common.run(main)``.
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

import feedforward_checkpoint  # noqa: E402
import feedforward_mnist  # noqa: E402
from data_source import DataSource  # noqa: E402
from feedforward_model_file import ModelFileError  # noqa: E402
from gradient_descent import StopTraining  # noqa: E402
from neural_net import NeuralNet  # noqa: E402

#: MNIST's images are SIDE x SIDE pixels, row after row.
SIDE = 28

#: Set once Ctrl+C stopped a run: ``run`` then exits with status 130.
interrupted = False


def run(main):
    """Run a demo's ``main()`` and exit: status 130 if Ctrl+C stopped it, else 0."""
    main()
    sys.exit(130 if interrupted else 0)


# ----- flags -----------------------------------------------------------------

class DemoParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, and which checks, before any work, that the files the
    demo will write can be written: the folders of ``--save`` and ``--checkpoint``, the folder ``--out``
    (made if need be), and matplotlib for the pictures."""

    def error(self, message):
        self.exit(2, '{}: error: {} (see --help)\n'.format(self.prog, message))

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        for flag in ('save', 'checkpoint'):
            path = getattr(parsed, flag, None)
            folder = os.path.dirname(os.path.abspath(path)) if path else None
            if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
                self.error('argument --{}: {} cannot be written: {} is not a folder this user may write '
                           'in'.format(flag, path, folder))
        try:
            os.makedirs(parsed.out, exist_ok=True)
        except OSError as error:
            self.error('argument --out: cannot make the folder {}: {}'.format(parsed.out, error.strerror or error))
        if not os.access(parsed.out, os.W_OK):
            self.error('argument --out: {} is not a folder this user may write in'.format(parsed.out))
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            self.error('the demos draw their pictures with matplotlib, which is not installed: pip install '
                       'matplotlib (or pip install ".[demos]")')
        return parsed


def standard_parser(description, epochs, seed=1, out='out', save=True, checkpoints=True):
    """An ``argparse.ArgumentParser`` with the standard demo flags; add a demo's own with ``add_argument``.

    ``--epochs`` (default ``epochs``), ``--data-dir``, ``--seed`` (default
    ``seed``), ``--out DIR`` (default ``out``) and ``--help``; ``--save PATH``
    with ``save``, and ``--checkpoint PATH`` and ``--resume PATH`` with
    ``checkpoints`` (``train_classifier`` honours them): a demo that does not
    do what a flag asks leaves it out, so that it is refused, not ignored.
    """
    parser = DemoParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--epochs', type=positive_int, default=epochs,
                        help='training epochs (default {})'.format(epochs))
    parser.add_argument('--data-dir', metavar='DIR', default=None,
                        help='folder of the four MNIST files (default: $MNIST_DIR, else a per-user cache, '
                             'downloading what is missing)')
    parser.add_argument('--seed', type=nonnegative_int, default=seed,
                        help='seed of the initial parameters, the shuffling, the dropout masks, the moves of the digits '
                             'and any noise (default {})'.format(seed))
    if save:
        parser.add_argument('--save', metavar='PATH', default=None, help='save the trained net to PATH as JSON')
    parser.add_argument('--out', metavar='DIR', default=out, help='folder for the pictures (default {})'.format(out))
    if not checkpoints:
        return parser
    parser.add_argument('--checkpoint', metavar='PATH', default=None,
                        help='after every epoch, save the training state (net, settings, random state, epochs '
                             'done, history) to PATH, to continue later with --resume PATH')
    parser.add_argument('--resume', metavar='PATH', default=None,
                        help='continue the run saved in the checkpoint PATH, with its settings (learning rate and '
                             'its schedule, momentum, dropout, mini-batch size, L2 term, random state: flags that '
                             'set them are ignored); the net must have the layer sizes of the run that wrote it '
                             '(give the same --hidden, and --shift); --epochs counts every epoch, those done before '
                             'included')
    return parser


def checked_number(text, convert, test, expected):
    """``convert(text)`` if it passes ``test``; else argparse's error ``expected <expected>, got <text>``."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not test(value):
        raise argparse.ArgumentTypeError('expected {}, got {}'.format(expected, text))
    return value


def positive_int(text):
    """argparse type: an integer of at least 1."""
    return checked_number(text, int, lambda v: v >= 1, 'a positive integer')


def nonnegative_int(text):
    """argparse type: an integer of at least 0."""
    return checked_number(text, int, lambda v: v >= 0, 'an integer >= 0')


def positive_float(text):
    """argparse type: a finite number above 0."""
    return checked_number(text, float, lambda v: math.isfinite(v) and v > 0, 'a positive number')


def nonnegative_float(text):
    """argparse type: a finite number of at least 0."""
    return checked_number(text, float, lambda v: math.isfinite(v) and v >= 0, 'a number >= 0')


def decay_factor(text):
    """argparse type: a number above 0 and at most 1 (a factor that does not grow the learning rate)."""
    return checked_number(text, float, lambda v: 0 < v <= 1, 'a number above 0 and at most 1')


def below_one(text):
    """argparse type: a number of at least 0 and below 1 (a momentum, a dropout rate)."""
    return checked_number(text, float, lambda v: 0 <= v < 1, 'a number >= 0 and below 1')


def pixels(text):
    """argparse type: a move of 0 to 27 pixels (a digit moved by 28 would leave the image)."""
    return checked_number(text, int, lambda v: 0 <= v < SIDE, 'an integer from 0 to {}'.format(SIDE - 1))


def rngs(args, n=2):
    """``n`` independent ``numpy.random.Generator`` objects drawn from ``args.seed``.

    By convention the first seeds the initial parameters, the second the
    shuffling of stochastic gradient descent.
    """
    return [np.random.default_rng(child) for child in np.random.SeedSequence(args.seed).spawn(n)]


# ----- files the demos read --------------------------------------------------------

def load_data(args, dtype=np.float32):
    """MNIST as ``(training, test)`` from ``args.data_dir``; exits with the loader's message if it cannot.

    A ``--data-dir`` (or ``$MNIST_DIR``) that names no folder is an error: a
    mistyped folder is not created to download into.
    """
    folder = feedforward_mnist.data_folder(args.data_dir)
    if folder != feedforward_mnist.cache_dir() and not os.path.isdir(folder):
        sys.exit('error: {}: no such folder ({} names it); expected the folder of the four MNIST files'.format(
            folder, '--data-dir' if args.data_dir else 'MNIST_DIR'))
    started = time.perf_counter()
    try:
        training, test = feedforward_mnist.load_mnist(args.data_dir, dtype=dtype)
    except (feedforward_mnist.MnistNotFoundError, feedforward_mnist.MnistFileError) as error:
        sys.exit('error: {}'.format(error))
    print('MNIST: {} training and {} test images, loaded in {:.2f} s'.format(
        len(training), len(test), time.perf_counter() - started))
    return training, test


class ShiftedDigits(DataSource):
    """MNIST training digits, each moved by a random (dy, dx), both in -reach..reach, afresh every time a training
    step takes it.

    ``take``, the route by which the steps of ``StochasticGradientDescent``
    take their mini-batches, moves each digit it returns (by (0, 0) for one
    in (2 reach + 1)^2); pixels moved in at the border are 0. The moves are
    drawn from the trainer's shuffling generator ``trainer.rng`` (looked up
    at each call), whose state a checkpoint keeps: a resumed run moves the
    digits as the run never stopped would have. ``read``, with which
    ``train`` measures the cost and accuracy, gives the digits unmoved.

    Every call of ``take`` moves the digits and draws from ``trainer.rng``:
    give this source to the trainer's steps only, not to
    ``validation_split`` or ``train(..., diagnostics=True)``, which take
    examples too.
    """

    def __init__(self, digits, trainer, reach=1):
        self.digits, self.trainer, self.reach = digits, trainer, reach
        # A digit in the middle of a frame of `reach` zeros, (SIDE + 2 reach) pixels wide: the window of SIDE x SIDE
        # pixels at corner (reach - dy, reach - dx) of the framed image is the digit moved by (dy, dx).
        self.width = SIDE + 2 * reach
        rows, columns = np.divmod(np.arange(SIDE * SIDE), SIDE)
        self.window = rows * self.width + columns  # where the window's pixels are, from its corner
        self._framed = None                        # the frames of the last mini-batch: only their middles change

    def number_of_examples(self):
        return self.digits.number_of_examples()

    def get_examples(self, index_from=0, index_to=None):
        return self.digits.get_examples(index_from, index_to)

    def read(self, start, stop, dtype):
        return self.digits.read(start, stop, dtype)

    def take(self, indices, dtype=None, out=None):
        taken = self.digits.take(np.asarray(indices), dtype, out)   # checked, in dtype, as the source gives them
        X = taken[0]
        n, reach, width = len(X), self.reach, self.width
        framed = self._framed
        if framed is None or framed.shape[0] != n or framed.dtype != X.dtype:
            framed = self._framed = np.zeros((n, width, width), X.dtype)
        framed[:, reach:reach + SIDE, reach:reach + SIDE] = X.reshape(n, SIDE, SIDE)
        corner_row, corner_column = self.trainer.rng.integers(0, 2 * reach + 1, size=(2, n))
        corners = (np.arange(n) * width + corner_row) * width + corner_column
        positions = corners[:, None] + self.window   # one row of positions in the framed images per digit
        np.take(framed.reshape(-1), positions, out=X)
        return taken


def training_source(training, trainer, shift):
    """What the steps train on: ``training.source``, or with ``shift`` above 0 its digits moved (``ShiftedDigits``)."""
    if not shift:
        return training.source
    print('training digits moved by up to {} pixel{} in each direction, at random, each time a step takes '
          'them'.format(shift, 's' if shift > 1 else ''))
    return ShiftedDigits(training.source, trainer, shift)


def load_net(path, flag, inputs=None, outputs=None):
    """The net saved at ``path`` (given with ``flag``); exits with one line if it cannot be read or does not fit."""
    try:
        net = NeuralNet.create_from_file(path)
    except (OSError, ValueError) as error:
        sys.exit('error: {} {}: {}'.format(flag, path, error))
    sizes = net.layer_sizes()
    if (inputs is not None and sizes[0] != inputs) or (outputs is not None and sizes[-1] != outputs):
        sys.exit('error: {} {}: expected a net with {} inputs and {} outputs, got layer sizes {}'.format(
            flag, path, inputs, outputs, sizes))
    return net


def resume(trainer, args):
    """With ``--resume PATH``: restore that checkpoint into ``trainer`` (and its net and cost); exits if it cannot.

    ``--epochs`` counts every epoch, those in the checkpoint included, so it
    must ask for more than the checkpoint has done.
    """
    if not getattr(args, 'resume', None):
        return trainer
    try:
        feedforward_checkpoint.resume_into(args.resume, trainer)
    except (OSError, ValueError) as error:
        hint = ''
        if not isinstance(error, (OSError, ModelFileError)) and getattr(args, 'hidden', None) is not None:
            # A readable checkpoint of another net: the demo built its net from the flags.
            hint = ' (a demo resumes a net of the layer sizes its flags ask for: give the --hidden of the run that ' \
                   'wrote the checkpoint)'
        sys.exit('error: cannot resume from {}: {}{}'.format(args.resume, error, hint))
    done = trainer.epochs_done
    if args.epochs <= done:
        sys.exit('error: {} holds {} already, and --epochs {} counts those too: ask for more than {} to train '
                 'on'.format(args.resume, _epochs(done), args.epochs, _epochs(done)))
    print('resumed from {} after epoch {}, with its settings: {} (flags that set these are ignored when '
          'resuming)'.format(args.resume, done, training_settings(trainer)))
    return trainer


def training_settings(trainer):
    """The trainer's settings in words: learning rate and schedule, momentum, dropout, mini-batches, L2 term."""
    parts = ['learning rate {:g}'.format(trainer.learning_rate)]
    if trainer.schedule.name != 'constant':
        parts.append('schedule {!r}'.format(trainer.schedule))
    if getattr(trainer, 'momentum', 0):
        parts.append('{}momentum {:g}'.format('Nesterov ' if trainer.nesterov else '', trainer.momentum))
    if getattr(trainer, 'betas', None):
        parts.append('Adam betas {}'.format(trainer.betas))
    if getattr(trainer, 'dropout', None):
        parts.append('dropout {}'.format(', '.join('{:g}'.format(p) for p in trainer.dropout)))
    parts.append('mini-batches of {}'.format(getattr(trainer, 'batch_size', 'all examples')))
    parts.append('L2 term {:g}'.format(trainer.cost_function.l2_reg_term))
    return ', '.join(parts)


def _epochs(n):
    return '1 epoch' if n == 1 else '{} epochs'.format(n)


# ----- Ctrl+C ------------------------------------------------------------------

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
        global interrupted
        if self.requested:
            raise KeyboardInterrupt
        self.requested = interrupted = True
        sys.stderr.write('\nCtrl+C: stopping after this mini-batch (press again to stop at once)\n')

    def check(self):
        if self.requested:
            raise StopTraining


# ----- the epoch loop ----------------------------------------------------------

def say(line):
    """Print ``line`` on standard output; through tqdm when it is there, so that a progress bar on the
    terminal is drawn again below the line rather than broken by it."""
    try:
        from tqdm import tqdm
    except ImportError:
        print(line, flush=True)
        return
    tqdm.write(line, file=sys.stdout)
    sys.stdout.flush()


class Run:
    """What ``train_run`` did.

    ``history``: the records of the epochs it trained (those of ``train``,
    with what ``measure`` added); ``interrupted``: whether Ctrl+C stopped it;
    ``batches_into_epoch``: the mini-batches of an epoch cut short (0 if
    none); ``batches_per_epoch``: how many an epoch has.
    """

    def __init__(self):
        self.history = None
        self.interrupted = False
        self.batches_into_epoch = 0
        self.batches_per_epoch = 0


def describe(record, evaluation_label='test'):
    """One line for an epoch's (or the summary's) record: costs, and accuracies or recognised shares."""
    parts = []
    for split, label in (('training', 'train'), ('evaluation', evaluation_label)):
        if split + '_cost' not in record:
            continue
        items = ['cost {:.4f}'.format(record[split + '_cost'])]
        for measure in ('accuracy', 'recognised'):
            if split + '_' + measure in record:
                items.append('{} {:.2f}%'.format(measure, 100 * record[split + '_' + measure]))
        parts.append('{} {}'.format(label, ', '.join(items)))
    return ' | '.join(parts)


def train_run(trainer, source, epochs, evaluation_data=None, measure=None, on_epoch=None, label='', quiet=False,
              on_batch=None, evaluation_label='test', **train_options):
    """``trainer.train(source, epochs, ...)`` with a progress bar and a line per epoch; returns a ``Run``.

    After each epoch ``measure()``, if given, returns more values for the
    epoch's record, the line ``epoch N (seconds): ...`` is printed (unless
    ``quiet``) and ``on_epoch(record)`` is called; ``on_batch(batch_index,
    n_batches)``, if given, after each mini-batch. Ctrl+C ends the run after
    the current mini-batch. ``train_options`` go to ``train``.
    """
    user_on_batch = on_batch
    result = Run()
    n = source.number_of_examples()
    result.batches_per_epoch = -(-n // getattr(trainer, 'batch_size', n))
    done = [0]
    with StopOnInterrupt() as interrupt:
        def on_batch(batch_index, n_batches):
            done[0] = batch_index + 1
            if user_on_batch is not None:
                user_on_batch(batch_index, n_batches)
            interrupt.check()

        def callback(epoch, history):
            done[0] = 0
            record = history[-1]
            if measure is not None:
                record.update(measure())
            if not quiet:
                say('{}epoch {} ({:.1f} s): {}'.format(label, epoch, record['seconds'],
                                                       describe(record, evaluation_label)))
            if on_epoch is not None:
                on_epoch(record)
            interrupt.check()  # Ctrl+C while measuring: stop here

        result.history = trainer.train(source, epochs, evaluation_data=evaluation_data, callback=callback,
                                       on_batch=on_batch, progress=True, **train_options)
    result.interrupted = interrupt.requested
    if result.interrupted:
        result.batches_into_epoch = done[0]
        if done[0]:
            print('{}interrupted after {} of {} mini-batches of epoch {}'.format(
                label, done[0], result.batches_per_epoch, trainer.epochs_done + 1))
        else:
            print('{}interrupted after epoch {}'.format(label, trainer.epochs_done))
    return result


def measured_now(cost, training, evaluation, measure=None, accuracy=True):
    """The values a record of ``train`` holds, measured on the net as it is now (for a run cut short)."""
    record = {}
    for split, source in (('training', training), ('evaluation', evaluation)):
        if accuracy:
            record[split + '_cost'], record[split + '_accuracy'] = cost.cost_and_accuracy(source)
        else:
            record[split + '_cost'] = cost.get_cost(source)
    if measure is not None:
        record.update(measure())
    return record


def finish(trainer, result, args, name, training, evaluation, measure=None, accuracy=True, metric='accuracy',
           title=None):
    """Summary, ``--save``, learning curves of the whole run, and the last line; returns the summary record.

    The learning curves hold every epoch of ``trainer.history`` (a resumed
    run's earlier epochs too); when the run stopped in the middle of an
    epoch, the net as it is is measured and added at its fractional epoch.
    ``metric`` (``accuracy`` or ``recognised``) is what the last line
    reports: ``test accuracy: NN.NN%`` or ``test recognised: NN.NN%``.
    """
    records = list(trainer.history)
    if records and not result.batches_into_epoch:
        summary = records[-1]
    else:
        summary = measured_now(trainer.cost_function, training, evaluation, measure, accuracy)
        summary['epoch'] = trainer.epochs_done + result.batches_into_epoch / max(result.batches_per_epoch, 1)
        records.append(summary)
    print('summary after {:g} epochs{}: {}'.format(
        round(summary['epoch'], 2), ' (interrupted)' if result.interrupted else '', describe(summary)))
    if getattr(args, 'save', None):
        trainer.neural_net.save(args.save)
        print('net saved to {}'.format(args.save))
    picture = plot_learning_curves(records, os.path.join(args.out, name + '_learning_curves.png'),
                                   title=title or name, metric=metric)
    print('learning curves: {}'.format(picture))
    print('test {}: {:.2f}%'.format(metric, 100 * summary['evaluation_' + metric]), flush=True)
    return summary


def train_classifier(net, cost, trainer, training, test, args, name, on_epoch=None, source=None):
    """``train_run`` and ``finish`` for a net classifying digits, with ``--resume`` and ``--checkpoint``.

    The steps train on ``source`` (default ``training.source``); the
    measurements are of ``training.source`` and ``test.source``.
    ``--resume`` is honoured here if the demo did not call ``resume`` itself
    (it should, before loading MNIST: a bad file then costs no wait).
    Returns the summary record.
    """
    if getattr(args, 'resume', None) and trainer.epochs_done == 0:
        resume(trainer, args)
    saved = []
    result = train_run(trainer, training.source if source is None else source, args.epochs - trainer.epochs_done,
                       evaluation_data=test.source, on_epoch=checkpointing(trainer, args, on_epoch, saved))
    if result.interrupted and getattr(args, 'checkpoint', None):
        if saved:
            print('the checkpoint {} holds the state after epoch {}; continue with --resume {}'.format(
                args.checkpoint, saved[-1], args.checkpoint))
        elif args.resume:
            print('no epoch finished, so nothing was written to {}; continue with --resume {}'.format(
                args.checkpoint, args.resume))
        else:
            print('no epoch finished, so no checkpoint was written to {}'.format(args.checkpoint))
    return finish(trainer, result, args, name, training.source, test.source)


def checkpointing(trainer, args, on_epoch=None, saved=None):
    """An ``on_epoch`` for ``train_run``: call ``on_epoch``, then, with ``--checkpoint PATH``, save the trainer there.

    ``on_epoch`` runs first because it may change the trainer for the next
    epoch: the checkpoint then holds exactly what the next epoch starts from
    (``train`` has applied the schedule before). The epochs saved are
    appended to ``saved``.
    """
    if not getattr(args, 'checkpoint', None):
        return on_epoch

    def then_save(record):
        if on_epoch is not None:
            on_epoch(record)
        feedforward_checkpoint.save_checkpoint(args.checkpoint, trainer)
        if saved is not None:
            saved.append(trainer.epochs_done)
    return then_save


def classifier(sizes, l2_reg_term, learning_rate, batch_size, args, hidden=None, output=None, dtype=np.float32,
               **training):
    """A net (``hidden`` units, Rectifier by default; ``output`` units, Softmax by default), its L2-regularized
    cross-entropy and SGD, seeded from ``args`` (initial parameters, then shuffling).

    ``training`` goes to ``StochasticGradientDescent``: ``momentum``,
    ``nesterov``, ``dropout``, ``schedule``. Returns ``(net, cost, trainer)``;
    ``sizes`` runs from 784 inputs to 10 outputs.
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
    trainer = StochasticGradientDescent(net, cost, learning_rate, batch_size=batch_size, seed=shuffle_rng, **training)
    return net, cost, trainer


class Recipe:
    """A classification demo's default training settings: hidden layer sizes, learning rate (of the first
    epoch), its decay factor per epoch, L2 term, mini-batch size, epochs, momentum (Nesterov's or not),
    dropout (None, one rate for every hidden layer, or one per non-output layer) and the pixels by which
    training digits are moved at random (``shift``, 0 for none; ``classification_demo`` makes the
    ``ShiftedDigits`` for it, ``build`` does not)."""

    def __init__(self, hidden, learning_rate, decay, l2, batch_size, epochs, momentum=0.0, nesterov=False,
                 dropout=None, shift=0):
        self.hidden, self.learning_rate, self.decay, self.l2 = list(hidden), learning_rate, decay, l2
        self.batch_size, self.epochs, self.momentum, self.nesterov, self.dropout, self.shift = (
            batch_size, epochs, momentum, nesterov, dropout, shift)

    def build(self, args, build=None, inputs=784, outputs=10, **settings):
        """``(net, cost, trainer)`` built by ``build`` (default ``classifier``, seeded from ``args.seed``) with the
        recipe's settings, or those given in ``settings``, for a net of ``inputs`` and ``outputs`` units; the
        decay becomes an ``ExponentialDecay`` schedule, and a single dropout rate in a list one for every
        hidden layer."""
        from feedforward_schedules import ExponentialDecay
        chosen = {name: settings.get(name, getattr(self, name)) for name in (
            'hidden', 'learning_rate', 'decay', 'l2', 'batch_size', 'momentum', 'nesterov', 'dropout')}
        dropout = chosen['dropout']
        if isinstance(dropout, list) and len(dropout) == 1:
            dropout = dropout[0]
        return (build or classifier)([inputs] + chosen['hidden'] + [outputs], chosen['l2'], chosen['learning_rate'],
                                     chosen['batch_size'], args, momentum=chosen['momentum'],
                                     nesterov=chosen['nesterov'], dropout=dropout,
                                     schedule=ExponentialDecay(chosen['decay']))


def classification_demo(argv, description, name, recipe, build=None):
    """The whole of a classification demo: its flags (the standard ones and the training settings, whose
    defaults are the ``Recipe``'s), the net, ``--resume``, MNIST, and ``train_classifier``.

    ``build(sizes, l2_reg_term, learning_rate, batch_size, args, **training)``
    (default ``classifier``) returns ``(net, cost, trainer)``. The learning
    rate decays by ``--decay`` after each epoch (a schedule of the trainer,
    which checkpoints keep); with ``--shift`` above 0 the steps train on
    digits moved at random (``ShiftedDigits``). Returns the summary.
    """
    parser = standard_parser(description, epochs=recipe.epochs)
    parser.add_argument('--hidden', type=positive_int, nargs='+', default=recipe.hidden, metavar='UNITS',
                        help='units of each hidden layer (default {})'.format(' '.join(map(str, recipe.hidden))))
    parser.add_argument('--learning-rate', type=positive_float, default=recipe.learning_rate,
                        help='learning rate of the first epoch (default {})'.format(recipe.learning_rate))
    parser.add_argument('--decay', type=decay_factor, default=recipe.decay,
                        help='factor applied to the learning rate after each epoch, above 0 and at most 1 '
                             '(default {})'.format(recipe.decay))
    parser.add_argument('--momentum', type=below_one, default=recipe.momentum,
                        help='momentum, from 0 (plain steps) to below 1 (default {})'.format(recipe.momentum))
    parser.add_argument('--nesterov', action=argparse.BooleanOptionalAction, default=recipe.nesterov,
                        help='Nesterov momentum (default {})'.format('on' if recipe.nesterov else 'off'))
    default_dropout = recipe.dropout if recipe.dropout is None or isinstance(recipe.dropout, list) \
        else [recipe.dropout]
    parser.add_argument('--dropout', type=below_one, nargs='+', default=default_dropout, metavar='P',
                        help='dropout rate of every hidden layer (one P), or of every layer but the output, input '
                             'layer first (default {})'.format(
                                 'none' if recipe.dropout is None else ' '.join(map(str, default_dropout))))
    parser.add_argument('--l2', type=nonnegative_float, default=recipe.l2,
                        help='L2 regularization term (default {})'.format(recipe.l2))
    parser.add_argument('--batch-size', type=positive_int, default=recipe.batch_size,
                        help='mini-batch size (default {})'.format(recipe.batch_size))
    parser.add_argument('--shift', type=pixels, default=recipe.shift, metavar='PIXELS',
                        help='move each training digit by up to PIXELS pixels in each direction, at random, each '
                             'time a step takes it; 0 trains on the digits as they are (default {}; checkpoints '
                             'do not hold it: give the same value when resuming)'.format(recipe.shift))
    args = parser.parse_args(argv)
    if args.dropout is not None and len(args.dropout) not in (1, len(args.hidden) + 1):
        parser.error('argument --dropout: expected one rate, or {} (input and hidden layers), got {}'.format(
            len(args.hidden) + 1, len(args.dropout)))
    if args.nesterov and not args.momentum:
        parser.error('argument --nesterov: Nesterov momentum needs --momentum above 0')
    net, cost, trainer = recipe.build(args, build, **{name: getattr(args, name) for name in (
        'hidden', 'learning_rate', 'decay', 'l2', 'batch_size', 'momentum', 'nesterov', 'dropout')})
    resume(trainer, args)
    training, test = load_data(args)
    describe_training(net, trainer, args)
    return train_classifier(net, cost, trainer, training, test, args, name,
                            source=training_source(training, trainer, args.shift))


def describe_training(net, trainer, args):
    """Print the net and the training settings in one line."""
    print('net {} ({}), {}, {}, seed {}'.format(
        net.layer_sizes(), ' -> '.join(f.name for f in net.activations()), training_settings(trainer),
        _epochs(args.epochs), args.seed))


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


def plot_learning_curves(records, path, title, metric='accuracy'):
    """Cost and ``metric`` (accuracy or recognised share) per epoch, training and test, side by side; a PNG."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator
    epochs = [record['epoch'] for record in records]
    figure, (costs, shares) = plt.subplots(1, 2, figsize=(11, 4.2))
    marker = 'o' if len(records) < 30 else None
    for split, label, style in (('training', 'train', '-'), ('evaluation', 'test', '--')):
        costs.plot(epochs, [r[split + '_cost'] for r in records], style, marker=marker, label=label)
        shares.plot(epochs, [100 * r[split + '_' + metric] for r in records], style, marker=marker, label=label)
    costs.set(xlabel='epoch', ylabel='cost', title='Cost (with the L2 term, if any)')
    shares.set(xlabel='epoch', ylabel=metric + ' (%)', title=metric.capitalize())
    for axes in (costs, shares):
        axes.legend()
        axes.grid(alpha=0.3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if epochs and math.isclose(min(epochs), max(epochs)):
            axes.set_xticks(epochs[:1])   # a single epoch: its own tick, not fractions around it
        elif epochs:
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
