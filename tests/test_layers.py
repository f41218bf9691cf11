"""Each layer's bprop against central differences in float64 (error about 1e-9 or better).

A layer's backward pass is checked through the scalar ``L = Σ out · R`` for a fixed random ``R``,
so that ``∂L/∂out = R`` is the upstream gradient and every ``∂L/∂input`` is a plain derivative.
"""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.layers import ACTIVATIONS

TOL = 1e-9


def numeric(f, **arrays):
    """Central differences of ``f(**arrays)`` w.r.t. every array (float64, eps = 1e-6)."""
    return nb.numerical_gradient(lambda p: f(**p), arrays, eps=1e-6)


@pytest.mark.parametrize("N, n_in, n_out", [(1, 1, 1), (4, 3, 5), (7, 6, 2)])
def test_affine_fprop_is_the_slide_formula(N, n_in, n_out):
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((N, n_in)), rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
    z, cache = nb.affine_fprop(x, W, b)
    assert z.shape == (N, n_out)
    for n in range(N):  # the slide's W x + b, one column at a time
        np.testing.assert_allclose(z[n], W @ x[n] + b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("N, n_in, n_out", [(1, 1, 1), (4, 3, 5), (7, 6, 2)])
def test_affine_bprop_matches_central_differences(N, n_in, n_out):
    rng = np.random.default_rng(N + n_in)
    x, W, b = rng.standard_normal((N, n_in)), rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
    R = rng.standard_normal((N, n_out))
    _, cache = nb.affine_fprop(x, W, b)
    dx, dW, db = nb.affine_bprop(R, cache)
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)
    num = numeric(lambda x, W, b: float(np.sum(nb.affine_fprop(x, W, b)[0] * R)), x=x, W=W, b=b)
    assert nb.rel_error(dx, num["x"]) < TOL
    assert nb.rel_error(dW, num["W"]) < TOL
    assert nb.rel_error(db, num["b"]) < TOL


def away_from_zero(shape, seed, margin=0.1):
    """Random pre-activations at least ``margin`` away from the ReLU kink at 0."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(shape)
    return np.where(z >= 0, z + margin, z - margin)


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 4)])
def test_relu_bprop_matches_central_differences_away_from_kinks(shape):
    z = away_from_zero(shape, seed=len(shape))
    R = np.random.default_rng(1).standard_normal(shape)
    h, cache = nb.relu_fprop(z)
    np.testing.assert_array_equal(h, np.maximum(0, z))
    dz = nb.relu_bprop(R, cache)
    num = numeric(lambda z: float(np.sum(nb.relu_fprop(z)[0] * R)), z=z)
    assert nb.rel_error(dz, num["z"]) < TOL
    np.testing.assert_array_equal(dz, R * (z > 0))


def test_relu_bprop_takes_derivative_zero_at_the_kink():
    z = np.array([[-1.0, 0.0, 2.0]])
    dz = nb.relu_bprop(np.ones((1, 3)), nb.relu_fprop(z)[1])
    np.testing.assert_array_equal(dz, [[0.0, 0.0, 1.0]])


def test_relu_fprop_does_not_change_its_input():
    z = np.array([-1.0, 0.5])
    h, cache = nb.relu_fprop(z)
    h[...] = 7.0
    np.testing.assert_array_equal(z, [-1.0, 0.5])


@pytest.mark.parametrize("shape", [(5,), (4, 3)])
def test_tanh_bprop_matches_central_differences(shape):
    z = 2 * np.random.default_rng(3).standard_normal(shape)
    R = np.random.default_rng(4).standard_normal(shape)
    h, cache = nb.tanh_fprop(z)
    np.testing.assert_allclose(h, np.tanh(z), rtol=0, atol=0)
    dz = nb.tanh_bprop(R, cache)
    num = numeric(lambda z: float(np.sum(nb.tanh_fprop(z)[0] * R)), z=z)
    assert nb.rel_error(dz, num["z"]) < TOL


def test_activations_table_pairs_each_fprop_with_its_bprop():
    assert ACTIVATIONS["relu"] == (nb.relu_fprop, nb.relu_bprop)
    assert ACTIVATIONS["tanh"] == (nb.tanh_fprop, nb.tanh_bprop)


def test_layer_composition_affine_relu_affine_matches_central_differences():
    """Chaining the layer bprops by hand is the chain rule of the BPROP slides."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 3))
    W1, b1 = rng.standard_normal((4, 3)), rng.standard_normal(4)
    W2, b2 = rng.standard_normal((2, 4)), rng.standard_normal(2)
    R = rng.standard_normal((6, 2))

    def loss(x, W1, b1, W2, b2):
        z1, _ = nb.affine_fprop(x, W1, b1)
        h1, _ = nb.relu_fprop(z1)
        o, _ = nb.affine_fprop(h1, W2, b2)
        return float(np.sum(o * R))

    z1, c1 = nb.affine_fprop(x, W1, b1)
    assert np.min(np.abs(z1)) > 1e-4  # no kink within reach of eps
    h1, cr = nb.relu_fprop(z1)
    _, c2 = nb.affine_fprop(h1, W2, b2)
    dh1, dW2, db2 = nb.affine_bprop(R, c2)
    dx, dW1, db1 = nb.affine_bprop(nb.relu_bprop(dh1, cr), c1)
    num = numeric(loss, x=x, W1=W1, b1=b1, W2=W2, b2=b2)
    for name, g in dict(x=dx, W1=dW1, b1=db1, W2=dW2, b2=db2).items():
        assert nb.rel_error(g, num[name]) < TOL, name
