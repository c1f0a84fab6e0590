"""The history of a training run: one record per epoch, as ``train`` measures it, and each quantity over epochs.

``Trainer.train`` (``gradient_descent``) returns a ``History`` of the epochs
of that call, and appends the same records to ``trainer.history``, which a
checkpoint keeps. Each record holds, measured after its epoch:

* ``epoch``: the epoch's number (``epochs_done`` after it);
* ``seconds``: the time the epoch's steps took; ``wall_time``: seconds since
  ``train`` began, measurements included;
* ``learning_rate``: the rate the epoch's steps used;
* ``training_cost`` on the training data and, if ``train`` was given
  ``evaluation_data``, ``evaluation_cost`` on it, as ``get_cost`` defines the
  cost;
* ``training_accuracy`` (and ``evaluation_accuracy``): the share of examples
  whose class the net predicts (see ``cost_functions.accuracy``), recorded
  when the targets name classes or ``train`` was asked for them; cost and
  accuracy come from the same forward pass;
* with ``diagnostics=True``: the per-layer quantities of
  ``feedforward_diagnostics`` (``weight_gradient_norm``, ``activation_mean``,
  ``activation_std``, ``saturated``, ``dead``), each a list with one float
  per non-input layer, measured on one fixed batch of up to 1000 training
  examples drawn once with a seed of its own (not the trainer's). They cost
  one forward and one backward pass of that batch per epoch and change no
  parameter; when off, nothing at all is computed.
"""
import html

import numpy as np

__all__ = ['History']


class History:
    """What ``train`` records: one dictionary per epoch, and each quantity as a list over epochs.

    ``history.records`` (or ``history[i]``) are the dictionaries;
    ``history['training_cost']`` is the list of that quantity over epochs
    (epochs without it give None), and ``history.array('weight_gradient_norm')``
    the same as a NumPy array, here of shape (epochs, layers). A key that no
    epoch recorded raises ``KeyError`` naming the keys there are. The module
    docstring lists the keys.
    """

    #: Keys ``train`` records only in some runs, and when.
    _WHEN = {
        'evaluation_cost': 'train records it when given evaluation_data',
        'evaluation_accuracy': 'train records it when given evaluation_data and the targets are classes',
        'training_cost': 'train records it with measure_training=True',
        'training_accuracy': 'train records it with measure_training=True, when the targets are classes or with '
                             'accuracy=True',
        'batch_cost': "train records it with measure_training='batches'",
    }

    def __init__(self, records=()):
        #: With ``train(..., patience=N)``: the epoch whose parameters the net was left with.
        self.best_epoch = None
        try:
            self.records = [dict(record) for record in records]
        except (TypeError, ValueError):
            raise TypeError('expected records as a sequence of dictionaries, got {!r}'.format(records)) from None

    def append(self, record):
        """Add an epoch's record (the dictionary itself: ``train`` shares it with the trainer's history)."""
        self.records.append(record)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self.records[key]
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if not -len(self.records) <= key < len(self.records):
                raise IndexError('expected an epoch index from {} to {} (the history holds {} epochs), got {}'.format(
                    -len(self.records), len(self.records) - 1, len(self.records), key))
            return self.records[key]
        if key not in self.keys():
            when = ' ({})'.format(self._WHEN[key]) if key in self._WHEN else ''
            raise _HistoryKeyError('{!r} is not in this history{}; it holds {}'.format(
                key, when, ', '.join(self.keys()) or 'no epochs yet'))
        return [record.get(key) for record in self.records]

    def __len__(self):
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def __repr__(self):
        return 'History({} epochs: {})'.format(len(self.records), ', '.join(self.keys()))

    def array(self, key):
        """``self[key]`` as a float array: shape (epochs,) for numbers, (epochs, layers) for per-layer lists.

        Epochs without the key give NaN.
        """
        values = self[key]
        width = next((len(v) for v in values if isinstance(v, (list, tuple))), None)
        missing = float('nan') if width is None else [float('nan')] * width
        return np.array([missing if v is None else v for v in values], dtype=float)

    def keys(self):
        """Every key some epoch recorded, in the order they first appear."""
        keys = []
        for record in self.records:
            keys.extend(key for key in record if key not in keys)
        return keys

    def _repr_html_(self):
        """The last epochs as a table, for a Jupyter notebook: one row per epoch, a column per number recorded
        (the per-layer lists of the diagnostics are left to ``array``)."""
        shown = self.records[-_HTML_ROWS:]
        keys = [key for key in self.keys() if all(not isinstance(r.get(key), (list, tuple)) for r in shown)]
        head = ''.join('<th>{}</th>'.format(html.escape(key)) for key in keys)
        rows = ''.join('<tr>{}</tr>'.format(''.join('<td>{}</td>'.format(_cell(record.get(key))) for key in keys))
                       for record in shown)
        skipped = len(self.records) - len(shown)
        note = '<p>History of {} epochs{}</p>'.format(len(self.records), ', the last {} shown'.format(len(shown))
                                                      if skipped else '')
        return '{}<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>'.format(note, head, rows)

    def to_dataframe(self):
        """The records as a pandas ``DataFrame``, one row per epoch, indexed by the epoch number (pandas must be
        installed: pip install pandas)."""
        try:
            import pandas
        except ImportError:
            raise ImportError('History.to_dataframe needs pandas, which is not installed: pip install pandas') from None
        return pandas.DataFrame.from_records(self.records, index='epoch' if 'epoch' in self.keys() else None)

    def plot(self, metric='accuracy', title=None):
        """The learning curves: the costs and ``metric`` per epoch, training and evaluation, as a matplotlib
        ``Figure`` (``feedforward_plots.learning_curves``), which a notebook shows as it is and ``savefig``
        writes to a file. matplotlib must be installed."""
        import feedforward_plots
        return feedforward_plots.learning_curves(self.records, metric, title)


#: Epochs an HTML table of a history shows at most (the last ones).
_HTML_ROWS = 20


def _cell(value):
    if value is None:
        return ''
    if isinstance(value, float):
        return '{:.6g}'.format(value)
    return html.escape(str(value))


class _HistoryKeyError(KeyError):
    """A KeyError whose message prints as it is (KeyError would quote it once more)."""

    def __str__(self):
        return str(self.args[0])
