"""The playground's data: toy sets on the plane and on a line, the input features, and CSV files of one's own.

Every set is drawn from a seeded ``numpy.random.Generator``, so that the same
settings give the same points, in the page and in the script that "Copy as
Python" writes (which imports ``make_data`` from here).

* 2-D classification (``kind``): ``gaussians`` (two), ``circle``, ``xor``,
  ``spirals`` (two) and ``blobs`` (``classes`` Gaussians, 3 to 6); targets are
  0/1 (one output) or one-hot rows (``one_hot=True``, or 3 classes and more).
* 2-D regression: ``plane`` and ``bumps`` (a sum of two Gaussians); targets
  in [-1, 1].
* 1-D curves, y = f(x), for function approximation: ``square`` (y = x²),
  ``sine`` (y = sin x), ``abs`` (y = |x|), ``step`` and ``cubic``.
* ``mnist``: a subset of the MNIST digits, read by the library's loader
  (``feedforward_mnist.load_mnist``) from ``MNIST_DIR``; 784 inputs, the
  pixels from 0 to 1, one-hot targets of 10 classes.

Points lie in ``DOMAIN`` (the plane is ``[-6, 6]²``; a curve's x range is its
own). ``noise`` (0 to 1) blurs the classes or adds to the targets.
"""
import numpy as np

__all__ = ['DOMAIN', 'CLASSIFICATION', 'REGRESSION', 'CURVES', 'DIGITS', 'KINDS', 'mnist_available', 'FEATURES', 'PLANE_FEATURES',
           'CURVE_FEATURES', 'Data', 'make_data', 'feature_columns', 'parse_csv', 'MAX_POINTS', 'MAX_CSV_ROWS']

#: The plane every 2-D set lies in: x1 and x2 from -6 to 6.
DOMAIN = (-6.0, 6.0)
CLASSIFICATION = ('gaussians', 'circle', 'xor', 'spirals', 'blobs')
REGRESSION = ('plane', 'bumps')
#: Each curve's function and its x range.
CURVES = {
    'square': (np.square, (-2.0, 2.0)),
    'sine': (np.sin, (-np.pi, np.pi)),
    'abs': (np.abs, (-2.0, 2.0)),
    'step': (lambda x: np.where(x < 0, -1.0, 1.0), (-2.0, 2.0)),
    'cubic': (lambda x: x ** 3 / 4, (-2.0, 2.0)),
}
DIGITS = ('mnist',)
KINDS = CLASSIFICATION + REGRESSION + tuple(CURVES) + DIGITS + ('csv',)
#: The input features, as functions of the point (x1, x2).
FEATURES = {
    'x1': lambda x1, x2: x1,
    'x2': lambda x1, x2: x2,
    'x1^2': lambda x1, x2: x1 * x1,
    'x2^2': lambda x1, x2: x2 * x2,
    'x1*x2': lambda x1, x2: x1 * x2,
    'sin(x1)': lambda x1, x2: np.sin(x1),
    'sin(x2)': lambda x1, x2: np.sin(x2),
}
PLANE_FEATURES = tuple(FEATURES)
#: A curve has one coordinate, x1 (drawn as x).
CURVE_FEATURES = ('x1', 'x1^2', 'sin(x1)')
MAX_POINTS = 2000
MAX_CSV_ROWS = 5000


class Data:
    """A data set split into training and test parts.

    ``points``: (n, 2) coordinates (x2 is 0 for a curve); ``targets``: (n, k);
    ``is_test``: (n,) bool; ``features``: the names of the input columns;
    ``task``: 'classification', 'regression' or 'curve'; ``classes``: the
    number of classes (0 for regression); ``domain``: ((x1 low, high), (x2
    low, high)). ``training`` and ``test`` are ``(X, Y)`` pairs: X holds the
    feature columns, shape (m, len(features)).
    """

    def __init__(self, points, targets, is_test, features, task, classes, domain, columns=None):
        self.points, self.targets, self.is_test = points, targets, is_test
        self.features, self.task, self.classes, self.domain = tuple(features), task, classes, domain
        X = feature_columns(points, self.features) if columns is None else columns
        self.training = (X[~is_test], targets[~is_test])
        self.test = (X[is_test], targets[is_test])

    @property
    def inputs(self):
        """The number of input columns: the net's input layer."""
        return self.training[0].shape[1]

    def __repr__(self):
        return 'Data({} training and {} test examples, {})'.format(
            len(self.training[0]), len(self.test[0]), self.task)


def feature_columns(points, features):
    """The columns of ``features`` (names of ``FEATURES``) for ``points`` (n, 2): shape (n, len(features))."""
    points = np.asarray(points, dtype=np.float64)
    return np.stack([FEATURES[name](points[:, 0], points[:, 1]) for name in features], axis=1)


