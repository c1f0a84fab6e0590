import warnings

import numpy as np
import pytest

import reference
from activation_functions import ACTIVATIONS, Identity, Rectifier, Sigmoid, Softmax, Tanh

ELEMENT_WISE = [Sigmoid, Rectifier, Tanh, Identity]


@pytest.mark.parametrize('function', list(ACTIVATIONS.values()))
def test_activation_matches_the_formula(function):
    z = np.random.default_rng(0).normal(0, 2, (6, 4))
    np.testing.assert_allclose(function.activation(z), reference.activation(function.name, z), rtol=1e-12)


def test_hand_worked_values():
    z = np.array([[0.0, np.log(3.0), -np.log(3.0)]])
    np.testing.assert_allclose(Sigmoid.activation(z), [[0.5, 0.75, 0.25]])
    np.testing.assert_allclose(Rectifier.activation(z), [[0.0, np.log(3.0), 0.0]])
    np.testing.assert_allclose(Tanh.activation(z), [[0.0, 0.8, -0.8]])
    np.testing.assert_allclose(Softmax.activation(np.log([[1.0, 2.0, 5.0]])), [[0.125, 0.25, 0.625]])


@pytest.mark.parametrize('function', ELEMENT_WISE)
def test_element_wise_gradient_matches_central_differences(function):
    z = np.random.default_rng(1).normal(0, 2, (5, 3))
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the Rectifier's kink
    numerical = (function.activation(z + 1e-6) - function.activation(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(function.gradient(z), numerical, rtol=1e-6, atol=1e-9)


def test_softmax_jacobian_matches_central_differences():
    z = np.random.default_rng(2).normal(0, 1, (3, 4))
    jacobian = Softmax.gradient(z)
    assert jacobian.shape == (3, 4, 4)
    for j in range(4):
        step = np.zeros(4)
        step[j] = 1e-6
        column = (Softmax.activation(z + step) - Softmax.activation(z - step)) / 2e-6
        np.testing.assert_allclose(jacobian[:, :, j], column, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize('function', list(ACTIVATIONS.values()))
@pytest.mark.parametrize('in_place', [False, True])
def test_backward_is_the_jacobian_transpose_times_the_upstream_gradient(function, in_place):
    rng = np.random.default_rng(3)
    z = rng.normal(0, 1.5, (5, 4))
    grad_a = rng.normal(0, 1, (5, 4))
    if function is Softmax:
        expected = np.einsum('nkj,nk->nj', Softmax.gradient(z), grad_a)
    else:
        expected = function.gradient(z) * grad_a
    a = function.activation(z)
    out = grad_a if in_place else np.empty_like(grad_a)
    result = function.backward(a, grad_a.copy() if not in_place else grad_a, out=out)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('function', [Sigmoid, Softmax, Tanh])
def test_stable_for_large_inputs(function, dtype):
    z = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        a = function.activation(z)
        g = function.gradient(z)
    assert a.dtype == dtype
    assert np.isfinite(a).all() and np.isfinite(g).all()
    assert (a >= 0).all() if function is not Tanh else (np.abs(a) <= 1).all()


def test_sigmoid_limits_and_precision():
    a = Sigmoid.activation(np.array([[-1e4, -30.0, 30.0, 1e4]]))
    np.testing.assert_allclose(a, [[0.0, np.exp(-30.0) / (1 + np.exp(-30.0)), 1 / (1 + np.exp(-30.0)), 1.0]],
                               rtol=1e-14, atol=1e-300)


def test_softmax_rows_sum_to_one_even_when_huge():
    a = Softmax.activation(np.array([[1e4, 1e4 - 1, -1e4], [0.0, 0.0, 0.0]]))
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    np.testing.assert_allclose(a[0, :2], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))])


def test_accepts_integers_and_one_dimensional_input():
    assert Sigmoid.activation(np.array([0]))[0] == 0.5
    np.testing.assert_allclose(Softmax.activation(np.array([0.0, 0.0])), [0.5, 0.5])
