"""Activations and costs of one's own: the protocol, its registration, and every place they work.

The activations written here follow the public protocol alone; their values
are checked against plain formulas written in the tests, and their
gradients against central differences (``gradient_check``). What a test
registers is forgotten after it (``conftest.registries``).
"""
import json
import math

import numpy as np
import pytest

import activation_functions
import cost_functions
from activation_functions import (Activation, Identity, LeakyRectifier, Rectifier, Sigmoid, Softmax, Softplus, Swish,
                                  Tanh, register_activation)
from cost_functions import Cost, CrossEntropyCost, QuadraticCost, register_cost
from data_source import PreloadSource
from feedforward_checkpoint import load_checkpoint, save_checkpoint
from feedforward_diagnostics import layer_diagnostics
from feedforward_gradient_check import gradient_check
from gradient_descent import GradientDescent, StochasticGradientDescent
from neural_net import ModelFileError, NetFactory, NeuralNet


class Softsign(Activation):
    """f(z) = z / (1 + |z|); f'(z) = 1 / (1 + |z|)^2 = (1 - |a|)^2, from a alone."""
    name = 'Softsign'
    needs_z = False
    saturation_bounds = (-1.0, 1.0)

    def activation(self, z, out=None):
        return np.divide(z, 1.0 + np.abs(z), out=out)

    def derivative(self, z, a):
        return (1.0 - np.abs(a)) ** 2


class Gaussian(Activation):
    """f(z) = exp(-z^2 / (2 width^2)); f'(z) = -z a / width^2, from z and a. Not monotonic: bounded by 1."""
    name = 'Gaussian'

    def __init__(self, width=1.0):
        self.width = float(width)

    def settings(self):
        return {'width': self.width}

    def activation(self, z, out=None):
        out = np.square(z, out=out)
        out *= -0.5 / self.width ** 2
        return np.exp(out, out=out)

    def derivative(self, z, a):
        return -z * a / self.width ** 2

    def magnitude_bound(self, bound):
        return np.ones_like(bound)


def softsign(z):
    return z / (1 + abs(z))


def problem(hidden, output=Identity, sizes=(3, 5, 2), n=8, seed=0):
    rng = np.random.default_rng(seed)
    net = NetFactory.create_neural_net(list(sizes), hidden, output)
    net.parameters()[...] = rng.normal(0, 0.8, net.parameters().size)
    return net, rng.normal(size=(n, sizes[0])), rng.normal(size=(n, sizes[-1]))


# ----- an activation of one's own works everywhere -----------------------------------

def test_a_registered_activation_evaluates_as_its_formula_says_and_its_gradient_is_right():
    register_activation(Softsign)
    net, X, Y = problem(Softsign)
    W1, W2 = net.weights()
    b1, b2 = net.biases()
    output = softsign(X @ W1 + b1) @ W2 + b2
    np.testing.assert_allclose(net.feed(X), output, rtol=1e-12)
    expected = 0.5 * ((output - Y) ** 2).sum(axis=1).mean() + 0.5 * 0.1 * ((W1 ** 2).sum() + (W2 ** 2).sum())
    cost = QuadraticCost(net, l2_reg_term=0.1)
    assert cost.get_cost(PreloadSource((X, Y))) == pytest.approx(expected, rel=1e-12)
    assert gradient_check(cost, X, Y).passed


def test_a_registered_activation_trains_and_its_history_is_recorded():
    register_activation(Softsign)
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, (200, 1))
    source = PreloadSource((x, np.sin(x)))
    net = NetFactory.create_neural_net([1, 20, 1], Softsign, Identity)
    net.randomize_parameters(seed=2)
    before = QuadraticCost(net).get_cost(source)
    history = StochasticGradientDescent(net, QuadraticCost(net), 0.1, batch_size=20, seed=3).train(
        source, 40, diagnostics=True, measure_training=True)
    assert history['training_cost'][-1] < before / 10
    assert history.array('saturated').shape == (40, 2)


