"""Update rules: how a step changes the parameters theta from the gradient g of a batch's cost.

A rule is one small class, a subclass of ``UpdateRule``; a trainer (see
``gradient_descent``) forms the gradient, hands it to the rule, and does the
rest (batches, dropout, undoing a failed epoch, checkpoints). Each rule here
is exactly its namesake in PyTorch's ``torch.optim`` (float64 trajectories of
25 steps agree to a relative 1e-9 or better: ``tests/test_optimizers.py``),
with the L2 term of the cost in g (so g holds lambda W, as PyTorch's coupled
``weight_decay`` would put it there), at learning rate eta:

=========  ============================================================================
rule       step (state 0 at first, t the step count from 1)
=========  ============================================================================
sgd        b <- mu b + g;  theta <- theta - eta b  (Nesterov: theta - eta (g + mu b))
adam       m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
           theta <- theta - eta (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
adamw      theta <- theta (1 - eta lambda_w), then the step of adam
rmsprop    v <- alpha v + (1 - alpha) g^2;  theta <- theta - eta g / (sqrt(v) + eps)
adagrad    s <- s + g^2;  theta <- theta - eta / (1 + (t - 1) decay) g / (sqrt(s) + eps)
=========  ============================================================================

The protocol of a rule (written out in ``UpdateRule``):

* ``name``: the name the registry, checkpoints, the scikit-learn
  estimators' ``solver=`` and the demos' ``--optimizer`` know it by;
* its settings, each a ``feedforward_checks.Setting`` with its constraint
  and default, checked whenever they are set;
* its state: ``state_arrays``, names of arrays laid out as the net's
  parameters (0 at first), and ``state_scalars``, names of numbers such as a
  step count, each with its constraint;
* ``update(theta, g, scratch, learning_rate, **state)``: one step, in place,
  on a stretch of the parameters (the whole of a small net's; a
  cache-sized chunk of a large one), with the same stretch of every state
  array, by name.

``register_optimizer`` makes a rule of your own known by its name, as
``activation_functions.register_activation`` does for activations; see
``docs/update_rules.md``.
"""
import math
import types

import numpy as np

from feedforward_checks import (Flag, Integer, Interval, Pair, Setting, apply_settings, declared_settings,
                                check_registration, settings_repr)

__all__ = ['UpdateRule', 'SGDRule', 'AdamRule', 'AdamWRule', 'RMSpropRule', 'AdagradRule', 'OPTIMIZERS',
           'register_optimizer', 'optimizer']

#: A number in [0, 1): a momentum, a decay rate of a moving average.
_BELOW_ONE = Interval(0, 1, closed='left')
_POSITIVE = Interval(0, None, closed='neither')
_NONNEGATIVE = Interval(0, None)


