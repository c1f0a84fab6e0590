"""Attacks on model files: every file either loads as a working net or is refused with ModelFileError.

The property tests (hypothesis) mutate valid files and make up JSON; the
cases below them are attacks that were tried by hand, each kept as a test.
"""
import copy
import json
import math
import os
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import feedforward_model_file as model_file
from activation_functions import ACTIVATIONS, LeakyRectifier
from neural_net import ModelFileError, NeuralNet

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures')
#: The library's own activations (not any that another test registered).
LIBRARY_ACTIVATIONS = ['Identity', 'LeakyRectifier', 'Rectifier', 'Sigmoid', 'Softmax', 'Softplus', 'Swish', 'Tanh']
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def load_quietly(path, original_layout=False, **limits):
    """Load with every warning turned into an error, so that no warning can pass as a success; but the warning
    that a file of the original DeepNetLib's layout (``original_layout``) must give."""
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        if original_layout:
            warnings.simplefilter('ignore', model_file.AssumedActivationsWarning)
        return NeuralNet.create_from_file(path, **limits)


def assert_refused_naming_the_file(path, data, message):
    """``data`` (JSON text, or a value to write as JSON) written to ``path`` is refused with ``message``."""
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    with pytest.raises(ModelFileError, match=message) as caught:
        load_quietly(path)
    assert str(caught.value).startswith(str(path) + ': ')


def assert_loads_or_refuses(path, original_layout=False):
    """The property: a working net (finite outputs for inputs in [-1, 1]) or ModelFileError naming the file."""
    try:
        net = load_quietly(path, original_layout)
    except ModelFileError as error:
        assert str(path) in str(error)
        return None
    sizes = net.layer_sizes()
    X = np.random.default_rng(0).uniform(-1, 1, size=(5, sizes[0]))
    X[0] = 1.0
    X[1] = -1.0
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        output = net.feed(X)
    assert output.shape == (5, sizes[-1])
    assert np.isfinite(output).all()
    assert np.isfinite(net.parameters()).all()
    return net


# ----- the version-1 fixture: files written by version 1 stay loadable ------

def test_a_version_1_file_loads_and_computes_what_its_numbers_say():
    net = NeuralNet.create_from_file(os.path.join(FIXTURES, 'model_v1.json'))
    assert net.layer_sizes() == [2, 2, 1]
    assert [f.name for f in net.activations()] == ['Rectifier', 'Sigmoid']
    assert net.dtype == np.float64

    # By hand: x = (1, 2): z1 = (1 + 4, -1 + 1 + 0.25) = (5, 0.25), a1 = relu(z1) = (5, 0.25),
    # z2 = 5 - 0.5 + 0.5 = 5.  x = (-1, 0): z1 = (-1, 1.25), a1 = (0, 1.25), z2 = -2.5 + 0.5 = -2.
    def sigmoid(z):
        return 1 / (1 + math.exp(-z))

    output = net.feed(np.array([[1.0, 2.0], [-1.0, 0.0]]))
    np.testing.assert_allclose(output[:, 0], [sigmoid(5), sigmoid(-2)], rtol=1e-15)


def test_an_unknown_version_is_refused_naming_the_versions_read(tmp_path):
    data = json.load(open(os.path.join(FIXTURES, 'model_v1.json')))
    for version in (0, 3, 10 ** 30, '1', '2', 1.0, 2.0, True):
        data['version'] = version
        path = tmp_path / 'v.json'
        path.write_text(json.dumps(data))
        with pytest.raises(ModelFileError, match=r'"version" to be one of the versions this library reads \(1, 2\)'):
            NeuralNet.create_from_file(path)


def test_save_writes_version_1_when_no_activation_has_settings_and_it_reads_back(tmp_path):
    net = NeuralNet.create_from_file(os.path.join(FIXTURES, 'model_v1.json'))
    net.save(tmp_path / 'again.json')
    again = json.loads((tmp_path / 'again.json').read_text())
    assert again['version'] == 1
    assert again == json.load(open(os.path.join(FIXTURES, 'model_v1.json')))


