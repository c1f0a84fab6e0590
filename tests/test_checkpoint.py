"""Checkpoints: exact resume in a new process, every random state, and files that attack the reader."""
import copy
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedforward_checkpoint as checkpoint
from activation_functions import Identity, Rectifier, Sigmoid, Softmax, Tanh
from cost_functions import CrossEntropyCost, QuadraticCost
from data_source import PreloadSource
from feedforward_schedules import ExponentialDecay, ReduceOnPlateau, StepDecay
from feedforward_optimizers import SGDRule
from gradient_descent import Adam, GradientDescent, StochasticGradientDescent, Trainer, TrainingDivergedError
from neural_net import ModelFileError, NetFactory, NeuralNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures')


def blobs(n=150, seed=0):
    """Three classes of 8 inputs around different centres; saved to .npz so a child process reads the same."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = rng.uniform(0, 1, size=(3, 8))
    return centres[labels] + 0.3 * rng.standard_normal((n, 8)), np.eye(3)[labels]


def make_trainer(dtype=np.float64):
    net = NetFactory.create_neural_net([8, 16, 3], Rectifier, Softmax, dtype=dtype)
    net.randomize_parameters(5)
    # A batch size that does not divide 150: every epoch ends with a short batch.
    return StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=0.003), 0.07, batch_size=16, seed=11)


CHILD = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    from feedforward_checkpoint import load_checkpoint
    from data_source import PreloadSource
    data = np.load(sys.argv[2])
    trainer = load_checkpoint(sys.argv[3])
    src = PreloadSource((data['X'], data['Y']))
    while trainer.epochs_done < int(sys.argv[5]):
        trainer.training_epoch(src)
    trainer.neural_net.save(sys.argv[4])
    print(type(trainer).__name__, trainer.epochs_done, trainer.neural_net.dtype)
''')


@pytest.mark.parametrize('dtype', [np.float64, np.float32])
def test_k_epochs_checkpoint_new_process_and_the_rest_equal_n_epochs_straight_bit_for_bit(tmp_path, dtype):
    N, k = 5, 2
    X, Y = blobs()
    np.savez(tmp_path / 'data.npz', X=X, Y=Y)
    src = PreloadSource((X, Y))

    straight = make_trainer(dtype)
    for _ in range(N):
        straight.training_epoch(src)

    first = make_trainer(dtype)
    for _ in range(k):
        first.training_epoch(src)
    checkpoint.save_checkpoint(tmp_path / 'checkpoint.json', first)
    result = subprocess.run([sys.executable, '-c', CHILD, ROOT, str(tmp_path / 'data.npz'),
                             str(tmp_path / 'checkpoint.json'), str(tmp_path / 'resumed.json'), str(N)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['StochasticGradientDescent', str(N), np.dtype(dtype).name]
    resumed = NeuralNet.create_from_file(tmp_path / 'resumed.json')
    assert resumed.dtype == dtype
    np.testing.assert_array_equal(resumed.parameters(), straight.neural_net.parameters())

    # Without the generator's state the shuffles differ, and so do the parameters: the state is what matters.
    naive = make_trainer(dtype)
    naive.neural_net.parameters()[...] = first.neural_net.parameters()
    for _ in range(N - k):
        naive.training_epoch(src)
    assert not np.array_equal(naive.neural_net.parameters(), straight.neural_net.parameters())


def rich_trainer(kind):
    """A trainer with an update rule that has state, dropout on the input and hidden layers, and a schedule."""
    net = NetFactory.create_neural_net([8, 16, 12, 3], Rectifier, Softmax)
    net.randomize_parameters(5)
    cost = CrossEntropyCost(net, l2_reg_term=0.003)
    if kind == 'momentum':
        return StochasticGradientDescent(net, cost, 0.05, batch_size=16, seed=11, momentum=0.9, dropout=[0.1, 0.5, 0.3],
                                         schedule=ExponentialDecay(0.8))
    if kind == 'nesterov':
        return StochasticGradientDescent(net, cost, 0.05, batch_size=16, seed=11, momentum=0.8, nesterov=True,
                                         dropout=0.4, schedule=StepDecay(2, 0.5))
    return Adam(net, cost, 0.01, batch_size=16, seed=11, dropout=[0.2, 0.5, 0.5],
                schedule=ReduceOnPlateau(factor=0.5, patience=1, threshold=0.1))


RICH_CHILD = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    from feedforward_checkpoint import load_checkpoint, save_checkpoint
    from data_source import PreloadSource
    data = np.load(sys.argv[2])
    trainer = load_checkpoint(sys.argv[3])
    src, evaluation = PreloadSource((data['X'], data['Y'])), PreloadSource((data['X'][:40], data['Y'][:40]))
    trainer.train(src, int(sys.argv[5]) - trainer.epochs_done, evaluation_data=evaluation)
    save_checkpoint(sys.argv[4], trainer)
''')


def without_times(checkpoint_data):
    """A checkpoint's JSON object without what differs between runs: the times in the history."""
    for record in checkpoint_data['history']:
        record.pop('seconds')
        record.pop('wall_time')
    return checkpoint_data


