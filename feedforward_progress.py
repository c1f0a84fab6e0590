"""What a training run shows while it runs: a progress bar over its mini-batches, and a line for each epoch.

``train(..., progress=True)`` draws a ``ProgressBar`` and prints a line for
each epoch above it; ``train(..., verbose=True)`` prints the lines alone,
for logs. ``describe_epoch`` turns an epoch's record (see
``feedforward_history``) into that line's costs and accuracies. tqdm is
imported only here, when a bar is drawn: the library itself needs NumPy and
threadpoolctl alone.
"""
import sys

__all__ = ['ProgressBar', 'describe_epoch']


def describe_epoch(record, training_label='training', evaluation_label='evaluation', short=False):
    """One line for an epoch's record: ``training cost 0.3012, accuracy 91.20% | evaluation cost ...``.

    Shows the costs and, where the record has them, the accuracies (and the
    demos' ``*_recognised`` shares) of the training data and of the
    evaluation data, under ``training_label`` and ``evaluation_label``;
    ``short`` writes ``acc`` and no commas, for a line that fits a terminal of
    80 columns (``train cost 0.3012 acc 91.20% | eval cost ...``).
    """
    parts = []
    if record.get('batch_cost') is not None:
        parts.append('batch cost {:.4f}'.format(record['batch_cost']))
    names = {'accuracy': 'acc', 'recognised': 'recognised'} if short else {}
    for split, label in (('training', training_label), ('evaluation', evaluation_label)):
        if split + '_cost' not in record:
            continue
        items = ['cost {:.4f}'.format(record[split + '_cost'])]
        for measure in ('accuracy', 'recognised'):
            if record.get(split + '_' + measure) is not None:
                items.append('{} {:.2f}%'.format(names.get(measure, measure), 100 * record[split + '_' + measure]))
        parts.append('{} {}'.format(label, (' ' if short else ', ').join(items)))
    return ' | '.join(parts)


class ProgressBar:
    """One bar over every step of a training run, and each epoch's line printed above it when the epoch ends.

    The bar is tqdm's ``tqdm.auto``: a widget in a Jupyter notebook, text in
    a terminal, and none at all when the output is neither (a log file or a
    pipe: ``disable=None``), where the epoch's lines are still printed. The
    bar itself carries no numbers but the epoch's, so that it keeps a usable
    width in a terminal of 80 columns. ``on_batch`` is called after every
    step, ``end_epoch(record, line)`` after every epoch, and ``close`` at the
    end; it is also a context manager that closes itself.
    """

    def __init__(self, nepochs):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError('train(progress=True) draws its bar with the tqdm package, which is not '
                              'installed: install it with "pip install tqdm", or train with progress=False'
                              ) from None
        self.nepochs, self._tqdm = nepochs, tqdm
        self._bar = tqdm(total=None, unit='batch', desc='training', leave=True, disable=None, mininterval=0.5)

    def on_batch(self, batch_index, n_batches):
        if self._bar.total is None:
            self._bar.total = self.nepochs * n_batches
            self._bar.refresh()
        self._bar.update(1)

    def end_epoch(self, record, line=None):
        """Show that the epoch ``record['epoch']`` ended: its number on the bar, and ``line`` (default: the
        record's costs and accuracies, ``describe_epoch``) printed above it."""
        self._bar.set_description('epoch {}'.format(record['epoch']), refresh=False)
        self._tqdm.write(line if line is not None else describe_epoch(record), file=sys.stdout)
        sys.stdout.flush()

    def close(self):
        self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
