import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
from behave import given, then, when

from activation_functions import ACTIVATIONS
from cost_functions import CrossEntropyCost, QuadraticCost
from data_source import PreloadSource
from gradient_descent import StochasticGradientDescent
from neural_net import NetFactory, NeuralNet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COSTS = {'quadratic': QuadraticCost, 'cross-entropy': CrossEntropyCost}


def reference_path():
    sys.path.insert(0, os.path.join(ROOT, 'tests'))
    import reference
    return reference


@given('{n:d} examples of y = sin(x)^2 for x in [0, 3]')
def step_sine_examples(context, n):
    x = np.linspace(0, 3, n).reshape(-1, 1)
    context.src = PreloadSource((x, np.sin(x) ** 2))


@given('a net of sizes {sizes} with {hidden} hidden units and a {output} output')
def step_net(context, sizes, hidden, output):
    sizes = [int(s) for s in sizes.split(',')]
    context.net = NetFactory.create_neural_net(sizes, ACTIVATIONS[hidden], ACTIVATIONS[output])
    context.net.randomize_parameters(seed=1)


@given('the {cost} cost')
def step_cost(context, cost):
    context.cost = COSTS[cost](context.net)


@given('the {cost} cost with an L2 term of {l2:g}')
def step_cost_l2(context, cost, l2):
    context.cost = COSTS[cost](context.net, l2_reg_term=l2)


@when('it is trained with stochastic gradient descent for {epochs:d} epochs, batches of {batch:d}, '
      'learning rate {rate:g}')
def step_train_sgd(context, epochs, batch, rate):
    context.initial_cost = context.cost.get_cost(context.src)
    context.sgd = StochasticGradientDescent(context.net, context.cost, rate, batch_size=batch, seed=2)
    context.sgd.train(context.src, epochs)


@then('the mean absolute error of its fit is below {limit:g}')
def step_fit_error(context, limit):
    X, Y = context.src.get_examples()
    error = np.abs(context.net.feed(X) - Y).mean()
    assert error < limit, 'mean absolute error {:.4f}, expected below {}'.format(error, limit)


@then('the cost fell to less than a tenth of the way from the lowest possible to where it started')
def step_cost_fell(context):
    # The lowest possible cost is 0 for the quadratic cost; for cross-entropy with targets
    # between 0 and 1 it is the entropy of the targets, reached when a = y.
    _, Y = context.src.get_examples()
    lowest = 0.0
    if isinstance(context.cost, CrossEntropyCost):
        inner = Y[(Y > 0) & (Y < 1)]
        lowest = -(inner * np.log(inner) + (1 - inner) * np.log(1 - inner)).sum() / len(Y)
    final = context.cost.get_cost(context.src)
    assert final - lowest < (context.initial_cost - lowest) / 10, \
        'cost went from {} to {}; the lowest possible is {}'.format(context.initial_cost, final, lowest)


@given('random parameters and {n:d} random examples')
def step_random_problem(context, n):
    rng = np.random.default_rng(4)
    net = context.net
    net.parameters()[...] = rng.normal(0, 0.7, net.parameters().size)
    sizes = net.layer_sizes()
    context.X = rng.normal(size=(n, sizes[0]))
    output = net.activations()[-1].name
    if output == 'Softmax':
        context.Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    elif output == 'Sigmoid':
        context.Y = rng.uniform(0, 1, (n, sizes[-1]))
    else:
        context.Y = rng.normal(size=(n, sizes[-1]))


@when('the gradient is computed by back-propagation and by central differences')
def step_gradients(context):
    reference = reference_path()
    net, X, Y = context.net, context.X, context.Y
    names = [reference.spec(f) for f in net.activations()]
    cost_name, l2 = type(context.cost).__name__, context.cost.l2_reg_term

    def independent_cost():
        # The cost as the independent plain implementation of tests/reference.py computes it.
        return reference.cost(cost_name, net.weights(), net.biases(), names, X, Y, l2)

    context.numerical = reference.numerical_gradient(independent_cost, net.parameters())
    context.analytic = context.cost.gradient(X, Y).copy()


@then('they agree to a relative error below {limit:g}')
def step_agree(context, limit):
    reference = reference_path()
    error = reference.relative_error(context.analytic, context.numerical)
    assert error < limit, 'relative error {:.3g}'.format(error)


@given('{n_train:d} training and {n_test:d} test sequences of 10 numbers from three distributions')
def step_distributions(context, n_train, n_test):
    rng = np.random.default_rng(7)

    def draw(n):
        # N(0, 1), N(1.5, 1) and N(0, 3^2): they differ in mean or in spread, which the net must estimate
        # from the ten numbers in any order.
        labels = rng.integers(0, 3, n)
        candidates = [rng.normal(0, 1, (n, 10)), rng.normal(1.5, 1, (n, 10)), rng.normal(0, 3, (n, 10))]
        X = np.choose(labels[:, None], candidates)
        return PreloadSource((X, np.eye(3)[labels]))

    context.src, context.test = draw(n_train), draw(n_test)


@then('it classifies at least {percent:d}% of the test sequences correctly')
def step_accuracy(context, percent):
    X, Y = context.test.get_examples()
    accuracy = (context.net.feed(X).argmax(axis=1) == Y.argmax(axis=1)).mean() * 100
    assert accuracy >= percent, 'accuracy {:.1f}%'.format(accuracy)


@when('the net is saved to a file and restored from it')
def step_save_restore(context):
    context.folder = tempfile.TemporaryDirectory()
    path = os.path.join(context.folder.name, 'net.json')
    context.net.save(path)
    context.restored = NeuralNet.create_from_file(path)
    context.saved_cost = context.cost.get_cost(context.src)


@then('the restored net gives the same outputs as the original')
def step_same_outputs(context):
    X, _ = context.src.get_examples()
    np.testing.assert_array_equal(context.restored.feed(X), context.net.feed(X))


@when('the restored net is trained for {epochs:d} more epochs')
def step_continue(context, epochs):
    context.cost = QuadraticCost(context.restored)
    StochasticGradientDescent(context.restored, context.cost, 2.0, batch_size=10, seed=5).train(context.src, epochs)


@then('its cost is lower than when it was saved')
def step_lower(context):
    final = context.cost.get_cost(context.src)
    assert final < context.saved_cost, 'cost {} after, {} when saved'.format(final, context.saved_cost)


def readme_example():
    """The Python blocks of the README's "Simple usage" section, joined as one script."""
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as stream:
        readme = stream.read()
    section = readme.split('## Simple usage', 1)[1].split('\n## ', 1)[0]
    return '\n'.join(re.findall(r'```python\n(.*?)```', section, flags=re.S))


@when("the README's usage example is run")
def step_run_readme(context):
    script = readme_example()
    assert 'net.randomize_parameters()' in script and 'gd.training_epoch' in script
    started = time.perf_counter()
    result = subprocess.run([sys.executable, '-c', script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    context.seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    context.readme_output = result.stdout


@then('its final cost is below {limit:g}')
def step_final_cost(context, limit):
    losses = re.findall(r'Loss is (\S+)', context.readme_output)
    assert len(losses) == 5000, 'expected 5000 epochs, saw {}'.format(len(losses))
    assert float(losses[-1]) < limit, 'final cost {}'.format(losses[-1])


@then('it took less than {limit:g} seconds')
def step_took(context, limit):
    assert context.seconds < limit, 'took {:.2f} s'.format(context.seconds)
