"""RMSprop, Adagrad, AdamW and AMSGrad, step for step against PyTorch's torch.optim and the documented formulas.

As in test_optimizers.py: 25 steps in float64 (5 epochs of 5 mini-batches),
with the L2 term in the cost and a learning rate that halves after every
epoch (a schedule), with and without dropout (the trainer's own masks,
reproduced from a copy of its generator); the parameters and every state
array must agree to a relative 1e-9 with

* tests/reference.py, the formulas as PyTorch documents them, in plain NumPy
  (always runs);
* torch.optim itself, when PyTorch is installed (the test skips otherwise).
"""
import numpy as np
import pytest

import reference
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
from feedforward_checks import Interval, Setting, apply_settings
from feedforward_optimizers import (OPTIMIZERS, AdagradRule, AdamRule, AdamWRule, RMSpropRule, UpdateRule,
                                   register_optimizer)
from feedforward_schedules import ExponentialDecay
from gradient_descent import Adagrad, AdamW, RMSprop, Trainer
from test_optimizers import (BATCH, DROPOUT, EPOCHS, L2, N, SEED, TOLERANCE, batches_and_masks, per_layer, problem,
                             relative_difference, torch_steps)

#: Each case: our rule (class and settings), the learning rate, PyTorch's optimizer and its arguments, and the
#: names of our state arrays with PyTorch's names for them.
CASES = {
    'rmsprop': (RMSpropRule, {}, 0.01, 'RMSprop', {}),
    'rmsprop-momentum': (RMSpropRule, dict(alpha=0.9, momentum=0.8), 0.005, 'RMSprop', dict(alpha=0.9, momentum=0.8)),
    'rmsprop-centered': (RMSpropRule, dict(centered=True, eps=1e-6), 0.01, 'RMSprop', dict(centered=True, eps=1e-6)),
    'rmsprop-centered-momentum': (RMSpropRule, dict(centered=True, momentum=0.5), 0.005, 'RMSprop',
                                  dict(centered=True, momentum=0.5)),
    'adagrad': (AdagradRule, dict(lr_decay=0.05, initial_accumulator_value=0.1), 0.1, 'Adagrad',
                dict(lr_decay=0.05, initial_accumulator_value=0.1)),
    'adamw': (AdamWRule, dict(weight_decay=0.1, betas=(0.85, 0.99)), 0.01, 'AdamW',
              dict(weight_decay=0.1, betas=(0.85, 0.99))),
    'adamw-amsgrad': (AdamWRule, dict(amsgrad=True), 0.01, 'AdamW', dict(amsgrad=True)),
    'adam-amsgrad': (AdamRule, dict(amsgrad=True, eps=1e-7), 0.01, 'Adam', dict(amsgrad=True, eps=1e-7)),
}
TORCH_STATE = {'square_average': 'square_avg', 'gradient_average': 'grad_avg', 'velocity': 'momentum_buffer',
               'square_sum': 'sum', 'first_moment': 'exp_avg', 'second_moment': 'exp_avg_sq',
               'max_second_moment': 'max_exp_avg_sq'}


def learning_rates(case):
    return [CASES[case][2] * 0.5 ** epoch for epoch in range(EPOCHS)]


def make_trainer(net, case, dropout):
    rule_class, settings, rate = CASES[case][:3]
    return Trainer(net, CrossEntropyCost(net, l2_reg_term=L2), rule_class(**settings), rate, batch_size=BATCH,
                   seed=SEED, dropout=dropout, schedule=ExponentialDecay(0.5))


