"""What every demo shares: the standard flags, MNIST, the net and trainer of a classifier, resuming, pictures.

A classification demo is a few lines::

    import common, training_loop       # work from the repository root and from demos/
    args = common.standard_parser(__doc__, epochs=20).parse_args()
    net, cost, trainer = ...           # the library's own objects, seeded from common.rngs(args)
    common.resume(trainer, args)       # --resume, checked before MNIST loads
    training, test = common.load_data(args)
    training_loop.train_classifier(net, cost, trainer, training, test, args, name='my_demo')

The epoch loop, Ctrl+C and the summary are in ``training_loop``; the
classification demos' recipes and flags in ``classification``.

``--checkpoint PATH`` saves the trainer (net, settings, random state, epochs
done, history) after every epoch, and ``--resume PATH`` continues from such
a file exactly: a run stopped by Ctrl+C or killed loses at most one epoch,
and the resumed run ends with the same parameters as one never stopped
(given the same ``--shift``, which checkpoints do not hold).

``--optimizer NAME`` trains with any update rule of the library's registry,
one of ``--import MODULE``'s among them (a module or a .py file that
registers rules of its own), with ``--optimizer-setting NAME=VALUE`` for its
settings. Bad flags are refused before any work, in one line; a run stopped
by Ctrl+C exits with status 130, as command-line tools do. Start a demo
with ``common.run(main)``.
"""
import argparse
import ast
import importlib
import importlib.util
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
import feedforward_plots  # noqa: E402
from data_source import ShiftedImages  # noqa: E402
from feedforward_checks import Integer, Interval  # noqa: E402
from feedforward_model_file import ModelFileError  # noqa: E402
from feedforward_optimizers import OPTIMIZERS, SGDRule, optimizer  # noqa: E402
from feedforward_progress import describe_epoch  # noqa: E402
from gradient_descent import StopTraining, Trainer  # noqa: E402
from neural_net import NeuralNet  # noqa: E402

#: MNIST's images are SIDE x SIDE pixels, row after row.
SIDE = 28

def run(main):
    """Run a demo's ``main()`` and exit: status 130 if Ctrl+C stopped it, else 0.

    The first Ctrl+C while a net trains stops the run after the mini-batch, with its summary; one anywhere else
    (loading the data, say), or a second one, stops the demo at once, with one line rather than a traceback.
    """
    import training_loop
    try:
        main()
    except KeyboardInterrupt:
        sys.stderr.write('\nstopped by Ctrl+C\n')
        sys.exit(130)
    sys.exit(130 if training_loop.interrupted else 0)


# ----- flags -----------------------------------------------------------------

class DemoParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, and which checks, before any work, that the files the
    demo will write can be written: the folders of ``--save`` and ``--checkpoint``, the folder ``--out``
    (made if need be), and matplotlib for the pictures."""

    def error(self, message):
        self.exit(2, '{}: error: {} (see --help)\n'.format(self.prog, message))

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        for module in getattr(parsed, 'imports', None) or []:
            import_rules(module, self)
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
                        help='seed of the initial parameters, the shuffling, the dropout masks, the moves of the '
                             'digits and any noise (default {})'.format(seed))
    if save:
        parser.add_argument('--save', metavar='PATH', default=None, help='save the trained net to PATH as JSON')
    parser.add_argument('--out', metavar='DIR', default=out, help='folder for the pictures (default {})'.format(out))
    parser.add_argument('--import', dest='imports', metavar='MODULE', action='append', default=[],
                        help='import MODULE (a module name, or the path of a .py file) first: for update rules it '
                             'registers, to train with by --optimizer')
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


def flag_type(constraint, convert=float):
    """An argparse type: ``convert(text)`` checked by a constraint of ``feedforward_checks``, whose words the
    error uses (``expected a positive integer, got 0``)."""
    def parse(text):
        try:
            return constraint(convert(text), 'the value')
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError('expected {}, got {}'.format(constraint.description, text)) from None
    parse.__name__ = constraint.description
    return parse


positive_int = flag_type(Integer(1), int)
nonnegative_int = flag_type(Integer(0), int)
positive_float = flag_type(Interval(0, None, closed='neither'))
nonnegative_float = flag_type(Interval(0, None))
decay_factor = flag_type(Interval(0, 1, closed='right'))
below_one = flag_type(Interval(0, 1, closed='left'))
#: A move of 0 to 27 pixels: a digit moved by 28 would leave the image.
pixels = flag_type(Integer(0, SIDE - 1), int)


def import_rules(module, parser):
    """Import ``module`` (a module name, or the path of a .py file), for the update rules it registers."""
    try:
        if module.endswith('.py'):
            spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(module))[0], module)
            if spec is None or not os.path.isfile(module):
                raise ImportError('no such file')
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
        else:
            sys.path.insert(0, os.getcwd())
            importlib.import_module(module)
    except Exception as error:
        parser.error('argument --import: cannot import {}: {}'.format(module, error))


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


def training_source(training, trainer, shift):
    """What the steps train on: ``training.source``, or with ``shift`` above 0 its digits moved at random by up to
    ``shift`` pixels each time a step takes them (``data_source.ShiftedImages``, drawing from ``trainer.rng``)."""
    if not shift:
        return training.source
    print('training digits moved by up to {} pixel{} in each direction, at random, each time a step takes '
          'them'.format(shift, 's' if shift > 1 else ''))
    return ShiftedImages(training.source, (SIDE, SIDE), shift, rng=trainer.rng)


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
                 'on'.format(args.resume, epochs_text(done), args.epochs, epochs_text(done)))
    print('resumed from {} after epoch {}, with its settings: {} (flags that set these are ignored when '
          'resuming)'.format(args.resume, done, training_settings(trainer)))
    return trainer


def training_settings(trainer):
    """The trainer's settings in one line: the trainer (with its rule's settings) and the cost's L2 term."""
    return '{!r}, L2 term {:g}'.format(trainer, trainer.cost_function.l2_reg_term)


def epochs_text(n):
    return '1 epoch' if n == 1 else '{} epochs'.format(n)


def classifier(sizes, l2_reg_term, learning_rate, batch_size, args, hidden=None, output=None, dtype=np.float32,
               rule=None, **training):
    """A net (``hidden`` units, Rectifier by default; ``output`` units, Softmax by default), its L2-regularized
    cross-entropy and its trainer, seeded from ``args`` (initial parameters, then shuffling).

    The trainer is ``StochasticGradientDescent`` (with ``rule``'s momentum, if
    ``rule`` is an ``SGDRule``), or a ``Trainer`` of ``rule``, any other update
    rule. ``training`` goes to it: ``momentum`` and ``nesterov`` (SGD),
    ``dropout``, ``schedule``. Returns ``(net, cost, trainer)``; ``sizes`` runs
    from 784 inputs to 10 outputs.
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
    if rule is None or type(rule) is SGDRule:
        if rule is not None:
            training.update(momentum=rule.momentum, nesterov=rule.nesterov)
        trainer = StochasticGradientDescent(net, cost, learning_rate, batch_size=batch_size, seed=shuffle_rng,
                                            **training)
    else:
        trainer = Trainer(net, cost, rule, learning_rate, batch_size, shuffle_rng, **training)
    return net, cost, trainer


# ----- pictures ----------------------------------------------------------------

def pyplot():
    """matplotlib's pyplot, drawing to files (no window needed)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def save_figure(figure, path, dpi=100):
    """Lay a pyplot ``figure`` out, write it as a PNG at ``path`` and close it; returns ``path``."""
    figure.tight_layout()
    feedforward_plots.save_figure(figure, path, dpi)
    pyplot().close(figure)
    return path


def plot_learning_curves(records, path, title, metric='accuracy'):
    """The learning curves of ``records`` (``feedforward_plots.learning_curves``), as a PNG at ``path``."""
    return feedforward_plots.save_figure(feedforward_plots.learning_curves(records, metric, title), path)


def digit_grid(images, path, title, row_labels=None, column_labels=None):
    """Images (rows, cols, 784) in [0, 1] as a grid of 28x28 pictures (``feedforward_plots.image_grid``); a PNG."""
    return feedforward_plots.save_figure(
        feedforward_plots.image_grid(images, (SIDE, SIDE), title, row_labels, column_labels), path)
