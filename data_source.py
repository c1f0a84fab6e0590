"""Where training examples come from, and how they are sliced into batches.

A data source holds pairs (x, y) of an input vector and its target vector.
Batches are pairs of 2-d arrays ``(X, Y)`` of shapes ``(n, n_inputs)`` and
``(n, n_outputs)``: rows are examples.

Training and evaluation read examples through one route, ``read`` (a run of
examples) and ``take`` (examples by index), which return them in the net's
dtype and refuse, with a ``ValueError``, any value that is NaN or infinite
there: 1e39 is finite in float64 but not in float32.

A source may weigh its examples: ``sample_weights()`` returns one weight
w_i >= 0 per example, shape (n,), or None (every example weighs 1). The
costs then weigh each example's loss by it (see ``cost_functions``);
accuracies and confusion matrices still count examples.
"""
import collections

import numpy as np

from feedforward_checks import check_float_dtype, check_positive_int, random_generator

__all__ = ['DataSource', 'PreloadSource', 'ShiftedImages', 'BatchesIterator', 'DataSetIterator', 'one_hot',
           'validation_split', 'validation_count', 'check_fits', 'checked_batch', 'checked_matrix',
           'checked_sample_weights', 'READ_ROWS']


class DataSource:
    """The interface every data source offers.

    A subclass implements ``number_of_examples`` and ``get_examples``; the
    other methods have defaults built on those two.
    """

    def sample_weights(self):
        """The weight of each example, shape (n,) float64 (each finite and >= 0, not all 0), or None: every example
        weighs the same. None by default; ``PreloadSource(..., sample_weights=w)`` holds some."""
        return None

    def number_of_examples(self):
        """How many examples the source holds."""
        raise NotImplementedError

    def get_examples(self, index_from=0, index_to=None):
        """Examples ``index_from`` to ``index_to`` (exclusive) as ``(X, Y)``.

        Returns two 2-d arrays, ``X`` of shape ``(m, n_inputs)`` and ``Y`` of
        shape ``(m, n_outputs)`` with ``m = index_to - index_from``.
        """
        raise NotImplementedError

    def read(self, start, stop, dtype):
        """Examples ``start`` to ``stop`` (exclusive) as contiguous arrays ``(X, Y)`` of ``dtype``.

        Raises ``ValueError`` naming the example if a value is NaN or
        infinite in ``dtype``, or if ``get_examples`` does not return
        ``stop - start`` examples.
        """
        X, Y = checked_batch(*_pair(self.get_examples(start, stop), self, start, stop), dtype, first=start)
        if len(X) != stop - start:
            raise ValueError('expected {}.get_examples({}, {}) to return {} examples, got {} (number_of_examples() '
                             'says {})'.format(type(self).__name__, start, stop, stop - start, len(X),
                                               self.number_of_examples()))
        return X, Y

    def take(self, indices, dtype=None, out=None):
        """The examples at ``indices`` (a 1-d integer array) as ``(X, Y)``, in ``dtype`` and checked as ``read``.

        ``out``, a pair of arrays of the right shapes and dtype, receives
        them without a new allocation. The default reads every example
        with ``get_examples`` and picks the rows.
        """
        total = self.number_of_examples()
        X, Y = _pair(self.get_examples(0, total), self, 0, total)
        X, Y = np.asarray(X), np.asarray(Y)
        if len(X) != total or len(Y) != total:
            raise ValueError('expected {}.get_examples(0, {}) to return {} examples, got {} inputs and {} '
                             'targets'.format(type(self).__name__, total, total, len(X), len(Y)))
        X, Y = checked_batch(X[indices], Y[indices], dtype, rows=indices)
        if out is not None:
            np.copyto(out[0], X)
            np.copyto(out[1], Y)
            return out
        return X, Y

    def input_size(self):
        """The width of each input vector."""
        return np.shape(self.get_examples(0, 1)[0])[1]

    def output_size(self):
        """The width of each target vector."""
        return np.shape(self.get_examples(0, 1)[1])[1]

    def __repr__(self):
        """``Name(500 examples, 2 -> 3)``: the examples, and the widths of inputs and targets."""
        try:
            return '{}({}, {} -> {})'.format(type(self).__name__, _examples(self.number_of_examples()),
                                             self.input_size(), self.output_size())
        except Exception:       # a source that cannot read its examples still has a repr, to debug it
            return object.__repr__(self)


