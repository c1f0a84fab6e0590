"""The MNIST digits: find the four IDX files, check them, download them if they are missing.

    training, test = load_mnist()          # or load_mnist(data_dir, dtype=numpy.float64)
    training.images    # (60000, 784) pixels scaled to [0, 1]
    training.labels    # (60000,) digits 0..9
    training.targets   # (60000, 10) one-hot rows
    training.source    # a PreloadSource over (images, targets), sharing those arrays

Where the files are looked for, in order: the ``data_dir`` argument, the
``MNIST_DIR`` environment variable, a per-user cache folder (see
``cache_dir``). Each file may be gzip-compressed (``name.gz``) or raw
(``name``). Every file is read in one pass, its magic number, dimensions and
length are checked, and the SHA-256 of its decompressed bytes must equal the
published one.

An IDX file is a big-endian header followed by the data::

    0x00 0x00 <type> <ndim>   type 0x08 = unsigned bytes; ndim 3 for images, 1 for labels
    ndim 32-bit sizes         (count, 28, 28) for images, (count,) for labels
    prod(sizes) bytes         row-major pixels (0 = background, 255 = ink), or labels 0..9

This module knows files, checksums and downloads; nothing about nets.
"""
import gzip
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
import zlib

import numpy as np

from data_source import PreloadSource
from feedforward_checks import check_float_dtype

__all__ = ['load_mnist', 'MnistSplit', 'MnistFileError', 'MnistNotFoundError', 'files_present', 'data_folder',
           'cache_dir', 'find_file', 'read_idx', 'parse_idx', 'MIRRORS', 'FILE_NAMES', 'TRAIN_IMAGES', 'TRAIN_LABELS',
           'TEST_IMAGES', 'TEST_LABELS', 'CHECKSUMS', 'IMAGE_SIDE', 'N_CLASSES']

#: Maintained public mirrors of the original files, tried in order.
MIRRORS = (
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
)

TRAIN_IMAGES = 'train-images-idx3-ubyte'
TRAIN_LABELS = 'train-labels-idx1-ubyte'
TEST_IMAGES = 't10k-images-idx3-ubyte'
TEST_LABELS = 't10k-labels-idx1-ubyte'
FILE_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

#: The published SHA-256 of each decompressed file.
CHECKSUMS = {
    TRAIN_IMAGES: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
    TRAIN_LABELS: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
    TEST_IMAGES: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
    TEST_LABELS: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
}

IMAGE_SIDE = 28
N_CLASSES = 10
_UNSIGNED_BYTE = 0x08
_GZIP_MAGIC = b'\x1f\x8b'


class MnistFileError(ValueError):
    """An MNIST file is not what it should be (bad header, wrong length, wrong checksum)."""


class MnistNotFoundError(FileNotFoundError):
    """The MNIST files are not on disk and could not be downloaded."""


class MnistSplit:
    """One split of MNIST: ``images`` (n, 784), ``labels`` (n,), ``targets`` (n, 10), ``source``.

    ``source`` is a ``PreloadSource`` over ``(images, targets)`` that shares
    those arrays (no copy).
    """

    def __init__(self, images, labels, targets):
        self.images = images
        self.labels = labels
        self.targets = targets
        self.source = PreloadSource((images, targets), dtype=images.dtype)

    def __len__(self):
        return len(self.labels)

    def __repr__(self):
        return 'MnistSplit({} examples, {})'.format(len(self), self.images.dtype)


# ----- where the files are ---------------------------------------------------

def cache_dir():
    """The per-user folder where downloaded files are kept.

    ``$XDG_CACHE_HOME/feedforward-nets/mnist`` (``~/.cache/...`` when that
    variable is unset), or ``%LOCALAPPDATA%\\feedforward-nets\\mnist`` on Windows.
    """
    if os.name == 'nt' and os.environ.get('LOCALAPPDATA'):
        base = os.environ['LOCALAPPDATA']
    else:
        base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'feedforward-nets', 'mnist')


def data_folder(data_dir=None):
    """``data_dir`` if given, else ``$MNIST_DIR`` if set, else ``cache_dir()``."""
    if data_dir is not None:
        return os.fspath(data_dir)
    return os.environ.get('MNIST_DIR') or cache_dir()


