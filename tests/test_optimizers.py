"""Momentum, Nesterov, Adam and dropout, step for step against two independent references.

* PyTorch (``torch.optim.SGD``, ``torch.optim.Adam`` and autograd), when it
  is installed: the tests that need it skip with a message otherwise;
* tests/reference.py: the documented formulas and a back-propagation of
  its own, in plain NumPy, which always runs (its gradient is itself checked
  against central differences here).

The trajectories take 25 steps in float64 (5 epochs of 5 mini-batches), with
the L2 term in the cost, a learning rate that halves after every epoch, and,
for dropout, the masks the trainer drew, reproduced from a copy of its
dropout generator.
"""
import tracemalloc

import numpy as np
import pytest

import reference
from activation_functions import Identity, Rectifier, Softmax, Tanh
from cost_functions import CrossEntropyCost, QuadraticCost
from data_source import PreloadSource
from feedforward_schedules import ExponentialDecay
from gradient_descent import Adam, GradientDescent, StochasticGradientDescent, StopTraining, TrainingDivergedError
from neural_net import NetFactory

SIZES = [6, 9, 7, 3]
N, BATCH, EPOCHS, L2, SEED = 40, 8, 5, 0.01, 3
#: Relative agreement required after 25 steps in float64.
TOLERANCE = 1e-9

RULES = {
    'plain': dict(cls=StochasticGradientDescent, learning_rate=0.3),
    'momentum': dict(cls=StochasticGradientDescent, learning_rate=0.1, momentum=0.9),
    'nesterov': dict(cls=StochasticGradientDescent, learning_rate=0.1, momentum=0.8, nesterov=True),
    'adam': dict(cls=Adam, learning_rate=0.01, betas=(0.85, 0.99), eps=1e-7),
}
DROPOUT = [0.2, 0.5, 0.3]


def problem(hidden=Tanh, seed=0):
    rng = np.random.default_rng(seed)
    net = NetFactory.create_neural_net(SIZES, hidden, Softmax)
    net.randomize_parameters(seed)
    # Output weights away from zero, so that every layer's gradient matters from the first step.
    net.weights()[-1][...] = rng.normal(0, 0.5, net.weights()[-1].shape)
    X = rng.normal(size=(N, SIZES[0]))
    Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], N)]
    return net, X, Y


def make_trainer(net, rule, dropout=None, decay=0.5):
    settings = dict(RULES[rule])
    cls = settings.pop('cls')
    return cls(net, CrossEntropyCost(net, l2_reg_term=L2), batch_size=BATCH, seed=SEED, dropout=dropout,
               schedule=ExponentialDecay(decay), **settings)


def copy_of(generator):
    twin = np.random.Generator(type(generator.bit_generator)())
    twin.bit_generator.state = generator.bit_generator.state
    return twin


def batches_and_masks(trainer, rates):
    """The batches (row indices) and dropout masks of the trainer's next EPOCHS epochs, drawn independently
    from copies of its generators as documented: a permutation per epoch; per step, for each layer with
    rate p > 0, m = 1 / (1 - p) where a uniform draw u >= p, else 0."""
    shuffle, dropout = copy_of(trainer.rng), copy_of(trainer.dropout_rng)
    steps = []
    for _ in range(EPOCHS):
        order = shuffle.permutation(N)
        for start in range(0, N, BATCH):
            rows = order[start:start + BATCH]
            masks = None
            if rates is not None:
                masks = [None if p == 0 else (dropout.random((len(rows), size)) >= p) / (1 - p)
                         for size, p in zip(SIZES, rates)]
            steps.append((rows, masks))
    return steps


def learning_rates(rule):
    """The rate of each epoch: the first, halved after every epoch (ExponentialDecay(0.5))."""
    return [RULES[rule]['learning_rate'] * 0.5 ** epoch for epoch in range(EPOCHS)]


