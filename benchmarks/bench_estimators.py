"""The estimators' speed: NeuralNetClassifier against scikit-learn's MLPClassifier, at matched settings.

    python benchmarks/bench_estimators.py                  # digits, breast cancer, wine; 7 rounds (a minute)
    python benchmarks/bench_estimators.py --busy           # the same, quiet and with one core kept busy
    python benchmarks/bench_estimators.py --batch-size 200 # scikit-learn's batch_size='auto' on these data sets
    python benchmarks/bench_estimators.py --quick          # one round of 2 epochs (seconds): it runs, no figures

Each fit is a whole ``fit(X, y)`` from a new net on one of scikit-learn's
small data sets (digits: 1,797 examples of 64 features, 10 classes; breast
cancer: 569 of 30, 2 classes; wine: 178 of 13, 3 classes), standardized
once beforehand. Both estimators train the same net, one hidden layer of 100
ReLU units, by plain mini-batch SGD: the same learning rate (0.01), batch
size (32), number of epochs (100: ``max_iter`` for both; scikit-learn's
``tol=0`` with ``n_iter_no_change`` above it and no early stopping, so that it
runs every epoch, which the script checks through ``n_iter_``), L2 term
(``alpha=1e-4``, which means the same for both), no momentum, a fresh shuffle
each epoch. The one difference: for two classes scikit-learn's net has one
logistic output, the library's two Softmax outputs. Both run with the BLAS
threads they find (``--threads N`` sets them for both, before NumPy starts).

The fits are taken in turns, the library's first in odd rounds and
scikit-learn's first in even ones, and the ratio (library / scikit-learn: below
1, the library is faster) is taken round by round, so that the two fits of a
ratio meet the same moments of a shared machine; the median and the range
over the rounds are printed. With ``--busy``, another process (``python -c
"while True: pass"``, ``bench_training.BusyCore``) keeps one core busy for the
busy fits and is paused (SIGSTOP) for the quiet ones, in turns too.

Then ``train``'s own cost: on digits, the same net and SGD trainer runs
``trainer.train(source, epochs)`` with nothing asked (no measurement of the
training data, no evaluation data) against as many bare
``trainer.training_epoch(source)`` calls, each from the same initial net, in
turns; the ratio is train / bare epochs (the issue's target: 1.10 at most).
"""
import argparse
import os
import statistics
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)
# Imported first: it sets the BLAS threads from this script's own --threads (the CPUs by default) before NumPy starts.
from bench_training import BusyCore  # noqa: E402

import numpy as np  # noqa: E402

#: The matched settings of both estimators.
HIDDEN, LEARNING_RATE, BATCH_SIZE, EPOCHS, ALPHA = (100,), 0.01, 32, 100, 1e-4
QUICK_EPOCHS = 2


def data_sets():
    """name -> (X standardized, y) of scikit-learn's digits, breast cancer and wine."""
    from sklearn.datasets import load_breast_cancer, load_digits, load_wine
    from sklearn.preprocessing import StandardScaler
    sets = {}
    for name, load in (('digits', load_digits), ('breast cancer', load_breast_cancer), ('wine', load_wine)):
        X, y = load(return_X_y=True)
        sets[name] = (StandardScaler().fit_transform(X), y)
    return sets


def ours(epochs, batch_size, seed):
    from feedforward_sklearn import NeuralNetClassifier       # imported by main before any fit is timed
    return NeuralNetClassifier(hidden_layer_sizes=HIDDEN, activation='relu', solver='sgd', learning_rate=LEARNING_RATE,
                               batch_size=batch_size, max_iter=epochs, alpha=ALPHA, random_state=seed)


