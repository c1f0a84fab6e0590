import copy
import json
import os
import pickle
import stat

import numpy as np
import pytest

import reference
from activation_functions import Identity, Rectifier, Sigmoid, Softmax, Tanh
from cost_functions import CrossEntropyCost
from data_source import PreloadSource
from gradient_descent import StochasticGradientDescent
from neural_net import ModelFileError, NetFactory, NeuralNet


def make_net(sizes=(3, 5, 4, 2), hidden=Rectifier, output=Softmax, seed=0, dtype=np.float64):
    net = NetFactory.create_neural_net(list(sizes), hidden, output, dtype=dtype)
    net.randomize_parameters(seed)
    return net


def test_structure():
    net = make_net()
    assert net.layer_sizes() == [3, 5, 4, 2]
    assert [w.shape for w in net.weights()] == [(3, 5), (5, 4), (4, 2)]
    assert [b.shape for b in net.biases()] == [(5,), (4,), (2,)]
    assert [layer.activation for layer in net.layers()] == [Rectifier, Rectifier, Softmax]
    assert net.parameters().size == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2


def test_default_activations_are_sigmoid():
    net = NetFactory.create_neural_net([2, 3, 1])
    assert net.activations() == [Sigmoid, Sigmoid]


def test_feed_shapes_and_values():
    net = make_net()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 3))
    expected = reference.forward(net.weights(), net.biases(), ['Rectifier', 'Rectifier', 'Softmax'], X)
    np.testing.assert_allclose(net.feed(X), expected, rtol=1e-12)
    single = net.feed(X[2])
    assert single.shape == (2,)
    np.testing.assert_allclose(single, expected[2], rtol=1e-12)
    assert net.feed(list(X[0])).shape == (2,)


def test_feed_of_a_large_batch_goes_in_chunks_with_the_same_result():
    net = make_net(sizes=(3, 4, 2), hidden=Tanh, output=Identity)
    X = np.random.default_rng(2).normal(size=(10000, 3))
    expected = reference.forward(net.weights(), net.biases(), ['Tanh', 'Identity'], X)
    np.testing.assert_allclose(net.feed(X), expected, rtol=1e-12)


def test_randomize_is_repeatable_with_a_seed():
    a, b, c = make_net(seed=7), make_net(seed=7), make_net(seed=8)
    np.testing.assert_array_equal(a.parameters(), b.parameters())
    assert not np.array_equal(a.parameters(), c.parameters())
    generator = np.random.default_rng(7)
    d = NetFactory.create_neural_net([3, 5, 4, 2], Rectifier, Softmax)
    d.randomize_parameters(generator)
    np.testing.assert_array_equal(a.parameters(), d.parameters())


def test_randomize_scales_weights_by_fan_in():
    net = NetFactory.create_neural_net([400, 300, 300, 10], Rectifier, Softmax)
    net.randomize_parameters(0)
    w1, w2, w3 = net.weights()
    assert np.std(w1) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert np.std(w2) == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    assert not w3.any()


@pytest.mark.parametrize('activation, gain, bias_range', [
    (Sigmoid, 1.0, 4.0), (Tanh, 1.0, 2.0), (Rectifier, 2.0, None), (Identity, 1.0, None)])
def test_the_initial_spread_of_every_activation(activation, gain, bias_range):
    # Hidden weights N(0, gain / n_in); Sigmoid and Tanh biases uniform over (-r, r), Rectifier 0.1, others 0;
    # the output layer of a net with hidden layers starts at zero weights.
    net = NetFactory.create_neural_net([500, 400, 300, 3], activation, Softmax)
    net.randomize_parameters(1)
    for W, b, n_in in zip(net.weights()[:2], net.biases()[:2], (500, 400)):
        assert np.std(W) == pytest.approx(np.sqrt(gain / n_in), rel=0.02)
        assert abs(np.mean(W)) < 0.05 * np.sqrt(gain / n_in)
        if bias_range is None:
            np.testing.assert_array_equal(b, 0.1 if activation is Rectifier else 0.0)
        else:
            assert -bias_range <= b.min() < -0.9 * bias_range and 0.9 * bias_range < b.max() <= bias_range
            assert np.std(b) == pytest.approx(bias_range / np.sqrt(3), rel=0.1)  # the spread of U(-r, r)
    assert not net.weights()[2].any() and not net.biases()[2].any()


