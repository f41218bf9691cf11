"""SoftmaxApp (notebook 03): p, L and ∂L/∂o = p − y drawn from the logits, beside the numerical derivative."""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.apps import SoftmaxApp
from nnbasics.apps.probe import drawn_nonfinite


@pytest.fixture
def app(make_app):
    return make_app(SoftmaxApp)


def _heights(bars):
    return np.array([b.get_height() for b in bars])


def test_bars_are_softmax_and_p_minus_y(app):
    app.set_state(o1=1.5, o2=-0.5, o3=3.0, true_class=1)
    z = np.array([1.5, -0.5, 3.0])
    p = nb.softmax(z)
    np.testing.assert_allclose(app.bars.heights(), p)
    np.testing.assert_allclose(_heights(app.g_bars), p - np.eye(3)[1])
    np.testing.assert_allclose(app.g_num.get_ydata(), p - np.eye(3)[1], atol=1e-8)
    L, do = nb.softmax_loss(z, 1)
    assert app.loss_text.get_text().endswith(f"{L:.4f}")
    np.testing.assert_allclose(_heights(app.g_bars), do)
    assert app.bars.bars[1].get_hatch() == "//"


def test_large_logits_stable_and_the_naive_formula_reported(app):
    app.set_state(o1=10.0, o2=9.0, o3=-10.0, logit_scale=1000)
    assert app.last_error is None
    assert drawn_nonfinite(app.fig) == []
    np.testing.assert_allclose(app.bars.heights(), nb.softmax(np.array([10000.0, 9000.0, -10000.0])))
    assert "overflows" in app.readout.value
    app.logit_scale.value = 1
    assert "fine at these logits" in app.readout.value


def test_output_relu_clips_logits_and_blocks_their_gradient(app):
    app.set_state(o1=2.0, o2=-3.0, o3=-1.0, true_class=1, output_relu=True)
    z = np.array([2.0, -3.0, -1.0])
    o = np.maximum(z, 0)
    np.testing.assert_allclose(_heights(app.o_bars), o)
    np.testing.assert_allclose(app.z_marks.get_ydata(), z)
    assert app.z_marks.get_visible()
    g = _heights(app.g_bars)
    assert g[1] == 0 and g[2] == 0, "a negative logit gets no gradient through the output ReLU"
    np.testing.assert_allclose(app.g_num.get_ydata(), g, atol=1e-8)
    # the true class's logit is stuck below 0: p of the true class cannot rise above that of o = 0
    np.testing.assert_allclose(app.bars.heights(), nb.softmax(o))


@pytest.mark.parametrize("name", ["o1", "o2", "o3", "logit_scale", "true_class", "output_relu"])
def test_every_control_swept_formula_matches_numerical(app, sweep, name):
    app.set_state(logit_scale=10)
    seen = set()
    for _ in sweep(app, name):
        g, num = _heights(app.g_bars), app.g_num.get_ydata()
        z = app.z()
        at_kink = app.output_relu.value and np.any(np.abs(z) < 1e-4)
        if not at_kink:
            np.testing.assert_allclose(num, g, atol=1e-6)
        seen.add(tuple(np.round(np.r_[app.bars.heights(), g, _heights(app.o_bars)], 9)))
    assert len(seen) > 1, f"moving {name} never changed the bars"