def test_the_net_keeps_z_only_for_the_activations_that_ask_for_it():
    """An activation with needs_z False is computed in place over z and gets z=None; one with needs_z gets the
    pre-activation itself, as worked out here from the weights."""
    calls = []

    class InPlace(Activation):
        name = 'InPlace'
        needs_z = False

        def activation(self, z, out=None):
            calls.append(('InPlace activation', out is z))
            return np.tanh(z, out=out)

        def derivative(self, z, a):
            calls.append(('InPlace derivative', z))
            return 1 - a * a

    class KeepsZ(Activation):
        name = 'KeepsZ'

        def activation(self, z, out=None):
            calls.append(('KeepsZ activation', out is z))
            return np.multiply(z, 1 / (1 + np.exp(-z)), out=out)

        def derivative(self, z, a):
            calls.append(('KeepsZ derivative', z.copy()))
            s = 1 / (1 + np.exp(-z))
            return s * (1 + z - a)

    register_activation(InPlace)
    register_activation(KeepsZ)
    rng = np.random.default_rng(2)
    net = NeuralNet([3, 4, 4, 2], [InPlace, KeepsZ, Identity])
    net.parameters()[...] = rng.normal(0, 0.7, net.parameters().size)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    calls.clear()
    cost = QuadraticCost(net)
    cost.gradient(X, Y)
    W1, W2, _ = net.weights()
    b1, b2, _ = net.biases()
    z2 = np.tanh(X @ W1 + b1) @ W2 + b2
    assert [c[0] for c in calls] == ['InPlace activation', 'KeepsZ activation', 'KeepsZ derivative',
                                     'InPlace derivative']
    assert calls[0][1] is True and calls[1][1] is False and calls[3][1] is None
    np.testing.assert_allclose(calls[2][1], z2, rtol=1e-12)
    assert gradient_check(cost, X, Y).passed


def test_an_activation_with_settings_is_saved_and_loaded_by_name(tmp_path):
    register_activation(Gaussian)
    register_activation(Softsign)
    net = NeuralNet([2, 3, 3, 1], [Gaussian(width=0.5), Softsign, Sigmoid], np.float32)
    net.randomize_parameters(seed=4)
    net.save(tmp_path / 'net.json')
    data = json.loads((tmp_path / 'net.json').read_text())
    assert data['activations'] == [{'name': 'Gaussian', 'settings': {'width': 0.5}}, 'Softsign', 'Sigmoid']
    again = NeuralNet.create_from_file(tmp_path / 'net.json')
    assert again.activations() == [Gaussian(width=0.5), Softsign(), Sigmoid]
    X = np.random.default_rng(5).normal(size=(4, 2))
    np.testing.assert_array_equal(again.feed(X), net.feed(X))
    assert 'Gaussian(width=0.5)' in repr(again)


def test_a_model_file_naming_an_activation_not_registered_is_refused_saying_how_to_register(tmp_path):
    register_activation(Softsign)
    net = NetFactory.create_neural_net([2, 3, 1], Softsign, Identity)
    net.save(tmp_path / 'net.json')
    text = (tmp_path / 'net.json').read_text().replace('"Softsign"', '"Softsign2"')
    (tmp_path / 'net.json').write_text(text)
    with pytest.raises(ModelFileError, match=r'unknown activation \'Softsign2\'.*register_activation\(YourClass\)'):
        NeuralNet.create_from_file(tmp_path / 'net.json')


def test_a_class_not_registered_is_refused_before_a_net_is_built():
    with pytest.raises(TypeError, match=r'register_activation\(Softsign\)'):
        NetFactory.create_neural_net([2, 3, 1], Softsign, Identity)
    with pytest.raises(TypeError, match=r'register_activation\(Softsign\)'):
        NeuralNet([2, 1], [Softsign()])


def test_the_diagnostics_count_what_an_activation_declares():
    class Relu(Activation):
        name = 'MyRelu'
        needs_z = False
        dead_output = 0.0

        def activation(self, z, out=None):
            return np.maximum(z, 0, out=out)

        def derivative(self, z, a):
            return (a > 0).astype(a.dtype)

    register_activation(Softsign)
    register_activation(Relu)
    X = np.linspace(-1, 1, 20).reshape(10, 2)
    Y = np.zeros((10, 1))
    net = NeuralNet([2, 4, 3, 1], [Softsign, Relu, Identity])
    net.weights()[0][...] = [[300.0, 0.1, -200.0, 1.0], [0.0, 0.0, 0.0, 1.0]]
    net.weights()[1][...] = 1.0
    net.biases()[1][...] = [0.0, -1e6, 0.0]      # the second unit of layer 2 never switches on: dead
    result = layer_diagnostics(QuadraticCost(net), X, Y)
    a1 = softsign(X @ net.weights()[0] + net.biases()[0])
    assert result['saturated'][0] == pytest.approx(np.mean(np.abs(a1) > 0.99))
    assert 0 < result['saturated'][0] < 1
    assert result['dead'][1] == pytest.approx(1 / 3)
    assert math.isnan(result['dead'][0]) and math.isnan(result['saturated'][1]) and math.isnan(result['dead'][2])


