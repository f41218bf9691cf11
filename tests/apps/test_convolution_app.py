"""Notebook 09's kernel editor: the maps it draws are the convolution, ReLU and max-pooling of the
digit, computed here independently with loops; presets and sliders stay consistent."""
import re

import numpy as np
import pytest

from nnbasics.apps import ConvApp
from nnbasics.apps.convolution import CUSTOM, PRESETS, WEIGHTS
from nnbasics.apps.probe import drawn_nonfinite
from nnbasics.data import digits_split

X_TEST, Y_TEST = digits_split(0)[4:]


def conv_same(img, W, b):
    """3×3 cross-correlation with one ring of zeros: out[i, j] = b + Σ_u Σ_v W[u, v] img_pad[i + u, j + v]."""
    p = np.pad(img, 1)
    return np.array([[b + np.sum(W * p[i:i + 3, j:j + 3]) for j in range(8)] for i in range(8)])


@pytest.fixture
def app(make_app):
    return make_app(ConvApp, digit=7, preset="vertical edge", b=0.3)


def test_the_maps_are_the_convolution_relu_and_pooling_of_the_digit(app):
    img = X_TEST[7].reshape(8, 8)
    W = np.array(PRESETS["vertical edge"], dtype=float)
    z = conv_same(img, W, 0.3)
    np.testing.assert_allclose(app.im_x.get_array(), img)
    np.testing.assert_allclose(app.im_z.get_array(), z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(app.im_a.get_array(), np.maximum(z, 0), atol=1e-12)
    pooled = np.maximum(z, 0).reshape(4, 2, 4, 2).max(axis=(1, 3))
    np.testing.assert_allclose(app.im_h.get_array(), pooled, atol=1e-12)
    m = np.abs(z).max()
    assert app.im_z.get_clim() == pytest.approx((-m, m))
    # a dot on each window's arg-max, for the windows whose max is positive
    dots = {(int(r), int(c)) for c, r in app.kept.get_offsets()}
    a = np.maximum(z, 0)
    expected = set()
    for i in range(4):
        for j in range(4):
            win = a[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            if win.max() > 0:
                u, v = np.unravel_index(np.argmax(win), (2, 2))
                expected.add((2 * i + u, 2 * j + v))
    assert dots == expected


def test_identity_kernel_gives_back_the_digit(make_app):
    app = make_app(ConvApp, digit=3, preset="identity")
    np.testing.assert_allclose(app.im_z.get_array(), X_TEST[3].reshape(8, 8), atol=1e-15)
    assert f"a {Y_TEST[3]}," in app.describe()


def test_a_preset_sets_the_weights_and_moving_a_weight_makes_it_custom(app):
    app.preset.value = "blur"
    np.testing.assert_array_equal(app.kernel(), PRESETS["blur"])
    assert app.last_error is None
    app.w11.value = 1.0
    assert app.preset.value == CUSTOM and app.kernel()[1, 1] == 1.0
    app.preset.value = CUSTOM                          # no change of weights
    assert app.kernel()[1, 1] == 1.0
    app.preset.value = "horizontal edge"
    np.testing.assert_array_equal(app.kernel(), PRESETS["horizontal edge"])
    with app.hold():                                   # several weights at once, one redraw
        app.w00.value, app.w22.value = 0.5, -0.5
    assert app.preset.value == CUSTOM and app.last_error is None


def test_a_slider_sending_back_a_rounded_value_keeps_the_preset(app):
    """The browser may return −0.9999999999999996 for −1 (its step arithmetic): still the preset."""
    app.w00.value = -1.0 + 4e-16
    assert app.preset.value == "vertical edge"
    app.w00.value = -1.05
    assert app.preset.value == CUSTOM


def test_state_round_trips_a_custom_kernel(app, make_app):
    app.set_state(w01=2.5, b=-0.4, digit=11)
    state = app.state()
    assert state["preset"] == CUSTOM and state["w01"] == 2.5
    again = make_app(ConvApp, **state)
    assert again.state() == state
    np.testing.assert_array_equal(again.im_z.get_array(), app.im_z.get_array())
    made = make_app(ConvApp, preset="blur", w11=0.4)  # the preset's own value: still the preset
    assert made.preset.value == "blur"
    made = make_app(ConvApp, preset="blur", w11=1.5)  # another value: a custom kernel
    assert made.preset.value == CUSTOM and made.kernel()[1, 1] == 1.5


def test_bias_shifts_the_feature_map_and_the_relu_keeps_fewer_entries(app):
    z0 = np.array(app.im_z.get_array())
    on0 = int((z0 > 0).sum())
    app.b.value = -1.0
    np.testing.assert_allclose(app.im_z.get_array(), z0 - 1.3, atol=1e-12)
    assert int((np.asarray(app.im_z.get_array()) > 0).sum()) < on0


def test_summary_gives_the_maps_numbers(app, sweep):
    for _ in sweep(app, "digit", n=5):
        text = app.describe()
        z, h = np.asarray(app.im_z.get_array()), np.asarray(app.im_h.get_array())
        lo, hi = (float(v) for v in re.search(r"ranges from (-?[\d.]+) to (-?[\d.]+)", text).groups())
        assert (lo, hi) == (pytest.approx(z.min(), abs=0.006), pytest.approx(z.max(), abs=0.006))
        assert f"keeps {int((z > 0).sum())} of its 64 entries" in text
        assert f"a {Y_TEST[app.digit.value]}," in text and app.summary == text
        assert f"largest value is {h.max():.2f}" in text
    assert drawn_nonfinite(app.fig) == []


def test_every_weight_slider_is_a_kernel_entry(app, sweep):
    for name in WEIGHTS:
        u, v = int(name[1]), int(name[2])
        for value in sweep(app, name, n=3):
            assert app.kernel()[u, v] == value
            assert app.w_text[u][v].get_text() == f"{value:.2g}"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="preset must be one of"):
        ConvApp(preset="emboss")
    with pytest.raises(TypeError, match="w33"):
        ConvApp(w33=1.0)