def numpy_reference(rule, weights, biases, names, X, Y, steps):
    """The trajectory by tests/reference.py: returns the parameters (weights, biases) and the rule's state."""
    settings = RULES[rule]
    parameters = [w.copy() for w in weights] + [b.copy() for b in biases]
    L = len(weights)
    buffers = [None] * len(parameters)
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in parameters]
    rates = learning_rates(rule)
    for t, (rows, masks) in enumerate(steps, start=1):
        grad_W, grad_b = reference.gradient('CrossEntropyCost', parameters[:L], parameters[L:], names, X[rows],
                                            Y[rows], L2, masks)
        lr = rates[(t - 1) // (N // BATCH)]
        if rule == 'adam':
            parameters, moments = reference.adam_step(parameters, grad_W + grad_b, moments, t, lr,
                                                      settings['betas'], settings['eps'])
        else:
            parameters, buffers = reference.sgd_step(parameters, grad_W + grad_b, buffers, lr,
                                                     settings.get('momentum', 0.0), settings.get('nesterov', False))
    state = moments if rule == 'adam' else buffers
    return parameters[:L], parameters[L:], state


def torch_reference(rule, weights, biases, names, X, Y, steps):
    """The same trajectory by PyTorch's optimizers and autograd (dropout: the same masks, multiplied in)."""
    torch = pytest.importorskip('torch', reason='PyTorch is not installed: the comparison with torch.optim skips '
                                               '(tests/reference.py checks the same formulas)')
    settings = RULES[rule]
    Ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    parameters = Ws + bs
    if rule == 'adam':
        optimizer = torch.optim.Adam(parameters, lr=settings['learning_rate'], betas=settings['betas'],
                                     eps=settings['eps'])
    else:
        optimizer = torch.optim.SGD(parameters, lr=settings['learning_rate'], momentum=settings.get('momentum', 0.0),
                                    nesterov=settings.get('nesterov', False))
    torch_steps(torch, optimizer, Ws, bs, names, X, Y, steps, learning_rates(rule))
    if rule == 'adam':
        state = [(optimizer.state[p]['exp_avg'].numpy(), optimizer.state[p]['exp_avg_sq'].numpy())
                 for p in parameters]
    elif settings.get('momentum'):
        state = [optimizer.state[p]['momentum_buffer'].numpy() for p in parameters]
    else:
        state = [None] * len(parameters)
    return [W.detach().numpy() for W in Ws], [b.detach().numpy() for b in bs], state


def torch_steps(torch, optimizer, Ws, bs, names, X, Y, steps, rates):
    """Take ``steps`` (rows and dropout masks) with PyTorch's ``optimizer`` of the tensors ``Ws`` + ``bs``, by
    autograd on the cross-entropy of a Softmax output and the L2 term, the masks multiplied in, at the learning
    rate ``rates[epoch]``."""
    functions = {'Tanh': torch.tanh, 'Rectifier': torch.relu}
    for t, (rows, masks) in enumerate(steps, start=1):
        for group in optimizer.param_groups:
            group['lr'] = rates[(t - 1) // (N // BATCH)]
        a = torch.tensor(X[rows])
        for l, (W, b) in enumerate(zip(Ws, bs)):
            if masks is not None and masks[l] is not None:
                a = a * torch.tensor(masks[l])
            z = a @ W + b
            a = functions[names[l]](z) if l < len(Ws) - 1 else z
        loss = -(torch.tensor(Y[rows]) * torch.log_softmax(a, dim=1)).sum(dim=1).mean()
        loss = loss + 0.5 * L2 * sum((W * W).sum() for W in Ws)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def relative_difference(ours, theirs):
    """max |ours - theirs| / max |theirs| over every array of the two lists."""
    ours, theirs = np.concatenate([np.ravel(a) for a in ours]), np.concatenate([np.ravel(a) for a in theirs])
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


def per_layer(flat):
    """``flat``, laid out as ``net.parameters()`` is documented (layer after layer: its weights, row-major, then its
    biases), as the weight matrices of every layer followed by their bias vectors."""
    weights, biases, start = [], [], 0
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        weights.append(flat[start:start + n_in * n_out].reshape(n_in, n_out))
        biases.append(flat[start + n_in * n_out:start + n_in * n_out + n_out])
        start += n_in * n_out + n_out
    assert start == flat.size
    return weights + biases


def flat_state(trainer):
    """The trainer's state per weight matrix and bias vector, in the order of the references' lists."""
    if isinstance(trainer, Adam):
        return list(zip(per_layer(trainer.first_moment), per_layer(trainer.second_moment)))
    if trainer.velocity is None:
        return None
    return per_layer(trainer.velocity)


def run_and_compare(rule, dropout, reference_function, hidden=Tanh):
    net, X, Y = problem(hidden)
    names = [f.name for f in net.activations()]
    weights, biases = [w.copy() for w in net.weights()], [b.copy() for b in net.biases()]
    trainer = make_trainer(net, rule, dropout)
    steps = batches_and_masks(trainer, trainer.dropout)
    theirs_W, theirs_b, theirs_state = reference_function(rule, weights, biases, names, X, Y, steps)
    history = trainer.train(PreloadSource((X, Y)), EPOCHS)
    np.testing.assert_array_equal(history['learning_rate'], learning_rates(rule))
    assert len(steps) == 25 and (not isinstance(trainer, Adam) or trainer.step_count == 25)
    difference = relative_difference(list(net.weights()) + list(net.biases()), theirs_W + theirs_b)
    ours_state = flat_state(trainer)
    state_difference = 0.0
    if ours_state is not None:
        flatten = (lambda pairs: [a for pair in pairs for a in pair]) if rule == 'adam' else list
        state_difference = relative_difference(flatten(ours_state), flatten(theirs_state))
    print('\n{} {} dropout={}: largest relative difference {:.2e} (parameters), {:.2e} (optimizer state)'.format(
        reference_function.__name__, rule, dropout, difference, state_difference))
    # The start is far from the end: the comparison is not of two nets that barely moved.
    assert relative_difference(weights + biases, theirs_W + theirs_b) > 0.01
    assert difference < TOLERANCE
    assert state_difference < TOLERANCE


@pytest.mark.parametrize('dropout', [None, DROPOUT], ids=['no dropout', 'dropout'])
@pytest.mark.parametrize('rule', list(RULES))
def test_25_steps_agree_with_the_numpy_reference(rule, dropout):
    run_and_compare(rule, dropout, numpy_reference)


@pytest.mark.parametrize('dropout', [None, DROPOUT], ids=['no dropout', 'dropout'])
@pytest.mark.parametrize('rule', list(RULES))
def test_25_steps_agree_with_pytorch(rule, dropout):
    run_and_compare(rule, dropout, torch_reference)


@pytest.mark.parametrize('rule', ['momentum', 'adam'])
def test_rectifier_nets_agree_with_both_references(rule):
    run_and_compare(rule, 0.4, numpy_reference, hidden=Rectifier)
    run_and_compare(rule, 0.4, torch_reference, hidden=Rectifier)


def test_the_reference_gradient_is_the_numerical_gradient_with_and_without_masks():
    net, X, Y = problem()
    names = [f.name for f in net.activations()]
    rng = np.random.default_rng(1)
    for masks in (None, [(rng.random((N, size)) >= 0.3) / 0.7 for size in SIZES[:-1]]):
        def cost():
            return reference.cost('CrossEntropyCost', net.weights(), net.biases(), names, X, Y, L2, masks)
        numerical = reference.numerical_gradient(cost, net.parameters())
        grad_W, grad_b = reference.gradient('CrossEntropyCost', net.weights(), net.biases(), names, X, Y, L2, masks)
        analytic = np.concatenate([np.concatenate([w.ravel(), b]) for w, b in zip(grad_W, grad_b)])
        assert reference.relative_error(analytic, numerical) < 1e-7


@pytest.mark.parametrize('hidden', [Tanh, Rectifier])
@pytest.mark.parametrize('cost_class', [CrossEntropyCost, QuadraticCost])
def test_a_dropout_step_is_the_step_along_the_numerical_gradient_of_the_net_thinned_by_the_trainers_masks(
        hidden, cost_class):
    net, X, Y = problem(hidden)
    names = [f.name for f in net.activations()]
    before = net.parameters().copy()
    cost = cost_class(net, l2_reg_term=L2)
    sgd = StochasticGradientDescent(net, cost, 0.2, batch_size=N, seed=4, dropout=DROPOUT)
    generator = copy_of(sgd.dropout_rng)
    masks = [(generator.random((N, size)) >= p) / (1 - p) for size, p in zip(SIZES, DROPOUT)]
    order = copy_of(sgd.rng).permutation(N)        # one batch of every example, in the order the masks meet

    def thinned_cost():
        return reference.cost(cost_class.__name__, net.weights(), net.biases(), names, X[order], Y[order], L2,
                              masks)

    gradient = reference.numerical_gradient(thinned_cost, net.parameters())
    # The masks matter: the gradient of the whole net is another one.
    assert reference.relative_error(cost.gradient(X, Y), gradient) > 0.01
    sgd.training_epoch(PreloadSource((X, Y)))
    assert reference.relative_error(before - net.parameters(), 0.2 * gradient) < 1e-7


def test_dropout_masks_keep_units_at_the_rate_and_scale_them_and_are_fresh_every_step():
    net = NetFactory.create_neural_net([50, 400, 300, 10], Rectifier, Softmax)
    trainer = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=200, seed=0, dropout=0.4)
    assert trainer.dropout == (0.0, 0.4, 0.4)
    first = [None if m is None else m.copy() for m in trainer._batches.dropout_masks(200, trainer.dropout, trainer.dropout_rng)]
    second = trainer._batches.dropout_masks(200, trainer.dropout, trainer.dropout_rng)
    assert first[0] is None            # one rate: the hidden layers only
    for a, b in zip(first[1:], second[1:]):
        assert set(np.unique(a)) == {0.0, 1 / 0.6}
        assert abs(np.mean(a == 0) - 0.4) < 0.01
        assert not np.array_equal(a, b)
    trainer.dropout = [0.2, 0.0, 0.5]
    masks = trainer._batches.dropout_masks(200, trainer.dropout, trainer.dropout_rng)
    assert masks[1] is None and abs(np.mean(masks[0] == 0) - 0.2) < 0.01 and abs(np.mean(masks[2] == 0) - 0.5) < 0.01


def test_dropout_acts_in_training_steps_only_and_leaves_the_shuffles_as_they_are():
    net, X, Y = problem()
    twin = NetFactory.create_neural_net(SIZES, Tanh, Softmax)
    twin.parameters()[...] = net.parameters()
    src = PreloadSource((X, Y))
    with_dropout = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=BATCH, seed=7,
                                             dropout=DROPOUT)
    without = StochasticGradientDescent(twin, CrossEntropyCost(twin), 0.1, batch_size=BATCH, seed=7)
    history = with_dropout.train(src, 2, evaluation_data=src, measure_training=True)
    without.train(src, 2)
    assert with_dropout.rng.bit_generator.state == without.rng.bit_generator.state   # the same shuffles
    assert not np.array_equal(net.parameters(), twin.parameters())
    names = [f.name for f in net.activations()]
    # feed, get_cost and the recorded costs: the whole net, no mask, the same every time.
    np.testing.assert_allclose(net.feed(X), reference.forward(net.weights(), net.biases(), names, X), rtol=1e-12)
    cost = with_dropout.cost_function
    assert cost.get_cost(src) == cost.get_cost(src) == history['training_cost'][-1] == history['evaluation_cost'][-1]


