import numpy as np
import pytest

from activation_functions import Softmax
from cost_functions import QuadraticCost
from data_source import (BatchesIterator, DataSetIterator, DataSource, PreloadSource, ShiftedImages, one_hot,
                         validation_split)
from neural_net import NetFactory


def test_lists_of_vectors_are_stored_once_as_matrices():
    src = PreloadSource(examples=([np.array([1.0]), np.array([2.0])], [np.array([1.0, 0]), np.array([4.0, 1])]))
    X, Y = src.get_examples(0, 2)
    assert X.shape == (2, 1) and Y.shape == (2, 2)
    assert src.number_of_examples() == 2
    assert X.dtype == np.float64


def test_two_dimensional_arrays_keep_a_floating_dtype():
    src = PreloadSource((np.zeros((5, 3), np.float32), np.zeros((5, 2), np.float32)))
    assert src.dtype == np.float32
    assert PreloadSource((np.zeros((5, 3), np.int64), np.zeros((5, 2)))).dtype == np.float64


def test_take_gathers_rows_in_the_asked_dtype_into_buffers():
    X = np.arange(12.0).reshape(6, 2)
    src = PreloadSource((X, X * 10))
    out = (np.empty((2, 2), np.float32), np.empty((2, 2), np.float32))
    Xb, Yb = src.take(np.array([4, 1]), dtype=np.float32, out=out)
    assert Xb is out[0]
    np.testing.assert_array_equal(Xb, [[8, 9], [2, 3]])
    np.testing.assert_array_equal(Yb, [[80, 90], [20, 30]])


@pytest.mark.parametrize('indices, rows', [([5, -1, 0], [10, 10, 0]), ([-6, 2], [0, 4])])
def test_take_into_buffers_takes_negative_indices_as_numpy_does(indices, rows):
    X = np.arange(12.0).reshape(6, 2)
    out = (np.empty((len(indices), 2)), np.empty((len(indices), 2)))
    Xb, _ = PreloadSource((X, X)).take(np.array(indices), out=out)
    np.testing.assert_array_equal(Xb[:, 0], rows)


@pytest.mark.parametrize('indices', [[0, 6], [-7, 1], np.array([0, 6], np.int32), np.array([2**40, 0])])
def test_take_refuses_indices_out_of_range_and_leaves_the_buffers_as_they_were(indices):
    X = np.arange(12.0).reshape(6, 2)
    out = (np.full((2, 2), -1.0), np.full((2, 2), -1.0))
    with pytest.raises(IndexError, match='out of bounds'):
        PreloadSource((X, X)).take(np.asarray(indices), out=out)
    assert (out[0] == -1).all() and (out[1] == -1).all()


def test_shuffled_keeps_pairs_together_and_is_seeded():
    X = np.arange(10.0).reshape(-1, 1)
    a = PreloadSource((X, 2 * X), shuffled=True, seed=4)
    b = PreloadSource((X, 2 * X), shuffled=True, seed=4)
    Xa, Ya = a.get_examples()
    np.testing.assert_array_equal(Ya, 2 * Xa)
    np.testing.assert_array_equal(Xa, b.get_examples()[0])
    assert not np.array_equal(Xa, X)


def test_iterators():
    X = np.arange(7.0).reshape(-1, 1)
    src = PreloadSource((X, X))
    batches = list(BatchesIterator(src, 3))
    assert [len(b[0]) for b in batches] == [3, 3, 1]
    assert len(BatchesIterator(src, 3)) == 3
    examples = list(DataSetIterator(src))
    assert len(examples) == 7 and examples[2][0].shape == (1,)


@pytest.mark.parametrize('examples,message', [
    (([np.array([1.0])], [np.array([1.0]), np.array([2.0])]), r'1 inputs \(X\) and 2 targets'),
    (([], []), 'shape \\(0,\\)'),
    ((np.zeros((0, 2)), np.zeros((0, 1))), 'at least one example'),
    (([np.array([1.0]), np.array([1.0, 2.0])], [np.array([1.0]), np.array([2.0])]), 'same shape'),
    ((np.array([[1.0, np.nan]]), np.array([[1.0]])), 'finite'),
    ((np.array([[1.0]]), np.array([[np.inf]])), 'finite'),
    ((np.array([1.0, 2.0]), np.array([[1.0], [2.0]])), r'reshape\(-1, 1\)'),
    ((np.zeros((2, 2, 2)), np.zeros((2, 1))), '2-d array'),
])
def test_bad_examples_are_refused_with_a_clear_message(examples, message):
    with pytest.raises((ValueError, TypeError), match=message):
        PreloadSource(examples=examples)