@pytest.mark.parametrize('activation', [LeakyRectifier(), Softplus(), Swish()], ids=repr)
def test_the_newer_activations_neither_saturate_nor_die(activation):
    net, X, Y = problem(activation)
    result = layer_diagnostics(QuadraticCost(net), X, Y)
    assert math.isnan(result['saturated'][0]) and math.isnan(result['dead'][0])


# ----- initialization --------------------------------------------------------------

@pytest.mark.parametrize('activation, gain', [(LeakyRectifier(slope=0.5), 2 / 1.25), (Softplus, 1.0855),
                                              (Swish, 2.8108)], ids=str)
def test_the_newer_activations_start_with_their_gain_and_zero_biases(activation, gain):
    net = NetFactory.create_neural_net([400, 300, 300, 10], activation, activation)
    net.randomize_parameters(0)
    w1, w2, w3 = net.weights()
    assert np.std(w1) == pytest.approx(math.sqrt(gain / 400), rel=0.02)
    assert np.std(w2) == pytest.approx(math.sqrt(gain / 300), rel=0.02)
    assert not w3.any() and not any(b.any() for b in net.biases())


def test_the_original_activations_start_exactly_as_before():
    """The draws of version 0.2, written out: N(0, g / n_in) weights, Sigmoid biases U(-4, 4), Tanh U(-2, 2),
    Rectifier biases 0.1, the output layer at zero weights."""
    for hidden, gain, biases in ((Sigmoid, 1.0, 4.0), (Tanh, 1.0, 2.0), (Rectifier, 2.0, 0.1), (Identity, 1.0, 0.0)):
        net = NetFactory.create_neural_net([5, 4, 3, 2], hidden, Rectifier)
        net.randomize_parameters(11)
        rng = np.random.default_rng(11)
        for l, n_in in ((0, 5), (1, 4)):
            np.testing.assert_array_equal(net.weights()[l], rng.standard_normal(net.weights()[l].shape)
                                          * math.sqrt(gain / n_in))
            expected = rng.uniform(-biases, biases, net.biases()[l].shape) if hidden in (Sigmoid, Tanh) else biases
            np.testing.assert_array_equal(net.biases()[l], expected)
        assert not net.weights()[2].any() and (net.biases()[2] == 0.1).all()


def test_an_activation_s_own_initialization_is_used():
    class Spread(Softsign):
        name = 'Spread'
        weight_gain = 3.0
        bias_spread = 0.5
        initial_bias = 0.25

    register_activation(Spread)
    net = NetFactory.create_neural_net([400, 300, 10], Spread, Spread)
    net.randomize_parameters(1)
    assert np.std(net.weights()[0]) == pytest.approx(math.sqrt(3.0 / 400), rel=0.02)
    assert np.abs(net.biases()[0]).max() < 0.5 and np.std(net.biases()[0]) == pytest.approx(0.5 / math.sqrt(3),
                                                                                              rel=0.15)
    assert not net.weights()[1].any() and (net.biases()[1] == 0.25).all()


# ----- registration refuses what would fail later ------------------------------------