class UpdateRule:
    """The protocol every update rule follows; a rule of your own is a subclass (see ``docs/update_rules.md``).

    Class attributes:

    * ``name``: the rule's name (a Python identifier of at most 50 characters);
    * ``default_learning_rate``: the learning rate a trainer takes when given
      none (None: it must be given);
    * ``state_arrays``: the names of the arrays the rule keeps, each laid out
      as the net's parameters and 0 at first (``build`` may start them
      otherwise, or leave one None until a setting needs it);
      ``nonnegative_state``: those that can never be negative (a mean of
      squares), which a checkpoint is checked against;
    * ``state_scalars``: the names of the numbers the rule keeps (a step
      count), each with the constraint of its values, 0 at first.

    Settings are ``Setting`` attributes; the constructor takes each by
    keyword (its default if not given). A trainer calls, for every step:

    1. ``gradient_scale(learning_rate)``: the factor the gradient is formed
       with (back-propagation gets it for free: it rides on the output
       error). 1 by default; SGD asks for eta, so that g is its plain step;
    2. ``begin_step(learning_rate)``: what the step computes once, such as
       the step count and bias corrections;
    3. ``update(theta, g, scratch, learning_rate, **state)`` for each stretch
       of the parameters: ``theta`` and ``g`` (which the rule may overwrite)
       and ``scratch`` (free for the rule's use) are 1-d arrays of the same
       length, and each state array comes by its name, cut to the same
       stretch. Everything is changed in place; nothing is returned. The
       trainer checks theta for NaN and infinity after it.

    and ``end_steps()`` when the steps of an epoch end or stop, for a rule
    that keeps its state in other units within an epoch (SGD does). The
    trainer keeps a copy of the state at the start of every epoch, and puts
    it back if the epoch fails.
    """

    name = None
    default_learning_rate = None
    state_arrays = ()
    nonnegative_state = ()
    state_scalars = {}

    def __init__(self, **settings):
        self._parameters = None
        for name in self.state_arrays:
            setattr(self, name, None)
        for name in self.state_scalars:
            setattr(self, name, 0)
        apply_settings(self, settings)

    # ----- what a rule of its own defines ---------------------------------------------------------

    def arrays_needed(self):
        """The names of the state arrays the rule's steps use with its settings as they are (all of them by
        default; AMSGrad's largest v, say, only with ``amsgrad``): made when the rule is built, or when a setting
        calls for one later."""
        return self.state_arrays

    def build(self, parameters):
        """Make the state arrays for ``parameters``, the net's flat parameter array: those of ``arrays_needed``,
        0 by default."""
        for name in self.arrays_needed():
            setattr(self, name, self.zeros())

    def gradient_scale(self, learning_rate):
        """The factor the gradient is formed with (see the class docstring)."""
        return 1.0

    def begin_step(self, learning_rate):
        """What a step computes once, before its ``update`` calls."""

    def update(self, theta, g, scratch, learning_rate, **state):
        """One step on a stretch of the parameters, in place (see the class docstring)."""
        raise NotImplementedError

    def end_steps(self):
        """Bring the state into its own units when the steps of an epoch end or stop."""

    # ----- what every rule has -----------------------------------------------------------------------

    def _settings_changed(self):
        if self._parameters is not None:
            for name in self.arrays_needed():
                if getattr(self, name) is None:
                    setattr(self, name, self.zeros())

    def attach(self, parameters):
        """Make this rule's state for the net whose flat parameters are ``parameters``; a trainer calls it once.

        A rule holds the state of one net's training: one that holds another's is refused.
        """
        if self._parameters is not None and self._parameters is not parameters:
            raise ValueError('this {} already holds the state of another net\'s training: give each trainer an '
                             'update rule of its own'.format(type(self).__name__))
        if self._parameters is None:
            self._parameters = parameters
            self.build(parameters)

    def zeros(self):
        """A new array of zeros laid out as the parameters: for ``build``, or a state array made later."""
        return np.zeros_like(self._parameters)

    def state(self):
        """The state arrays made so far, by name."""
        return {name: getattr(self, name) for name in self.state_arrays if getattr(self, name) is not None}

    def settings(self):
        """The settings, by name: ``type(rule)(**rule.settings())`` builds the rule again."""
        return {name: getattr(self, name) for name in declared_settings(type(self))}

    def __repr__(self):
        return settings_repr(self)


class SGDRule(UpdateRule):
    """Stochastic gradient descent: plain, with momentum mu, or with Nesterov momentum, as ``torch.optim.SGD``
    (dampening 0), with the velocity b (0 before the first step)::

        b <- mu b + g
        theta <- theta - eta b                 (nesterov=False; with mu = 0: theta <- theta - eta g)
        theta <- theta - eta (g + mu b)        (nesterov=True)

    The gradient is formed as eta g, which is the plain step itself. With
    momentum, the steps of an epoch hold the velocity as r b, for r the
    learning rate of the last step (r = 1 when the epoch starts): this step's
    is then eta b <- (mu eta / r) (r b) + eta g, one pass fewer than scaling b
    by eta; ``end_steps`` divides by r, so that between epochs ``velocity`` is
    b, in the units of the gradient, as PyTorch keeps it. ``velocity`` is None
    until a momentum above 0 is set.
    """

    name = 'sgd'
    momentum = Setting(_BELOW_ONE, default=0.0, doc='mu, from 0 (plain steps) to below 1')
    nesterov = Setting(Flag(), default=False, doc="whether the momentum step is Nesterov's")
    state_arrays = ('velocity',)

    def _check_settings(self):
        if self._nesterov and not self._momentum:
            raise ValueError('Nesterov momentum needs a momentum above 0, got nesterov=True with momentum=0')

    _rate = 1.0

    def arrays_needed(self):
        return ('velocity',) if self._momentum else ()

    def gradient_scale(self, learning_rate):
        return learning_rate

    def begin_step(self, learning_rate):
        if self._momentum:
            # eta / r is exactly 1 while the rate stays the same: the factor is then mu itself.
            self._decay = self._momentum * (learning_rate / self._rate)
            self._rate = learning_rate

    def update(self, theta, g, scratch, learning_rate, velocity=None):
        if not self._momentum:
            theta -= g                           # g is eta g here: theta <- theta - eta g
            return
        velocity *= self._decay
        velocity += g                            # eta b <- mu eta b + eta g
        if self._nesterov:
            np.multiply(velocity, self._momentum, out=scratch)
            g += scratch
            theta -= g                           # theta <- theta - eta (g + mu b)
        else:
            theta -= velocity                    # theta <- theta - eta b

    def end_steps(self):
        if self._rate != 1.0:
            self.velocity /= self._rate
            self._rate = 1.0


