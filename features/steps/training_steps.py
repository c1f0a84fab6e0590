import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from behave import then, when

from data_source import validation_split
from feedforward_checkpoint import save_checkpoint
from feedforward_schedules import ExponentialDecay, ReduceOnPlateau
from gradient_descent import Adam, GradientDescent, StochasticGradientDescent
from neural_net import NeuralNet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def trainer_for(context, method, rate, **options):
    """The trainer a method's words name: 'full-batch gradient descent', 'stochastic gradient descent' (mini-batches
    of 20) or 'Adam', each perhaps 'with momentum 0.9', 'with Nesterov momentum 0.9', 'with dropout 0.3'."""
    if not re.match(r'^(full-batch gradient descent|stochastic gradient descent|Adam)( with (Nesterov )?momentum '
                    r'[\d.]+| with dropout [\d.]+)*$', method):
        raise ValueError('no training method is named {!r}'.format(method))
    settings = dict(options)
    found = re.search(r'(Nesterov )?momentum ([\d.]+)', method)
    if found:
        settings.update(momentum=float(found.group(2)), nesterov=bool(found.group(1)))
    found = re.search(r'dropout ([\d.]+)', method)
    if found:
        settings['dropout'] = float(found.group(1))
    if method.startswith('Adam'):
        return Adam(context.net, context.cost, rate, batch_size=20, seed=3, **settings)
    if method.startswith('full-batch'):
        return GradientDescent(context.net, context.cost, rate, **settings)
    return StochasticGradientDescent(context.net, context.cost, rate, batch_size=20, seed=3, **settings)


@when('it is trained with {method} for {epochs:d} epochs, learning rate {rate:g}')
def step_train_method(context, method, epochs, rate):
    context.trainer = trainer_for(context, method, rate)
    context.history = context.trainer.train(context.src, epochs)


@when('it is trained with {method} for {epochs:d} epochs, learning rate {rate:g}, the rate times {factor:g} after '
      'each epoch')
def step_train_exponential(context, method, epochs, rate, factor):
    context.trainer = trainer_for(context, method, rate, schedule=ExponentialDecay(factor))
    context.history = context.trainer.train(context.src, epochs)


@then('the learning rates of the epochs were {first:g}, {second:g}, {third:g} and {fourth:g}')
def step_rates(context, first, second, third, fourth):
    np.testing.assert_allclose(context.history['learning_rate'], [first, second, third, fourth], rtol=1e-12)


@when('it is trained with {method} for {epochs:d} epochs, learning rate {rate:g}, reducing the rate on a plateau of '
      'the test cost')
def step_train_plateau(context, method, epochs, rate):
    context.trainer = trainer_for(context, method, rate, schedule=ReduceOnPlateau(factor=0.3, patience=2))
    context.history = context.trainer.train(context.src, epochs, evaluation_data=context.test)


@then('the learning rate fell at least once')
def step_fell(context):
    rates = context.history['learning_rate']
    assert min(rates) < rates[0], 'the rates were {}'.format(rates)


@when('it is trained with {method} for {epochs:d} epochs, learning rate {rate:g}, stopping early with a patience '
      'of {patience:d} on a validation fifth')
def step_train_early_stopping(context, method, epochs, rate, patience):
    context.training, context.validation = validation_split(context.src, 0.2, seed=0)
    context.trainer = trainer_for(context, method, rate)
    context.history = context.trainer.train(context.training, epochs, evaluation_data=context.validation,
                                            patience=patience)


@then('training stopped before {epochs:d} epochs')
def step_stopped(context, epochs):
    assert len(context.history) < epochs, 'it trained {} epochs'.format(len(context.history))


@then('the net gives the validation cost of its best epoch')
def step_best(context):
    costs = context.history['evaluation_cost']
    assert context.history.best_epoch == 1 + int(np.argmin(costs))
    assert context.cost.get_cost(context.validation) == min(costs) < costs[-1]


@then('the net gives the same outputs every time it is asked')
def step_same_outputs(context):
    X, _ = context.test.get_examples()
    first = context.net.feed(X)
    np.testing.assert_array_equal(context.net.feed(X), first)
    assert context.cost.get_cost(context.test) == context.cost.get_cost(context.test)


CHILD = '''
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from data_source import PreloadSource
from feedforward_checkpoint import load_checkpoint
data = np.load(sys.argv[2])
trainer = load_checkpoint(sys.argv[3])
trainer.train(PreloadSource((data['X'], data['Y'])), int(sys.argv[5]))
trainer.neural_net.save(sys.argv[4])
'''


@when('it is trained with {method} and dropout {rate_p:g} for {epochs:d} epochs, learning rate {rate:g}, the rate '
      'times {factor:g} after each epoch, and saved to a checkpoint')
def step_train_and_checkpoint(context, method, rate_p, epochs, rate, factor):
    context.folder = tempfile.TemporaryDirectory()
    start = context.net.parameters().copy()
    context.straight_parameters = None

    def make():
        context.net.parameters()[...] = start
        return trainer_for(context, method + ' with dropout {}'.format(rate_p), rate,
                           schedule=ExponentialDecay(factor))

    straight = make()
    straight.train(context.src, epochs + 3)
    context.straight_parameters = context.net.parameters().copy()
    first = make()
    first.train(context.src, epochs)
    save_checkpoint(os.path.join(context.folder.name, 'checkpoint.json'), first)


@when('another process resumes the checkpoint and trains {epochs:d} more epochs')
def step_resume_elsewhere(context, epochs):
    folder = context.folder.name
    X, Y = context.src.get_examples()
    np.savez(os.path.join(folder, 'data.npz'), X=X, Y=Y)
    done = subprocess.run([sys.executable, '-c', CHILD, ROOT, os.path.join(folder, 'data.npz'),
                           os.path.join(folder, 'checkpoint.json'), os.path.join(folder, 'resumed.json'), str(epochs)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    context.resumed = NeuralNet.create_from_file(os.path.join(folder, 'resumed.json'))


@then('its net is, bit for bit, the net of {epochs:d} epochs trained without a stop')
def step_bit_for_bit(context, epochs):
    np.testing.assert_array_equal(context.resumed.parameters(), context.straight_parameters)
