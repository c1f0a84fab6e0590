"""Grid searches on a Dask cluster of worker processes: the same scores as a serial run, and the demo on it.

One local cluster (2 worker processes, 1 thread each) serves the module's
tests and is closed after them, whatever happens.
"""
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip('sklearn', reason='grid searches need scikit-learn: pip install ".[sklearn]"')
distributed = pytest.importorskip('dask.distributed', reason='the cluster needs Dask: pip install ".[dask]"')

import joblib  # noqa: E402
import threadpoolctl  # noqa: E402  (scikit-learn needs it)
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

import feedforward_mnist  # noqa: E402
from feedforward_sklearn import NeuralNetClassifier  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope='module')
def client():
    # Worker processes are started with this process's sys.path, so they import the library from the repository.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=':0') as cluster:
        with distributed.Client(cluster) as dask_client:
            yield dask_client


def search():
    return GridSearchCV(NeuralNetClassifier(epochs=5, batch_size=10, random_state=0),
                        {'hidden_layer_sizes': [(4,), (16,)], 'learning_rate': [0.03, 0.3]}, cv=3, n_jobs=-1)


def test_a_grid_search_on_dask_workers_scores_as_the_serial_one(client):
    X, y = make_classification(n_samples=90, n_features=6, n_informative=4, n_classes=3, random_state=0)
    # Dask's workers run BLAS on one thread; the serial run does too, since the last bits of a product can
    # depend on the number of threads (they do for float32 on MNIST's sizes).
    with threadpoolctl.threadpool_limits(1):
        serial = search().set_params(n_jobs=None).fit(X, y)
    started = time.perf_counter()
    with joblib.parallel_backend('dask'), distributed.get_task_stream(client) as tasks:
        on_dask = search().fit(X, y)
    seconds = time.perf_counter() - started
    workers = client.scheduler_info()['workers']
    assert len(workers) == 2 and all(w['nthreads'] == 1 for w in workers.values())
    # The fits ran in the workers' processes (joblib may hand them over a few to a task).
    assert tasks.data and {task['worker'] for task in tasks.data} <= set(workers)
    for key in ['mean_test_score'] + ['split{}_test_score'.format(i) for i in range(3)]:
        np.testing.assert_array_equal(on_dask.cv_results_[key], serial.cv_results_[key])
    assert on_dask.cv_results_['params'] == serial.cv_results_['params']
    assert on_dask.best_params_ == serial.best_params_
    assert len(set(serial.cv_results_['mean_test_score'])) > 1  # the candidates differ: a real comparison
    print('\ngrid search of 4 candidates x 3 folds on 2 Dask workers: {:.2f} s'.format(seconds))


def test_the_grid_search_demo_on_the_cluster(client, tmp_path):
    folder = os.environ.get('MNIST_DIR')
    if not folder or not feedforward_mnist.files_present(folder):
        pytest.skip('the demo needs the real MNIST files in MNIST_DIR')
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'demos', 'grid_search.py'), '--examples', '300',
                           '--epochs', '2', '--hidden', '8', '16', '--learning-rates', '0.1', '0.3', '--folds', '2',
                           '--scheduler', client.scheduler.address, '--out', str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, MPLBACKEND='Agg'))
    assert done.returncode == 0, done.stderr[-3000:]
    assert 'on the Dask cluster at {} (2 workers)'.format(client.scheduler.address) in done.stdout
    rows = re.findall(r'^ +(8|16)((?: +\d+\.\d\d){2})$', done.stdout, flags=re.M)
    assert [row[0] for row in rows] == ['8', '16'], done.stdout
    assert re.search(r'^test accuracy: \d+\.\d\d%$', done.stdout.strip().splitlines()[-1])
    assert (tmp_path / 'grid_search.png').stat().st_size > 10000


def test_the_grid_search_demo_starts_and_closes_a_local_cluster(tmp_path):
    folder = os.environ.get('MNIST_DIR')
    if not folder or not feedforward_mnist.files_present(folder):
        pytest.skip('the demo needs the real MNIST files in MNIST_DIR')
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'demos', 'grid_search.py'), '--examples', '200',
                           '--epochs', '1', '--hidden', '8', '--learning-rates', '0.1', '0.3', '--folds', '2',
                           '--dask-workers', '2', '--out', str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, MPLBACKEND='Agg'))
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r'on the Dask cluster at tcp://127\.0\.0\.1:\d+ \(2 workers\)', done.stdout), done.stdout
    assert re.search(r'^test accuracy: \d+\.\d\d%$', done.stdout.strip().splitlines()[-1])
