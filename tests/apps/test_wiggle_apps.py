"""WiggleApp and WiggleTrainApp (notebook 04), driven headless: sliders swept, the rule checked."""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.apps import WiggleApp, WiggleTrainApp
from nnbasics.landscape import loss_along, param_names


@pytest.fixture(scope="module")
def app(make_module_app):
    return make_module_app(WiggleApp)


@pytest.fixture(scope="module")
def train(make_module_app):
    return make_module_app(WiggleTrainApp)


def test_the_weight_slider_reaches_every_parameter(app):
    assert app.weight.min == 0 and app.weight.max == nb.count_params(app.params) - 1
    assert app.names == param_names(app.params)


def test_slices_are_the_loss_along_each_weight(app):
    """The drawn slice of weight k is f(θ with w_k + Δ) of the library, Δ by Δ."""
    span = app.SPAN[::20]
    for k in (0, 9, 20, 44, 46):
        key, i = app.names[k]
        theta = app.params[key]
        old = theta[i]
        expected = []
        for d in span:
            theta[i] = old + d
            expected.append(app.f(app.params))
        theta[i] = old
        np.testing.assert_allclose(app.slices[k][::20], expected, rtol=1e-12, atol=1e-13)
        np.testing.assert_array_equal(app.slices[k], loss_along(app.params, app.X, app.y, key, i, app.SPAN))
    app.set_state(weight=9)
    np.testing.assert_array_equal(app.curve.get_ydata(), app.slices[9])


def test_the_rule_and_the_slope(app):
    """W ← W + ε sgn(L(θ) − L(θ, W + ε)); (L⁺ − L)/ε → ∂L/∂w from backprop as ε shrinks."""
    for k in (5, 10, 30, 44):
        key, i = app.names[k]
        g = app.grads[key][i]
        for eps in (1e-1, 1e-3, 1e-6):
            L0, L_plus, move = app.wiggle(k, eps)
            assert move == pytest.approx(eps * np.sign(L0 - L_plus))
            if abs(g) > 1e-3 and eps <= 1e-3:
                assert np.sign(move) == -np.sign(g)          # the wiggle goes downhill
        L0, L_plus, _ = app.wiggle(k, 1e-6)
        assert (L_plus - L0) / 1e-6 == pytest.approx(g, rel=1e-3, abs=1e-6)
    assert app.L0 == pytest.approx(app.f(app.params))       # θ is left exactly as it was


def test_wiggle_readout_shows_the_two_losses(app):
    app.set_state(weight=5, eps=1e-2)
    L0, L_plus, move = app.wiggle(5, 1e-2)
    html = app.readout.value
    assert f"{L0:.10f}" in html and f"{L_plus:.10f}" in html and "W1[2,1]" in html
    assert tuple(app.trial.get_xydata()[0]) == pytest.approx((1e-2, L_plus))


def test_train_slider_swept(train, sweep):
    images = set()
    for t in sweep(train, "step", n=7):
        images.add(np.asarray(train.regions.get_array()).tobytes())
        assert train.marks[0].get_xydata()[0] == pytest.approx((t, train.losses[t]))
        assert f"{int(train.evals[t]):,}" in train.counter.value
    assert len(images) > 1, "the decision regions never change"


def test_train_counts_one_more_than_the_parameters_per_step_and_lowers_the_loss(train):
    n_params = train.n_params
    assert n_params == nb.count_params(nb.init_params(train.SIZES))
    np.testing.assert_array_equal(train.evals, np.arange(train.N_STEPS + 1) * (n_params + 1))
    assert train.losses[-1] < 0.5 * train.losses[0]
    assert np.all(np.diff(train.losses[:20]) < 0), "the first wiggle steps each lower the loss"
    assert train.gd_losses[-1] < train.gd_losses[0]
