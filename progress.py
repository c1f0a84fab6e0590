"""A progress bar for ``train(..., progress=True)``, drawn with tqdm.

tqdm is imported only when a bar is asked for: the library itself needs NumPy
alone.
"""


class ProgressBar:
    """One bar over every mini-batch of a training run, with the latest epoch's numbers beside it.

    ``nepochs``: how many epochs the run takes. The number of mini-batches per
    epoch is learnt from the first ``on_batch`` call.
    """

    def __init__(self, nepochs):
        try:
            from tqdm import tqdm
        except ImportError:
            raise ImportError('train(progress=True) draws its bar with the tqdm package, which is not '
                              'installed: install it with "pip install tqdm", or train with progress=False'
                              ) from None
        self.nepochs = nepochs
        self._bar = tqdm(total=None, unit='batch', desc='training', leave=True)

    def on_batch(self, batch_index, n_batches):
        """Called after each step, as ``training_epoch``'s ``on_batch``."""
        if self._bar.total is None:
            self._bar.total = self.nepochs * n_batches
            self._bar.refresh()
        self._bar.update(1)

    def end_epoch(self, record):
        """Show the epoch's record: its number and the costs and accuracies in it."""
        shown = {'epoch': record['epoch']}
        labels = (('training_cost', 'cost'), ('training_accuracy', 'accuracy'),
                  ('evaluation_cost', 'eval_cost'), ('evaluation_accuracy', 'eval_accuracy'))
        for key, label in labels:
            if record.get(key) is not None:
                shown[label] = '{:.4g}'.format(record[key])
        self._bar.set_postfix(shown, refresh=True)

    def close(self):
        self._bar.close()
