"""Nets that draw digits: trained on MNIST's pairs reversed, a one-hot code of the digit in, 784 pixels out.

Shared by generating_digits.py and noisy_digits.py. The generator is
10-100-300-784 with Rectifier hidden units and Sigmoid outputs, trained on
the binary cross-entropy of each pixel (the pixels are in [0, 1]). It is
trained on codes with Gaussian noise (``--noise-std``): the cost is lowest
when it draws, for each code, the mean of the images of the digits that code
could have come from, so it learns to draw the asked-for digit through noise. A digit
classifier judges the drawings: the share of drawn digits it reads as the digit
that was asked for is the generator's accuracy.
"""
import importlib

import common
import training_loop
import numpy as np

from activation_functions import Rectifier, Sigmoid
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
from gradient_descent import StochasticGradientDescent
from neural_net import NetFactory, NeuralNet

# The classifier that judges the drawings is the two-hidden-layer demo's net.
CLASSIFIER_DEMO = '2hidden_layers_relu_softmax_xentropy_L2'
CLASSIFIER_EPOCHS = 4
HIDDEN, LEARNING_RATE, BATCH_SIZE, EPOCHS = [100, 300], 0.1, 50, 5
#: The judged set: this many drawings per digit, from codes with Gaussian noise of this spread.
JUDGED_PER_DIGIT, JUDGED_NOISE_STD = 100, 0.2


def parser(description, noise_std):
    """The standard flags plus the generator's; ``noise_std`` is the default of ``--noise-std``."""
    parser = common.standard_parser(description, epochs=EPOCHS, checkpoints=False)
    parser.add_argument('--hidden', type=common.positive_int, nargs='+', default=list(HIDDEN), metavar='UNITS',
                        help='units of each hidden layer of the generator (default {})'.format(
                            ' '.join(map(str, HIDDEN))))
    parser.add_argument('--learning-rate', type=common.positive_float, default=LEARNING_RATE,
                        help='learning rate of the generator (default {})'.format(LEARNING_RATE))
    parser.add_argument('--noise-std', type=common.nonnegative_float, default=noise_std,
                        help='standard deviation of the Gaussian noise added to the one-hot codes '
                             '(default {})'.format(noise_std))
    parser.add_argument('--classifier', metavar='PATH', default=None,
                        help='a digit classifier saved by {}.py --save; without it one is trained for {} '
                             'epochs first'.format(CLASSIFIER_DEMO, CLASSIFIER_EPOCHS))
    return parser


def codes(labels, noise_std, rng, dtype=np.float32):
    """One-hot codes of ``labels`` (n,) plus N(0, noise_std^2) noise in every entry: shape (n, 10)."""
    result = np.zeros((len(labels), 10), dtype)
    result[np.arange(len(labels)), labels] = 1
    if noise_std > 0:
        result += (noise_std * rng.standard_normal(result.shape)).astype(dtype)
    return result


def recognised(classifier, drawings, labels):
    """The share of ``drawings`` (n, 784) that ``classifier`` reads as ``labels`` (n,)."""
    return float(np.mean(classifier.feed(drawings).argmax(axis=1) == labels))


def get_classifier(args, training, test, classifier=None):
    """The judging classifier: ``classifier`` (loaded from ``--classifier``), or one trained briefly with the
    2-hidden-layer demo's recipe, on the digits as they are (``Recipe.build`` leaves the moves of ``--shift``
    to the classification demos)."""
    if classifier is None:
        demo = importlib.import_module(CLASSIFIER_DEMO)
        classifier, cost, trainer = demo.RECIPE.build(args)
        print('training the judging classifier {} for {} epochs'.format(classifier.layer_sizes(), CLASSIFIER_EPOCHS))
        training_loop.train_run(trainer, training.source, CLASSIFIER_EPOCHS, evaluation_data=test.source,
                         label='classifier ')
    accuracy = recognised(classifier, test.images, test.labels)
    print('classifier: {:.2f}% of the real test digits recognised'.format(100 * accuracy))
    return classifier


def main(argv, description, name, noise_std, draw):
    """Train a generator on codes with ``--noise-std`` noise, judge it, and ``draw(generator, args, rng)`` a PNG."""
    args = parser(description, noise_std).parse_args(argv)
    loaded = None
    if args.classifier:
        loaded = common.load_net(args.classifier, '--classifier', inputs=784, outputs=10)
        print('classifier {} from {}'.format(loaded.layer_sizes(), args.classifier))
    training, test = common.load_data(args)
    classifier = get_classifier(args, training, test, loaded)
    init_rng, shuffle_rng, noise_rng, draw_rng, judge_rng = common.rngs(args, 5)

    # The reversed pairs: codes (n, 10) in, images (n, 784) out.
    train_codes = codes(training.labels, args.noise_std, noise_rng)
    test_codes = codes(test.labels, args.noise_std, noise_rng)
    reversed_training = PreloadSource((train_codes, training.images))
    reversed_test = PreloadSource((test_codes, test.images))

    generator = NetFactory.create_neural_net([10] + args.hidden + [784], hidden_layer_activation=Rectifier,
                                             output_layer_activation=Sigmoid, dtype=np.float32)
    generator.randomize_parameters(init_rng)
    cost = CrossEntropyCost(generator)
    trainer = StochasticGradientDescent(generator, cost, args.learning_rate, batch_size=BATCH_SIZE, seed=shuffle_rng)
    print('generator {} (Rectifier, Sigmoid output), learning rate {}, mini-batches of {}, code noise std {}, '
          '{} epochs'.format(
        generator.layer_sizes(), args.learning_rate, BATCH_SIZE, args.noise_std, args.epochs))

    def shares_recognised():
        # The share of the drawings from each split's codes that the classifier reads as the asked-for digit.
        return {'training_recognised': recognised(classifier, generator.feed(train_codes), training.labels),
                'evaluation_recognised': recognised(classifier, generator.feed(test_codes), test.labels)}

    # The costs: per-pixel cross-entropy of drawing each split's images from their codes.
    result = training_loop.train_run(trainer, reversed_training, args.epochs, evaluation_data=reversed_test,
                              measure=shares_recognised, accuracy=False)
    picture = draw(generator, args, draw_rng)
    print('drawings: {}'.format(picture))
    # Its own stream: the judged set is the same whatever the picture drew.
    judged = judge(generator, classifier, judge_rng)
    print('judged set: the classifier recognises {:.1f}% of {} drawings ({} per digit from codes with noise '
          'std {})'.format(100 * judged, 10 * JUDGED_PER_DIGIT, JUDGED_PER_DIGIT, JUDGED_NOISE_STD))
    title = '{}: cost of drawing the images, and the share of drawings the classifier recognises'.format(name)
    return training_loop.finish(trainer, result, args, name, reversed_training, reversed_test,
                                measure=shares_recognised, accuracy=False, metric='recognised', title=title)


def judge(generator, classifier, rng, per_digit=JUDGED_PER_DIGIT, noise_std=JUDGED_NOISE_STD):
    """The share of ``10 * per_digit`` drawings from noisy codes that ``classifier`` recognises."""
    labels = np.repeat(np.arange(10), per_digit)
    return recognised(classifier, generator.feed(codes(labels, noise_std, rng)), labels)
