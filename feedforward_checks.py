"""Checks of the values users hand to the library: one home for them, so every module says the same thing.

Each check returns the value in the form the library uses, or raises
``TypeError`` (a value of the wrong kind) or ``ValueError`` (the right kind,
a wrong value) with a message that names the argument, says what was
expected and shows what came.
"""
import inspect
import math
import numbers

import numpy as np

__all__ = ['check_positive_int', 'check_positive_number', 'check_nonnegative_number', 'check_float_dtype',
           'random_generator', 'is_same_class', 'check_registration', 'install_hint', 'FLOAT_DTYPES', 'Setting',
           'Interval', 'Integer', 'Flag', 'Pair', 'Optional', 'apply_settings', 'declared_settings', 'settings_repr',
           'constructor_repr']

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


def install_hint(extra, packages):
    """How to install what the extra ``extra`` brings, truthfully for a library installed from its source:
    ``pip install ".[sklearn]"`` in a clone of the library (the extras of its ``pyproject.toml``), or the packages
    themselves (``packages``, as pip names them)."""
    return 'pip install ".[{}]" in a clone of this library, or pip install {}'.format(extra, packages)


def check_registration(registry, built_in, cls, base, kind, replace, name=None):
    """Raise unless the class ``cls`` may be registered in ``registry`` (where ``built_in`` are the library's own
    names) as a ``kind`` ('activation', 'update rule', ...); returns the name it is registered under: what every
    registry of the library shares.

    ``cls`` must be a subclass of ``base``. Its name is ``name`` if given, else
    its ``name`` attribute, which must be a Python identifier of at most 50
    characters, as files hold it. The library's own names cannot be taken.
    The same class registered again, or defined anew (``is_same_class``),
    may take the place of the one registered; a name registered before for
    another class is refused unless ``replace`` is True.
    """
    if not (isinstance(cls, type) and issubclass(cls, base)) or cls is base:
        raise TypeError('expected a subclass of {}.{}, got {!r}'.format(base.__module__, base.__qualname__, cls))
    check_name = name is None
    name = cls.name if check_name else name
    if check_name and (not isinstance(name, str) or not name.isidentifier() or len(name) > 50):
        raise ValueError('expected {}.name to be a Python identifier of at most 50 characters, the name files will '
                         'hold, got {!r}'.format(cls.__qualname__, name))
    known = registry.get(name)
    if known is None or is_same_class(known, cls):
        return name
    if name in built_in:
        raise ValueError('{!r} is the name of one of the library\'s {}s: give {} another name'.format(
            name, kind, cls.__qualname__))
    if not replace:
        raise ValueError('the name {!r} is already registered for {}.{}: choose another name, or pass replace=True '
                         'to put {} in its place'.format(name, known.__module__, known.__qualname__, cls.__qualname__))
    return name


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


# ----- declared settings --------------------------------------------------------------------------
# A trainer, an update rule and a schedule state their settings in their class body, each with the constraint
# its values must meet; the library writes every message from these:
#
#     momentum = Setting(Interval(0, 1, closed='left'), default=0.0)
#     nesterov = Setting(Flag(), default=False)

class Interval:
    """Finite real numbers from ``low`` to ``high`` (None: no bound); ``closed`` is 'both', 'left', 'right' or
    'neither', saying which ends belong. Kept as a float."""

    def __init__(self, low=None, high=None, closed='both'):
        self.low, self.high, self.closed = low, high, closed
        self.description = self._describe()

    def _describe(self):
        low, high, closed = self.low, self.high, self.closed
        if low is None and high is None:
            return 'a finite number'
        if high is None and low == 0:
            return 'a finite number >= 0' if closed in ('both', 'left') else 'a positive finite number'
        if high is None:
            return 'a finite number {} {:g}'.format('>=' if closed in ('both', 'left') else '>', low)
        above = 'at most {:g}'.format(high) if closed in ('both', 'right') else 'below {:g}'.format(high)
        if low is None:
            return 'a number {}'.format(above)
        below = '>= {:g}'.format(low) if closed in ('both', 'left') else 'above {:g}'.format(low)
        return 'a number {} and {}'.format(below, above)

    def __call__(self, value, name):
        value = _real(value, name, self.description)
        low_ok = self.low is None or (value >= self.low if self.closed in ('both', 'left') else value > self.low)
        high_ok = self.high is None or (value <= self.high if self.closed in ('both', 'right') else value < self.high)
        if not (low_ok and high_ok):
            raise ValueError('expected {} to be {}, got {!r}'.format(name, self.description, value))
        return value


