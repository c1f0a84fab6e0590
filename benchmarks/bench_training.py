"""Training speed on MNIST: this library against PyTorch on the CPU, and against the matrix-multiply limit.

    python benchmarks/bench_training.py                # the full benchmark (a few minutes)
    python benchmarks/bench_training.py --quick        # one small epoch of each workload (seconds)
    python benchmarks/bench_training.py --threads 1    # BLAS and PyTorch threads (default: every CPU)
    python benchmarks/bench_training.py --workloads methods --methods sgd,adam   # training methods alone
    python benchmarks/bench_training.py --busy         # W1, W2, W3 quiet and with one core kept busy

Workloads (60,000 MNIST training examples; ``MNIST_DIR`` as for the demos):

* W1: 784-30-10, Sigmoid hidden and output, cross-entropy, batch 10, learning rate 0.5, float64;
* W2: 784-100-100-10, Rectifier hidden, Softmax output, cross-entropy with L2, batch 50, rate 0.1, float32;
* W3: 784-1024-1024-10, Rectifier hidden, Softmax output, cross-entropy, batch 128, rate 0.1, float32;
* a width sweep: 784-w-10 for w in 32, 128, 512, 2048, as W3 otherwise.

For each: seconds per epoch (median of the timed epochs, after one warm-up
epoch), examples per second, and, where PyTorch is installed, the same
workload in PyTorch (eager mode, ``torch.optim.SGD``, same sizes, batch,
dtype and threads) and the ratio of the epoch times. The epochs of this
library, of PyTorch, of JAX (where ``jax[cpu]`` is installed: a jitted step
per mini-batch, and the epoch compiled as one ``lax.scan``; ``--no-jax``
leaves it out) and of the products alone (below) are taken in turns,
with a measurement of the multiply rate in each round, so that the ratios
compare times taken under the same conditions of a shared machine. The roofline epoch time
is the matrix-multiply work of an epoch, 6 x (sum over layers of inputs x
outputs) x examples floating-point operations (2 for the forward product, 4
for the two backward ones), divided by the rate NumPy's own matrix multiply
reaches on this machine in that dtype: measured once in every round of
the workload, the median counts.

"Matrix products alone" times, for each workload, just the matrix products
an epoch makes, at the shapes its mini-batches give them and with no other
work. Their ratio to the roofline is the multiply's own efficiency at those
shapes, which no training code can beat; the epoch's ratio to them is what
the rest of training (activations, costs, updates, batching) adds.

Peak memory is measured in a fresh process that loads MNIST in float32 and
trains W2: the peak of the allocations that ``tracemalloc`` traces (NumPy
reports its array buffers to it), from before loading to the end of
training, and the growth of the process's peak resident set size over the
same span.

Training methods: on W2 and W3, the epoch of each method (``--methods``:
``sgd``, plain steps; ``momentum``, 0.9 at a tenth of the learning rate;
``adam``, learning rate 0.001; ``dropout``, plain steps with dropout 0.5 on
the hidden layers) of this library and of PyTorch (``torch.optim.SGD`` with
momentum, ``torch.optim.Adam``, ``torch.nn.Dropout``, with PyTorch's default
implementation choices), all taken in turns in one run; each method's
overhead is its epoch time over the plain epoch of the same library in the
same round, and "vs torch" its epoch over PyTorch's of the same method in
the same round (medians over the rounds).

The scikit-learn comparison ("sklearn") times whole fits of 784-100-10
(Rectifier hidden units, Softmax output, cross-entropy with L2 term 1e-4,
mini-batches of 50, learning rate 0.1, float32) for 10 epochs on the 60,000
training digits, each from a new net, in turns: the library's own ``train``
(the net, the cost, ``StochasticGradientDescent`` and ``train`` on a
``PreloadSource``), ``feedforward_sklearn.NeuralNetClassifier.fit`` on the
images and their labels, and scikit-learn's ``MLPClassifier.fit`` with
``solver='sgd'`` and the same net, batch size, epochs and learning rate, no
momentum, ``alpha`` = 1e-4 x 50 (its L2 term is alpha / (2 batch) sum W^2), no
early stopping, and ``tol=0`` so that it runs every epoch. The ratios are
taken round by round (the fits of one round meet the same moments of the
machine); the median and the range over the rounds are printed.

Busy core (``--busy``, instead of the tables above): W1, W2 and W3, each
trained by this library with every BLAS thread (``threads=N`` for all N of
them: the library before it chose threads), with its default threads
(``threads=None``), with ``threads='auto'``, and by PyTorch, quiet and while
another process (``python -c "while True: pass"``, which the benchmark
starts, pinned to one CPU with ``--busy-cpu``, and kills when it ends,
however it ends) keeps one core busy. The busy process runs throughout and
is stopped (SIGSTOP) for the quiet epochs, so that quiet and busy epochs are
taken in turns like all the others.

``--synthetic`` replaces MNIST with random arrays of the same shapes (for
machines without the data); the output says which data were used.
"""
import argparse
import atexit
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _threads_from_argv(argv):
    for i, arg in enumerate(argv):
        if arg == '--threads' and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith('--threads='):
            return arg.split('=', 1)[1]
    return str(os.cpu_count() or 1)


# BLAS reads its thread count when NumPy is first imported: set it before that.
_THREADS = _threads_from_argv(sys.argv[1:])
for _variable in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_variable] = _THREADS

