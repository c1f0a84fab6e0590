"""The strongest MLP this library trains in ten minutes on two cores: four narrowing Rectifier layers with
dropout and an L2 term, trained on digits moved by up to a pixel at random.

    python demos/dropout_mlp.py [--epochs N] [--hidden UNITS ...] [--dropout P ...] [--shift PIXELS] [--save net.json]

The net is 784-1024-512-256-128-10, Rectifier hidden layers and a Softmax
output, trained on the cross-entropy plus an L2 term with mini-batch SGD,
Nesterov momentum and a learning rate that shrinks by a constant factor
after each epoch. Each training step drops a tenth of the units of every
hidden layer at random (inverted dropout, as in Srivastava et al., 2014),
so that every step trains a different thinned net and no unit can rely on
particular others; the whole net, which predicts as their average would,
classifies the test digits.

Each time a training step takes a digit, the digit is moved by a random
(dy, dx), each from -PIXELS to PIXELS (``--shift PIXELS``, 1 by default): a
digit one pixel to the left is the same digit, and a net that has seen
digits moved learns strokes rather than pixel positions. The measurements
after each epoch are of the digits as they are. ``--shift 0`` trains on
the digits unmoved.
"""
import classification
import common

NAME = 'dropout_mlp'
# The first rate, 0.04 (which Nesterov momentum 0.9 makes about 0.4 per step where the gradients agree), decays
# by 0.92 an epoch, to 0.0022 in the last.
RECIPE = classification.Recipe(hidden=[1024, 512, 256, 128], learning_rate=0.04, decay=0.92, l2=0.0003, batch_size=100,
                       epochs=36, momentum=0.9, nesterov=True, dropout=0.1, shift=1)


def main(argv=None):
    return classification.classification_demo(argv, __doc__, NAME, RECIPE)


if __name__ == '__main__':
    common.run(main)