class AdamRule(UpdateRule):
    """Adam (Kingma and Ba, 2015), exactly as ``torch.optim.Adam``, with the moments m and v (0 at first) and the
    step count t (from 1)::

        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g^2
        v_max <- max(v_max, v)                          (amsgrad=True; then v_max in place of v below)
        theta <- theta - eta (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

    The gradient is formed as (1 - beta1) g, the term m takes, and with c1 = 1 - beta1^t and c2 = 1 - beta2^t
    the step is written (eta sqrt(c2) / c1) m / (sqrt(v) + eps sqrt(c2)), which needs no pass to divide m or v.
    """

    name = 'adam'
    default_learning_rate = 0.001
    betas = Setting(Pair(_BELOW_ONE), default=(0.9, 0.999), doc='(beta1, beta2), each in [0, 1)')
    eps = Setting(_POSITIVE, default=1e-8, doc='the term added to the denominator')
    amsgrad = Setting(Flag(), default=False, doc='AMSGrad: divide by the largest v so far')
    state_arrays = ('first_moment', 'second_moment', 'max_second_moment')
    nonnegative_state = ('second_moment', 'max_second_moment')
    state_scalars = {'step_count': Integer(0)}

    def arrays_needed(self):
        return self.state_arrays if self._amsgrad else self.state_arrays[:2]

    def gradient_scale(self, learning_rate):
        return 1.0 - self._betas[0]

    def begin_step(self, learning_rate):
        self.step_count += 1
        beta1, beta2 = self._betas
        root_c2 = math.sqrt(1.0 - beta2 ** self.step_count)
        self._step_size = learning_rate * root_c2 / (1.0 - beta1 ** self.step_count)
        self._denominator_eps = self._eps * root_c2
        # (1 - beta2) g^2 from the (1 - beta1) g the gradient was formed as.
        self._square_factor = (1.0 - beta2) / (1.0 - beta1) ** 2

    def update(self, theta, g, scratch, learning_rate, first_moment, second_moment, max_second_moment=None):
        beta1, beta2 = self._betas
        m, v, s = first_moment, second_moment, scratch
        m *= beta1
        m += g                                   # m <- beta1 m + (1 - beta1) g
        np.multiply(g, g, out=g)
        g *= self._square_factor
        v *= beta2
        v += g                                   # v <- beta2 v + (1 - beta2) g^2
        if self._amsgrad:
            v = np.maximum(max_second_moment, v, out=max_second_moment)
        np.sqrt(v, out=s)
        s += self._denominator_eps
        np.divide(m, s, out=s)
        s *= self._step_size
        theta -= s


class AdamWRule(AdamRule):
    """AdamW (Loshchilov and Hutter, 2019), exactly as ``torch.optim.AdamW``: weight decay lambda_w decoupled from
    the gradient, then the step of ``AdamRule`` (amsgrad too)::

        theta <- theta (1 - eta lambda_w)

    The cost's L2 term, if any, still goes into g as for every rule.
    """

    name = 'adamw'
    weight_decay = Setting(_NONNEGATIVE, default=0.01, doc='lambda_w, the decoupled weight decay')

    def update(self, theta, g, scratch, learning_rate, first_moment, second_moment, max_second_moment=None):
        theta *= 1.0 - learning_rate * self._weight_decay
        super().update(theta, g, scratch, learning_rate, first_moment, second_moment, max_second_moment)