import numpy as np  # noqa: E402

sys.path.insert(0, ROOT)
from activation_functions import Rectifier, Sigmoid, Softmax  # noqa: E402
from cost_functions import CrossEntropyCost  # noqa: E402
from data_source import PreloadSource  # noqa: E402
from gradient_descent import Adam, StochasticGradientDescent  # noqa: E402
from neural_net import NetFactory  # noqa: E402

#: name -> (sizes, hidden activation, output activation, batch size, learning rate, L2 term, dtype)
WORKLOADS = {
    'W1': ([784, 30, 10], Sigmoid, Sigmoid, 10, 0.5, 0.0, np.float64),
    'W2': ([784, 100, 100, 10], Rectifier, Softmax, 50, 0.1, 1e-4, np.float32),
    'W3': ([784, 1024, 1024, 10], Rectifier, Softmax, 128, 0.1, 0.0, np.float32),
}
SWEEP_WIDTHS = (32, 128, 512, 2048)
#: The training methods compared on METHOD_WORKLOADS, and the workloads.
METHODS = ('sgd', 'momentum', 'adam', 'dropout')
METHOD_WORKLOADS = ('W2', 'W3')
MOMENTUM, ADAM_RATE, DROPOUT = 0.9, 0.001, 0.5
QUICK_EXAMPLES = 2000
#: Pause before each timed run of ``interleave``.
SETTLE_SECONDS = 0.5
MNIST_IMAGES_MB = 60000 * 784 * 4 / 1e6


#: The scikit-learn comparison's workload, and the epochs of each fit.
SKLEARN_WORKLOAD = ([784, 100, 10], Rectifier, Softmax, 50, 0.1, 1e-4, np.float32)
SKLEARN_EPOCHS = 10


def sweep_workload(width):
    return [784, width, 10], Rectifier, Softmax, 128, 0.1, 0.0, np.float32


# ----- data -------------------------------------------------------------------


def training_data(dtype, synthetic, n_examples=None):
    """MNIST's training images (n, 784) in [0, 1] and one-hot targets (n, 10), in ``dtype``.

    The only place the benchmark touches data: ``synthetic`` draws random
    arrays of the same shapes instead (seeded).
    """
    if synthetic:
        n = n_examples or 60000
        rng = np.random.default_rng(0)
        images = rng.random((n, 784), dtype=np.float32).astype(dtype, copy=False)
        targets = np.eye(10, dtype=dtype)[rng.integers(0, 10, n)]
        return images, targets
    import feedforward_mnist
    training, _ = feedforward_mnist.load_mnist(dtype=dtype, download=False, progress=False)
    if n_examples is None:
        return training.images, training.targets
    return training.images[:n_examples], training.targets[:n_examples]


# ----- this library -------------------------------------------------------------


def build_net(workload, seed=0):
    sizes, hidden, output, _, _, _, dtype = workload
    net = NetFactory.create_neural_net(sizes, hidden_layer_activation=hidden,
                                       output_layer_activation=output, dtype=dtype)
    net.randomize_parameters(seed=seed)
    return net


def library_epoch(workload, images, targets, method='sgd', threads=None):
    """A function that trains one epoch of the workload with this library (the same run, epoch after epoch):
    plain SGD, or one of the other ``METHODS``; ``threads`` is the trainers' setting."""
    _, _, _, batch, rate, l2, dtype = workload
    net = build_net(workload)
    src = PreloadSource(examples=(images, targets), dtype=dtype)
    cost = CrossEntropyCost(net, l2_reg_term=l2)
    if method == 'adam':
        trainer = Adam(net, cost, learning_rate=ADAM_RATE, batch_size=batch, seed=0, threads=threads)
    elif method == 'momentum':
        trainer = StochasticGradientDescent(net, cost, learning_rate=rate * (1 - MOMENTUM), batch_size=batch, seed=0,
                                            momentum=MOMENTUM, threads=threads)
    else:
        trainer = StochasticGradientDescent(net, cost, learning_rate=rate, batch_size=batch, seed=0,
                                            dropout=DROPOUT if method == 'dropout' else None, threads=threads)
    return lambda: trainer.training_epoch(src)


def interleave(runners, epochs, warmup, before=None):
    """Seconds of each timed epoch of every runner (name -> function running one epoch), taken in turns.

    Round after round, each runner runs one epoch, in an order that rotates
    from round to round, so that all of them meet the same moments of a
    shared machine and their ratios do not drift with it. The first
    ``warmup`` rounds are not timed. ``before(name)``, if given, is called
    before each epoch, untimed. Returns name -> list of seconds.
    """
    names = list(runners)
    times = {name: [] for name in names}
    for round_ in range(warmup + epochs):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            if before is not None:
                before(name)
            # BLAS and OpenMP worker threads spin for a while after their last call: let those of the
            # previous runner go idle, so that they do not take CPU time from this one.
            time.sleep(SETTLE_SECONDS)
            started = time.perf_counter()
            runners[name]()
            if round_ >= warmup:
                times[name].append(time.perf_counter() - started)
    return times


# ----- PyTorch -------------------------------------------------------------------


