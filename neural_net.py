"""Feed-forward neural nets: layers, the forward pass, back-propagation, saving and restoring.

Notation (rows are examples; a batch holds n examples)::

    a^0 = X                                   (n, sizes[0])
    z^l = a^(l-1) W^l + b^l                   (n, sizes[l]),  W^l: (sizes[l-1], sizes[l]),  b^l: (sizes[l],)
    a^l = f^l(z^l)                            f^l: the activation of layer l
    output = a^L

Back-propagation takes delta^L = dC/dz^L from the cost and runs::

    dC/dW^l = (a^(l-1))^T delta^l             dC/db^l = sum over examples of delta^l
    delta^(l-1) = f'^(l-1) applied to (delta^l (W^l)^T)      (the activation's ``backward``)

All parameters live in one flat array, layer after layer (each layer's
weights, row-major, then its biases), and ``weights()`` and ``biases()`` are
views into it, so that each layer's parameters are one slice of it. Gradients
are laid out the same way. Back-propagation hands each layer to an
``on_layer`` hook as soon as its gradient is formed, so that an update rule
can change that layer while its gradient is still in the cache.

Dropout (for training steps only) thins the net with a mask per non-output
layer: ``m^l`` (n, sizes[l]) holds 0 for a dropped unit and 1/(1 - p) for a
kept one (inverted dropout), and the next layer sees the thinned activation::

    z^(l+1) = (a^l * m^l) W^(l+1) + b^(l+1)          (* element-wise; a^0 = X)
    dC/dW^(l+1) = (a^l * m^l)^T delta^(l+1)
    delta^l = f'^l applied to ((delta^(l+1) (W^(l+1))^T) * m^l)

The library's other modules use the net's underscored members: ``_forward``,
``_backward``, ``_forward_chunks``, ``_check_inputs``, ``_slices``,
``_nabla_w`` and ``_nabla_b``.
"""
import math

import numpy as np

from activation_functions import Sigmoid, activation_label, check_activation, check_output_layer
from data_source import checked_matrix
from feedforward_checks import check_float_dtype, check_positive_int, random_generator
from feedforward_model_file import (AssumedActivationsWarning, ModelFileError, check_model, model_dict, read_model,
                                    write_json_atomically)

__all__ = ['NeuralNet', 'NetFactory', 'Layer', 'ModelFileError', 'AssumedActivationsWarning', 'EVALUATION_CHUNK']

#: Rows fed through the net at once when evaluating a large data set: bounds memory.
EVALUATION_CHUNK = 4096