def protocol_breakers():
    class NoName(Softsign):
        name = None

    class TakesSigmoid(Softsign):
        name = 'Sigmoid'

    class NeedsArgument(Softsign):
        name = 'NeedsArgument'

        def __init__(self, scale):
            self.scale = scale

    class IgnoresOut(Softsign):
        name = 'IgnoresOut'

        def activation(self, z, out=None):
            return z / (1 + np.abs(z))

    class NotInPlace(Softsign):
        name = 'NotInPlace'

        def activation(self, z, out=None):
            out = np.multiply(z, 0.5, out=out)
            out += 0.5 * np.abs(z)      # z is out when computed in place: it changed on the line above
            return out

    class WrongShape(Softsign):
        name = 'WrongShape'

        def derivative(self, z, a):
            return (1 - np.abs(a[:, :1])) ** 2

    class NeedsZButReadsNone(Softsign):
        name = 'NeedsZButReadsNone'

        def derivative(self, z, a):
            return 1 / (1 + np.abs(z)) ** 2

    class BadGain(Softsign):
        name = 'BadGain'
        weight_gain = -1

    class BadSettings(Softsign):
        name = 'BadSettings'

        def settings(self):
            return {'scale': 'large'}

    return [
        (Softsign(), TypeError, 'subclass of activation_functions.Activation'),
        (np.tanh, TypeError, 'subclass of activation_functions.Activation'),
        (Activation, TypeError, 'subclass'),
        (NoName, ValueError, 'Python identifier'),
        (TakesSigmoid, ValueError, "'Sigmoid' is the name of one of the library's activations"),
        (NeedsArgument, TypeError, 'callable with no arguments'),
        (IgnoresOut, ValueError, 'must write f\\(z\\) into out'),
        (NotInPlace, ValueError, 'in place over z'),
        (WrongShape, ValueError, "derivative\\(z, a\\) must return f'\\(z\\) of z's shape"),
        (NeedsZButReadsNone, ValueError, 'derivative\\(z, a\\) failed on a small batch: TypeError'),
        (BadGain, ValueError, 'weight_gain is not valid'),
        (BadSettings, TypeError, 'settings\\(\\) must return a dictionary from names to finite numbers'),
    ]


@pytest.mark.parametrize('cls, error, message', protocol_breakers(), ids=lambda v: getattr(v, '__name__', None))
def test_registration_refuses_a_class_that_breaks_the_protocol_saying_why(cls, error, message):
    before = dict(activation_functions.ACTIVATIONS)
    with pytest.raises(error, match=message):
        register_activation(cls)
    assert dict(activation_functions.ACTIVATIONS) == before


def test_a_name_is_taken_again_only_on_purpose():
    register_activation(Softsign)

    class Softsign2(Softsign):
        name = 'Softsign'

    with pytest.raises(ValueError, match="already registered for .*Softsign: choose another name, or pass replace"):
        register_activation(Softsign2)
    assert activation_functions.ACTIVATIONS['Softsign'] is Softsign
    assert register_activation(Softsign2, replace=True) is Softsign2
    assert activation_functions.ACTIVATIONS['Softsign'] is Softsign2
    assert register_activation(Softsign2) is Softsign2          # the same class again: nothing to refuse


#: A notebook cell that defines an activation and a cost and registers them: run twice, it defines new classes of
#: the same module and qualified names.
CELL = """
import numpy as np
from activation_functions import Activation, register_activation
from cost_functions import Cost, register_cost


@register_activation
class Cube(Activation):
    name = 'Cube'

    def activation(self, z, out=None):
        return np.power(z, 3, out=out)

    def derivative(self, z, a):
        return 3 * z * z


@register_cost
class AbsoluteError(Cost):
    def loss(self, z_out, a_out, Y):
        return np.abs(a_out - Y).sum(axis=1)

    def output_delta(self, z_out, a_out, Y, out):
        np.sign(np.subtract(a_out, Y, out=out), out=out)
        return self.through_output_activation(out, z_out, a_out, out)
"""


def run_cell():
    namespace = {'__name__': '__main__'}
    exec(compile(CELL, '<cell>', 'exec'), namespace)
    return namespace


def test_a_cell_that_registers_an_activation_and_a_cost_may_run_again():
    first, second = run_cell(), run_cell()
    assert first['Cube'] is not second['Cube'] and first['AbsoluteError'] is not second['AbsoluteError']
    assert activation_functions.ACTIVATIONS['Cube'] is second['Cube']
    assert cost_functions.COSTS['AbsoluteError'] is second['AbsoluteError']
    net, X, Y = problem(second['Cube'])
    assert gradient_check(second['AbsoluteError'](net), X, Y).passed


def test_another_class_under_a_name_taken_by_a_cell_is_still_refused():
    run_cell()

    class Cube(Activation):         # the same name, but another qualified name (it is local to this test)
        name = 'Cube'
        activation = Softsign.activation
        derivative = Softsign.derivative

    class AbsoluteError(MeanAbsoluteError):
        pass

    with pytest.raises(ValueError, match=r"'Cube' is already registered for __main__\.Cube: choose another name"):
        register_activation(Cube)
    with pytest.raises(ValueError, match=r"'AbsoluteError' is already registered for __main__\.AbsoluteError"):
        register_cost(AbsoluteError)