@pytest.mark.parametrize('kind', ['momentum', 'nesterov', 'adam'])
def test_momentum_nesterov_and_adam_with_dropout_and_a_schedule_resume_in_a_new_process_bit_for_bit(tmp_path, kind):
    N, k = 5, 2
    X, Y = blobs()
    np.savez(tmp_path / 'data.npz', X=X, Y=Y)
    src, evaluation = PreloadSource((X, Y)), PreloadSource((X[:40], Y[:40]))
    straight = rich_trainer(kind)
    straight.train(src, N, evaluation_data=evaluation)
    checkpoint.save_checkpoint(tmp_path / 'straight.json', straight)

    first = rich_trainer(kind)
    first.train(src, k, evaluation_data=evaluation)
    checkpoint.save_checkpoint(tmp_path / 'checkpoint.json', first)
    result = subprocess.run([sys.executable, '-c', RICH_CHILD, ROOT, str(tmp_path / 'data.npz'),
                             str(tmp_path / 'checkpoint.json'), str(tmp_path / 'resumed.json'), str(N)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # Parameters, velocity or moments and step count, the learning rate, the schedule's state, both random
    # states, and every number of the history: all the same, to the bit.
    resumed = without_times(json.loads((tmp_path / 'resumed.json').read_text()))
    assert resumed == without_times(json.loads((tmp_path / 'straight.json').read_text()))
    assert resumed['trainer']['learning_rate'] < 0.05 if kind != 'adam' else True
    if kind == 'adam':
        assert resumed['rule']['scalars']['step_count'] == N * 10 and resumed['schedule']['state']['best'] is not None
        assert [r['learning_rate'] for r in resumed['history']][-1] < 0.01      # the plateau schedule acted
    # The dropout generator's state matters: resumed with a fresh one, the run goes elsewhere.
    broken = checkpoint.load_checkpoint(tmp_path / 'checkpoint.json')
    broken.dropout_rng = np.random.default_rng(0)
    broken.train(src, N - k, evaluation_data=evaluation)
    assert not np.array_equal(broken.neural_net.parameters(), straight.neural_net.parameters())


def test_resume_into_restores_every_setting_and_state_of_an_adam_trainer(tmp_path):
    src = PreloadSource(blobs())
    evaluation = PreloadSource(blobs(40, seed=1))
    straight, saved = rich_trainer('adam'), rich_trainer('adam')
    straight.train(src, 3, evaluation_data=evaluation)
    saved.train(src, 1, evaluation_data=evaluation)
    checkpoint.save_checkpoint(tmp_path / 'c.json', saved)
    net = NetFactory.create_neural_net([8, 16, 12, 3], Rectifier, Softmax)
    built = Adam(net, CrossEntropyCost(net), 0.5, batch_size=3, betas=(0.5, 0.5), eps=1.0, seed=0)
    checkpoint.resume_into(tmp_path / 'c.json', built)
    assert (built.betas, built.eps, built.batch_size, built.dropout) == (saved.betas, saved.eps, 16, (0.2, 0.5, 0.5))
    built.train(src, 2, evaluation_data=evaluation)
    np.testing.assert_array_equal(net.parameters(), straight.neural_net.parameters())
    np.testing.assert_array_equal(built.second_moment, straight.second_moment)
    assert built.step_count == straight.step_count and built.learning_rate == straight.learning_rate


def test_resume_into_a_trainer_with_nesterov_from_one_without_momentum(tmp_path):
    net = NetFactory.create_neural_net([8, 16, 3], Rectifier, Softmax)
    net.randomize_parameters(0)
    plain = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=16, seed=0)
    checkpoint.save_checkpoint(tmp_path / 'c.json', plain)
    other = NetFactory.create_neural_net([8, 16, 3], Rectifier, Softmax)
    built = StochasticGradientDescent(other, CrossEntropyCost(other), 0.1, momentum=0.9, nesterov=True)
    checkpoint.resume_into(tmp_path / 'c.json', built)
    assert (built.momentum, built.nesterov) == (0.0, False)
    built.training_epoch(PreloadSource(blobs()))


def test_a_checkpoint_holds_every_setting_and_restores_a_ready_trainer(tmp_path):
    trainer = make_trainer()
    trainer.training_epoch(PreloadSource(blobs()))
    path = tmp_path / 'c.json'
    checkpoint.save_checkpoint(path, trainer)
    data = json.loads(path.read_text())
    assert data['format'] == 'feedforward-neural-net-checkpoint' and data['version'] == 4
    assert data['history'] == []  # training_epoch alone records nothing
    assert data['epochs_done'] == 1
    assert data['trainer'] == {'class': 'StochasticGradientDescent', 'learning_rate': 0.07, 'batch_size': 16,
                               'dropout': None}
    assert data['rule'] == {'name': 'sgd', 'settings': {'momentum': 0.0, 'nesterov': False}, 'arrays': {},
                            'scalars': {}}
    assert data['schedule'] == {'name': 'constant', 'settings': {}, 'state': {}}
    assert data['dropout_random_state']['bit_generator'] == {'name': 'PCG64'}
    assert data['cost'] == {'class': 'CrossEntropyCost', 'l2_reg_term': 0.003}
    assert data['random_state']['bit_generator'] == {'name': 'PCG64'}
    # JSON-safe: every integer of the state is a string (PCG64's are 128-bit).
    assert isinstance(data['random_state']['state']['state'], str)
    restored = checkpoint.load_checkpoint(path)
    assert type(restored) is StochasticGradientDescent and type(restored.cost_function) is CrossEntropyCost
    assert restored.cost_function.neural_net is restored.neural_net
    assert (restored.learning_rate, restored.batch_size, restored.cost_function.l2_reg_term) == (0.07, 16, 0.003)
    assert restored.epochs_done == 1
    assert restored.rng.bit_generator.state == trainer.rng.bit_generator.state
    assert [p.name for p in tmp_path.iterdir()] == ['c.json']


def test_full_batch_descent_resumes_exactly_too(tmp_path):
    X = np.linspace(-1, 1, 30).reshape(-1, 1)
    src = PreloadSource((X, np.sin(3 * X)))

    def trainer():
        net = NetFactory.create_neural_net([1, 10, 1], Tanh, Identity)
        net.randomize_parameters(2)
        return GradientDescent(net, QuadraticCost(net, l2_reg_term=1e-4), 0.3)

    straight, first = trainer(), trainer()
    for _ in range(6):
        straight.training_epoch(src)
    for _ in range(4):
        first.training_epoch(src)
    checkpoint.save_checkpoint(tmp_path / 'c.json', first)
    resumed = checkpoint.load_checkpoint(tmp_path / 'c.json')
    assert json.loads((tmp_path / 'c.json').read_text())['random_state'] is None
    for _ in range(2):
        resumed.training_epoch(src)
    assert resumed.epochs_done == 6
    np.testing.assert_array_equal(resumed.neural_net.parameters(), straight.neural_net.parameters())


@pytest.mark.parametrize('name', checkpoint.BIT_GENERATORS)
def test_every_bit_generator_state_reads_back_and_draws_the_same(tmp_path, name):
    net = NetFactory.create_neural_net([2, 2], Identity, Sigmoid)
    generator = np.random.Generator(getattr(np.random, name)(123))
    generator.integers(0, 10, dtype=np.uint32)    # leaves half of a 64-bit draw buffered (has_uint32)
    generator.standard_normal(3)
    trainer = StochasticGradientDescent(net, QuadraticCost(net), 0.1, batch_size=3, seed=generator)
    checkpoint.save_checkpoint(tmp_path / 'c.json', trainer)
    restored = checkpoint.load_checkpoint(tmp_path / 'c.json')
    assert type(restored.rng.bit_generator).__name__ == name
    for draw in (lambda g: g.integers(0, 2 ** 32, size=5, dtype=np.uint32), lambda g: g.permutation(50),
                 lambda g: g.random(4)):
        np.testing.assert_array_equal(draw(restored.rng), draw(trainer.rng))


def test_a_trainer_class_of_ones_own_saves_and_loads_as_itself_and_an_unregistered_rule_is_refused(tmp_path):
    class MyDescent(StochasticGradientDescent):
        pass

    net = NetFactory.create_neural_net([2, 2], Identity, Sigmoid)
    checkpoint.save_checkpoint(tmp_path / 'c.json', MyDescent(net, QuadraticCost(net), 0.1, momentum=0.5))
    restored = checkpoint.load_checkpoint(tmp_path / 'c.json')
    assert type(restored) is MyDescent and restored.momentum == 0.5

    class Unregistered(SGDRule):
        name = 'unregistered'

    with pytest.raises(TypeError, match=r"register it once with feedforward_optimizers.register_optimizer\(Unregistered\)"):
        checkpoint.save_checkpoint(tmp_path / 'd.json', Trainer(net, QuadraticCost(net), Unregistered(), 0.1))
    assert not (tmp_path / 'd.json').exists()


# ----- attacks on the reader --------------------------------------------------

def valid_checkpoint():
    """The JSON object of a checkpoint that save_checkpoint wrote, with a history of two epochs."""
    trainer = make_trainer()
    trainer.train(PreloadSource(blobs(30)), 2, diagnostics=True)
    trainer.epochs_done = 3
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'c.json')
        checkpoint.save_checkpoint(path, trainer)
        with open(path, encoding='utf-8') as stream:
            return json.load(stream)