@pytest.mark.parametrize('examples', [
    'not a pair',
    ([1.0],),
    (np.array([['a']]), np.array([[1.0]])),
    (np.array([[object()]]), np.array([[1.0]])),
    (np.array([[1j]]), np.array([[1.0]])),
])
def test_non_numeric_examples_are_refused(examples):
    with pytest.raises(TypeError):
        PreloadSource(examples=examples)


def test_bad_batch_sizes():
    src = PreloadSource((np.zeros((2, 1)), np.zeros((2, 1))))
    for bad in (0, -1, 1.5, True, '3'):
        with pytest.raises((TypeError, ValueError), match='batch_size'):
            BatchesIterator(src, bad)


def test_one_hot_turns_class_labels_into_target_rows():
    np.testing.assert_array_equal(one_hot([2, 0, 1], 4), [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]])
    assert one_hot(np.array([1, 3])).shape == (2, 4)
    assert one_hot([1.0, 0.0], 2, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize('labels,n_classes,message', [
    ([0, 3], 3, 'labels from 0 to 2 for 3 classes, got 3'),
    ([-1, 0], 2, 'labels from 0 to 1 for 2 classes, got -1'),
    ([0.5], 2, 'whole numbers'),
    ([[0, 1]], 2, '1-d sequence'),
    (['a'], 2, 'whole numbers'),
    ([0, 1], 0, 'n_classes'),
])
def test_one_hot_refuses_what_are_not_class_labels(labels, n_classes, message):
    with pytest.raises((TypeError, ValueError), match=message):
        one_hot(labels, n_classes)


def test_integer_labels_lead_to_one_hot_in_every_message_on_the_way():
    # Y = [0, 1, 1, 0] for a net of 10 outputs: the first hint must not lead into another error.
    X = np.eye(4)
    with pytest.raises(ValueError, match=r'for class labels 0..k-1 use data_source.one_hot\(Y, k\)'):
        PreloadSource((X, [0, 1, 1, 0]))
    net = NetFactory.create_neural_net([4, 10], output_layer_activation=Softmax)
    src = PreloadSource((X, np.array([0, 1, 1, 0]).reshape(-1, 1)))
    with pytest.raises(ValueError, match=r'look like class labels: make one-hot targets with '
                                         r'data_source.one_hot\(labels, 10\)'):
        QuadraticCost(net).get_cost(src)
    assert QuadraticCost(net).get_cost(PreloadSource((X, one_hot([0, 1, 1, 0], 10)))) > 0


class ListSource(DataSource):
    """A user's own data source: the two methods the interface asks for, over Python lists."""

    def __init__(self, rows, targets):
        self.rows, self.targets = rows, targets

    def number_of_examples(self):
        return len(self.rows)

    def get_examples(self, index_from=0, index_to=None):
        return np.array(self.rows[index_from:index_to]), np.array(self.targets[index_from:index_to])


def test_a_users_own_source_reads_and_takes_through_the_checked_route():
    src = ListSource([[1.0, 2.0], [3.0, 4.0], [5.0, 1e39]], [[1.0], [0.0], [1.0]])
    X, Y = src.read(0, 2, np.float32)
    assert X.dtype == Y.dtype == np.float32 and X.flags.c_contiguous
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    Xt, Yt = src.take(np.array([1, 0]), dtype=np.float64)
    np.testing.assert_array_equal(Yt, [[0], [1]])
    with pytest.raises(ValueError, match=r'fit in float32 in X, got 1e\+39 at example 2, column 1'):
        src.read(1, 3, np.float32)
    with pytest.raises(ValueError, match=r'at example 2, column 1'):
        src.take(np.array([0, 2]), dtype=np.float32)
    assert (src.input_size(), src.output_size()) == (2, 1)


def test_a_users_own_source_trains_and_evaluates_exactly_as_the_same_data_preloaded():
    # The interface's own defaults (read, take, input_size, output_size) drive SGD, evaluation and train.
    from cost_functions import CrossEntropyCost, accuracy
    from gradient_descent import StochasticGradientDescent
    from activation_functions import Rectifier
    rng = np.random.default_rng(3)
    X = rng.normal(size=(23, 4))
    Y = one_hot(rng.integers(0, 3, 23), 3)
    results = []
    for src in (ListSource(X.tolist(), Y.tolist()), PreloadSource((X, Y))):
        net = NetFactory.create_neural_net([4, 6, 3], Rectifier, Softmax)
        net.randomize_parameters(0)
        cost = CrossEntropyCost(net, l2_reg_term=0.01)
        sgd = StochasticGradientDescent(net, cost, 0.2, batch_size=5, seed=1)
        sgd.training_epoch(src)
        history = sgd.train(src, 2, evaluation_data=src, measure_training=True)
        results.append((net.parameters().copy(), history['training_cost'], history['evaluation_accuracy'],
                        cost.get_cost(src), accuracy(net, src)))
    own, preloaded = results
    np.testing.assert_array_equal(own[0], preloaded[0])
    assert own[1:] == preloaded[1:]


def moved(image, dy, dx):
    """``image`` (rows, columns) moved down by ``dy`` and right by ``dx`` pixels (negative: up, left), zeros let in."""
    rows, columns = image.shape
    result = np.zeros_like(image)
    result[max(dy, 0):rows + min(dy, 0), max(dx, 0):columns + min(dx, 0)] = \
        image[max(-dy, 0):rows + min(-dy, 0), max(-dx, 0):columns + min(-dx, 0)]
    return result


@pytest.mark.parametrize('shape, reach', [((28, 28), 1), ((28, 28), 2), ((5, 9), 2)])
def test_shifted_images_move_each_image_a_step_takes_and_leave_the_measured_images_unmoved(shape, reach):
    rng = np.random.default_rng(5)
    pixels = shape[0] * shape[1]
    images = rng.random((6, pixels)).astype(np.float32)
    targets = np.eye(3, dtype=np.float32)[np.arange(6) % 3]
    source = PreloadSource((images, targets))
    shifted = ShiftedImages(source, shape, reach, rng=np.random.default_rng(7))
    assert shifted.number_of_examples() == 6 and (shifted.input_size(), shifted.output_size()) == (pixels, 3)
    X, Y = shifted.read(0, 6, np.float32)
    assert (X == images).all() and (Y == targets).all()

    indices = np.array([4, 1, 1, 0])
    draws = np.random.default_rng(7).integers(0, 2 * reach + 1, size=(2, 4))  # what the generator draws next
    out = (np.full((4, pixels), np.nan, np.float32), np.full((4, 3), np.nan, np.float32))
    assert shifted.take(indices, np.float32, out) is out
    for row, (index, corner_row, corner_column) in enumerate(zip(indices, *draws)):
        expected = moved(images[index].reshape(shape), reach - corner_row, reach - corner_column)
        assert (out[0][row].reshape(shape) == expected).all()
        assert (out[1][row] == targets[index]).all()

    X, Y = shifted.take([3, 5], np.float64)  # a list of indices, another dtype, another batch size
    assert X.dtype == Y.dtype == np.float64 and X.shape == (2, pixels) and (Y == targets[[3, 5]]).all()
    lost = images[[3, 5]].sum(axis=1) - X.sum(axis=1)   # the pixels moved out: at most 2 sides * reach, each below 1
    assert ((lost > -1e-9) & (lost < (shape[0] + shape[1]) * reach)).all()

    seen = set()
    for _ in range(400):  # every move within reach comes up
        X, _ = shifted.take(np.array([2]))
        seen.update((dy, dx) for dy in range(-reach, reach + 1) for dx in range(-reach, reach + 1)
                    if (X[0].reshape(shape) == moved(images[2].reshape(shape), dy, dx)).all())
    assert len(seen) == (2 * reach + 1) ** 2


@pytest.mark.parametrize('arguments, message', [
    (dict(shape=(28, 27)), '756 pixels'), (dict(shape=(28,)), 'pair'), (dict(shape=(28, 0)), 'positive integer'),
    (dict(reach=28), 'from 0 to 27'), (dict(reach=-1), 'from 0 to 27'), (dict(reach=1.0), 'reach'),
    (dict(rng='seven'), 'rng'),
])
def test_shifted_images_refuse_what_does_not_fit(arguments, message):
    source = PreloadSource((np.zeros((2, 784)), np.eye(2)))
    with pytest.raises((TypeError, ValueError), match=message):
        ShiftedImages(**dict(dict(source=source, shape=(28, 28), reach=1), **arguments))
    with pytest.raises(TypeError, match='DataSource'):
        ShiftedImages((np.zeros((2, 784)), np.eye(2)), (28, 28))


def test_moves_drawn_from_the_trainers_generator_resume_exactly_across_a_checkpoint(tmp_path):
    """A run of 4 epochs, and 2 epochs, a checkpoint, resume_into a new trainer and 2 more: the same bits, because the
    moves come from trainer.rng, whose state the checkpoint holds and resume_into puts back into that generator."""
    from activation_functions import Rectifier, Softmax
    from cost_functions import CrossEntropyCost
    from feedforward_checkpoint import resume_into, save_checkpoint
    from gradient_descent import StochasticGradientDescent
    from neural_net import NetFactory
    rng = np.random.default_rng(0)
    source = PreloadSource((rng.random((40, 20)), np.eye(2)[rng.integers(0, 2, 40)]))

    def trainer_and_source():
        net = NetFactory.create_neural_net([20, 6, 2], Rectifier, Softmax)
        net.randomize_parameters(1)
        trainer = StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=8, seed=2)
        return trainer, ShiftedImages(source, (4, 5), 1, rng=trainer.rng)

    straight, moving = trainer_and_source()
    straight.train(moving, 4)
    first, moving = trainer_and_source()
    first.train(moving, 2)
    save_checkpoint(tmp_path / 'c.json', first)
    resumed, moving = trainer_and_source()
    resume_into(tmp_path / 'c.json', resumed)
    resumed.train(moving, 2)
    np.testing.assert_array_equal(resumed.neural_net.parameters(), straight.neural_net.parameters())
    unmoved, _ = trainer_and_source()
    unmoved.train(source, 4)
    assert not np.array_equal(unmoved.neural_net.parameters(), straight.neural_net.parameters())


