"""The learning slowdown: a saturated Sigmoid output trained on the quadratic cost vs on cross-entropy.

    python demos/compare_costs.py [--epochs 300] [--learning-rate 0.5] [--seed 0] [--out out]

One Sigmoid unit classifies 200 points of the plane (class 1 where
x1 + x2 > 0). Both runs start from the same badly saturated parameters,
w = (-10, -10) and b = 0: every point is put in the wrong class, most of them
with an output within 0.01 of the wrong bound. Full-batch gradient descent
with the same learning rate then trains one copy on each cost.

With the quadratic cost the output error is delta = (a - y) sigma'(z), and
sigma'(z) is almost 0 where the unit saturates: the gradient vanishes and the
unit stays wrong. Cross-entropy's delta = a - y has no sigma'(z): the more
wrong the unit, the faster it learns. Writes ``compare_costs.png`` into
``--out``.
"""
import os

import common
import training_loop
import numpy as np

from activation_functions import Sigmoid
from cost_functions import CrossEntropyCost, QuadraticCost
from data_source import PreloadSource
from gradient_descent import GradientDescent
from neural_net import NetFactory

START_WEIGHT, START_BIAS = -10.0, 0.0


def train_both(epochs, learning_rate, seed):
    """Histories of the two costs from the same saturated start, by cost name.

    Each record holds ``train``'s diagnostics and ``mean_error``, the mean of |a - y|.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 2))
    Y = (X.sum(axis=1) > 0).astype(float).reshape(-1, 1)
    src = PreloadSource((X, Y))
    histories = {}
    for name, cost_class in (('quadratic', QuadraticCost), ('cross-entropy', CrossEntropyCost)):
        net = NetFactory.create_neural_net([2, 1], output_layer_activation=Sigmoid)
        net.weights()[0][...] = START_WEIGHT
        net.biases()[0][...] = START_BIAS
        trainer = GradientDescent(net, cost_class(net), learning_rate)

        def mean_error():
            # How wrong the unit is, in the same units for both costs: mean |a - y|.
            return {'mean_error': float(np.abs(net.feed(X) - Y).mean())}

        histories[name] = training_loop.train_run(trainer, src, epochs, measure=mean_error, quiet=True,
                                           diagnostics=True).history
    return histories


def main(argv=None):
    parser = common.standard_parser(__doc__, epochs=300, seed=0, save=False, checkpoints=False)
    parser.add_argument('--learning-rate', type=common.positive_float, default=0.5,
                        help='learning rate (default 0.5)')
    args = parser.parse_args(argv)

    plt = common.pyplot()

    histories = train_both(args.epochs, args.learning_rate, args.seed)
    figure, axes = plt.subplots(2, 2, figsize=(10, 7))
    (accuracy, error), (gradient, saturated) = axes
    colours = {'quadratic': 'tab:red', 'cross-entropy': 'tab:blue'}
    for name, history in histories.items():
        epochs = history['epoch']
        style = dict(color=colours[name], label='{} cost'.format(name))
        accuracy.plot(epochs, 100 * history.array('training_accuracy'), **style)
        error.plot(epochs, history.array('mean_error'), **style)
        gradient.semilogy(epochs, history.array('weight_gradient_norm')[:, 0], **style)
        saturated.plot(epochs, 100 * history.array('saturated')[:, 0], **style)
        print('{:>13} cost: accuracy {:.1f}% after {} epochs'.format(
            name, 100 * history['training_accuracy'][-1], epochs[-1]))
    accuracy.set(ylabel='training accuracy (%)', title='Accuracy', ylim=(-3, 103))
    error.set(ylabel='mean |output - target|', title='How wrong the unit is', ylim=(-0.03, 1.03))
    gradient.set(ylabel='||dC/dW|| (log scale)', title='Weight gradient norm')
    saturated.set(ylabel='saturated outputs (%)', title='Outputs within 0.01 of 0 or 1 (right or wrong)',
                  ylim=(-3, 103))
    for ax in axes.flat:
        ax.set_xlabel('epoch')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    figure.suptitle('One Sigmoid unit started saturated and wrong: quadratic vs cross-entropy cost')
    picture = common.save_figure(figure, os.path.join(args.out, 'compare_costs.png'), dpi=80)
    print('picture: {}'.format(picture))
    return histories


if __name__ == '__main__':
    common.run(main)