def changed(change, kind=None):
    data = valid_checkpoint() if kind is None else rich_checkpoint(kind)
    change(data)
    return data


def rich_checkpoint(kind):
    """The JSON object of a checkpoint of ``rich_trainer(kind)`` after two epochs."""
    trainer = rich_trainer(kind)
    trainer.train(PreloadSource(blobs(30)), 2, evaluation_data=PreloadSource(blobs(20, seed=1)))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'c.json')
        checkpoint.save_checkpoint(path, trainer)
        with open(path, encoding='utf-8') as stream:
            return json.load(stream)


@pytest.mark.parametrize('data,message', [
    (changed(lambda d: d.update(format='feedforward-neural-net')), 'format'),
    (changed(lambda d: d.update(version=5)), 'version'),
    (changed(lambda d: d.update(version=3)), 'the field "optimizer" is missing'),
    (changed(lambda d: d.update(version=1)), 'the field "optimizer" is missing'),
    (changed(lambda d: d.update(version=2)), 'the field "optimizer" is missing'),
    (changed(lambda d: d.update(history={})), 'history'),
    (changed(lambda d: d['history'].append(5)), 'record'),
    (changed(lambda d: d['history'][0].update(epoch='1')), 'numbers or null'),
    (changed(lambda d: d['history'][0].update(saturated=[[1.0]])), 'numbers or null'),
    (changed(lambda d: d['history'][0].update({'k' * 101: 1})), 'longer than'),
    (changed(lambda d: d.pop('random_state')), '"random_state" is missing'),
    (changed(lambda d: d.update(extra=None)), "unknown field 'extra'"),
    (changed(lambda d: d.update(epochs_done=-1)), 'epochs_done'),
    (changed(lambda d: d.update(epochs_done=True)), 'epochs_done'),
    (changed(lambda d: d['trainer'].update({'class': 'os.system'})), 'class'),
    (changed(lambda d: d['trainer'].update(learning_rate=0)), 'learning_rate'),
    (changed(lambda d: d['trainer'].update(learning_rate='0.1')), 'learning_rate'),
    (changed(lambda d: d['trainer'].update(learning_rate=None)), 'learning_rate'),
    (changed(lambda d: d['trainer'].update(batch_size=0)), 'batch_size'),
    (changed(lambda d: d['trainer'].update(batch_size=16.0)), 'batch_size'),
    (changed(lambda d: d['trainer'].update(batch_size=None)), 'random_state'),
    (changed(lambda d: d['trainer'].pop('batch_size')), 'fields'),
    (changed(lambda d: d['trainer'].update(weight_decay=0.9)), 'fields'),
    (changed(lambda d: d['trainer'].update(dropout=[0.5])), 'dropout'),
    (changed(lambda d: d['trainer'].update(dropout=[0.5, 1.0])), 'dropout'),
    (changed(lambda d: d['trainer'].update(dropout=[0.5, '0.1'])), 'dropout'),
    (changed(lambda d: d['trainer'].pop('dropout')), 'fields'),
    (changed(lambda d: d.pop('rule')), '"rule" is missing'),
    (changed(lambda d: d.update(rule=[])), '"rule"'),
    (changed(lambda d: d['rule'].update(name='os.system')), '"rule" "name"'),
    (changed(lambda d: d['rule'].update(name='lion')), 'register_optimizer'),
    (changed(lambda d: d['rule']['settings'].update(weight_decay=0.9)), 'fields'),
    (changed(lambda d: d['rule']['settings'].pop('nesterov')), 'fields'),
    (changed(lambda d: d['rule']['settings'].update(momentum=0.9)), '"rule" "arrays"'),
    (changed(lambda d: d['rule']['settings'].update(momentum=1.5)), 'momentum'),
    (changed(lambda d: d['rule']['settings'].update(momentum='0.9')), 'momentum'),
    (changed(lambda d: d['rule']['settings'].update(nesterov=True)), 'Nesterov momentum needs a momentum'),
    (changed(lambda d: d['rule']['settings'].update(nesterov=1)), 'nesterov'),
    (changed(lambda d: d['rule'].update(scalars={'step_count': 1})), 'scalars'),
    (changed(lambda d: d.pop('schedule')), '"schedule" is missing'),
    (changed(lambda d: d.update(schedule={'name': 'cosine', 'settings': {}, 'state': {}})), 'schedule'),
    (changed(lambda d: d.update(schedule={'name': 'exponential'})), 'fields'),
    (changed(lambda d: d.update(schedule={'name': 'exponential', 'settings': {}, 'state': {}})), 'fields'),
    (changed(lambda d: d.update(schedule={'name': 'exponential', 'settings': {'factor': 2.0}, 'state': {}})),
     'factor'),
    (changed(lambda d: d.update(schedule={'name': 'exponential', 'settings': {'factor': '0.5'}, 'state': {}})),
     'factor'),
    (changed(lambda d: d.update(schedule={'name': 'step', 'settings': {'step_size': 2.0, 'factor': 0.5},
                                          'state': {}})), 'step_size'),
    (changed(lambda d: d.update(schedule={'name': 'plateau', 'settings': {
        'factor': 0.5, 'patience': 2, 'threshold': 0.0, 'min_learning_rate': 0.0}, 'state': {'best': None,
                                                                                              'bad_epochs': 3}})),
     'bad_epochs'),
    (changed(lambda d: d.update(schedule={'name': 'plateau', 'settings': {
        'factor': 0.5, 'patience': 2, 'threshold': 0.0, 'min_learning_rate': 0.0}, 'state': {'best': 'low',
                                                                                              'bad_epochs': 0}})),
     'best'),
    (changed(lambda d: d.update(dropout_random_state=None)), 'dropout_random_state'),
    (changed(lambda d: d['rule']['arrays']['velocity'].update(size=5), 'momentum'), 'velocity'),
    (changed(lambda d: d['rule']['arrays']['velocity']['values'].pop(), 'momentum'), 'velocity'),
    (changed(lambda d: d['rule']['arrays'].update(velocity=None), 'momentum'), 'velocity'),
    (changed(lambda d: d['rule']['arrays'].pop('velocity'), 'momentum'), '"rule" "arrays"'),
    (changed(lambda d: d['rule']['arrays']['velocity']['values'].__setitem__(3, '1'), 'momentum'), 'velocity'),
    (changed(lambda d: (d['net'].update(dtype='float32'),
                        d['rule']['arrays']['velocity']['values'].__setitem__(3, 1e300)), 'momentum'),
     'not finite in float32'),
    (changed(lambda d: d['rule']['arrays']['velocity']['values'].__setitem__(3, None), 'momentum'), 'velocity'),
    (changed(lambda d: d['rule']['settings'].update(momentum=0), 'nesterov'), 'Nesterov momentum needs'),
    (changed(lambda d: d['rule']['scalars'].update(step_count=-1), 'adam'), 'step_count'),
    (changed(lambda d: d['rule']['scalars'].update(step_count=2.0), 'adam'), 'step_count'),
    (changed(lambda d: d['rule']['scalars'].pop('step_count'), 'adam'), 'scalars'),
    (changed(lambda d: d['rule']['arrays']['second_moment']['values'].__setitem__(0, -1e-9), 'adam'), 'negative'),
    (changed(lambda d: d['rule']['arrays']['first_moment']['values'].pop(), 'adam'), 'first_moment'),
    (changed(lambda d: d['rule']['arrays'].pop('second_moment'), 'adam'), '"rule" "arrays"'),
    (changed(lambda d: d['rule']['arrays'].update(velocity=d['rule']['arrays']['first_moment']), 'adam'),
     '"rule" "arrays"'),
    (changed(lambda d: d['rule']['settings'].update(betas=[0.9]), 'adam'), 'betas'),
    (changed(lambda d: d['rule']['settings'].update(betas=[0.9, 1.0]), 'adam'), 'betas'),
    (changed(lambda d: d['rule']['settings'].update(eps=0), 'adam'), 'eps'),
    (changed(lambda d: d['rule']['settings'].update(amsgrad=1), 'adam'), 'amsgrad'),
    (changed(lambda d: d['rule']['settings'].update(momentum=0.9), 'adam'), 'fields'),
    (changed(lambda d: d['schedule']['state'].update(bad_epochs=-1), 'adam'), 'bad_epochs'),
    (changed(lambda d: d['schedule']['settings'].update(patience=True), 'adam'), 'patience'),
    (changed(lambda d: d['schedule']['settings'].update(factor=1.0), 'adam'), 'never reduce'),
    (changed(lambda d: d['schedule']['state'].pop('best'), 'adam'), 'fields'),
    (changed(lambda d: d.update(dropout_random_state=d['random_state'], random_state=None), 'adam'),
     '"random_state"'),
    (changed(lambda d: d['dropout_random_state']['state'].update(state='-5')), '"dropout_random_state"'),
    (changed(lambda d: d['dropout_random_state'].update(bit_generator={'name': 'X'})), '"dropout_random_state"'),
    (changed(lambda d: d['cost'].update(l2_reg_term=-1)), 'l2_reg_term'),
    (changed(lambda d: d['cost'].update(l2_reg_term=False)), 'l2_reg_term'),
    (changed(lambda d: d['net']['activations'].__setitem__(1, 'Identity')), 'cost does not fit the net'),
    (changed(lambda d: d['net'].update(layer_sizes=[8, 10 ** 9, 3])), r'\(field "net"\): .*limit'),
    (changed(lambda d: d.update(random_state=None)), 'random_state'),
    (changed(lambda d: d['random_state'].update(bit_generator={'name': 'RandomState'})), 'one of PCG64'),
    (changed(lambda d: d['random_state']['state'].update(state='-5')), 'decimal digits'),
    (changed(lambda d: d['random_state']['state'].update(state='9' * 61)), 'decimal digits'),
    (changed(lambda d: d['random_state']['state'].update(state='9' * 60)), 'not a valid PCG64 state'),
    (changed(lambda d: d['random_state']['state'].pop('inc')), 'not a valid PCG64 state'),
    (changed(lambda d: d['random_state'].update(state=[1, 2])), 'random_state'),
    (changed(lambda d: d['random_state'].update(has_uint32={'a': {'b': {'c': {'d': {'e': '1'}}}}})),
     'nested too deeply'),
    (changed(lambda d: d['random_state'].update(has_uint32={'dtype': 'uint64', 'values': ['1'] * 5000})),
     'random_state'),
])
def test_bad_checkpoints_are_refused_with_the_file_named(tmp_path, data, message):
    assert_refused(tmp_path, data, message)


