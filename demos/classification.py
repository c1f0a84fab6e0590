"""The classification demos' recipe and flags: a demo that classifies MNIST digits is a ``Recipe`` and one call.

    import classification
    RECIPE = classification.Recipe(hidden=[500, 200], learning_rate=0.02, decay=0.9, l2=0.0003, batch_size=50,
                                   epochs=20, momentum=0.9, nesterov=True, dropout=0.2, shift=1)
    classification.classification_demo(argv, __doc__, 'my_demo', RECIPE)

Every setting of the recipe is a flag whose default it gives. ``--optimizer
NAME`` trains with any update rule of the registry (``sgd``, the recipes'
own, ``adam``, ``adamw``, ``rmsprop``, ``adagrad``, or one that
``--import MODULE`` registers), ``--optimizer-setting NAME=VALUE`` sets any of
its settings (``--optimizer adam --optimizer-setting betas=0.9,0.99``). The
recipe's momentum, Nesterov's and learning rate are for ``sgd``: another rule
starts from its own defaults unless ``--momentum``, ``--nesterov`` or
``--learning-rate`` is given.
"""
import argparse
import ast

import common
import training_loop
from feedforward_optimizers import OPTIMIZERS
from feedforward_schedules import ExponentialDecay


class Recipe:
    """A classification demo's default training settings: hidden layer sizes, learning rate (of the first
    epoch), its decay factor per epoch, L2 term, mini-batch size, epochs, momentum (Nesterov's or not),
    dropout (None, one rate for every hidden layer, or one per non-output layer) and the pixels by which
    training digits are moved at random (``shift``, 0 for none; ``classification_demo`` makes the
    ``data_source.ShiftedImages`` for it, ``build`` does not)."""

    def __init__(self, hidden, learning_rate, decay, l2, batch_size, epochs, momentum=0.0, nesterov=False,
                 dropout=None, shift=0):
        self.hidden, self.learning_rate, self.decay, self.l2 = list(hidden), learning_rate, decay, l2
        self.batch_size, self.epochs, self.momentum, self.nesterov, self.dropout, self.shift = (
            batch_size, epochs, momentum, nesterov, dropout, shift)

    def build(self, args, build=None, inputs=784, outputs=10, rule=None, **settings):
        """``(net, cost, trainer)`` built by ``build`` (default ``common.classifier``, seeded from ``args.seed``)
        with the recipe's settings, or those given in ``settings``, for a net of ``inputs`` and ``outputs``
        units, trained by ``rule`` (an update rule; None: SGD with the recipe's momentum); the decay becomes an
        ``ExponentialDecay`` schedule, and a single dropout rate in a list one for every hidden layer."""
        chosen = {name: settings.get(name, getattr(self, name)) for name in (
            'hidden', 'learning_rate', 'decay', 'l2', 'batch_size', 'momentum', 'nesterov', 'dropout')}
        dropout = chosen['dropout']
        if isinstance(dropout, list) and len(dropout) == 1:
            dropout = dropout[0]
        training = dict(rule=rule) if rule is not None else dict(momentum=chosen['momentum'],
                                                                 nesterov=chosen['nesterov'])
        return (build or common.classifier)([inputs] + chosen['hidden'] + [outputs], chosen['l2'],
                                            chosen['learning_rate'], chosen['batch_size'], args, dropout=dropout,
                                            schedule=ExponentialDecay(chosen['decay']), **training)


def classification_demo(argv, description, name, recipe, build=None):
    """The whole of a classification demo: its flags (the standard ones and the training settings, whose
    defaults are the ``Recipe``'s), the net, ``--resume``, MNIST, and ``training_loop.train_classifier``.

    ``build(sizes, l2_reg_term, learning_rate, batch_size, args, **training)``
    (default ``common.classifier``) returns ``(net, cost, trainer)``. The
    learning rate decays by ``--decay`` after each epoch (a schedule of the
    trainer, which checkpoints keep); with ``--shift`` above 0 the steps
    train on digits moved at random. Returns the summary.
    """
    parser = _parser(description, recipe)
    args = parser.parse_args(argv)
    if args.dropout is not None and len(args.dropout) not in (1, len(args.hidden) + 1):
        parser.error('argument --dropout: expected one rate, or {} (input and hidden layers), got {}'.format(
            len(args.hidden) + 1, len(args.dropout)))
    rule = chosen_rule(args, recipe, parser)
    learning_rate = args.learning_rate
    if learning_rate is None:
        learning_rate = recipe.learning_rate if rule.name == 'sgd' else rule.default_learning_rate or \
            recipe.learning_rate
    net, cost, trainer = recipe.build(args, build, rule=rule, learning_rate=learning_rate, **{
        name: getattr(args, name) for name in ('hidden', 'decay', 'l2', 'batch_size', 'dropout')})
    common.resume(trainer, args)
    training, test = common.load_data(args)
    print('net {} ({}), {}, {}, seed {}'.format(
        net.layer_sizes(), ' -> '.join(f.name for f in net.activations()), common.training_settings(trainer),
        common.epochs_text(args.epochs), args.seed))
    return training_loop.train_classifier(net, cost, trainer, training, test, args, name,
                                   source=common.training_source(training, trainer, args.shift))


