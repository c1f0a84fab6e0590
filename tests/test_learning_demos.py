"""The learning demos, each run end to end with tiny settings; their pictures are written and their numbers sane."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'demos'))

import compare_activations  # noqa: E402
import compare_costs  # noqa: E402
import compare_optimizers  # noqa: E402
import confusion_matrix  # noqa: E402
import curve_fitting  # noqa: E402
import overfitting  # noqa: E402
import vanishing_gradients  # noqa: E402
from feedforward_mnist import files_present  # noqa: E402


def mnist_present():
    folder = os.environ.get('MNIST_DIR')
    return bool(folder) and files_present(folder)


needs_mnist = pytest.mark.skipif(not mnist_present(), reason='the real MNIST files are needed: set MNIST_DIR to '
                                                             'the folder holding the four IDX files')


def picture(folder, name):
    path = os.path.join(str(folder), name)
    assert os.path.getsize(path) > 10000
    with open(path, 'rb') as stream:
        assert stream.read(8) == b'\x89PNG\r\n\x1a\n'
    return path


def test_curve_fitting(tmp_path):
    assert curve_fitting.snapshot_epochs(5000) == [0, 50, 500, 2000, 5000]
    assert curve_fitting.snapshot_epochs(3) == [0, 1, 3]
    history = curve_fitting.main(['--epochs', '300', '--out', str(tmp_path)])
    picture(tmp_path, 'curve_fitting.png')
    assert history['training_cost'][-1] < history['training_cost'][0] / 2


def test_compare_costs(tmp_path):
    histories = compare_costs.main(['--epochs', '80', '--out', str(tmp_path)])
    picture(tmp_path, 'compare_costs.png')
    quadratic, cross_entropy = histories['quadratic'], histories['cross-entropy']
    # The slowdown: from the same saturated start, cross-entropy learns and the quadratic cost barely moves.
    assert cross_entropy['training_accuracy'][-1] > 0.9
    assert quadratic['training_accuracy'][-1] < 0.2
    assert quadratic['weight_gradient_norm'][0][0] < cross_entropy['weight_gradient_norm'][0][0] / 100
    assert quadratic['saturated'][0][0] > 0.6


@needs_mnist
def test_compare_activations(tmp_path):
    histories = compare_activations.main(['--epochs', '2', '--train-size', '2000', '--test-size', '500',
                                          '--hidden', '20', '--out', str(tmp_path)])
    picture(tmp_path, 'compare_activations.png')
    assert list(histories) == ['Sigmoid', 'Tanh', 'Rectifier']
    for history in histories.values():
        assert len(history) == 2 and history['evaluation_cost'][1] < history['evaluation_cost'][0]
    assert histories['Rectifier']['evaluation_accuracy'][-1] > 0.5


@needs_mnist
def test_vanishing_gradients(tmp_path):
    histories = vanishing_gradients.main(['--epochs', '3', '--train-size', '2000', '--test-size', '500',
                                          '--out', str(tmp_path)])
    picture(tmp_path, 'vanishing_gradients.png')
    sigmoid = histories['Sigmoid'].array('weight_gradient_norm')
    rectifier = histories['Rectifier'].array('weight_gradient_norm')
    assert sigmoid.shape == rectifier.shape == (3, 6)
    # The first layer of the Sigmoid net gets a far smaller gradient than its last hidden layer.
    assert (sigmoid[:, 0] < sigmoid[:, 4] / 20).all()
    assert (rectifier[:, 0] > rectifier[:, 4] / 5).all()


@needs_mnist
def test_confusion_matrix_trains_saves_and_loads(tmp_path):
    saved = str(tmp_path / 'net.json')
    counts = confusion_matrix.main(['--epochs', '1', '--train-size', '3000', '--test-size', '1000',
                                    '--out', str(tmp_path), '--save', saved])
    picture(tmp_path, 'confusion_matrix.png')
    picture(tmp_path, 'most_wrong.png')
    assert counts.shape == (10, 10) and counts.sum() == 1000
    assert np.trace(counts) > 700
    again = confusion_matrix.main(['--load', saved, '--test-size', '1000', '--out', str(tmp_path / 'again')])
    np.testing.assert_array_equal(again, counts)


@needs_mnist
def test_compare_optimizers(tmp_path):
    histories = compare_optimizers.main(['--epochs', '2', '--train-size', '2000', '--test-size', '500',
                                         '--hidden', '30', '--out', str(tmp_path)])
    picture(tmp_path, 'compare_optimizers.png')
    assert list(histories) == ['SGD', 'momentum', 'Nesterov', 'Adam']
    costs = {name: history['training_cost'][-1] for name, history in histories.items()}
    # At the same small learning rate, momentum goes further than plain steps; Adam at its own rate too.
    assert costs['momentum'] < costs['SGD'] and costs['Nesterov'] < costs['SGD'] and costs['Adam'] < costs['SGD']
    assert histories['momentum']['learning_rate'] == histories['SGD']['learning_rate'] == [0.01, 0.01]


@needs_mnist
def test_overfitting(tmp_path):
    histories = overfitting.main(['--epochs', '12', '--train-size', '300', '--test-size', '1000', '--patience', '2',
                                  '--hidden', '50', '--out', str(tmp_path)])
    picture(tmp_path, 'overfitting.png')
    assert list(histories) == list(overfitting.RUNS)
    plain = histories['no regularization']
    assert plain['training_accuracy'][-1] > plain['evaluation_accuracy'][-1] + 0.05    # it overfits
    stopped = histories['early stopping']
    assert stopped.best_epoch is not None and len(stopped) <= 12
    assert 'test_accuracy' in stopped.keys()
