"""Notebook 08's helpers and apps: the digits model, codes and sharing, the apps' pictures."""
import numpy as np
import pytest

from nnbasics.apps import ActivationMapApp, CodesApp, FeatureDetectorApp
from nnbasics.apps.probe import drawn_nonfinite
from nnbasics.data import digits_split
from nnbasics.interpret import hidden_activations
from nnbasics.trainer import accuracy, digits_model, grid_search


def test_digits_model_reaches_95_percent_on_the_held_out_test_set():
    tr = digits_model()                                            # [64, 32, 32, 10], 30 epochs
    *_, X_test, y_test = digits_split(0)
    assert accuracy(tr.params, X_test, y_test) >= 0.95


def test_small_search_then_test_accuracy_of_the_chosen_model():
    X_train, y_train, X_val, y_val, X_test, y_test = digits_split(0)
    res = grid_search(X_train, y_train, X_val, y_val, widths=(8, 32), depths=(1, 2), epochs=15)
    w, d = res.best
    assert res.val_acc.max() >= 0.93
    chosen = res.trainers[(w, d)]
    assert accuracy(chosen.params, X_test, y_test) >= 0.93


def test_codes_are_distributed_and_shared_across_digit_classes():
    app = CodesApp()
    try:
        assert app.last_error is None
        assert app.codes.shape == (10, 32)
        assert np.all(app.n_on >= 2)                               # every class uses several units …
        assert np.all(app.n_on < 32)                               # … but not all of them
        assert np.all(app.n_shared >= 1)                           # and shares some with another class
        assert len({c.tobytes() for c in app.codes}) == 10         # yet the 10 codes differ
        a, b = app.class_a.value, app.class_b.value
        assert f"{int((app.codes[a] & app.codes[b]).sum())} shared" in app.ax_pair.get_title()
        assert app.vectors[0].get_text().startswith("[") and f"digit {a}" in app.vectors[0].get_text()
        app.threshold.value = 0.9
        assert app.codes.sum() < (app.frac > 0.5).sum()
        app.layer.value = 2
        assert drawn_nonfinite(app.fig) == []
    finally:
        app.close()


def test_feature_detector_shows_the_units_weights_and_its_top_digits():
    app = FeatureDetectorApp(unit=5)
    try:
        W1 = app.model.params["W1"]
        shown = np.asarray(app.weights.get_array())
        np.testing.assert_allclose(shown, W1[5].reshape(8, 8) / np.abs(W1[5]).max())
        h = hidden_activations(app.model.params, app.X_test)[0][:, 5]
        best = app.X_test[np.argmax(h)].reshape(8, 8)
        np.testing.assert_array_equal(np.asarray(app.top.get_array())[:8, :8], best)
        assert app.means.max() == pytest.approx(1.0)
        app.unit.value = 31
        assert app.last_error is None and drawn_nonfinite(app.fig) == []
    finally:
        app.close()


def test_activation_map_is_the_units_relu_over_the_plane():
    app = ActivationMapApp(layer=1, unit=2)
    try:
        p = app.model.params
        x = np.array([app.xs[10], app.xs[70]])                     # grid point (row 70, column 10)
        expected = max(0.0, p["W1"][2] @ x + p["b1"][2])
        assert app.activation[70, 10] == pytest.approx(expected)
        # layer 1: on exactly on one side of the line W1[j]·x + b1[j] = 0
        on = app.activation > 0
        gx, gy = np.meshgrid(app.xs, app.xs)
        side = p["W1"][2, 0] * gx + p["W1"][2, 1] * gy + p["b1"][2] > 0
        np.testing.assert_array_equal(on, side)
        app.layer.value = 2
        assert app.last_error is None and drawn_nonfinite(app.fig) == []
        assert "layer-1" in app.ax.get_title() or "dead" in app.ax.get_title()
    finally:
        app.close()


def test_apps_state_keeps_the_network_settings():
    app = ActivationMapApp(dataset="moons", width=6, depth=2, seed=1, unit=4)
    try:
        s = app.state()
        assert s == {"layer": 1, "unit": 4, "dataset": "moons", "width": 6, "depth": 2, "seed": 1}
        again = ActivationMapApp(**s)
        np.testing.assert_array_equal(again.activation, app.activation)
        again.close()
    finally:
        app.close()
