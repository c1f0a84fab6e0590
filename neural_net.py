"""Feed-forward neural nets: layers, the forward pass, back-propagation, saving and restoring.

Notation (rows are examples; a batch holds n examples)::

    a^0 = X                                   (n, sizes[0])
    z^l = a^(l-1) W^l + b^l                   (n, sizes[l]),  W^l: (sizes[l-1], sizes[l]),  b^l: (sizes[l],)
    a^l = f^l(z^l)                            f^l: the activation of layer l
    output = a^L

Back-propagation takes delta^L = dC/dz^L from the cost and runs::

    dC/dW^l = (a^(l-1))^T delta^l             dC/db^l = sum over examples of delta^l
    delta^(l-1) = f'^(l-1) applied to (delta^l (W^l)^T)      (the activation's ``backward``)

All parameters live in one flat array (weights of every layer first, then
biases), and ``weights()`` and ``biases()`` are views into it; an update rule
changes every parameter with one NumPy call. The same holds for gradients.
"""
import json
import math
import os
import tempfile

import numpy as np

from activation_functions import Sigmoid, check_activation
from data_source import check_positive_int

#: The ``format`` field of a model file.
MODEL_FORMAT = 'feedforward-neural-net'
#: The newest ``version`` of the model file that ``save`` writes.
MODEL_VERSION = 1

# Initial biases of Sigmoid and Tanh units are spread uniformly over (-r, r): where the unit responds.
_BIAS_RANGE = {'Sigmoid': 4.0, 'Tanh': 2.0}

# Rows fed through the net at once when evaluating a large data set: bounds memory.
EVALUATION_CHUNK = 4096


class ModelFileError(ValueError):
    """A model file cannot be read: it is not JSON, or not a net this library wrote."""


class Layer:
    """One layer: ``weights`` (inputs, units), ``biases`` (units,) and its ``activation`` class.

    ``weights`` and ``biases`` are views into the net's parameter array.
    """

    def __init__(self, weights, biases, activation):
        self.weights = weights
        self.biases = biases
        self.activation = activation

    @property
    def size(self):
        """The number of units."""
        return self.biases.shape[0]

    def __repr__(self):
        return 'Layer({} -> {}, {})'.format(self.weights.shape[0], self.weights.shape[1], self.activation.name)


class _Workspace:
    """Buffers for one batch size, reused across steps so the hot path allocates nothing.

    ``a[l]`` holds z^l and then, in place, a^l for the hidden layers; the
    output layer keeps ``z_out`` and ``a[L]`` apart, since the costs need
    z^L. ``delta[l]`` holds delta^l. ``ones`` (n,) turns the bias
    gradient's sum over examples into a matrix-vector product.
    """

    def __init__(self, sizes, n, dtype):
        self.a = [None] + [np.empty((n, size), dtype) for size in sizes[1:]]
        self.z_out = np.empty((n, sizes[-1]), dtype)
        self.delta = [None] + [np.empty((n, size), dtype) for size in sizes[1:]]
        self.ones = np.ones(n, dtype)