class Layer:
    """One layer: ``weights`` (inputs, units), ``biases`` (units,) and its ``activation``.

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
        return 'Layer({} -> {}, {})'.format(self.weights.shape[0], self.weights.shape[1],
                                            activation_label(self.activation))


class _Workspace:
    """Buffers for one batch size, reused across steps so the hot path allocates nothing.

    ``z[l]`` is where z^l is computed, and ``a[l]`` holds a^l. A hidden layer
    whose activation reads a alone (``needs_z`` False) computes a^l in place
    over z^l: its ``z[l]`` is ``a[l]``, and ``kept_z[l]`` is None. A hidden
    layer whose activation needs z keeps it in a buffer of its own, which is
    ``kept_z[l]``. The output layer always keeps z^L apart (``z_out``), since
    the costs need it. ``delta[l]`` holds delta^l. ``ones`` (n,) turns the
    bias gradient's sum over examples into a matrix-vector product.
    ``thinned(l)`` is the buffer of a^l * m^l under dropout, made on first use.
    """

    def __init__(self, sizes, activations, n, dtype):
        self.a = [None] + [np.empty((n, size), dtype) for size in sizes[1:]]
        self.z_out = np.empty((n, sizes[-1]), dtype)
        self.kept_z = [None] + [np.empty((n, size), dtype) if f.needs_z else None
                                for size, f in zip(sizes[1:-1], activations[:-1])] + [self.z_out]
        self.z = [a if z is None else z for a, z in zip(self.a, self.kept_z)]
        self.delta = [None] + [np.empty((n, size), dtype) for size in sizes[1:]]
        self.ones = np.ones(n, dtype)
        self._thinned = [None] * (len(sizes) - 1)
        self._shape = (n, sizes, dtype)

    def thinned(self, l):
        if self._thinned[l] is None:
            n, sizes, dtype = self._shape
            self._thinned[l] = np.empty((n, sizes[l]), dtype)
        return self._thinned[l]


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
        check_output_layer(self._activations[-1], self._sizes[-1])
        self._dtype = check_float_dtype(dtype)
        shapes = list(zip(self._sizes[:-1], self._sizes[1:]))
        #: Where each layer's parameters (weights, then biases) lie in the flat arrays.
        self._slices = []
        for n_in, n_out in shapes:
            start = self._slices[-1].stop if self._slices else 0
            self._slices.append(slice(start, start + n_in * n_out + n_out))
        self._parameters = np.zeros(self._slices[-1].stop, self._dtype)
        self._gradient = np.zeros(self._slices[-1].stop, self._dtype)
        self._weights, self._biases = self._layer_views(self._parameters)
        self._nabla_w, self._nabla_b = self._layer_views(self._gradient)
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
        """A tuple of the live weight matrices, each of shape (inputs, units): edits in place change the net.

        It is a tuple so that ``net.weights()[0] = W``, which could not change
        the net, fails loudly; write ``net.weights()[0][...] = W`` instead.
        """
        return tuple(self._weights)

    def biases(self):
        """A tuple of the live bias vectors, each of shape (units,): edits in place change the net."""
        return tuple(self._biases)

    def activations(self):
        """The activation of every non-input layer: the class for the five original functions (``Sigmoid``, ...),
        an instance for the others (``LeakyRectifier(slope=0.01)``)."""
        return list(self._activations)

    def parameters(self):
        """Every parameter in one live 1-d array, layer after layer: each layer's weights (row-major), then its biases.

        ``cost.gradient(X, Y)`` returns gradients laid out the same way.
        """
        return self._parameters

    def _layer_views(self, flat):
        """Views of ``flat`` (laid out as ``parameters()``): the list of weight matrices and that of bias vectors."""
        weights, biases = [], []
        for (n_in, n_out), where in zip(zip(self._sizes[:-1], self._sizes[1:]), self._slices):
            layer = flat[where]
            weights.append(layer[:n_in * n_out].reshape(n_in, n_out))
            biases.append(layer[n_in * n_out:])
        return weights, biases

    @property
    def dtype(self):
        """The floating dtype of the parameters and of every computation."""
        return self._dtype

    def __repr__(self):
        return 'NeuralNet({}, {}, dtype={})'.format(
            self._sizes, [activation_label(f) for f in self._activations], self._dtype.name)

    # ----- parameters --------------------------------------------------------

    def randomize_parameters(self, seed=None):
        """Draw fresh parameters; ``seed`` (int, ``numpy.random.Generator`` or None) makes them repeatable.

        Each activation says how its layer starts (see ``Activation``):

        * hidden layers: weights into a layer of ``n_in`` inputs are drawn
          from N(0, g/n_in), where g is the activation's ``weight_gain``: 1
          for Sigmoid, Tanh, Identity and Softmax, 2 for Rectifier (He et al.,
          2015), 2 / (1 + slope^2) for LeakyRectifier, 1.0855 for Softplus
          and 2.8108 for Swish (for the last three, 1 / E[f(z)^2] with
          z ~ N(0, 1)), so that pre-activations start with about unit spread;
          these random weights break the symmetry between units. Sigmoid and
          Tanh units draw their biases uniformly over the range in which they
          respond (``bias_spread``), [-4, 4] for Sigmoid and [-2, 2] for Tanh
          (sigma(4) = 0.982): each unit's transition sits at a different
          place, so the layer starts as a varied basis of functions rather
          than every unit switching at the origin. Rectifier biases start at
          0.1, so that their units start active; others at 0
          (``initial_bias``).
        * The output layer of a net with hidden layers starts with zero
          weights and its ``initial_bias`` (Rectifier 0.1, others 0): every
          output starts at f(bias) whatever the input (a uniform Softmax, a
          Rectifier active for every example), and the first steps fit the
          output weights to the random hidden features. A net without hidden
          layers draws its only layer like a hidden one.
        """
        rng = random_generator(seed)
        last = len(self._layers) - 1
        for l, (layer, n_in) in enumerate(zip(self._layers, self._sizes[:-1])):
            f = layer.activation
            if l == last and last > 0:
                layer.weights[...] = 0.0
                layer.biases[...] = f.initial_bias
                continue
            layer.weights[...] = rng.standard_normal(layer.weights.shape) * math.sqrt(f.weight_gain / n_in)
            if f.bias_spread > 0:
                layer.biases[...] = rng.uniform(-f.bias_spread, f.bias_spread, layer.biases.shape)
            else:
                layer.biases[...] = f.initial_bias

    # ----- the forward pass --------------------------------------------------

    def feed(self, x):
        """The net's output for ``x``.

        ``x`` of shape ``(n_inputs,)`` gives shape ``(n_outputs,)``; a batch of
        shape ``(n, n_inputs)`` gives ``(n, n_outputs)``. Returns a new array.
        """
        X = self._check_inputs(x, 'x')
        output = np.empty((X.shape[0], self._sizes[-1]), self._dtype)
        for rows, _, a_out in self._forward_chunks(X):
            output[rows] = a_out
        return output[0] if np.ndim(x) == 1 else output

    def _forward_chunks(self, X, chunk=EVALUATION_CHUNK):
        """Feed ``X`` (n, n_inputs) through the net a chunk of rows at a time.

        Yields ``(rows, z_out, a_out)``: the slice of rows, and the output
        layer's pre-activation and activation for them (arrays that the next
        chunk overwrites). Memory stays bounded however large ``X`` is.
        """
        for start in range(0, X.shape[0], chunk):
            rows = slice(start, min(start + chunk, X.shape[0]))
            workspace = self._forward(X[rows])
            yield rows, workspace.z_out, workspace.a[-1]

    def _forward(self, X, masks=None):
        """The forward pass over a batch ``X`` of shape (n, n_inputs), a contiguous array of the net's dtype.

        Returns the workspace that holds every layer's activation (``a``) and
        the output pre-activation (``z_out``), as back-propagation needs them.
        ``masks``, for a training step with dropout, holds a mask m^l (n,
        sizes[l]) or None for each non-output layer l (the input layer is 0):
        the layer above then sees a^l * m^l (see the module docstring).
        """
        workspace = self._workspace(X.shape[0])
        a_prev = X
        for l, (layer, z, a) in enumerate(zip(self._layers, workspace.z[1:], workspace.a[1:])):
            if masks is not None and masks[l] is not None:
                a_prev = np.multiply(a_prev, masks[l], out=workspace.thinned(l))
            # z^l = a^(l-1) W^l + b^l. np.dot has a smaller fixed cost per call than np.matmul
            # (the same BLAS product for large matrices), which small nets feel.
            np.dot(a_prev, layer.weights, out=z)
            z += layer.biases
            a_prev = layer.activation.activation(z, out=a)
        return workspace

    def _workspace(self, n):
        workspace = self._workspaces.get(n)
        if workspace is None:
            if len(self._workspaces) >= 4:
                # A training run uses two batch sizes (full and last); evaluation a few more.
                self._workspaces.pop(next(iter(self._workspaces)))
            workspace = self._workspaces[n] = _Workspace(self._sizes, self._activations, n, self._dtype)
        return workspace

    # ----- back-propagation --------------------------------------------------

    def _backward(self, workspace, X, on_layer=None, masks=None):
        """Back-propagate ``workspace.delta[L]`` = dC/dz^L through the batch that ``_forward(X, masks)`` fed.

        Fills the flat gradient array with dC/dW^l and dC/db^l of every
        layer and returns it; no gradient with respect to ``X`` is formed.
        ``on_layer(i)`` is called for each layer (i from L - 1 down to 0)
        once its gradient is formed and delta^(l-1) no longer needs its
        weights: a hook may change that layer's parameters there.
        ``masks`` must be those the forward pass used.
        """
        layers = self._layers
        for l in range(len(layers), 0, -1):
            delta = workspace.delta[l]
            mask = masks[l - 1] if masks is not None else None
            if mask is not None:
                a_prev = workspace.thinned(l - 1)
            else:
                a_prev = X if l == 1 else workspace.a[l - 1]
            # dC/dW^l = (a^(l-1) * m^(l-1))^T delta^l  (no mask: m = 1). np.matmul hands the transpose to the
            # BLAS as a flag: np.dot took up to 1.2 times as long here, and 1.5 times for delta W^T below
            # (benchmarks/product_calls.py).
            np.matmul(a_prev.T, delta, out=self._nabla_w[l - 1])
            # dC/db^l = 1^T delta^l: a BLAS matrix-vector product, faster than np.sum(axis=0)
            np.dot(workspace.ones, delta, out=self._nabla_b[l - 1])
            if l > 1:
                # delta^(l-1) = f'^(l-1) applied to (delta^l (W^l)^T * m^(l-1))
                below = workspace.delta[l - 1]
                np.matmul(delta, layers[l - 1].weights.T, out=below)
                if mask is not None:
                    below *= mask
                layers[l - 2].activation.backward(workspace.a[l - 1], below, out=below, z=workspace.kept_z[l - 1])
            if on_layer is not None:
                on_layer(l - 1)
        return self._gradient

    # ----- input checks ------------------------------------------------------

    def _check_inputs(self, x, name='X'):
        """``x`` (n_inputs,) or (n, n_inputs) as a 2-d array of the net's dtype; raises on a bad width, NaN or inf."""
        X = np.asarray(x)
        if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool) \
                or np.issubdtype(X.dtype, np.complexfloating):
            raise TypeError('expected {} to hold real numbers, got dtype {}'.format(name, X.dtype))
        if X.ndim == 1:
            X = X[np.newaxis, :]
        if X.ndim != 2 or X.shape[1] != self._sizes[0]:
            raise ValueError('expected {} of shape ({n},) or (n, {n}) for a net with {n} input{s}, got shape {}'.format(
                name, np.shape(x), n=self._sizes[0], s='' if self._sizes[0] == 1 else 's'))
        return checked_matrix(X, self._dtype, name)

    # ----- save and restore --------------------------------------------------

    def to_dict(self):
        """The net as the JSON-ready dictionary that ``save`` writes (see ``docs/model_file.md``)."""
        return model_dict(self._sizes, [(f.name, f.settings()) for f in self._activations], self._dtype,
                          self._weights, self._biases)

    def save(self, path=None, *, dest_fname=None):
        """Write the net to ``path`` as JSON, atomically: the file is either the old one or the new one.

        The text goes to a temporary file in the same folder, is flushed and
        synced to disk, and then renamed over ``path``. A net whose parameters
        hold NaN or infinity is refused (JSON has no such numbers).
        ``dest_fname``, the original library's name for ``path``, may be
        given instead of it.
        """
        path = _path_argument('save', 'to write to', path, 'dest_fname', dest_fname)
        if not np.isfinite(self._parameters).all():
            raise ValueError('cannot save the net to {}: {} of its parameters are NaN or infinite'.format(
                path, np.count_nonzero(~np.isfinite(self._parameters))))
        write_json_atomically(path, self.to_dict())

    def export_onnx(self, path, metadata=None):
        """Write the net to ``path`` as an ONNX model, for runtimes where this library does not run.

        One Gemm and one activation operator per layer, a dynamic batch
        dimension, float32 or float64 as the net is; ``metadata`` (a dict of
        strings) goes into the model's metadata. See ``feedforward_onnx`` and
        ``docs/ecosystem.md``. Needs the onnx package: pip install
        ".[onnx]" in a clone of the library, or pip install onnx.
        """
        # Imported here, not at the top: the library itself needs NumPy alone.
        import feedforward_onnx
        feedforward_onnx.export_onnx(self, path, metadata=metadata)

    @classmethod
    def create_from_file(cls, path=None, max_parameters=None, max_bytes=None, *, fname=None):
        """Restore a net that ``save`` wrote, or that the original DeepNetLib saved.

        A file of the original's layout names no activations: every layer is
        Sigmoid, as the original restored them, and an
        ``AssumedActivationsWarning`` says so (see ``docs/model_file.md``).
        Everything is checked before anything is built; any problem raises
        ``ModelFileError`` (a ``ValueError``) naming the file and the problem,
        and a missing file raises ``FileNotFoundError``. ``max_parameters``
        and ``max_bytes`` bound what a file may ask for (default 10,000,000
        parameters and 256 MB). ``fname``, the original library's name for
        ``path``, may be given instead of it.
        """
        path = _path_argument('create_from_file', 'to read', path, 'fname', fname)
        return cls._from_model(read_model(path, max_parameters=max_parameters, max_bytes=max_bytes), path)

    @classmethod
    def from_dict(cls, data, source='<dict>', max_parameters=None):
        """A net from the dictionary ``to_dict`` makes; checked as ``create_from_file`` checks a file."""
        return cls._from_model(check_model(data, source=source, max_parameters=max_parameters), source)

    @classmethod
    def _from_model(cls, model, source):
        sizes, activations, dtype, layers = model
        try:
            net = cls(sizes, activations, dtype)
        except MemoryError:
            raise ModelFileError('{}: not enough memory for a net of layer sizes {}'.format(source, sizes)) from None
        for weights, biases, (w, b) in zip(net._weights, net._biases, layers):
            weights[...] = w
            biases[...] = b
        return net

    # ----- pickling ----------------------------------------------------------

    def __getstate__(self):
        """What pickling (and ``copy.deepcopy``) keeps: the layer sizes, the activations (classes, or instances
        with their settings), the dtype and the parameters.

        ``weights()`` and ``biases()`` are views into the flat parameter
        array; pickled as they are, they would come back as copies of their
        own, which training would no longer change. ``__setstate__`` builds
        the net anew and makes the views again. The forward pass's buffers
        are not kept.
        """
        return {'sizes': list(self._sizes), 'activations': list(self._activations),
                'dtype': self._dtype.name, 'parameters': self._parameters}

    def __setstate__(self, state):
        self.__init__(state['sizes'], state['activations'], state['dtype'])
        self._parameters[...] = state['parameters']


