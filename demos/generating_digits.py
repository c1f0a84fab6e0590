"""Draw the ten digits with a net trained on MNIST in reverse: a one-hot digit in, 784 pixels out.

    python demos/generating_digits.py [--epochs N] [--classifier net.json] [--save generator.json] [--out DIR]

The generator learns from codes with a little Gaussian noise (--noise-std,
default 0.2), which makes it draw each digit firmly. Writes
DIR/generated_digits.png, the drawing of each digit 0 to 9 from its clean
one-hot code. A digit classifier (the two-hidden-layer demo's net, trained
briefly here unless --classifier names a saved one) judges the drawings:
"recognised" is the share of drawings it reads as the digit asked for.
"""
import os

import generation
import numpy as np

import common

NAME = 'generating_digits'


def draw(generator, args, rng):
    """The drawing of each digit from its clean one-hot code, in one row."""
    drawings = generator.feed(np.eye(10, dtype=np.float32))
    return common.digit_grid(drawings[np.newaxis], os.path.join(args.out, 'generated_digits.png'),
                             'Digits drawn by a {} net from one-hot codes'.format('-'.join(map(str, generator.layer_sizes()))),
                             column_labels=[str(d) for d in range(10)])


def main(argv=None):
    return generation.main(argv, __doc__, NAME, noise_std=0.2, draw=draw)


if __name__ == '__main__':
    common.run(main)