def test_an_activation_with_settings_is_written_as_version_2_and_reads_back(tmp_path):
    from activation_functions import Softplus, Swish
    net = NeuralNet([3, 4, 4, 2], [LeakyRectifier(slope=0.25), Swish, Softplus], 'float32')
    net.randomize_parameters(seed=0)
    net.save(tmp_path / 'net.json')
    data = json.loads((tmp_path / 'net.json').read_text())
    assert data['version'] == model_file.MODEL_VERSION == 2
    assert data['activations'] == [{'name': 'LeakyRectifier', 'settings': {'slope': 0.25}}, 'Swish', 'Softplus']
    again = NeuralNet.create_from_file(tmp_path / 'net.json')
    assert again.activations() == [LeakyRectifier(slope=0.25), Swish(), Softplus()]
    assert again.activations()[0].slope == 0.25
    np.testing.assert_array_equal(again.parameters(), net.parameters())
    X = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_array_equal(again.feed(X), net.feed(X))


# ----- files saved by the original DeepNetLib --------------------------------

def load_original(path, **limits):
    """Load a file of the original DeepNetLib, which must warn, once, that its activations were assumed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        net = NeuralNet.create_from_file(path, **limits)
    assert [type(w.message) for w in caught] == [model_file.AssumedActivationsWarning]
    return net, str(caught[0].message)


def test_a_file_of_the_original_deepnetlib_loads_as_sigmoid_layers_and_warns_so():
    # tests/fixtures/deepnetlib_model.json is written by hand in the original's layout: each layer's weights as a
    # (units, inputs) matrix, since it computed z = W a + b, and no activations: it restored every layer as Sigmoid.
    path = os.path.join(FIXTURES, 'deepnetlib_model.json')
    net, message = load_original(path)
    assert message.startswith(path + ': ') and 'assumed to be Sigmoid' in message
    assert issubclass(model_file.AssumedActivationsWarning, UserWarning)
    assert net.layer_sizes() == [2, 3, 1]
    assert [f.name for f in net.activations()] == ['Sigmoid', 'Sigmoid']
    assert net.dtype == np.float64
    np.testing.assert_array_equal(net.weights()[0], [[1.0, 0.5, 0.0], [-1.0, 2.0, -3.0]])
    np.testing.assert_array_equal(net.biases()[0], [0.0, 0.5, 1.0])

    # By hand, x = (1, 2): z1 = (1 - 2 + 0, 0.5 + 4 + 0.5, 0 - 6 + 1) = (-1, 5, -5),
    # z2 = 2 s(-1) - s(5) + 0.5 s(-5) - 0.25, output s(z2).
    def s(z):
        return 1 / (1 + math.exp(-z))

    expected = s(2 * s(-1) - s(5) + 0.5 * s(-5) - 0.25)
    assert net.feed(np.array([1.0, 2.0]))[0] == pytest.approx(expected, rel=1e-15)


def test_the_original_s_files_load_under_its_keyword_and_from_a_dict_and_save_in_this_library_s_format(tmp_path):
    path = os.path.join(FIXTURES, 'deepnetlib_model.json')
    with pytest.warns(model_file.AssumedActivationsWarning, match='assumed to be Sigmoid'):
        net = NeuralNet.create_from_file(fname=path)
    with pytest.warns(model_file.AssumedActivationsWarning, match='^<dict>: '):
        assert NeuralNet.from_dict(json.load(open(path))).to_dict() == net.to_dict()
    net.save(tmp_path / 'again.json')
    again = load_quietly(tmp_path / 'again.json')     # this library's format names the activations: no warning
    assert again.to_dict() == net.to_dict() and again.activations() == net.activations()


def test_the_warning_points_at_the_caller():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        NeuralNet.create_from_file(os.path.join(FIXTURES, 'deepnetlib_model.json'))
    assert caught[0].filename == __file__


def original(change=None):
    """The fixture's dictionary, changed by ``change``."""
    data = json.load(open(os.path.join(FIXTURES, 'deepnetlib_model.json')))
    if change is not None:
        change(data)
    return data