def torch_epoch(workload, images, targets, threads, method='sgd'):
    """A function that trains one epoch of the same workload in PyTorch (eager, torch.optim.SGD), or with one of
    the other ``METHODS`` (torch.optim.SGD with momentum, torch.optim.Adam, torch.nn.Dropout)."""
    import torch
    torch.set_num_threads(threads)
    sizes, hidden, output, batch, rate, l2, dtype = workload
    torch_dtype = torch.float32 if np.dtype(dtype) == np.float32 else torch.float64
    net = build_net(workload)
    layers = []
    for l, (w, b) in enumerate(zip(net.weights(), net.biases())):
        linear = torch.nn.Linear(w.shape[0], w.shape[1], dtype=torch_dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if l < len(sizes) - 2:
            layers.append(torch.nn.Sigmoid() if hidden is Sigmoid else torch.nn.ReLU())
            if method == 'dropout':
                layers.append(torch.nn.Dropout(DROPOUT))
    model = torch.nn.Sequential(*layers)
    model.train()
    # The output activation is fused into the loss, as PyTorch users write it.
    X = torch.from_numpy(np.ascontiguousarray(images, dtype=dtype))
    if output is Softmax:
        Y = torch.from_numpy(np.argmax(targets, axis=1))

        def loss_of(z, y):
            return torch.nn.functional.cross_entropy(z, y)
    else:
        Y = torch.from_numpy(np.ascontiguousarray(targets, dtype=dtype))

        def loss_of(z, y):
            return torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction='sum') / z.shape[0]
    weights = [p for name, p in model.named_parameters() if name.endswith('weight')]
    biases = [p for name, p in model.named_parameters() if name.endswith('bias')]
    groups = [{'params': weights, 'weight_decay': l2}, {'params': biases, 'weight_decay': 0.0}]
    if method == 'adam':
        optimizer = torch.optim.Adam(groups, lr=ADAM_RATE)
    elif method == 'momentum':
        optimizer = torch.optim.SGD(groups, lr=rate * (1 - MOMENTUM), momentum=MOMENTUM)
    else:
        optimizer = torch.optim.SGD(groups, lr=rate)
    generator = torch.Generator().manual_seed(0)
    n = X.shape[0]

    def one_epoch():
        torch.set_num_threads(threads)
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch):
            indices = order[start:start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_of(model(X[indices]), Y[indices])
            loss.backward()
            optimizer.step()

    return one_epoch


# ----- JAX -----------------------------------------------------------------------

def jax_epoch(workload, images, targets, mode='scan'):
    """A function that trains one epoch of the workload's plain SGD in JAX (on the CPU): ``mode`` 'step' calls a
    jitted step once per mini-batch from Python; 'scan' runs the epoch's full mini-batches as one compiled
    ``jax.lax.scan`` (and the short last one as one more jitted step), each step gathering its shuffled
    mini-batch with ``jnp.take`` inside the compiled code, as an expert writes it. The shuffle is a NumPy
    permutation made in the timed epoch, as this library's is."""
    import jax
    import jax.numpy as jnp
    jax.config.update('jax_enable_x64', True)
    sizes, hidden, output, batch, rate, l2, dtype = workload
    net = build_net(workload)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in zip(net.weights(), net.biases())]
    X, Y = jnp.asarray(images, dtype=dtype), jnp.asarray(targets, dtype=dtype)
    activation = jax.nn.sigmoid if hidden is Sigmoid else jax.nn.relu

    def loss(params, x, y):
        a = x
        for w, b in params[:-1]:
            a = activation(a @ w + b)
        z = a @ params[-1][0] + params[-1][1]
        if output is Softmax:
            per_example = -(y * jax.nn.log_softmax(z)).sum(axis=1)
        else:                                   # independent sigmoid outputs, from z: softplus(z) - y z
            per_example = (jax.nn.softplus(z) - y * z).sum(axis=1)
        return per_example.mean() + 0.5 * l2 * sum((w * w).sum() for w, _ in params)

    gradient = jax.grad(loss)

    def step(params, indices):
        g = gradient(params, jnp.take(X, indices, axis=0), jnp.take(Y, indices, axis=0))
        return jax.tree_util.tree_map(lambda p, d: p - rate * d, params, g)

    jitted_step = jax.jit(step)
    whole_batches = jax.jit(lambda params, order: jax.lax.scan(lambda p, i: (step(p, i), None), params, order)[0])
    rng, n = np.random.default_rng(0), X.shape[0]
    state = {'params': params}

    def one_epoch():
        order = rng.permutation(n)
        params = state['params']
        full = n // batch * batch
        if mode == 'scan':
            params = whole_batches(params, order[:full].reshape(-1, batch))
        else:
            for start in range(0, full, batch):
                params = jitted_step(params, order[start:start + batch])
        if full < n:
            params = jitted_step(params, order[full:])
        jax.block_until_ready(params)
        state['params'] = params

    return one_epoch


def jax_version():
    try:
        import jax
    except ImportError:
        return None
    return jax.__version__


# ----- scikit-learn -----------------------------------------------------------------


