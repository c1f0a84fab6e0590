import os

import numpy as np
from behave import given, then, when

from activation_functions import ACTIVATIONS, Rectifier, Sigmoid
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
from gradient_descent import StochasticGradientDescent
from neural_net import NetFactory

_MNIST = {}


def mnist(context):
    """The real MNIST splits, read once per behave run; the scenario is skipped without them."""
    import feedforward_mnist
    folder = os.environ.get('MNIST_DIR')
    if not folder or not feedforward_mnist.files_present(folder):
        context.scenario.skip('MNIST_DIR does not point at the four MNIST files')
        return None
    if folder not in _MNIST:
        _MNIST[folder] = feedforward_mnist.load_mnist(folder, download=False)
    return _MNIST[folder]


@given('the MNIST training and test sets')
def step_mnist(context):
    splits = mnist(context)
    if splits is not None:
        context.training, context.test = splits


@given('a float32 net of sizes {sizes} with {hidden} hidden units and a {output} output')
def step_float32_net(context, sizes, hidden, output):
    sizes = [int(s) for s in sizes.split(',')]
    context.net = NetFactory.create_neural_net(sizes, ACTIVATIONS[hidden], ACTIVATIONS[output], dtype=np.float32)
    context.net.randomize_parameters(seed=1)


@when('it learns from the MNIST training set for {epochs:d} epochs in mini-batches of {batch:d}, '
      'learning rate {rate:g}')
def step_learn_mnist(context, epochs, batch, rate):
    trainer = StochasticGradientDescent(context.net, context.cost, rate, batch_size=batch, seed=2)
    for _ in range(epochs):
        trainer.training_epoch(context.training.source)


def read(net, images):
    """The digit a classifier reads in each row of ``images`` (n, 784)."""
    return net.feed(images).argmax(axis=1)


@then('it reads at least {percent:d}% of the MNIST test digits correctly')
def step_reads(context, percent):
    accuracy = 100 * np.mean(read(context.net, context.test.images) == context.test.labels)
    assert accuracy >= percent, 'read {:.2f}% of the test digits correctly'.format(accuracy)


def noisy_codes(labels, std, rng):
    return (np.eye(10)[labels] + std * rng.standard_normal((len(labels), 10))).astype(np.float32)


@when('a 10-100-300-784 generator learns to draw each training image from its one-hot code plus noise of std '
      '{std:g} for {epochs:d} epochs')
def step_generator(context, std, epochs):
    context.reader = context.net
    generator = NetFactory.create_neural_net([10, 100, 300, 784], Rectifier, Sigmoid, dtype=np.float32)
    generator.randomize_parameters(seed=3)
    rng = np.random.default_rng(4)
    pairs = PreloadSource((noisy_codes(context.training.labels, std, rng), context.training.images))
    trainer = StochasticGradientDescent(generator, CrossEntropyCost(generator), 0.1, batch_size=50, seed=5)
    for _ in range(epochs):
        trainer.training_epoch(pairs)
    context.generator = generator


@then('the reader recognises all ten digits drawn from clean one-hot codes')
def step_clean(context):
    drawings = context.generator.feed(np.eye(10, dtype=np.float32))
    assert drawings.shape == (10, 784) and drawings.min() >= 0 and drawings.max() <= 1
    np.testing.assert_array_equal(read(context.reader, drawings), np.arange(10))


@then('the reader recognises at least {percent:d}% of {n:d} digits drawn from one-hot codes plus noise of std '
      '{std:g}')
def step_noisy(context, percent, n, std):
    labels = np.arange(n) % 10
    drawings = context.generator.feed(noisy_codes(labels, std, np.random.default_rng(6)))
    share = 100 * np.mean(read(context.reader, drawings) == labels)
    assert share >= percent, 'the reader recognised {:.1f}% of the drawings'.format(share)