@pytest.mark.parametrize('rule', ['momentum', 'nesterov', 'adam'])
def test_an_undone_epoch_puts_back_the_velocity_the_moments_the_step_count_and_both_generators(rule):
    net, X, Y = problem()
    src = PreloadSource((X, Y))
    trainer = make_trainer(net, rule, DROPOUT)
    trainer.training_epoch(src)

    def state():
        arrays = {name: getattr(trainer, name).copy() for name in ('velocity', 'first_moment', 'second_moment')
                  if getattr(trainer, name, None) is not None}
        return (net.parameters().copy(), arrays, getattr(trainer, 'step_count', None),
                trainer.rng.bit_generator.state, trainer.dropout_rng.bit_generator.state)

    before = state()

    def poison(batch_index, n_batches):
        if batch_index == 2:
            net.weights()[0][0, 0] = np.nan
    with pytest.raises(TrainingDivergedError, match='epoch 2 at batch 4'):
        trainer.training_epoch(src, on_batch=poison)
    after = state()
    assert set(after[1]) == set(before[1]) == ({'first_moment', 'second_moment'} if rule == 'adam' else {'velocity'})
    np.testing.assert_array_equal(after[0], before[0])
    for name in before[1]:
        np.testing.assert_array_equal(after[1][name], before[1][name])
    assert after[2:] == before[2:] and trainer.epochs_done == 1
    # And the epoch taken again is the epoch a trainer that never failed takes, bit for bit.
    twin_net, _, _ = problem()
    twin = make_trainer(twin_net, rule, DROPOUT)
    for _ in range(2):
        twin.training_epoch(src)
    trainer.training_epoch(src)
    np.testing.assert_array_equal(net.parameters(), twin_net.parameters())