def test_a_data_source_shows_how_many_examples_it_holds_and_their_widths():
    from data_source import validation_split
    src = PreloadSource((np.zeros((500, 2)), np.zeros((500, 3))))
    assert repr(src) == 'PreloadSource(500 examples, 2 -> 3)'
    assert repr(PreloadSource(([np.zeros(4)], [np.ones(1)]), dtype=np.float32)) == \
        'PreloadSource(1 example, 4 -> 1, float32)'
    training, validation = validation_split(src, 0.2, seed=0)
    assert repr(validation) == 'Subset(100 examples of PreloadSource(500 examples, 2 -> 3))'
    assert repr(training) == 'Subset(400 examples of PreloadSource(500 examples, 2 -> 3))'
    assert repr(ListSource([[1.0, 2.0], [3.0, 4.0]], [[1.0], [0.0]])) == 'ListSource(2 examples, 2 -> 1)'


def test_the_repr_of_a_broken_source_of_one_s_own_does_not_raise():
    class Broken(DataSource):
        def number_of_examples(self):
            raise OSError('the disk is gone')

    assert repr(Broken()).startswith('<') and 'Broken object at 0x' in repr(Broken())


def test_sample_weights_stay_with_their_examples():
    X = np.arange(10.0).reshape(-1, 1)
    weights = np.arange(10) % 3
    assert PreloadSource((X, X)).sample_weights() is None
    source = PreloadSource((X, X), sample_weights=weights)
    assert source.sample_weights().dtype == np.float64
    np.testing.assert_array_equal(source.sample_weights(), weights)
    shuffled = PreloadSource((X, X), shuffled=True, seed=1, sample_weights=weights)
    np.testing.assert_array_equal(shuffled.sample_weights(), shuffled.get_examples()[0][:, 0] % 3)
    training, validation = validation_split(source, 0.3, seed=0)
    for part in (training, validation):
        np.testing.assert_array_equal(part.sample_weights(), part.get_examples()[0][:, 0] % 3)
    assert 'weighted' in repr(source) and 'weighted' not in repr(PreloadSource((X, X)))


@pytest.mark.parametrize('weights, message', [
    (np.ones(9), 'expected sample_weights of shape \\(10,\\), one per example, got shape \\(9,\\)'),
    (np.ones((10, 1)), 'expected sample_weights of shape \\(10,\\), one per example, got shape \\(10, 1\\)'),
    (np.r_[np.ones(9), -1.0], 'expected sample_weights that are finite and >= 0, got -1 at example 9'),
    (np.r_[np.ones(9), np.nan], 'expected sample_weights that are finite and >= 0, got nan at example 9'),
    (np.zeros(10), 'expected sample_weights with at least one above zero, got all zero'),
    (np.array(['a'] * 10), 'expected sample_weights to hold numbers'),
])
def test_bad_sample_weights_are_refused(weights, message):
    X = np.arange(10.0).reshape(-1, 1)
    with pytest.raises((ValueError, TypeError), match=message):
        PreloadSource((X, X), sample_weights=weights)