class PreloadSource(DataSource):
    """A data source that holds all its examples in memory.

    ``examples`` is a pair ``(X, Y)``: either lists of 1-d arrays (one per
    example, as in ``PreloadSource(examples=([x1, x2], [y1, y2]))``) or 2-d
    arrays of shapes ``(n, n_inputs)`` and ``(n, n_outputs)``. They are stored
    once, as two 2-d arrays of one dtype: ``dtype`` (float32 or float64) if
    given, else that of X when X is float32 or float64, else float64. For
    class labels 0..k-1 as targets, pass ``one_hot(labels, k)``.

    ``shuffled=True`` shuffles the examples once, here, with a generator
    seeded by ``seed`` (an int, a ``numpy.random.Generator`` or None).

    ``sample_weights``, one number w_i >= 0 per example (shape (n,), not all
    0), weighs each example's loss in the costs (see ``cost_functions``):
    weight 2 counts an example as if it were there twice, weight 0 leaves it
    out. None: every example weighs the same.

    Raises ``TypeError`` or ``ValueError`` for anything that is not such a
    pair: different lengths, no examples, ragged rows, non-numbers, NaN or
    infinity.
    """

    def __init__(self, examples, shuffled=False, dtype=None, seed=None, sample_weights=None):
        if not isinstance(examples, (tuple, list)) or len(examples) != 2:
            raise TypeError('expected examples as a pair (X, Y), got {}'.format(
                type(examples).__name__ if not isinstance(examples, (tuple, list))
                else 'a sequence of {} items'.format(len(examples))))
        rng = random_generator(seed)
        X = _as_matrix(examples[0], 'X')
        Y = _as_matrix(examples[1], 'Y')
        if len(X) != len(Y):
            raise ValueError('expected as many targets as inputs, got {} inputs (X) and {} targets (Y)'.format(
                len(X), len(Y)))
        if len(X) == 0:
            raise ValueError('expected at least one example, got none')
        if dtype is None:
            dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        X, Y = checked_batch(X, Y, check_float_dtype(dtype))
        weights = None if sample_weights is None else checked_sample_weights(sample_weights, len(X))
        if shuffled:
            order = rng.permutation(len(X))
            X, Y = X[order], Y[order]
            weights = None if weights is None else weights[order]
        self._X, self._Y, self._weights = X, Y, weights
        self._converted = {}

    def sample_weights(self):
        return self._weights

    @property
    def dtype(self):
        """The dtype the examples are stored in."""
        return self._X.dtype

    def __repr__(self):
        return 'PreloadSource({}, {} -> {}{}{})'.format(
            _examples(len(self._X)), self._X.shape[1], self._Y.shape[1],
            '' if self.dtype == np.float64 else ', ' + self.dtype.name, '' if self._weights is None else ', weighted')

    def number_of_examples(self):
        return len(self._X)

    def input_size(self):
        return self._X.shape[1]

    def output_size(self):
        return self._Y.shape[1]

    def get_examples(self, index_from=0, index_to=None):
        """Views of examples ``index_from`` to ``index_to`` (exclusive); see ``DataSource``."""
        return self._X[index_from:index_to], self._Y[index_from:index_to]

    def read(self, start, stop, dtype):
        X, Y = self._arrays(dtype)
        return X[start:stop], Y[start:stop]

    def take(self, indices, dtype=None, out=None):
        X, Y = self._arrays(dtype)
        if out is None:
            return np.take(X, indices, axis=0), np.take(Y, indices, axis=0)
        # NumPy's take into ``out`` goes through a temporary copy unless told the indices are in range: they are
        # when, seen as unsigned (a negative one as a huge number), none reaches len(X). Else the checked way.
        in_range = (isinstance(indices, np.ndarray) and indices.dtype == np.intp and indices.size
                    and np.maximum.reduce(indices.view(np.uintp)) < len(X))
        mode = 'wrap' if in_range else 'raise'
        X.take(indices, axis=0, out=out[0], mode=mode)
        Y.take(indices, axis=0, out=out[1], mode=mode)
        return out

    def _arrays(self, dtype):
        """All examples in ``dtype``: the stored arrays, or a checked conversion made once and kept."""
        dtype = self._X.dtype if dtype is None else np.dtype(dtype)
        if dtype == self._X.dtype:
            return self._X, self._Y
        if dtype not in self._converted:
            self._converted[dtype] = checked_batch(self._X, self._Y, dtype)
        return self._converted[dtype]


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


