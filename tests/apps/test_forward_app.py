"""ForwardApp (notebook 01): the diagram shows fprop of the sliders' input, and every slider moves it."""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.apps import ForwardApp


@pytest.fixture
def app(make_app):
    return make_app(ForwardApp)


def _shown(app):
    return np.array([float(t.get_text()) for t in app.diagram.value_texts])


def test_numbers_are_the_slide_formulas(app):
    app.set_state(x1=1.25, x2=-0.4, weight_scale=1.5, seed=3)
    p = nb.init_params([2, 4, 4, 3], seed=3)
    W = {k: (v * 1.5 if k.startswith("W") else v) for k, v in p.items()}
    x = np.array([1.25, -0.4])
    h1 = np.maximum(0, W["W1"] @ x + W["b1"])          # the slides' column form
    h2 = np.maximum(0, W["W2"] @ h1 + W["b2"])
    o = W["W3"] @ h2 + W["b3"]
    pr = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
    np.testing.assert_allclose(_shown(app), np.concatenate([x, h1, h2, o, pr]), atol=0.006)
    k = int(np.argmax(pr))
    assert app.prediction.get_text().endswith(f"class {k + 1}")
    np.testing.assert_allclose(app.ring.get_offsets()[0], app.diagram.pos[-1][k])


def test_weight_scale_scales_the_edges(app):
    app.set_state(weight_scale=1.0)
    w1 = app.diagram.edge_widths() - 0.15
    app.weight_scale.value = 0.5
    w_half = app.diagram.edge_widths() - 0.15
    np.testing.assert_allclose(w_half, np.minimum(w1 / 2, app.diagram.max_width), atol=1e-12)
    app.weight_scale.value = 0.0
    assert np.allclose(app.diagram.edge_widths(), 0.15)