def test_weights_and_biases_are_live():
    net = make_net()
    net.weights()[0][0, 0] = 42.0
    net.biases()[1][:] = 3.0
    assert net.layers()[0].weights[0, 0] == 42.0
    assert net.parameters()[0] == 42.0
    np.testing.assert_array_equal(net.layers()[1].biases, 3.0)
    weights = net.weights()
    X = np.random.default_rng(0).normal(size=(20, 3))
    Y = np.eye(2)[np.arange(20) % 2]
    before = weights[0].copy()
    StochasticGradientDescent(net, CrossEntropyCost(net), 0.1, batch_size=5, seed=0).training_epoch(
        PreloadSource((X, Y)))
    assert not np.array_equal(before, weights[0])


def test_float32_nets_compute_in_float32():
    net = make_net(dtype=np.float32)
    assert net.parameters().dtype == np.float32
    assert net.feed(np.ones(3)).dtype == np.float32


@pytest.mark.parametrize('hidden,output', [(Sigmoid, Sigmoid), (Rectifier, Softmax), (Tanh, Identity)])
@pytest.mark.parametrize('dtype', [np.float64, np.float32])
def test_save_and_restore_round_trip_is_exact(tmp_path, hidden, output, dtype):
    net = make_net(hidden=hidden, output=output, dtype=dtype)
    net.parameters()[...] = np.random.default_rng(3).normal(size=net.parameters().size)
    path = tmp_path / 'net.json'
    net.save(path)
    restored = NeuralNet.create_from_file(path)
    assert restored.layer_sizes() == net.layer_sizes()
    assert restored.activations() == net.activations()
    assert restored.dtype == net.dtype
    np.testing.assert_array_equal(restored.parameters(), net.parameters())
    assert json.loads(path.read_text())['format'] == 'feedforward-neural-net'


def test_training_continues_on_a_restored_net(tmp_path):
    X = np.random.default_rng(0).normal(size=(40, 3))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    src = PreloadSource((X, Y))
    net = make_net()
    net.save(tmp_path / 'a.json')
    restored = NeuralNet.create_from_file(tmp_path / 'a.json')
    for n in (net, restored):
        StochasticGradientDescent(n, CrossEntropyCost(n), 0.1, batch_size=8, seed=1).train(src, 3)
    np.testing.assert_array_equal(net.parameters(), restored.parameters())


@pytest.mark.parametrize('copy_of', [lambda net: pickle.loads(pickle.dumps(net)), copy.deepcopy],
                         ids=['pickle', 'deepcopy'])
def test_a_pickled_or_deep_copied_net_is_whole_and_trains_as_the_original(copy_of):
    """Its weights and biases are views into its own parameters again, so training changes what it feeds with."""
    X = np.random.default_rng(0).normal(size=(40, 3))
    src = PreloadSource((X, np.eye(2)[(X[:, 0] > 0).astype(int)]))
    net = make_net(dtype=np.float32)
    twin = copy_of(net)
    assert twin.layer_sizes() == net.layer_sizes() and twin.activations() == net.activations()
    assert twin.dtype == np.float32
    np.testing.assert_array_equal(twin.parameters(), net.parameters())
    assert not np.shares_memory(twin.parameters(), net.parameters())
    for n in (net, twin):
        StochasticGradientDescent(n, CrossEntropyCost(n), 0.1, batch_size=8, seed=1).train(src, 3)
    np.testing.assert_array_equal(twin.parameters(), net.parameters())
    np.testing.assert_array_equal(twin.feed(X), net.feed(X))
    for weights, biases, where in zip(twin.weights(), twin.biases(), twin._slices):
        assert np.shares_memory(weights, twin.parameters()[where]) and np.shares_memory(biases, twin.parameters())