@pytest.mark.parametrize('data,message', [
    # Weights laid out as this library's (inputs, units): the original's are (units, inputs).
    (original(lambda d: d['layers'][0].update(weights=[[1.0, 0.5, 0.0], [-1.0, 2.0, -3.0]])),
     r'expected layers\[0\]\["weights"\] to be a list of 3 rows \(layer_sizes\[1\], one per unit'),
    (original(lambda d: d['layers'][1]['weights'][0].pop()), r'layers\[1\]\["weights"\] row 0 to be a list of 3'),
    (original(lambda d: d['layers'][0]['biases'].append(1.0)), r'layers\[0\]\["biases"\] to be a list of 3 numbers'),
    (original(lambda d: d['layers'][0]['biases'].__setitem__(0, True)), r'numbers in layers\[0\]\["biases"\]'),
    (original(lambda d: d['layers'][0]['weights'][1].__setitem__(0, '2')), r'numbers in layers\[0\]\["weights"\]'),
    (json.dumps(original()).replace('-3.0', '-3e400'), 'not finite in float64'),     # JSON reads 3e400 as inf
    (original(lambda d: d['layers'][0]['weights'][1].__setitem__(0, 10 ** 400)), 'too large for a float'),
    (original(lambda d: d['layers'][1].__setitem__('biases', [1e308])), 'could overflow float64'),
    (original(lambda d: d['layers'].pop()), r'expected "layers" to be a list of 2 layers'),
    (original(lambda d: d['layers'][1].pop('biases')), r'expected layers\[1\] to be an object of weights and biases'),
    (original(lambda d: d['layers'][1].update(activation='Sigmoid')), r'layers\[1\] to be an object of weights and'),
    (original(lambda d: d['layers'].__setitem__(0, [1, 2])), r'layers\[0\] to be an object of weights and biases'),
    (original(lambda d: d.pop('layer_sizes')), 'the field "layer_sizes" is missing'),
    (original(lambda d: d.update(dtype='float64')), "unknown field 'dtype'; a file of the original DeepNetLib has"),
    (original(lambda d: d.update(layer_sizes=[2, 3.0, 1])), 'positive integer'),
    (original(lambda d: d.update(layer_sizes=[2])), 'list of 2 to 1001 sizes'),
    (original(lambda d: d.update(layer_sizes=[2, 10 ** 9, 1])), 'need 4000000001 parameters, more than the limit'),
    ({'layer_sizes': [1] * 200_001, 'layers': [{'weights': [[0]], 'biases': [0]}] * 200_000},
     'list of 2 to 1001 sizes'),
])
def test_a_file_of_the_original_is_checked_as_strictly_as_one_of_this_library(tmp_path, data, message):
    assert_refused_naming_the_file(tmp_path / 'original.json', data, message)


def test_a_file_of_the_original_keeps_this_library_s_limits(tmp_path):
    path = tmp_path / 'original.json'
    path.write_text(json.dumps(original()))     # 2*3 + 3 + 3*1 + 1 = 13 parameters
    with pytest.raises(ModelFileError, match='need 13 parameters, more than the limit of 12'):
        load_quietly(path, max_parameters=12)
    assert load_original(path, max_parameters=13)[0].parameters().size == 13
    size = path.stat().st_size
    with pytest.raises(ModelFileError, match='more than the limit of {}'.format(size - 1)):
        load_quietly(path, max_bytes=size - 1)


def test_a_file_without_format_or_layers_is_still_refused_for_its_missing_format(tmp_path):
    path = tmp_path / 'neither.json'
    path.write_text(json.dumps({'layer_sizes': [2, 1], 'weights': [[[1.0], [2.0]]]}))
    with pytest.raises(ModelFileError, match='expected "format": "feedforward-neural-net", got None'):
        load_quietly(path)


