"""Mutation testing: plant one realistic bug at a time in a copy of the library, and see whether the tests notice.

    python benchmarks/mutation_test.py                        # every mutant, one at a time
    python benchmarks/mutation_test.py --jobs 2               # two mutants at once (each suite then runs slower)
    python benchmarks/mutation_test.py --only tanh-derivative sgd-ignores-seed
    python benchmarks/mutation_test.py --list                 # the mutants and what each breaks; runs nothing

Each mutant below is one change of the kind a developer really makes (a
wrong derivative, a transposed save, a skipped checksum, a dropped last
batch, an ignored seed, an off-by-one in a schedule), written as the exact
text it replaces in one file of the library and the text that takes its
place. For each mutant the script copies the repository's tracked files
(``git ls-files``, as they are in the working tree) into a temporary
folder, applies the change there, and runs

    python tests.py -x -q -p no:cacheprovider          (minus SKIPPED_TESTS)
    python -m behave --stop --format progress          (only if every test passed)

stopping at the first failure. The mutated module's own test file (for
``feedforward_schedules.py``, ``tests/test_schedules.py``) runs first and
the test files that run whole programs (``SLOW_TESTS``) last, so that most
mutants are caught within seconds; the rest keep pytest's order. The mutant is *caught* if either fails, and
*timed out* if the two together run past ``--timeout`` (an endless loop is
caught too, but say so apart); it *survived* if both pass. A survivor is a
gap in the tests, or a mutant that changes nothing observable (an
equivalent mutant): either add a test that fails with it, or explain why it
is equivalent. The score is the share of mutants caught or timed out.

First of all, with no mutant applied, the same commands run once (the
"baseline"): a suite that fails already would make every mutant look
caught. Every mutant's old text must occur exactly once in its file, or
the script refuses to start: a mutant whose text the code no longer holds
must be rewritten, not skipped in silence (tests/test_mutation_list.py
checks this in every test run).

``MNIST_DIR`` passes through to the suites: without the MNIST files the
tests that need them skip, and the MNIST mutants may survive for that
reason alone.
"""
import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: One planted bug: ``old``, which must occur exactly once in ``path``, becomes ``new``; ``breaks`` says what
#: behaviour that changes, for the reader of a survivor.
Mutant = collections.namedtuple('Mutant', 'name path old new breaks')

