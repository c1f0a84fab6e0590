"""Checkpoints written by earlier versions of the library still load, and resume to what those versions reached.

The files in tests/fixtures were written by the library itself, at the commit
each docstring names, with the net each then reached a few epochs later:

* ``checkpoint_v1.json`` (format version 1, plain SGD) after 2 epochs, and
  ``checkpoint_v1_after_4_epochs.json`` after 2 more;
* ``checkpoint_v3_<kind>.json`` (format version 3) after 3 epochs of
  ``train`` for four kinds of trainer (plain SGD with a decaying rate;
  Nesterov momentum with dropout and a step schedule; Adam with dropout and
  ReduceOnPlateau; full-batch descent with momentum), by
  ``tests/fixtures/make_checkpoint_v3.py`` at commit cb77807, the last to
  write version 3; ``_after.json`` is the net 3 epochs of ``train`` later,
  ``_after_state.json`` the rule's state, learning rate and costs then.

NumPy computes some functions (exp, tanh) with instructions of the machine's
own (AVX-512 where there is some), which can round the last bit differently
from machine to machine; so the resumes run in a child process with NumPy's
AVX-512 paths turned off (``NPY_DISABLE_CPU_FEATURES=X86_V4``, as the files
were written): the comparisons are to the last bit on any x86-64 machine.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import feedforward_checkpoint as checkpoint
from data_source import PreloadSource
from gradient_descent import Adam, GradientDescent, StochasticGradientDescent
from neural_net import ModelFileError, NeuralNet
from test_checkpoint import assert_refused

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures')

# Trains a loaded checkpoint on as the fixture's maker did, and prints the parameters and state it reaches.
CHILD = textwrap.dedent('''
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    from data_source import PreloadSource, validation_split
    from feedforward_checkpoint import load_checkpoint, resume_into, save_checkpoint
    kind, path, out = sys.argv[2], sys.argv[3], sys.argv[4]
    if kind == 'v1':
        rng = np.random.default_rng(0)
        labels = rng.integers(0, 3, 30)
        X = rng.normal(size=(30, 4)) + np.eye(3, 4)[labels]
        trainer = load_checkpoint(path)
        for _ in range(2):
            trainer.training_epoch(PreloadSource((X, np.eye(3)[labels])))
    else:
        rng = np.random.default_rng(2024)
        labels = rng.integers(0, 3, 60)
        X = rng.standard_normal((60, 5)) + np.eye(3, 5)[labels]
        training, validation = validation_split(PreloadSource((X, np.eye(3)[labels])), 12, seed=1)
        trainer = load_checkpoint(path)
        trainer.train(training, 3, evaluation_data=validation, measure_training=True)
    state = {name: array.tolist() for name, array in trainer.rule.state().items()}
    print(json.dumps({'parameters': trainer.neural_net.parameters().tolist(), 'state': state,
                      'scalars': {name: getattr(trainer.rule, name) for name in trainer.rule.state_scalars},
                      'learning_rate': trainer.learning_rate, 'epochs_done': trainer.epochs_done,
                      'costs': trainer.history['training_cost'] if len(trainer.history) else [],
                      'class': type(trainer).__name__}))
''')


def resumed(kind, path):
    """What ``CHILD`` reaches from the checkpoint at ``path``, run with NumPy's AVX-512 paths off."""
    done = subprocess.run([sys.executable, '-c', CHILD, ROOT, kind, path, ''], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, NPY_DISABLE_CPU_FEATURES='X86_V4'))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def fixture(name):
    return os.path.join(FIXTURES, name)


def flat(net):
    return np.concatenate([np.concatenate([w.ravel(), b]) for w, b in zip(net.weights(), net.biases())])


def test_a_version_1_checkpoint_still_loads_and_resumes_as_the_version_that_wrote_it_would():
    """checkpoint_v1.json was written by the library of commit c8cbc72~1 after 2 epochs; the same code then trained
    2 more epochs into checkpoint_v1_after_4_epochs.json."""
    trainer = checkpoint.load_checkpoint(fixture('checkpoint_v1.json'))
    assert type(trainer) is StochasticGradientDescent and trainer.epochs_done == 2 and len(trainer.history) == 0
    assert (trainer.momentum, trainer.nesterov, trainer.dropout, trainer.schedule.name) == (0.0, False, None,
                                                                                        'constant')
    reached = resumed('v1', fixture('checkpoint_v1.json'))
    expected = NeuralNet.create_from_file(fixture('checkpoint_v1_after_4_epochs.json'))
    assert reached['epochs_done'] == 4
    np.testing.assert_array_equal(reached['parameters'], expected.parameters())


# The kind of trainer of each version 3 fixture, and the settings it was made with.
V3 = {
    'sgd': (StochasticGradientDescent, dict(momentum=0.0, nesterov=False, batch_size=16, dropout=None),
            'exponential'),
    'nesterov': (StochasticGradientDescent, dict(momentum=0.9, nesterov=True, batch_size=16, dropout=(0.1, 0.3, 0.2)),
                 'step'),
    'adam': (Adam, dict(betas=(0.8, 0.99), eps=1e-7, amsgrad=False, batch_size=16, dropout=(0.0, 0.2, 0.2)),
             'plateau'),
    'full_batch': (GradientDescent, dict(momentum=0.8, nesterov=False, batch_size=None, dropout=None), 'constant'),
}