@pytest.mark.parametrize('sizes', [[3], [], [3, 0, 2], [3, -1], [3, 2.5], [3, True], 'abc', None])
def test_bad_sizes(sizes):
    with pytest.raises((TypeError, ValueError)):
        NetFactory.create_neural_net(sizes)


@pytest.mark.parametrize('activation', ['Sigmoid', None, np.tanh, int, object])
def test_bad_activations(activation):
    with pytest.raises(TypeError, match='Sigmoid'):
        NetFactory.create_neural_net([2, 3, 1], hidden_layer_activation=activation)
    with pytest.raises(TypeError, match='Sigmoid'):
        NetFactory.create_neural_net([2, 3, 1], output_layer_activation=activation)


def test_a_softmax_output_of_one_unit_is_refused_where_the_net_is_built(tmp_path):
    # A Softmax over one unit outputs 1.0 whatever its input: it "trained" to cost 0 and learned nothing.
    message = 'Softmax output layer to have at least 2 units, got 1.*use Sigmoid for one output.*or two Softmax units'
    with pytest.raises(ValueError, match=message):
        NetFactory.create_neural_net([2, 3, 1], output_layer_activation=Softmax)
    with pytest.raises(ValueError, match=message):
        NeuralNet([2, 1], [Softmax])
    data = make_net(sizes=(2, 2), output=Sigmoid).to_dict()
    data['activations'] = ['Softmax']
    data['weights'], data['biases'], data['layer_sizes'] = [[[1.0], [2.0]]], [[0.0]], [2, 1]
    with pytest.raises(ModelFileError, match=message):
        NeuralNet.create_from_file(write(tmp_path, data))
    assert NetFactory.create_neural_net([2, 3, 2], output_layer_activation=Softmax).layer_sizes() == [2, 3, 2]


def test_bad_dtype():
    with pytest.raises(TypeError, match='float32 or float64'):
        NetFactory.create_neural_net([2, 1], dtype=np.int32)


@pytest.mark.parametrize('x', [np.zeros(4), np.zeros((2, 4)), np.zeros((2, 3, 1)), [[np.nan, 0, 0]],
                               [np.inf, 0, 0], ['a', 'b', 'c']])
def test_bad_inputs_to_feed(x):
    with pytest.raises((TypeError, ValueError)):
        make_net().feed(x)


def write(tmp_path, data, raw=False):
    path = tmp_path / 'model.json'
    path.write_text(data if raw else json.dumps(data))
    return path


def valid_dict():
    return make_net(sizes=(2, 3, 2)).to_dict()


def with_change(change):
    data = valid_dict()
    change(data)
    return data


