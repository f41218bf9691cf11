"""The checks of notebooks 04–06: each accepts the reference, rejects each mistake it names (one
mutant per mistake, recognised by its code), says "not attempted" for a stub, and never raises."""
import numpy as np
import pytest

from nnbasics.exercises import backprop as B
from nnbasics.exercises import (  # noqa: I001
    check_affine_bprop,
    check_numerical_gradient,
    check_rel_error,
    check_relu_bprop,
    check_softmax_loss_grad,
    check_wiggle_cost,
    check_wiggle_one,
)


def stub(*args):
    raise NotImplementedError


def returns_none(*args):
    return None


def crashes(*args):
    raise IndexError("index 7 is out of bounds")


def assert_wrong(fb, mistake):
    assert fb.status == "wrong", f"expected a wrong answer ({mistake}), got {fb}"
    assert fb.mistake == mistake, f"expected mistake {mistake!r}, got {fb.mistake!r}: {fb}"
    assert fb.message and fb.hint, fb
    str(fb), fb._repr_html_()                                     # both renderings work


ALL_CHECKS = [check_relu_bprop, check_affine_bprop, check_softmax_loss_grad, check_numerical_gradient,
              check_rel_error, check_wiggle_one, check_wiggle_cost]


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.__name__)
def test_stub_is_not_attempted_and_nothing_raises(check):
    for fn, status in [(stub, "not attempted"), (returns_none, "not attempted"), (None, "not attempted"),
                       (crashes, "wrong")]:
        fb = check(fn)
        assert fb.status == status, fb
        assert not fb.passed
    assert "not attempted" in str(check(stub))


# -- relu_bprop -------------------------------------------------------------------------------------
def test_relu_reference_accepted():
    assert check_relu_bprop(B.relu_bprop_reference).status == "correct"
    assert check_relu_bprop(lambda dh, z: np.where(z > 0, dh, 0.0)).passed


@pytest.mark.parametrize("mutant, mistake", [
    (lambda dh, z: -dh * (z > 0), "sign"),
    (lambda dh, z: dh * (dh > 0), "wrong_mask"),
    (lambda dh, z: dh * (z >= 0), "kink"),
    (lambda dh, z: dh.copy(), "no_mask"),
    (lambda dh, z: (z > 0).astype(float), "mask_only"),
    (lambda dh, z: (dh * (z > 0)).ravel(), "shape"),
    (lambda dh, z: (dh * (z > 0)).T, "transpose"),
    (lambda dh, z: dh * (z > 0) * 2, "values"),
], ids=["sign", "wrong_mask", "kink", "no_mask", "mask_only", "shape", "transpose", "values"])
def test_relu_mutants(mutant, mistake):
    assert_wrong(check_relu_bprop(mutant), mistake)


# -- affine_bprop -----------------------------------------------------------------------------------
def test_affine_reference_accepted():
    assert check_affine_bprop(B.affine_bprop_reference).status == "correct"
    assert check_affine_bprop(lambda dz, x, W: (np.einsum("no,oi->ni", dz, W), np.einsum("no,ni->oi", dz, x),
                                                np.sum(dz, axis=0))).passed


@pytest.mark.parametrize("mutant, mistake", [
    (lambda dz, x, W: (dz @ W, x.T @ dz, dz.sum(0)), "transpose"),
    (lambda dz, x, W: (dz @ W, -(dz.T @ x), dz.sum(0)), "sign"),
    (lambda dz, x, W: (-(dz @ W), dz.T @ x, dz.sum(0)), "sign"),
    (lambda dz, x, W: (dz @ W, dz.T @ x / len(x), dz.sum(0)), "factor_N"),
    (lambda dz, x, W: (dz @ W, dz.T @ x, dz.mean(0)), "factor_N"),
    (lambda dz, x, W: (dz @ W, dz.T @ x, dz), "shape"),
    (lambda dz, x, W: (dz.T @ x, dz @ W, dz.sum(0)), "order"),
    (lambda dz, x, W: (dz @ W, dz.T @ x), "format"),
], ids=["transposed_dW", "sign_dW", "sign_dx", "factor_N_dW", "factor_N_db", "db_not_summed", "order", "format"])
def test_affine_mutants(mutant, mistake):
    assert_wrong(check_affine_bprop(mutant), mistake)


def test_affine_mistake_message_names_the_array():
    fb = check_affine_bprop(lambda dz, x, W: (dz @ W, x.T @ dz, dz.sum(0)))
    assert "dW" in fb.message and "transposed" in fb.message


# -- softmax_loss_grad ------------------------------------------------------------------------------
def _p(o):
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _Y(o, y):
    Y = np.zeros_like(o)
    Y[np.arange(len(y)), y] = 1
    return Y


def test_softmax_reference_accepted():
    assert check_softmax_loss_grad(B.softmax_loss_grad_reference).status == "correct"


def _no_max(o, y):
    e = np.exp(o)
    return (e / e.sum(axis=1, keepdims=True) - _Y(o, y)) / len(y)


def _axis0(o, y):
    e = np.exp(o - o.max(axis=0, keepdims=True))
    return (e / e.sum(axis=0, keepdims=True) - _Y(o, y)) / len(y)


@pytest.mark.parametrize("mutant, mistake", [
    (lambda o, y: _p(o) - _Y(o, y), "factor_N"),
    (lambda o, y: (_Y(o, y) - _p(o)) / len(y), "sign"),
    (lambda o, y: _p(o) / len(y), "missing_y"),
    (_axis0, "axis"),
    (_no_max, "overflow"),
    (lambda o, y: ((_p(o) - _Y(o, y)) / len(y))[:, :2], "shape"),
], ids=["factor_N", "sign", "missing_y", "axis", "overflow", "shape"])
def test_softmax_mutants(mutant, mistake):
    fb = check_softmax_loss_grad(mutant)
    assert_wrong(fb, mistake)


