import numpy as np
import pytest

from data_source import BatchesIterator, DataSetIterator, PreloadSource


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
