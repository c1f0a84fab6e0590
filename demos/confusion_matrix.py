"""Which digits a net confuses: its confusion matrix, and the test digits it gets most wrong.

    python demos/confusion_matrix.py [--epochs 5] [--train-size 20000] [--out out] [--save net.json]
    python demos/confusion_matrix.py --load net.json    # a net saved by any classification demo

Trains a 784-100-10 net (Rectifier hidden layer, Softmax output,
cross-entropy cost), unless ``--load`` gives a saved one, and writes into
``--out``:

* ``confusion_matrix.png``: for every true digit (row) how many test images
  the net put in each class (column); the diagonal holds the right answers;
* ``most_wrong.png``: the misclassified test images to which the net gave the
  highest probability of the wrong class, with the true and predicted digit.
"""
import os

import common
import comparison
import numpy as np

from cost_functions import confusion_matrix

EPOCHS, HIDDEN, LEARNING_RATE, BATCH_SIZE = 5, 100, 0.1, 20
GRID_ROWS, GRID_COLUMNS = 3, 8


def train_net(args, training, test):
    net, _, trainer = common.classifier([784, HIDDEN, 10], 0.0, LEARNING_RATE, BATCH_SIZE, args)
    comparison.train_recording(trainer, training.source, args.epochs, evaluation_data=test.source)
    return net


def most_wrong(net, test, n):
    """Indices of up to ``n`` misclassified test images, the most confidently wrong first, and the outputs."""
    outputs = net.feed(test.images)
    predicted = outputs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != test.labels)
    confidence = outputs[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind='stable')[:n]], outputs


def plot_confusion(counts, path, title):
    plt = common.pyplot()
    from matplotlib.colors import LogNorm
    figure, ax = plt.subplots(figsize=(6.4, 5.6))
    image = ax.imshow(counts + 1, cmap='Blues', norm=LogNorm(vmin=1, vmax=counts.max() + 1))
    for (i, j), count in np.ndenumerate(counts):
        if count:
            dark = count + 1 > np.sqrt(counts.max() + 1) * 3
            ax.text(j, i, str(count), ha='center', va='center', fontsize=7,
                    color='white' if dark else 'black', fontweight='bold' if i == j else 'normal')
    ax.set(xticks=range(10), yticks=range(10), xlabel='predicted digit', ylabel='true digit', title=title)
    figure.colorbar(image, ax=ax, label='test images + 1 (log scale)')
    common.save_figure(figure, path, dpi=80)


def plot_most_wrong(test, indices, outputs, path):
    plt = common.pyplot()
    figure, axes = plt.subplots(GRID_ROWS, GRID_COLUMNS, figsize=(1.3 * GRID_COLUMNS, 1.55 * GRID_ROWS + 0.5),
                                squeeze=False)
    for ax in axes.flat:
        ax.axis('off')
    for ax, i in zip(axes.flat, indices):
        predicted = outputs[i].argmax()
        ax.imshow(test.images[i].reshape(28, 28), cmap='gray_r', vmin=0, vmax=1)
        ax.set_title('true {}, net {}\np = {:.2f}'.format(test.labels[i], predicted, outputs[i, predicted]),
                     fontsize=8)
    figure.suptitle('The test digits the net gets most confidently wrong (p: its probability for its answer)',
                    fontsize=10)
    common.save_figure(figure, path, dpi=80)


def main(argv=None):
    parser = common.standard_parser(__doc__, epochs=EPOCHS, checkpoints=False)
    comparison.add_size_flags(parser, train_size=20000, test_size=10000)
    parser.add_argument('--load', metavar='PATH', help='use the net saved at PATH instead of training one')
    args = parser.parse_args(argv)
    loaded = common.load_net(args.load, '--load', inputs=784, outputs=10) if args.load else None
    training, test = comparison.load_subsets(args)
    net = loaded if loaded is not None else train_net(args, training, test)
    if args.save:
        net.save(args.save)
        print('net saved to {}'.format(args.save))

    counts = confusion_matrix(net, test.source)
    accuracy = np.trace(counts) / counts.sum()
    matrix_path = os.path.join(args.out, 'confusion_matrix.png')
    plot_confusion(counts, matrix_path, 'Confusion matrix on {} test images: {:.2f}% right'.format(
        counts.sum(), 100 * accuracy))
    indices, outputs = most_wrong(net, test, GRID_ROWS * GRID_COLUMNS)
    wrong_path = os.path.join(args.out, 'most_wrong.png')
    plot_most_wrong(test, indices, outputs, wrong_path)
    off_diagonal = counts - np.diag(np.diag(counts))
    true, predicted = np.unravel_index(off_diagonal.argmax(), counts.shape)
    print('most frequent confusion: {} taken for {} ({} times)'.format(true, predicted, off_diagonal.max()))
    print('pictures: {} {}'.format(matrix_path, wrong_path))
    print('test accuracy: {:.2f}%'.format(100 * accuracy))
    return counts


if __name__ == '__main__':
    common.run(main)