def task_of(kind):
    """'classification', 'regression' or 'curve' for a built-in ``kind``."""
    if kind in CLASSIFICATION:
        return 'classification'
    if kind in REGRESSION:
        return 'regression'
    if kind in CURVES:
        return 'curve'
    if kind in DIGITS:
        return 'digits'
    raise ValueError('expected kind to be one of {}, got {!r}'.format(', '.join(KINDS), kind))


def _labels_2d(kind, n, noise, classes, rng):
    """Points (n, 2) and integer labels (n,) of a classification set."""
    if kind == 'gaussians':
        labels = rng.integers(0, 2, n)
        centres = np.where(labels[:, None] == 1, 2.0, -2.0)
        return centres + rng.normal(0, 0.6 + 2.4 * noise, (n, 2)), labels
    if kind == 'blobs':
        labels = rng.integers(0, classes, n)
        angles = 2 * np.pi * labels / classes
        centres = 3.5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        return centres + rng.normal(0, 0.5 + 2.0 * noise, (n, 2)), labels
    if kind == 'circle':
        labels = rng.integers(0, 2, n)
        radius = np.where(labels == 0, rng.uniform(0, 2.5, n), rng.uniform(3.5, 5.0, n))
        angle = rng.uniform(0, 2 * np.pi, n)
        points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        return points + rng.normal(0, 1.5 * noise, (n, 2)), labels
    if kind == 'xor':
        points = rng.uniform(-5, 5, (n, 2))
        points += np.where(points > 0, 0.3, -0.3)          # a margin on both axes
        labels = (points[:, 0] * points[:, 1] > 0).astype(int)
        return points + rng.normal(0, 1.5 * noise, (n, 2)), labels
    if kind == 'spirals':
        labels = rng.integers(0, 2, n)
        r = rng.uniform(0, 1, n) ** 0.5 * 5
        angle = 1.75 * r + np.pi * labels
        points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
        return points + rng.normal(0, 1.0 * noise, (n, 2)), labels
    raise ValueError('unknown classification set {!r}'.format(kind))


def _targets_2d(kind, points, noise, rng):
    """Targets (n, 1) in about [-1, 1] of a regression set on the plane."""
    x1, x2 = points[:, 0], points[:, 1]
    if kind == 'plane':
        y = (x1 + x2) / 12
    else:
        y = (np.exp(-((x1 - 2) ** 2 + (x2 - 2) ** 2) / 8) - np.exp(-((x1 + 2) ** 2 + (x2 + 2) ** 2) / 8))
    return (y + rng.normal(0, 0.5 * noise, len(y))).reshape(-1, 1)


def make_data(kind, points=500, noise=0.0, test_share=0.5, seed=0, features=('x1', 'x2'), classes=3,
              one_hot=False, extra_points=None):
    """A ``Data`` set of ``kind`` (one of ``KINDS`` but 'csv'), drawn with ``numpy.random.default_rng(seed)``.

    ``points`` examples, a share ``test_share`` (0 to 0.9) of them kept for
    testing (drawn at random); ``extra_points``, rows (x1, x2, target) added
    by hand (a class label or a value), join the training part. ``one_hot``
    gives classification targets as one-hot rows even for two classes.
    """
    rng = np.random.default_rng(seed)
    task = task_of(kind)
    if task == 'digits':
        return _digits(points, test_share, rng)
    if task == 'classification':
        k = classes if kind == 'blobs' else 2
        xy, labels = _labels_2d(kind, points, noise, k, rng)
        domain = (DOMAIN, DOMAIN)
    elif task == 'regression':
        k = 0
        xy = rng.uniform(DOMAIN[0], DOMAIN[1], (points, 2))
        values = _targets_2d(kind, xy, noise, rng)
        domain = (DOMAIN, DOMAIN)
    else:
        k = 0
        function, (low, high) = CURVES[kind]
        x = rng.uniform(low, high, points)
        xy = np.stack([x, np.zeros(points)], axis=1)
        values = (function(x) + rng.normal(0, 0.5 * noise, points)).reshape(-1, 1)
        domain = ((low, high), (0.0, 0.0))
    is_test = np.zeros(points, bool)
    is_test[rng.permutation(points)[:int(round(test_share * points))]] = True
    if extra_points is not None and len(extra_points):
        extra = np.asarray(extra_points, dtype=np.float64).reshape(-1, 3)
        xy = np.concatenate([xy, extra[:, :2]])
        if task == 'classification':
            labels = np.concatenate([labels, extra[:, 2].astype(int)])
        else:
            values = np.concatenate([values, extra[:, 2:]])
        is_test = np.concatenate([is_test, np.zeros(len(extra), bool)])
    if task == 'classification':
        targets = class_targets(labels, k, one_hot)
    else:
        targets = values
    return Data(xy, targets, is_test, features, task, k, domain)


_MNIST = {}


def mnist_available():
    """Whether the four MNIST files are in ``MNIST_DIR`` (or the loader's cache folder)."""
    import feedforward_mnist
    return feedforward_mnist.files_present(feedforward_mnist.data_folder())


