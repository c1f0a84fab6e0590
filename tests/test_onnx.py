"""ONNX export: onnx's checker accepts every model, and onnxruntime (an independent implementation) computes
what ``net.feed`` computes, for every pair of hidden and output activations, in float32 and float64."""
import importlib
import itertools
import json
import sys

import numpy as np
import pytest

onnx = pytest.importorskip('onnx', reason='ONNX export needs onnx: pip install ".[onnx]"')
onnxruntime = pytest.importorskip('onnxruntime', reason='the export is checked with onnxruntime: pip install ".[onnx]"')

from activation_functions import ACTIVATIONS  # noqa: E402
from neural_net import NetFactory  # noqa: E402

#: Largest difference from net.feed allowed, relative to each output, or to the largest output when that is larger
#: (the two runtimes sum the products of a layer in different orders).
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}


def run(path, X):
    session = onnxruntime.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    return session.run(None, {'input': X})[0]


def random_net(hidden, output, dtype, sizes=(6, 9, 7, 4), seed=0):
    """A net whose every parameter is drawn at random, so that every layer matters (N(0, 1/fan-in) weights)."""
    net = NetFactory.create_neural_net(list(sizes), hidden, output, dtype=dtype)
    rng = np.random.default_rng(seed)
    for weights, biases in zip(net.weights(), net.biases()):
        weights[...] = rng.normal(scale=1.5 / np.sqrt(weights.shape[0]), size=weights.shape)
        biases[...] = rng.normal(scale=0.5, size=biases.shape)
    return net


@pytest.mark.parametrize('dtype', [np.float32, np.float64], ids=['float32', 'float64'])
@pytest.mark.parametrize('hidden, output', list(itertools.product(ACTIVATIONS.values(), repeat=2)),
                         ids=['{}-{}'.format(h, o) for h, o in itertools.product(ACTIVATIONS, repeat=2)])
def test_onnxruntime_computes_what_feed_computes(hidden, output, dtype, tmp_path):
    net = random_net(hidden, output, dtype)
    path = tmp_path / 'net.onnx'
    net.export_onnx(path)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    X = np.random.default_rng(1).normal(size=(37, 6)).astype(dtype)
    for rows in (X, X[:1]):  # the batch dimension is dynamic
        expected = net.feed(rows)
        got = run(path, rows)
        assert got.dtype == dtype and got.shape == expected.shape
        difference = np.abs(got - expected)
        allowed = TOLERANCE[dtype] * np.maximum(np.abs(expected), np.abs(expected).max())
        assert (difference <= allowed).all(), (difference / np.maximum(np.abs(expected), 1e-300)).max()


def test_the_graph_is_gemm_and_activation_operators_at_the_stated_opset(tmp_path):
    import feedforward_onnx
    net = random_net(ACTIVATIONS['Rectifier'], ACTIVATIONS['Softmax'], np.float32)
    net.export_onnx(tmp_path / 'net.onnx', metadata={'purpose': 'a test'})
    model = onnx.load(str(tmp_path / 'net.onnx'))
    assert [(o.domain, o.version) for o in model.opset_import] == [('', 13)] == [('', feedforward_onnx.OPSET)]
    assert [node.op_type for node in model.graph.node] == ['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm', 'Softmax']
    softmax = model.graph.node[-1]
    assert [(a.name, a.i) for a in softmax.attribute] == [('axis', 1)]
    assert all(not node.attribute for node in model.graph.node if node.op_type == 'Gemm')  # a W + b, as stored
    for value, width in ((model.graph.input[0], 6), (model.graph.output[0], 4)):
        dims = value.type.tensor_type.shape.dim
        assert value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
        assert dims[0].dim_param == 'N' and not dims[0].HasField('dim_value') and dims[1].dim_value == width
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    np.testing.assert_array_equal(weights['W2'], net.weights()[1])
    np.testing.assert_array_equal(weights['b3'], net.biases()[2])
    assert {p.key: p.value for p in model.metadata_props} == {'purpose': 'a test'}


def test_a_net_without_hidden_layers(tmp_path):
    net = random_net(ACTIVATIONS['Sigmoid'], ACTIVATIONS['Sigmoid'], np.float64, sizes=(3, 2))
    net.export_onnx(tmp_path / 'net.onnx')
    X = np.random.default_rng(2).normal(size=(5, 3))
    np.testing.assert_allclose(run(tmp_path / 'net.onnx', X), net.feed(X), rtol=1e-12)