def test_the_same_class_check_is_the_module_and_the_qualified_name():
    from feedforward_checks import is_same_class
    first, second = run_cell(), run_cell()
    assert is_same_class(first['Cube'], second['Cube']) and is_same_class(Softsign, Softsign)
    assert not is_same_class(first['Cube'], first['AbsoluteError']) and not is_same_class(Softsign, Gaussian)
    assert not is_same_class(Softsign, Softsign())


# ----- ONNX forms ----------------------------------------------------------------------

@pytest.mark.parametrize('activation', [Sigmoid, Rectifier, Softmax, Tanh, Identity, LeakyRectifier(slope=0.2),
                                        Softplus(), Swish()], ids=repr)
def test_every_library_activation_has_an_onnx_form(activation):
    for dtype in (np.float32, np.float64):
        nodes = activation.onnx_nodes('z1', 'a1', np.dtype(dtype))
        assert nodes and all(len(node) == 4 and isinstance(node[0], str) and isinstance(node[3], dict)
                             for node in nodes)
        assert 'z1' in [name for node in nodes for name in node[1]] and nodes[-1][2] == ['a1']


def test_an_activation_without_an_onnx_form_says_how_to_give_it_one():
    with pytest.raises(NotImplementedError, match='Softsign has no ONNX form: give its class a method onnx_nodes'):
        Softsign().onnx_nodes('z1', 'a1', np.dtype(np.float64))


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_the_onnx_forms_compute_what_the_activations_compute(dtype):
    onnx = pytest.importorskip('onnx', reason='onnx is not installed (pip install onnx onnxruntime)')
    onnxruntime = pytest.importorskip('onnxruntime', reason='onnxruntime is not installed')
    from onnx import TensorProto, helper, numpy_helper
    z = np.linspace(-6, 6, 24).reshape(4, 6).astype(dtype)
    z[0, :2] = -40, 40
    element = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    for activation in (Sigmoid, Rectifier, Softmax, Tanh, Identity, LeakyRectifier(slope=0.2), Softplus(), Swish()):
        # As an exporter does: NumPy arrays among the attributes become tensors.
        nodes = [helper.make_node(op, inputs, outputs, **{key: numpy_helper.from_array(value) if isinstance(
                     value, np.ndarray) else value for key, value in attributes.items()})
                 for op, inputs, outputs, attributes in activation.onnx_nodes('z', 'a', np.dtype(dtype))]
        graph = helper.make_graph(nodes, 'activation', [helper.make_tensor_value_info('z', element, [None, 6])],
                                  [helper.make_tensor_value_info('a', element, [None, 6])])
        opsets = [helper.make_opsetid('', 17)]
        # The lowest IR version of that opset: a newer onnx package writes a newer one than onnxruntime may read.
        model = helper.make_model(graph, opset_imports=opsets, ir_version=helper.find_min_ir_version_for(opsets))
        onnx.checker.check_model(model, full_check=True)
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])
        rtol, atol = (1e-5, 1e-7) if dtype == np.float32 else (1e-12, 1e-15)
        np.testing.assert_allclose(session.run(None, {'z': z})[0], activation.activation(z), rtol=rtol, atol=atol,
                                   err_msg=repr(activation))


# ----- a cost of one's own -----------------------------------------------------------------

class MeanAbsoluteError(Cost):
    """loss = sum_k |a_k - y_k|; dloss/da = sign(a - y), carried through the output activation."""

    def loss(self, z_out, a_out, Y):
        return np.abs(a_out - Y).sum(axis=1)

    def output_delta(self, z_out, a_out, Y, out):
        np.subtract(a_out, Y, out=out)
        np.sign(out, out=out)
        return self.through_output_activation(out, z_out, a_out, out)


@pytest.mark.parametrize('output', [Identity, Sigmoid, Swish, LeakyRectifier(slope=0.3)], ids=str)
def test_a_cost_of_one_s_own_evaluates_as_its_formula_says_and_its_gradient_is_right(output):
    net, X, Y = problem(Tanh, output, seed=3)
    cost = MeanAbsoluteError(net, l2_reg_term=0.05)
    W1, W2 = net.weights()
    a = net.feed(X)
    expected = np.abs(a - Y).sum(axis=1).mean() + 0.5 * 0.05 * ((W1 ** 2).sum() + (W2 ** 2).sum())
    assert cost.get_cost(PreloadSource((X, Y))) == pytest.approx(expected, rel=1e-12)
    result = gradient_check(cost, X, Y)
    assert result.passed, str(result)