def one_hot(labels, n_classes=None, dtype=np.float64):
    """Class labels 0..k-1 (a 1-d sequence of n integers) as one-hot target rows, shape (n, k).

    ``n_classes`` (k) defaults to the largest label plus one. Row i holds 1
    in column ``labels[i]`` and 0 elsewhere.
    """
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError('expected labels as a 1-d sequence of class numbers, got shape {}'.format(array.shape))
    if array.size and not (np.issubdtype(array.dtype, np.integer) or
                           (np.issubdtype(array.dtype, np.floating) and np.isfinite(array).all()
                            and (array == np.round(array)).all())):
        raise TypeError('expected labels to be whole numbers 0..k-1, got {}'.format(
            array.dtype if not np.issubdtype(array.dtype, np.floating) else 'fractions or NaN'))
    array = array.astype(np.int64)
    if n_classes is None:
        if array.size == 0:
            raise ValueError('expected at least one label when n_classes is not given')
        n_classes = int(array.max()) + 1
    n_classes = check_positive_int(n_classes, 'n_classes')
    if array.size and (array.min() < 0 or array.max() >= n_classes):
        bad = array[(array < 0) | (array >= n_classes)][0]
        raise ValueError('expected labels from 0 to {} for {} classes, got {}'.format(n_classes - 1, n_classes, bad))
    targets = np.zeros((array.size, n_classes), dtype=check_float_dtype(dtype))
    targets[np.arange(array.size), array] = 1
    return targets


def validation_split(data_src, validation, seed=None):
    """``(training, validation)``: the examples of ``data_src`` dealt at random into two data sources.

    ``validation`` is the share of examples that go to the validation part
    (a number between 0 and 1, rounded to whole examples) or their number
    (an integer); each part keeps at least one example. ``seed`` (an int, a
    ``numpy.random.Generator`` or None) makes the deal repeatable. Both
    parts keep the order the examples have in ``data_src``, and read them
    from it (no copy is made).
    """
    if not isinstance(data_src, DataSource):
        raise TypeError('expected a DataSource such as PreloadSource, got {}'.format(type(data_src).__name__))
    total = data_src.number_of_examples()
    count = validation_count(validation, total)
    chosen = np.zeros(total, bool)
    chosen[random_generator(seed).choice(total, size=count, replace=False)] = True
    return _Subset(data_src, np.flatnonzero(~chosen)), _Subset(data_src, np.flatnonzero(chosen))


def validation_count(validation, total):
    """How many of ``total`` examples ``validation_split(..., validation)`` deals to the validation part (checked as
    it checks ``validation``), without dealing them."""
    if isinstance(validation, bool) or not isinstance(validation, (int, np.integer, float, np.floating)):
        raise TypeError('expected validation to be a share between 0 and 1 or a number of examples, got '
                        '{!r}'.format(validation))
    if isinstance(validation, (int, np.integer)):
        count = int(validation)
    elif 0 < validation < 1:
        count = int(round(validation * total))
    else:
        raise ValueError('expected validation to be a share between 0 and 1 (exclusive) or a number of examples, '
                         'got {!r}'.format(validation))
    if not 1 <= count <= total - 1:
        raise ValueError('expected validation to leave at least one example in each part of the {} examples, '
                         'got {!r} ({} examples)'.format(total, validation, count))
    return count


