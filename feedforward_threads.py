"""BLAS threads for training: how many a trainer's steps use, chosen from the size of their work.

A training step is mostly matrix products, which NumPy hands to its BLAS.
Split across threads, a small product gains little on an idle machine, and
loses several-fold when another program holds a core: every thread of a
product waits for the slowest. So a trainer's ``threads`` setting is one of:

* ``None`` (the default): the policy below, a function of the net and the
  batch size alone, so that training is reproducible bit for bit, run to run
  and across a checkpoint resume::

      flops = 2 n max_l (sizes[l-1] sizes[l])     the largest product of a step, for a batch of n
      threads = 1                                 if flops < CROSSOVER_FLOPS[dtype]
                all the BLAS's threads            otherwise

* ``N``: N threads (at most the BLAS's own number);
* ``'auto'``: whichever of one thread and all is faster now, found by timing
  the steps themselves (see ``AutoThreads``). Not bit-reproducible: some
  products round differently with another number of threads.

"All the BLAS's threads" is the number the BLAS has when the epoch starts:
what ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` (or
the user's own ``threadpoolctl`` limit) set, every core by default. The
library never raises it, and sets a lower one only for the time of an epoch
(``threadpoolctl``), putting the old one back after it, even when the epoch
raises: the user's other code never sees it changed.
"""
import contextlib
import time

import numpy as np
from threadpoolctl import ThreadpoolController

from feedforward_checks import check_float_dtype

__all__ = ['CROSSOVER_FLOPS', 'policy_threads', 'blas_threads', 'check_threads', 'epoch_threads', 'AutoThreads']

#: Flops of a step's largest product from which all threads are used, chosen from what
#: ``benchmarks/thread_crossover.py`` measures (see docs/performance.md: below these, two threads gained at most
#: 1.13 times in float32 and 1.3 times in float64 on a 2-core machine at rest, and lose several-fold on a busy one).
CROSSOVER_FLOPS = {np.dtype(np.float32): 40e6, np.dtype(np.float64): 20e6}

_controller = None


