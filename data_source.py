"""Where training examples come from, and how they are sliced into batches.

A data source holds pairs (x, y) of an input vector and its target vector.
Batches are pairs of 2-d arrays ``(X, Y)`` of shapes ``(n, n_inputs)`` and
``(n, n_outputs)``: rows are examples.
"""
import numpy as np


class DataSource:
    """The interface every data source offers.

    Subclasses implement ``number_of_examples`` and ``get_examples``;
    ``take`` (rows by index, used by stochastic gradient descent) has a
    default that reads the whole source once.
    """

    def number_of_examples(self):
        """How many examples the source holds."""
        raise NotImplementedError

    def get_examples(self, index_from=0, index_to=None):
        """Examples ``index_from`` to ``index_to`` (exclusive) as ``(X, Y)``.

        Returns two 2-d arrays, ``X`` of shape ``(m, n_inputs)`` and ``Y`` of
        shape ``(m, n_outputs)`` with ``m = index_to - index_from``.
        """
        raise NotImplementedError

    def take(self, indices, dtype=None, out=None):
        """The examples at ``indices`` (a 1-d integer array) as ``(X, Y)``.

        ``dtype`` converts them; ``out``, a pair of arrays of the right shapes
        and dtype, receives them without a new allocation.
        """
        X, Y = self.get_examples(0, self.number_of_examples())
        X, Y = X[indices], Y[indices]
        if dtype is not None:
            X, Y = X.astype(dtype, copy=False), Y.astype(dtype, copy=False)
        if out is not None:
            np.copyto(out[0], X)
            np.copyto(out[1], Y)
            return out
        return X, Y

    def input_size(self):
        """The width of each input vector."""
        return self.get_examples(0, 1)[0].shape[1]

    def output_size(self):
        """The width of each target vector."""
        return self.get_examples(0, 1)[1].shape[1]


def _as_matrix(rows, name):
    """``rows`` (a 2-d array, or a sequence of equal-length 1-d arrays) as a 2-d numeric array."""
    if isinstance(rows, np.ndarray):
        matrix = rows
    else:
        try:
            rows = list(rows)
        except TypeError:
            raise TypeError('expected {} as a 2-d array (n_examples, width) or a list of 1-d arrays, '
                            'got {}'.format(name, type(rows).__name__)) from None
        try:
            lengths = {np.shape(row) for row in rows}
        except ValueError:
            raise ValueError('expected every example of {} to be a flat sequence of numbers, got a ragged '
                             'nesting of sequences'.format(name)) from None
        if len(lengths) > 1:
            raise ValueError('expected every example of {} to have the same shape, got shapes {}'.format(
                name, ', '.join(str(s) for s in sorted(lengths, key=str)[:5])))
        try:
            matrix = np.asarray(rows)
        except (ValueError, TypeError) as error:
            raise ValueError('could not read {} as numbers: {}'.format(name, error)) from None
    if matrix.dtype == object or not (np.issubdtype(matrix.dtype, np.number) or matrix.dtype == bool):
        raise TypeError('expected {} to hold numbers, got an array of dtype {}'.format(name, matrix.dtype))
    if np.issubdtype(matrix.dtype, np.complexfloating):
        raise TypeError('expected {} to hold real numbers, got complex numbers'.format(name))
    if matrix.ndim != 2:
        hint = ''
        if matrix.ndim == 1:
            hint = '; for one value per example use {0}.reshape(-1, 1) or a list of 1-element arrays'.format(name)
        raise ValueError('expected {} as a 2-d array (n_examples, width) or a list of 1-d arrays, '
                         'got an array of shape {}{}'.format(name, matrix.shape, hint))
    if matrix.shape[1] == 0:
        raise ValueError('expected at least one column in {}, got an array of shape {}'.format(name, matrix.shape))
    return matrix


def _finite_in(matrix, dtype, name):
    """``matrix`` converted to ``dtype``, contiguous; ValueError naming the first value that is not finite there."""
    with np.errstate(over='ignore', invalid='ignore'):
        converted = np.ascontiguousarray(matrix, dtype=dtype)
    if not np.isfinite(converted).all():
        row, column = np.argwhere(~np.isfinite(converted))[0]
        value = matrix[row, column]
        if np.isfinite(value):
            raise ValueError('expected numbers that fit in {} in {}, got {!r} at example {}, column {}, too large '
                             'for it'.format(np.dtype(dtype).name, name, value.item(), row, column))
        raise ValueError('expected finite numbers in {}, got {} at example {}, column {}'.format(
            name, value, row, column))
    return converted