def test_momentum_set_in_the_middle_of_an_epoch_is_undone_with_it():
    net, X, Y = problem()
    src = PreloadSource((X, Y))
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=BATCH, seed=0)
    sgd.training_epoch(src)
    before = net.parameters().copy()

    def turn_on_momentum_then_fail(batch_index, n_batches):
        if batch_index == 1:
            sgd.momentum = 0.9
        if batch_index == 3:
            raise ValueError('bad data')
    with pytest.raises(ValueError, match='bad data'):
        sgd.training_epoch(src, on_batch=turn_on_momentum_then_fail)
    np.testing.assert_array_equal(net.parameters(), before)
    assert sgd.momentum == 0.9 and not sgd.velocity.any()


@pytest.mark.parametrize('rule', ['plain', 'momentum', 'nesterov', 'adam'])
def test_steps_allocate_nothing(rule):
    """After a first epoch, the steps of a net of 1.1 million parameters allocate less than 2% of their bytes.

    Measured from the end of the first step of an epoch to the end of its last (an epoch's start allocates a
    permutation and a finiteness mask once). A temporary array for the update of one chunk of a layer would
    take 1 MB; what NumPy allocates for a batch's activations (its casting buffers) is under 100 kB."""
    rng = np.random.default_rng(0)
    net = NetFactory.create_neural_net([100, 1000, 1000, 10], Rectifier, Softmax)
    net.randomize_parameters(0)
    src = PreloadSource((rng.normal(size=(64, 100)), np.eye(10)[rng.integers(0, 10, 64)]))
    settings = dict(RULES[rule])
    cls = settings.pop('cls')
    trainer = cls(net, CrossEntropyCost(net, l2_reg_term=1e-4), batch_size=16, seed=0, dropout=[0.1, 0.5, 0.5],
                  **settings)
    trainer.training_epoch(src)
    peaks = []

    def measure(batch_index, n_batches):
        if batch_index == 0:
            tracemalloc.reset_peak()
        elif batch_index == n_batches - 1:
            peaks.append(tracemalloc.get_traced_memory()[1] - tracemalloc.get_traced_memory()[0])
    tracemalloc.start()
    try:
        trainer.training_epoch(src, on_batch=measure)
    finally:
        tracemalloc.stop()
    assert peaks[0] < 0.02 * net.parameters().nbytes, '{} bytes allocated at the peak of 3 steps'.format(peaks[0])