def assert_refused(folder, data, message):
    """Written to a file in ``folder``, the checkpoint ``data`` is refused by ``ModelFileError``, naming the file,
    with ``message`` in its words."""
    path = folder / 'c.json'
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=message) as caught:
        checkpoint.load_checkpoint(path)
    assert str(caught.value).startswith(str(path))


def test_a_missing_checkpoint_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        checkpoint.load_checkpoint(tmp_path / 'none.json')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=15)
VALID = {'sgd': valid_checkpoint(), 'momentum': rich_checkpoint('momentum'), 'adam': rich_checkpoint('adam')}


def tree_children(node):
    return list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []


@pytest.mark.parametrize('kind', list(VALID))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_checkpoints_restore_a_working_trainer_or_are_refused(tmp_path, kind, data):
    mutated = copy.deepcopy(VALID[kind])
    parent, key, node = None, None, mutated
    # Skip the net's numbers mostly (the model-file tests cover them): stop early in the tree.
    while tree_children(node) and data.draw(st.integers(0, 2)) > 0:
        parent, key = node, data.draw(st.sampled_from(tree_children(node)))
        node = parent[key]
    if parent is not None:
        if data.draw(st.booleans()):
            value = data.draw(json_values | st.sampled_from(['0', '1', '9' * 40, {'name': 'PCG64'}]))
            parent[key] = copy.deepcopy(value)  # sampled_from hands out shared objects
        else:
            del parent[key]
    path = tmp_path / 'c.json'
    path.write_text(json.dumps(mutated))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            trainer = checkpoint.load_checkpoint(path)
    except ModelFileError as error:
        assert str(path) in str(error)
        return
    X, Y = blobs(20)
    try:
        trainer.training_epoch(PreloadSource((X, Y)))
    except TrainingDivergedError:
        pass                # a mutated learning rate may be far too large: that is refused safely too
    assert np.isfinite(trainer.neural_net.parameters()).all()