MUTANTS = [
    # ----- activation_functions ---------------------------------------------------------------------------
    Mutant('sigmoid-derivative', 'activation_functions.py',
           '        np.multiply(grad_a, a, out=out)\n        out -= out * a\n',
           '        np.multiply(grad_a, a, out=out)\n',
           "Sigmoid's derivative taken as a instead of a (1 - a)"),
    Mutant('tanh-derivative', 'activation_functions.py',
           '        slope = a * a\n',
           '        slope = np.abs(a)\n',
           "Tanh's derivative taken as 1 - |a| instead of 1 - a^2"),
    # ----- cost_functions -----------------------------------------------------------------------------------
    Mutant('l2-gradient-half', 'cost_functions.py',
           'np.multiply(weights, self.l2_reg_term * scale, out=scratch)',
           'np.multiply(weights, 0.5 * self.l2_reg_term * scale, out=scratch)',
           "the L2 term's gradient taken as (lambda / 2) W instead of lambda W"),
    Mutant('cross-entropy-delta-assumes-sum-1', 'cost_functions.py',
           'np.multiply(a_out, np.add.reduce(Y, axis=1, keepdims=True), out=out)',
           'np.copyto(out, a_out)',
           'categorical cross-entropy delta a - y even for targets that do not sum to 1'),
    Mutant('confusion-matrix-transposed', 'cost_functions.py',
           'pairs = classes(Y[rows]) * n_classes + classes(a_out)',
           'pairs = classes(a_out) * n_classes + classes(Y[rows])',
           'confusion matrix rows are the predicted class, columns the true one (accuracy unchanged)'),
    Mutant('accuracy-of-any-targets', 'cost_functions.py',
           '        check_class_targets(Y, first)\n',
           '',
           'accuracy and confusion_matrix count regression targets as classes, silently'),
    Mutant('binary-class-at-one-half', 'cost_functions.py',
           'return (outputs[:, 0] > 0.5).astype(np.intp)',
           'return (outputs[:, 0] >= 0.5).astype(np.intp)',
           'a single output of exactly 0.5 (an untrained Sigmoid output) counts as class 1 instead of 0'),
    # ----- data_source --------------------------------------------------------------------------------------
    Mutant('float32-overflow-accepted', 'data_source.py',
           '    if not np.isfinite(converted).all():\n',
           '    if not np.isfinite(matrix).all():\n',
           'values finite in float64 but infinite in float32 (1e39) pass the data check'),
    Mutant('validation-split-ignores-seed', 'data_source.py',
           'chosen[random_generator(seed).choice(total, size=count, replace=False)] = True',
           'chosen[random_generator(None).choice(total, size=count, replace=False)] = True',
           'validation_split deals the examples differently every time, whatever the seed'),
    Mutant('default-take-ignores-order', 'data_source.py',
           'X, Y = checked_batch(X[indices], Y[indices], dtype, rows=indices)',
           'X, Y = checked_batch(X[indices], Y[np.sort(indices)], dtype, rows=indices)',
           "DataSource.take (a user's own source) pairs inputs with the targets of other examples"),
    # ----- gradient_descent ---------------------------------------------------------------------------------
    Mutant('sgd-drops-last-batch', 'feedforward_training.py',
           'n_batches = -(-total // batch_size)',
           'n_batches = total // batch_size',
           'mini-batch epochs skip the last, smaller batch'),
    Mutant('sgd-ignores-seed', 'feedforward_training.py',
           'self.rng = None if batch_size is None else random_generator(seed)',
           'self.rng = None if batch_size is None else random_generator(None)',
           'the shuffles differ from run to run whatever the seed'),
    Mutant('dropout-not-rescaled', 'feedforward_training.py',
           '                mask *= 1 / (1 - p)\n',
           '',
           'kept units are not scaled by 1/(1 - p): the net evaluated without dropout is not the one trained'),
    Mutant('early-stopping-one-epoch-late', 'feedforward_training.py',
           'return self.epochs_since >= self.patience',
           'return self.epochs_since > self.patience',
           'early stopping waits patience + 1 epochs without improvement'),
    Mutant('undo-keeps-step-count', 'feedforward_training.py',
           '        for name, value in self._scalars.items():\n            setattr(trainer.rule, name, value)\n',
           '',
           "an epoch undone keeps the rule's step count of its failed steps"),
    # ----- feedforward_optimizers ---------------------------------------------------------------------------
    Mutant('momentum-velocity-not-kept', 'feedforward_optimizers.py',
           '        velocity *= self._decay\n',
           '        velocity[...] = 0\n',
           'the velocity starts from zero every step: momentum does nothing'),
    Mutant('adam-no-bias-correction', 'feedforward_optimizers.py',
           'self._step_size = learning_rate * root_c2 / (1.0 - beta1 ** self.step_count)',
           'self._step_size = learning_rate',
           "Adam's steps without the bias corrections 1 - beta^t of m and v"),
    Mutant('amsgrad-ignored', 'feedforward_optimizers.py',
           '            v = np.maximum(max_second_moment, v, out=max_second_moment)\n',
           '            np.maximum(max_second_moment, v, out=max_second_moment)\n',
           'AMSGrad keeps the largest v but divides by the current one'),
    Mutant('adamw-decay-coupled-to-eta-squared', 'feedforward_optimizers.py',
           'theta *= 1.0 - learning_rate * self._weight_decay',
           'theta *= 1.0 - learning_rate * learning_rate * self._weight_decay',
           "AdamW's decoupled decay scaled by eta^2 instead of eta"),
    Mutant('rmsprop-not-centered', 'feedforward_optimizers.py',
           '            np.subtract(square_average, s, out=s)\n',
           '            np.copyto(s, square_average)\n',
           "centered RMSprop divides by the mean square, not the variance"),
    Mutant('adagrad-lr-decay-off-by-one', 'feedforward_optimizers.py',
           '(1.0 + (self.step_count - 1) * self._lr_decay)',
           '(1.0 + self.step_count * self._lr_decay)',
           "Adagrad's step size decays from the first step instead of the second"),
    # ----- neural_net ---------------------------------------------------------------------------------------
    Mutant('feed-one-example-as-batch', 'neural_net.py',
           'return output[0] if np.ndim(x) == 1 else output',
           'return output',
           'feed(x) of one example (n_inputs,) returns shape (1, n_outputs) instead of (n_outputs,)'),
    Mutant('dropout-weight-gradient-unthinned', 'neural_net.py',
           '                a_prev = workspace.thinned(l - 1)\n',
           '                a_prev = X if l == 1 else workspace.a[l - 1]\n',
           'under dropout, dC/dW uses the activations before the mask'),
    # ----- feedforward_model_file ---------------------------------------------------------------------------
    Mutant('model-file-transposed-save', 'feedforward_model_file.py',
           "'weights': [np.asarray(w).tolist() for w in weights],",
           "'weights': [np.asarray(w).T.tolist() for w in weights],",
           'model files hold each weight matrix transposed, (units, inputs)'),
    Mutant('model-file-finite-in-float64-only', 'feedforward_model_file.py',
           '            converted = array.astype(dtype)\n',
           '            converted = array\n',
           'a float32 model file may hold numbers too large for float32'),
    Mutant('original-model-file-untransposed', 'feedforward_model_file.py',
           "                      for i, row in enumerate(weights)]).T\n",
           "                      for i, row in enumerate(weights)])\n",
           "a file of the original DeepNetLib is read with its (units, inputs) weights taken as (inputs, units)"),
    # ----- feedforward_checkpoint ---------------------------------------------------------------------------
    Mutant('resume-into-keeps-learning-rate', 'feedforward_checkpoint.py',
           '    trainer.learning_rate, trainer.schedule = saved.learning_rate, saved.schedule\n',
           '    trainer.schedule = saved.schedule\n',
           "resume_into leaves the receiving trainer's learning rate as it was"),
    Mutant('resume-into-keeps-dropout-generator', 'feedforward_checkpoint.py',
           "    for name in ('rng', 'dropout_rng'):\n",
           "    for name in ('rng',):\n",
           "resume_into restores the shuffles' generator but not the dropout masks' one"),
    Mutant('checkpoint-state-arrays-not-restored', 'feedforward_checkpoint.py',
           '        setattr(rule, name, array)\n',
           '',
           "a loaded checkpoint's rule starts its state arrays afresh (velocity, moments at 0)"),
    # ----- feedforward_mnist --------------------------------------------------------------------------------
    Mutant('mnist-labels-checksum-skipped', 'feedforward_mnist.py',
           'labels = read_idx(paths[labels_name], checksums.get(labels_name), expected_ndim=1)',
           'labels = read_idx(paths[labels_name], None, expected_ndim=1)',
           "the labels files' SHA-256 is not checked"),
    Mutant('mnist-pixels-over-256', 'feedforward_mnist.py',
           'np.divide(images, 255, out=images)',
           'np.divide(images, 256, out=images)',
           'pixels scaled to [0, 255/256] instead of [0, 1]'),
    # ----- feedforward_schedules ----------------------------------------------------------------------------
    Mutant('step-decay-off-by-one', 'feedforward_schedules.py',
           'if epoch % self._step_size == 0 else learning_rate',
           'if (epoch + 1) % self._step_size == 0 else learning_rate',
           'StepDecay reduces the rate one epoch early'),
    Mutant('plateau-patience-off-by-one', 'feedforward_schedules.py',
           'if self.bad_epochs > self._patience:',
           'if self.bad_epochs >= self._patience:',
           'ReduceOnPlateau reduces after patience epochs without improvement instead of more than patience'),
    # ----- feedforward_checks -------------------------------------------------------------------------------
    Mutant('zero-is-positive', 'feedforward_checks.py',
           '    if value <= 0:\n        raise ValueError(\'expected {} to be a positive finite number',
           '    if value < 0:\n        raise ValueError(\'expected {} to be a positive finite number',
           'a learning rate (or eps, or schedule factor) of 0 is accepted'),
]

