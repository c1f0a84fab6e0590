"""Classify MNIST digits with four hidden layers of rectified linear units and a softmax output.

    python demos/4hidden_layers_relu_softmax_xentropy_L2.py [--epochs N] [--hidden UNITS ...] [--save net.json]

The net is 784-H1-H2-H3-H4-10, Rectifier (ReLU) hidden layers and a Softmax output;
the cost is the cross-entropy plus an L2 term on the weights; mini-batch
stochastic gradient descent with a learning rate that shrinks by a constant
factor after each epoch.
"""
import common

NAME = '4hidden_layers_relu_softmax_xentropy_L2'
RECIPE = common.Recipe(hidden=[500, 250, 100, 50], learning_rate=0.2, decay=0.93, l2=0.0005, batch_size=50, epochs=30)


def main(argv=None):
    return common.classification_demo(argv, __doc__, NAME, RECIPE)


if __name__ == '__main__':
    common.run(main)