def test_full_batch_descent_with_momentum_agrees_with_the_reference_also_when_summed_in_chunks(monkeypatch):
    import feedforward_training
    net, X, Y = problem()
    names = [f.name for f in net.activations()]
    parameters = [w.copy() for w in net.weights()] + [b.copy() for b in net.biases()]
    buffers = [None] * len(parameters)
    for _ in range(6):
        grad_W, grad_b = reference.gradient('CrossEntropyCost', parameters[:3], parameters[3:], names, X, Y, L2)
        parameters, buffers = reference.sgd_step(parameters, grad_W + grad_b, buffers, 0.2, 0.7, nesterov=True)
    monkeypatch.setattr(feedforward_training, 'FULL_BATCH_CHUNK', 15)    # 40 examples: three chunks per step
    gd = GradientDescent(net, CrossEntropyCost(net, l2_reg_term=L2), 0.2, momentum=0.7, nesterov=True)
    for _ in range(6):
        gd.training_epoch(PreloadSource((X, Y)))
    assert relative_difference(list(net.weights()) + list(net.biases()), parameters) < TOLERANCE


def test_momentum_turned_on_later_starts_from_the_gradient_as_pytorch_does():
    net, X, Y = problem()
    names = [f.name for f in net.activations()]
    parameters = [w.copy() for w in net.weights()] + [b.copy() for b in net.biases()]
    buffers = [None] * len(parameters)
    for momentum in (0.0, 0.0, 0.9, 0.9):
        grad_W, grad_b = reference.gradient('CrossEntropyCost', parameters[:3], parameters[3:], names, X, Y, L2)
        parameters, new_buffers = reference.sgd_step(parameters, grad_W + grad_b, buffers, 0.1, momentum)
        buffers = new_buffers if momentum else buffers
    gd = GradientDescent(net, CrossEntropyCost(net, l2_reg_term=L2), 0.1)
    for momentum in (0.0, 0.0, 0.9, 0.9):
        gd.momentum = momentum
        gd.training_epoch(PreloadSource((X, Y)))
    assert relative_difference(list(net.weights()) + list(net.biases()), parameters) < TOLERANCE


