import warnings

import numpy as np
import pytest

import reference
from activation_functions import (ACTIVATIONS, Identity, LeakyRectifier, Rectifier, Sigmoid, Softmax, Softplus, Swish,
                                  Tanh)

#: The library's own activations: the five original classes, and instances of the others (one with a slope of
#: its own, so that a slope that is not the default is tested too).
BUILT_IN = [Sigmoid, Rectifier, Softmax, Tanh, Identity, LeakyRectifier(), LeakyRectifier(slope=0.3), Softplus(),
            Swish()]
ELEMENT_WISE = [f for f in BUILT_IN if f is not Softmax]


def test_the_registry_holds_the_library_s_activations():
    assert sorted(ACTIVATIONS) == sorted(['Sigmoid', 'Rectifier', 'Softmax', 'Tanh', 'Identity', 'LeakyRectifier',
                                          'Softplus', 'Swish'])
    with pytest.raises(TypeError):
        ACTIVATIONS['Mine'] = Sigmoid      # read-only: register_activation is the way in


@pytest.mark.parametrize('function', BUILT_IN, ids=repr)
def test_activation_matches_the_formula(function):
    z = np.random.default_rng(0).normal(0, 2, (6, 4))
    np.testing.assert_allclose(function.activation(z), reference.activation(reference.spec(function), z),
                               rtol=1e-12)


def test_hand_worked_values():
    z = np.array([[0.0, np.log(3.0), -np.log(3.0)]])
    np.testing.assert_allclose(Sigmoid.activation(z), [[0.5, 0.75, 0.25]])
    np.testing.assert_allclose(Rectifier.activation(z), [[0.0, np.log(3.0), 0.0]])
    np.testing.assert_allclose(Tanh.activation(z), [[0.0, 0.8, -0.8]])
    np.testing.assert_allclose(Softmax.activation(np.log([[1.0, 2.0, 5.0]])), [[0.125, 0.25, 0.625]])


def test_hand_worked_values_of_the_newer_functions():
    z = np.array([[0.0, np.log(3.0), -np.log(3.0), -2.0]])
    np.testing.assert_allclose(LeakyRectifier(slope=0.1).activation(z), [[0.0, np.log(3.0), -0.1 * np.log(3.0), -0.2]])
    # softplus(log 3) = log 4; softplus(-log 3) = log(4/3)
    np.testing.assert_allclose(Softplus().activation(z)[0, :3], [np.log(2.0), np.log(4.0), np.log(4.0 / 3.0)])
    # swish(log 3) = log 3 * 3/4; swish(-log 3) = -log 3 * 1/4
    np.testing.assert_allclose(Swish().activation(z)[0, :3], [0.0, 0.75 * np.log(3.0), -0.25 * np.log(3.0)])


@pytest.mark.parametrize('function', ELEMENT_WISE, ids=repr)
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


@pytest.mark.parametrize('function', BUILT_IN, ids=repr)
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
    # z only for the functions that ask for it, as the net passes it.
    result = function.backward(a, grad_a.copy() if not in_place else grad_a, out=out,
                               z=z.copy() if function.needs_z else None)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize('function', BUILT_IN, ids=repr)
def test_the_original_backward_protocol_still_works_without_z(function):
    """``backward(a, grad_a, out)``, the protocol before z existed, for every function that reads a alone."""
    if function.needs_z:
        assert function.name == 'Swish'
        return
    z = np.random.default_rng(4).normal(0, 1.5, (5, 4))
    grad_a = np.ones_like(z)
    a = function.activation(z)
    np.testing.assert_allclose(function.backward(a, grad_a, np.empty_like(z)),
                               function.backward(a, grad_a, np.empty_like(z), z=z))


@pytest.mark.parametrize('function', [f for f in BUILT_IN if not f.needs_z], ids=repr)
def test_the_functions_that_need_no_z_compute_in_place(function):
    """The net computes a over z for them: ``activation(z, out=z)`` must give f(z)."""
    z = np.random.default_rng(5).normal(0, 2, (5, 4))
    expected = function.activation(z)
    assert function.activation(z, out=z) is z
    np.testing.assert_array_equal(z, expected)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('function', [LeakyRectifier(), Softplus(), Swish()], ids=repr)
def test_the_newer_functions_are_stable_for_large_inputs(function, dtype):
    z = np.array([[-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        a = function.activation(z)
        g = function.gradient(z)
    assert a.dtype == dtype and g.dtype == dtype
    assert np.isfinite(a).all() and np.isfinite(g).all()
    # Far from 0 each behaves as a rectifier: f(z) ~ z (slope z) and f' ~ 1 (slope) on either side.
    np.testing.assert_allclose(a[0, -2:], z[0, -2:], rtol=1e-6)
    np.testing.assert_allclose(g[0, [0, -1]], [getattr(function, 'slope', 0.0), 1.0], atol=1e-6)


def test_weight_gains_are_one_over_the_mean_square_of_the_activation():
    """1 / E[f(z)^2] for z ~ N(0, 1), by Gauss-Hermite quadrature and the plain formulas of the reference."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(100)
    weights /= weights.sum()
    for function in (LeakyRectifier(slope=0.3), Softplus(), Swish(), Rectifier):
        mean_square = (weights * reference.activation(reference.spec(function), nodes) ** 2).sum()
        assert function.weight_gain == pytest.approx(1 / mean_square, rel=1e-4), function


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


def test_sigmoid_takes_python_scalars_as_numpy_s_own_functions_do():
    # The original's unit tests call Sigmoid.activation(0) and Sigmoid.gradient(0): they raised a TypeError.
    assert Sigmoid.activation(0) == 0.5 and isinstance(Sigmoid.activation(0), np.float64)
    assert Sigmoid.gradient(0) == 0.25 and isinstance(Sigmoid.gradient(0), np.float64)
    assert 0 < Sigmoid.activation(-800) < 1e-300     # stable for scalars too: no overflow


@pytest.mark.parametrize('function', BUILT_IN, ids=repr)
@pytest.mark.parametrize('z', [0, -2, 1.5, np.float32(0.75), np.array(-0.25)], ids=repr)
def test_a_scalar_gives_a_numpy_scalar_as_np_exp_does(function, z):
    a, g = function.activation(z), function.gradient(z)
    dtype = np.exp(z).dtype       # float64, or float32 for a float32 scalar
    assert isinstance(a, np.generic) and a.dtype == dtype
    assert isinstance(g, np.generic) and g.dtype == dtype
    # The value is that of the same number in a batch of one example of one unit.
    batch = np.full((1, 1), z, dtype=dtype)
    assert a == function.activation(batch)[0, 0]
    assert g == (function.gradient(batch)[0, 0, 0] if function is Softmax else function.gradient(batch)[0, 0])


@pytest.mark.parametrize('function', BUILT_IN, ids=repr)
def test_lists_and_one_dimensional_arrays_are_one_row(function):
    values = [-1.0, 0, 2]
    row = np.array([values])
    np.testing.assert_array_equal(function.activation(values), function.activation(row)[0])
    np.testing.assert_array_equal(function.activation(np.array(values)), function.activation(row)[0])
    np.testing.assert_array_equal(function.gradient(values), function.gradient(row)[0])