class Integer:
    """Whole numbers from ``low`` to ``high`` (None: no upper bound), not bools. Kept as an int."""

    def __init__(self, low=0, high=None):
        self.low, self.high = low, high
        if high is not None:
            self.description = 'an integer from {} to {}'.format(low, high)
        else:
            self.description = {0: 'an integer >= 0', 1: 'a positive integer'}.get(low, 'an integer >= {}'.format(low))

    def __call__(self, value, name):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError('expected {} to be {}, got {!r}'.format(name, self.description, value))
        if value < self.low or (self.high is not None and value > self.high):
            raise ValueError('expected {} to be {}, got {}'.format(name, self.description, value))
        return int(value)


class Flag:
    """True or False (NumPy's bools too). Kept as a bool."""

    description = 'True or False'

    def __call__(self, value, name):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError('expected {} to be True or False, got {!r}'.format(name, value))
        return bool(value)


class Pair:
    """Two values, each meeting ``constraint``: the first named ``name[0]``, the second ``name[1]``. Kept as a
    tuple."""

    def __init__(self, constraint):
        self.constraint = constraint
        self.description = 'a pair of values, each {}'.format(constraint.description)

    def __call__(self, value, name):
        try:
            first, second = value
        except (TypeError, ValueError):
            raise TypeError('expected {} to be {}, got {!r}'.format(name, self.description, value)) from None
        return (self.constraint(first, '{}[0]'.format(name)), self.constraint(second, '{}[1]'.format(name)))


class Optional:
    """None, or a value meeting ``constraint``."""

    def __init__(self, constraint):
        self.constraint = constraint
        self.description = 'None or {}'.format(constraint.description)

    def __call__(self, value, name):
        return None if value is None else self.constraint(value, name)


class Setting:
    """A setting of a trainer, an update rule or a schedule, checked whenever it is set.

    Written in a class body: ``momentum = Setting(Interval(0, 1, closed='left'), default=0.0)``. ``check`` is a
    constraint of this module (``Interval``, ``Integer``, ``Flag``, ``Pair``, ``Optional``) or any callable
    ``check(value, name)`` that returns the value to keep or raises ``TypeError`` or ``ValueError`` naming it; a
    string names such a method of the owner instead, for a check that needs the object (dropout rates depend on the
    net). A value that fails changes nothing. Then the owner's ``_check_settings()``, if it has one, checks the
    settings together (Nesterov's momentum needs a momentum above 0); if it raises, the setting goes back to what it
    was. Last, the owner's ``_settings_changed()``, if it has one, adapts the object to its new settings (an update
    rule makes the state arrays a setting calls for). ``default`` is what ``apply_settings`` uses when no value is
    given (``REQUIRED``: one must be); ``doc`` says what the setting is.
    """

    REQUIRED = object()

    def __init__(self, check, default=REQUIRED, doc=''):
        self.check, self.default, self.__doc__ = check, default, doc

    def __set_name__(self, owner, name):
        self.name, self._attribute = name, '_' + name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return getattr(instance, self._attribute)

    def checked(self, instance, value):
        """``value`` as the setting keeps it, or ``TypeError``/``ValueError`` naming the setting."""
        check = getattr(instance, self.check) if isinstance(self.check, str) else self.check
        return check(value, self.name)

    def __set__(self, instance, value):
        value = self.checked(instance, value)
        missing = object()
        before = getattr(instance, self._attribute, missing)
        setattr(instance, self._attribute, value)
        together = getattr(instance, '_check_settings', None)
        if together is not None:
            try:
                together()
            except (TypeError, ValueError):
                if before is missing:
                    delattr(instance, self._attribute)
                else:
                    setattr(instance, self._attribute, before)
                raise
        adapt = getattr(instance, '_settings_changed', None)
        if adapt is not None:
            adapt()