@pytest.mark.parametrize('rule', ['momentum', 'nesterov'])
def test_a_learning_rate_changed_within_an_epoch_and_a_stop_within_one_act_as_in_pytorch(rule):
    # Within an epoch the trainer holds the velocity in the units of the step: a rate changed after every step
    # (by on_batch) must still act from the next step on as PyTorch's does, and a run stopped within an epoch
    # must leave the velocity in the units of the gradient, as between epochs.
    net, X, Y = problem()
    names = [f.name for f in net.activations()]
    parameters = [w.copy() for w in net.weights()] + [b.copy() for b in net.biases()]
    trainer = make_trainer(net, rule, decay=1.0)
    steps = batches_and_masks(trainer, None)[:13]                 # 2 epochs and 3 steps of the third
    rates = [0.1 * (1 + 0.3 * np.sin(t)) for t in range(len(steps))]
    buffers = [None] * len(parameters)
    for (rows, _), rate in zip(steps, rates):
        grad_W, grad_b = reference.gradient('CrossEntropyCost', parameters[:3], parameters[3:], names, X[rows],
                                            Y[rows], L2)
        parameters, buffers = reference.sgd_step(parameters, grad_W + grad_b, buffers, rate, RULES[rule]['momentum'],
                                                 RULES[rule].get('nesterov', False))
    taken = []

    def on_batch(batch_index, n_batches):
        taken.append(batch_index)
        if len(taken) == len(steps):
            raise StopTraining
        trainer.learning_rate = rates[len(taken)]

    trainer.learning_rate = rates[0]
    history = trainer.train(PreloadSource((X, Y)), EPOCHS, on_batch=on_batch)
    assert len(history) == 2 and trainer.in_epoch
    assert relative_difference(list(net.weights()) + list(net.biases()), parameters) < TOLERANCE
    assert relative_difference(per_layer(trainer.velocity), buffers) < TOLERANCE


