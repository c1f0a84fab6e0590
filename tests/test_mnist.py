"""The MNIST loader on small IDX files made here, served from disk and from a local HTTP server."""
import gzip
import hashlib
import http.server
import os
import struct
import threading
import time

import numpy as np
import pytest

import feedforward_mnist
from feedforward_mnist import FILE_NAMES, MnistFileError, MnistNotFoundError, load_mnist

N_TRAIN, N_TEST = 7, 4


def idx_bytes(array):
    """The IDX encoding of a uint8 array, built by hand: 0, 0, 0x08, ndim, big-endian sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(struct.pack('>I', size) for size in array.shape)
    return header + array.astype(np.uint8).tobytes()


def small_mnist(seed=0):
    """Four IDX files' bytes (by file name) and the arrays they hold."""
    rng = np.random.default_rng(seed)
    arrays = {
        'train-images-idx3-ubyte': rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        'train-labels-idx1-ubyte': np.array([3, 0, 9, 1, 5, 5, 2], dtype=np.uint8),
        't10k-images-idx3-ubyte': rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        't10k-labels-idx1-ubyte': np.array([7, 8, 0, 4], dtype=np.uint8),
    }
    arrays['train-images-idx3-ubyte'][0, 0, :2] = (0, 255)  # both ends of the pixel range
    files = {name: idx_bytes(array) for name, array in arrays.items()}
    return files, arrays


def sha256s(files):
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def write(folder, files, compress=True):
    for name, data in files.items():
        if compress:
            (folder / (name + '.gz')).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)


@pytest.fixture
def small(tmp_path):
    files, arrays = small_mnist()
    return tmp_path, files, arrays