def _parser(description, recipe):
    parser = common.standard_parser(description, epochs=recipe.epochs)
    flag = parser.add_argument
    flag('--hidden', type=common.positive_int, nargs='+', default=recipe.hidden, metavar='UNITS',
         help='units of each hidden layer (default {})'.format(' '.join(map(str, recipe.hidden))))
    flag('--optimizer', default='sgd', metavar='NAME',
         help='the update rule: sgd (default), adam, adamw, rmsprop, adagrad, or one that --import registers')
    flag('--optimizer-setting', dest='optimizer_settings', action='append', default=[], metavar='NAME=VALUE',
         help='a setting of the update rule, such as betas=0.9,0.99 or amsgrad=True (repeat for more)')
    flag('--learning-rate', type=common.positive_float, default=None,
         help='learning rate of the first epoch (default {} with sgd, else the rule\'s own)'.format(
             recipe.learning_rate))
    flag('--decay', type=common.decay_factor, default=recipe.decay,
         help='factor applied to the learning rate after each epoch, above 0 and at most 1 (default {})'.format(
             recipe.decay))
    flag('--momentum', type=common.below_one, default=None,
         help='momentum, from 0 (plain steps) to below 1 (default {} with sgd)'.format(recipe.momentum))
    flag('--nesterov', action=argparse.BooleanOptionalAction, default=None,
         help='Nesterov momentum (default {} with sgd)'.format('on' if recipe.nesterov else 'off'))
    default_dropout = recipe.dropout if recipe.dropout is None or isinstance(recipe.dropout, list) \
        else [recipe.dropout]
    flag('--dropout', type=common.below_one, nargs='+', default=default_dropout, metavar='P',
         help='dropout rate of every hidden layer (one P), or of every layer but the output, input layer first '
              '(default {})'.format('none' if recipe.dropout is None else ' '.join(map(str, default_dropout))))
    flag('--l2', type=common.nonnegative_float, default=recipe.l2,
         help='L2 regularization term (default {})'.format(recipe.l2))
    flag('--batch-size', type=common.positive_int, default=recipe.batch_size,
         help='mini-batch size (default {})'.format(recipe.batch_size))
    flag('--shift', type=common.pixels, default=recipe.shift, metavar='PIXELS',
         help='move each training digit by up to PIXELS pixels in each direction, at random, each time a step '
              'takes it; 0 trains on the digits as they are (default {}; checkpoints do not hold it: give the same '
              'value when resuming)'.format(recipe.shift))
    return parser


def chosen_rule(args, recipe, parser):
    """The update rule ``--optimizer`` names, with ``--optimizer-setting``, ``--momentum`` and ``--nesterov`` (the
    recipe's momentum for ``sgd`` when they are not given); one line and exit 2 if it cannot be built."""
    if args.optimizer not in OPTIMIZERS:
        parser.error('argument --optimizer: expected one of {} (a rule of your own: --import the module that '
                     'registers it), got {!r}'.format(', '.join(OPTIMIZERS), args.optimizer))
    settings = {}
    for text in args.optimizer_settings:
        key, equals, value = text.partition('=')
        if not equals or not key.isidentifier():
            parser.error('argument --optimizer-setting: expected NAME=VALUE, got {!r}'.format(text))
        try:
            settings[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            settings[key] = value
    for key in ('momentum', 'nesterov'):
        value = getattr(args, key)
        if value is None and args.optimizer == 'sgd':
            value = getattr(recipe, key)
        if value is not None and key in settings:
            parser.error('argument --{}: {} is given by --optimizer-setting too'.format(key, key))
        if value is not None:
            settings[key] = value
    try:
        return OPTIMIZERS[args.optimizer](**settings)
    except (TypeError, ValueError) as error:
        parser.error('argument --optimizer {}: {}'.format(args.optimizer, error))
