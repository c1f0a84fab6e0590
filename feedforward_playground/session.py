"""One tab's session: its data, net and trainer, trained in a thread of its own.

The page's controls arrive as commands (``submit``), which the training
thread applies between steps; it publishes a ``Snapshot`` of what the page
draws (a copy of the parameters, the counts, the chart) at most every
``PUBLISH_INTERVAL`` seconds and after every command, and the server builds
frames from the newest snapshot alone, so that frames never wait behind
training and training never waits for a frame.

Training goes through the library's public API only: one call of
``trainer.train(training, 1, evaluation_data=test, on_batch=...)`` per
epoch, whose ``on_batch`` callback, after every step, counts the step,
publishes, applies the commands that leave the trainer as it is (play,
pause, step, questions), and blocks while the session is paused. A command
that changes the data, the net or a setting of the trainer raises
``StopTraining`` there: the epoch ends after the steps taken, the change is
made, and the next step starts a fresh epoch. Every such step count and
change goes to a log, from which ``replay.script`` writes the Python that
reproduces the run, bit for bit.
"""
import collections
import copy
import json
import math
import threading
import time

import numpy as np

import activation_functions
import cost_functions
from data_source import PreloadSource
from gradient_descent import StopTraining, TrainingDivergedError
from neural_net import NetFactory

from . import datasets, training
from .protocol import DEFAULT_SETUP, MAX_ADDED_POINTS, MAX_SEED, ProtocolError, check_changes

__all__ = ['Session', 'Snapshot', 'PUBLISH_INTERVAL']

#: The shortest time between two snapshots while training runs (a frame goes out about every 50 ms).
PUBLISH_INTERVAL = 0.02
#: The chart keeps at most this many epochs; past it, every other one goes and the stride doubles.
CHART_POINTS = 1000
#: The longest a step waits for a frame being built and sent (see ``Session.hold``).
HOLD_LIMIT = 0.05
#: The largest net whose back-propagation the page traces: units per layer, hidden layers.
TRACE_UNITS, TRACE_LAYERS = 8, 3

DATA_KEYS = ('kind', 'points', 'noise', 'test_share', 'data_seed', 'classes', 'features')
NET_KEYS = ('hidden', 'hidden_activation', 'output_activation', 'weight_seed')
NEW_TRAINER_KEYS = ('optimizer', 'shuffle_seed', 'dropout_seed')
#: Commands that change the data, the net or the trainer: they end the epoch in progress.
CUTTING = ('set', 'reset', 'new_weights', 'add_point', 'clear_points', 'load', 'csv')


