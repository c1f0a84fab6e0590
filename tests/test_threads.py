"""BLAS threads: the ``threads`` setting, the default policy, ``'auto'``, and reproducible training with them.

What the BLAS has is read with threadpoolctl, independently of the library.
Tests that need two BLAS threads or more skip when the BLAS has one.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import feedforward_checkpoint as checkpoint
import feedforward_threads
from activation_functions import Rectifier, Sigmoid, Softmax
from cost_functions import CrossEntropyCost
from data_source import PreloadSource, one_hot
from feedforward_threads import AutoThreads, policy_threads
from gradient_descent import Adam, GradientDescent, StochasticGradientDescent, TrainingDivergedError
from neural_net import NetFactory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: The benchmark's workloads: sizes, hidden and output activations, batch size, dtype.
SHAPES = {'W1': ([784, 30, 10], Sigmoid, Sigmoid, 10, np.float64),
          'W2': ([784, 100, 100, 10], Rectifier, Softmax, 50, np.float32),
          'W3': ([784, 1024, 1024, 10], Rectifier, Softmax, 128, np.float32)}
#: Examples per workload: two full batches and a short one.
EXAMPLES = {'W1': 25, 'W2': 120, 'W3': 300}


def blas_now():
    """The threads of the process's BLAS as threadpoolctl reports them (the fewest, if several)."""
    return min(pool['num_threads'] for pool in threadpool_info() if pool['user_api'] == 'blas')


needs_two_threads = pytest.mark.skipif(blas_now() < 2, reason='the BLAS has one thread: nothing to limit')


def data(name, seed=0):
    sizes = SHAPES[name][0]
    rng = np.random.default_rng(seed)
    n = EXAMPLES[name]
    X = rng.random((n, sizes[0]))
    return X, one_hot(X[:, :sizes[-1]].argmax(axis=1), sizes[-1])        # classes a net can learn


class WatchedCost(CrossEntropyCost):
    """Cross-entropy that notes the BLAS threads at every step (when it forms the output error)."""

    def __init__(self, neural_net):
        super().__init__(neural_net)
        self.seen = []

    def output_delta(self, z_out, a_out, Y, out):
        self.seen.append(blas_now())
        return super().output_delta(z_out, a_out, Y, out)


def trainer(name, threads=None, kind=StochasticGradientDescent, cost=WatchedCost):
    sizes, hidden, output, batch, dtype = SHAPES[name]
    net = NetFactory.create_neural_net(sizes, hidden, output, dtype=dtype)
    net.randomize_parameters(seed=1)
    if kind is GradientDescent:
        return GradientDescent(net, cost(net), 0.1, threads=threads)
    return kind(net, cost(net), 0.01, batch_size=batch, seed=2, threads=threads)


def threads_during_steps(sgd, src):
    """The BLAS threads seen at every step of an epoch."""
    sgd.cost_function.seen = []
    sgd.training_epoch(src)
    return sgd.cost_function.seen


# ----- the setting --------------------------------------------------------------


@pytest.mark.parametrize('kind', [GradientDescent, StochasticGradientDescent, Adam])
def test_every_trainer_takes_threads_and_checks_it_whenever_it_is_set(kind):
    sgd = trainer('W1', kind=kind)
    assert sgd.threads is None
    for good in (None, 'auto', 1, 3, np.int64(2)):
        sgd.threads = good
        assert sgd.threads == good and (good is None or type(sgd.threads) in (int, str))
    for bad, error in (('fast', ValueError), ('', ValueError), (0, ValueError), (-2, ValueError),
                       (1.5, TypeError), (True, TypeError), ([2], TypeError)):
        with pytest.raises(error, match=r"expected threads to be None, 'auto' or a positive integer, got"):
            sgd.threads = bad
        with pytest.raises(error, match='threads'):
            trainer('W1', threads=bad, kind=kind)
    assert sgd.threads == 2          # a refused value leaves the setting as it was


