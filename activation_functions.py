"""Activation functions and their derivatives, over whole batches, and the registry of their names.

Every function works on a batch ``z`` of shape ``(n_examples, n_units)``:
rows are examples. An activation offers

* ``activation(z, out=None)``: a = f(z), written into ``out`` (of ``z``'s
  shape) when it is given, and returned;
* ``derivative(z, a)``: f'(z) element by element, of ``z``'s shape, written
  from the pre-activation ``z``, from the activation ``a = f(z)``, or from
  both. ``needs_z = False`` says that it reads ``a`` alone: the net then keeps
  no z for that layer (it computes a in place over z) and passes ``z=None``;
* ``backward(a, grad_a, out, z=None)``: the chain rule through the function,
  dC/dz = (da/dz)^T dC/da, given ``grad_a`` = dC/da (both of shape
  ``(n, units)``); it writes into ``out`` (which may be ``grad_a`` itself). For
  an element-wise function it is f'(z) * dC/da; Softmax, which is not
  element-wise, works it out without forming a Jacobian;
* ``gradient(z)``: the derivative at z, for inspection: f'(z) for the
  element-wise functions, each row's Jacobian ``(n, units, units)`` for Softmax.

and a few things the rest of the library asks of it: ``name`` (written in
model files), ``settings()`` (the numbers a model file stores, such as
LeakyRectifier's slope), ``weight_gain``, ``bias_spread`` and
``initial_bias`` (how ``randomize_parameters`` draws a layer),
``saturation_bounds`` and ``dead_output`` (what the diagnostics count),
``magnitude_bound(bound)`` (what the model file reader uses to refuse
weights that could overflow) and ``onnx_nodes(x, y, dtype)`` (the ONNX form).

The five original functions (Sigmoid, Rectifier, Softmax, Tanh, Identity)
are used as classes (``Sigmoid``, not ``Sigmoid()``): they have static
methods and no settings, and the net stores the class. Every other
activation, the library's LeakyRectifier, Softplus and Swish included, is
written as a user writes one: a subclass of ``Activation`` with ordinary
methods, registered by ``register_activation``; the net stores an instance
(``LeakyRectifier(slope=0.1)``, or ``LeakyRectifier()`` when given the class).
See ``docs/extending.md``.
"""
import math
import types

import numpy as np

from feedforward_checks import check_registration

__all__ = ['Activation', 'Sigmoid', 'Rectifier', 'Softmax', 'Tanh', 'Identity', 'LeakyRectifier', 'Softplus',
           'Swish', 'ACTIVATIONS', 'register_activation',
           'check_activation', 'check_output_layer', 'activation_label', 'activation_from_settings']