def find_file(folder, name):
    """The path of ``name.gz`` or ``name`` in ``folder``, or None when neither exists."""
    for candidate in (name + '.gz', name):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def files_present(folder):
    """Whether ``folder`` holds all four MNIST files (each as ``name.gz`` or ``name``)."""
    return all(find_file(folder, name) for name in FILE_NAMES)


# ----- reading and checking one file -------------------------------------------

def read_idx(path, expected_sha256=None, expected_ndim=None):
    """The array held by the IDX file at ``path`` (gzip-compressed or raw), as uint8.

    Checks, in this order, and raises ``MnistFileError`` naming the file and
    the problem: the gzip stream is whole, the SHA-256 of the decompressed
    bytes equals ``expected_sha256`` (when given), the magic number says
    unsigned bytes with ``expected_ndim`` dimensions (when given), and the
    length equals header plus the product of the dimensions.
    """
    with open(path, 'rb') as stream:
        raw = stream.read()
    return parse_idx(raw, os.fspath(path), expected_sha256, expected_ndim)


def parse_idx(raw, name, expected_sha256=None, expected_ndim=None):
    """``read_idx`` on the bytes ``raw`` of a file called ``name``."""
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as error:
            raise MnistFileError('{}: the gzip data is damaged or cut short ({}); delete the file to '
                                 'download it again'.format(name, error)) from None
    if expected_sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != expected_sha256:
            raise MnistFileError('{}: expected SHA-256 {} of the decompressed data, got {}; the file is '
                                 'damaged or not the published one: delete it to download it again'.format(
                                     name, expected_sha256, digest))
    if len(raw) < 4:
        raise MnistFileError('{}: expected an IDX header of at least 4 bytes, got {} bytes'.format(name, len(raw)))
    if raw[0] != 0 or raw[1] != 0 or raw[2] != _UNSIGNED_BYTE:
        raise MnistFileError('{}: expected an IDX magic number 0x000008NN (unsigned bytes), got 0x{}'.format(
            name, raw[:4].hex()))
    ndim = raw[3]
    if expected_ndim is not None and ndim != expected_ndim:
        raise MnistFileError('{}: expected an IDX file of {} dimension(s), got {}'.format(name, expected_ndim, ndim))
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise MnistFileError('{}: expected a header of {} bytes for {} dimensions, got {} bytes in all'.format(
            name, header, ndim, len(raw)))
    shape = tuple(int(size) for size in np.frombuffer(raw, dtype='>u4', count=ndim, offset=4))
    expected_length = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected_length:
        raise MnistFileError('{}: expected {} bytes for an array of shape {}, got {} bytes{}'.format(
            name, expected_length, shape, len(raw), ' (cut short)' if len(raw) < expected_length else ''))
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


# ----- downloading -----------------------------------------------------------

def _download_file(name, folder, mirrors=MIRRORS, expected_sha256=None, progress=True, timeout=30):
    """Fetch ``name.gz`` from the first mirror that serves it whole and right; returns its path in ``folder``.

    Each attempt streams into a temporary file in ``folder``; only when the
    file decompresses, has ``expected_sha256`` and parses as IDX is it
    renamed to ``name.gz``. A failed attempt leaves nothing behind. When
    every mirror fails, raises ``MnistNotFoundError`` listing what each said.
    """
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, name + '.gz')
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip('/') + '/' + name + '.gz'
        handle, temporary = tempfile.mkstemp(prefix='.' + name + '.gz.', suffix='.part', dir=folder)
        try:
            with os.fdopen(handle, 'wb') as stream:
                _fetch(url, stream, progress, timeout)
                stream.flush()
                os.fsync(stream.fileno())
            read_idx(temporary, expected_sha256)
            os.replace(temporary, target)
            return target
        except (OSError, http.client.HTTPException, MnistFileError) as error:
            failures.append('{}: {}'.format(url, error))
        except BaseException:
            _remove(temporary)
            raise
        _remove(temporary)
    raise MnistNotFoundError(_missing_message(folder, failures))