def test_resume_into_a_trainer_built_with_other_settings_takes_every_setting_of_the_checkpoint(tmp_path):
    # The receiving trainer differs in learning rate, batch size, L2 term and seed: none of them may survive.
    src = PreloadSource(blobs())
    straight, saved = make_trainer(), make_trainer()
    for _ in range(3):
        straight.training_epoch(src)
    saved.training_epoch(src)
    checkpoint.save_checkpoint(tmp_path / 'c.json', saved)
    net = NetFactory.create_neural_net([8, 16, 3], Rectifier, Softmax)
    built = StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=0.5), 0.9, batch_size=3, seed=999)
    checkpoint.resume_into(tmp_path / 'c.json', built)
    assert (built.learning_rate, built.batch_size, built.cost_function.l2_reg_term, built.epochs_done) == \
        (0.07, 16, 0.003, 1)
    for _ in range(2):
        built.training_epoch(src)
    np.testing.assert_array_equal(net.parameters(), straight.neural_net.parameters())


def test_the_history_comes_back_whole_nan_included(tmp_path):
    trainer = make_trainer()
    trainer.train(PreloadSource(blobs(40)), 3, diagnostics=True)
    checkpoint.save_checkpoint(tmp_path / 'c.json', trainer)
    restored = checkpoint.load_checkpoint(tmp_path / 'c.json').history
    assert restored.keys() == trainer.history.keys() and len(restored) == 3
    for key in trainer.history.keys():
        np.testing.assert_array_equal(restored.array(key), trainer.history.array(key))
    assert np.isnan(restored.array('saturated')).all()  # Rectifier layers: NaN, written as null