class Activation:
    """The protocol of an activation function; subclass it to write your own (see the module docstring).

    Define ``name``, ``activation(self, z, out=None)`` and either
    ``derivative(self, z, a)`` or, for a function that is not element-wise,
    ``backward(self, a, grad_a, out, z=None)``; then call
    ``register_activation(YourClass)``. The class attributes below have
    defaults that fit most functions.
    """

    #: The name written in model files; a Python identifier.
    name = None
    #: Whether ``derivative`` (or ``backward``) reads z. False: it reads ``a`` alone, the net keeps no z for the
    #: layer and computes ``a`` in place over ``z`` (``activation(z, out=z)`` must then work).
    needs_z = True
    #: Hidden layers' weights start from N(0, weight_gain / n_in); 1 / E[f(z)^2] for z ~ N(0, 1) keeps the next
    #: layer's pre-activations at about unit spread (2 for Rectifier, He et al. 2015).
    weight_gain = 1.0
    #: If positive, hidden layers' biases start uniform over (-bias_spread, bias_spread); else at initial_bias.
    bias_spread = 0.0
    #: Where biases start when they are not spread (the output layer's always are not).
    initial_bias = 0.0
    #: (low, high): outputs within 0.01 of either bound count as saturated in the diagnostics; None: never.
    saturation_bounds = None
    #: A unit whose outputs are all at or below this value passes no gradient back: it counts as dead in the
    #: diagnostics (Rectifier: 0). None: units never die.
    dead_output = None

    def activation(self, z, out=None):
        """a = f(z) for ``z`` (n, units), written into ``out`` (n, units) if given (``out`` may be ``z``)."""
        raise NotImplementedError('{} defines no activation(self, z, out=None)'.format(type(self).__name__))

    def derivative(self, z, a):
        """f'(z) element by element, shape (n, units), from ``z`` (None unless ``needs_z``) and/or ``a`` = f(z)."""
        raise NotImplementedError('{} defines neither derivative(self, z, a) nor backward(self, a, grad_a, out, '
                                  'z=None)'.format(type(self).__name__))

    def backward(self, a, grad_a, out, z=None):
        """dC/dz = f'(z) * dC/da, element by element, into ``out``; all of shape (n, units)."""
        return np.multiply(grad_a, self.derivative(z, a), out=out)

    def gradient(self, z):
        """f'(z) for ``z`` (n, units); a scalar z gives a NumPy scalar."""
        z = _floating(z)
        slope = self.derivative(z, self.activation(z))
        return slope if z.ndim else np.asarray(slope)[()]

    def settings(self):
        """The numbers that rebuild this activation, ``type(f)(**f.settings())``: a dictionary of name -> number.

        A model file stores them beside the name. Override it (and take the
        same names as keyword arguments of ``__init__``, with defaults) for
        an activation with settings.
        """
        return {}

    def magnitude_bound(self, bound):
        """An upper bound of |f(z)| over every |z| <= ``bound`` (an array of bounds, one per unit).

        The model file reader uses it to refuse weights so large that a net's
        outputs could overflow. The default, max(|f(-bound)|, |f(bound)|),
        is exact for monotonic functions; override it for any other.
        """
        bound = np.asarray(bound, dtype=np.float64).reshape(1, -1)
        with np.errstate(all='ignore'):
            return np.maximum(np.abs(self.activation(-bound)), np.abs(self.activation(bound)))[0]

    def onnx_nodes(self, x, y, dtype):
        """The ONNX form of the function: the nodes that compute the tensor named ``y`` from the one named ``x``.

        Returns a list of ``(op_type, inputs, outputs, attributes)``: an ONNX
        operator's name, lists of tensor names, and a dictionary of its
        attributes, in the order they run. ``dtype`` is the net's NumPy dtype
        (float32 or float64): a constant is a ``Constant`` node whose
        ``value`` is a NumPy array of that dtype. Intermediate tensors are
        named after ``y`` (``y + '_something'``). An exporter turns each into
        ``onnx.helper.make_node(op_type, inputs, outputs, **attributes)``,
        NumPy arrays into tensors first (``onnx.numpy_helper.from_array``).
        """
        raise NotImplementedError(
            'the activation {} has no ONNX form: give its class a method onnx_nodes(self, x, y, dtype) that returns '
            'the ONNX nodes computing y from x, as (op_type, inputs, outputs, attributes) tuples (see '
            'docs/extending.md)'.format(self.name))

    def __eq__(self, other):
        return type(other) is type(self) and other.settings() == self.settings()

    def __hash__(self):
        return hash((type(self), tuple(sorted(self.settings().items()))))

    def __repr__(self):
        return activation_label(self)


def activation_label(activation):
    """``'Sigmoid'``, or ``'LeakyRectifier(slope=0.1)'`` for an activation with settings."""
    settings = activation.settings()
    if not settings:
        return activation.name
    return '{}({})'.format(activation.name, ', '.join('{}={!r}'.format(k, v) for k, v in settings.items()))


def _floating(z):
    """``z`` as a floating array (anything else becomes float64); a scalar becomes a 0-d array.

    The functions take a scalar as NumPy's own do (``np.exp(0)``): they return
    a NumPy scalar for it, and an array of ``z``'s shape for an array.
    """
    if type(z) is np.ndarray and z.dtype.kind == 'f':
        return z
    z = np.asarray(z)
    return z if z.dtype.kind == 'f' else z.astype(np.float64)


