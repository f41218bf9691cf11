"""BackpropApp (notebook 05): the backward pass stepped layer by layer on the diagram."""
import numpy as np
import pytest

from nnbasics.apps import BackpropApp
from nnbasics.apps.backprop import NOT_YET, backprop_steps


@pytest.fixture(scope="module")
def app(make_module_app):
    return make_module_app(BackpropApp)


def drawn(app):
    d = app.diagram
    return (np.asarray(d.edges.get_linewidths()).round(9).tobytes(),
            np.ma.filled(np.ma.asarray(d.nodes.get_array(), dtype=float), -1).round(9).tobytes(),
            tuple(t.get_text() for t in d.value_texts), app.formulas.value)


def edge_blocks(app, values):
    sizes = app.SIZES
    starts = np.cumsum([0] + [sizes[l] * sizes[l - 1] for l in range(1, len(sizes))])
    return [values[starts[l - 1]:starts[l]] for l in range(1, len(sizes))]


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_each_step_shows_exactly_the_gradients_computed_so_far(app, activation):
    L = app.L
    for s in range(L + 1):
        app.set_state(step=s, activation=activation, example=12)
        cache, grads, p, loss = app.passes()
        colours = np.asarray(app.diagram.edges.get_colors())
        widths = app.diagram.edge_widths()
        top = L - s + 1
        for l, (c, w) in enumerate(zip(edge_blocks(app, colours), edge_blocks(app, widths), strict=True), start=1):
            grey = np.allclose(c, NOT_YET)
            if s == 0:
                assert not grey                                # the forward picture: weights
            elif l < top:
                assert grey, f"step {s}: layer {l} is not computed yet but is not grey"
            else:
                assert not grey, f"step {s}: layer {l}'s ∂L/∂W should be drawn"
                g = np.abs(grads[f"W{l}"]).ravel()
                big = g > 1e-9
                # width grows with |∂L/∂W| (the diagram's width = 0.15 + 6 · min(|g| / ref, 1))
                assert np.all(np.diff(w[np.argsort(g)]) >= -1e-9)
                assert np.all(w[big] > w[~big].max(initial=0) - 1e-9)
        # the numbers beside the reached hidden nodes are the signed ∂L/∂h
        texts = [t.get_text() for t in app.diagram.value_texts]
        if s >= 1:
            assert texts[app.SIZES[0] + 4 + 4: app.SIZES[0] + 4 + 4 + 3] == [f"{v:+.3f}" for v in grads["o"]]
            assert texts[app.SIZES[0] + 4: app.SIZES[0] + 8] == [f"{v:+.3f}" for v in grads["h2"]]
        if s >= 2:
            assert texts[app.SIZES[0]: app.SIZES[0] + 4] == [f"{v:+.3f}" for v in grads["h1"]]
        elif s == 1:
            assert texts[app.SIZES[0]: app.SIZES[0] + 4] == [""] * 4
    app.set_state(step=1, example=12, activation="relu")


def test_formulas_follow_the_slides(app):
    steps = backprop_steps(3, "relu")
    assert len(steps) == 4
    text = ["".join(s) for s in steps]
    assert "FPROP" in text[0] and "h¹ = max(0, W¹x + b¹)" in text[0]
    assert "∂L/∂o = p(c|x) − y" in text[1]
    assert "∂L/∂W³ = (p(c|x) − y) h²<sup>T</sup>" in text[1]
    assert "∂L/∂h² = W³<sup>T</sup> (p(c|x) − y)" in text[1]
    assert "[z² &gt; 0]" in text[2] and "∂L/∂W² = ∂L/∂z² h¹<sup>T</sup>" in text[2]
    assert "∂L/∂W¹ = ∂L/∂z¹ x<sup>T</sup>" in text[3]
    assert "(1 − (h²)²)" in "".join(backprop_steps(3, "tanh")[2])
    app.set_state(step=2)
    assert "∂L/∂W²" in app.formulas.value and "BPROP step 2" in app.heading.value
    app.set_state(step=1)