def _fetch(url, stream, progress, timeout):
    """Copy the body at ``url`` into ``stream``; raise OSError if it is shorter than announced."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get('Content-Length')
        total = int(length) if length and length.isdigit() else None
        bar = _progress_bar(progress, total, url.rsplit('/', 1)[-1])
        received = 0
        try:
            while True:
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                stream.write(chunk)
                received += len(chunk)
                bar(len(chunk))
        finally:
            bar(None)
    if total is not None and received != total:
        raise OSError('the body was cut short: expected {} bytes, got {}'.format(total, received))


def _progress_bar(progress, total, label):
    """A function taking the number of new bytes (None at the end) that reports download progress."""
    if not progress:
        return lambda n: None
    try:
        from tqdm.auto import tqdm      # a widget in a notebook, text in a terminal
    except ImportError:
        tqdm = None
    if tqdm is not None:
        bar = tqdm(total=total, desc=label, unit='B', unit_scale=True, leave=False)
        return lambda n: bar.close() if n is None else bar.update(n)
    done = [0]

    def report(n):
        if n is None:
            sys.stderr.write('\n')
            return
        done[0] += n
        sys.stderr.write('\r{}: {} of {} bytes'.format(label, done[0], total if total is not None else '?'))
    return report


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _missing_message(folder, failures=()):
    message = ('MNIST files not found in {} and could not be downloaded. Put the four files {} (each may be '
               'gzip-compressed, ending in .gz) into a folder and set MNIST_DIR to it, or pass its path as data_dir (--data-dir in the demos).'.format(
                   folder, ', '.join(FILE_NAMES)))
    if failures:
        message += ' Download attempts: ' + '; '.join(failures)
    return message


# ----- the whole data set ------------------------------------------------------

def load_mnist(data_dir=None, dtype=np.float32, download=True, mirrors=None, checksums=None, progress=True):
    """The MNIST training and test splits, as ``(training, test)`` ``MnistSplit`` objects.

    ``data_dir``: the folder of the four files; None looks at ``$MNIST_DIR``
    and then ``cache_dir()``. ``dtype``: the floating dtype of images and
    targets. Missing files are downloaded into that folder when
    ``download`` is true, from ``mirrors`` (default ``MIRRORS``), with a
    progress bar when ``progress`` is true. ``checksums`` maps each file name
    to the SHA-256 of its decompressed bytes (default ``CHECKSUMS``).

    Raises ``MnistNotFoundError`` when files are missing and cannot be
    fetched, ``MnistFileError`` when a file fails a check.
    """
    dtype = check_float_dtype(dtype)
    folder = data_folder(data_dir)
    checksums = CHECKSUMS if checksums is None else checksums
    mirrors = MIRRORS if mirrors is None else mirrors
    paths = {}
    for name in FILE_NAMES:
        path = find_file(folder, name)
        if path is None:
            if not download:
                raise MnistNotFoundError(_missing_message(folder, ['downloading is turned off']))
            path = _download_file(name, folder, mirrors, checksums.get(name), progress)
        paths[name] = path
    training = _split(paths, TRAIN_IMAGES, TRAIN_LABELS, checksums, dtype)
    test = _split(paths, TEST_IMAGES, TEST_LABELS, checksums, dtype)
    return training, test



def _split(paths, images_name, labels_name, checksums, dtype):
    pixels = read_idx(paths[images_name], checksums.get(images_name), expected_ndim=3)
    labels = read_idx(paths[labels_name], checksums.get(labels_name), expected_ndim=1)
    if pixels.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise MnistFileError('{}: expected images of {side}x{side} pixels, got {}x{}'.format(
            paths[images_name], *pixels.shape[1:], side=IMAGE_SIDE))
    if len(pixels) != len(labels):
        raise MnistFileError('{} holds {} images but {} holds {} labels; expected as many of each'.format(
            paths[images_name], len(pixels), paths[labels_name], len(labels)))
    if len(labels) and labels.max() >= N_CLASSES:
        raise MnistFileError('{}: expected labels 0 to 9, got {}'.format(paths[labels_name], int(labels.max())))
    # x = pixel / 255, in [0, 1]; division rounds 255/255 to exactly 1.
    images = pixels.reshape(len(pixels), IMAGE_SIDE * IMAGE_SIDE).astype(dtype)
    np.divide(images, 255, out=images)
    targets = np.zeros((len(labels), N_CLASSES), dtype)
    targets[np.arange(len(labels)), labels] = 1
    return MnistSplit(images, labels.astype(np.intp), targets)
