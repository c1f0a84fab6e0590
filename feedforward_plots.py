"""Pictures of training: learning curves of a run's history, and grids of images such as MNIST digits.

Each function returns a matplotlib ``Figure`` made without pyplot, so that
it neither needs nor changes a display backend: a notebook shows it as a
PNG where it is a cell's result, and ``save_figure`` writes it as a PNG
anywhere. matplotlib is imported
only here, when a picture is made: pip install matplotlib (or, from a clone
of the library, pip install ".[demos]").
"""
import io
import math
import os
import sys

__all__ = ['learning_curves', 'image_grid', 'save_figure']


def _figure(**options):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError('the pictures are drawn with matplotlib, which is not installed: pip install matplotlib '
                          '(or, from a clone of the library, pip install ".[demos]")') from None
    _shown_in_notebooks(Figure)
    return Figure(**options)


def _shown_in_notebooks(figure_class):
    """In IPython (a Jupyter notebook), have a figure shown as a PNG where it is a cell's result: IPython does so
    only once pyplot was imported, and these figures are made without it."""
    ipython = sys.modules.get('IPython')
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    formatter = shell.display_formatter.formatters['image/png']
    try:
        formatter.lookup_by_type(figure_class)          # pyplot's inline backend, or ours, is there already
    except KeyError:
        formatter.for_type(figure_class, _png)


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format='png', dpi=80)
    return buffer.getvalue()


def learning_curves(records, metric='accuracy', title=None):
    """The cost and ``metric`` (``'accuracy'``, or another share such as the demos' ``'recognised'``) per epoch,
    training and evaluation, side by side.

    ``records`` are epoch records as ``train`` makes them (a ``History``, or a
    list of dictionaries with ``epoch``, ``training_cost``,
    ``evaluation_cost``, ``training_<metric>`` and ``evaluation_<metric>``);
    a record's ``epoch`` may be fractional (a run stopped within an epoch).
    """
    from matplotlib.ticker import MaxNLocator
    records = list(records)
    epochs = [record['epoch'] for record in records]
    figure = _figure(figsize=(11, 4.2))
    costs, shares = figure.subplots(1, 2)
    marker = 'o' if len(records) < 30 else None
    for key, label, style in (('training_cost', 'train', '-'), ('batch_cost', 'train (its batches)', '-'),
                              ('evaluation_cost', 'test', '--')):
        if any(key in record for record in records):
            costs.plot(epochs, [r.get(key, math.nan) for r in records], style, marker=marker, label=label)
    for split, label, style in (('training', 'train', '-'), ('evaluation', 'test', '--')):
        if any(split + '_' + metric in record for record in records):
            shares.plot(epochs, [100 * r.get(split + '_' + metric, math.nan) for r in records], style, marker=marker,
                        label=label)
    costs.set(xlabel='epoch', ylabel='cost', title='Cost (with the L2 term, if any)')
    shares.set(xlabel='epoch', ylabel=metric + ' (%)', title=metric.capitalize())
    for axes in (costs, shares):
        if axes.lines:
            axes.legend()
        axes.grid(alpha=0.3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if epochs and math.isclose(min(epochs), max(epochs)):
            axes.set_xticks(epochs[:1])   # a single epoch: its own tick, not fractions around it
        elif epochs:
            axes.set_xlim(min(epochs) - 0.2, max(epochs) + 0.2)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def image_grid(images, shape=(28, 28), title=None, row_labels=None, column_labels=None):
    """Images (rows, columns, pixels), each of ``shape`` with values in [0, 1], as a grid of pictures: ink dark on
    white. ``row_labels`` and ``column_labels`` (strings) name the rows and columns."""
    n_rows, n_cols = images.shape[:2]
    figure = _figure(figsize=(1.1 * n_cols + 0.6, 1.1 * n_rows + 0.6))
    axes = figure.subplots(n_rows, n_cols, squeeze=False)
    for r in range(n_rows):
        for c in range(n_cols):
            ax = axes[r, c]
            ax.imshow(images[r, c].reshape(shape), cmap='gray_r', vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if row_labels is not None and c == 0:
                ax.set_ylabel(row_labels[r], rotation=0, labelpad=14, fontsize=12, va='center')
            if column_labels is not None and r == 0:
                ax.set_title(column_labels[c], fontsize=12)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def save_figure(figure, path, dpi=100):
    """Write ``figure`` as a PNG at ``path`` (making its folder if need be); returns ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=dpi)
    return path