@pytest.mark.parametrize('data,message', [
    ('not json {', 'not valid JSON'),
    ('[1, 2]', 'JSON object'),
    ('{"format": "feedforward-neural-net", "version": 1, "dtype": "float64", "layer_sizes": [1, 1], '
     '"activations": ["Sigmoid"], "weights": [[[NaN]]], "biases": [[0]]}', 'not a finite number'),
    (with_change(lambda d: d.pop('weights')), '"weights" is missing'),
    (with_change(lambda d: d.update(format='other')), 'format'),
    (with_change(lambda d: d.update(version=99)), 'version'),
    (with_change(lambda d: d.update(activations=['Sigmoid', 'Softsign'])), 'unknown activation'),
    (with_change(lambda d: d.update(layer_sizes=[2, 4, 2])), 'weights\\[0\\] row 0'),
    (with_change(lambda d: d['weights'][1].pop()), 'weights\\[1\\]'),
    (with_change(lambda d: d['biases'][0].append(1.0)), 'biases\\[0\\]'),
    (with_change(lambda d: d['weights'][0][0].__setitem__(0, 'x')), 'numbers'),
    (with_change(lambda d: d['weights'][0][0].__setitem__(0, True)), 'numbers'),
    (with_change(lambda d: d['weights'][0][0].__setitem__(0, 1e400)), 'finite'),
    (with_change(lambda d: d.update(layer_sizes=[2, 10 ** 9, 2])), 'limit'),
])
def test_bad_model_files_are_refused_clearly(tmp_path, data, message):
    path = write(tmp_path, data, raw=isinstance(data, str))
    with pytest.raises(ModelFileError, match=message) as caught:
        NeuralNet.create_from_file(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_missing_model_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        NeuralNet.create_from_file(tmp_path / 'nope.json')


def test_the_original_library_s_keyword_names_for_the_path_are_accepted(tmp_path):
    net = make_net()
    net.save(dest_fname=tmp_path / 'net.json')
    restored = NeuralNet.create_from_file(fname=str(tmp_path / 'net.json'))
    assert (restored.parameters() == net.parameters()).all()
    with pytest.raises(TypeError, match=r"save\(\) takes the path as path or as dest_fname .*, not both"):
        net.save(tmp_path / 'a.json', dest_fname=tmp_path / 'b.json')
    with pytest.raises(TypeError, match=r"create_from_file\(\) takes the path as path or as fname .*, not both"):
        NeuralNet.create_from_file(tmp_path / 'net.json', fname=tmp_path / 'net.json')
    with pytest.raises(TypeError, match=r"save\(\) missing the path to write to"):
        net.save()
    with pytest.raises(TypeError, match=r"create_from_file\(\) missing the path to read"):
        NeuralNet.create_from_file()
    assert sorted(os.listdir(tmp_path)) == ['net.json']


def test_save_leaves_no_temporary_files(tmp_path):
    net = make_net()
    net.save(tmp_path / 'net.json')
    net.save(tmp_path / 'net.json')
    assert [p.name for p in tmp_path.iterdir()] == ['net.json']


@pytest.mark.skipif(os.name != 'posix', reason='file modes and the umask are POSIX')
def test_saved_files_get_the_mode_of_any_new_file_under_the_umask(tmp_path):
    net = NetFactory.create_neural_net([2, 3, 1])
    previous = os.umask(0o022)
    try:
        net.save(tmp_path / 'a.json')
        os.umask(0o027)
        net.save(tmp_path / 'b.json')
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / 'a.json').stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / 'b.json').stat().st_mode) == 0o640


def test_a_save_that_fails_names_the_path_given_not_a_temporary_file(tmp_path):
    net = NetFactory.create_neural_net([2, 3, 1])
    target = tmp_path / 'missing-folder' / 'net.json'
    with pytest.raises(FileNotFoundError) as caught:
        net.save(target)
    assert caught.value.filename == str(target) and str(target) in str(caught.value)
    assert '.tmp' not in str(caught.value)


def test_the_public_surface_of_a_net_is_what_users_need():
    public = sorted(name for name in dir(NeuralNet) if not name.startswith('_'))
    assert public == ['activations', 'biases', 'create_from_file', 'dtype', 'export_onnx', 'feed', 'from_dict',
                      'layer_sizes', 'layers', 'parameters', 'randomize_parameters', 'save', 'to_dict', 'weights']


def test_a_pickled_net_keeps_activations_with_their_settings_and_its_views():
    from activation_functions import LeakyRectifier, Swish
    net = NetFactory.create_neural_net([3, 5, 4, 2], LeakyRectifier(slope=0.3), Swish)
    net.randomize_parameters(seed=0)
    twin = pickle.loads(pickle.dumps(net))
    assert twin.activations() == net.activations() and twin.activations()[0].slope == 0.3
    X = np.random.default_rng(1).normal(size=(6, 3))
    np.testing.assert_array_equal(twin.feed(X), net.feed(X))
    twin.weights()[0][0, 0] += 1.0          # the views are views of the twin's parameters
    assert twin.parameters()[0] == net.parameters()[0] + 1.0