def sklearn_fits(workload, images, targets, epochs):
    """Functions that each fit the workload from a new net for ``epochs`` epochs: the library's own ``train``,
    ``NeuralNetClassifier.fit`` and scikit-learn's ``MLPClassifier.fit`` (see the module docstring).

    Returns None when scikit-learn (or this library's estimators) cannot be imported.
    """
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
        from feedforward_sklearn import NeuralNetClassifier
    except ImportError:
        return None
    sizes, hidden, output, batch, rate, l2, dtype = workload
    labels = np.argmax(targets, axis=1)

    def library():
        net = build_net(workload)
        sgd = StochasticGradientDescent(net, CrossEntropyCost(net, l2_reg_term=l2), learning_rate=rate,
                                        batch_size=batch, seed=0)
        sgd.train(PreloadSource(examples=(images, targets), dtype=dtype), epochs)

    def estimator():
        NeuralNetClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), activation=hidden, learning_rate=rate,
                            batch_size=batch, epochs=epochs, l2=l2, dtype=dtype, random_state=0).fit(images, labels)

    def mlp():
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ConvergenceWarning)  # it would stop early were it not for tol=0
            MLPClassifier(hidden_layer_sizes=tuple(sizes[1:-1]), activation='relu', solver='sgd', batch_size=batch,
                          learning_rate_init=rate, momentum=0.0, nesterovs_momentum=False, alpha=l2 * batch,
                          max_iter=epochs, early_stopping=False, tol=0.0, n_iter_no_change=epochs + 1,
                          random_state=0).fit(images, labels)

    return {'train': library, 'NeuralNetClassifier': estimator, 'MLPClassifier': mlp}


def per_round_ratios(times, numerator, denominator):
    """The ratio of two runners' times in each round: (median, lowest, highest)."""
    ratios = [a / b for a, b in zip(times[numerator], times[denominator])]
    return statistics.median(ratios), min(ratios), max(ratios)


def torch_version():
    try:
        import torch
    except ImportError:
        return None
    return torch.__version__


# ----- the roofline ----------------------------------------------------------------


def matmul_rate(dtype, size, repeats=5):
    """Floating-point operations per second of NumPy's matrix multiply of two size x size matrices (best of repeats)."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((size, size)).astype(dtype)
    B = rng.standard_normal((size, size)).astype(dtype)
    C = np.empty((size, size), dtype)
    np.matmul(A, B, out=C)
    best = float('inf')
    for _ in range(repeats):
        started = time.perf_counter()
        np.matmul(A, B, out=C)
        best = min(best, time.perf_counter() - started)
    return 2.0 * size ** 3 / best


def products_epoch(workload, n_examples):
    """A function that runs one epoch's worth of the workload's matrix products alone, with no other work.

    These are the products a training epoch makes, in its order and at its
    shapes: for every mini-batch (the last one smaller), a W forward
    through each layer, delta W^T down to the first hidden layer, then
    a^T delta for each layer's weight gradient; on fixed random arrays of
    the workload's dtype. An epoch cannot take less than this without a
    faster multiply: its ratio to the roofline is the multiply's own
    efficiency at these shapes. The calls are the library's: np.dot forward,
    np.matmul for the transposed operands of back-propagation.
    """
    sizes, _, _, batch, _, _, dtype = workload
    rng = np.random.default_rng(0)
    weights = [(rng.standard_normal((i, o)) / np.sqrt(i)).astype(dtype) for i, o in zip(sizes[:-1], sizes[1:])]
    a = [rng.standard_normal((batch, size)).astype(dtype) for size in sizes]
    delta = [None] + [rng.standard_normal((batch, size)).astype(dtype) for size in sizes[1:]]
    nabla = [np.empty_like(w) for w in weights]
    batches = [batch] * (n_examples // batch) + ([n_examples % batch] if n_examples % batch else [])
    layers = len(weights)

    def one_epoch():
        for n in batches:
            for l in range(layers):
                np.dot(a[l][:n], weights[l], out=a[l + 1][:n])
            for l in range(layers, 1, -1):
                np.matmul(delta[l][:n], weights[l - 1].T, out=delta[l - 1][:n])
            for l in range(layers, 0, -1):
                np.matmul(a[l - 1][:n].T, delta[l][:n], out=nabla[l - 1])

    return one_epoch


def roofline_seconds(sizes, n_examples, rate):
    """6 x (sum over layers of inputs x outputs) x examples, divided by the matrix-multiply rate."""
    return 6.0 * sum(i * o for i, o in zip(sizes[:-1], sizes[1:])) * n_examples / rate


# ----- peak memory ------------------------------------------------------------------


def memory_probe(synthetic, n_examples, epochs):
    """Run in a fresh process: load float32 data, train W2; print the peaks (MB) as 'traced rss'."""
    import tracemalloc
    tracemalloc.start()
    rss_before = _rss_bytes('VmRSS')
    images, targets = training_data(np.float32, synthetic, n_examples)
    one_epoch = library_epoch(WORKLOADS['W2'], images, targets)
    for _ in range(epochs):
        one_epoch()
    traced_peak = tracemalloc.get_traced_memory()[1]
    rss_peak = _rss_bytes('VmHWM')
    growth = float('nan') if rss_before is None or rss_peak is None else rss_peak - rss_before
    print('{:.1f} {:.1f}'.format(traced_peak / 1e6, growth / 1e6))


def _rss_bytes(field):
    """The process's current (VmRSS) or peak (VmHWM) resident set size in bytes, where Linux tells it."""
    try:
        with open('/proc/self/status', encoding='ascii') as stream:
            for line in stream:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def measure_memory(args):
    command = [sys.executable, os.path.abspath(__file__), '--memory-probe', '--threads', str(args.threads)]
    if args.quick:
        command.append('--quick')
    if args.synthetic:
        command.append('--synthetic')
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    traced, rss = (float(v) for v in result.stdout.split()[-2:])
    return traced, rss


