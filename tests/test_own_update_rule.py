"""An update rule defined here, in this file alone, goes everywhere the library's own go, with no change to the library.

Lion (Chen et al., 2023) is written below as a user would write it, through
the public protocol of ``feedforward_optimizers``; the tests then train it
with mini-batches and dropout, check its steps against its formula, see an
epoch it diverged in undone, save it in a checkpoint and resume it in
another process bit for bit, and hand it to the scikit-learn estimators
(``solver='lion'``) and to a demo (``--import`` this file, ``--optimizer
lion``).
"""
import sys

# The tests register Lion themselves (the fixture below), so that it stays out of every other test; a process that
# imports this file to use Lion (the checkpoint's child, the demo's --import) registers it below. Whether pytest runs
# this file is known before this file imports pytest itself.
IMPORTED_BY_PYTEST = 'pytest' in sys.modules

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from feedforward_checks import Interval, Pair, Setting  # noqa: E402
from feedforward_optimizers import UpdateRule, register_optimizer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Lion(UpdateRule):
    """Lion (Chen et al., 2023), with the momentum m (0 at first) and a decoupled weight decay lambda::

        theta <- theta (1 - eta lambda) - eta sign(beta1 m + (1 - beta1) g)
        m <- beta2 m + (1 - beta2) g
    """
    name = 'lion'
    default_learning_rate = 1e-4
    betas = Setting(Pair(Interval(0, 1, closed='left')), default=(0.9, 0.99))
    weight_decay = Setting(Interval(0, None), default=0.0)
    state_arrays = ('momentum',)

    def update(self, theta, g, scratch, learning_rate, momentum):
        beta1, beta2 = self.betas
        np.subtract(momentum, g, out=scratch)
        scratch *= beta1
        scratch += g                                  # beta1 m + (1 - beta1) g
        np.sign(scratch, out=scratch)
        scratch *= learning_rate
        theta *= 1.0 - learning_rate * self.weight_decay
        theta -= scratch
        momentum -= g
        momentum *= beta2
        momentum += g                                 # m <- beta2 m + (1 - beta2) g


if not IMPORTED_BY_PYTEST:
    register_optimizer(Lion)


@pytest.fixture(autouse=True)
def lion():
    register_optimizer(Lion)