def declared_settings(cls):
    """The ``Setting`` objects of ``cls`` (its own and its bases'), by name, in the order they were written."""
    found = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Setting):
                found.pop(name, None)
                found[name] = value
    return found


def apply_settings(instance, given, what=None):
    """Set every declared setting of ``instance`` from ``given`` (a dict), or to its default, in the order the
    settings were written, then check them together (``_check_settings``) and let the object adapt
    (``_settings_changed``). All or nothing: a value that fails leaves every setting as it was. ``TypeError``
    names a key that is no setting, or a required one that is missing."""
    declared = declared_settings(type(instance))
    what = what or type(instance).__name__
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise TypeError('{} has no setting {}; its settings are {}'.format(
            what, ', '.join(repr(name) for name in unknown), ', '.join(declared) or 'none'))
    missing = object()
    before = {setting._attribute: getattr(instance, setting._attribute, missing) for setting in declared.values()}
    try:
        for name, setting in declared.items():
            if name in given:
                value = given[name]
            elif setting.default is Setting.REQUIRED:
                raise TypeError('{} needs a value for its setting {!r}'.format(what, name))
            else:
                value = setting.default
            setattr(instance, setting._attribute, setting.checked(instance, value))
        together = getattr(instance, '_check_settings', None)
        if together is not None:
            together()
    except (TypeError, ValueError):
        for attribute, value in before.items():
            if value is missing:
                instance.__dict__.pop(attribute, None)
            else:
                setattr(instance, attribute, value)
        raise
    adapt = getattr(instance, '_settings_changed', None)
    if adapt is not None:
        adapt()


def settings_repr(instance, always=(), extra=(), skip=()):
    """``Class(name=value, ...)``: the declared settings that differ from their defaults (and those in ``always``;
    none in ``skip``), then the ``(name, value)`` pairs of ``extra``."""
    parts = []
    for name, setting in declared_settings(type(instance)).items():
        if name in skip:
            continue
        value = getattr(instance, name)
        if name in always or setting.default is Setting.REQUIRED or not _same(value, setting.default):
            parts.append('{}={!r}'.format(name, value))
    parts.extend('{}={!r}'.format(name, value) for name, value in extra)
    return '{}({})'.format(type(instance).__name__, ', '.join(parts))


def constructor_repr(instance, skip=(), values=None, extra=()):
    """``Class(name=value, ...)``: the arguments of the class's constructor (but those in ``skip``) whose values, read
    from ``instance`` as attributes of the same names or given in ``values``, differ from their defaults (or have
    none), then the ``(name, value)`` pairs of ``extra``."""
    values = values or {}
    parts = []
    for name, parameter in inspect.signature(type(instance).__init__).parameters.items():
        if name == 'self' or name in skip or parameter.kind != parameter.POSITIONAL_OR_KEYWORD:
            continue
        value = values[name] if name in values else getattr(instance, name)
        if parameter.default is parameter.empty or not _same(value, parameter.default):
            parts.append('{}={!r}'.format(name, value))
    parts.extend('{}={!r}'.format(name, value) for name, value in extra)
    return '{}({})'.format(type(instance).__name__, ', '.join(parts))


def _same(value, default):
    try:
        return bool(value == default) or (isinstance(value, tuple) and value == tuple(default))
    except (TypeError, ValueError):
        return False