@pytest.mark.parametrize('kind', list(V3))
def test_a_version_3_checkpoint_loads_with_every_setting_and_resumes_to_the_last_bit_of_the_code_that_wrote_it(kind):
    cls, settings, schedule = V3[kind]
    path = fixture('checkpoint_v3_{}.json'.format(kind))
    trainer = checkpoint.load_checkpoint(path)
    assert type(trainer) is cls and trainer.epochs_done == 3 and len(trainer.history) == 3
    assert {name: getattr(trainer, name) for name in settings} == settings
    assert trainer.schedule.name == schedule
    with open(fixture('checkpoint_v3_{}_after_state.json'.format(kind))) as stream:
        expected = json.load(stream)
    reached = resumed('v3', path)
    assert (reached['class'], reached['epochs_done']) == (cls.__name__, 6)
    np.testing.assert_array_equal(reached['parameters'], flat(NeuralNet.create_from_file(
        fixture('checkpoint_v3_{}_after.json'.format(kind)))))
    for name in ('velocity', 'first_moment', 'second_moment'):
        if name in expected:
            np.testing.assert_array_equal(reached['state'][name], expected[name])
    assert reached['scalars'].get('step_count') == expected['step_count']
    assert reached['learning_rate'] == expected['learning_rate']
    assert reached['costs'] == expected['history_costs']


def test_a_version_3_checkpoint_written_again_is_version_4_and_resumes_the_same(tmp_path):
    trainer = checkpoint.load_checkpoint(fixture('checkpoint_v3_adam.json'))
    checkpoint.save_checkpoint(tmp_path / 'v4.json', trainer)
    data = json.loads((tmp_path / 'v4.json').read_text())
    assert data['version'] == 4 and data['rule']['name'] == 'adam' and data['rule']['scalars'] == {'step_count': 9}
    assert resumed('v3', str(tmp_path / 'v4.json')) == resumed('v3', fixture('checkpoint_v3_adam.json'))


def v3_data(kind='sgd'):
    with open(fixture('checkpoint_v3_{}.json'.format(kind))) as stream:
        return json.load(stream)


def test_a_version_2_checkpoint_history_but_plain_steps_still_loads_and_resumes_as_version_3(tmp_path):
    data = v3_data()
    old = dict(data, version=2)
    for field in ('optimizer_state', 'schedule', 'dropout_random_state'):
        del old[field]
    old['optimizer'] = {key: data['optimizer'][key] for key in ('class', 'learning_rate', 'batch_size')}
    (tmp_path / 'v2.json').write_text(json.dumps(old))
    data['schedule'] = {'name': 'constant'}
    (tmp_path / 'v3.json').write_text(json.dumps(data))
    trainers = [checkpoint.load_checkpoint(tmp_path / name) for name in ('v2.json', 'v3.json')]
    assert [(t.epochs_done, len(t.history)) for t in trainers] == [(3, 3), (3, 3)]
    source = PreloadSource((np.eye(5)[np.arange(40) % 5], np.eye(3)[np.arange(40) % 3]))
    for trainer in trainers:
        trainer.training_epoch(source)
    np.testing.assert_array_equal(*(t.neural_net.parameters() for t in trainers))
    old['optimizer']['momentum'] = 0.9
    (tmp_path / 'v2.json').write_text(json.dumps(old))
    with pytest.raises(ModelFileError, match='momentum'):
        checkpoint.load_checkpoint(tmp_path / 'v2.json')


def changed(change, kind='sgd'):
    data = v3_data(kind)
    change(data)
    return data


@pytest.mark.parametrize('data,message', [
    (changed(lambda d: d.update(dropout_random_state=None)), 'dropout_random_state'),
    (changed(lambda d: d['optimizer'].update({'class': 'Trainer'})), 'class'),
    (changed(lambda d: d['optimizer'].update(learning_rate=0)), 'learning_rate'),
    (changed(lambda d: d['optimizer'].update(batch_size=0)), 'batch_size'),
    (changed(lambda d: d['optimizer'].update(batch_size=1.5)), 'batch_size'),
    (changed(lambda d: d['optimizer'].pop('dropout')), 'fields'),
    (changed(lambda d: d['optimizer'].update(weight_decay=0.1)), 'fields'),
    (changed(lambda d: d['optimizer'].update(momentum=0.9)), '"rule" "arrays"'),
    (changed(lambda d: d['optimizer'].update(nesterov=True)), 'Nesterov momentum needs a momentum'),
    (changed(lambda d: d.update(optimizer_state=[])), 'optimizer_state'),
    (changed(lambda d: d.update(optimizer_state={'velocity': None, 'm': None})), 'optimizer_state'),
    (changed(lambda d: d.update(schedule={'name': 'cosine'})), 'schedule'),
    (changed(lambda d: d.update(schedule={'name': 'exponential', 'factor': 2.0})), 'factor'),
    (changed(lambda d: d['optimizer_state'].update(velocity=[0.0] * 5), 'nesterov'), 'velocity'),
    (changed(lambda d: d['optimizer_state'].update(velocity=None), 'nesterov'), 'velocity'),
    (changed(lambda d: d['optimizer_state']['velocity'].__setitem__(3, '1'), 'nesterov'), 'velocity'),
    (changed(lambda d: d['optimizer_state'].update(step_count=-1), 'adam'), 'step_count'),
    (changed(lambda d: d['optimizer_state']['second_moment'].__setitem__(0, -1e-9), 'adam'), 'negative'),
    (changed(lambda d: d['optimizer'].update(betas=[0.9, 1.0]), 'adam'), 'betas'),
    (changed(lambda d: d['schedule'].update(bad_epochs=-1), 'adam'), 'bad_epochs'),
    (changed(lambda d: d['schedule'].pop('best'), 'adam'), 'fields'),
    (changed(lambda d: d.update(random_state={'bit_generator': {'name': 'PCG64'}}), 'full_batch'), 'random_state'),
])
def test_bad_version_3_checkpoints_are_refused_with_the_file_named(tmp_path, data, message):
    assert_refused(tmp_path, data, message)