def blobs(n=120, seed=0):
    """Three classes of 6 inputs around different centres."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    return rng.normal(size=(n, 6)) * 0.5 + np.eye(3, 6)[labels] * 2, np.eye(3)[labels]


def lion_trainer(seed=4, dropout=0.2, weight_decay=0.01):
    from activation_functions import Rectifier, Softmax
    from cost_functions import CrossEntropyCost
    from feedforward_schedules import ExponentialDecay
    from gradient_descent import Trainer
    from neural_net import NetFactory
    net = NetFactory.create_neural_net([6, 16, 3], Rectifier, Softmax)
    net.randomize_parameters(1)
    return Trainer(net, CrossEntropyCost(net, l2_reg_term=1e-3), Lion(weight_decay=weight_decay), learning_rate=3e-3,
                   batch_size=16, seed=seed,
                   dropout=dropout, schedule=ExponentialDecay(0.9), threads=1)


def test_lion_trains_with_mini_batches_and_dropout_and_its_steps_are_its_formula():
    from data_source import PreloadSource
    X, Y = blobs()
    trainer = lion_trainer(dropout=None)
    net = trainer.neural_net
    assert type(trainer.rule) is Lion and trainer.rule.betas == (0.9, 0.99)
    # One full batch by hand: the gradient of the cost, then the formula of the docstring.
    theta, m = net.parameters().copy(), np.zeros(net.parameters().size)
    g = trainer.cost_function.gradient(X[:16], Y[:16]).copy()
    c = 0.9 * m + 0.1 * g
    expected = theta * (1 - 3e-3 * 0.01) - 3e-3 * np.sign(c)
    trainer.training_epoch(PreloadSource((X[:16], Y[:16])))         # one mini-batch: the 16 examples, shuffled
    np.testing.assert_allclose(net.parameters(), expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(trainer.rule.momentum, 0.01 * g, rtol=1e-12)
    trained = lion_trainer()
    history = trained.train(PreloadSource((X, Y)), 15, measure_training=True)
    assert history['training_cost'][-1] < 0.5 * history['training_cost'][0]
    assert history['training_accuracy'][-1] > 0.9 and trained.dropout == (0.0, 0.2)


def test_an_epoch_lion_diverged_in_is_undone():
    from data_source import PreloadSource
    from gradient_descent import TrainingDivergedError
    trainer = lion_trainer()
    source = PreloadSource(blobs())
    trainer.training_epoch(source)
    before = trainer.neural_net.parameters().copy(), trainer.rule.momentum.copy(), trainer.rng.bit_generator.state

    def poison(batch_index, n_batches):
        if batch_index == 3:
            trainer.neural_net.weights()[0][0, 0] = np.inf
    with pytest.raises(TrainingDivergedError, match='epoch 2 at batch 5'):
        trainer.training_epoch(source, on_batch=poison)
    np.testing.assert_array_equal(trainer.neural_net.parameters(), before[0])
    np.testing.assert_array_equal(trainer.rule.momentum, before[1])
    assert trainer.rng.bit_generator.state == before[2] and trainer.epochs_done == 1


CHILD = '''
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import numpy as np
import test_own_update_rule                   # defines and registers Lion, as a user's module would
from data_source import PreloadSource
from feedforward_checkpoint import load_checkpoint
X, Y = test_own_update_rule.blobs()
trainer = load_checkpoint(sys.argv[3])
trainer.train(PreloadSource((X, Y)), 3)
print(type(trainer.rule).__name__, trainer.epochs_done, trainer.neural_net.parameters().tobytes().hex())
'''


def test_lion_saves_in_a_checkpoint_and_resumes_in_another_process_bit_for_bit(tmp_path):
    from data_source import PreloadSource
    from feedforward_checkpoint import save_checkpoint
    source = PreloadSource(blobs())
    straight = lion_trainer()
    straight.train(source, 5)
    first = lion_trainer()
    first.train(source, 2)
    save_checkpoint(tmp_path / 'lion.json', first)
    saved = json.loads((tmp_path / 'lion.json').read_text())
    assert saved['rule']['name'] == 'lion' and saved['rule']['settings'] == {'betas': [0.9, 0.99],
                                                                            'weight_decay': 0.01}
    assert saved['rule']['arrays']['momentum']['size'] == first.neural_net.parameters().size
    done = subprocess.run([sys.executable, '-c', CHILD, ROOT, os.path.join(ROOT, 'tests'), str(tmp_path / 'lion.json')],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['Lion', '5', straight.neural_net.parameters().tobytes().hex()]


def test_lion_is_a_solver_of_the_scikit_learn_estimators():
    pytest.importorskip('sklearn', reason='the estimators need the sklearn extra: pip install ".[sklearn]"')
    from feedforward_sklearn import NeuralNetClassifier
    X, Y = blobs(240)
    y = Y.argmax(axis=1)
    classifier = NeuralNetClassifier(hidden_layer_sizes=(16,), solver='lion', learning_rate=3e-3, epochs=20,
                                     solver_settings={'weight_decay': 0.01}, random_state=0).fit(X, y)
    assert type(classifier._trainer.rule) is Lion and classifier._trainer.rule.weight_decay == 0.01
    assert classifier.score(X, y) > 0.9
    with pytest.raises(ValueError, match="solver='lion', whose rule has no setting 'momentum'"):
        NeuralNetClassifier(solver='lion', momentum=0.9, epochs=1).fit(X, y)


def test_lion_trains_a_demo_by_its_name_after_the_demo_imports_this_file(tmp_path):
    import feedforward_mnist
    folder = feedforward_mnist.data_folder()
    if not feedforward_mnist.files_present(folder):
        pytest.skip('the demo trains on MNIST: set MNIST_DIR to the folder of the four files')
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'demos', 'dropout_mlp.py'), '--import', __file__,
                           '--optimizer', 'lion', '--optimizer-setting', 'betas=0.9,0.98', '--hidden', '24',
                           '--learning-rate', '0.001',
                           '--epochs', '1', '--shift', '0', '--data-dir', folder, '--out', str(tmp_path),
                           '--checkpoint', str(tmp_path / 'c.json')],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, MPLBACKEND='Agg'))
    assert done.returncode == 0, done.stderr
    assert "rule=Lion(betas=(0.9, 0.98)), learning_rate=0.001," in done.stdout
    accuracy = float(done.stdout.strip().splitlines()[-1].split()[-1].rstrip('%'))
    assert accuracy > 85, done.stdout
    assert json.loads((tmp_path / 'c.json').read_text())['rule']['name'] == 'lion'