def theirs(epochs, batch_size, seed):
    from sklearn.neural_network import MLPClassifier
    return MLPClassifier(hidden_layer_sizes=HIDDEN, activation='relu', solver='sgd', learning_rate='constant',
                         learning_rate_init=LEARNING_RATE, batch_size=batch_size, max_iter=epochs, alpha=ALPHA,
                         momentum=0.0, nesterovs_momentum=False, shuffle=True, tol=0.0, n_iter_no_change=epochs + 1,
                         early_stopping=False, random_state=seed)


def timed_fit(estimator, X, y, epochs):
    """Seconds of ``estimator.fit(X, y)``; checks that it ran every epoch."""
    from sklearn.exceptions import ConvergenceWarning
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', ConvergenceWarning)     # scikit-learn's, for running every epoch asked
        warnings.filterwarnings('ignore', 'Got `batch_size`')     # and for a batch size above wine's 178 examples
        started = time.perf_counter()
        estimator.fit(X, y)
        seconds = time.perf_counter() - started
    if estimator.n_iter_ != epochs:
        raise RuntimeError('{} ran {} epochs, not {}'.format(type(estimator).__name__, estimator.n_iter_, epochs))
    return seconds


def compare(sets, rounds, epochs, batch_size, loads, busy):
    """Fits of both estimators on every data set, under every load, in turns; returns
    {(data set, load): [(ours, theirs), ...]} (seconds, a pair per round) and the last fits' training accuracies."""
    times = {(name, load): [] for name in sets for load in loads}
    scores = {}
    for round_index in range(rounds):
        print('round {} of {}'.format(round_index + 1, rounds), flush=True)
        for name, (X, y) in sets.items():
            for load in loads:
                if busy is not None:
                    busy.resume() if load == 'busy' else busy.pause()
                makers = [('ours', ours), ('theirs', theirs)]
                if round_index % 2:
                    makers.reverse()
                seconds, fitted = {}, {}
                for who, make in makers:
                    fitted[who] = make(epochs, batch_size, round_index)
                    seconds[who] = timed_fit(fitted[who], X, y, epochs)
                times[(name, load)].append((seconds['ours'], seconds['theirs']))
                scores[name] = (fitted['ours'].score(X, y), fitted['theirs'].score(X, y))
                print('  {:<14} {:<6} NeuralNetClassifier {:7.3f} s   MLPClassifier {:7.3f} s   ratio {:5.2f}'.format(
                    name, load, seconds['ours'], seconds['theirs'], seconds['ours'] / seconds['theirs']), flush=True)
    if busy is not None:
        busy.pause()
    return times, scores


def print_medians(times, scores, rounds):
    print()
    print('Medians over {} round{} (ratio: NeuralNetClassifier / MLPClassifier, taken round by round; below 1 the '
          'library is faster)'.format(rounds, 's' if rounds > 1 else ''))
    print('{:<14} {:<6} {:>21} {:>15} {:>7}  {}'.format('data set', 'load', 'NeuralNetClassifier s',
                                                        'MLPClassifier s', 'ratio', 'rounds'))
    for (name, load), pairs in times.items():
        ratios = [mine / other for mine, other in pairs]
        print('{:<14} {:<6} {:>21.3f} {:>15.3f} {:>7.2f}  {:.2f} to {:.2f}'.format(
            name, load, statistics.median(m for m, _ in pairs), statistics.median(o for _, o in pairs),
            statistics.median(ratios), min(ratios), max(ratios)))
    print('Training accuracy of the last fits (NeuralNetClassifier, MLPClassifier): ' + ', '.join(
        '{} {:.3f} and {:.3f}'.format(name, *pair) for name, pair in scores.items()))