# ----- property tests ------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25)

# Values that have broken readers before: huge, tiny, negative, not numbers, almost numbers.
nasty_values = st.sampled_from([
    0, -1, 1, 2, 10 ** 9, 10 ** 400, 2 ** 63, -0.0, 1e-320, 1e38, 1e39, 1e300, 1e308, -1e308, 1.5, True, False,
    None, '', 'Sigmoid', 'sigmoid', 'float16', 'NaN', [], {}, [[]], [1e308], [[1e308]], [1, 2], 'feedforward-neural-net',
    # Activations with settings (version 2): out of range, unknown, missing, of another type.
    'Swish', {'name': 'LeakyRectifier', 'settings': {'slope': 2}}, {'name': 'LeakyRectifier', 'settings': {}},
    {'name': 'LeakyRectifier', 'settings': {'slope': 10 ** 400}},
    {'name': 'LeakyRectifier', 'settings': {'slope': True}}, {'name': 'Sigmoid', 'settings': {'slope': 0.1}},
    {'name': 'LeakyRectifier', 'settings': {'slope': 0.1, 'x': 1}},
    {'name': 'LeakyRectifier'}, {'name': ['LeakyRectifier'], 'settings': {'slope': 0.1}},
])


@st.composite
def valid_model_dicts(draw):
    """The dictionary of a random small net, as ``to_dict`` writes it."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    # Identity and Rectifier layers let large numbers through to the output; they come up more often.
    names = draw(st.lists(st.sampled_from(LIBRARY_ACTIVATIONS + ['Identity', 'Rectifier']), min_size=len(sizes) - 1,
                          max_size=len(sizes) - 1))
    # A Softmax output of one unit is refused (it cannot learn).
    assume(not (names[-1] == 'Softmax' and sizes[-1] == 1))
    dtype = draw(st.sampled_from(['float32', 'float64']))
    # LeakyRectifier with a slope of its own, so that version 2 files with settings come up too.
    net = NeuralNet(sizes, [LeakyRectifier(slope=draw(st.sampled_from([0.0, 0.01, 0.3, 1.0])))
                            if name == 'LeakyRectifier' else ACTIVATIONS[name] for name in names], dtype)
    net.parameters()[...] = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1))).normal(
        0, 1, net.parameters().size)
    return net.to_dict()


def children(node):
    if isinstance(node, dict):
        return list(node)
    if isinstance(node, list):
        return list(range(len(node)))
    return []


# Numbers (and near-numbers) put in place of a weight or a bias.
nasty_numbers = st.sampled_from([
    1.7e308, -1.7e308, 1e308, 1e200, -1e200, 1e39, -1e39, 3.5e38, 1e-320, -0.0, 10 ** 400, 2 ** 64, True, None, '1',
    [1.0], 0.5,
]) | st.floats(allow_nan=False, allow_infinity=False)


def as_original(data):
    """The model dictionary ``data`` laid out as the original DeepNetLib saved a net: weights as (units, inputs)."""
    return {'layer_sizes': data['layer_sizes'],
            'layers': [{'weights': np.array(w).T.tolist(), 'biases': b} for w, b in zip(data['weights'], data['biases'])]}


@st.composite
def mutated_model_dicts(draw, original_layout=False):
    """A valid model dictionary (laid out as the original's with ``original_layout``) with a few mutations: of its
    numbers, then anywhere in its tree."""
    data = copy.deepcopy(draw(valid_model_dicts()))
    if original_layout:
        data = as_original(data)
    layers = data['layers'] if original_layout else [{'weights': w, 'biases': b}
                                                     for w, b in zip(data['weights'], data['biases'])]
    n_numbers, n_anywhere = draw(st.tuples(st.integers(0, 3), st.integers(0, 2)).filter(lambda n: sum(n) > 0))
    for _ in range(n_numbers):
        # A weight or a bias of a random layer becomes a nasty number.
        layer = layers[draw(st.integers(0, len(layers) - 1))]
        if draw(st.booleans()):
            row = layer['weights'][draw(st.integers(0, len(layer['weights']) - 1))]
        else:
            row = layer['biases']
        # A copy: the strategy hands out shared lists, which later mutations would change for every draw after.
        row[draw(st.integers(0, len(row) - 1))] = copy.deepcopy(draw(nasty_numbers))
    for _ in range(n_anywhere):
        parent, key = None, None
        node = data
        # Walk down to a random node; the deeper levels hold the numbers.
        while children(node) and draw(st.integers(0, 3)) > 0:
            parent, key = node, draw(st.sampled_from(children(node)))
            node = parent[key]
        if parent is None:
            continue
        action = draw(st.sampled_from(['replace', 'nasty', 'delete', 'duplicate']))
        if action == 'replace':
            parent[key] = copy.deepcopy(draw(json_values))
        elif action == 'nasty':
            parent[key] = copy.deepcopy(draw(nasty_values))
        elif action == 'delete':
            del parent[key]
        elif isinstance(parent, list):
            parent.insert(key, copy.deepcopy(node))
        else:
            parent[key + 'x'] = copy.deepcopy(node)
    return data


@PROPERTY_SETTINGS
@given(data=mutated_model_dicts())
def test_mutated_model_files_load_as_working_nets_or_are_refused(tmp_path, data):
    path = tmp_path / 'mutated.json'
    path.write_text(json.dumps(data))
    assert_loads_or_refuses(path)


@PROPERTY_SETTINGS
@given(data=mutated_model_dicts(original_layout=True))
def test_mutated_files_of_the_original_s_layout_load_as_working_nets_or_are_refused(tmp_path, data):
    path = tmp_path / 'mutated.json'
    path.write_text(json.dumps(data))
    assert_loads_or_refuses(path, original_layout=True)


@PROPERTY_SETTINGS
@given(data=valid_model_dicts())
def test_every_file_of_the_original_s_layout_loads_as_the_same_numbers_in_sigmoid_layers(tmp_path, data):
    path = tmp_path / 'original.json'
    path.write_text(json.dumps(as_original(data)))
    net = load_quietly(path, original_layout=True)
    assert net.to_dict() == dict(data, dtype='float64', version=1, activations=['Sigmoid'] * len(data['weights']))


@PROPERTY_SETTINGS
@given(data=valid_model_dicts(), cuts=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255), st.integers(0, 2)),
                                                min_size=1, max_size=3))
def test_files_with_damaged_bytes_load_as_working_nets_or_are_refused(tmp_path, data, cuts):
    raw = bytearray(json.dumps(data).encode())
    for where, byte, action in cuts:
        i = min(int(where * len(raw)), len(raw) - 1)
        if action == 0:
            raw[i] = byte            # overwrite one byte
        elif action == 1:
            del raw[i:]              # truncate, as a crash in the middle of a plain write would
            if not raw:
                break
        else:
            raw.insert(i, byte)      # insert one byte
    path = tmp_path / 'damaged.json'
    path.write_bytes(bytes(raw))
    assert_loads_or_refuses(path)


@PROPERTY_SETTINGS
@given(data=json_values | st.fixed_dictionaries(
    {'format': st.just('feedforward-neural-net'), 'version': st.sampled_from([1, 2])},
    optional={key: json_values | nasty_values for key in ('dtype', 'layer_sizes', 'activations', 'weights', 'biases')}))
def test_arbitrary_json_loads_as_a_working_net_or_is_refused(tmp_path, data):
    path = tmp_path / 'arbitrary.json'
    path.write_text(json.dumps(data))
    assert assert_loads_or_refuses(path) is None


@PROPERTY_SETTINGS
@given(data=valid_model_dicts())
def test_every_valid_file_round_trips_exactly(tmp_path, data):
    path = tmp_path / 'valid.json'
    path.write_text(json.dumps(data))
    net = assert_loads_or_refuses(path)
    assert net is not None
    assert net.to_dict() == data


# ----- attacks tried by hand ------------------------------------------------

def valid_dict(sizes=(2, 3, 2), names=('Tanh', 'Identity'), dtype='float64'):
    net = NeuralNet(list(sizes), [ACTIVATIONS[name] for name in names], dtype)
    net.parameters()[...] = np.random.default_rng(0).normal(0, 1, net.parameters().size)
    return net.to_dict()


def changed(change, **kwargs):
    data = valid_dict(**kwargs)
    change(data)
    return data


def stack_of_unit_layers(n):
    return {'format': 'feedforward-neural-net', 'version': 1, 'dtype': 'float64', 'layer_sizes': [1] * (n + 1),
            'activations': ['Identity'] * n, 'weights': [[[0]]] * n, 'biases': [[0]] * n}


@pytest.mark.parametrize('data,message', [
    # Finite in float64 but not in float32: the cast used to warn (an error under -W error) instead of refusing.
    (changed(lambda d: d['weights'][0][0].__setitem__(0, 1e39), dtype='float32'), 'not finite in float32'),
    # Finite weights whose products overflow: the net loaded and fed out infinity.
    (changed(lambda d: d['weights'][1].__setitem__(0, [1e308, 1e308])), 'could overflow float64'),
    (changed(lambda d: d['biases'][0].__setitem__(0, 1e308), names=('Identity', 'Identity')), 'could overflow'),
    # ... but a Sigmoid between them bounds what the next layer sees: not refused (see the next test).
    (changed(lambda d: d.update(extra=1)), "unknown field 'extra'"),
    (changed(lambda d: d['biases'].__setitem__(0, [[1.0], 1.0, 1.0])), r'numbers in biases\[0\]'),
    (changed(lambda d: d['weights'][0].__setitem__(1, 'abc')), r'weights\[0\] row 1'),
    (changed(lambda d: d['weights'].__setitem__(0, {'0': 1})), r'weights\[0\] to be a list of 2 rows'),
    (changed(lambda d: d['weights'][0][0].__setitem__(0, 10 ** 400)), 'too large for a float'),
    (changed(lambda d: d.update(layer_sizes=[2, 10 ** 400, 2])), 'limit'),
    (changed(lambda d: d.update(layer_sizes=[2, 2 ** 63, 2])), 'limit'),
    (changed(lambda d: d.update(layer_sizes=[2, 3.0, 2])), 'positive integer'),
    (changed(lambda d: d.update(dtype='float16')), 'dtype'),
    (changed(lambda d: d.update(dtype=['float64'])), 'dtype'),
    (changed(lambda d: d.update(activations=['Tanh', ['Identity']])), "to be an activation's name"),
    (changed(lambda d: d.update(activations=['Tanh', {'name': 'Identity', 'settings': {}}])), "activation's name"),
    (changed(lambda d: d.update(activations=['Tanh', '__class__'])), 'unknown activation'),
    (changed(lambda d: d.update(activations=['Tanh', 'Softsign'])),
     r'unknown activation .*register_activation\(YourClass\)'),
    # Activations with settings: only from version 2, only the settings the activation has, and valid ones.
    (changed(lambda d: d.update(activations=['Tanh', {'name': 'LeakyRectifier', 'settings': {'slope': 0.1}}])),
     "to be an activation's name"),
    (changed(lambda d: d.update(version=2, activations=['Tanh', {'name': 'LeakyRectifier', 'settings': {'slope': 2}}])),
     'slope of LeakyRectifier to be a number from 0 to 1'),
    (changed(lambda d: d.update(version=2, activations=['Tanh', {'name': 'LeakyRectifier', 'settings': {'a': 1}}])),
     'settings of LeakyRectifier to be slope, got a'),
    (changed(lambda d: d.update(version=2, activations=['LeakyRectifier', 'Tanh'])),
     'settings of LeakyRectifier to be slope, got none'),
    (changed(lambda d: d.update(version=2, activations=['Tanh', {'name': 'Identity', 'settings': {'slope': 1}}])),
     'Identity has no settings'),
    (changed(lambda d: d.update(version=2, activations=['Tanh', {'name': 'LeakyRectifier',
                                                                 'settings': {'slope': True}}])), 'finite numbers'),
    (changed(lambda d: d.update(version=2, activations=['Tanh', {'name': 'LeakyRectifier',
                                                                 'settings': {'slope': 10 ** 400}}])), 'finite'),
    (changed(lambda d: d.update(version=2, activations=['Tanh', {'name': 'LeakyRectifier', 'slope': 0.1}])),
     'fields name and settings'),
    (changed(lambda d: d.update(format='x' * 10 ** 6)), r"got 'x{50}'\.\.\. \(1000000 characters\)$"),
    # 200 000 layers of one unit: a 4.6 MB file took 370 MB and 13 s before layers were bounded.
    (stack_of_unit_layers(200_000), 'list of 2 to 1001 sizes'),
    ('[' * 100_000 + ']' * 100_000, 'nested too deeply'),
    ('{"format": "feedforward-neural-net", "version": 1, "weights": [Infinity]}', 'not a finite number'),
    ('{"format": "feedforward-neural-net", "version": 1, "weights": [-Infinity]}', 'not a finite number'),
    ('{"a": 1} trailing', 'not valid JSON'),
    ('"' + '\\ud800' + '"', 'JSON object'),
    ('', 'not valid JSON'),
])
def test_attacks_are_refused_with_the_file_named(tmp_path, data, message):
    assert_refused_naming_the_file(tmp_path / 'attack.json', data, message)


def test_large_weights_behind_a_squashing_layer_are_kept():
    data = changed(lambda d: d['weights'][0].__setitem__(0, [1e300, -1e300, 1e300]), names=('Sigmoid', 'Identity'))
    net = NeuralNet.from_dict(data)
    assert np.isfinite(net.feed(np.array([[1.0, 1.0], [-1.0, 1.0]]))).all()


@pytest.mark.parametrize('raw,message', [
    (b'\xff\xfe{}', 'not UTF-8'),
    (b'\xef\xbb\xbf{}', 'BOM'),
    (b'\x00' * 64, 'not valid JSON'),
])
def test_bytes_that_are_not_json_text(tmp_path, raw, message):
    path = tmp_path / 'bytes.json'
    path.write_bytes(raw)
    with pytest.raises(ModelFileError, match=message):
        load_quietly(path)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(ModelFileError, match='cannot be read|not a regular file'):
        load_quietly(tmp_path)


def test_a_path_with_a_nul_character_is_refused(tmp_path):
    with pytest.raises(ModelFileError, match='cannot be read'):
        load_quietly(str(tmp_path / 'a\0b.json'))


@pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() == 0, reason='root reads every file')
def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / 'locked.json'
    path.write_text(json.dumps(valid_dict()))
    path.chmod(0)
    with pytest.raises(ModelFileError, match='cannot be read: Permission denied'):
        load_quietly(path)


@pytest.mark.skipif(not hasattr(os, 'mkfifo'), reason='needs named pipes')
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    # Opening a FIFO for reading used to wait forever for a writer.
    os.mkfifo(tmp_path / 'pipe')
    with pytest.raises(ModelFileError, match='not a regular file'):
        load_quietly(tmp_path / 'pipe')


@pytest.mark.skipif(not os.path.exists('/dev/zero'), reason='needs /dev/zero')
def test_an_endless_device_is_refused_before_reading():
    with pytest.raises(ModelFileError, match='not a regular file'):
        load_quietly('/dev/zero')


def test_a_file_larger_than_max_bytes_is_refused_unless_the_caller_raises_it(tmp_path):
    path = tmp_path / 'net.json'
    path.write_text(json.dumps(valid_dict()))
    size = path.stat().st_size
    with pytest.raises(ModelFileError, match='{} bytes, more than the limit of {}'.format(size, size - 1)):
        load_quietly(path, max_bytes=size - 1)
    assert load_quietly(path, max_bytes=size).layer_sizes() == [2, 3, 2]


def test_too_many_parameters_are_refused_before_anything_is_built_unless_the_caller_raises_the_limit(tmp_path):
    path = tmp_path / 'net.json'
    path.write_text(json.dumps(valid_dict()))   # 2*3 + 3 + 3*2 + 2 = 17 parameters
    with pytest.raises(ModelFileError, match='need 17 parameters, more than the limit of 16'):
        load_quietly(path, max_parameters=16)
    assert load_quietly(path, max_parameters=17).parameters().size == 17


def test_a_billion_unit_layer_is_refused_without_allocating(tmp_path):
    path = tmp_path / 'big.json'
    path.write_text(json.dumps(changed(lambda d: d.update(layer_sizes=[2, 10 ** 9, 2]))))
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match='need 5000000002 parameters, more than the limit'):
            NeuralNet.create_from_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000   # the net would take 40 GB; reading once took 256 MB, the byte limit, at once


def test_a_file_of_numbers_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    # A 2 MB list of zeros parses into a million Python objects; the commas are counted first.
    parsed = []
    monkeypatch.setattr(json, 'loads', lambda *a, **k: parsed.append(1))
    path = tmp_path / 'zeros.json'
    path.write_text('[' + ','.join(['0'] * 1_000_000) + ']')
    with pytest.raises(ModelFileError, match='more than .* JSON values'):
        NeuralNet.create_from_file(path, max_parameters=1000)
    assert parsed == []


@pytest.mark.parametrize('bad', [0, -1, 1.5, '10', True])
def test_bad_limits_are_caller_errors(tmp_path, bad):
    path = tmp_path / 'net.json'
    path.write_text(json.dumps(valid_dict()))
    for limit in ('max_bytes', 'max_parameters'):
        with pytest.raises((TypeError, ValueError), match=limit):
            NeuralNet.create_from_file(path, **{limit: bad})


def test_nothing_is_evaluated_or_unpickled(tmp_path, monkeypatch):
    # The activation names are looked up in a table, never evaluated, imported or unpickled.
    for target in ('builtins.eval', 'builtins.exec', 'pickle.loads', 'pickle.load', 'importlib.import_module'):
        monkeypatch.setattr(target, lambda *a, _target=target, **k: pytest.fail('called ' + _target))
    path = tmp_path / 'net.json'
    path.write_text(json.dumps(changed(lambda d: d.update(activations=['Tanh', '__import__("os")']))))
    with pytest.raises(ModelFileError, match='unknown activation'):
        NeuralNet.create_from_file(path)
    path.write_text(json.dumps(valid_dict()))
    assert NeuralNet.create_from_file(path).layer_sizes() == [2, 3, 2]
    # An activation with settings is built by its registered class; a name that is not registered, never imported.
    path.write_text(json.dumps(changed(lambda d: d.update(version=2, activations=[
        {'name': 'LeakyRectifier', 'settings': {'slope': 0.5}}, 'Swish']))))
    assert NeuralNet.create_from_file(path).activations() == [LeakyRectifier(slope=0.5), ACTIVATIONS['Swish']()]
    for name in ('os.system', 'numpy.exp', 'activation_functions.Activation', 'Activation'):
        path.write_text(json.dumps(changed(lambda d: d.update(activations=['Tanh', name]))))
        with pytest.raises(ModelFileError, match='unknown activation'):
            NeuralNet.create_from_file(path)


def test_the_docs_document_every_field_of_the_format():
    page = open(os.path.join(os.path.dirname(FIXTURES), '..', 'docs', 'model_file.md'), encoding='utf-8').read()
    section = page.split('## The fields', 1)[1].split('\n## Reading', 1)[0]
    documented = {line.split('`')[1] for line in section.splitlines() if line.startswith('| `')}
    assert documented == set(model_file._FIELDS)
    assert 'version' in section and 'ModelFileError' in page