def test_resume_into_restores_a_built_trainer_in_place_or_changes_nothing(tmp_path):
    src = PreloadSource(blobs())
    straight, saved = make_trainer(), make_trainer()
    for _ in range(3):
        straight.training_epoch(src)
    saved.training_epoch(src)
    checkpoint.save_checkpoint(tmp_path / 'c.json', saved)
    built = make_trainer()
    net = built.neural_net
    assert checkpoint.resume_into(tmp_path / 'c.json', built) is built and built.neural_net is net
    for _ in range(2):
        built.training_epoch(src)
    np.testing.assert_array_equal(net.parameters(), straight.neural_net.parameters())

    other_net = NetFactory.create_neural_net([8, 16, 3], Tanh, Softmax)
    other = StochasticGradientDescent(other_net, CrossEntropyCost(other_net), 0.5, batch_size=4, seed=0)
    before = other_net.parameters().copy(), other.rng.bit_generator.state
    with pytest.raises(ValueError, match="Rectifier"):
        checkpoint.resume_into(tmp_path / 'c.json', other)
    np.testing.assert_array_equal(other_net.parameters(), before[0])
    assert (other.rng.bit_generator.state, other.epochs_done, other.learning_rate) == (before[1], 0, 0.5)


def test_a_model_file_read_as_a_checkpoint_and_a_checkpoint_read_as_a_model_say_which_reader_to_use(tmp_path):
    trainer = make_trainer()
    checkpoint.save_checkpoint(tmp_path / 'run.json', trainer)
    trainer.neural_net.save(tmp_path / 'net.json')
    with pytest.raises(ModelFileError, match=r'run\.json: expected "format": "feedforward-neural-net", got '
                                             r"'feedforward-neural-net-checkpoint': this is a checkpoint: read it "
                                             r'with feedforward_checkpoint\.load_checkpoint$'):
        NeuralNet.create_from_file(tmp_path / 'run.json')
    with pytest.raises(ModelFileError, match=r'net\.json: expected "format": "feedforward-neural-net-checkpoint", '
                                             r"got 'feedforward-neural-net': this is a model file: read it with "
                                             r'NeuralNet\.create_from_file$'):
        checkpoint.load_checkpoint(tmp_path / 'net.json')
    (tmp_path / 'other.json').write_text(json.dumps({'name': 'something else'}))
    for read in (NeuralNet.create_from_file, checkpoint.load_checkpoint):
        with pytest.raises(ModelFileError, match=r'got None: not a file this library wrote \(net\.save or '
                                                 r'save_checkpoint\)$'):
            read(tmp_path / 'other.json')
