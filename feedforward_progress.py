"""What a training run shows while it runs: a progress bar over its mini-batches, and a line for each epoch.

``train(..., progress=True)`` draws a ``ProgressBar``; ``describe_epoch``
turns an epoch's record (see ``Trainer.train``) into one line of costs and
accuracies, for logs and for the demos. tqdm is imported only here, when a
bar is drawn: the library itself needs NumPy and threadpoolctl alone.
"""

__all__ = ['ProgressBar', 'describe_epoch']

#: The quantities of a record that a line and a bar show, with their short labels.
_SHOWN = (('training_cost', 'cost'), ('training_accuracy', 'accuracy'), ('evaluation_cost', 'eval_cost'),
          ('evaluation_accuracy', 'eval_accuracy'))


def describe_epoch(record, training_label='training', evaluation_label='evaluation'):
    """One line for an epoch's record: ``training cost 0.3012, accuracy 91.20% | evaluation cost ...``.

    Shows the costs and, where the record has them, the accuracies (and the
    demos' ``*_recognised`` shares) of the training data and of the
    evaluation data, under ``training_label`` and ``evaluation_label``.
    """
    parts = []
    for split, label in (('training', training_label), ('evaluation', evaluation_label)):
        if split + '_cost' not in record:
            continue
        items = ['cost {:.4f}'.format(record[split + '_cost'])]
        for measure in ('accuracy', 'recognised'):
            if record.get(split + '_' + measure) is not None:
                items.append('{} {:.2f}%'.format(measure, 100 * record[split + '_' + measure]))
        parts.append('{} {}'.format(label, ', '.join(items)))
    return ' | '.join(parts)


class ProgressBar:
    """One tqdm bar over every mini-batch of a training run, with the latest epoch's numbers beside it.

    When the output is not a terminal, no bar is drawn (tqdm's
    ``disable=None``), so that logs do not fill with bars. ``on_batch`` is
    called after every step, ``end_epoch(record)`` after every epoch, and
    ``close`` at the end; it is also a context manager that closes itself.
    """

    def __init__(self, nepochs):
        try:
            from tqdm import tqdm
        except ImportError:
            raise ImportError('train(progress=True) draws its bar with the tqdm package, which is not '
                              'installed: install it with "pip install tqdm", or train with progress=False'
                              ) from None
        self.nepochs = nepochs
        self._bar = tqdm(total=None, unit='batch', desc='training', leave=True, disable=None, mininterval=0.5)

    def on_batch(self, batch_index, n_batches):
        if self._bar.total is None:
            self._bar.total = self.nepochs * n_batches
            self._bar.refresh()
        self._bar.update(1)

    def end_epoch(self, record):
        """Show the epoch's record: its number and the costs and accuracies in it."""
        shown = {'epoch': record['epoch']}
        for key, label in _SHOWN:
            if record.get(key) is not None:
                shown[label] = '{:.4g}'.format(record[key])
        self._bar.set_postfix(shown, refresh=True)

    def close(self):
        self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