class NeuralNet:
    """A feed-forward net of fully connected layers.

    Build one with ``NetFactory.create_neural_net``; parameters start at zero
    until ``randomize_parameters`` is called.
    """

    def __init__(self, sizes, activations, dtype=np.float64):
        self._sizes = _check_sizes(sizes)
        if len(activations) != len(self._sizes) - 1:
            raise ValueError('expected one activation per non-input layer ({}), got {}'.format(
                len(self._sizes) - 1, len(activations)))
        self._activations = [check_activation(a) for a in activations]
        self._dtype = _check_dtype(dtype)
        shapes = list(zip(self._sizes[:-1], self._sizes[1:]))
        self._n_weights = sum(i * o for i, o in shapes)
        n_parameters = self._n_weights + sum(self._sizes[1:])
        self._parameters = np.zeros(n_parameters, self._dtype)
        self._gradient = np.zeros(n_parameters, self._dtype)
        self._weights = _views(self._parameters, shapes, 0)
        self._biases = _views(self._parameters, [(o,) for o in self._sizes[1:]], self._n_weights)
        self._nabla_w = _views(self._gradient, shapes, 0)
        self._nabla_b = _views(self._gradient, [(o,) for o in self._sizes[1:]], self._n_weights)
        self._layers = [Layer(w, b, f) for w, b, f in zip(self._weights, self._biases, self._activations)]
        self._workspaces = {}

    # ----- what the net is -------------------------------------------------

    def layer_sizes(self):
        """The number of units of every layer, input layer first."""
        return list(self._sizes)

    def layers(self):
        """The ``Layer`` objects, first hidden layer first (the input layer has none)."""
        return list(self._layers)

    def weights(self):
        """The live weight matrices, each of shape (inputs, units): edits change the net."""
        return list(self._weights)

    def biases(self):
        """The live bias vectors, each of shape (units,): edits change the net."""
        return list(self._biases)

    def activations(self):
        """The activation class of every non-input layer."""
        return list(self._activations)

    def parameters(self):
        """Every parameter in one live 1-d array: all weights (layer by layer, row-major), then all biases."""
        return self._parameters

    def number_of_weights(self):
        """How many of ``parameters()`` are weights (they come first)."""
        return self._n_weights

    @property
    def dtype(self):
        """The floating dtype of the parameters and of every computation."""
        return self._dtype

    def __repr__(self):
        return 'NeuralNet({}, {}, dtype={})'.format(
            self._sizes, [f.name for f in self._activations], self._dtype.name)

    # ----- parameters --------------------------------------------------------

    def randomize_parameters(self, seed=None):
        """Draw fresh parameters; ``seed`` (int, ``numpy.random.Generator`` or None) makes them repeatable.

        Hidden layers: weights into a layer of ``n_in`` inputs are drawn from
        N(0, 1/n_in), or N(0, 2/n_in) for Rectifier layers (He et al., 2015),
        so that pre-activations start with about unit spread; these random
        weights break the symmetry between units. Sigmoid and Tanh units draw
        their biases uniformly over the range in which they respond, [-4, 4]
        for Sigmoid and [-2, 2] for Tanh (sigma(4) = 0.982): each unit's
        transition sits at a different place, so the layer starts as a varied
        basis of functions rather than every unit switching at the origin.
        Rectifier biases start at 0.1, so that their units start active;
        others at 0.

        The output layer of a net with hidden layers starts with zero weights
        and the biases above (Rectifier 0.1, others 0): every output starts
        at f(bias) whatever the input (a uniform Softmax, a Rectifier active
        for every example), and the first steps fit the output weights to
        the random hidden features. A net without hidden layers draws its
        only layer like a hidden one.
        """
        rng = np.random.default_rng(seed)
        last = len(self._layers) - 1
        for l, (layer, n_in) in enumerate(zip(self._layers, self._sizes[:-1])):
            name = layer.activation.name
            if l == last and last > 0:
                layer.weights[...] = 0.0
                layer.biases[...] = 0.1 if name == 'Rectifier' else 0.0
                continue
            gain = 2.0 if name == 'Rectifier' else 1.0
            layer.weights[...] = rng.standard_normal(layer.weights.shape) * math.sqrt(gain / n_in)
            if name in _BIAS_RANGE:
                layer.biases[...] = rng.uniform(-_BIAS_RANGE[name], _BIAS_RANGE[name], layer.biases.shape)
            else:
                layer.biases[...] = 0.1 if name == 'Rectifier' else 0.0

    # ----- the forward pass --------------------------------------------------

    def feed(self, x):
        """The net's output for ``x``.

        ``x`` of shape ``(n_inputs,)`` gives shape ``(n_outputs,)``; a batch of
        shape ``(n, n_inputs)`` gives ``(n, n_outputs)``. Returns a new array.
        """
        X = self.check_inputs(x, 'x')
        output = np.empty((X.shape[0], self._sizes[-1]), self._dtype)
        for rows, _, a_out in self.forward_chunks(X):
            output[rows] = a_out
        return output[0] if np.ndim(x) == 1 else output

    def forward_chunks(self, X, chunk=EVALUATION_CHUNK):
        """Feed ``X`` (n, n_inputs) through the net a chunk of rows at a time.

        Yields ``(rows, z_out, a_out)``: the slice of rows, and the output
        layer's pre-activation and activation for them (arrays that the next
        chunk overwrites). Memory stays bounded however large ``X`` is.
        """
        for start in range(0, X.shape[0], chunk):
            rows = slice(start, min(start + chunk, X.shape[0]))
            workspace = self.forward(X[rows])
            yield rows, workspace.z_out, workspace.a[-1]

    def forward(self, X):
        """The forward pass over a batch ``X`` of shape (n, n_inputs), in the net's dtype.

        Returns the workspace that holds every layer's activation (``a``) and
        the output pre-activation (``z_out``), as back-propagation needs them.
        """
        workspace = self._workspace(X.shape[0])
        a_prev = X
        last = len(self._layers) - 1
        for l, layer in enumerate(self._layers):
            z = workspace.z_out if l == last else workspace.a[l + 1]
            # z^l = a^(l-1) W^l + b^l. np.dot has a smaller fixed cost per call than np.matmul
            # (the same BLAS product for large matrices), which small nets feel.
            np.dot(a_prev, layer.weights, out=z)
            z += layer.biases
            a_prev = layer.activation.activation(z, out=workspace.a[l + 1])
        return workspace

    def _workspace(self, n):
        workspace = self._workspaces.get(n)
        if workspace is None:
            if len(self._workspaces) >= 4:
                # A training run uses two batch sizes (full and last); evaluation a few more.
                self._workspaces.pop(next(iter(self._workspaces)))
            workspace = self._workspaces[n] = _Workspace(self._sizes, n, self._dtype)
        return workspace

    # ----- back-propagation --------------------------------------------------

    def backward(self, workspace, X):
        """Back-propagate ``workspace.delta[L]`` = dC/dz^L through the batch that ``forward(X)`` fed.

        Fills the gradient array (see ``gradient``) with dC/dW^l and dC/db^l of
        every layer; no gradient with respect to ``X`` is formed.
        """
        self.backpropagate(workspace)
        self.layer_gradients(workspace, X)

    def backpropagate(self, workspace):
        """The error terms of the hidden layers: ``workspace.delta[l]`` for l = L-1 .. 1, from ``delta[L]``.

        They need the weights only, not the gradients, so an update rule may
        change each layer's parameters as soon as its gradient is formed.
        """
        layers = self._layers
        for l in range(len(layers), 1, -1):
            # delta^(l-1) = f'^(l-1) applied to (delta^l (W^l)^T)
            below = workspace.delta[l - 1]
            np.dot(workspace.delta[l], layers[l - 1].weights.T, out=below)
            layers[l - 2].activation.backward(workspace.a[l - 1], below, out=below)

    def layer_gradients(self, workspace, X):
        """dC/dW^l and dC/db^l of every layer, into the gradient array, once ``backpropagate`` has run."""
        for l in range(len(self._layers), 0, -1):
            self.layer_gradient(l, workspace, X)

    def layer_gradient(self, l, workspace, X):
        """dC/dW^l and dC/db^l (layer ``l``, counted from 1) from ``delta[l]``, into the gradient array.

        Returns the two views of the gradient array that now hold them.
        ``backpropagate`` must have filled ``delta[l]`` first.
        """
        delta = workspace.delta[l]
        a_prev = X if l == 1 else workspace.a[l - 1]
        # dC/dW^l = (a^(l-1))^T delta^l
        np.dot(a_prev.T, delta, out=self._nabla_w[l - 1])
        # dC/db^l = 1^T delta^l: a BLAS matrix-vector product, faster than np.sum(axis=0)
        np.dot(workspace.ones, delta, out=self._nabla_b[l - 1])
        return self._nabla_w[l - 1], self._nabla_b[l - 1]

    def gradient(self):
        """The live flat gradient array, laid out as ``parameters()``; the last back-propagation's result."""
        return self._gradient

    def nabla_w(self):
        """Views of the gradient array for each weight matrix."""
        return list(self._nabla_w)

    def nabla_b(self):
        """Views of the gradient array for each bias vector."""
        return list(self._nabla_b)

    # ----- input checks ------------------------------------------------------

    def check_inputs(self, x, name='X'):
        """``x`` (n_inputs,) or (n, n_inputs) as a 2-d array of the net's dtype; raises on a bad width, NaN or inf."""
        X = np.asarray(x)
        if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool) \
                or np.issubdtype(X.dtype, np.complexfloating):
            raise TypeError('expected {} to hold real numbers, got dtype {}'.format(name, X.dtype))
        if X.ndim == 1:
            X = X[np.newaxis, :]
        if X.ndim != 2 or X.shape[1] != self._sizes[0]:
            raise ValueError('expected {} of shape ({n},) or (n, {n}) for a net with {n} inputs, got shape {}'.format(
                name, np.shape(x), n=self._sizes[0]))
        X = np.ascontiguousarray(X, dtype=self._dtype)
        if not np.isfinite(X).all():
            raise ValueError('expected finite numbers in {}, got NaN or infinity'.format(name))
        return X

    # ----- save and restore --------------------------------------------------

    def to_dict(self):
        """The net as the JSON-ready dictionary that ``save`` writes (see the README for its fields)."""
        return {
            'format': MODEL_FORMAT,
            'version': MODEL_VERSION,
            'dtype': self._dtype.name,
            'layer_sizes': list(self._sizes),
            'activations': [f.name for f in self._activations],
            'weights': [w.tolist() for w in self._weights],
            'biases': [b.tolist() for b in self._biases],
        }

    def save(self, path):
        """Write the net to ``path`` as JSON, atomically: the file is either the old one or the new one.

        The text goes to a temporary file in the same folder, is flushed and
        synced to disk, and then renamed over ``path``.
        """
        write_json_atomically(path, self.to_dict())

    @classmethod
    def create_from_file(cls, path, max_parameters=None, max_bytes=None):
        """Restore a net that ``save`` wrote.

        Everything is checked before anything is built; any problem raises
        ``ModelFileError`` (a ``ValueError``) naming the file and the problem,
        and a missing file raises ``FileNotFoundError``. ``max_parameters``
        and ``max_bytes`` bound what a file may ask for (see ``model_file``).
        """
        import model_file
        return model_file.load_net(path, max_parameters=max_parameters, max_bytes=max_bytes)

    @classmethod
    def from_dict(cls, data, source='<dict>', max_parameters=None):
        """A net from the dictionary ``to_dict`` makes; checked as ``create_from_file`` checks a file."""
        import model_file
        return model_file.net_from_dict(data, source=source, max_parameters=max_parameters)