class _Subset(DataSource):
    """Some of the examples of another data source, by their indices there: what ``validation_split`` returns."""

    def __init__(self, data_src, indices):
        self._source = data_src
        self._indices = indices

    def number_of_examples(self):
        return len(self._indices)

    def input_size(self):
        return self._source.input_size()

    def output_size(self):
        return self._source.output_size()

    def get_examples(self, index_from=0, index_to=None):
        return self._source.take(self._indices[index_from:index_to])

    def read(self, start, stop, dtype):
        return self._source.take(self._indices[start:stop], dtype)

    def take(self, indices, dtype=None, out=None):
        return self._source.take(self._indices[indices], dtype, out)

    def sample_weights(self):
        weights = _weights_of(self._source)
        return None if weights is None else weights[self._indices]

    def __repr__(self):
        return 'Subset({} of {!r})'.format(_examples(len(self._indices)), self._source)


class ShiftedImages(DataSource):
    """The examples of ``source``, whose inputs are images, each moved by a random (dy, dx), both in -reach..reach,
    afresh every time a training step takes it: augmentation by small shifts.

    ``shape`` (rows, columns) is the shape of an image; each input row of
    ``source`` is one image, row after row (MNIST's digits: (28, 28)). ``take``,
    the route by which a trainer's steps take their mini-batches, moves each
    image it returns by a (dy, dx) drawn uniformly (by (0, 0) for one in
    (2 reach + 1)^2); pixels moved in at the border are 0. ``read`` and
    ``get_examples``, with which ``train`` and the costs measure, give the
    images unmoved, so that measurements stay those of the data itself.

    The moves are drawn from ``rng`` (a ``numpy.random.Generator``, or a seed).
    Give it the trainer's shuffling generator, ``trainer.rng``: a checkpoint
    keeps its state, and ``feedforward_checkpoint.resume_into`` puts the state
    back into that very generator, so that a resumed run moves the images as
    the run never stopped would have. Every ``take`` draws moves: give this
    source to a trainer's steps only, not to ``validation_split`` or
    ``train(..., diagnostics=True)``, which take examples too.
    """

    def __init__(self, source, shape, reach=1, rng=None):
        if not isinstance(source, DataSource):
            raise TypeError('expected source to be a DataSource such as PreloadSource, got {}'.format(
                type(source).__name__))
        try:
            rows, columns = shape
        except (TypeError, ValueError):
            raise TypeError('expected shape to be a pair (rows, columns) of positive integers, got {!r}'.format(
                shape)) from None
        rows, columns = (check_positive_int(side, 'each side of shape') for side in (rows, columns))
        if rows * columns != source.input_size():
            raise ValueError('expected images of {} x {} = {} pixels, as shape says, got inputs of {} columns'.format(
                rows, columns, rows * columns, source.input_size()))
        if isinstance(reach, bool) or not isinstance(reach, (int, np.integer)) or not 0 <= reach < min(rows, columns):
            raise ValueError('expected reach to be an integer from 0 to {} (a move that keeps some of the image), '
                             'got {!r}'.format(min(rows, columns) - 1, reach))
        self.source, self.shape, self.reach = source, (rows, columns), int(reach)
        self.rng = random_generator(rng, 'rng')
        # An image in the middle of a frame of `reach` zeros on every side: the window of the image's shape at
        # corner (reach - dy, reach - dx) of the framed image is the image moved by (dy, dx).
        self._framed_shape = (rows + 2 * reach, columns + 2 * reach)
        window_rows, window_columns = np.divmod(np.arange(rows * columns), columns)
        self._window = window_rows * self._framed_shape[1] + window_columns   # the window's pixels, from its corner
        self._framed = None                       # the frames of the last batch: only their middles change

    def number_of_examples(self):
        return self.source.number_of_examples()

    def input_size(self):
        return self.source.input_size()

    def output_size(self):
        return self.source.output_size()

    def get_examples(self, index_from=0, index_to=None):
        return self.source.get_examples(index_from, index_to)

    def read(self, start, stop, dtype):
        return self.source.read(start, stop, dtype)

    def sample_weights(self):
        return self.source.sample_weights()

    def take(self, indices, dtype=None, out=None):
        """The examples at ``indices``, each image moved at random (see the class docstring); checked as ``read``."""
        taken = self.source.take(np.asarray(indices), dtype, out)      # checked, in dtype, as the source gives them
        X = taken[0]
        n, reach, (rows, columns), (framed_rows, framed_columns) = len(X), self.reach, self.shape, self._framed_shape
        framed = self._framed
        if framed is None or framed.shape[0] != n or framed.dtype != X.dtype:
            framed = self._framed = np.zeros((n,) + self._framed_shape, X.dtype)
        framed[:, reach:reach + rows, reach:reach + columns] = X.reshape(n, rows, columns)
        corner_row, corner_column = self.rng.integers(0, 2 * reach + 1, size=(2, n))
        corners = (np.arange(n) * framed_rows + corner_row) * framed_columns + corner_column
        np.take(framed.reshape(-1), corners[:, None] + self._window, out=X)    # a row of positions per image
        return taken