def mnist_digits():
    """The MNIST digits as bytes, ``{'training': (images, labels), 'test': (...)}``: read once by the library's
    loader (never downloaded), kept as uint8 (images (n, 784)), 55 MB."""
    if not _MNIST:
        import feedforward_mnist
        training, test = feedforward_mnist.load_mnist(dtype=np.float32, download=False, progress=False)
        for name, split in (('training', training), ('test', test)):
            _MNIST[name] = (np.rint(split.images * 255).astype(np.uint8), np.asarray(split.labels, dtype=np.int64))
    return _MNIST


def _digits(points, test_share, rng):
    """``points`` training digits drawn from MNIST's training split and, from its test split, as many test
    digits as make ``test_share`` of the whole; the pixels as bytes / 255."""
    digits = mnist_digits()
    (train_images, train_labels), (test_images, test_labels) = digits['training'], digits['test']
    n_test = min(len(test_labels), int(round(points * test_share / (1 - test_share))))
    chosen = np.sort(rng.choice(len(train_labels), points, replace=False))
    chosen_test = np.sort(rng.choice(len(test_labels), n_test, replace=False))
    columns = np.concatenate([train_images[chosen], test_images[chosen_test]]) / 255.0
    labels = np.concatenate([train_labels[chosen], test_labels[chosen_test]])
    is_test = np.concatenate([np.zeros(points, bool), np.ones(n_test, bool)])
    return Data(np.zeros((len(labels), 2)), class_targets(labels, 10), is_test, ('pixels',), 'digits', 10,
                ((0.0, 1.0), (0.0, 1.0)), columns=columns)


def class_targets(labels, k, one_hot=False):
    """Labels 0..k-1 as targets: a column of 0/1 for two classes (unless ``one_hot``), else one-hot rows."""
    labels = np.asarray(labels, dtype=int)
    if k == 2 and not one_hot:
        return labels.reshape(-1, 1).astype(np.float64)
    return np.eye(k)[labels]


def parse_csv(text, one_hot=False, test_share=0.5, seed=0, features=('x1', 'x2')):
    """A ``Data`` set from CSV text: rows ``x1,x2,label`` (an integer label 0..k-1: classification),
    ``x1,x2,value`` (a value that is not a whole number: regression) or ``x,y`` (a curve); a first row that
    is not numbers is a header. At most ``MAX_CSV_ROWS`` rows; coordinates must lie within [-6, 6]
    (the plane drawn) and be finite. Raises ``ValueError`` saying which line is wrong."""
    rows = []
    width = None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        cells = [cell.strip() for cell in line.split(',')]
        try:
            values = [float(cell) for cell in cells]
        except ValueError:
            if not rows and width is None:
                width = len(cells)       # a header
                continue
            raise ValueError('line {}: expected numbers separated by commas, got {!r}'.format(
                number, line[:60])) from None
        if len(values) not in (2, 3):
            raise ValueError('line {}: expected 2 columns (x, y) or 3 (x1, x2, target), got {}'.format(
                number, len(values)))
        if rows and len(values) != len(rows[0]):
            raise ValueError('line {}: expected {} columns as on the first row, got {}'.format(
                number, len(rows[0]), len(values)))
        if not all(np.isfinite(values)):
            raise ValueError('line {}: expected finite numbers, got {!r}'.format(number, line[:60]))
        if any(abs(v) > DOMAIN[1] for v in values[:len(values) - 1]):
            raise ValueError('line {}: expected coordinates within [-6, 6], got {!r}'.format(number, line[:60]))
        rows.append(values)
        if len(rows) > MAX_CSV_ROWS:
            raise ValueError('expected at most {} rows, got more'.format(MAX_CSV_ROWS))
    if len(rows) < 4:
        raise ValueError('expected at least 4 rows of numbers, got {}'.format(len(rows)))
    table = np.array(rows)
    n = len(table)
    rng = np.random.default_rng(seed)
    is_test = np.zeros(n, bool)
    is_test[rng.permutation(n)[:int(round(test_share * n))]] = True
    if table.shape[1] == 2:
        x = table[:, 0]
        points = np.stack([x, np.zeros(n)], axis=1)
        margin = max(1e-6, 0.05 * (x.max() - x.min()))
        domain = ((float(x.min() - margin), float(x.max() + margin)), (0.0, 0.0))
        features = [f for f in features if f in CURVE_FEATURES] or ['x1']
        return Data(points, table[:, 1:], is_test, features, 'curve', 0, domain)
    points, target = table[:, :2], table[:, 2]
    if np.all(target == np.round(target)) and target.min() >= 0 and target.max() <= 7:
        k = max(2, int(target.max()) + 1)
        return Data(points, class_targets(target, k, one_hot), is_test, features, 'classification', k,
                    (DOMAIN, DOMAIN))
    if np.abs(target).max() > 1e6:
        raise ValueError('expected target values within [-1e6, 1e6], got {}'.format(np.abs(target).max()))
    return Data(points, target.reshape(-1, 1), is_test, features, 'regression', 0, (DOMAIN, DOMAIN))