@pytest.mark.parametrize('settings, message', [
    (dict(momentum=-0.1), 'momentum'), (dict(momentum=1.0), 'momentum'), (dict(momentum='0.9'), 'momentum'),
    (dict(momentum=float('nan')), 'momentum'), (dict(nesterov=True), 'Nesterov momentum needs a momentum above 0'),
    (dict(momentum=0.9, nesterov='yes'), 'nesterov'), (dict(dropout=1.0), 'dropout rate'),
    (dict(dropout=-0.1), 'dropout rate'), (dict(dropout=[0.5, 0.5]), 'list of 3 rates'),
    (dict(dropout='0.5'), 'dropout'), (dict(dropout=[0.1, None, 0.2]), 'dropout rate'),
    (dict(schedule=0.9), 'schedule'),
])
def test_bad_settings_of_sgd_are_refused(settings, message):
    net, _, _ = problem()
    with pytest.raises((TypeError, ValueError), match=message):
        StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, **settings)


@pytest.mark.parametrize('settings, message', [
    (dict(betas=(0.9,)), 'betas'), (dict(betas=(0.9, 1.0)), 'betas'), (dict(betas=(-0.1, 0.9)), 'betas'),
    (dict(betas=0.9), 'betas'), (dict(eps=0), 'eps'), (dict(eps=-1e-8), 'eps'), (dict(learning_rate=0), 'learning_rate'),
    (dict(dropout=[0.5] * 4), 'list of 3 rates'),
])
def test_bad_settings_of_adam_are_refused(settings, message):
    net, _, _ = problem()
    with pytest.raises((TypeError, ValueError), match=message):
        Adam(net, CrossEntropyCost(net), **settings)


def test_settings_are_checked_when_they_change_and_nothing_changes_then():
    net, _, _ = problem()
    sgd = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, momentum=0.9, nesterov=True, dropout=0.5)
    for name, value in (('momentum', 0.0), ('momentum', 2.0), ('nesterov', 1), ('dropout', 1.5)):
        with pytest.raises((TypeError, ValueError)):
            setattr(sgd, name, value)
    assert (sgd.momentum, sgd.nesterov, sgd.dropout) == (0.9, True, (0.0, 0.5, 0.5))
    adam = Adam(net, CrossEntropyCost(net))
    with pytest.raises(ValueError):
        adam.betas = (0.9, 1.5)
    assert adam.betas == (0.9, 0.999) and adam.eps == 1e-8 and adam.learning_rate == 0.001
    assert not hasattr(adam, 'momentum')


def test_one_dropout_rate_needs_hidden_layers():
    net = NetFactory.create_neural_net([4, 2], Identity, Identity)
    with pytest.raises(ValueError, match='has none'):
        StochasticGradientDescent(net, QuadraticCost(net), 0.1, dropout=0.5)
    assert StochasticGradientDescent(net, QuadraticCost(net), 0.1, dropout=[0.5]).dropout == (0.5,)


@pytest.mark.parametrize('method', ['momentum', 'adam'])
def test_a_pickled_or_deep_copied_trainer_trains_on_as_the_original(method):
    """Its chunk views must come back as views of the unpickled net and state, not as copies of their own."""
    import copy
    import pickle
    settings = dict(RULES[method])
    cls = settings.pop('cls')
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(40, 4)), np.eye(3)[rng.integers(0, 3, 40)]
    net = NetFactory.create_neural_net([4, 6, 3], Tanh, Softmax)
    net.randomize_parameters(np.random.default_rng(4))
    trainer = cls(net, CrossEntropyCost(net), batch_size=8, seed=5, dropout=0.2, **settings)
    trainer.training_epoch(PreloadSource((X, Y)))
    twins = [pickle.loads(pickle.dumps(trainer)), copy.deepcopy(trainer)]
    for t in [trainer] + twins:
        t.training_epoch(PreloadSource((X, Y)))
        t.training_epoch(PreloadSource((X, Y)))
    for twin in twins:
        assert twin.neural_net is not net
        np.testing.assert_array_equal(twin.neural_net.parameters(), net.parameters())