def test_softmax_factor_N_message_says_N():
    fb = check_softmax_loss_grad(lambda o, y: _p(o) - _Y(o, y))
    assert "N = 4" in fb.message and "1/N" in fb.message


# -- numerical_gradient -----------------------------------------------------------------------------
def central(f, w, eps=1e-5):
    g = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        fp = f(w)
        w[i] = old - eps
        fm = f(w)
        w[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def forward(f, w, eps=1e-5):
    g, f0 = np.zeros_like(w), f(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        g[i] = (f(w) - f0) / eps
        w[i] = old
    return g


def not_restored(f, w, eps=1e-5):
    g = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        w[i] += eps
        fp = f(w)
        w[i] -= 2 * eps
        fm = f(w)
        g[i] = (fp - fm) / (2 * eps)                    # w[i] left at old − eps
    return g


def all_at_once(f, w, eps=1e-5):
    d = (f(w + eps) - f(w - eps)) / (2 * eps)
    return np.full_like(w, d)


def test_numerical_gradient_reference_accepted():
    assert check_numerical_gradient(central).status == "correct"


@pytest.mark.parametrize("mutant, mistake", [
    (forward, "forward_difference"),
    (lambda f, w: 2 * central(f, w), "factor_2"),
    (lambda f, w: -central(f, w), "sign"),
    (not_restored, "not_restored"),
    (all_at_once, "all_at_once"),
    (lambda f, w: central(f, w).ravel(), "shape"),
], ids=["forward", "factor_2", "sign", "not_restored", "all_at_once", "shape"])
def test_numerical_gradient_mutants(mutant, mistake):
    assert_wrong(check_numerical_gradient(mutant), mistake)


# -- rel_error --------------------------------------------------------------------------------------
def test_rel_error_reference_accepted():
    assert check_rel_error(B.rel_error_reference).status == "correct"
    import nnbasics as nb

    assert check_rel_error(nb.rel_error).status == "correct"


@pytest.mark.parametrize("mutant, mistake", [
    (lambda a, b: float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)))), "elementwise"),
    (lambda a, b: float(np.max(np.abs(a - b))), "absolute"),
    (lambda a, b: float(np.max(a - b) / max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b)))), "no_abs"),
    (lambda a, b: float(np.max(np.abs(a - b)) / max(1e-12, np.max(a) + np.max(b))), "no_abs"),
    (lambda a, b: np.abs(a - b), "shape"),
], ids=["elementwise", "absolute", "no_abs_numerator", "no_abs_denominator", "array"])
def test_rel_error_mutants(mutant, mistake):
    assert_wrong(check_rel_error(mutant), mistake)


# -- the wiggle rule --------------------------------------------------------------------------------
def wiggle_ref(f, params, name, index, eps):
    W = params[name]
    L0 = f(params)
    old = W[index]
    W[index] = old + eps
    L_plus = f(params)
    W[index] = old + eps * np.sign(L0 - L_plus)
    return 2


def wiggle_uphill(f, params, name, index, eps):
    W = params[name]
    L0 = f(params)
    old = W[index]
    W[index] = old + eps
    L_plus = f(params)
    W[index] = old + eps * np.sign(L_plus - L0)
    return 2


def wiggle_not_restored(f, params, name, index, eps):
    W = params[name]
    L0 = f(params)
    W[index] += eps
    L_plus = f(params)
    W[index] += eps * np.sign(L0 - L_plus)              # forgot to go back to the old value first
    return 2


def wiggle_gradient_step(f, params, name, index, eps):
    W = params[name]
    L0 = f(params)
    old = W[index]
    W[index] = old + eps
    L_plus = f(params)
    W[index] = old - 0.1 * (L_plus - L0) / eps          # a gradient step, not the sign rule
    return 2


def wiggle_counts_wrong(f, params, name, index, eps):
    wiggle_ref(f, params, name, index, eps)
    return 1


def wiggle_touches_others(f, params, name, index, eps):
    wiggle_ref(f, params, name, index, eps)
    params[name] += eps * 1e-3
    return 2


def test_wiggle_reference_accepted():
    assert check_wiggle_one(wiggle_ref).status == "correct"


@pytest.mark.parametrize("mutant, mistake", [
    (wiggle_uphill, "uphill"), (wiggle_not_restored, "not_restored"), (wiggle_gradient_step, "step_size"),
    (wiggle_counts_wrong, "n_evals"), (wiggle_touches_others, "others_changed"),
], ids=["uphill", "not_restored", "step_size", "n_evals", "others_changed"])
def test_wiggle_mutants(mutant, mistake):
    assert_wrong(check_wiggle_one(mutant), mistake)


def test_wiggle_cost():
    assert check_wiggle_cost(B.wiggle_cost_reference).status == "correct"
    assert B.wiggle_cost_reference([2, 16, 16, 3]) == 372
    assert_wrong(check_wiggle_cost(lambda s: B.wiggle_cost_reference(s) - 1), "no_plus_one")
    assert_wrong(check_wiggle_cost(lambda s: 1 + sum(s[i] * s[i - 1] for i in range(1, len(s)))), "no_biases")
    assert_wrong(check_wiggle_cost(lambda s: 2 * B.wiggle_cost_reference(s)), "values")


def test_wiggle_cost_reference_matches_the_library():
    import nnbasics as nb

    for sizes in ([2, 3], [2, 16, 16, 3], [64, 32, 10]):
        params = nb.init_params(sizes)
        f = lambda p: float(sum(np.sum(v) for v in p.values()))
        assert nb.wiggle_step(f, params, eps=1e-3) == B.wiggle_cost_reference(sizes) == nb.count_params(params) + 1