# ----- a busy core ----------------------------------------------------------------------


class BusyCore:
    """Another process that keeps one core busy (``python -c "while True: pass"``), paused and resumed at will.

    It dies with the benchmark, however the benchmark ends: ``close`` (called
    in a ``finally`` and at interpreter exit) kills it; Ctrl+C reaches it too
    (it is in the terminal's process group); SIGTERM becomes ``SystemExit``
    while it runs; and on Linux the kernel kills it if the benchmark itself
    is killed (``PR_SET_PDEATHSIG``), even while it is paused.
    """

    def __init__(self, cpu=None):
        self.process = subprocess.Popen([sys.executable, '-c', 'while True: pass'],
                                        preexec_fn=_kill_when_parent_dies())
        if cpu is not None:
            os.sched_setaffinity(self.process.pid, {cpu})
        self.running = True
        atexit.register(self.close)
        self._default_sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)

    def pause(self):
        if self.running:
            self.process.send_signal(signal.SIGSTOP)
            self.running = False

    def resume(self):
        if self.process.poll() is not None:
            raise RuntimeError('the busy process {} ended (exit status {}): the busy figures would be quiet '
                               'ones'.format(self.process.pid, self.process.returncode))
        if not self.running:
            self.process.send_signal(signal.SIGCONT)
            self.running = True

    def close(self):
        if self.process.poll() is None:
            self.process.kill()           # SIGKILL ends a stopped process too
            self.process.wait()
        if self._default_sigterm is not None:
            signal.signal(signal.SIGTERM, self._default_sigterm)
            self._default_sigterm = None


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def _kill_when_parent_dies():
    """A function for the child to run before it starts: on Linux, ask the kernel for SIGKILL when the parent
    dies (prctl PR_SET_PDEATHSIG); None elsewhere. The libc function is looked up here, before the fork."""
    if not sys.platform.startswith('linux'):
        return None
    import ctypes
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    return lambda: prctl(1, signal.SIGKILL)         # 1: PR_SET_PDEATHSIG


#: The library's settings in the busy-core table: label -> the trainers' ``threads`` (ALL: every BLAS thread).
ALL = 'all'
BUSY_SETTINGS = {'all threads': ALL, 'default': None, "'auto'": 'auto'}


def busy_rows(names, data_in, epochs, warmup, threads, with_torch, cpu):
    """name -> {(setting label or 'PyTorch', 'quiet' or 'busy'): median seconds per epoch}, every epoch of a
    workload taken in turns, the busy process stopped for the quiet ones."""
    busy = BusyCore(cpu)
    print('Busy core: process {} runs "while True: pass"{}'.format(
        busy.process.pid, ' on CPU {}'.format(cpu) if cpu is not None else ''))
    try:
        rows = {}
        for name in names:
            workload = WORKLOADS[name]
            images, targets = data_in(workload[-1])
            runners = {}
            for load in ('quiet', 'busy'):
                for label, setting in BUSY_SETTINGS.items():
                    runners[(label, load)] = library_epoch(workload, images, targets,
                                                           threads=threads if setting == ALL else setting)
                if with_torch:
                    runners[('PyTorch', load)] = torch_epoch(workload, images, targets, threads)
            times = interleave(runners, epochs, warmup,
                               before=lambda key: busy.resume() if key[1] == 'busy' else busy.pause())
            busy.pause()
            rows[name] = {key: statistics.median(seconds) for key, seconds in times.items()}
        return rows
    finally:
        busy.close()


def print_busy(rows, epochs, warmup):
    print()
    print('Busy core: seconds per epoch, quiet and with one core kept busy by another process; "all threads" is '
          'the library with every BLAS thread (as before it chose threads)')
    print('{:<4} {:<12} {:>9} {:>9} {:>11} {:>14} {:>14}'.format(
        'name', 'setting', 'quiet', 'busy', 'busy/quiet', 'quiet vs all', 'busy vs all'))
    for name, row in rows.items():
        for label in list(BUSY_SETTINGS) + ['PyTorch']:
            if (label, 'quiet') not in row:
                continue
            quiet, busy = row[(label, 'quiet')], row[(label, 'busy')]
            print('{:<4} {:<12} {:>9.3f} {:>9.3f} {:>11.2f} {:>14.3f} {:>14.3f}'.format(
                name, label, quiet, busy, busy / quiet, quiet / row[('all threads', 'quiet')],
                busy / row[('all threads', 'busy')]))
    print('(median of {} epoch{}{}, all settings and loads taken in turns)'.format(
        epochs, 's' if epochs > 1 else '', ' after one warm-up epoch' if warmup else ''))


# ----- reporting ---------------------------------------------------------------------


def blas_description():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return 'threadpoolctl not installed'
    parts = []
    for pool in threadpool_info():
        if pool.get('user_api') == 'blas':
            parts.append('{} {} ({} kernel, {} threads)'.format(
                pool.get('internal_api'), pool.get('version'), pool.get('architecture'), pool.get('num_threads')))
    return '; '.join(parts) or 'no BLAS found'


