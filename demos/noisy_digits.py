"""Draw digits from one-hot codes corrupted by Gaussian noise, with a net trained on MNIST in reverse.

    python demos/noisy_digits.py [--noise-std 0.2] [--epochs N] [--classifier net.json] [--out DIR]

The generator (a one-hot digit plus noise in, 784 pixels out) is trained on
codes with that noise, so it learns to draw the asked-for digit through it.
Writes DIR/noisy_digits.png: one row per digit, each drawing from a fresh
noisy code. A digit classifier (the two-hidden-layer demo's net) judges the
drawings: "recognised" is the share it reads as the digit asked for.
"""
import os

import generation
import numpy as np

import common

NAME = 'noisy_digits'
PER_DIGIT = 8


def draw(generator, args, rng):
    """``PER_DIGIT`` drawings of each digit, each from its one-hot code plus fresh noise."""
    labels = np.repeat(np.arange(10), PER_DIGIT)
    drawings = generator.feed(generation.codes(labels, args.noise_std, rng))
    return common.digit_grid(drawings.reshape(10, PER_DIGIT, 784), os.path.join(args.out, 'noisy_digits.png'),
                             'Digits drawn from one-hot codes plus Gaussian noise (std {})'.format(args.noise_std),
                             row_labels=[str(d) for d in range(10)])


def main(argv=None):
    return generation.main(argv, __doc__, NAME, noise_std=0.2, draw=draw)


if __name__ == '__main__':
    common.run(main)
