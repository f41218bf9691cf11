"""softmax, softmax_loss and mse_loss: the slide formulas, hypothesis properties, and stability."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nnbasics as nb

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
moderate = st.floats(-30, 30, allow_nan=False, allow_infinity=False)


@st.composite
def logits(draw, elements=finite, max_n=8, max_c=8, one_d=True):
    """(N, C) logits, or sometimes a single example (C,)."""
    C = draw(st.integers(1, max_c))
    if one_d and draw(st.booleans()):
        return draw(arrays(np.float64, (C,), elements=elements))
    N = draw(st.integers(1, max_n))
    return draw(arrays(np.float64, (N, C), elements=elements))


@st.composite
def logits_and_labels(draw, elements=finite):
    o = draw(logits(elements=elements, one_d=False))
    y = draw(arrays(np.int64, (o.shape[0],), elements=st.integers(0, o.shape[1] - 1)))
    return o, y


# ----------------------------------------------------------------------------- softmax

def test_softmax_is_the_slide_formula():
    o = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    e = np.exp(o)
    np.testing.assert_allclose(nb.softmax(o), e / e.sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(nb.softmax(o[0]), e[0] / e[0].sum(), rtol=1e-14)


@given(logits())
def test_softmax_rows_sum_to_one_and_are_probabilities(o):
    p = nb.softmax(o)
    assert p.shape == o.shape
    assert np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


@given(logits(), st.floats(-1e4, 1e4))
def test_softmax_is_shift_invariant(o, c):
    np.testing.assert_allclose(nb.softmax(o + c), nb.softmax(o), rtol=0, atol=1e-9)


@given(logits(elements=st.sampled_from([-1e4, 1e4, 0.0, -9999.5, 1e4 - 1e-3])))
def test_softmax_extreme_logits_do_not_overflow(o):
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        p = nb.softmax(o)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


@given(st.integers(0, 2**32 - 1), st.sampled_from([1e3, 1e4, 1e5]))
def test_softmax_large_arrays_of_extreme_values(seed, scale):
    rng = np.random.default_rng(seed)
    o = scale * rng.choice([-1.0, 1.0], size=(500, 40)) * rng.uniform(0.9, 1.0, size=(500, 40))
    with np.errstate(over="raise", invalid="raise"):
        p = nb.softmax(o)
    assert not np.any(np.isnan(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.argmax(p, axis=1), np.argmax(o, axis=1))


def test_softmax_of_one_huge_logit_is_one_hot():
    np.testing.assert_array_equal(nb.softmax(np.array([1e4, 0.0, -1e4])), [1.0, 0.0, 0.0])


# ----------------------------------------------------------------------------- softmax_loss

@given(logits_and_labels())
def test_softmax_loss_is_nonnegative_and_finite(oy):
    o, y = oy
    with np.errstate(over="raise", invalid="raise"):
        L, do = nb.softmax_loss(o, y)
    assert np.isfinite(L) and L >= 0
    assert np.all(np.isfinite(do))


@given(st.integers(1, 8), st.integers(1, 20), finite)
def test_softmax_loss_is_ln_C_for_equal_logits(N, C, value):
    o = np.full((N, C), value)
    L, _ = nb.softmax_loss(o, np.arange(N) % C)
    assert L == pytest.approx(np.log(C), rel=1e-12, abs=1e-12)


@given(logits_and_labels())
def test_softmax_loss_gradient_rows_sum_to_zero(oy):
    o, y = oy
    _, do = nb.softmax_loss(o, y)
    np.testing.assert_allclose(do.sum(axis=1), 0.0, rtol=0, atol=1e-15)


@given(logits_and_labels())
def test_softmax_loss_gradient_is_p_minus_onehot_over_N(oy):
    o, y = oy
    N, C = o.shape
    _, do = nb.softmax_loss(o, y)
    np.testing.assert_allclose(do, (nb.softmax(o) - np.eye(C)[y]) / N, rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(nb.one_hot(y, C), np.eye(C)[y])


@given(logits_and_labels(elements=moderate))
def test_softmax_loss_gradient_equals_the_numerical_derivative(oy):
    o, y = oy
    L, do = nb.softmax_loss(o, y)
    num = nb.numerical_gradient(lambda p: nb.softmax_loss(p["o"], y)[0], {"o": o.copy()}, eps=1e-6)["o"]
    # a central difference of L is good to about 1e-16·max(1, L)/ε absolute: for tiny gradients
    # (a confident, right prediction) that bound, not a relative error, is the honest test
    np.testing.assert_allclose(do, num, rtol=1e-7, atol=1e-9 * max(1.0, L))


@given(logits_and_labels())
def test_softmax_loss_equals_nll_of_softmax(oy):
    o, y = oy
    L, _ = nb.softmax_loss(o, y)
    p = nb.softmax(o)
    if np.all(p[np.arange(len(y)), y] > 1e-300):  # otherwise log p underflows; softmax_loss does not
        assert L == pytest.approx(nb.nll(p, y), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(np.exp(nb.log_softmax(o)), p, rtol=1e-9, atol=1e-300)


def test_softmax_loss_is_the_slide_formula_for_one_example():
    o = np.array([2.0, 1.0, 0.1])
    p = np.exp(o) / np.exp(o).sum()
    L, do = nb.softmax_loss(o, 0)
    assert L == pytest.approx(-np.log(p[0]), rel=1e-14)
    np.testing.assert_allclose(do, p - [1, 0, 0], rtol=1e-14)
    assert do.shape == (3,)


def test_softmax_loss_does_not_overflow_for_a_very_wrong_confident_prediction():
    L, do = nb.softmax_loss(np.array([[1e4, -1e4]]), np.array([1]))
    assert L == pytest.approx(2e4, rel=1e-12)
    np.testing.assert_allclose(do, [[1.0, -1.0]])


# ----------------------------------------------------------------------------- mse_loss

def test_mse_loss_formula_and_gradient():
    rng = np.random.default_rng(0)
    pred, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    L, d = nb.mse_loss(pred, target)
    assert L == pytest.approx(0.5 * np.sum((pred - target) ** 2) / 5, rel=1e-14)
    num = nb.numerical_gradient(lambda p: nb.mse_loss(p["x"], target)[0], {"x": pred.copy()}, eps=1e-6)["x"]
    assert nb.rel_error(d, num) < 1e-9
    assert nb.mse_loss(target, target) == (0.0, pytest.approx(np.zeros((5, 3))))


@st.composite
def pred_and_target(draw):
    shape = draw(st.tuples(st.integers(1, 6), st.integers(1, 4)))
    return draw(arrays(np.float64, shape, elements=moderate)), draw(arrays(np.float64, shape, elements=moderate))


@given(pred_and_target())
def test_mse_loss_is_nonnegative_zero_at_the_target_and_its_gradient_is_the_mean_difference(pt):
    pred, target = pt
    L, d = nb.mse_loss(pred, target)
    assert L >= 0
    assert nb.mse_loss(target, target)[0] == 0.0
    np.testing.assert_allclose(d, (pred - target) / pred.shape[0], rtol=1e-15)


# -- "(plus some regularization term)": L2 weight decay -----------------------------------------
def test_l2_penalty_is_half_lambda_times_the_squared_weights_and_leaves_biases_alone():
    params = nb.init_params([3, 5, 4, 2], seed=1)
    R, dR = nb.l2_penalty(params, 0.3)
    by_hand = 0.15 * sum(np.sum(params[k] ** 2) for k in ("W1", "W2", "W3"))
    assert R == pytest.approx(by_hand, rel=1e-12)
    assert set(dR) == set(params)
    for k in ("W1", "W2", "W3"):
        np.testing.assert_array_equal(dR[k], 0.3 * params[k])
    for k in ("b1", "b2", "b3"):
        assert dR[k].shape == params[k].shape and not dR[k].any()
    R0, dR0 = nb.l2_penalty(params, 0)
    assert R0 == 0 and not any(v.any() for v in dR0.values())


@pytest.mark.parametrize("lam", [1e-3, 0.1, 2.0])
def test_l2_penalty_gradient_equals_central_differences(lam):
    params = nb.init_params([2, 6, 3], seed=4)
    numeric = nb.numerical_gradient(lambda p: nb.l2_penalty(p, lam)[0], params)
    _, dR = nb.l2_penalty(params, lam)
    for k in params:
        assert nb.rel_error(dR[k], numeric[k]) < 1e-8 or np.abs(dR[k] - numeric[k]).max() < 1e-10, k


def test_l2_penalty_plus_loss_gradient_is_the_gradient_of_the_sum():
    # the Trainer adds dR to bprop's gradient: that must be the gradient of L + R
    X, y = nb.make_moons(n_per_class=10, seed=2)
    params = nb.init_params([2, 5, 2], seed=2)
    lam = 0.05

    def objective(p):
        return nb.softmax_loss(nb.fprop(p, X)[0], y)[0] + nb.l2_penalty(p, lam)[0]

    o, cache = nb.fprop(params, X)
    g = nb.bprop(nb.softmax_loss(o, y)[1], cache, params)
    dR = nb.l2_penalty(params, lam)[1]
    report = nb.grad_check(objective, params, {k: g[k] + dR[k] for k in params})
    assert report.ok and report.max_error < 1e-7


@pytest.mark.parametrize("bad, exc, match", [
    (-0.1, ValueError, r"lam \(the weight decay λ\) must be a finite number >= 0; got -0\.1"),
    (float("nan"), ValueError, r"lam \(the weight decay λ\) must be a finite number >= 0"),
    ("0.1", TypeError, r"lam \(the weight decay λ\) must be a number, got str"),
])
def test_l2_penalty_names_a_bad_lambda(bad, exc, match):
    with pytest.raises(exc, match=match):
        nb.l2_penalty(nb.init_params([2, 3, 2]), bad)


def test_l2_penalty_names_bad_params():
    with pytest.raises(TypeError, match="params must be a dict"):
        nb.l2_penalty([np.ones((2, 2))], 0.1)
    with pytest.raises(ValueError, match=r"params\['W1'\] contains NaN"):
        nb.l2_penalty({"W1": np.array([[np.nan]]), "b1": np.zeros(1)}, 0.1)
