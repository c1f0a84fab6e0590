"""Classify MNIST digits with four hidden layers of rectified linear units and a softmax output.

    python demos/4hidden_layers_relu_softmax_xentropy_L2.py [--epochs N] [--hidden UNITS ...] [--save net.json]

The net is 784-H1-H2-H3-H4-10, Rectifier (ReLU) hidden layers and a Softmax output;
the cost is the cross-entropy plus an L2 term on the weights; mini-batch
stochastic gradient descent with Nesterov momentum 0.9, dropout of a share
0.1 of each hidden layer's units in every step, and a learning rate that
shrinks by a constant factor after each epoch. Each time a step takes a
training digit, the digit is moved by a random (dy, dx), each from
-PIXELS to PIXELS (``--shift PIXELS``, 1 by default).
"""
import classification
import common

NAME = '4hidden_layers_relu_softmax_xentropy_L2'
RECIPE = classification.Recipe(hidden=[500, 250, 100, 50], learning_rate=0.02, decay=0.9, l2=0.0003, batch_size=50,
                       epochs=22, momentum=0.9, nesterov=True, dropout=0.1, shift=1)


def main(argv=None):
    return classification.classification_demo(argv, __doc__, NAME, RECIPE)


if __name__ == '__main__':
    common.run(main)