class NetFactory:
    """Builds nets."""

    @staticmethod
    def create_neural_net(sizes, hidden_layer_activation=Sigmoid, output_layer_activation=Sigmoid,
                          dtype=np.float64):
        """A net with ``sizes[0]`` inputs, hidden layers of ``sizes[1:-1]`` units and ``sizes[-1]`` outputs.

        ``sizes``: at least two positive integers. The activations are
        registered activations (see ``activation_functions``): a class such
        as ``Sigmoid`` or ``Swish``, or an instance with its settings such as
        ``LeakyRectifier(slope=0.1)``. ``dtype`` is float64 or
        float32. Parameters are zero until ``randomize_parameters()``.
        """
        sizes = _check_sizes(sizes)
        hidden = check_activation(hidden_layer_activation, 'hidden_layer_activation')
        output = check_activation(output_layer_activation, 'output_layer_activation')
        return NeuralNet(sizes, [hidden] * (len(sizes) - 2) + [output], dtype)


def _path_argument(method, purpose, path, alias, value):
    """``path``, or ``value`` if the path came as ``alias``, the original library's keyword; TypeError for both
    or neither."""
    if path is not None and value is not None:
        raise TypeError('{}() takes the path as path or as {} (the original library\'s name for it), not both; got '
                        'path={!r} and {}={!r}'.format(method, alias, path, alias, value))
    if path is None and value is None:
        raise TypeError('{}() missing the path {}: give it as path (or as {}, the original library\'s name for '
                        'it)'.format(method, purpose, alias))
    return path if value is None else value


def _check_sizes(sizes):
    try:
        sizes = list(sizes)
    except TypeError:
        raise TypeError('expected sizes as a list of layer sizes such as [784, 30, 10], got {!r}'.format(
            sizes)) from None
    if len(sizes) < 2:
        raise ValueError('expected at least two layer sizes (inputs and outputs), got {}'.format(sizes))
    return [check_positive_int(size, 'every layer size') for size in sizes]