class Snapshot:
    """What a frame shows, taken between two steps: ``params`` is a copy; ``net`` a template of the net's
    structure (never trained); the rest are numbers and references to objects that are never changed
    in place (``data``, ``chart`` is only appended to)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


class _Command:
    def __init__(self, kind, seq, **fields):
        self.kind, self.seq, self.fields = kind, seq, fields


def _one_hot(setup, task):
    return task == 'classification' and setup['output_activation'] == 'Softmax'


def effective_features(setup, task):
    """The input features the net gets: a curve has one coordinate, so only the features of x1 count."""
    if task == 'curve':
        return tuple(f for f in setup['features'] if f in datasets.CURVE_FEATURES) or ('x1',)
    return tuple(setup['features'])


class Session:
    """A session of the playground: see the module docstring.

    ``notify()`` is called (from the training thread) after each snapshot;
    ``reply(message)`` with each answer for the page (a JSON-ready dict).
    ``setup`` holds fields of ``protocol.DEFAULT_SETUP`` to start from.
    """

    def __init__(self, setup=None, notify=None, reply=None):
        self._notify = notify or (lambda: None)
        self._reply = reply or (lambda message: None)
        self._cond = threading.Condition()
        self._commands = collections.deque()
        self._snapshot_lock = threading.Lock()
        self._snapshot = None
        self._hold = threading.Lock()
        self.held = False
        self.closing = False
        self.running = False
        self._step_budget = 0
        self._finish_epoch = False
        self.applied_seq = 0
        self._seq_after_steps = 0
        self.version = 0
        self.steps = 0
        self.partial_steps = 0
        self.n_batches = 0
        self.divergence = None
        self.added_points = []
        self.csv_text = None
        self.loaded_model = None
        self._net_version = 0
        self._data_version = 0
        self._sps = 0.0
        self._sps_mark = (time.perf_counter(), 0)
        self._last_publish = 0.0
        self.setup = check_changes(setup or {}, dict(DEFAULT_SETUP))
        data = self._build_data(self.setup)
        self._check_fit(self.setup, data)
        net, cost, trainer = self._build_run(self.setup, data)
        self._commit_data(data)
        self._commit_run(net, cost, trainer)
        self._thread = threading.Thread(target=self._run, name='playground-session', daemon=True)
        self._publish()

    # ----- from other threads ------------------------------------------------

    def start(self):
        self._thread.start()
        return self

    def submit(self, kind, seq=0, **fields):
        """Queue a command for the training thread (see ``_do`` for the kinds)."""
        with self._cond:
            self._commands.append(_Command(kind, seq, **fields))
            self._cond.notify_all()

    def close(self, timeout=1.0):
        """Stop training (within a step) and the thread; True if it ended within ``timeout`` seconds."""
        with self._cond:
            self.closing = True
            self._cond.notify_all()
        if self._thread.is_alive() and timeout:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def alive(self):
        return self._thread.is_alive()

    def snapshot(self):
        with self._snapshot_lock:
            return self._snapshot

    def hold(self):
        """Training waits between two steps (at most ``HOLD_LIMIT`` seconds) until ``release()``: the server
        holds it while it builds a frame. Two Python threads that both want the GIL would otherwise
        trade it at every NumPy call, each time after a wait of the interpreter's switch interval."""
        self._hold.acquire()
        self.held = True

    def release(self):
        self.held = False
        self._hold.release()

    # ----- building ----------------------------------------------------------

    def _build_data(self, setup):
        kind = setup['kind']
        if kind == 'csv':
            if self.csv_text is None:
                raise ProtocolError('kind', 'load a CSV file first')
            data = datasets.parse_csv(self.csv_text, one_hot=setup['output_activation'] == 'Softmax',
                                      test_share=setup['test_share'], seed=setup['data_seed'],
                                      features=setup['features'])
        else:
            task = datasets.task_of(kind)
            if task == 'digits' and not datasets.mnist_available():
                raise ProtocolError('kind', 'the MNIST mode needs the four MNIST files: start the playground with '
                                            'MNIST_DIR set to their folder')
            data = datasets.make_data(kind, points=setup['points'], noise=setup['noise'],
                                      test_share=setup['test_share'], seed=setup['data_seed'],
                                      features=effective_features(setup, task), classes=setup['classes'],
                                      one_hot=_one_hot(setup, task), extra_points=self._extra_points(task))
        return data

    def _check_fit(self, setup, data):
        """Raise ProtocolError if the cost or the schedule of ``setup`` cannot train on ``data``."""
        target_range = cost_functions.COSTS[setup['cost']].TARGETS
        targets = data.targets
        if target_range is not None and (targets.min() < target_range[0] or targets.max() > target_range[1]):
            raise ProtocolError('cost', '{} needs targets from {} to {}; these run from {:.3g} to {:.3g}: use '
                                        'QuadraticCost'.format(setup['cost'], *target_range, targets.min(),
                                                               targets.max()))
        if setup['schedule'] == 'plateau' and not len(data.test[0]):
            raise ProtocolError('schedule', 'ReduceOnPlateau follows the test cost: give a test share above 0')

    def _extra_points(self, task):
        rows = [p for p in self.added_points if p[3] == task]
        return [p[:3] for p in rows] or None

    def _build_net(self, setup, data):
        sizes = [data.inputs] + list(setup['hidden']) + [data.targets.shape[1]]
        if self.loaded_model is not None and self._loaded_sizes == sizes and self._loaded_activations == [
                setup['hidden_activation']] * len(setup['hidden']) + [setup['output_activation']]:
            return copy.deepcopy(self._loaded_net)
        try:
            net = NetFactory.create_neural_net(sizes, activation_functions.ACTIVATIONS[setup['hidden_activation']],
                                               activation_functions.ACTIVATIONS[setup['output_activation']])
        except (ValueError, TypeError) as error:
            raise ProtocolError('output_activation', str(error)) from None
        net.randomize_parameters(seed=setup['weight_seed'])
        return net

    def _model_fits(self, net):
        return (self._loaded_sizes == net.layer_sizes() and
                self._loaded_activations == [f.name for f in net.activations()])

    def _build_cost(self, setup, net):
        try:
            return cost_functions.COSTS[setup['cost']](net, l2_reg_term=setup['l2'])
        except (ValueError, TypeError) as error:
            raise ProtocolError('cost', str(error)) from None

    def _trainer_arguments(self, setup):
        return dict(optimizer=setup['optimizer'], settings=setup['optimizer_settings'],
                    learning_rate=setup['learning_rate'], batch_size=setup['batch_size'],
                    seed=setup['shuffle_seed'], dropout=setup['dropout'],
                    schedule=(setup['schedule'], setup['schedule_settings']),
                    dropout_seed=setup['dropout_seed'])

    def _build_trainer(self, setup, net, cost):
        try:
            return training.make_trainer(net, cost, **self._trainer_arguments(setup))
        except (ValueError, TypeError) as error:
            raise ProtocolError('optimizer_settings', str(error)) from None

    def _build_run(self, setup, data):
        net = self._build_net(setup, data)
        cost = self._build_cost(setup, net)
        return net, cost, self._build_trainer(setup, net, cost)

    def _commit_data(self, data):
        self.data = data
        self.training = PreloadSource(data.training)
        self.test = PreloadSource(data.test) if len(data.test[0]) else None
        self._data_version += 1

    def _commit_run(self, net, cost, trainer):
        """A new run: the log starts again from this set-up, the epochs and the chart from 0."""
        self.net, self.cost, self.trainer = net, cost, trainer
        self._net_version += 1
        self._template = copy.deepcopy(net)
        self.run_setup = dict(self.setup)
        self.run_data = (list(self.added_points), self.csv_text)
        self.run_model = self.loaded_model if self.loaded_model is not None and self._model_fits(net) else None
        self.log = []
        self.steps = self.partial_steps = 0
        self.divergence = None
        self.chart, self._chart_stride, self._chart_version = [], 1, self._net_version

    # ----- the training thread -----------------------------------------------

    def _may_train(self):
        return self.running or self._step_budget > 0 or self._finish_epoch

    def _run(self):
        while True:
            with self._cond:
                while not self.closing and not self._commands and not self._may_train():
                    self._cond.wait(0.5)
                if self.closing:
                    break
            # One command at a time: one that asks for steps has them taken before the next is looked at.
            done = False
            while self._commands and not (self._step_budget or self._finish_epoch) and not self.closing:
                with self._cond:
                    command = self._commands.popleft()
                self._do(command)
                done = True
            if done:
                self._publish()
            if self._may_train() and not self.closing:
                self._epoch()
                self._publish()
        self.running = False
        self._publish()

    def _epoch(self):
        trainer, epochs = self.trainer, self.trainer.epochs_done
        steps_before = self.steps
        self.partial_steps = 0
        try:
            history = trainer.train(self.training, 1, evaluation_data=self.test, on_batch=self._after_step,
                                    measure_training=True)
        except TrainingDivergedError as error:
            kept = trainer.epochs_done > epochs
            if kept:
                self._log(('diverged_epoch',))
            else:
                self.steps = steps_before
            self.partial_steps = 0
            self._stop_training()
            self.divergence = {'epoch': error.epoch, 'batch': error.batch, 'message': str(error), 'undone': not kept}
            return
        except ValueError as error:
            self.partial_steps = 0
            self._stop_training()
            self._reply({'type': 'error', 'field': 'data', 'message': str(error), 'seq': self.applied_seq})
            return
        if len(history):
            self._log(('epochs', 1))
            if self._finish_epoch:
                self._finish_epoch = False
                self._steps_taken()
            self._add_to_chart(history[-1])
        elif self.partial_steps:
            self._log(('steps', self.partial_steps))
        self.partial_steps = 0

    def _after_step(self, batch_index, n_batches):
        """After every step of ``train``: count it, publish, take the commands that do not end the epoch,
        and wait while paused; raise StopTraining for one that does (or when the session closes)."""
        if self.held and self._hold.acquire(timeout=HOLD_LIMIT):
            self._hold.release()
        self.steps += 1
        self.partial_steps = batch_index + 1
        self.n_batches = n_batches
        if self._step_budget > 0:
            self._step_budget -= 1
            if not self._step_budget and not self._finish_epoch:
                self._steps_taken()
        last = batch_index + 1 == n_batches
        if time.perf_counter() - self._last_publish >= PUBLISH_INTERVAL:
            self._publish(wake=False)     # the server looks for it at its own pace while training runs
        while True:
            if self.closing:
                raise StopTraining
            if self._step_budget > 0 or self._finish_epoch:
                return      # the steps asked for come before any command sent after them
            if self._commands:
                with self._cond:
                    if self._commands[0].kind in CUTTING:
                        raise StopTraining
                    command = self._commands.popleft()
                self._do(command)
                self._publish()
                continue
            if last or self.running:
                return
            self._publish()
            with self._cond:
                if not self._commands and not self.closing:
                    self._cond.wait(0.5)

    def _stop_training(self):
        self.running = False
        self._step_budget = 0
        self._finish_epoch = False
        self._steps_taken()

    def _log(self, entry):
        if entry[0] == 'epochs' and self.log and self.log[-1][0] == 'epochs':
            self.log[-1] = ('epochs', self.log[-1][1] + entry[1])
        else:
            self.log.append(entry)

    def _add_to_chart(self, record):
        epoch = record['epoch']
        if epoch % self._chart_stride:
            return
        if self.data.task in ('classification', 'digits'):
            metrics = (record.get('training_accuracy'), record.get('evaluation_accuracy'))
        else:
            metrics = (self._r2(self.data.training), self._r2(self.data.test) if self.test is not None else None)
        self.chart.append((epoch, record['training_cost'], record.get('evaluation_cost'), *metrics))
        if len(self.chart) > CHART_POINTS:
            self._chart_stride *= 2
            self.chart = [point for point in self.chart if point[0] % self._chart_stride == 0]
            self._chart_version += 1

    def _r2(self, pair):
        """R² = 1 − Σ(a − y)² / Σ(y − ȳ)² of the net on ``pair`` = (X, Y)."""
        X, Y = pair
        spread = np.sum((Y - Y.mean(axis=0)) ** 2)
        if not len(X) or spread == 0:
            return None
        value = 1.0 - float(np.sum((self.net.feed(X) - Y) ** 2) / spread)
        return value if math.isfinite(value) else None

    def _publish(self, wake=True):
        """Make a new snapshot the newest; ``wake`` tells the server at once (after a command, or when training
        stops), else it finds the snapshot when its next frame is due."""
        now = time.perf_counter()
        mark_time, mark_steps = self._sps_mark
        if now - mark_time >= 0.5:
            self._sps = (self.steps - mark_steps) / (now - mark_time) if self.steps >= mark_steps else 0.0
            self._sps_mark = (now, self.steps)
        self.version += 1
        snapshot = Snapshot(
            version=self.version, params=self.net.parameters().copy(), net=self._template,
            net_version=self._net_version, data=self.data, data_version=self._data_version,
            setup=dict(self.setup), applied_seq=self.applied_seq, running=self.running,
            epoch=self.trainer.epochs_done, steps=self.steps, partial_steps=self.partial_steps,
            n_batches=self.n_batches, steps_per_second=self._sps if self.running else 0.0,
            learning_rate=self.trainer.learning_rate, chart=self.chart, chart_length=len(self.chart),
            chart_version=self._chart_version, divergence=self.divergence, time=now,
            cost_name=type(self.cost).__name__, l2=self.cost.l2_reg_term)
        with self._snapshot_lock:
            self._snapshot = snapshot
        self._last_publish = now
        if wake:
            self._notify()

    # ----- commands ------------------------------------------------------------

    def _do(self, command):
        """Apply one command in the training thread; a refused one is answered with an error naming the
        field, and the session goes on as it was."""
        try:
            handler = getattr(self, '_do_' + command.kind)
            handler(**command.fields)
        except ProtocolError as error:
            self._reply({'type': 'error', 'field': error.field, 'message': str(error), 'seq': command.seq})
        except (ValueError, TypeError) as error:
            self._reply({'type': 'error', 'field': command.kind, 'message': str(error), 'seq': command.seq})
        if command.kind in ('step', 'epoch') and self._may_train():
            self._seq_after_steps = command.seq     # reflected once its steps are taken
        else:
            self.applied_seq = max(self.applied_seq, command.seq)

    def _steps_taken(self):
        """The steps a 'step' or 'epoch' asked for are taken (or can no longer be): frames may say so."""
        self.applied_seq = max(self.applied_seq, self._seq_after_steps)

    def _do_play(self):
        self.running = True
        self.divergence = None

    def _do_pause(self):
        self._stop_training()

    def _do_step(self):
        self._step_budget += 1
        self.divergence = None

    def _do_epoch(self):
        self._finish_epoch = True
        self.divergence = None

    def _do_reset(self):
        net, cost, trainer = self._build_run(self.setup, self.data)
        self._stop_training()
        self._commit_run(net, cost, trainer)

    def _do_new_weights(self):
        self.loaded_model = None
        self._do_set({'weight_seed': (self.setup['weight_seed'] + 1) % MAX_SEED})
        self._stop_training()

    def _do_add_point(self, x1, x2, target):
        task = self.data.task
        if self.setup['kind'] == 'csv' or task == 'digits':
            raise ProtocolError('kind', 'points are added to the built-in sets of the plane and of curves only')
        if len(self.added_points) >= MAX_ADDED_POINTS:
            raise ProtocolError('add_point', 'expected at most {} added points'.format(MAX_ADDED_POINTS))
        (low1, high1), (low2, high2) = self.data.domain
        if not (low1 <= x1 <= high1 and (task == 'curve' or low2 <= x2 <= high2)):
            raise ProtocolError('x1', 'expected a point within the plane drawn, got ({}, {})'.format(x1, x2))
        if task == 'classification':
            if target != int(target) or not 0 <= target < self.data.classes:
                raise ProtocolError('target', 'expected a class from 0 to {}, got {}'.format(
                    self.data.classes - 1, target))
        self.added_points.append((x1, 0.0 if task == 'curve' else x2, target, task))
        try:
            self._change_data()
        except ProtocolError:
            self.added_points.pop()
            raise

    def _do_clear_points(self):
        self.added_points = []
        self._change_data()

    def _change_data(self):
        data = self._build_data(self.setup)
        self._check_fit(self.setup, data)
        self._commit_data(data)
        self._log(('data', self._data_call()))

    def _do_csv(self, text):
        kept = self.csv_text
        self.csv_text = text
        try:
            self._do_set({'kind': 'csv'}, force_data=True)
        except ProtocolError:
            self.csv_text = kept
            raise

    def _do_load(self, net, text):
        """A net read by the library's reader (``text``: the file's JSON) takes the place of the current
        one: the set-up follows its layer sizes and activations."""
        data = self.data
        sizes = net.layer_sizes()
        if sizes[0] != data.inputs or sizes[-1] != data.targets.shape[1]:
            raise ProtocolError('model', 'the model has {} inputs and {} outputs; the data gives {} features '
                                         'and {} targets: choose matching features and data'.format(
                                             sizes[0], sizes[-1], data.inputs, data.targets.shape[1]))
        names = [f.name for f in net.activations()]
        for name in names:
            if name not in activation_functions.ACTIVATIONS:
                raise ProtocolError('model', 'unknown activation {!r}'.format(name))
        if len(set(names[:-1])) > 1:
            raise ProtocolError('model', 'the playground shows nets whose hidden layers share one activation; '
                                         'this one has {}'.format(', '.join(names[:-1])))
        setup = dict(self.setup, hidden=tuple(sizes[1:-1]), output_activation=names[-1],
                     hidden_activation=names[0] if len(names) > 1 else self.setup['hidden_activation'])
        self.loaded_model = text
        self._loaded_sizes, self._loaded_activations = list(sizes), names
        self._loaded_net = copy.deepcopy(net)
        try:
            new_net, cost, trainer = self._build_run(setup, data)
        except ProtocolError:
            self.loaded_model = None
            raise
        self.setup = setup
        self._stop_training()
        self._commit_run(new_net, cost, trainer)
        self._reply({'type': 'setup', 'setup': _jsonable(self.setup)})

    def _do_set(self, changes, force_data=False):
        old = self.setup
        new = check_changes(changes, old)
        changed = {key for key in new if new[key] != old[key]}
        if not changed and not force_data:
            return
        data = self.data
        data_changed = force_data or bool(changed & set(DATA_KEYS)) or (
            'output_activation' in changed and _one_hot(new, data.task) != _one_hot(old, data.task))
        if data_changed:
            data = self._build_data(new)
        self._check_fit(new, data)
        sizes = self.net.layer_sizes()
        new_net = bool(changed & set(NET_KEYS)) or sizes[0] != data.inputs or (
            sizes[-1] != data.targets.shape[1])
        if 'weight_seed' in changed:
            self.loaded_model = None
        code = []
        if new_net:
            net, cost, trainer = self._build_run(new, data)
            self.setup = new
            if data is not self.data:
                self._commit_data(data)
            # A new net goes on training if the old one was: play stays play.
            self._step_budget, self._finish_epoch = 0, False
            self._steps_taken()
            self._commit_run(net, cost, trainer)
            return
        cost, trainer = self.cost, self.trainer
        if 'cost' in changed:
            cost = self._build_cost(new, self.net)
            code.append(('cost', None))
        if 'cost' in changed or changed & set(NEW_TRAINER_KEYS):
            trainer = self._build_trainer(new, self.net, cost)
            code.append(('trainer', None))
        schedule = None
        if trainer is self.trainer and changed & {'schedule', 'schedule_settings'}:
            try:
                schedule = training.make_schedule(new['schedule'], new['schedule_settings'])
            except (ValueError, TypeError) as error:
                raise ProtocolError('schedule_settings', str(error)) from None
        # Nothing below fails: every value was checked against the bounds the library takes.
        self.setup = new
        if data is not self.data:
            self._commit_data(data)
            self._log(('data', self._data_call()))
        for entry in code:
            self._log(entry + (dict(new),))
        self.cost, self.trainer = cost, trainer
        if trainer is self.trainer and 'cost' not in changed and not changed & set(NEW_TRAINER_KEYS):
            self._change_trainer_settings(changed, new, schedule)

    def _change_trainer_settings(self, changed, new, schedule):
        trainer, lines = self.trainer, []
        if 'l2' in changed:
            self.cost.l2_reg_term = new['l2']
            lines.append('cost.l2_reg_term = {!r}'.format(new['l2']))
        if 'learning_rate' in changed:
            trainer.learning_rate = new['learning_rate']
            lines.append('trainer.learning_rate = {!r}'.format(new['learning_rate']))
        if 'batch_size' in changed:
            trainer.batch_size = new['batch_size']
            lines.append('trainer.batch_size = {!r}'.format(new['batch_size']))
        if 'dropout' in changed:
            trainer.dropout = new['dropout'] or None
            lines.append('trainer.dropout = {!r}'.format(new['dropout'] or None))
        if 'optimizer_settings' in changed:
            training.change_setting(trainer, new['optimizer'], new['optimizer_settings'])
            lines.extend(training.setting_code(new['optimizer'], new['optimizer_settings']))
        if schedule is not None:
            trainer.schedule = schedule
            imports, expression = training.schedule_code(new['schedule'], new['schedule_settings'])
            lines.append(('trainer.schedule = {}'.format(expression), imports))
        if lines:
            self._log(('code', lines))

    def _data_call(self):
        return dict(self.setup), list(self.added_points), self.csv_text

    # ----- questions -----------------------------------------------------------

    def _do_python(self):
        from . import replay
        self._reply({'type': 'python', 'seq': self.applied_seq, 'script': replay.script(self)})

    def _do_save(self):
        self._reply({'type': 'model', 'model': self.net.to_dict(), 'name': 'playground-model.json'})

    def _do_inspect(self, layer, unit, source):
        self._reply(dict(self.inspect(layer, unit, source), type='inspect'))

    def _do_classify(self, pixels):
        """The net's answer for a digit drawn on the page's pad (``pixels``: 784 values from 0 to 1)."""
        if self.data.task != 'digits':
            raise ProtocolError('pixels', 'the pad answers in the MNIST mode only')
        outputs = self.net.feed(np.asarray(pixels, dtype=np.float64).reshape(1, -1))[0]
        self._reply({'type': 'classified', 'outputs': [float(v) for v in outputs], 'digit': int(outputs.argmax())})

    def _do_trace(self):
        from . import trace
        self._reply({'type': 'trace', 'text': trace.trace(self)})

    def parameter_index(self, layer, unit, source=None):
        """The index in ``net.parameters()`` of the weight from unit ``source`` of layer ``layer - 1`` to unit
        ``unit`` of layer ``layer`` (layers counted from 0, the inputs), or of that unit's bias (source None)."""
        sizes = self.net.layer_sizes()
        if not 1 <= layer < len(sizes):
            raise ProtocolError('layer', 'expected a layer from 1 to {}, got {}'.format(len(sizes) - 1, layer))
        if not 0 <= unit < sizes[layer]:
            raise ProtocolError('unit', 'expected a unit from 0 to {}, got {}'.format(sizes[layer] - 1, unit))
        if source is not None and not 0 <= source < sizes[layer - 1]:
            raise ProtocolError('source', 'expected a unit from 0 to {}, got {}'.format(sizes[layer - 1] - 1, source))
        start = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:layer - 1], sizes[1:layer]))
        n_in, n_out = sizes[layer - 1], sizes[layer]
        return start + (n_in * n_out + unit if source is None else source * n_out + unit)

    def inspect(self, layer, unit, source=None):
        """A parameter's value, the gradient of the training cost (with its L2 term) for it, the update
        rule's state for it and the rule, with the numbers of the next full-batch step filled in."""
        index = self.parameter_index(layer, unit, source)
        net = copy.deepcopy(self.net)
        gradient = type(self.cost)(net, l2_reg_term=self.cost.l2_reg_term).gradient(*self.data.training)
        value, g = float(self.net.parameters()[index]), float(gradient[index])
        state = {key: (float(array[index]) if isinstance(array, np.ndarray) else array)
                 for key, array in training.optimizer_state(self.trainer).items()}
        settings = self.setup['optimizer_settings']
        eta = self.trainer.learning_rate
        name = ('b' if source is None else 'w') + '[layer {}]'.format(layer)
        if self.setup['optimizer'] == 'sgd' and not dict(training.defaults('sgd'), **settings)['momentum']:
            filled = 'θ − η g = {:.6g} − {:.4g} × {:.6g} = {:.6g}'.format(value, eta, g, value - eta * g)
        else:
            filled = ''
        return {'layer': layer, 'unit': unit, 'source': source, 'name': name, 'value': value, 'gradient': g,
                'state': state, 'learning_rate': eta,
                'formula': training.update_formula(self.setup['optimizer'], settings), 'filled': filled,
                'mid_epoch': self.partial_steps > 0}


def _jsonable(setup):
    return json.loads(json.dumps(setup))