def test_a_net_holding_nan_is_refused_and_the_file_there_stays(tmp_path):
    net = random_net(ACTIVATIONS['Tanh'], ACTIVATIONS['Identity'], np.float64)
    path = tmp_path / 'net.onnx'
    net.export_onnx(path)
    before = path.read_bytes()
    net.parameters()[3] = np.nan
    with pytest.raises(ValueError, match='cannot export a net with NaN or infinite parameters'):
        net.export_onnx(path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ['net.onnx']


def test_the_estimators_export_through_the_same_path(tmp_path):
    pytest.importorskip('sklearn', reason='the estimators need scikit-learn')
    from feedforward_sklearn import NeuralNetClassifier, NeuralNetRegressor
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 4))
    labels = np.array(['no', 'yes', 'maybe'])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]
    classifier = NeuralNetClassifier(hidden_layer_sizes=(5,), epochs=3, dtype='float32', random_state=0)
    classifier.fit(X, labels).export_onnx(tmp_path / 'classifier.onnx')
    X32 = X.astype(np.float32)
    np.testing.assert_allclose(run(tmp_path / 'classifier.onnx', X32), classifier.predict_proba(X), rtol=1e-5,
                               atol=1e-6)
    model = onnx.load(str(tmp_path / 'classifier.onnx'))
    classes = json.loads({p.key: p.value for p in model.metadata_props}['classes'])
    assert classes == classifier.classes_.tolist() == ['maybe', 'no', 'yes']
    regressor = NeuralNetRegressor(hidden_layer_sizes=(5,), epochs=3, random_state=0).fit(X, X[:, :2] ** 2)
    regressor.export_onnx(tmp_path / 'regressor.onnx')
    np.testing.assert_allclose(run(tmp_path / 'regressor.onnx', X), regressor.predict(X), rtol=1e-12)


def test_without_onnx_the_export_says_which_extra_to_install(monkeypatch, tmp_path):
    for name in [name for name in sys.modules if name == 'onnx' or name.startswith('onnx.')]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, 'feedforward_onnx', raising=False)
    net = random_net(ACTIVATIONS['Tanh'], ACTIVATIONS['Identity'], np.float64)
    with pytest.raises(ImportError, match=r'pip install "\.\[onnx\]" in a clone of this library, or pip install onnx'):
        net.export_onnx(tmp_path / 'net.onnx')
    with pytest.raises(ImportError, match=r'pip install "\.\[onnx\]" in a clone of this library, or pip install onnx'):
        importlib.import_module('feedforward_onnx')
    assert not (tmp_path / 'net.onnx').exists()


@pytest.mark.parametrize('dtype', [np.float32, np.float64], ids=['float32', 'float64'])
def test_activations_with_settings_and_of_ones_own_export_through_their_onnx_nodes(dtype, tmp_path):
    """A LeakyRectifier's slope reaches the graph; an activation of one's own exports once it has onnx_nodes, and
    without them the export says how to give it some. (tests/conftest.py restores the registry after each test.)"""
    from activation_functions import Activation, LeakyRectifier, register_activation

    class Softsign(Activation):
        name = 'Softsign'
        needs_z = True

        def activation(self, z, out=None):
            return np.divide(z, 1 + np.abs(z), out=out)

        def derivative(self, z, a):
            return 1 / (1 + np.abs(z)) ** 2

    class ExportableSoftsign(Softsign):
        name = 'ExportableSoftsign'

        def onnx_nodes(self, x, y, dtype):
            # z / (1 + |z|), from operators onnxruntime has in float64 too; the constant in the net's dtype.
            return [('Abs', [x], [y + '_abs'], {}), ('Constant', [], [y + '_one'], {'value': np.ones((), dtype)}),
                    ('Add', [y + '_abs', y + '_one'], [y + '_denominator'], {}),
                    ('Div', [x, y + '_denominator'], [y], {})]

    register_activation(Softsign)
    register_activation(ExportableSoftsign)
    for hidden in (LeakyRectifier(slope=0.3), ExportableSoftsign()):
        net = random_net(hidden, ACTIVATIONS['Identity'], dtype)
        path = tmp_path / 'net.onnx'
        net.export_onnx(path)
        X = np.random.default_rng(2).normal(size=(20, 6)).astype(dtype)
        expected = net.feed(X)
        difference = np.abs(run(path, X) - expected)
        assert (difference <= TOLERANCE[dtype] * np.maximum(np.abs(expected), np.abs(expected).max())).all()
    with pytest.raises(NotImplementedError, match='Softsign has no ONNX form'):
        random_net(Softsign(), ACTIVATIONS['Identity'], dtype).export_onnx(tmp_path / 'other.onnx')
    assert not (tmp_path / 'other.onnx').exists()
