"""Sweep hidden layer size x learning rate on MNIST with scikit-learn's GridSearchCV, here or on a Dask cluster.

    python demos/grid_search.py                          # 3 x 3 candidates, 3 folds of 10,000 digits, here
    python demos/grid_search.py --dask-workers 2         # the same on a local Dask cluster of 2 worker processes
    python demos/grid_search.py --scheduler tcp://scheduler:8786    # on a Dask cluster that runs already

Each candidate is a ``NeuralNetClassifier`` (784-h-10, ReLU hidden units,
Softmax output, cross-entropy, float32) trained for ``--epochs`` epochs on
the first ``--examples`` training digits, scored by ``--folds``-fold cross
validation. The demo prints the table of mean accuracies, draws it as a heat
map (``DIR/grid_search.png``), trains the best candidate on all those digits
and gives its accuracy on the 10,000 test digits.

The fits go out through joblib: with ``--dask-workers`` or ``--scheduler``,
under ``joblib.parallel_backend("dask")``, so that each fit runs on a worker
(which needs this library and scikit-learn installed). Needs pip install
".[sklearn]", and ".[dask]" for a cluster.
"""
import time

import common
import numpy as np

from feedforward_checks import install_hint


def main(argv=None):
    parser = common.standard_parser(__doc__, epochs=5, save=False, checkpoints=False)
    parser.add_argument('--hidden', type=common.positive_int, nargs='+', default=[25, 50, 100], metavar='UNITS',
                        help='hidden layer sizes to try (default 25 50 100)')
    parser.add_argument('--learning-rates', type=common.positive_float, nargs='+', default=[0.03, 0.1, 0.3],
                        metavar='RATE', help='learning rates to try (default 0.03 0.1 0.3)')
    parser.add_argument('--examples', type=common.positive_int, default=10000,
                        help='training digits to search on, the first of the training set (default 10000)')
    parser.add_argument('--folds', type=common.positive_int, default=3, help='cross-validation folds (default 3)')
    parser.add_argument('--batch-size', type=common.positive_int, default=50, help='mini-batch size (default 50)')
    where = parser.add_mutually_exclusive_group()
    where.add_argument('--dask-workers', type=common.positive_int, metavar='N',
                       help='run the fits on a local Dask cluster of N worker processes (one thread each)')
    where.add_argument('--scheduler', metavar='ADDRESS',
                       help='run the fits on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786)')
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error('argument --folds: expected at least 2, got {}'.format(args.folds))
    try:
        import joblib
        from sklearn.model_selection import GridSearchCV

        from feedforward_sklearn import NeuralNetClassifier
    except ImportError as error:
        parser.error(str(error))
    on_dask = args.dask_workers is not None or args.scheduler is not None
    if on_dask:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as error:
            parser.error('--dask-workers and --scheduler need Dask ({}): {}'.format(
                error, install_hint('dask', '"dask[distributed]"')))

    training, test = common.load_data(args)
    X, y = training.images[:args.examples], training.labels[:args.examples]
    search = GridSearchCV(
        NeuralNetClassifier(batch_size=args.batch_size, epochs=args.epochs, dtype='float32', random_state=args.seed),
        {'hidden_layer_sizes': [(h,) for h in args.hidden], 'learning_rate': args.learning_rates},
        cv=args.folds, n_jobs=-1 if on_dask else None)
    candidates = len(args.hidden) * len(args.learning_rates)
    if on_dask:
        if args.scheduler:
            cluster, client = None, Client(args.scheduler)
        else:
            cluster = LocalCluster(n_workers=args.dask_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=':0')
            client = Client(cluster)
        try:
            print('{} candidates x {} folds on {} digits, {} epochs each, on the Dask cluster at {} ({} workers)'.format(
                candidates, args.folds, len(X), args.epochs, client.scheduler.address,
                len(client.scheduler_info()['workers'])), flush=True)
            started = time.perf_counter()
            with joblib.parallel_backend('dask'):
                search.fit(X, y)
            seconds = time.perf_counter() - started
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        print('{} candidates x {} folds on {} digits, {} epochs each, here'.format(
            candidates, args.folds, len(X), args.epochs), flush=True)
        started = time.perf_counter()
        search.fit(X, y)
        seconds = time.perf_counter() - started

    scores = 100 * search.cv_results_['mean_test_score'].reshape(len(args.hidden), len(args.learning_rates))
    print(table(scores, args.hidden, args.learning_rates, args.folds))
    best = search.best_params_
    print('best: {} hidden units, learning rate {:g} ({:.2f}% cross-validated); search took {:.1f} s'.format(
        best['hidden_layer_sizes'][0], best['learning_rate'], 100 * search.best_score_, seconds))
    picture = heat_map(scores, args, common.os.path.join(args.out, 'grid_search.png'))
    print('heat map: {}'.format(picture))
    accuracy = search.best_estimator_.score(test.images, test.labels)
    print('test accuracy: {:.2f}%'.format(100 * accuracy), flush=True)
    return search


def table(scores, hidden, rates, folds):
    """The mean accuracies (%) as a text table: a row per hidden layer size, a column per learning rate."""
    lines = ['mean accuracy over {} folds (%)'.format(folds),
             '{:>14}'.format('hidden \\ rate') + ''.join('{:>9g}'.format(rate) for rate in rates)]
    for h, row in zip(hidden, scores):
        lines.append('{:>14}'.format(h) + ''.join('{:>9.2f}'.format(score) for score in row))
    return '\n'.join(lines)


def heat_map(scores, args, path):
    """The mean accuracies as a heat map with each cell's value written in it, the best one framed; a PNG."""
    plt = common.pyplot()
    figure, axes = plt.subplots(figsize=(1.5 * len(args.learning_rates) + 2.8, 1.1 * len(args.hidden) + 1.8))
    image = axes.imshow(scores, cmap='viridis', aspect='auto')
    axes.set_xticks(range(len(args.learning_rates)), ['{:g}'.format(r) for r in args.learning_rates])
    axes.set_yticks(range(len(args.hidden)), [str(h) for h in args.hidden])
    axes.set(xlabel='learning rate', ylabel='hidden units')
    middle = (scores.min() + scores.max()) / 2
    for (row, column), score in np.ndenumerate(scores):
        axes.text(column, row, '{:.2f}'.format(score), ha='center', va='center',
                  color='black' if score > middle else 'white')
    best_row, best_column = np.unravel_index(np.argmax(scores), scores.shape)
    axes.add_patch(plt.Rectangle((best_column - 0.5, best_row - 0.5), 1, 1, fill=False, edgecolor='red',
                                 linewidth=2.5, label='best'))
    axes.legend(loc='upper left', bbox_to_anchor=(0, -0.12), frameon=False)
    figure.colorbar(image, ax=axes, label='mean accuracy over {} folds (%)'.format(args.folds))
    axes.set_title('784-h-10 on {} MNIST digits, {} epochs'.format(args.examples, args.epochs))
    return common.save_figure(figure, path)


if __name__ == '__main__':
    common.run(main)