#: Left out of the suites here. The packaging test would build a wheel and a fresh virtual environment from the
#: package index for every mutant (a minute or more, and the network), and tests packaging, not what the library
#: computes. The check of the mutant list fails in every mutated copy by design: the mutant's old text is gone.
SKIPPED_TESTS = ['tests/test_packaging.py', 'tests/test_mutation_list.py']

TESTS = [sys.executable, 'tests.py', '-x', '-q', '-p', 'no:cacheprovider', '-p', 'mutation_order'] + [
    '--ignore=' + path for path in SKIPPED_TESTS]

#: Test files that run whole programs (demos, the benchmark, killed processes): minutes each on a busy machine.
SLOW_TESTS = ['test_benchmark.py', 'test_demos.py', 'test_demo_checkpoint.py', 'test_learning_demos.py',
              'test_save_kill.py']

# A pytest plugin written into each copy (not part of the repository): it runs the mutated module's own test file
# (tests/test_schedules.py for feedforward_schedules.py) first and SLOW_TESTS last, the rest in the usual order
# between them, so that -x stops within seconds for most mutants. Every test still runs for a survivor.
ORDER_PLUGIN = '''import os


def pytest_collection_modifyitems(session, config, items):
    first = os.environ.get('MUTATION_FIRST_TESTS', '')
    last = os.environ.get('MUTATION_LAST_TESTS', '').split(',')
    items.sort(key=lambda item: (item.path.name != first, item.path.name in last))
'''
BEHAVE = [sys.executable, '-m', 'behave', '--stop', '--format', 'progress']

