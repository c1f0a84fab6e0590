"""Classify MNIST digits with one hidden layer of sigmoid units and ten sigmoid outputs, on cross-entropy.

    python demos/1hidden_layer_sigmoid_xentropy.py [--epochs N] [--hidden UNITS] [--save net.json] [--out DIR]

The net is 784-HIDDEN-10 with the logistic sigmoid in every layer; the cost is
the cross-entropy of ten independent sigmoid outputs, without regularization;
mini-batch stochastic gradient descent with a learning rate that shrinks by a
constant factor after each epoch.
"""
import common

from activation_functions import Sigmoid

NAME = '1hidden_layer_sigmoid_xentropy'
HIDDEN = [300]
LEARNING_RATE, DECAY, L2, BATCH_SIZE, EPOCHS = 0.5, 0.92, 0.0, 20, 25


def sigmoid_classifier(sizes, l2_reg_term, learning_rate, batch_size, args):
    """``(net, cost, trainer)``: a sigmoid net, its cross-entropy and SGD, seeded from ``args.seed``."""
    return common.classifier(sizes, l2_reg_term, learning_rate, batch_size, args, hidden=Sigmoid, output=Sigmoid)


def main(argv=None):
    return common.classification_demo(argv, __doc__, NAME, sigmoid_classifier, HIDDEN, LEARNING_RATE, DECAY, L2,
                                      BATCH_SIZE, EPOCHS)


if __name__ == '__main__':
    common.run(main)
