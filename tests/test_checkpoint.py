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
from gradient_descent import GradientDescent, StochasticGradientDescent, TrainingDivergedError
from neural_net import ModelFileError, NetFactory, NeuralNet

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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


def test_a_checkpoint_holds_every_setting_and_restores_a_ready_trainer(tmp_path):
    trainer = make_trainer()
    trainer.training_epoch(PreloadSource(blobs()))
    path = tmp_path / 'c.json'
    checkpoint.save_checkpoint(path, trainer)
    data = json.loads(path.read_text())
    assert data['format'] == 'feedforward-neural-net-checkpoint' and data['version'] == 2
    assert data['history'] == []  # training_epoch alone records nothing
    assert data['epochs_done'] == 1
    assert data['optimizer'] == {'class': 'StochasticGradientDescent', 'learning_rate': 0.07, 'batch_size': 16}
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


def test_trainers_and_costs_a_checkpoint_cannot_hold_are_refused_when_saving(tmp_path):
    class MyDescent(StochasticGradientDescent):
        pass

    net = NetFactory.create_neural_net([2, 2], Identity, Sigmoid)
    with pytest.raises(TypeError, match='MyDescent'):
        checkpoint.save_checkpoint(tmp_path / 'c.json', MyDescent(net, QuadraticCost(net), 0.1))
    assert not (tmp_path / 'c.json').exists()


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


def changed(change):
    data = valid_checkpoint()
    change(data)
    return data


@pytest.mark.parametrize('data,message', [
    (changed(lambda d: d.update(format='feedforward-neural-net')), 'format'),
    (changed(lambda d: d.update(version=3)), 'version'),
    (changed(lambda d: d.update(version=1)), "unknown field 'history'"),
    (changed(lambda d: d.update(history={})), 'history'),
    (changed(lambda d: d['history'].append(5)), 'record'),
    (changed(lambda d: d['history'][0].update(epoch='1')), 'numbers or null'),
    (changed(lambda d: d['history'][0].update(saturated=[[1.0]])), 'numbers or null'),
    (changed(lambda d: d['history'][0].update({'k' * 101: 1})), 'longer than'),
    (changed(lambda d: d.pop('random_state')), '"random_state" is missing'),
    (changed(lambda d: d.update(extra=None)), "unknown field 'extra'"),
    (changed(lambda d: d.update(epochs_done=-1)), 'epochs_done'),
    (changed(lambda d: d.update(epochs_done=True)), 'epochs_done'),
    (changed(lambda d: d['optimizer'].update({'class': 'os.system'})), 'class'),
    (changed(lambda d: d['optimizer'].update(learning_rate=0)), 'learning_rate'),
    (changed(lambda d: d['optimizer'].update(learning_rate='0.1')), 'learning_rate'),
    (changed(lambda d: d['optimizer'].update(batch_size=0)), 'batch_size'),
    (changed(lambda d: d['optimizer'].pop('batch_size')), 'batch_size'),
    (changed(lambda d: d['optimizer'].update(momentum=0.9)), 'fields'),
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
    path = tmp_path / 'c.json'
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
VALID = valid_checkpoint()


def tree_children(node):
    return list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_checkpoints_restore_a_working_trainer_or_are_refused(tmp_path, data):
    mutated = copy.deepcopy(VALID)
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


def test_a_version_1_checkpoint_without_history_still_loads(tmp_path):
    data = valid_checkpoint()
    data['version'] = 1
    del data['history']
    path = tmp_path / 'v1.json'
    path.write_text(json.dumps(data))
    trainer = checkpoint.load_checkpoint(path)
    assert trainer.epochs_done == 3 and len(trainer.history) == 0


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
