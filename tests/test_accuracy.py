import numpy as np
import pytest

from activation_functions import Identity, Sigmoid, Tanh
from data_source import PreloadSource
from cost_functions import accuracy, classes, confusion_matrix
from neural_net import NetFactory


def identity_net(k):
    """A net whose output equals its input, so that the test chooses the outputs."""
    net = NetFactory.create_neural_net([k, k], output_layer_activation=Identity)
    net.weights()[0][...] = np.eye(k)
    return net


def test_confusion_matrix_by_hand():
    outputs = np.array([[0.9, 0.1, 0.0],   # true 0, predicted 0
                        [0.2, 0.7, 0.1],   # true 1, predicted 1
                        [0.6, 0.3, 0.1],   # true 1, predicted 0
                        [0.1, 0.1, 0.8],   # true 2, predicted 2
                        [0.0, 0.9, 0.1]])  # true 2, predicted 1
    targets = np.eye(3)[[0, 1, 1, 2, 2]]
    src = PreloadSource((outputs, targets))
    expected = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1]])
    np.testing.assert_array_equal(confusion_matrix(identity_net(3), src), expected)
    assert accuracy(identity_net(3), src) == pytest.approx(3 / 5)


def test_single_output_is_read_as_binary():
    net = NetFactory.create_neural_net([1, 1], output_layer_activation=Sigmoid)
    net.weights()[0][...] = 1.0
    X = np.array([[-2.0], [-1.0], [1.0], [3.0]])
    Y = np.array([[0.0], [1.0], [1.0], [1.0]])
    np.testing.assert_array_equal(confusion_matrix(net, PreloadSource((X, Y))), [[1, 0], [1, 2]])
    assert accuracy(net, PreloadSource((X, Y))) == pytest.approx(0.75)


def test_a_single_output_names_class_1_only_above_one_half():
    # An untrained binary classifier: the output layer starts at zero weights and bias, so every output is
    # sigma(0) = 0.5 exactly, which is not above 0.5: every example is put in class 0.
    net = NetFactory.create_neural_net([2, 4, 1], Tanh, Sigmoid)
    net.randomize_parameters(seed=0)
    X = np.random.default_rng(1).normal(size=(5, 2))
    Y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0]])
    assert (net.feed(X) == 0.5).all()
    np.testing.assert_array_equal(confusion_matrix(net, PreloadSource((X, Y))), [[2, 0], [3, 0]])
    assert accuracy(net, PreloadSource((X, Y))) == pytest.approx(0.4)
    np.testing.assert_array_equal(classes(np.array([[0.5], [np.nextafter(0.5, 1)], [0.25]])), [0, 1, 0])


def test_many_examples_go_in_chunks():
    rng = np.random.default_rng(0)
    outputs = rng.normal(size=(70000, 4))
    labels = rng.integers(0, 4, 70000)
    src = PreloadSource((outputs, np.eye(4)[labels]))
    assert accuracy(identity_net(4), src) == pytest.approx((outputs.argmax(1) == labels).mean())


def test_classes_needs_a_matrix():
    with pytest.raises(ValueError, match='shape'):
        classes(np.zeros(3))


def test_class_targets_are_one_hot_rows_or_binary_values():
    """What train finds, where a run starts, to decide whether it records accuracies."""
    from data_source import _examine

    def class_targets(Y):
        return _examine(PreloadSource((np.zeros((3, 1)), Y)), [1, Y.shape[1]], np.float64, class_targets=True)[-1]
    assert class_targets(np.eye(3))
    assert class_targets(np.array([[0.0], [1.0], [1.0]]))
    assert not class_targets(np.array([[0.0], [0.5], [1.0]]))
    assert not class_targets(np.array([[1.0, 1.0], [0, 1], [1, 0]]))
    assert not class_targets(np.zeros((3, 2)))


@pytest.mark.parametrize('targets, message', [
    # Regression targets: they used to give an accuracy of 0.0 and a 2 x 2 matrix, silently.
    (np.array([[25.0], [120.0], [346.0]]), r'got 25 at example 0, column 0'),
    (np.array([[0.0], [0.5], [1.0]]), r'got 0\.5 at example 1, column 0'),
    (np.array([[0.0, 1.0], [0.2, 0.8], [1.0, 0.0]]), r'got 0\.2 at example 1, column 0'),
    (np.array([[0.0, 1.0], [1.0, 1.0], [1.0, 0.0]]), r'got a row of 2 ones at example 1'),
    (np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]), r'got a row of 0 ones at example 2'),
])
def test_accuracy_and_the_confusion_matrix_refuse_targets_that_are_not_classes(targets, message):
    from cost_functions import QuadraticCost
    k = targets.shape[1]
    net = identity_net(k)
    src = PreloadSource((np.zeros((3, k)), targets))
    expected = r'expected class targets \(one-hot rows, or 0 and 1 with a single output\), ' + message
    with pytest.raises(ValueError, match=expected):
        accuracy(net, src)
    with pytest.raises(ValueError, match=expected):
        confusion_matrix(net, src)
    with pytest.raises(ValueError, match=expected):
        QuadraticCost(net).cost_and_accuracy(src)


def test_a_bad_target_far_into_a_large_source_is_named_by_its_example():
    targets = np.eye(3)[np.arange(20000) % 3]
    targets[17000] = [0.0, 0.0, 3.0]
    from cost_functions import QuadraticCost
    net, src = identity_net(3), PreloadSource((np.zeros((20000, 3)), targets))
    with pytest.raises(ValueError, match='got 3 at example 17000, column 2'):
        accuracy(net, src)
    with pytest.raises(ValueError, match='got 3 at example 17000, column 2'):
        QuadraticCost(net).cost_and_accuracy(src)