def test_the_policy_gives_one_thread_to_small_products_and_all_to_large_ones():
    # flops of the largest product = 2 x batch x max(inputs x outputs)
    assert policy_threads(SHAPES['W1'][0], 10, np.float64) == 1                    # 0.47 MFLOP
    assert policy_threads(SHAPES['W2'][0], 50, np.float32) == 1                    # 7.8 MFLOP
    assert policy_threads(SHAPES['W3'][0], 128, np.float32) is None                # 268 MFLOP
    # The crossover itself, in each dtype: the policy is the size of the work against it, nothing else.
    for dtype, crossover in feedforward_threads.CROSSOVER_FLOPS.items():
        width = int(crossover // (2 * 100 * 784))
        assert policy_threads([784, width, 10], 100, dtype) == 1
        assert policy_threads([784, width + 1, 10], 100, dtype) is None
    assert feedforward_threads.CROSSOVER_FLOPS[np.dtype(np.float32)] >= \
        feedforward_threads.CROSSOVER_FLOPS[np.dtype(np.float64)]


@needs_two_threads
@pytest.mark.parametrize('kind', [GradientDescent, StochasticGradientDescent, Adam])
def test_the_threads_are_limited_during_an_epoch_only_and_restored_after_it(kind):
    before = blas_now()
    X, Y = data('W1')
    src = PreloadSource((X, Y))
    small = trainer('W1', kind=kind)                 # full batch: 25 examples, a small product too
    assert set(threads_during_steps(small, src)) == {1}
    assert blas_now() == before
    small.threads = 1
    assert set(threads_during_steps(small, src)) == {1}
    small.threads = before + 5                       # never more than the BLAS has
    assert set(threads_during_steps(small, src)) == {before}
    assert blas_now() == before
    # The user's own limit stands: a large net's "all threads" is what the BLAS has when the epoch begins.
    X, Y = data('W3')
    large = trainer('W3')
    assert set(threads_during_steps(large, PreloadSource((X, Y), dtype=np.float32))) == {before}
    with threadpool_limits(limits=1, user_api='blas'):
        assert set(threads_during_steps(large, PreloadSource((X, Y), dtype=np.float32))) == {1}
        assert blas_now() == 1
    assert blas_now() == before


@needs_two_threads
def test_the_threads_are_restored_after_an_epoch_that_raises():
    before = blas_now()
    X, Y = data('W1')
    src = PreloadSource((X, Y))
    for threads in (None, 1, 'auto'):
        sgd = trainer('W1', threads=threads)

        def fail(batch_index, n_batches):
            assert blas_now() <= before
            raise RuntimeError('stop here')

        with pytest.raises(RuntimeError, match='stop here'):
            sgd.training_epoch(src, on_batch=fail)
        assert blas_now() == before
        sgd.learning_rate = 1e300                   # the next step overflows: the epoch is undone
        with pytest.raises(TrainingDivergedError):
            sgd.training_epoch(src)
        assert blas_now() == before


# ----- 'auto' --------------------------------------------------------------------


class FakeMachine:
    """A clock whose steps take ``seconds[threads]`` at the thread count the BLAS was last set to."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.now = 0.0
        self.threads = max(seconds)
        self.calls = 0

    def perf_counter(self):
        self.calls += 1
        if self.calls % 2 == 0:                     # a timed step: before_step reads the clock, then after_step
            self.now += self.seconds[self.threads]
        return self.now

    def set_blas_threads(self, n):
        self.threads = n


def test_auto_probes_both_settings_keeps_the_faster_and_probes_again_later(monkeypatch):
    machine = FakeMachine({1: 0.010, 4: 0.004})      # quiet: four threads are faster
    monkeypatch.setattr(feedforward_threads, '_set_blas_threads', machine.set_blas_threads)
    monkeypatch.setattr(feedforward_threads.time, 'perf_counter', machine.perf_counter)
    auto = AutoThreads()
    auto.start(4)
    used = []

    def steps(n):
        for _ in range(n):
            auto.before_step()
            used.append(machine.threads)
            auto.after_step()

    steps(4)
    assert used == [1, 4, 4, 1]                     # the first probe: blocks of one step
    assert auto.choice == 4
    between = round(auto.REPROBE_SECONDS / 0.004)  # steps of REPROBE_SECONDS at the chosen setting's speed
    block = round(auto.BLOCK_SECONDS / 0.004)      # steps of BLOCK_SECONDS
    steps(between + 4 * block + 10)
    assert used[4:4 + between] == [4] * between
    assert used[4 + between:4 + between + 4 * block] == [1] * block + [4] * 2 * block + [1] * block
    assert used[-10:] == [4] * 10
    machine.seconds = {1: 0.010, 4: 0.030}          # another program takes a core
    steps(between + 4 * block)
    assert auto.choice == 1                         # the next probe found one thread faster now
    assert used[-10:] == [1] * 10


@needs_two_threads
@pytest.mark.parametrize('name', ['W2', 'W3'])
def test_auto_trains_as_well_as_the_default_and_leaves_the_threads_as_they_were(name):
    before = blas_now()
    X, Y = data(name)
    src = PreloadSource((X, Y), dtype=SHAPES[name][-1])
    default, auto = trainer(name), trainer(name, threads='auto')
    for sgd in (default, auto):
        seen = set()
        for _ in range(3):
            seen |= set(threads_during_steps(sgd, src))
        assert seen <= {1, before}
        assert blas_now() == before
    assert np.isfinite(auto.neural_net.parameters()).all()
    cost_default, cost_auto = default.cost_function.get_cost(src), auto.cost_function.get_cost(src)
    start = trainer(name).cost_function.get_cost(src)
    assert cost_auto < start
    # The same steps up to rounding: the thread counts change the last bits of some products only.
    np.testing.assert_allclose(cost_auto, cost_default, rtol=1e-4)


# ----- reproducibility -------------------------------------------------------------

CHILD = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    import numpy as np
    from threadpoolctl import threadpool_limits
    from feedforward_checkpoint import load_checkpoint
    from data_source import PreloadSource
    # The BLAS threads this test's own process has (what the user's environment would give both runs).
    threadpool_limits(limits=int(sys.argv[5]), user_api='blas')
    data = np.load(sys.argv[2])
    trainer = load_checkpoint(sys.argv[3])
    trainer.training_epoch(PreloadSource((data['X'], data['Y']), dtype=trainer.neural_net.dtype))
    np.save(sys.argv[4], trainer.neural_net.parameters())
''')


@pytest.mark.parametrize('name', ['W1', 'W2', 'W3'])
def test_default_threads_train_bit_identically_run_to_run_and_across_a_resume_in_another_process(tmp_path, name):
    X, Y = data(name)
    np.savez(tmp_path / 'data.npz', X=X, Y=Y)
    src = PreloadSource((X, Y), dtype=SHAPES[name][-1])
    runs = []
    for _ in range(2):
        sgd = trainer(name, cost=CrossEntropyCost)
        for _ in range(2):
            sgd.training_epoch(src)
        runs.append(sgd.neural_net.parameters().copy())
    np.testing.assert_array_equal(runs[0], runs[1])

    first = trainer(name, cost=CrossEntropyCost)
    first.training_epoch(src)
    checkpoint.save_checkpoint(tmp_path / 'checkpoint.json', first)
    result = subprocess.run([sys.executable, '-c', CHILD, ROOT, str(tmp_path / 'data.npz'),
                             str(tmp_path / 'checkpoint.json'), str(tmp_path / 'resumed.npy'), str(blas_now())],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(np.load(tmp_path / 'resumed.npy'), runs[0])

    if name != 'W1' and blas_now() > 1:
        # At these shapes the thread count changes the last bits: a count that moved with the machine's load
        # would show above.
        other = trainer(name, threads=1 if policy_threads(SHAPES[name][0], SHAPES[name][3], SHAPES[name][4])
                        is None else blas_now())
        for _ in range(2):
            other.training_epoch(src)
        assert not np.array_equal(other.neural_net.parameters(), runs[0])