# ----- the five original functions, used as classes ---------------------------------

class _UsedAsClass(Activation):
    """An activation used as a class, as the five original ones are: static methods, no settings.

    Their derivatives can all be written from a alone, so they need no z.
    """
    needs_z = False
    #: The ONNX operator that computes the function, with no attributes.
    _onnx_op = None
    #: Whether every output lies in [-1, 1] whatever the input.
    _bounded = False

    @classmethod
    def settings(cls):
        return {}

    @classmethod
    def magnitude_bound(cls, bound):
        # Bounded functions: |f| <= 1. The others (Rectifier, Identity): |f(z)| <= |z|.
        bound = np.asarray(bound, dtype=np.float64)
        return np.ones_like(bound) if cls._bounded else bound

    @classmethod
    def onnx_nodes(cls, x, y, dtype):
        return [(cls._onnx_op, [x], [y], {})]


# The most negative z whose exp(-z) does not overflow, per dtype.
_EXP_FLOOR = {np.dtype(t): float(-np.log(np.finfo(t).max) + 1.0) for t in (np.float16, np.float32, np.float64)}


class Sigmoid(_UsedAsClass):
    """The logistic function, sigma(z) = 1 / (1 + exp(-z)); sigma' = sigma (1 - sigma).

    exp(-z) would overflow for z below about -709 (float64) or -88 (float32);
    z is clipped from below there first. sigma is below 1e-300 (1e-38) at that
    point, so the clipping changes nothing a float can tell apart from zero.
    Weights start with gain 1 and biases spread over (-4, 4), where the unit
    responds (sigma(4) = 0.982).
    """
    name = 'Sigmoid'
    bias_spread = 4.0
    saturation_bounds = (0.0, 1.0)
    _onnx_op = 'Sigmoid'
    _bounded = True

    @staticmethod
    def activation(z, out=None):
        z = _floating(z)
        if z.ndim == 0 and out is None:
            # The steps below work in place, which a NumPy scalar cannot: a row of one, then its number.
            return Sigmoid.activation(z.reshape(1))[0]
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
    def backward(a, grad_a, out, z=None):
        # dC/dz = dC/da * a (1 - a)
        np.multiply(grad_a, a, out=out)
        out -= out * a
        return out


class Rectifier(_UsedAsClass):
    """The rectified linear unit, relu(z) = max(z, 0); relu'(z) = 1 if z > 0 else 0.

    Weights start with gain 2 (He et al., 2015) and biases at 0.1, so that
    the units start active.
    """
    name = 'Rectifier'
    weight_gain = 2.0
    initial_bias = 0.1
    dead_output = 0.0
    _onnx_op = 'Relu'

    @staticmethod
    def activation(z, out=None):
        z = _floating(z)
        return np.maximum(z, 0.0, out=out)

    @staticmethod
    def gradient(z):
        z = _floating(z)
        return (z > 0).astype(z.dtype)

    @staticmethod
    def backward(a, grad_a, out, z=None):
        return np.multiply(grad_a, a > 0, out=out)


class Tanh(_UsedAsClass):
    """The hyperbolic tangent; tanh' = 1 - tanh^2. Weights start with gain 1, biases spread over (-2, 2)."""
    name = 'Tanh'
    bias_spread = 2.0
    saturation_bounds = (-1.0, 1.0)
    _onnx_op = 'Tanh'
    _bounded = True

    @staticmethod
    def activation(z, out=None):
        return np.tanh(_floating(z), out=out)

    @staticmethod
    def gradient(z):
        a = np.tanh(_floating(z))
        return 1.0 - a * a

    @staticmethod
    def backward(a, grad_a, out, z=None):
        # dC/dz = dC/da * (1 - a^2)
        slope = a * a
        np.subtract(1.0, slope, out=slope)
        return np.multiply(grad_a, slope, out=out)