class RMSpropRule(UpdateRule):
    """RMSprop (Hinton, 2012), exactly as ``torch.optim.RMSprop``, with the mean square v, the mean gradient a
    (``centered``) and the velocity b (``momentum`` above 0), each 0 at first::

        v <- alpha v + (1 - alpha) g^2
        a <- alpha a + (1 - alpha) g                    (centered=True; then v - a^2 in place of v below)
        d = sqrt(v) + eps
        theta <- theta - eta g / d                      (momentum=0)
        b <- mu b + g / d;  theta <- theta - eta b      (momentum > 0, as mu)
    """

    name = 'rmsprop'
    default_learning_rate = 0.01
    alpha = Setting(_BELOW_ONE, default=0.99, doc='the decay of the mean square')
    eps = Setting(_POSITIVE, default=1e-8, doc='the term added to the denominator')
    momentum = Setting(_BELOW_ONE, default=0.0, doc='mu, from 0 (none) to below 1')
    centered = Setting(Flag(), default=False, doc='divide by an estimate of the variance of g')
    state_arrays = ('square_average', 'gradient_average', 'velocity')
    nonnegative_state = ('square_average',)

    def arrays_needed(self):
        return ('square_average',) + (('gradient_average',) if self._centered else ()) + \
            (('velocity',) if self._momentum else ())

    def update(self, theta, g, scratch, learning_rate, square_average, gradient_average=None, velocity=None):
        alpha, s = self._alpha, scratch
        square_average *= alpha
        np.multiply(g, g, out=s)
        s *= 1.0 - alpha
        square_average += s                      # v <- alpha v + (1 - alpha) g^2
        if self._centered:
            gradient_average *= alpha
            np.multiply(g, 1.0 - alpha, out=s)
            gradient_average += s                # a <- alpha a + (1 - alpha) g
            np.multiply(gradient_average, gradient_average, out=s)
            np.subtract(square_average, s, out=s)
            np.sqrt(s, out=s)
        else:
            np.sqrt(square_average, out=s)
        s += self._eps                           # d
        np.divide(g, s, out=s)                   # g / d
        if self._momentum:
            velocity *= self._momentum
            velocity += s                        # b <- mu b + g / d
            np.multiply(velocity, learning_rate, out=s)
        else:
            s *= learning_rate
        theta -= s


class AdagradRule(UpdateRule):
    """Adagrad (Duchi et al., 2011), exactly as ``torch.optim.Adagrad``, with the sum of squares s (starting at
    ``initial_accumulator_value``) and the step count t (from 1)::

        s <- s + g^2
        theta <- theta - (eta / (1 + (t - 1) lr_decay)) g / (sqrt(s) + eps)
    """

    name = 'adagrad'
    default_learning_rate = 0.01
    lr_decay = Setting(_NONNEGATIVE, default=0.0, doc='how fast the step size falls with the step count')
    initial_accumulator_value = Setting(_NONNEGATIVE, default=0.0, doc='where the sum of squares starts')
    eps = Setting(_POSITIVE, default=1e-10, doc='the term added to the denominator')
    state_arrays = ('square_sum',)
    nonnegative_state = ('square_sum',)
    state_scalars = {'step_count': Integer(0)}

    def build(self, parameters):
        self.square_sum = np.full_like(parameters, self._initial_accumulator_value)

    def begin_step(self, learning_rate):
        self.step_count += 1
        self._step_size = learning_rate / (1.0 + (self.step_count - 1) * self._lr_decay)

    def update(self, theta, g, scratch, learning_rate, square_sum):
        np.multiply(g, g, out=scratch)
        square_sum += scratch                    # s <- s + g^2
        np.sqrt(square_sum, out=scratch)
        scratch += self._eps
        np.divide(g, scratch, out=scratch)
        scratch *= self._step_size
        theta -= scratch                         # theta <- theta - eta_t g / (sqrt(s) + eps)


# ----- the registry ----------------------------------------------------------------------------------

_REGISTRY = {}
_BUILT_IN = frozenset(('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'))

#: The update rules by name (read-only: add yours with ``register_optimizer``).
OPTIMIZERS = types.MappingProxyType(_REGISTRY)


