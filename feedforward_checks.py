"""Checks of the values users hand to the library: one home for them, so every module says the same thing.

Each check returns the value in the form the library uses, or raises
``TypeError`` (a value of the wrong kind) or ``ValueError`` (the right kind,
a wrong value) with a message that names the argument, says what was
expected and shows what came.
"""
import math
import numbers

import numpy as np

__all__ = ['check_positive_int', 'check_positive_number', 'check_nonnegative_number', 'check_float_dtype',
           'random_generator', 'is_same_class']

#: The dtypes a net computes in.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_positive_int(value, name):
    """``value`` as an int if it is a positive integer (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError('expected {} to be a positive integer, got {!r}'.format(name, value))
    if value < 1:
        raise ValueError('expected {} to be a positive integer, got {}'.format(name, value))
    return int(value)


def _real(value, name, expected):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError('expected {} to be {}, got {!r}'.format(name, expected, value))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError('expected {} to be {}, got {!r}'.format(name, expected, value))
    return value


def check_positive_number(value, name):
    """``value`` as a float if it is a finite number above 0."""
    value = _real(value, name, 'a positive finite number')
    if value <= 0:
        raise ValueError('expected {} to be a positive finite number, got {!r}'.format(name, value))
    return value


def check_nonnegative_number(value, name):
    """``value`` as a float if it is a finite number of at least 0."""
    value = _real(value, name, 'a finite number >= 0')
    if value < 0:
        raise ValueError('expected {} to be a finite number >= 0, got {!r}'.format(name, value))
    return value


def check_float_dtype(dtype, name='dtype'):
    """``dtype`` as a ``numpy.dtype`` if it is float32 or float64 (``numpy.float32``, ``'float64'``, ...)."""
    try:
        checked = np.dtype(dtype)
    except TypeError:
        raise TypeError('expected {} to be float32 or float64, got {!r}'.format(name, dtype)) from None
    if checked not in FLOAT_DTYPES:
        raise TypeError('expected {} to be float32 or float64, got {}'.format(name, checked))
    return checked


def random_generator(seed, name='seed'):
    """A ``numpy.random.Generator`` from ``seed``: None (fresh entropy), an integer >= 0, a ``SeedSequence``,
    or a ``Generator``, which is used as it is (it is not copied)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError('expected {} to be None, an integer >= 0 or a numpy.random.Generator, got {!r}'.format(
            name, seed))
    if seed < 0:
        raise ValueError('expected {} to be None, an integer >= 0 or a numpy.random.Generator, got {}'.format(
            name, seed))
    return np.random.default_rng(int(seed))


def is_same_class(registered, cls):
    """Whether the class ``cls`` is ``registered``, or the same class defined anew: of the same module and qualified
    name, as when a notebook cell (or a script run again in one interpreter) that defines it runs twice.

    The registries (activations, costs) take such a class in the place of the
    one they hold without ``replace=True``; a different class under a name
    already taken is refused unless ``replace=True``.
    """
    return cls is registered or (isinstance(cls, type) and isinstance(registered, type)
                                 and cls.__module__ == registered.__module__
                                 and cls.__qualname__ == registered.__qualname__)