def cpu_name():
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as stream:
            for line in stream:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe(workload):
    sizes, hidden, output, batch, rate, l2, dtype = workload
    return '{} {}/{} b{} lr {}{} {}'.format(
        '-'.join(map(str, sizes)), hidden.name, output.name, batch, rate,
        ' L2 {:g}'.format(l2) if l2 else '', np.dtype(dtype).name)


def plot_sweep(rows, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    widths = [row['width'] for row in rows]
    figure, axes = plt.subplots(figsize=(6.4, 4.2))
    axes.plot(widths, [row['ratio'] for row in rows], 'o-', label='this library')
    if all(row.get('torch_ratio') for row in rows):
        axes.plot(widths, [row['torch_ratio'] for row in rows], 's--', label='PyTorch')
    axes.plot(widths, [row['products'] / row['roofline'] for row in rows], '^:', color='tab:green',
              label='the matrix products alone')
    axes.axhline(1.0, color='gray', linewidth=1, label='roofline (NumPy matmul rate)')
    axes.axhline(1.15, color='gray', linewidth=1, linestyle=':', label='1.15 x roofline')
    axes.set_xscale('log', base=2)
    axes.set_yscale('log')
    axes.set_xticks(widths, [str(w) for w in widths])
    axes.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    axes.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter('%.1f'))
    axes.set_xlabel('hidden width w (net 784-w-10, batch 128, float32)')
    axes.set_ylabel('epoch time / roofline epoch time')
    axes.set_title('Width sweep: how close training gets to the matrix-multiply limit')
    axes.legend()
    axes.grid(True, which='both', alpha=0.3)
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='one epoch of {} examples per workload, no warm-up'.format(QUICK_EXAMPLES))
    parser.add_argument('--epochs', type=int, default=3, help='timed epochs per workload (default 3)')
    parser.add_argument('--threads', type=int, default=int(_THREADS),
                        help='threads for BLAS and PyTorch (default: every CPU, {})'.format(os.cpu_count()))
    parser.add_argument('--synthetic', action='store_true', help='random arrays of MNIST shapes instead of MNIST')
    parser.add_argument('--no-torch', action='store_true', help='skip PyTorch even if it is installed')
    parser.add_argument('--no-jax', action='store_true', help='skip JAX even if it is installed')
    parser.add_argument('--workloads', default='W1,W2,W3,sweep,methods,sklearn',
                        help='which to run (default W1,W2,W3,sweep,methods,sklearn; "methods" is the table of '
                             'training methods on {})'.format(' and '.join(METHOD_WORKLOADS)))
    parser.add_argument('--methods', default=','.join(METHODS),
                        help='the training methods of that table (default {}; sgd, the plain steps, is always '
                             'run: the overheads are over it)'.format(','.join(METHODS)))
    parser.add_argument('--plot', default=os.path.join('out', 'bench_width_sweep.png'),
                        help='where to write the sweep plot (default out/bench_width_sweep.png)')
    parser.add_argument('--busy', action='store_true',
                        help='instead of the tables above: W1, W2, W3 (of --workloads) quiet and with one core '
                             'kept busy by another process, for all threads, the default threads, \'auto\' and '
                             'PyTorch')
    parser.add_argument('--busy-cpu', type=int, default=None,
                        help='pin the busy process to this CPU (default: not pinned)')
    parser.add_argument('--memory-probe', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.threads < 1:
        parser.error('--epochs and --threads must be positive')
    n_examples = QUICK_EXAMPLES if args.quick else None
    epochs, warmup = (1, 0) if args.quick else (args.epochs, 1)
    if args.memory_probe:
        memory_probe(args.synthetic, n_examples, epochs=1)
        return 0
    chosen = [name.strip() for name in args.workloads.split(',') if name.strip()]
    unknown = set(chosen) - set(WORKLOADS) - {'sweep', 'methods', 'sklearn'}
    if unknown:
        parser.error('unknown workloads {}; expected some of W1,W2,W3,sweep,methods,sklearn'.format(
            ', '.join(sorted(unknown))))
    methods = ['sgd'] + [m.strip() for m in args.methods.split(',') if m.strip() and m.strip() != 'sgd']
    if set(methods) - set(METHODS):
        parser.error('unknown methods {}; expected some of {}'.format(
            ', '.join(sorted(set(methods) - set(METHODS))), ','.join(METHODS)))
    with_torch = not args.no_torch and torch_version() is not None
    with_jax = not args.no_jax and jax_version() is not None

    print('Training benchmark{}'.format(' (quick mode: one epoch of {} examples, no warm-up)'.format(
        QUICK_EXAMPLES) if args.quick else ''))
    print('CPU: {} ({} logical CPUs); Python {}; NumPy {}; PyTorch {}; JAX {}'.format(
        cpu_name(), os.cpu_count(), platform.python_version(), np.__version__,
        torch_version() if with_torch else 'not used', jax_version() if with_jax else 'not used'))
    print('BLAS: {}'.format(blas_description()))
    print('Threads: {} for NumPy\'s BLAS and for PyTorch (the library\'s steps take the threads its policy gives '
          'them: one on W1 and W2); JAX: XLA\'s own thread pool, on every core'.format(args.threads))
    data = {}

    def data_in(dtype):
        key = np.dtype(dtype).name
        if key not in data:
            started = time.perf_counter()
            data[key] = training_data(dtype, args.synthetic, n_examples)
            print('Data: {} {} training examples in {} ({:.2f} s to load)'.format(
                'synthetic' if args.synthetic else 'MNIST', len(data[key][0]), key,
                time.perf_counter() - started))
        return data[key]

    if args.busy:
        names = [name for name in chosen if name in WORKLOADS]
        if not names:
            parser.error('--busy runs W1, W2 or W3: name some in --workloads')
        print_busy(busy_rows(names, data_in, epochs, warmup, args.threads, with_torch, args.busy_cpu), epochs,
                   warmup)
        return 0

    matmul_size = 2048

    def run(workload, with_jax=with_jax):
        images, targets = data_in(workload[-1])
        n = len(images)
        rates = []
        runners = {'ours': library_epoch(workload, images, targets), 'products': products_epoch(workload, n),
                   # The multiply rate is measured in every round too, at the same moments as the epochs.
                   'multiply': lambda: rates.append(matmul_rate(workload[-1], matmul_size, repeats=3))}
        if with_torch:
            runners['torch'] = torch_epoch(workload, images, targets, args.threads)
        if with_jax:
            runners['jax step'] = jax_epoch(workload, images, targets, 'step')
            runners['jax scan'] = jax_epoch(workload, images, targets, 'scan')
        times = interleave(runners, epochs, warmup)
        row = {'n': n, 'rate': statistics.median(rates[warmup:])}
        for name in ('ours', 'products', 'torch', 'jax step', 'jax scan'):
            if name in times:
                row[name] = statistics.median(times[name])
                if name not in ('ours', 'products'):
                    row[name + ' ratio'] = per_round_ratios(times, 'ours', name)
        row['per_second'] = n / row['ours']
        row['roofline'] = roofline_seconds(workload[0], n, row['rate'])
        row['ratio'] = row['ours'] / row['roofline']
        if with_torch:
            row['torch_ratio'] = row['torch'] / row['roofline']
        return row

    results = {}
    for name in [n for n in chosen if n in WORKLOADS]:
        results[name] = run(WORKLOADS[name])
    sweep = []
    if 'sweep' in chosen:
        for width in SWEEP_WIDTHS:
            sweep.append(dict(run(sweep_workload(width), with_jax=False), width=width))   # no JAX column there
    method_rows = {}
    if 'methods' in chosen:
        for name in METHOD_WORKLOADS:
            workload = WORKLOADS[name]
            images, targets = data_in(workload[-1])
            runners = {}
            for method in methods:
                runners[('ours', method)] = library_epoch(workload, images, targets, method)
                if with_torch:
                    runners[('torch', method)] = torch_epoch(workload, images, targets, args.threads, method)
            times = interleave(runners, epochs, warmup)
            row = method_rows[name] = {key: statistics.median(seconds) for key, seconds in times.items()}
            # Ratios round by round: the epochs of one round meet the same moments of the machine.
            for library, method in times:
                if method != 'sgd':
                    row[(library, method, 'overhead')] = per_round_ratios(
                        times, (library, method), (library, 'sgd'))[0] - 1
                if library == 'ours' and ('torch', method) in times:
                    row[('vs torch', method)] = per_round_ratios(times, ('ours', method), ('torch', method))[0]
    if 'W2' in chosen:
        traced, rss = measure_memory(args)
        results['W2']['traced_mb'], results['W2']['rss_mb'] = traced, rss

    if results:
        print()
        print('{:<4} {:<56} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9}'.format(
            'name', 'workload', 's/epoch', 'examples/s', 'PyTorch', 'vs torch', 'roofline', 'vs roof'))
        for name, row in results.items():
            print('{:<4} {:<56} {:>9.3f} {:>10.0f} {:>9} {:>9} {:>9.3f} {:>9.2f}'.format(
                name, describe(WORKLOADS[name]), row['ours'], row['per_second'],
                '{:.3f}'.format(row['torch']) if 'torch' in row else '-',
                '{:.3f}'.format(row['ours'] / row['torch']) if 'torch' in row else '-',
                row['roofline'], row['ratio']))
        print('(s/epoch: median of {} epoch{}{}{}; PyTorch: the same workload in eager PyTorch; roofline: '
              '6 x sum(inputs x outputs) x examples / the multiply rate below)'.format(
                  epochs, 's' if epochs > 1 else '', ' after one warm-up epoch' if warmup else '',
                  ', taken in turns with PyTorch\'s' if with_torch else ''))
        if with_jax or with_torch:
            print()
            print('Against the compiled anchors: seconds per epoch, and ours over theirs (median of the ratios of '
                  'each round, and their range)')
            print('{:<4} {:>9} {:>9} {:>22} {:>9} {:>22} {:>9} {:>22}'.format(
                'name', 'ours', 'PyTorch', 'ours/PyTorch', 'JAX step', 'ours/JAX step', 'JAX scan', 'ours/JAX scan'))
            for name, row in results.items():
                cells = []
                for key in ('torch', 'jax step', 'jax scan'):
                    if key in row:
                        cells += ['{:.3f}'.format(row[key]), '{:.3f} ({:.3f}-{:.3f})'.format(*row[key + ' ratio'])]
                    else:
                        cells += ['-', '-']
                print('{:<4} {:>9.3f} {:>9} {:>22} {:>9} {:>22} {:>9} {:>22}'.format(name, row['ours'], *cells))
            print('(JAX step: a jitted step called once per mini-batch; JAX scan: the epoch\'s mini-batches as one '
                  'compiled jax.lax.scan, each gathered inside it)')
        print()
        print('Matrix products alone: each workload\'s products at its batch shapes, with no other work')
        print('{:<4} {:>9} {:>9} {:>14} {:>9}'.format('name', 's/epoch', 'vs roof', 'epoch/products', 'GFLOP/s'))
        for name, row in results.items():
            print('{:<4} {:>9.3f} {:>9.2f} {:>14.2f} {:>9.1f}'.format(
                name, row['products'], row['products'] / row['roofline'], row['ours'] / row['products'],
                row['rate'] / 1e9))
        print('(vs roof: the multiply\'s efficiency at these shapes; epoch/products: what the rest of training '
              'adds; GFLOP/s: the multiply rate, NumPy\'s {0} x {0} by {0} x {0} product in the workload\'s dtype, '
              'median of one measurement a round)'.format(matmul_size))
    if 'W2' in results:
        row = results['W2']
        print()
        print('Peak memory, W2 (fresh process: loading float32 {} and training one epoch): traced NumPy '
              'allocations {:.1f} MB; peak RSS growth {:.1f} MB; float32 training images of all of MNIST: '
              '{:.1f} MB'.format('MNIST' if not args.synthetic else 'synthetic data', row['traced_mb'],
                                 row['rss_mb'], MNIST_IMAGES_MB))

    if method_rows:
        print()
        print('Training methods: seconds per epoch, this library and PyTorch taken in turns; overhead: the epoch '
              'over the plain SGD epoch of the same library')
        print('{:<4} {:<9} {:>9} {:>9} {:>9} {:>14} {:>14}'.format(
            'name', 'method', 's/epoch', 'PyTorch', 'vs torch', 'overhead', 'torch overhead'))
        for name, row in method_rows.items():
            for method in methods:
                ours, theirs = row[('ours', method)], row.get(('torch', method))
                print('{:<4} {:<9} {:>9.3f} {:>9} {:>9} {:>14} {:>14}'.format(
                    name, method, ours, '-' if theirs is None else '{:.3f}'.format(theirs),
                    '-' if theirs is None else '{:.3f}'.format(row[('vs torch', method)]),
                    '{:+.1%}'.format(row[('ours', method, 'overhead')]) if method != 'sgd' else '',
                    '{:+.1%}'.format(row[('torch', method, 'overhead')]) if method != 'sgd' and theirs else ''))
        print('(s/epoch: median of {} epoch{}{}; vs torch and the overheads: medians of the ratios within each '
              'round; momentum {} at a tenth of the learning rate, Adam at {}, dropout {} on '
              'the hidden layers)'.format(epochs, 's' if epochs > 1 else '', ' after one warm-up epoch' if warmup
                                          else '', MOMENTUM, ADAM_RATE, DROPOUT))

    if 'sweep' in chosen:
        print()
        print('Width sweep: 784-w-10, Rectifier/Softmax, cross-entropy, batch 128, rate 0.1, float32 '
              '(prod/roof: the matrix products alone)')
        print('{:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}'.format(
            'w', 's/epoch', 'roofline', 'vs roof', 'PyTorch', 'torch/roof', 'prod/roof', 'GFLOP/s'))
        for row in sweep:
            print('{:>6} {:>9.3f} {:>9.3f} {:>9.2f} {:>9} {:>9} {:>9.2f} {:>9.1f}'.format(
                row['width'], row['ours'], row['roofline'], row['ratio'],
                '{:.3f}'.format(row['torch']) if 'torch' in row else '-',
                '{:.2f}'.format(row['torch_ratio']) if 'torch' in row else '-',
                row['products'] / row['roofline'], row['rate'] / 1e9))
        plot_sweep(sweep, args.plot)
        print('Plot: {}'.format(args.plot))

    if 'sklearn' in chosen:
        print()
        fit_epochs = 2 if args.quick else SKLEARN_EPOCHS
        images, targets = data_in(SKLEARN_WORKLOAD[-1])
        runners = sklearn_fits(SKLEARN_WORKLOAD, images, targets, fit_epochs)
        if runners is None:
            print('scikit-learn: not installed, so not compared (pip install ".[sklearn]")')
        else:
            times = interleave(runners, epochs, warmup)
            print('scikit-learn: {}, {} epochs on {} examples, each fit from a new net (median of {} fit{} taken in '
                  'turns{})'.format(describe(SKLEARN_WORKLOAD), fit_epochs, len(images), epochs,
                                    's' if epochs > 1 else '', ' after one warm-up round' if warmup else ''))
            print('{:<22} {:>9} {:>9}'.format('fit', 's/fit', 'vs train'))
            for name in runners:
                print('{:<22} {:>9.3f} {:>9.2f}'.format(name, statistics.median(times[name]),
                                                         per_round_ratios(times, name, 'train')[0]))
            for numerator, denominator, bound in (('NeuralNetClassifier', 'train', 'at most 1.3'),
                                                  ('NeuralNetClassifier', 'MLPClassifier', 'below 1')):
                print('{} / {}: {:.3f} (rounds: {:.3f} to {:.3f}; the goal: {})'.format(
                    numerator, denominator, *per_round_ratios(times, numerator, denominator), bound))

    return 0


if __name__ == '__main__':
    sys.exit(main())
