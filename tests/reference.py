"""An independent, deliberately plain re-implementation of the forward pass, the costs, back-propagation and
the update rules.

It follows the textbook formulas one by one, with none of the library's code,
so that tests can check the library's numbers against it. The update rules
are those of PyTorch's documentation of ``torch.optim.SGD`` and
``torch.optim.Adam``, line by line.
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


def derivative(name, z):
    """f'(z), element-wise, for the hidden activations."""
    if name == 'Sigmoid':
        s = activation('Sigmoid', z)
        return s * (1 - s)
    if name == 'Rectifier':
        return (z > 0).astype(z.dtype)
    if name == 'Tanh':
        return 1 - np.tanh(z) ** 2
    if name == 'Identity':
        return np.ones_like(z)
    raise ValueError(name)


def spec(f):
    """The pair (name, settings) of one of the library's activations, which ``activation`` takes."""
    return f.name, f.settings()


def forward(weights, biases, names, X, masks=None):
    """The net's output; ``masks`` (dropout: one array or None per non-output layer) multiply the outputs of
    the layer below before each layer, as a thinned net does."""
    a = X
    for l, (W, b, name) in enumerate(zip(weights, biases, names)):
        if masks is not None and masks[l] is not None:
            a = a * masks[l]
        a = activation(name, a @ W + b)
    return a


def gradient(cost_name, weights, biases, names, X, Y, l2, masks=None):
    """dC/dW and dC/db of every layer (two lists), by the chain rule written out, for cross-entropy on Softmax
    or Sigmoid outputs and the quadratic cost on Identity outputs."""
    n = len(X)
    inputs, zs = [], []
    a = X
    for l, (W, b, name) in enumerate(zip(weights, biases, names)):
        if masks is not None and masks[l] is not None:
            a = a * masks[l]
        inputs.append(a)
        zs.append(a @ W + b)
        a = activation(name, zs[-1])
    if cost_name == 'CrossEntropyCost' or names[-1] == 'Identity':
        delta = (a - Y) / n             # dC/dz for softmax + cross-entropy, sigmoid + cross-entropy, identity + quadratic
    else:
        raise ValueError('no reference gradient for {} on {}'.format(cost_name, names[-1]))
    grad_W, grad_b = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        grad_W[l] = inputs[l].T @ delta + l2 * weights[l]
        grad_b[l] = delta.sum(axis=0)
        if l > 0:
            back = delta @ weights[l].T
            if masks is not None and masks[l] is not None:
                back = back * masks[l]
            delta = back * derivative(names[l - 1], zs[l - 1])
    return grad_W, grad_b


def sgd_step(parameters, gradients, buffers, lr, momentum=0.0, nesterov=False):
    """torch.optim.SGD's documented step (dampening 0, weight decay in the gradient already), for lists of arrays.

    ``buffers`` holds the momentum buffer of each parameter (None before the first step); returns the new
    parameters and buffers.
    """
    new_parameters, new_buffers = [], []
    for theta, g, b in zip(parameters, gradients, buffers):
        if momentum != 0:
            b = g.copy() if b is None else momentum * b + g
            g = g + momentum * b if nesterov else b
        new_parameters.append(theta - lr * g)
        new_buffers.append(b)
    return new_parameters, new_buffers


def adam_step(parameters, gradients, moments, t, lr, betas=(0.9, 0.999), eps=1e-8, amsgrad=False, weight_decay=0.0):
    """torch.optim.Adam's documented step at step t (from 1), or AdamW's with ``weight_decay`` (decoupled:
    theta <- theta (1 - lr weight_decay) first); ``moments`` holds (m, v) per parameter, or (m, v, v_max) with
    ``amsgrad``. Returns the new parameters and moments."""
    beta1, beta2 = betas
    new_parameters, new_moments = [], []
    for theta, g, state in zip(parameters, gradients, moments):
        theta = theta * (1 - lr * weight_decay)
        m, v = state[0], state[1]
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        if amsgrad:
            v_max = np.maximum(state[2], v)
            new_moments.append((m, v, v_max))
        else:
            v_max = v
            new_moments.append((m, v))
        m_hat = m / (1 - beta1 ** t)
        v_hat = v_max / (1 - beta2 ** t)
        new_parameters.append(theta - lr * m_hat / (np.sqrt(v_hat) + eps))
    return new_parameters, new_moments


def rmsprop_step(parameters, gradients, states, lr, alpha=0.99, eps=1e-8, momentum=0.0, centered=False):
    """torch.optim.RMSprop's documented step; ``states`` holds (v, a, b) per parameter: the mean square, the mean
    gradient and the momentum buffer, each 0 at first. Returns the new parameters and states."""
    new_parameters, new_states = [], []
    for theta, g, (v, a, b) in zip(parameters, gradients, states):
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            a = alpha * a + (1 - alpha) * g
            denominator = np.sqrt(v - a * a) + eps
        else:
            denominator = np.sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / denominator
            theta = theta - lr * b
        else:
            theta = theta - lr * g / denominator
        new_parameters.append(theta)
        new_states.append((v, a, b))
    return new_parameters, new_states


def adagrad_step(parameters, gradients, sums, t, lr, lr_decay=0.0, eps=1e-10):
    """torch.optim.Adagrad's documented step at step t (from 1); ``sums`` holds the sum of squared gradients of each
    parameter (from its initial_accumulator_value). Returns the new parameters and sums."""
    step_size = lr / (1 + (t - 1) * lr_decay)
    new_parameters, new_sums = [], []
    for theta, g, s in zip(parameters, gradients, sums):
        s = s + g * g
        new_parameters.append(theta - step_size * g / (np.sqrt(s) + eps))
        new_sums.append(s)
    return new_parameters, new_sums


def cost(cost_name, weights, biases, names, X, Y, l2, masks=None, sample_weights=None):
    """The mean loss plus (l2 / 2) sum W^2; with ``sample_weights`` w (n,), scikit-learn's MLP's weighted cost with
    alpha = l2 n: (1 / sum w) (sum_i w_i loss_i + (l2 n / 2) sum W^2)."""
    a = forward(weights, biases, names, X, masks)
    if cost_name == 'QuadraticCost':
        per_example = 0.5 * ((a - Y) ** 2).sum(axis=1)
    elif names[-1] == 'Softmax' or names[-1] == ('Softmax', {}):
        per_example = -(Y * np.log(a)).sum(axis=1)
    else:
        per_example = -(Y * np.log(a) + (1 - Y) * np.log(1 - a)).sum(axis=1)
    squares = sum((W ** 2).sum() for W in weights)
    if sample_weights is not None:
        return (np.dot(sample_weights, per_example) + 0.5 * l2 * len(X) * squares) / np.sum(sample_weights)
    return per_example.mean() + 0.5 * l2 * squares


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
