"""The demos' epoch loop: the library's ``train`` with a progress bar, a line per epoch, Ctrl+C, and the summary.

``train_run`` is the one epoch loop of every demo: ``trainer.train`` with a
progress bar, a line per epoch and Ctrl+C stopping the run after the current
mini-batch. ``train_classifier`` adds ``--checkpoint`` (the library's
``train(..., checkpoint=PATH)``) and ``--resume``, and ends with ``finish``:
the summary, ``--save``, the learning curves of the whole run (those before a
resume included) and the last line ``test accuracy: NN.NN%``.
"""
import os
import signal
import sys

import common
from feedforward_progress import describe_epoch
from gradient_descent import StopTraining

#: Set once Ctrl+C stopped a run: ``common.run`` then exits with status 130.
interrupted = False


# ----- Ctrl+C ------------------------------------------------------------------

class StopOnInterrupt:
    """While active, the first Ctrl+C (SIGINT) asks the run to stop after the current mini-batch.

    ``check()``, called after each mini-batch, raises ``StopTraining`` once
    it was asked. A second Ctrl+C interrupts at once, as usual.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self._previous)
        return False

    def _handle(self, signum, frame):
        global interrupted
        if self.requested:
            raise KeyboardInterrupt
        self.requested = interrupted = True
        sys.stderr.write('\nCtrl+C: stopping after this mini-batch (press again to stop at once)\n')

    def check(self):
        if self.requested:
            raise StopTraining


# ----- the epoch loop ----------------------------------------------------------

def say(line):
    """Print ``line`` on standard output; through tqdm when it is there, so that a progress bar on the
    terminal is drawn again below the line rather than broken by it."""
    try:
        from tqdm import tqdm
    except ImportError:
        print(line, flush=True)
        return
    tqdm.write(line, file=sys.stdout)
    sys.stdout.flush()


class Run:
    """What ``train_run`` did.

    ``history``: the records of the epochs it trained (those of ``train``,
    with what ``measure`` added); ``interrupted``: whether Ctrl+C stopped it;
    ``batches_into_epoch``: the mini-batches of an epoch cut short (0 if
    none); ``batches_per_epoch``: how many an epoch has.
    """

    def __init__(self):
        self.history = None
        self.interrupted = False
        self.batches_into_epoch = 0
        self.batches_per_epoch = 0


def describe(record, evaluation_label='test'):
    """One line for an epoch's (or the summary's) record: costs, and accuracies or recognised shares."""
    return describe_epoch(record, 'train', evaluation_label)


def train_run(trainer, source, epochs, evaluation_data=None, measure=None, on_epoch=None, label='', quiet=False,
              on_batch=None, evaluation_label='test', **train_options):
    """``trainer.train(source, epochs, ...)`` with a progress bar and a line per epoch; returns a ``Run``.

    After each epoch ``measure()``, if given, returns more values for the
    epoch's record, the line ``epoch N (seconds): ...`` is printed (unless
    ``quiet``) and ``on_epoch(record)`` is called; ``on_batch(batch_index,
    n_batches)``, if given, after each mini-batch. Ctrl+C ends the run after
    the current mini-batch. ``train_options`` go to ``train``.
    """
    user_on_batch = on_batch
    result = Run()
    n = source.number_of_examples()
    result.batches_per_epoch = -(-n // (trainer.batch_size or n))
    done = [0]
    with StopOnInterrupt() as interrupt:
        def on_batch(batch_index, n_batches):
            done[0] = batch_index + 1
            if user_on_batch is not None:
                user_on_batch(batch_index, n_batches)
            interrupt.check()

        def callback(epoch, history):
            done[0] = 0
            record = history[-1]
            if measure is not None:
                record.update(measure())
            if not quiet:
                say('{}epoch {} ({:.1f} s): {}'.format(label, epoch, record['seconds'],
                                                       describe(record, evaluation_label)))
            if on_epoch is not None:
                on_epoch(record)
            interrupt.check()  # Ctrl+C while measuring: stop here

        train_options.setdefault('measure_training', True)
        result.history = trainer.train(source, epochs, evaluation_data=evaluation_data, callback=callback,
                                       on_batch=on_batch, progress=True, verbose=False, **train_options)
    result.interrupted = interrupt.requested
    if result.interrupted:
        result.batches_into_epoch = done[0]
        if done[0]:
            print('{}interrupted after {} of {} mini-batches of epoch {}'.format(
                label, done[0], result.batches_per_epoch, trainer.epochs_done + 1))
        else:
            print('{}interrupted after epoch {}'.format(label, trainer.epochs_done))
    return result


def measured_now(cost, training, evaluation, measure=None, accuracy=True):
    """The values a record of ``train`` holds, measured on the net as it is now (for a run cut short)."""
    record = {}
    for split, source in (('training', training), ('evaluation', evaluation)):
        if accuracy:
            record[split + '_cost'], record[split + '_accuracy'] = cost.cost_and_accuracy(source)
        else:
            record[split + '_cost'] = cost.get_cost(source)
    if measure is not None:
        record.update(measure())
    return record


def finish(trainer, result, args, name, training, evaluation, measure=None, accuracy=True, metric='accuracy',
           title=None):
    """Summary, ``--save``, learning curves of the whole run, and the last line; returns the summary record.

    The learning curves hold every epoch of ``trainer.history`` (a resumed
    run's earlier epochs too); when the run stopped in the middle of an
    epoch, the net as it is is measured and added at its fractional epoch.
    ``metric`` (``accuracy`` or ``recognised``) is what the last line
    reports: ``test accuracy: NN.NN%`` or ``test recognised: NN.NN%``.
    """
    records = list(trainer.history)
    if records and not result.batches_into_epoch:
        summary = records[-1]
    else:
        summary = measured_now(trainer.cost_function, training, evaluation, measure, accuracy)
        summary['epoch'] = trainer.epochs_done + result.batches_into_epoch / max(result.batches_per_epoch, 1)
        records.append(summary)
    epochs = round(summary['epoch'], 2)
    print('summary after {:g} epoch{}{}: {}'.format(epochs, '' if epochs == 1 else 's',
                                                   ' (interrupted)' if result.interrupted else '', describe(summary)))
    if getattr(args, 'save', None):
        trainer.neural_net.save(args.save)
        print('net saved to {}'.format(args.save))
    picture = common.plot_learning_curves(records, os.path.join(args.out, name + '_learning_curves.png'),
                                   title=title or name, metric=metric)
    print('learning curves: {}'.format(picture))
    print('test {}: {:.2f}%'.format(metric, 100 * summary['evaluation_' + metric]), flush=True)
    return summary


def train_classifier(net, cost, trainer, training, test, args, name, on_epoch=None, source=None):
    """``train_run`` and ``finish`` for a net classifying digits, with ``--resume`` and ``--checkpoint`` (the
    library's ``train(..., checkpoint=PATH)``, which saves after every epoch).

    The steps train on ``source`` (default ``training.source``); the
    measurements are of ``training.source`` and ``test.source``.
    ``--resume`` is honoured here if the demo did not call ``resume`` itself
    (it should, before loading MNIST: a bad file then costs no wait).
    Returns the summary record.
    """
    if getattr(args, 'resume', None) and trainer.epochs_done == 0:
        common.resume(trainer, args)
    path = getattr(args, 'checkpoint', None)
    result = train_run(trainer, training.source if source is None else source, args.epochs - trainer.epochs_done,
                       evaluation_data=test.source, on_epoch=on_epoch, checkpoint=path)
    if result.interrupted and path:
        if result.history:
            print('the checkpoint {} holds the state after epoch {}; continue with --resume {}'.format(
                path, trainer.epochs_done, path))
        elif args.resume:
            print('no epoch finished, so nothing was written to {}; continue with --resume {}'.format(
                path, args.resume))
        else:
            print('no epoch finished, so no checkpoint was written to {}'.format(path))
    return finish(trainer, result, args, name, training.source, test.source)