@pytest.mark.parametrize('compress', [True, False])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_good_files_load_scaled_with_one_hot_targets(small, compress, dtype):
    folder, files, arrays = small
    write(folder, files, compress)
    training, test = load_mnist(folder, dtype=dtype, download=False, checksums=sha256s(files))
    for split, images_name, labels_name in ((training, 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
                                            (test, 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')):
        pixels, labels = arrays[images_name], arrays[labels_name]
        assert split.images.dtype == dtype and split.targets.dtype == dtype
        assert split.images.shape == (len(labels), 784)
        for i in range(len(labels)):  # pixel (r, c) of image i is column 28 r + c, divided by 255
            for r, c in ((0, 0), (0, 1), (13, 17), (27, 27)):
                assert split.images[i, 28 * r + c] == pytest.approx(pixels[i, r, c] / 255.0, rel=1e-6)
        assert split.images.min() >= 0 and split.images.max() <= 1
        np.testing.assert_array_equal(split.labels, labels)
        expected_targets = [[1.0 if k == label else 0.0 for k in range(10)] for label in labels]
        np.testing.assert_array_equal(split.targets, expected_targets)
        X, Y = split.source.get_examples()
        assert np.shares_memory(X, split.images) and np.shares_memory(Y, split.targets)
    assert training.images[0, 0] == 0.0 and training.images[0, 1] == 1.0


def test_mnist_dir_is_the_fallback(small, monkeypatch):
    folder, files, arrays = small
    write(folder, files)
    monkeypatch.setenv('MNIST_DIR', str(folder))
    training, test = load_mnist(download=False, checksums=sha256s(files))
    assert len(training) == N_TRAIN and len(test) == N_TEST


@pytest.mark.skipif(os.name == 'nt', reason='XDG_CACHE_HOME is not read on Windows')
def test_cache_folder_is_the_last_fallback(monkeypatch, tmp_path):
    monkeypatch.delenv('MNIST_DIR', raising=False)
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    assert feedforward_mnist.data_folder() == os.path.join(str(tmp_path), 'feedforward-nets', 'mnist')


def damaged(files, name, data):
    files = dict(files)
    files[name] = data
    return files


@pytest.mark.parametrize('name, make, message', [
    ('train-images-idx3-ubyte', lambda d: b'\x00\x00\x09' + d[3:], 'magic number'),
    ('train-labels-idx1-ubyte', lambda d: b'\x08\x03' + d[2:], 'magic number'),
    ('t10k-labels-idx1-ubyte', lambda d: d[:3] + b'\x02' + d[4:], '1 dimension'),
    ('train-images-idx3-ubyte', lambda d: d + b'\x00', 'got {} bytes'.format(16 + N_TRAIN * 784 + 1)),
    ('train-images-idx3-ubyte', lambda d: d[:-10], 'cut short'),
    ('t10k-labels-idx1-ubyte', lambda d: d[:6], 'header of 8 bytes'),
    ('t10k-images-idx3-ubyte', lambda d: d[:2], 'at least 4 bytes'),
])
def test_bad_files_are_refused(small, name, make, message):
    folder, files, _ = small
    files = damaged(files, name, make(files[name]))
    write(folder, files)
    with pytest.raises(MnistFileError, match=message) as error:
        load_mnist(folder, download=False, checksums=sha256s(files))
    assert name in str(error.value)


@pytest.mark.parametrize('name', FILE_NAMES)
def test_wrong_checksum_is_refused_and_the_file_is_kept(small, name):
    # Every one of the four files, labels included: a labels file whose checksum is skipped must fail here.
    folder, files, _ = small
    write(folder, files)
    checksums = sha256s(files)
    checksums[name] = '0' * 64
    with pytest.raises(MnistFileError, match='SHA-256') as error:
        load_mnist(folder, download=False, checksums=checksums)
    assert name in str(error.value)
    assert (folder / (name + '.gz')).exists()


@pytest.mark.parametrize('name', FILE_NAMES)
def test_a_file_changed_in_one_byte_fails_the_published_checksum(small, name, monkeypatch):
    # The same data, with one label or pixel changed: valid IDX, so only the checksum can catch it.
    folder, files, _ = small
    changed = bytearray(files[name])
    changed[-1] = (changed[-1] + 1) % 10
    files = dict(files, **{name: bytes(changed)})
    write(folder, files)
    checksums = sha256s(small_mnist()[0])   # those of the files as they were made
    with pytest.raises(MnistFileError, match='SHA-256') as error:
        load_mnist(folder, download=False, checksums=checksums)
    assert name in str(error.value)


def test_truncated_gzip_is_refused(small):
    folder, files, _ = small
    write(folder, files)
    path = folder / 'train-labels-idx1-ubyte.gz'
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(MnistFileError, match='gzip'):
        load_mnist(folder, download=False, checksums=sha256s(files))


def test_images_and_labels_must_match_in_number(small):
    folder, files, arrays = small
    files = damaged(files, 't10k-labels-idx1-ubyte', idx_bytes(np.array([1, 2, 3], np.uint8)))
    write(folder, files)
    with pytest.raises(MnistFileError, match='4 images but .* 3 labels'):
        load_mnist(folder, download=False, checksums=sha256s(files))


def test_labels_must_be_digits(small):
    folder, files, _ = small
    files = damaged(files, 't10k-labels-idx1-ubyte', idx_bytes(np.array([1, 2, 10, 3], np.uint8)))
    write(folder, files)
    with pytest.raises(MnistFileError, match='labels 0 to 9, got 10'):
        load_mnist(folder, download=False, checksums=sha256s(files))


def test_images_must_be_28_by_28(small):
    folder, files, _ = small
    files = damaged(files, 't10k-images-idx3-ubyte', idx_bytes(np.zeros((4, 28, 27), np.uint8)))
    write(folder, files)
    with pytest.raises(MnistFileError, match='28x28 pixels, got 28x27'):
        load_mnist(folder, download=False, checksums=sha256s(files))


def test_missing_files_without_download_name_mnist_dir_and_the_files(tmp_path):
    with pytest.raises(MnistNotFoundError) as error:
        load_mnist(tmp_path, download=False)
    for word in ('MNIST_DIR',) + FILE_NAMES:
        assert word in str(error.value)


def test_published_checksums():
    assert feedforward_mnist.CHECKSUMS == {
        'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
        'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
        't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
        't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
    }


# ----- downloads from a real HTTP server on this machine --------------------------

class Mirror:
    """A local HTTP server; ``routes`` maps a path to (status, body, announced length or None)."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                mirror.requests.append(self.path)
                status, body, announced = mirror.routes.get(self.path, (404, b'not found', None))
                self.send_response(status)
                self.send_header('Content-Length', str(len(body) if announced is None else announced))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, folder='mnist'):
        return 'http://127.0.0.1:{}/{}/'.format(self.server.server_address[1], folder)

    def serve(self, files, folder='mnist'):
        for name, data in files.items():
            self.routes['/{}/{}.gz'.format(folder, name)] = (200, gzip.compress(data), None)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror():
    server = Mirror()
    yield server
    server.close()


def test_download_success(tmp_path, mirror):
    files, arrays = small_mnist()
    mirror.serve(files)
    folder = tmp_path / 'cache'
    training, test = load_mnist(folder, mirrors=[mirror.url()], checksums=sha256s(files), progress=False)
    assert sorted(os.listdir(folder)) == sorted(name + '.gz' for name in FILE_NAMES)
    np.testing.assert_array_equal(test.labels, arrays['t10k-labels-idx1-ubyte'])
    assert training.images[3, 100] == pytest.approx(arrays['train-images-idx3-ubyte'][3, 3, 16] / 255.0)
    # A second load reads the cached files and asks the server for nothing.
    count = len(mirror.requests)
    load_mnist(folder, mirrors=[mirror.url()], checksums=sha256s(files), progress=False)
    assert len(mirror.requests) == count


def test_download_with_a_progress_bar(tmp_path, mirror, capsys):
    files, _ = small_mnist()
    mirror.serve(files)
    load_mnist(tmp_path, mirrors=[mirror.url()], checksums=sha256s(files), progress=True)
    assert 'train-images-idx3-ubyte.gz' in capsys.readouterr().err


def test_corrupt_download_leaves_nothing_and_the_next_mirror_is_tried(tmp_path, mirror):
    files, arrays = small_mnist()
    corrupt = damaged(files, 'train-images-idx3-ubyte', files['train-images-idx3-ubyte'][:-1] + b'\x01')
    mirror.serve(corrupt, 'bad')
    mirror.serve(files, 'good')
    folder = tmp_path / 'cache'
    training, _ = load_mnist(folder, mirrors=[mirror.url('bad'), mirror.url('good')],
                             checksums=sha256s(files), progress=False)
    assert '/bad/train-images-idx3-ubyte.gz' in mirror.requests
    assert sorted(os.listdir(folder)) == sorted(name + '.gz' for name in FILE_NAMES)
    assert training.images[-1, -1] == pytest.approx(arrays['train-images-idx3-ubyte'][-1, -1, -1] / 255.0)


def test_checksum_mismatch_leaves_nothing_behind(tmp_path, mirror):
    files, _ = small_mnist()
    mirror.serve(files)
    checksums = sha256s(files)
    checksums['train-images-idx3-ubyte'] = 'f' * 64
    with pytest.raises(MnistNotFoundError, match='SHA-256') as error:
        load_mnist(tmp_path, mirrors=[mirror.url()], checksums=checksums, progress=False)
    assert 'MNIST_DIR' in str(error.value)
    assert os.listdir(tmp_path) == []


def test_server_error_is_reported_and_leaves_nothing(tmp_path, mirror):
    files, _ = small_mnist()
    mirror.serve(files)
    mirror.routes['/mnist/train-images-idx3-ubyte.gz'] = (500, b'broken', None)
    with pytest.raises(MnistNotFoundError, match='500') as error:
        load_mnist(tmp_path, mirrors=[mirror.url()], checksums=sha256s(files), progress=False)
    assert all(name in str(error.value) for name in FILE_NAMES)
    assert os.listdir(tmp_path) == []


def test_truncated_body_leaves_nothing(tmp_path, mirror):
    files, _ = small_mnist()
    mirror.serve(files)
    body = gzip.compress(files['train-images-idx3-ubyte'])
    mirror.routes['/mnist/train-images-idx3-ubyte.gz'] = (200, body[:len(body) // 2], len(body))
    with pytest.raises(MnistNotFoundError) as error:
        load_mnist(tmp_path, mirrors=[mirror.url()], checksums=sha256s(files), progress=False)
    assert 'train-images-idx3-ubyte.gz' in str(error.value)
    assert os.listdir(tmp_path) == []


def test_offline_gives_one_clear_message(tmp_path, mirror):
    url = mirror.url()
    mirror.close()  # nothing listens on that port any more
    with pytest.raises(MnistNotFoundError) as error:
        load_mnist(tmp_path / 'cache', mirrors=[url], progress=False)
    message = str(error.value)
    assert 'MNIST_DIR' in message and all(name in message for name in FILE_NAMES)
    assert os.listdir(tmp_path / 'cache') == []


# ----- the real files ---------------------------------------------------------

# The published number of examples of each digit 0..9.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def real_mnist_dir():
    folder = os.environ.get('MNIST_DIR')
    if not folder or not all(feedforward_mnist.find_file(folder, name) for name in FILE_NAMES):
        pytest.skip('the real MNIST files are needed: set MNIST_DIR to the folder holding the four IDX files')
    return folder


def test_real_mnist():
    folder = real_mnist_dir()
    started = time.perf_counter()
    training, test = load_mnist(folder, download=False)
    seconds = time.perf_counter() - started
    assert training.images.shape == (60000, 784) and test.images.shape == (10000, 784)
    assert np.bincount(training.labels).tolist() == TRAIN_COUNTS
    assert np.bincount(test.labels).tolist() == TEST_COUNTS
    assert training.images.max() == 1.0 and training.images.min() == 0.0
    np.testing.assert_array_equal(training.targets.argmax(axis=1), training.labels)
    # The design target is under 2 s; a shared CI machine gets some slack.
    assert seconds < 4, 'loading took {:.2f} s'.format(seconds)


def test_files_present_needs_all_four_files_gzipped_or_not(tmp_path):
    for i, name in enumerate(FILE_NAMES):
        (tmp_path / (name + ('.gz' if i % 2 else ''))).write_bytes(b'')
    assert feedforward_mnist.files_present(str(tmp_path))
    os.remove(feedforward_mnist.find_file(str(tmp_path), FILE_NAMES[-1]))
    assert not feedforward_mnist.files_present(str(tmp_path))