def numpy_reference(case, weights, biases, names, X, Y, steps):
    """The trajectory by the formulas of tests/reference.py: the parameters, and the state by our names."""
    rule_class, settings = CASES[case][:2]
    parameters = [w.copy() for w in weights] + [b.copy() for b in biases]
    zeros = [np.zeros_like(p) for p in parameters]
    if rule_class is RMSpropRule:
        state = [(z, z, z) for z in zeros]
    elif rule_class is AdagradRule:
        state = [z + settings['initial_accumulator_value'] for z in zeros]
    else:
        state = [(z, z, z) if settings.get('amsgrad') else (z, z) for z in zeros]
    rates = learning_rates(case)
    L = len(weights)
    for t, (rows, masks) in enumerate(steps, start=1):
        grad_W, grad_b = reference.gradient('CrossEntropyCost', parameters[:L], parameters[L:], names, X[rows],
                                            Y[rows], L2, masks)
        lr, gradients = rates[(t - 1) // (N // BATCH)], grad_W + grad_b
        if rule_class is RMSpropRule:
            parameters, state = reference.rmsprop_step(parameters, gradients, state, lr, **settings)
        elif rule_class is AdagradRule:
            parameters, state = reference.adagrad_step(parameters, gradients, state, t, lr, settings['lr_decay'])
        else:
            decay = settings.get('weight_decay', 0.01) if rule_class is AdamWRule else 0.0
            parameters, state = reference.adam_step(parameters, gradients, state, t, lr,
                                                    settings.get('betas', (0.9, 0.999)), settings.get('eps', 1e-8),
                                                    settings.get('amsgrad', False), decay)
    if rule_class is RMSpropRule:
        named = {'square_average': [s[0] for s in state]}
        if settings.get('centered'):
            named['gradient_average'] = [s[1] for s in state]
        if settings.get('momentum'):
            named['velocity'] = [s[2] for s in state]
    elif rule_class is AdagradRule:
        named = {'square_sum': state}
    else:
        named = {'first_moment': [s[0] for s in state], 'second_moment': [s[1] for s in state]}
        if settings.get('amsgrad'):
            named['max_second_moment'] = [s[2] for s in state]
    return parameters, named


def torch_reference(case, weights, biases, names, X, Y, steps):
    """The same trajectory by PyTorch's optimizer and autograd (dropout: the same masks, multiplied in)."""
    torch = pytest.importorskip('torch', reason='PyTorch is not installed: the comparison with torch.optim skips '
                                               '(tests/reference.py checks the same formulas)')
    optimizer_name, arguments = CASES[case][3:]
    Ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    parameters = Ws + bs
    optimizer = getattr(torch.optim, optimizer_name)(parameters, lr=CASES[case][2], **arguments)
    torch_steps(torch, optimizer, Ws, bs, names, X, Y, steps, learning_rates(case))
    named = {}
    for ours, theirs in TORCH_STATE.items():
        if theirs in optimizer.state[parameters[0]]:
            named[ours] = [optimizer.state[p][theirs].numpy() for p in parameters]
    return [p.detach().numpy() for p in parameters], named


def run_and_compare(case, dropout, reference_function):
    net, X, Y = problem()
    names = [f.name for f in net.activations()]
    weights, biases = [w.copy() for w in net.weights()], [b.copy() for b in net.biases()]
    trainer = make_trainer(net, case, dropout)
    steps = batches_and_masks(trainer, trainer.dropout)
    theirs, theirs_state = reference_function(case, weights, biases, names, X, Y, steps)
    history = trainer.train(PreloadSource((X, Y)), EPOCHS)
    np.testing.assert_array_equal(history['learning_rate'], learning_rates(case))
    ours = list(net.weights()) + list(net.biases())
    difference = relative_difference(ours, theirs)
    assert set(trainer.rule.state()) == set(theirs_state)
    state_difference = max(relative_difference(per_layer(trainer.rule.state()[name]), theirs_state[name])
                           for name in theirs_state)
    print('\n{} {} dropout={}: largest relative difference {:.2e} (parameters), {:.2e} (state)'.format(
        reference_function.__name__, case, dropout, difference, state_difference))
    assert relative_difference(weights + biases, theirs) > 0.001       # the nets moved far from where they began
    assert difference < TOLERANCE and state_difference < TOLERANCE
    if 'step_count' in trainer.rule.state_scalars:
        assert trainer.rule.step_count == 25


@pytest.mark.parametrize('reference_function', [numpy_reference, torch_reference], ids=['formulas', 'pytorch'])
@pytest.mark.parametrize('dropout', [None, DROPOUT], ids=['no dropout', 'dropout'])
@pytest.mark.parametrize('case', list(CASES))
def test_25_steps_agree_with_the_formulas_and_with_pytorch(case, dropout, reference_function):
    run_and_compare(case, dropout, reference_function)


def test_the_trainers_by_name_are_the_rules_with_their_defaults_and_show_their_state():
    net, _, _ = problem()
    cost = CrossEntropyCost(net)
    rmsprop = RMSprop(net, cost, centered=True, momentum=0.5)
    assert (rmsprop.learning_rate, rmsprop.alpha, rmsprop.eps) == (0.01, 0.99, 1e-8)
    assert rmsprop.gradient_average.shape == rmsprop.velocity.shape == net.parameters().shape
    adagrad = Adagrad(net, cost, initial_accumulator_value=0.5)
    assert adagrad.learning_rate == 0.01 and adagrad.eps == 1e-10 and (adagrad.square_sum == 0.5).all()
    adamw = AdamW(net, cost)
    assert (adamw.weight_decay, adamw.betas, adamw.amsgrad, adamw.max_second_moment) == (0.01, (0.9, 0.999), False,
                                                                                       None)
    adamw.amsgrad = True                         # a setting that needs a state array makes it
    assert adamw.max_second_moment.shape == net.parameters().shape and not adamw.max_second_moment.any()
    assert repr(adamw) == 'AdamW(amsgrad=True, epochs_done=0)'


@pytest.mark.parametrize('cls, settings, message', [
    (RMSprop, dict(alpha=1.0), 'alpha'), (RMSprop, dict(momentum=-0.1), 'momentum'),
    (RMSprop, dict(centered=1), 'centered'), (RMSprop, dict(eps=0), 'eps'),
    (Adagrad, dict(lr_decay=-1), 'lr_decay'), (Adagrad, dict(initial_accumulator_value=float('nan')),
                                               'initial_accumulator_value'),
    (AdamW, dict(weight_decay=-0.1), 'weight_decay'), (AdamW, dict(amsgrad='yes'), 'amsgrad'),
    (AdamW, dict(betas=(0.9, 1.0)), 'betas'), (AdamW, dict(batch_size=None), 'batch_size'),
])
def test_bad_settings_of_the_new_rules_are_refused_naming_them(cls, settings, message):
    net, _, _ = problem()
    with pytest.raises((TypeError, ValueError), match=message):
        cls(net, CrossEntropyCost(net), **settings)


def test_apply_settings_changes_all_the_settings_or_none_and_makes_the_state_they_need():
    net, _, _ = problem()
    trainer = RMSprop(net, CrossEntropyCost(net), alpha=0.9)
    before = trainer.rule.settings()
    for bad in (dict(alpha=0.5, momentum=0.9, centered=True, eps=-1.0), dict(alpha=0.5, nesterov=True),
                dict(momentum=0.5, centered='yes')):
        with pytest.raises((TypeError, ValueError)):
            apply_settings(trainer.rule, bad)
        assert trainer.rule.settings() == before and trainer.rule.velocity is None
    apply_settings(trainer.rule, dict(alpha=0.5, momentum=0.9, centered=True))
    assert trainer.rule.settings() == dict(alpha=0.5, eps=1e-8, momentum=0.9, centered=True)
    assert trainer.rule.velocity.shape == trainer.rule.gradient_average.shape == net.parameters().shape


def test_an_undone_epoch_puts_back_every_state_array_and_the_step_count():
    net, X, Y = problem()
    src = PreloadSource((X, Y))
    trainer = make_trainer(net, 'adamw-amsgrad', DROPOUT)
    trainer.training_epoch(src)
    before = {name: array.copy() for name, array in trainer.rule.state().items()}, trainer.rule.step_count

    def poison(batch_index, n_batches):
        if batch_index == 2:
            net.weights()[0][0, 0] = np.nan
    with pytest.raises(FloatingPointError, match='epoch 2 at batch 4'):
        trainer.training_epoch(src, on_batch=poison)
    assert trainer.rule.step_count == before[1]
    for name, array in trainer.rule.state().items():
        np.testing.assert_array_equal(array, before[0][name])


# ----- a rule that register_optimizer refuses, and why ----------------------------------------------------------------


class _NoDefault(UpdateRule):
    name = 'test_no_default'
    rate = Setting(Interval(0, None))

    def update(self, theta, g, scratch, learning_rate):
        theta -= g


class _Infinite(UpdateRule):
    name = 'test_infinite'

    def update(self, theta, g, scratch, learning_rate):
        theta /= 0.0


class _Idle(UpdateRule):
    name = 'test_idle'

    def update(self, theta, g, scratch, learning_rate):
        np.subtract(theta, g, out=scratch)            # into the scratch only: theta is left as it was


class _MisnamedState(UpdateRule):
    name = 'test_misnamed_state'
    state_arrays = ('m',)

    def update(self, theta, g, scratch, learning_rate, momentum):
        theta -= g


class _NoUpdate(UpdateRule):
    name = 'test_no_update'


@pytest.mark.parametrize('cls, kind, message', [
    (_NoDefault, TypeError, r'must build with its defaults alone .* give every Setting a default'),
    (_Infinite, ValueError, r'made the parameters \[inf, -inf, inf, nan\]: a step must keep them finite'),
    (_Idle, ValueError, r'left the parameters \[0\.5, -1\.0, 2\.0, 0\.0\] unchanged: update must change theta '
                        r'in place'),
    (_MisnamedState, TypeError, r"unexpected keyword argument 'm'.*keyword arguments named as the state arrays "
                                r"the rule keeps \(m\)"),
    (_NoUpdate, TypeError, r'must define update\(self, theta, g, scratch, learning_rate, \*\*state\)'),
])
def test_register_optimizer_refuses_a_rule_that_cannot_step_saying_why_and_registers_nothing(cls, kind, message):
    with pytest.raises(kind, match=message):
        register_optimizer(cls)
    assert cls.name not in OPTIMIZERS