# ----- used by the other modules of the library -----------------------------------

def check_fits(data_src, layer_sizes):
    """Raise unless ``data_src`` is a data source of examples as wide as the net's input and output layers."""
    if not isinstance(data_src, DataSource):
        raise TypeError('expected a DataSource such as PreloadSource, got {}'.format(type(data_src).__name__))
    total = data_src.number_of_examples()
    if isinstance(total, bool) or not isinstance(total, (int, np.integer)):
        raise TypeError('expected {}.number_of_examples() to return an integer, got {!r}'.format(
            type(data_src).__name__, total))
    if total < 1:
        raise ValueError('expected a data source with at least one example, got none')
    if not isinstance(data_src, PreloadSource):
        X, Y = _pair(data_src.get_examples(0, 1), data_src, 0, 1)
        if np.ndim(X) != 2 or np.ndim(Y) != 2 or len(X) != 1 or len(Y) != 1:
            raise ValueError('expected {}.get_examples(0, 1) to return two 2-d arrays of 1 row (inputs and targets), '
                             'got shapes {} and {}'.format(type(data_src).__name__, np.shape(X), np.shape(Y)))
    n_in, n_out = data_src.input_size(), data_src.output_size()
    if n_in != layer_sizes[0]:
        raise ValueError('expected examples with {} input columns for a net with sizes {}, got {}'.format(
            layer_sizes[0], layer_sizes, n_in))
    if n_out != layer_sizes[-1]:
        hint = ''
        if n_out == 1 and layer_sizes[-1] > 1 and _holds_labels(data_src, layer_sizes[-1]):
            hint = ('; the targets look like class labels: make one-hot targets with '
                    'data_source.one_hot(labels, {})'.format(layer_sizes[-1]))
        raise ValueError('expected examples with {} target columns for a net with sizes {}, got {}{}'.format(
            layer_sizes[-1], layer_sizes, n_out, hint))


def _examine(data_src, layer_sizes, dtype, walk=True, class_targets=False):
    """Check ``data_src`` once, where training or evaluation starts; what ``train``, ``training_epoch`` and the
    costs share.

    Raises unless it is a data source of examples as wide as the net's input
    and output layers (``check_fits``); with ``walk``, reads every example
    through ``read`` in ``dtype`` (which refuses any value that is NaN or
    infinite there), in runs of ``READ_ROWS``. Returns ``_Examined``: the
    number of examples, the smallest and the largest target (None without
    ``walk``), and, with ``class_targets``, whether every target names a
    class (one-hot rows, or 0 and 1 alone with one output), else None.
    """
    check_fits(data_src, layer_sizes)
    total = data_src.number_of_examples()
    _weights_of(data_src)
    if not walk:
        return _Examined(total, None, None, None)
    low, high, classes = np.inf, -np.inf, bool(class_targets)
    for start in range(0, total, READ_ROWS):
        _, Y = data_src.read(start, min(start + READ_ROWS, total), dtype)
        low, high = min(low, float(Y.min())), max(high, float(Y.max()))
        if classes:
            classes = bool(np.isin(Y, (0.0, 1.0)).all()) and (Y.shape[1] == 1 or bool((Y.sum(axis=1) == 1.0).all()))
    return _Examined(total, low, high, classes if class_targets else None)


_Examined = collections.namedtuple('_Examined', 'examples low high class_targets')


#: Examples read at once when a whole data set is walked through (bounds memory).
READ_ROWS = 8192


def _pair(examples, data_src, start, stop):
    """``examples`` as the pair ``(X, Y)`` that ``get_examples`` must return."""
    if not isinstance(examples, (tuple, list)) or len(examples) != 2:
        raise TypeError('expected {}.get_examples({}, {}) to return a pair (X, Y), got {}'.format(
            type(data_src).__name__, start, stop, type(examples).__name__))
    return examples