def train_overhead(X, y, rounds, epochs, batch_size):
    """Seconds of ``train`` with nothing asked and of as many bare ``training_epoch`` calls, in turns, on the same
    net and trainer settings from the same start; returns [(train, bare), ...], a pair per round."""
    from activation_functions import Rectifier, Softmax
    from cost_functions import CrossEntropyCost
    from data_source import PreloadSource, one_hot
    from gradient_descent import StochasticGradientDescent
    from neural_net import NetFactory
    source = PreloadSource((X, one_hot(y, 10)))
    pairs = []
    for round_index in range(rounds):
        seconds = {}
        order = ['train', 'bare'] if round_index % 2 == 0 else ['bare', 'train']
        for how in order:
            net = NetFactory.create_neural_net([X.shape[1], HIDDEN[0], 10], Rectifier, Softmax)
            net.randomize_parameters(seed=round_index)
            trainer = StochasticGradientDescent(net, CrossEntropyCost(net, ALPHA / batch_size), LEARNING_RATE,
                                                batch_size=batch_size, seed=round_index)
            started = time.perf_counter()
            if how == 'train':
                trainer.train(source, epochs)
            else:
                for _ in range(epochs):
                    trainer.training_epoch(source)
            seconds[how] = time.perf_counter() - started
        pairs.append((seconds['train'], seconds['bare']))
        print('  round {}: train {:.3f} s, bare training_epoch calls {:.3f} s, ratio {:.3f}'.format(
            round_index + 1, seconds['train'], seconds['bare'], seconds['train'] / seconds['bare']), flush=True)
    return pairs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=7, help='rounds of fits (default 7)')
    parser.add_argument('--epochs', type=int, default=EPOCHS, help='epochs of every fit (default {})'.format(EPOCHS))
    parser.add_argument('--batch-size', type=int, default=BATCH_SIZE,
                        help='mini-batch size of both (default {})'.format(BATCH_SIZE))
    parser.add_argument('--busy', action='store_true', help='every fit quiet and with one core kept busy')
    parser.add_argument('--busy-cpu', type=int, default=None, help='pin the busy process to this CPU')
    parser.add_argument('--threads', default=None, help='BLAS threads of both (default: every CPU)')
    parser.add_argument('--quick', action='store_true', help='one round of {} epochs: a smoke test'.format(
        QUICK_EPOCHS))
    arguments = parser.parse_args(argv)
    rounds, epochs = (1, QUICK_EPOCHS) if arguments.quick else (arguments.rounds, arguments.epochs)
    try:
        import sklearn
    except ImportError:
        print('scikit-learn: not installed, so nothing to compare (pip install ".[sklearn]")')
        return 0
    from threadpoolctl import threadpool_info

    import feedforward_sklearn  # noqa: F401  (imported here, so that no timed fit pays for it)
    print('NeuralNetClassifier against MLPClassifier: {} hidden ReLU units, SGD at {}, batches of {}, {} epochs, '
          'alpha {}; scikit-learn {}, NumPy {}; BLAS: {}'.format(
              HIDDEN[0], LEARNING_RATE, arguments.batch_size, epochs, ALPHA, sklearn.__version__, np.__version__,
              ', '.join('{} {} threads'.format(pool['internal_api'], pool['num_threads'])
                        for pool in threadpool_info() if pool['user_api'] == 'blas')))
    sets = data_sets()
    busy = None
    if arguments.busy:
        busy = BusyCore(arguments.busy_cpu)
        busy.pause()
        print('Busy core: process {} runs "while True: pass"'.format(busy.process.pid))
    try:
        times, scores = compare(sets, rounds, epochs, arguments.batch_size,
                                ('quiet', 'busy') if arguments.busy else ('quiet',), busy)
    finally:
        if busy is not None:
            busy.close()
    print_medians(times, scores, rounds)
    print()
    X, y = sets['digits']
    print('train with nothing asked against {} bare training_epoch calls (digits, {}-{}-10, batches of {}):'.format(
        epochs, X.shape[1], HIDDEN[0], arguments.batch_size))
    pairs = train_overhead(X, y, rounds, epochs, arguments.batch_size)
    ratios = [trained / bare for trained, bare in pairs]
    print('train / training_epoch: {:.3f} (rounds: {:.3f} to {:.3f})'.format(
        statistics.median(ratios), min(ratios), max(ratios)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