def register_optimizer(cls, replace=False):
    """Make the update rule ``cls`` (a subclass of ``UpdateRule``) known by its ``name``; returns ``cls``.

    From then on trainers take the name (``Trainer(net, cost, 'lion')``),
    checkpoints that name it load, the scikit-learn estimators take it as
    ``solver=`` and the demos as ``--optimizer``. The rule is tried once on a
    small array first, built with its defaults, so that a mistake in its
    protocol is reported here, not in the middle of training. The library's
    own names cannot be taken; a name registered before for another class is
    refused unless ``replace`` is True (the same class defined again, as when
    a notebook cell runs twice, is accepted). Can be used as a class
    decorator.
    """
    name = check_registration(_REGISTRY, _BUILT_IN, cls, UpdateRule, 'update rule', replace)
    if cls.update is UpdateRule.update:
        raise TypeError('{} must define update(self, theta, g, scratch, learning_rate, **state), as UpdateRule '
                        'describes'.format(cls.__qualname__))
    _try_out(cls)
    _REGISTRY[name] = cls
    return cls


def _try_out(cls):
    """Raise, saying what is wrong, unless ``cls`` builds with its defaults and takes two steps on a small array."""
    label = 'register_optimizer({})'.format(cls.__qualname__)
    try:
        rule = cls()
    except TypeError as error:
        raise TypeError('{}: the rule must build with its defaults alone ({}); give every Setting a '
                        'default'.format(label, error)) from None
    parameters = np.array([0.5, -1.0, 2.0, 0.0])
    try:
        with np.errstate(all='ignore'):          # a step that makes inf or NaN is told below, without NumPy's warnings
            _two_trial_steps(rule, parameters)
    except Exception as error:
        hint = '' if 'keyword argument' not in str(error) else '; update is called with keyword arguments named as ' \
            'the state arrays the rule keeps ({})'.format(', '.join(rule.arrays_needed()) or 'none')
        raise type(error)('{}: a trial step on an array of 4 parameters failed: {}{}'.format(
            label, error, hint)) from error
    for name, array in rule.state().items():
        if not isinstance(array, np.ndarray) or array.shape != parameters.shape:
            raise ValueError('{}: the state array {!r} must be laid out as the parameters (shape {}), got {!r}'.format(
                label, name, parameters.shape, array))
    if not np.isfinite(parameters).all():
        raise ValueError('{}: two trial steps of learning rate 0.01 along the gradient [0.1, -0.2, 0.3, 0] made '
                         'the parameters {}: a step must keep them finite'.format(label, parameters.tolist()))
    if np.array_equal(parameters, [0.5, -1.0, 2.0, 0.0]):
        raise ValueError('{}: two trial steps along a non-zero gradient left the parameters {} unchanged: update '
                         'must change theta in place'.format(label, parameters.tolist()))


def _two_trial_steps(rule, parameters):
    rule.attach(parameters)
    for _ in range(2):
        rule.begin_step(0.01)
        gradient = np.array([0.1, -0.2, 0.3, 0.0]) * rule.gradient_scale(0.01)
        rule.update(parameters, gradient, np.empty_like(parameters), 0.01, **rule.state())
    rule.end_steps()


def optimizer(value):
    """The update rule ``value`` names: a rule (used as it is), a registered name, or a rule class (built with its
    defaults); ``TypeError`` or ``ValueError`` otherwise, listing the names there are."""
    if isinstance(value, UpdateRule):
        return value
    if isinstance(value, str):
        cls = _REGISTRY.get(value) or _REGISTRY.get(value.lower())
        if cls is None:
            raise ValueError('expected an update rule named one of {}, got {!r}; a rule of your own must be '
                             'registered first, with feedforward_optimizers.register_optimizer'.format(
                                 ', '.join(repr(name) for name in _REGISTRY), value))
        return cls()
    if isinstance(value, type) and issubclass(value, UpdateRule) and value is not UpdateRule:
        return value()
    raise TypeError('expected an update rule: a name such as \'adam\', a rule such as AdamRule(betas=(0.9, 0.99)), '
                    'or a rule class, got {!r}'.format(value))


for _rule in (SGDRule, AdamRule, AdamWRule, RMSpropRule, AdagradRule):
    register_optimizer(_rule)
del _rule