class PreloadSource(DataSource):
    """A data source that holds all its examples in memory.

    ``examples`` is a pair ``(X, Y)``: either lists of 1-d arrays (one per
    example, as in ``PreloadSource(examples=([x1, x2], [y1, y2]))``) or 2-d
    arrays of shapes ``(n, n_inputs)`` and ``(n, n_outputs)``. They are stored
    once, as two 2-d arrays of one floating dtype: ``dtype`` if given, else
    that of X when X is floating, else float64.

    ``shuffled=True`` shuffles the examples once, here, with a generator
    seeded by ``seed`` (an int, a ``numpy.random.Generator`` or None).

    Raises ``TypeError`` or ``ValueError`` for anything that is not such a
    pair: different lengths, no examples, ragged rows, non-numbers, NaN or
    infinity.
    """

    def __init__(self, examples, shuffled=False, dtype=None, seed=None):
        if not isinstance(examples, (tuple, list)) or len(examples) != 2:
            raise TypeError('expected examples as a pair (X, Y), got {}'.format(
                type(examples).__name__ if not isinstance(examples, (tuple, list))
                else 'a sequence of {} items'.format(len(examples))))
        X = _as_matrix(examples[0], 'X')
        Y = _as_matrix(examples[1], 'Y')
        if len(X) != len(Y):
            raise ValueError('expected as many targets as inputs, got {} inputs (X) and {} targets (Y)'.format(
                len(X), len(Y)))
        if len(X) == 0:
            raise ValueError('expected at least one example, got none')
        if dtype is None:
            dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise TypeError('expected a floating dtype, got {}'.format(dtype))
        X = _finite_in(X, dtype, 'X')
        Y = _finite_in(Y, dtype, 'Y')
        if shuffled:
            order = np.random.default_rng(seed).permutation(len(X))
            X, Y = X[order], Y[order]
        self._X, self._Y = X, Y
        self._converted = {}

    @property
    def dtype(self):
        """The dtype the examples are stored in."""
        return self._X.dtype

    def number_of_examples(self):
        return len(self._X)

    def input_size(self):
        return self._X.shape[1]

    def output_size(self):
        return self._Y.shape[1]

    def get_examples(self, index_from=0, index_to=None):
        """Views of examples ``index_from`` to ``index_to`` (exclusive); see ``DataSource``."""
        return self._X[index_from:index_to], self._Y[index_from:index_to]

    def as_dtype(self, dtype):
        """All examples as ``(X, Y)`` in ``dtype``; a conversion is made once and kept."""
        dtype = np.dtype(dtype)
        if dtype == self._X.dtype:
            return self._X, self._Y
        if dtype not in self._converted:
            # Finite in the stored dtype need not be finite in a narrower one (1e39 overflows float32).
            self._converted[dtype] = (_finite_in(self._X, dtype, 'X'), _finite_in(self._Y, dtype, 'Y'))
        return self._converted[dtype]

    def take(self, indices, dtype=None, out=None):
        X, Y = self.as_dtype(dtype if dtype is not None else self._X.dtype)
        if out is None:
            return np.take(X, indices, axis=0), np.take(Y, indices, axis=0)
        np.take(X, indices, axis=0, out=out[0])
        np.take(Y, indices, axis=0, out=out[1])
        return out


class BatchesIterator:
    """Iterates over a data source in consecutive batches ``(X, Y)`` of ``batch_size`` examples.

    The last batch holds what is left, so it may be smaller.
    """

    def __init__(self, data_src, batch_size):
        self.data_src = data_src
        self.batch_size = check_positive_int(batch_size, 'batch_size')

    def __iter__(self):
        total = self.data_src.number_of_examples()
        for start in range(0, total, self.batch_size):
            yield self.data_src.get_examples(start, min(start + self.batch_size, total))

    def __len__(self):
        return -(-self.data_src.number_of_examples() // self.batch_size)


class DataSetIterator:
    """Iterates over a data source one example at a time, as 1-d pairs ``(x, y)``."""

    def __init__(self, data_src):
        self.data_src = data_src

    def __iter__(self):
        for X, Y in BatchesIterator(self.data_src, 1024):
            yield from zip(X, Y)

    def __len__(self):
        return self.data_src.number_of_examples()


def check_positive_int(value, name):
    """Return ``value`` if it is a positive integer (not a bool), else raise TypeError or ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError('expected {} to be a positive integer, got {!r}'.format(name, value))
    if value < 1:
        raise ValueError('expected {} to be a positive integer, got {}'.format(name, value))
    return int(value)
