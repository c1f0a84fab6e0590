"""How well a net classifies: accuracy and the confusion matrix.

The class of an example is the index of its largest target (one-hot targets,
shape ``(n, k)`` with k > 1); with a single output unit (k = 1) it is whether
the value is above 0.5 (binary targets). The net's predicted class is read the
same way from its output.
"""
import numpy as np

from cost_functions import EVALUATION_ROWS, evaluation_batches
from data_source import BatchesIterator


def classes(outputs):
    """The class of each row of ``outputs`` (n, k): argmax for k > 1, ``outputs > 0.5`` for k = 1."""
    outputs = np.asarray(outputs)
    if outputs.ndim != 2:
        raise ValueError('expected outputs of shape (n, k), got shape {}'.format(outputs.shape))
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > 0.5).astype(np.intp)
    return outputs.argmax(axis=1)


def confusion_matrix(neural_net, data_src):
    """Counts of (true class, predicted class) over every example of ``data_src``.

    Returns an integer array of shape ``(k, k)`` (``(2, 2)`` for a single
    output): row i, column j counts the examples of class i that the net put
    in class j, so the diagonal holds the correct answers.
    """
    n_classes = max(2, neural_net.layer_sizes()[-1])
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    for X, Y in evaluation_batches(data_src, neural_net):
        for rows, _, a_out in neural_net.forward_chunks(X):
            pairs = classes(Y[rows]) * n_classes + classes(a_out)
            counts += np.bincount(pairs, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
    return counts


def accuracy(neural_net, data_src):
    """The share of examples of ``data_src`` whose class the net predicts correctly, from 0 to 1."""
    counts = confusion_matrix(neural_net, data_src)
    return float(np.trace(counts)) / float(counts.sum())


def has_class_targets(data_src):
    """Whether every target of ``data_src`` names a class: one-hot rows (k > 1), or 0 and 1 alone (k = 1)."""
    for _, Y in BatchesIterator(data_src, EVALUATION_ROWS):
        if not np.isin(Y, (0.0, 1.0)).all():
            return False
        if Y.shape[1] > 1 and not (Y.sum(axis=1) == 1.0).all():
            return False
    return True


def cost_and_accuracy(cost, data_src, with_accuracy=True):
    """The cost over every example of ``data_src`` and, if ``with_accuracy``, the accuracy, in one forward pass.

    Returns ``(cost, accuracy)``: the cost as ``cost.get_cost(data_src)``
    defines it (mean loss plus L2 term) and the share of examples whose class
    the net predicts (see ``accuracy``), or None for the accuracy when
    ``with_accuracy`` is false.
    """
    correct = [0]

    def count_correct(a_out, Y):
        correct[0] += int(np.count_nonzero(classes(a_out) == classes(Y)))

    value = cost.evaluate(data_src, on_outputs=count_correct if with_accuracy else None)
    return value, (correct[0] / data_src.number_of_examples() if with_accuracy else None)
