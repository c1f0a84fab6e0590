"""An independent, deliberately plain re-implementation of the forward pass and the costs.

It follows the textbook formulas one by one, with none of the library's code,
so that tests can check the library's numbers against it.
"""
import numpy as np


def activation(name, z, settings=None):
    """f(z) for the activation ``name``; ``name`` may also be a pair (name, settings), as ``spec`` makes it."""
    if isinstance(name, tuple):
        name, settings = name
    settings = settings or {}
    if name == 'LeakyRectifier':
        return np.where(z > 0, z, settings.get('slope', 0.01) * z)
    if name == 'Softplus':
        return np.log(1.0 + np.exp(z))
    if name == 'Swish':
        return z / (1.0 + np.exp(-z))
    if name == 'Sigmoid':
        return 1.0 / (1.0 + np.exp(-z))
    if name == 'Rectifier':
        return np.where(z > 0, z, 0.0)
    if name == 'Tanh':
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    if name == 'Identity':
        return z
    if name == 'Softmax':
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(name)


def spec(f):
    """The pair (name, settings) of one of the library's activations, which ``activation`` takes."""
    return f.name, f.settings()


def forward(weights, biases, names, X):
    a = X
    for W, b, name in zip(weights, biases, names):
        a = activation(name, a @ W + b)
    return a


def cost(cost_name, weights, biases, names, X, Y, l2):
    a = forward(weights, biases, names, X)
    if cost_name == 'QuadraticCost':
        per_example = 0.5 * ((a - Y) ** 2).sum(axis=1)
    elif names[-1] == 'Softmax' or names[-1] == ('Softmax', {}):
        per_example = -(Y * np.log(a)).sum(axis=1)
    else:
        per_example = -(Y * np.log(a) + (1 - Y) * np.log(1 - a)).sum(axis=1)
    return per_example.mean() + 0.5 * l2 * sum((W ** 2).sum() for W in weights)


def numerical_gradient(function, parameters, epsilon=1e-6):
    """Central differences of ``function()`` with respect to each element of the 1-d array ``parameters``."""
    gradient = np.zeros_like(parameters)
    for i in range(parameters.size):
        kept = parameters[i]
        parameters[i] = kept + epsilon
        above = function()
        parameters[i] = kept - epsilon
        below = function()
        parameters[i] = kept
        gradient[i] = (above - below) / (2 * epsilon)
    return gradient


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)