CAUGHT, CAUGHT_BEHAVE, TIMED_OUT, SURVIVED = 'caught', 'caught (behave)', 'timed out', 'SURVIVED'


class StaleMutant(ValueError):
    """A mutant's old text is not in its file exactly once: the code changed and the mutant must be rewritten."""


def mutated(mutant, text):
    """``text`` (the file ``mutant.path``) with the mutant's change; StaleMutant unless ``old`` occurs once."""
    count = text.count(mutant.old)
    if count != 1:
        raise StaleMutant('mutant {}: expected its old text exactly once in {}, found it {} times; rewrite the '
                          'mutant for the code as it is now:\n{}'.format(mutant.name, mutant.path, count, mutant.old))
    return text.replace(mutant.old, mutant.new)


def tracked_files(root=ROOT):
    """The files git tracks in ``root``, as paths relative to it (those deleted in the working tree left out)."""
    listing = subprocess.run(['git', 'ls-files', '-z'], cwd=root, capture_output=True, check=True).stdout
    names = [name for name in listing.decode('utf-8').split('\0') if name]
    return [name for name in names if os.path.isfile(os.path.join(root, name))]


def copy_tree(files, destination, root=ROOT):
    for name in files:
        target = os.path.join(destination, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(root, name), target)


def read(path):
    with open(path, encoding='utf-8') as stream:
        return stream.read()


def check_all(mutants, root=ROOT):
    """Raise StaleMutant for the first mutant whose old text is not exactly once in its file of ``root``."""
    for mutant in mutants:
        mutated(mutant, read(os.path.join(root, mutant.path)))


#: The suites running now, so that an interrupted run can stop them; set once it is interrupted.
_RUNNING = set()
_STOPPING = threading.Event()