def _examples(count):
    """'1 example', '500 examples'."""
    return '{} example{}'.format(count, '' if count == 1 else 's')


def _holds_labels(data_src, n_classes):
    _, Y = data_src.get_examples(0, min(1000, data_src.number_of_examples()))
    Y = np.asarray(Y)
    return bool(np.isfinite(Y).all() and (Y == np.round(Y)).all() and Y.min() >= 0 and Y.max() < n_classes)


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
            hint = '; for one value per example use {0}.reshape(-1, 1)'.format(name)
            if name == 'Y' and np.issubdtype(matrix.dtype, np.integer):
                hint += ', and for class labels 0..k-1 use data_source.one_hot({0}, k)'.format(name)
        raise ValueError('expected {} as a 2-d array (n_examples, width) or a list of 1-d arrays, '
                         'got an array of shape {}{}'.format(name, matrix.shape, hint))
    if matrix.shape[1] == 0:
        raise ValueError('expected at least one column in {}, got an array of shape {}'.format(name, matrix.shape))
    return matrix


def checked_batch(X, Y, dtype, first=0, rows=None):
    """``(X, Y)`` as contiguous arrays of ``dtype``, every value finite there: the one conversion route.

    Messages count examples from ``first``, or name them by ``rows`` (the
    indices they were taken at).
    """
    dtype = check_float_dtype(dtype)
    X, Y = _as_matrix(X, 'X'), _as_matrix(Y, 'Y')
    if len(X) != len(Y):
        raise ValueError('expected as many targets as inputs, got {} inputs (X) and {} targets (Y)'.format(
            len(X), len(Y)))
    return checked_matrix(X, dtype, 'X', first, rows), checked_matrix(Y, dtype, 'Y', first, rows)


def _weights_of(data_src):
    """``data_src.sample_weights()`` as training and the costs use them: None, or a checked float64 array (n,)
    (a ``PreloadSource`` checked its own when it was built; any other source's are checked here)."""
    weights = data_src.sample_weights()
    if weights is None or isinstance(data_src, PreloadSource):
        return weights
    return checked_sample_weights(weights, data_src.number_of_examples())


def checked_sample_weights(weights, n, name='sample_weights'):
    """``weights`` as a float64 array of shape (n,), checked: finite, >= 0, and not all zero (a cost divides by
    their sum). Raises ``TypeError`` or ``ValueError`` saying what was expected, calling them ``name``."""
    array = np.asarray(weights)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool) or \
            np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError('expected {} to hold numbers, got an array of dtype {}'.format(name, array.dtype))
    if array.shape != (n,):
        raise ValueError('expected {} of shape ({},), one per example, got shape {}'.format(name, n, array.shape))
    array = np.array(array, dtype=np.float64)       # a copy: changing the caller's array changes nothing here
    bad = ~np.isfinite(array) | (array < 0)
    if bad.any():
        where = int(np.argmax(bad))
        raise ValueError('expected {} that are finite and >= 0, got {:g} at example {}'.format(
            name, array[where], where))
    if not array.any():
        raise ValueError('expected {} with at least one above zero, got all zero: a weighted cost divides by '
                         'their sum'.format(name))
    return array


def checked_matrix(matrix, dtype, name, first=0, rows=None):
    """``matrix`` converted to ``dtype``, contiguous; ValueError naming the first value that is not finite there."""
    with np.errstate(over='ignore', invalid='ignore'):
        converted = np.ascontiguousarray(matrix, dtype=dtype)
    if not np.isfinite(converted).all():
        row, column = np.argwhere(~np.isfinite(converted))[0]
        value = matrix[row, column]
        example = first + row if rows is None else int(np.asarray(rows)[row])
        if np.isfinite(value):
            raise ValueError('expected numbers that fit in {} in {}, got {!r} at example {}, column {}, too large '
                             'for it'.format(dtype.name, name, value.item(), example, column))
        raise ValueError('expected finite numbers in {}, got {} at example {}, column {}'.format(
            name, value, example, column))
    return converted
