"""Classify MNIST digits with one hidden layer of sigmoid units and ten sigmoid outputs, on cross-entropy.

    python demos/1hidden_layer_sigmoid_xentropy.py [--epochs N] [--hidden UNITS] [--save net.json] [--out DIR]

The net is 784-HIDDEN-10 with the logistic sigmoid in every layer; the cost is
the cross-entropy of ten independent sigmoid outputs, without regularization;
mini-batch stochastic gradient descent with a learning rate that shrinks by a
constant factor after each epoch.
"""
import classification
import common

from activation_functions import Sigmoid

NAME = '1hidden_layer_sigmoid_xentropy'
RECIPE = classification.Recipe(hidden=[300], learning_rate=0.5, decay=0.92, l2=0.0, batch_size=20, epochs=25)


def sigmoid_classifier(sizes, l2_reg_term, learning_rate, batch_size, args, **training):
    """``(net, cost, trainer)``: a sigmoid net, its cross-entropy and SGD, seeded from ``args.seed``."""
    return common.classifier(sizes, l2_reg_term, learning_rate, batch_size, args, hidden=Sigmoid, output=Sigmoid,
                             **training)


def main(argv=None):
    return classification.classification_demo(argv, __doc__, NAME, RECIPE, sigmoid_classifier)


if __name__ == '__main__':
    common.run(main)