class NetFactory:
    """Builds nets."""

    @staticmethod
    def create_neural_net(sizes, hidden_layer_activation=Sigmoid, output_layer_activation=Sigmoid,
                          dtype=np.float64):
        """A net with ``sizes[0]`` inputs, hidden layers of ``sizes[1:-1]`` units and ``sizes[-1]`` outputs.

        ``sizes``: at least two positive integers. The activations are
        classes from ``activation_functions``. ``dtype`` is float64 or
        float32. Parameters are zero until ``randomize_parameters()``.
        """
        sizes = _check_sizes(sizes)
        hidden = check_activation(hidden_layer_activation, 'hidden_layer_activation')
        output = check_activation(output_layer_activation, 'output_layer_activation')
        return NeuralNet(sizes, [hidden] * (len(sizes) - 2) + [output], dtype)


def write_json_atomically(path, data):
    """Write ``data`` as JSON to ``path`` through a synced temporary file renamed into place."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(handle, 'w', encoding='utf-8') as stream:
            json.dump(data, stream, allow_nan=False, separators=(',', ':'))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    try:
        directory = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)


def _views(flat, shapes, offset):
    views = []
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[offset:offset + size].reshape(shape))
        offset += size
    return views


def _check_sizes(sizes):
    try:
        sizes = list(sizes)
    except TypeError:
        raise TypeError('expected sizes as a list of layer sizes such as [784, 30, 10], got {!r}'.format(
            sizes)) from None
    if len(sizes) < 2:
        raise ValueError('expected at least two layer sizes (inputs and outputs), got {}'.format(sizes))
    return [check_positive_int(size, 'every layer size') for size in sizes]


def _check_dtype(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError('expected dtype float32 or float64, got {!r}'.format(dtype)) from None
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError('expected dtype float32 or float64, got {}'.format(dtype))
    return dtype