def policy_threads(sizes, batch_size, dtype):
    """The threads the default policy gives a net of layer ``sizes`` trained in batches of ``batch_size``
    examples in ``dtype``: 1, or None for all the BLAS's threads (see the module docstring)."""
    flops = 2 * batch_size * max(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    return 1 if flops < CROSSOVER_FLOPS[check_float_dtype(dtype)] else None


def check_threads(value):
    """``value`` if it is None, ``'auto'`` or a positive integer (as an int); raise otherwise."""
    if value is None or (isinstance(value, str) and value == 'auto'):
        return value
    expected = "expected threads to be None, 'auto' or a positive integer, got {!r}".format(value)
    if isinstance(value, bool) or not isinstance(value, (str, int, np.integer)):
        raise TypeError(expected)
    if isinstance(value, str) or value < 1:
        raise ValueError(expected)
    return int(value)


def _blas():
    """The BLAS libraries of this process, found once (NumPy's among them)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController().select(user_api='blas')
    return _controller


def blas_threads():
    """The threads NumPy's BLAS has now (the fewest, if the process holds several BLAS libraries; 1 if none)."""
    return min((lib.get_num_threads() for lib in _blas().lib_controllers), default=1)


def _set_blas_threads(n):
    for lib in _blas().lib_controllers:
        lib.set_num_threads(n)


@contextlib.contextmanager
def _threads_for_a_while(n):
    """At most ``n`` BLAS threads in the ``with`` block, and each BLAS's own number back after it, however it
    ends. Direct calls to the BLAS (a few microseconds), not ``threadpoolctl.threadpool_limits``, whose look at
    every library costs some 50 microseconds: an epoch of a small net on a few examples takes not much more."""
    libs = _blas().lib_controllers
    before = [lib.get_num_threads() for lib in libs]
    for lib, count in zip(libs, before):
        lib.set_num_threads(min(n, count))
    try:
        yield
    finally:
        for lib, count in zip(libs, before):
            lib.set_num_threads(count)


@contextlib.contextmanager
def epoch_threads(setting, sizes, batch_size, dtype, auto=None):
    """The BLAS threads of ``setting`` (None, N or ``'auto'``, with its ``AutoThreads``) for the time of the
    ``with`` block: an epoch of a net of layer ``sizes``, in batches of ``batch_size``, in ``dtype``.

    Yields the pace keeper the epoch calls around every step: ``auto`` for
    ``'auto'``, which may change the threads from one step to the next, and
    one that does nothing otherwise. The BLAS's threads are back as they
    were after the block, however it ends.
    """
    most = blas_threads()
    if setting == 'auto':
        if most > 1:
            with _threads_for_a_while(most):      # puts back, after the epoch, the threads the probes change
                auto.start(most)
                yield auto
        else:
            yield _STEADY
        return
    threads = policy_threads(sizes, batch_size, dtype) or most if setting is None else min(setting, most)
    if threads < most:
        with _threads_for_a_while(threads):
            yield _STEADY
    else:
        yield _STEADY                             # nothing to change


class _Steady:
    """The pace keeper of a fixed number of threads: nothing to do around a step."""

    def before_step(self):
        pass

    def after_step(self):
        pass


_STEADY = _Steady()


class AutoThreads:
    """``threads='auto'``: one thread or all, whichever runs the steps faster now, found by timing them.

    A probe times the steps themselves, in four blocks: one thread, all
    threads, all threads, one thread (so that a load that grows or falls
    during the probe weighs on both alike), each block as many steps as took
    about ``BLOCK_SECONDS`` at the last probe (one step at the first). The
    setting whose steps took less time on average is kept for as many steps
    as take about ``REPROBE_SECONDS`` at its speed; then the next probe
    comes. The first comes with the first step. The probe's steps are
    training steps like any other, and the choice carries over from epoch to
    epoch. Between probes a step costs one count, and no clock is read.
    """

    BLOCK_SECONDS = 0.02
    REPROBE_SECONDS = 2.0

    def __init__(self):
        #: The number of threads the last probe chose (None before the first).
        self.choice = None
        self._most = None
        self._steps_to_probe = 0         # steps until the next probe
        self._plan = []                  # the thread count of each step of the probe under way, last first
        self._spent = {}                 # thread count -> [seconds, steps] in the probe under way
        self._block = 1                  # steps per block of the next probe
        self._current = None             # the thread count the BLAS has now
        self._started = 0.0

    def start(self, most):
        """An epoch begins, with ``most`` threads at most (the BLAS's own number)."""
        if most != self._most:
            self._most, self.choice, self._steps_to_probe, self._block = most, None, 0, 1
        self._plan = []                  # a probe an epoch's end cut short starts again
        self._current = most
        self._use(self.choice or most)

    def before_step(self):
        if self._steps_to_probe > 0:
            self._steps_to_probe -= 1
            return
        if not self._plan:
            self._plan = [1] * self._block + [self._most] * (2 * self._block) + [1] * self._block
            self._spent = {1: [0.0, 0], self._most: [0.0, 0]}
        self._use(self._plan[-1])
        self._started = time.perf_counter()

    def after_step(self):
        if not self._plan:
            return
        spent = self._spent[self._plan.pop()]
        spent[0] += time.perf_counter() - self._started
        spent[1] += 1
        if not self._plan:
            per_step = {threads: seconds / steps for threads, (seconds, steps) in self._spent.items()}
            self.choice = min(per_step, key=per_step.get)
            self._use(self.choice)
            self._block = max(1, round(self.BLOCK_SECONDS / per_step[self.choice]))
            self._steps_to_probe = max(1, round(self.REPROBE_SECONDS / per_step[self.choice]))

    def _use(self, threads):
        if threads != self._current:
            _set_blas_threads(threads)
            self._current = threads