class Identity(_UsedAsClass):
    """The identity, f(z) = z; f' = 1. A linear output for regression."""
    name = 'Identity'
    _onnx_op = 'Identity'

    @staticmethod
    def activation(z, out=None):
        z = _floating(z)
        if out is None:
            return z.copy() if z.ndim else z[()]
        np.copyto(out, z)
        return out

    @staticmethod
    def gradient(z):
        ones = np.ones_like(_floating(z))
        return ones if ones.ndim else ones[()]

    @staticmethod
    def backward(a, grad_a, out, z=None):
        if out is not grad_a:
            np.copyto(out, grad_a)
        return out


class Softmax(_UsedAsClass):
    """Row-wise softmax, a_k = exp(z_k) / sum_j exp(z_j).

    Computed as exp(z_k - max_j z_j) / sum_j exp(z_j - max_j z_j): the
    largest exponent is exp(0) = 1, so nothing overflows.
    The Jacobian of a row is da_k/dz_j = a_k (delta_kj - a_j).
    """
    name = 'Softmax'
    _bounded = True

    @staticmethod
    def activation(z, out=None):
        z = _floating(z)
        if z.ndim == 0 and out is None:
            # A scalar is a row of one unit (whose softmax is 1).
            return Softmax.activation(z.reshape(1))[0]
        # The reductions as ufunc methods: ndarray.max and .sum add a Python layer, a step's worth on small nets.
        out = np.subtract(z, np.maximum.reduce(z, axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= np.add.reduce(out, axis=-1, keepdims=True)
        return out

    @staticmethod
    def gradient(z):
        """The Jacobian of every row: shape ``(n, units, units)`` for ``z`` of shape ``(n, units)``.

        A row ``(units,)`` gives its Jacobian ``(units, units)``; a scalar, a
        row of one unit, gives a (1 - a) = 0.
        """
        a = Softmax.activation(z)
        if a.ndim == 0:
            return a - a * a
        if a.ndim == 1:
            return np.diag(a) - np.outer(a, a)
        jacobian = -a[:, :, np.newaxis] * a[:, np.newaxis, :]
        diagonal = np.einsum('nkk->nk', jacobian)
        diagonal += a
        return jacobian

    @staticmethod
    def backward(a, grad_a, out, z=None):
        # dC/dz_j = sum_k dC/da_k a_k (delta_kj - a_j) = a_j (dC/da_j - sum_k dC/da_k a_k)
        weighted = np.einsum('nk,nk->n', grad_a, a)[:, np.newaxis]
        np.subtract(grad_a, weighted, out=out)
        out *= a
        return out

    @classmethod
    def onnx_nodes(cls, x, y, dtype):
        # axis 1 means the same for a batch of rows under every opset's definition of Softmax.
        return [('Softmax', [x], [y], {'axis': 1})]


# ----- the registry -----------------------------------------------------------------

_REGISTRY = {cls.name: cls for cls in (Sigmoid, Rectifier, Softmax, Tanh, Identity)}
#: The library's own activations, whose names cannot be taken.
_BUILT_IN = frozenset(('Sigmoid', 'Rectifier', 'Softmax', 'Tanh', 'Identity', 'LeakyRectifier', 'Softplus', 'Swish'))

#: Every activation a net may use, by the name written in model files (read-only: add yours with
#: ``register_activation``).
ACTIVATIONS = types.MappingProxyType(_REGISTRY)


def register_activation(cls, replace=False):
    """Make the activation class ``cls`` (a subclass of ``Activation``) usable under its ``name``; returns ``cls``.

    From then on nets take it (the class, built with its default settings,
    or an instance), and model files and checkpoints that name it load. It
    is tried once on a few values first, so that a mistake in its protocol
    (a wrong shape, ``out`` not written, an ``activation`` that cannot run
    in place although ``needs_z`` is False) is reported here, not in the
    middle of training. The library's own names cannot be taken. The same
    class registered again, or defined anew (the same module and qualified
    name, as when a notebook cell that defines it runs again), takes the
    place of the one registered; a name registered before for another class
    is refused unless ``replace`` is True. Can be used as a class decorator.
    """
    if cls is _UsedAsClass:
        raise TypeError('expected a subclass of activation_functions.Activation, got {!r}'.format(cls))
    name = check_registration(_REGISTRY, _BUILT_IN, cls, Activation, 'activation', replace)
    _try_out(cls)
    _REGISTRY[name] = cls
    return cls


def _try_out(cls):
    """Raise, saying what is wrong, unless ``cls`` follows the protocol on a small batch."""
    label = 'register_activation({})'.format(cls.__qualname__)

    def attempt(what, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:
            raise ValueError('{}: {} failed on a small batch: {}: {}'.format(
                label, what, type(error).__name__, error)) from error

    try:
        f = cls()
    except TypeError as error:
        raise TypeError('{}: the class must be callable with no arguments, as a model file naming it without '
                        'settings calls it; give every argument of __init__ a default ({})'.format(label, error))
    settings = attempt('settings()', f.settings)
    if not isinstance(settings, dict) or any(not isinstance(key, str) or not key.isidentifier()
                                             or not _is_finite_number(value) for key, value in settings.items()):
        raise TypeError('{}: settings() must return a dictionary from names to finite numbers, got {!r}'.format(
            label, settings))
    if attempt('rebuilding it as {}(**settings())'.format(cls.__qualname__), cls, **settings) != f:
        raise ValueError('{}: {}(**settings()) must rebuild the same activation'.format(label, cls.__qualname__))
    for attribute, valid in (('needs_z', lambda v: isinstance(v, bool)),
                             ('weight_gain', lambda v: _is_finite_number(v) and v > 0),
                             ('bias_spread', lambda v: _is_finite_number(v) and v >= 0),
                             ('initial_bias', _is_finite_number),
                             ('saturation_bounds', lambda v: v is None or (
                                 isinstance(v, tuple) and len(v) == 2 and all(map(_is_finite_number, v))
                                 and v[0] < v[1])),
                             ('dead_output', lambda v: v is None or _is_finite_number(v))):
        if not valid(getattr(f, attribute)):
            raise ValueError('{}: {} is not valid: {!r} (see the Activation class)'.format(
                label, attribute, getattr(f, attribute)))

    z = np.linspace(-3.0, 3.0, 12).reshape(2, 6)
    a = attempt('activation(z)', f.activation, z.copy())
    if not isinstance(a, np.ndarray) or a.shape != z.shape or not np.isfinite(a).all():
        raise ValueError('{}: activation(z) must return an array of z\'s shape {} with finite values, got '
                         '{!r}'.format(label, z.shape, a))
    out = np.empty_like(z)
    if attempt('activation(z, out=out)', f.activation, z.copy(), out=out) is not out or not np.allclose(out, a):
        raise ValueError('{}: activation(z, out=out) must write f(z) into out and return out'.format(label))
    if not f.needs_z:
        in_place = z.copy()
        if not np.allclose(attempt('activation(z, out=z)', f.activation, in_place, out=in_place), a):
            raise ValueError('{}: with needs_z = False the net computes a in place over z, but activation(z, '
                             'out=z) gives other values than activation(z); write it so that out may be z, or set '
                             'needs_z = True'.format(label))
    grad_a = np.linspace(-1.0, 1.0, 12).reshape(2, 6)
    kept_z = z if f.needs_z else None
    if type(f).backward is Activation.backward:
        slope = attempt('derivative(z, a)', f.derivative, kept_z, a)
        if np.shape(slope) != z.shape:
            raise ValueError('{}: derivative(z, a) must return f\'(z) of z\'s shape {}, got shape {}'.format(
                label, z.shape, np.shape(slope)))
    delta = attempt('backward(a, grad_a, out, z)', f.backward, a, grad_a.copy(), out=np.empty_like(z), z=kept_z)
    if not isinstance(delta, np.ndarray) or delta.shape != z.shape or not np.isfinite(delta).all():
        raise ValueError('{}: backward(a, grad_a, out, z) must return dC/dz, an array of shape {} (from '
                         'derivative(z, a) of that shape), got {!r}'.format(label, z.shape, delta))
    in_place = grad_a.copy()
    if not np.allclose(attempt('backward(a, grad_a, out=grad_a, z)', f.backward, a, in_place, out=in_place,
                               z=kept_z), delta):
        raise ValueError('{}: backward(a, grad_a, out=grad_a, z) must work in place, as back-propagation calls '
                         'it'.format(label))


def _is_finite_number(value):
    """An int or a float (a bool is neither, to a model file), finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def activation_from_settings(name, settings=None):
    """The registered activation ``name``, built with ``settings`` (a dictionary; None or empty: none given).

    Returns the class of an activation used as a class, else an instance.
    Raises ``KeyError`` for an unregistered name, and ``ValueError`` when the
    settings are not exactly those the activation has, or are refused by it.
    """
    cls = _REGISTRY[name]
    if issubclass(cls, _UsedAsClass):
        if settings:
            raise ValueError('{} has no settings, got {}'.format(name, ', '.join(sorted(settings))))
        return cls
    expected = sorted(cls().settings())
    given = sorted(settings or {})
    if given != expected:
        raise ValueError('expected the settings of {} to be {}, got {}'.format(
            name, ', '.join(expected) or 'none', ', '.join(given) or 'none'))
    try:
        return cls(**(settings or {}))
    except (TypeError, OverflowError) as error:
        raise ValueError('{} refuses the settings {}: {}'.format(name, settings, error)) from None


def check_activation(activation, what='activation'):
    """The activation a net stores for ``activation``; TypeError unless it is registered.

    The five original classes (or instances of them) give the class; another
    registered class gives an instance with its default settings; an
    instance of a registered class is kept as it is.
    """
    cls = activation if isinstance(activation, type) else type(activation)
    if isinstance(cls, type) and issubclass(cls, Activation) and _REGISTRY.get(cls.name) is cls:
        if issubclass(cls, _UsedAsClass):
            return cls
        return activation() if activation is cls else activation
    if isinstance(cls, type) and issubclass(cls, Activation) and cls is not Activation:
        raise TypeError('{} must be a registered activation: register {} once with '
                        'activation_functions.register_activation({}), so that nets using it can be saved and '
                        'loaded by its name'.format(what, cls.__qualname__, cls.__qualname__))
    raise TypeError('{} must be one of the activations {} (or one of yours, registered with '
                    'activation_functions.register_activation), got {!r}'.format(
                        what, ', '.join(sorted(_REGISTRY)), activation))


def check_output_layer(activation, units):
    """Raise ``ValueError`` for an output layer that cannot learn: a Softmax over a single unit.

    ``activation`` is the layer's activation as a net stores it, ``units``
    its number of units. A Softmax of one unit outputs exp(z) / exp(z) = 1
    whatever z is: its cost is constant and nothing trains.
    """
    if activation is Softmax and units == 1:
        raise ValueError('expected a Softmax output layer to have at least 2 units, got 1: a Softmax of one unit '
                         'outputs 1.0 whatever its input, and cannot learn; use Sigmoid for one output '
                         '(output_layer_activation=Sigmoid, with 0/1 targets), or two Softmax units (one-hot '
                         'targets, data_source.one_hot(labels, 2))')


# ----- more activations, written through the public protocol ---------------------------------

class LeakyRectifier(Activation):
    """f(z) = z for z > 0 and slope * z otherwise (0 <= slope <= 1); f'(z) = 1 for z > 0, else slope.

    Written from a alone: with slope >= 0, a > 0 exactly when z > 0. Weights
    start with gain 2 / (1 + slope^2) (He et al., 2015), biases at 0: a leaky
    unit cannot die, so it needs no head start.
    """
    name = 'LeakyRectifier'
    needs_z = False

    def __init__(self, slope=0.01):
        try:
            value = float(slope) if not isinstance(slope, (bool, str)) else None
        except (TypeError, ValueError, OverflowError):
            value = None
        if value is None or not 0 <= value <= 1:
            raise ValueError('expected the slope of LeakyRectifier to be a number from 0 to 1, got {!r:.60}'.format(
                slope))
        self.slope = value

    @property
    def weight_gain(self):
        return 2.0 / (1.0 + self.slope ** 2)

    def settings(self):
        return {'slope': self.slope}

    def activation(self, z, out=None):
        z = _floating(z)
        # max(z, slope z) is z for z > 0 and slope z otherwise, since slope <= 1.
        return np.maximum(z, self.slope * z, out=out)

    def derivative(self, z, a):
        return np.where(a > 0, a.dtype.type(1.0), a.dtype.type(self.slope))

    def onnx_nodes(self, x, y, dtype):
        if np.dtype(dtype) == np.float32:
            return [('LeakyRelu', [x], [y], {'alpha': self.slope})]
        # LeakyRelu's alpha is a float32 attribute: in float64, max(x, slope x) with the slope as a float64 tensor.
        return [('Constant', [], [y + '_slope'], {'value': np.array(self.slope, dtype=np.float64)}),
                ('Mul', [x, y + '_slope'], [y + '_scaled'], {}), ('Max', [x, y + '_scaled'], [y], {})]


class Softplus(Activation):
    """f(z) = log(1 + e^z), a smooth rectifier; f'(z) = sigma(z) = 1 - e^(-a), written from a alone.

    Computed as log(e^0 + e^z) (``numpy.logaddexp``), which never overflows.
    Weights start with gain 1 / E[f(z)^2] = 1.0855 for z ~ N(0, 1), biases at 0.
    """
    name = 'Softplus'
    needs_z = False
    weight_gain = 1.0855

    def activation(self, z, out=None):
        return np.logaddexp(0.0, _floating(z), out=out)

    def derivative(self, z, a):
        # 1 - e^(-a), accurate also where a is tiny (z very negative).
        return -np.expm1(-a)

    def onnx_nodes(self, x, y, dtype):
        if np.dtype(dtype) == np.float32:
            return [('Softplus', [x], [y], {})]
        # onnxruntime has no float64 Softplus: log(1 + e^x) = max(x, 0) + log(1 + e^-|x|) = relu(x) - log(sigma(|x|)).
        return [('Relu', [x], [y + '_relu'], {}), ('Abs', [x], [y + '_abs'], {}),
                ('Sigmoid', [y + '_abs'], [y + '_sigmoid'], {}), ('Log', [y + '_sigmoid'], [y + '_log'], {}),
                ('Sub', [y + '_relu', y + '_log'], [y], {})]


class Swish(Activation):
    """f(z) = z sigma(z) (also called SiLU); f'(z) = sigma(z) + z sigma(z) (1 - sigma(z)) = sigma(z) (1 + z - a).

    The derivative needs z: a alone does not tell z (f is not one-to-one).
    The function is not monotonic (its least value is -0.278, at z = -1.278),
    but |f(z)| <= |z| and max |f| over |z| <= B is f(B), so the default
    ``magnitude_bound`` holds. Weights start with gain 1 / E[f(z)^2] = 2.8108
    for z ~ N(0, 1), biases at 0.
    """
    name = 'Swish'
    needs_z = True
    weight_gain = 2.8108

    def activation(self, z, out=None):
        z = _floating(z)
        return np.multiply(z, Sigmoid.activation(z), out=out)

    def derivative(self, z, a):
        slope = Sigmoid.activation(z)
        slope *= 1.0 + z - a
        return slope

    def onnx_nodes(self, x, y, dtype):
        return [('Sigmoid', [x], [y + '_sigmoid'], {}), ('Mul', [x, y + '_sigmoid'], [y], {})]


for _cls in (LeakyRectifier, Softplus, Swish):
    register_activation(_cls)
assert _BUILT_IN == set(_REGISTRY)
