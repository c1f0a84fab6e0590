"""Activation functions and their derivatives, over whole batches.

Every function here is stateless and works on a batch ``z`` of shape
``(n_examples, n_units)``: rows are examples. Each class offers

* ``activation(z)``: a = f(z), a new array of ``z``'s shape;
* ``gradient(z)``: the derivative of f at z. For the element-wise functions it
  is the element-wise derivative f'(z), of ``z``'s shape. Softmax is not
  element-wise: each row's output depends on the whole row, so its gradient is
  the Jacobian of every row, of shape ``(n_examples, n_units, n_units)``;
* ``backward(a, grad_a, out)``: the chain rule through the function,
  dC/dz = (da/dz)^T dC/da, given the activation ``a = f(z)`` and
  ``grad_a`` = dC/da (both of shape ``(n, units)``). Every derivative here
  can be written with the output a alone, so back-propagation needs no z.
  It writes into ``out`` (which may be ``grad_a`` itself) and never forms a
  Jacobian.

The classes are used as they are (``Sigmoid``, not ``Sigmoid()``): the net
stores the class, and the model file stores its ``name``.
"""
import numpy as np

__all__ = ['Activation', 'Sigmoid', 'Rectifier', 'Softmax', 'Tanh', 'Identity', 'ACTIVATIONS']


class Activation:
    """The interface of an activation function; see the module docstring."""

    #: The name written in model files.
    name = None

    @staticmethod
    def activation(z, out=None):
        raise NotImplementedError

    @staticmethod
    def gradient(z):
        raise NotImplementedError

    @staticmethod
    def backward(a, grad_a, out):
        raise NotImplementedError


def _floating(z):
    """``z`` as a floating array (anything else becomes float64)."""
    if type(z) is np.ndarray and z.dtype.kind == 'f':
        return z
    z = np.asarray(z)
    return z if z.dtype.kind == 'f' else z.astype(np.float64)


# The most negative z whose exp(-z) does not overflow, per dtype.
_EXP_FLOOR = {np.dtype(t): float(-np.log(np.finfo(t).max) + 1.0) for t in (np.float16, np.float32, np.float64)}


class Sigmoid(Activation):
    """The logistic function, sigma(z) = 1 / (1 + exp(-z)); sigma' = sigma (1 - sigma).

    exp(-z) would overflow for z below about -709 (float64) or -88 (float32);
    z is clipped from below there first. sigma is below 1e-300 (1e-38) at that
    point, so the clipping changes nothing a float can tell apart from zero.
    """
    name = 'Sigmoid'

    @staticmethod
    def activation(z, out=None):
        z = _floating(z)
        out = np.maximum(z, _EXP_FLOOR.get(z.dtype, -700.0), out=out)
        np.negative(out, out=out)
        np.exp(out, out=out)
        out += 1.0
        return np.reciprocal(out, out=out)

    @staticmethod
    def gradient(z):
        a = Sigmoid.activation(z)
        return a * (1.0 - a)

    @staticmethod
    def backward(a, grad_a, out):
        # dC/dz = dC/da * a (1 - a)
        np.multiply(grad_a, a, out=out)
        out -= out * a
        return out


class Rectifier(Activation):
    """The rectified linear unit, relu(z) = max(z, 0); relu'(z) = 1 if z > 0 else 0."""
    name = 'Rectifier'

    @staticmethod
    def activation(z, out=None):
        z = _floating(z)
        return np.maximum(z, 0.0, out=out)

    @staticmethod
    def gradient(z):
        z = _floating(z)
        return (z > 0).astype(z.dtype)

    @staticmethod
    def backward(a, grad_a, out):
        return np.multiply(grad_a, a > 0, out=out)


class Tanh(Activation):
    """The hyperbolic tangent; tanh' = 1 - tanh^2."""
    name = 'Tanh'

    @staticmethod
    def activation(z, out=None):
        return np.tanh(_floating(z), out=out)

    @staticmethod
    def gradient(z):
        a = np.tanh(_floating(z))
        return 1.0 - a * a

    @staticmethod
    def backward(a, grad_a, out):
        # dC/dz = dC/da * (1 - a^2)
        slope = a * a
        np.subtract(1.0, slope, out=slope)
        return np.multiply(grad_a, slope, out=out)


class Identity(Activation):
    """The identity, f(z) = z; f' = 1. A linear output for regression."""
    name = 'Identity'

    @staticmethod
    def activation(z, out=None):
        z = _floating(z)
        if out is None:
            return z.copy()
        np.copyto(out, z)
        return out

    @staticmethod
    def gradient(z):
        return np.ones_like(_floating(z))

    @staticmethod
    def backward(a, grad_a, out):
        if out is not grad_a:
            np.copyto(out, grad_a)
        return out


class Softmax(Activation):
    """Row-wise softmax, a_k = exp(z_k) / sum_j exp(z_j).

    Computed as exp(z_k - max_j z_j) / sum_j exp(z_j - max_j z_j): the
    largest exponent is exp(0) = 1, so nothing overflows.
    The Jacobian of a row is da_k/dz_j = a_k (delta_kj - a_j).
    """
    name = 'Softmax'

    @staticmethod
    def activation(z, out=None):
        z = _floating(z)
        out = np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=-1, keepdims=True)
        return out

    @staticmethod
    def gradient(z):
        """The Jacobian of every row: shape ``(n, units, units)`` for ``z`` of shape ``(n, units)``."""
        a = Softmax.activation(z)
        if a.ndim == 1:
            return np.diag(a) - np.outer(a, a)
        jacobian = -a[:, :, np.newaxis] * a[:, np.newaxis, :]
        diagonal = np.einsum('nkk->nk', jacobian)
        diagonal += a
        return jacobian

    @staticmethod
    def backward(a, grad_a, out):
        # dC/dz_j = sum_k dC/da_k a_k (delta_kj - a_j) = a_j (dC/da_j - sum_k dC/da_k a_k)
        weighted = np.einsum('nk,nk->n', grad_a, a)[:, np.newaxis]
        np.subtract(grad_a, weighted, out=out)
        out *= a
        return out


#: Every activation function a net may use, by the name written in model files.
ACTIVATIONS = {cls.name: cls for cls in (Sigmoid, Rectifier, Softmax, Tanh, Identity)}


def check_activation(activation, what='activation'):
    """Return ``activation`` if it is one of the library's activation classes, else raise TypeError."""
    if isinstance(activation, type) and activation in ACTIVATIONS.values():
        return activation
    if isinstance(activation, Activation) and type(activation) in ACTIVATIONS.values():
        return type(activation)
    raise TypeError('{} must be one of the classes {}, got {!r}'.format(
        what, ', '.join(sorted(ACTIVATIONS)), activation))