def test_a_registered_cost_and_activation_train_and_resume_from_a_checkpoint_exactly(tmp_path):
    register_activation(Gaussian)
    register_cost(MeanAbsoluteError)
    rng = np.random.default_rng(6)
    x = rng.uniform(-2, 2, (120, 1))
    source = PreloadSource((x, np.abs(x)))

    def trainer():
        net = NeuralNet([1, 12, 1], [Gaussian(width=0.7), Identity])
        net.randomize_parameters(seed=7)
        return StochasticGradientDescent(net, MeanAbsoluteError(net, l2_reg_term=1e-4), 0.05, batch_size=12, seed=8)

    straight = trainer()
    history = straight.train(source, 6, measure_training=True)
    assert history['training_cost'][-1] < history['training_cost'][0]
    first = trainer()
    first.train(source, 2, measure_training=True)
    save_checkpoint(tmp_path / 'run.json', first)
    resumed = load_checkpoint(tmp_path / 'run.json')
    assert type(resumed.cost_function) is MeanAbsoluteError
    assert resumed.neural_net.activations()[0] == Gaussian(width=0.7)
    resumed.train(source, 4, measure_training=True)
    np.testing.assert_array_equal(resumed.neural_net.parameters(), straight.neural_net.parameters())
    assert resumed.history['training_cost'] == history['training_cost']


def test_a_cost_not_registered_is_refused_by_checkpoints_saying_how_to_register(tmp_path):
    net = NetFactory.create_neural_net([1, 2, 1], Tanh, Identity)
    net.randomize_parameters(0)
    trainer = GradientDescent(net, MeanAbsoluteError(net), 0.1)
    trainer.train(PreloadSource((np.ones((3, 1)), np.ones((3, 1)))), 2)   # trains without registration
    with pytest.raises(TypeError, match=r'register_cost\(MeanAbsoluteError\)'):
        save_checkpoint(tmp_path / 'run.json', trainer)
    register_cost(MeanAbsoluteError)
    save_checkpoint(tmp_path / 'run.json', trainer)
    text = (tmp_path / 'run.json').read_text().replace('"MeanAbsoluteError"', '"MeanSquaredLogError"')
    (tmp_path / 'run.json').write_text(text)
    with pytest.raises(ModelFileError, match=r'MeanSquaredLogError.*register_cost\(YourCost\)'):
        load_checkpoint(tmp_path / 'run.json')


def test_cost_registration_refuses_what_it_cannot_hold():
    class NoDelta(Cost):
        def loss(self, z_out, a_out, Y):
            return np.zeros(len(Y))

    class QuadraticCost(Cost):      # noqa: F811 - a class of the library's name
        loss = MeanAbsoluteError.loss
        output_delta = MeanAbsoluteError.output_delta

    with pytest.raises(TypeError, match='subclass of cost_functions.Cost'):
        register_cost(MeanAbsoluteError(NetFactory.create_neural_net([1, 1])))
    with pytest.raises(TypeError, match='must define output_delta'):
        register_cost(NoDelta)
    with pytest.raises(ValueError, match="'QuadraticCost' is the name of one of the library's costs"):
        register_cost(QuadraticCost)
    assert sorted(cost_functions.COSTS) == ['CrossEntropyCost', 'QuadraticCost']
    assert register_cost(CrossEntropyCost) is CrossEntropyCost


def test_resume_into_tells_activations_apart_by_their_settings(tmp_path):
    from feedforward_checkpoint import resume_into
    source = PreloadSource((np.ones((4, 2)), np.zeros((4, 1))))

    def trainer(slope):
        net = NetFactory.create_neural_net([2, 3, 1], LeakyRectifier(slope=slope), Identity)
        net.randomize_parameters(seed=0)
        return GradientDescent(net, QuadraticCost(net), 0.1)

    saved = trainer(0.1)
    saved.train(source, 1)
    save_checkpoint(tmp_path / 'run.json', saved)
    other = trainer(0.2)
    kept = other.neural_net.parameters().copy()
    with pytest.raises(ValueError, match=r"LeakyRectifier\(slope=0.1\).*LeakyRectifier\(slope=0.2\)"):
        resume_into(tmp_path / 'run.json', other)
    np.testing.assert_array_equal(other.neural_net.parameters(), kept)
    same = resume_into(tmp_path / 'run.json', trainer(0.1))
    np.testing.assert_array_equal(same.neural_net.parameters(), saved.neural_net.parameters())