def _stop(process):
    """Kill a suite and everything it started (demos, workers): all of them are in the session it leads."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run(command, cwd, env, deadline):
    """Run ``command``; returns (return code or None if past ``deadline``, combined output)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0 or _STOPPING.is_set():
        return None, ''
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    _RUNNING.add(process)
    try:
        output, _ = process.communicate(timeout=remaining)
        return process.returncode, output
    except subprocess.TimeoutExpired:
        _stop(process)
        output, _ = process.communicate()
        return None, output
    finally:
        _RUNNING.discard(process)


def _first_failure(output, behave=False):
    """The name of the first failing test (or scenario) in a run's output, for the table."""
    if behave:
        found = re.search(r'^Failing scenarios:\n\s+(\S+)', output, flags=re.M)
    else:
        found = re.search(r'^(?:FAILED|ERROR) (\S+)', output, flags=re.M)
    if found:
        return found.group(1)
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return lines[-1][:100] if lines else ''


def own_tests(mutant):
    """The name of the mutated module's own test file: test_schedules.py for feedforward_schedules.py."""
    if mutant is None:
        return ''
    stem = os.path.splitext(os.path.basename(mutant.path))[0]
    return 'test_{}.py'.format(stem[len('feedforward_'):] if stem.startswith('feedforward_') else stem)


def run_one(mutant, snapshot, env, timeout, deselected=()):
    """Apply ``mutant`` (None: the baseline) to a fresh copy of the folder ``snapshot`` and run the suites there.

    Returns ``(outcome, seconds, detail, output)``: ``detail`` names the first failure, ``output`` is the last
    suite's.
    """
    started = time.monotonic()
    deadline = started + timeout
    parent = tempfile.mkdtemp(prefix='mutation-')
    folder = os.path.join(parent, 'tree')
    try:
        shutil.copytree(snapshot, folder)
        with open(os.path.join(folder, 'mutation_order.py'), 'w', encoding='utf-8') as stream:
            stream.write(ORDER_PLUGIN)
        env = dict(env, MUTATION_FIRST_TESTS=own_tests(mutant), MUTATION_LAST_TESTS=','.join(SLOW_TESTS))
        if mutant is not None:
            path = os.path.join(folder, mutant.path)
            text = mutated(mutant, read(path))
            with open(path, 'w', encoding='utf-8') as stream:
                stream.write(text)
        code, output = _run(TESTS + ['--deselect=' + test for test in deselected], folder, env, deadline)
        if code is None:
            return TIMED_OUT, time.monotonic() - started, 'tests ran past {} s'.format(timeout), output
        if code != 0:
            return CAUGHT, time.monotonic() - started, _first_failure(output), output
        code, output = _run(BEHAVE, folder, env, deadline)
        if code is None:
            return TIMED_OUT, time.monotonic() - started, 'behave ran past {} s'.format(timeout), output
        if code != 0:
            return CAUGHT_BEHAVE, time.monotonic() - started, _first_failure(output, behave=True), output
        return SURVIVED, time.monotonic() - started, '', output
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def environment(jobs):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1', MPLBACKEND='Agg')
    if jobs > 1:
        # Suites side by side: one BLAS thread each, so that they do not fight over the cores.
        for name in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
            env.setdefault(name, '1')
    return env


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].strip() + ' See docs/contributing.md.')
    parser.add_argument('--list', action='store_true', help='list the mutants and what each breaks, then stop')
    parser.add_argument('--only', nargs='+', metavar='NAME', help='run these mutants only (names from --list)')
    parser.add_argument('--jobs', type=int, default=1, help='mutants run at once (default 1)')
    parser.add_argument('--timeout', type=float, default=1800,
                        help='seconds a mutant\'s tests and behave may take together before it counts as timed '
                             'out (default 1800)')
    parser.add_argument('--deselect', nargs='+', default=[], metavar='TEST',
                        help='leave out these tests (pytest ids, such as tests/test_x.py::test_y), for one that '
                             'fails without any mutant; say so when you report the score')
    parser.add_argument('--no-baseline', action='store_true',
                        help='skip the run without any mutant (only when you know the suites pass)')
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error('--jobs must be at least 1')

    mutants = MUTANTS
    if args.only:
        by_name = {m.name: m for m in MUTANTS}
        unknown = [name for name in args.only if name not in by_name]
        if unknown:
            parser.error('no mutant named {}; --list shows them'.format(', '.join(unknown)))
        mutants = [by_name[name] for name in args.only]
    if args.list:
        for mutant in mutants:
            print('{:36} {:28} {}'.format(mutant.name, mutant.path, mutant.breaks))
        return 0
    # Stopped by SIGTERM as by Ctrl+C (a run in the background ignores SIGINT): the suites are stopped and
    # the temporary folders removed.
    signal.signal(signal.SIGTERM, _interrupt)
    # Every mutant starts from one copy of the tree, made now: edits made while the run goes on do not leak in.
    snapshot = tempfile.mkdtemp(prefix='mutation-tree-')
    try:
        copy_tree(tracked_files(), snapshot)
        try:
            check_all(mutants, snapshot)
        except StaleMutant as error:
            print(error, file=sys.stderr)
            return 2
        return run_all(mutants, snapshot, args)
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(snapshot, ignore_errors=True)


def run_all(mutants, snapshot, args):
    """Run the baseline (unless ``args.no_baseline``) and every mutant on copies of ``snapshot``; print the table."""
    if not os.environ.get('MNIST_DIR'):
        print('MNIST_DIR is not set: the tests that need the MNIST files will skip, and mutants only they catch '
              'will survive', file=sys.stderr)
    env = environment(args.jobs)
    runs = ([] if args.no_baseline else [None]) + list(mutants)
    print('{} mutant(s){}, {} at a time, each: {} ; then {}'.format(
        len(mutants), '' if args.no_baseline else ' and the baseline', args.jobs, ' '.join(TESTS[1:]),
        ' '.join(BEHAVE[1:])), flush=True)
    results = {}
    lock = threading.Lock()
    began = time.monotonic()

    def one(mutant):
        outcome = run_one(mutant, snapshot, env, args.timeout, args.deselect)
        if _STOPPING.is_set():
            return None
        with lock:
            results[mutant] = outcome
            if mutant is None:
                name, shown = '(baseline)', 'passed' if outcome[0] == SURVIVED else 'FAILED: ' + outcome[0]
            else:
                name, shown = mutant.name, outcome[0]
            print('  {:36} {:16} {:7.0f} s  {}'.format(name, shown, outcome[1], outcome[2]), flush=True)
        return outcome

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        for future in [pool.submit(one, run) for run in runs]:
            future.result()
    except KeyboardInterrupt:
        _STOPPING.set()
        for process in list(_RUNNING):
            _stop(process)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()

    print()
    print('{:36} {:28} {:16} {:>8}  {}'.format('mutant', 'file', 'outcome', 'seconds', 'first failure'))
    for mutant in mutants:
        outcome, seconds, detail, _ = results[mutant]
        print('{:36} {:28} {:16} {:8.0f}  {}'.format(mutant.name, mutant.path, outcome, seconds, detail))
    survivors = [m for m in mutants if results[m][0] == SURVIVED]
    caught = len(mutants) - len(survivors)
    print('\nscore: {} of {} mutants caught ({:.0f}%), {} by timeout; {:.0f} s in all'.format(
        caught, len(mutants), 100.0 * caught / len(mutants), sum(results[m][0] == TIMED_OUT for m in mutants),
        time.monotonic() - began))
    for mutant in survivors:
        print('  survived: {}: {}'.format(mutant.name, mutant.breaks))
    if None in results and results[None][0] != SURVIVED:
        print('\n'.join(results[None][3].splitlines()[-40:]), file=sys.stderr)
        print('\nTHE BASELINE FAILED ({}: {}): the suites fail without any mutant, so "caught" means nothing; '
              'fix that first (or --deselect a test known to fail)'.format(results[None][0], results[None][2]),
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
