"""Every app's text summary (``describe()``) tells the truth about the current scene.

For each app, a checker reads the numbers out of the summary and compares them with the same
quantities computed here, independently, from the core (``fprop``, ``softmax_loss``,
``linear_regions``, ``grad_check``, …) and the app's data, after each control is moved to
each end of its range. (tests/apps/test_all_apps.py checks that the summary is current and
changes whenever the picture does.) A new app needs a checker here.
"""
import re

import numpy as np
import pytest

import nnbasics as nb
from nnbasics import apps
from nnbasics.apps import ALL_APPS
from nnbasics.apps.probe import sweep_values
from nnbasics.apps.tiling import BOX
from nnbasics.data import digits_split
from nnbasics.interpret import hidden_activations, unit_codes
from nnbasics.landscape import param_names, unflatten
from nnbasics.problems import EPS_GRID, step_size_errors, wiggle_problem

NUM = r"[-−+]?\d[\d,]*\.?\d*(?:e[-+]\d+)?"


def num(text, pattern):
    """The number(s) captured by ``pattern`` (``{n}`` marks each) in ``text``, as floats."""
    m = re.search(pattern.replace("{n}", f"({NUM})"), text)
    assert m, f"{pattern!r} not in the summary {text!r}"
    vals = [float(g.replace("−", "-").replace(",", "")) for g in m.groups()]
    return vals[0] if len(vals) == 1 else vals


def vector(text, name):
    m = re.search(re.escape(name) + r" = \[([^\]]*)\]", text)
    assert m, f"{name} = [...] not in {text!r}"
    return np.array([float(v.replace("−", "-")) for v in m.group(1).split(",")])


def percent(text, pattern):
    return num(text, pattern.replace("{n}", "{n}%")) / 100


# -- one checker per app: the summary's numbers against an independent computation -------------
def check_forward(app, text):
    params = nb.init_params([2, 4, 4, 3], seed=app.seed.value)
    params = {k: v * app.weight_scale.value if k.startswith("W") else v for k, v in params.items()}
    o, cache = nb.fprop(params, np.array([app.x1.value, app.x2.value]))
    p = nb.softmax(o)
    np.testing.assert_allclose(vector(text, "p(c|x)"), p, atol=0.006)
    assert num(text, "predicted class {n}") == np.argmax(p) + 1
    assert num(text, "{n} of 4 units on in h1") == (cache["h1"] > 0).sum()
    assert num(text, "{n} of 4 in h2") == (cache["h2"] > 0).sum()


def check_kinks(app, text):
    params = nb.init_params([1, app.width.value, 1], seed=app.seed.value)
    j = app.unit.value - 1
    params["W1"][j, 0], params["b1"][j] = app.w.value, app.b.value
    w, b = params["W1"][:, 0], params["b1"]
    kinks = np.array([-bb / ww for ww, bb in zip(w, b, strict=True) if ww != 0])
    seen = np.unique(np.round(kinks[(kinks > -3) & (kinks < 3)], 12))
    assert num(text, "{n} kinks in view") == len(seen)
    assert num(text, "linear on {n} pieces") == len(seen) + 1
    if len(seen):
        listed = np.array(re.search(r"at x = ([^)]*)\)", text).group(1).replace("−", "-").split(", "), float)
        np.testing.assert_allclose(listed, seen, atol=0.006)


def check_tiling(app, text):
    p = app.params()
    net = p if app.relu.value else nb.collapse_linear(p)
    regions = nb.linear_regions(net, BOX)
    if not app.relu.value:
        assert len(regions) == 1 and num(text, "{n} region") == 1
        return
    assert num(text, "{n} linear regions") == len(regions)
    _, n_grid = nb.region_map(net, BOX[:2], BOX[2:], app.RESOLUTION)
    assert num(text, "the grid sees {n}") == n_grid
    # the regions along the unit's line, found by sampling just either side of it (patterns: one per region)
    j = app.unit.value - 1
    w, b = p["W1"][j], p["b1"][j]
    t = np.linspace(-10, 10, 400001)[:, None]            # every 5e-5 along the line
    normal = w / np.linalg.norm(w)
    on_line = -b * normal / np.linalg.norm(w) + t * np.array([-normal[1], normal[0]])
    inside = on_line[(on_line[:, 0] > BOX[0]) & (on_line[:, 0] < BOX[1]) & (on_line[:, 1] > BOX[2])
                     & (on_line[:, 1] < BOX[3])]
    sides = [nb.activation_pattern(p, inside + s * 1e-7 * normal) for s in (1, -1)]
    seen = sum(len({row.tobytes() for row in side}) for side in sides) if len(inside) else 0
    assert num(text, "borders {n} of them") == seen


def check_softmax(app, text):
    z = np.array([app.o1.value, app.o2.value, app.o3.value]) * app.logit_scale.value
    o = np.maximum(z, 0) if app.output_relu.value else z
    y = app.true_class.value
    p = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
    grad = (p - np.eye(3)[y]) * ((z > 0) if app.output_relu.value else 1)
    np.testing.assert_allclose(vector(text, "p(c|x)"), p, atol=6e-4)
    assert num(text, "L = {n}") == pytest.approx(-np.log(max(p[y], 1e-300)), abs=6e-5, rel=1e-4)
    np.testing.assert_allclose(vector(text, "p − y" if not app.output_relu.value else "[z > 0]"), grad, atol=6e-4)
    assert num(text, "true class {n}") == y + 1


def check_wiggle(app, text):
    params, X, y, f = wiggle_problem()
    key, i = param_names(params)[app.weight.value]
    eps = app.eps.value
    L0 = nb.softmax_loss(nb.fprop(params, X)[0], y)[0]
    moved = {k: v.copy() for k, v in params.items()}
    moved[key][i] += eps
    L1 = nb.softmax_loss(nb.fprop(moved, X)[0], y)[0]
    assert num(text, r"L\(θ\) = {n}") == pytest.approx(L0, abs=2e-6)
    assert num(text, r"\+ ε\) = {n}") == pytest.approx(L1, abs=2e-6)
    assert ("by +ε" in text) == (L1 < L0) and ("by −ε" in text) == (L1 > L0)
    o, cache = nb.fprop(params, X)
    g = nb.bprop(nb.softmax_loss(o, y)[1], cache, params)[key][i]
    assert num(text, "∂L/∂w = {n}") == pytest.approx(g, abs=6e-5)


def check_wiggle_train(app, text):
    t = app.step.value
    snap = app.snaps[t]
    o = nb.fprop(snap, app.X)[0]
    assert num(text, "loss {n}") == pytest.approx(nb.softmax_loss(o, app.y)[0], abs=6e-4)
    assert percent(text, "training accuracy {n}") == pytest.approx(np.mean(o.argmax(1) == app.y), abs=0.006)
    assert num(text, "{n} loss evaluations") == t * (nb.count_params(snap) + 1)


def check_backprop(app, text):
    n = app.example.value
    x, y = app.X[n], int(app.y[n])
    o, cache = nb.fprop(app.params, x, activation=app.activation.value)
    L, do = nb.softmax_loss(o, y)
    f = lambda p: nb.softmax_loss(nb.fprop(p, x, activation=app.activation.value)[0], y)[0]  # noqa: E731
    grads = nb.numerical_gradient(f, {k: v.copy() for k, v in app.params.items()})
    assert num(text, "L = {n}") == pytest.approx(L, abs=6e-4)
    s = app.step.value
    found = re.findall(r"∂L/∂W(\S) \(largest \|entry\| (" + NUM + r")\)", text)
    assert len(found) == s
    for sup, v in found:
        layer = "¹²³".index(sup) + 1
        assert float(v) == pytest.approx(np.abs(grads[f"W{layer}"]).max(), abs=6e-4)


def check_step_size(app, text):
    errors = step_size_errors()
    i = int(np.argmin(np.abs(np.log10(EPS_GRID) - np.log10(app.eps.value))))
    assert num(text, "ε = {n}") == pytest.approx(EPS_GRID[i], rel=0.06)
    fwd64, cen64 = num(text, r"float64 {n} \(forward\) and {n} \(central\)")
    assert fwd64 == pytest.approx(errors[("forward", "float64")][i], rel=0.06)
    assert cen64 == pytest.approx(errors[("central", "float64")][i], rel=0.06)


def check_kink(app, text):
    t = round(app.z_over_eps.value / 0.05) * 0.05
    x = app.x0 + t * app.EPS * app.u
    params = {k: v.copy() for k, v in app.params.items()}
    f = lambda p: nb.softmax_loss(nb.fprop(p, x)[0], app.y)[0]  # noqa: E731
    o, cache = nb.fprop(params, x)
    grads = nb.bprop(nb.softmax_loss(o, app.y)[1], cache, params)
    r = nb.grad_check(f, params, grads, eps=app.EPS, keys=["W1", "b1"], pattern=lambda p: nb.activation_pattern(p, x))
    assert num(text, "worst relative error {n}") == pytest.approx(r.max_error, rel=0.06)
    assert ("PASS" in text) == (r.max_error < r.tol)
    assert num(text, "{n} entries flagged") == len(r.kinks)


def check_training(app, text):
    if not app.trainers:
        assert text.startswith("no training data yet")
        return
    X, y = app.X_fit, app.y_fit
    assert num(text, "{n} training points") == len(y) == len(app.X_train) + len(app.points)
    if app.points:
        x1, x2, c = app.points[-1]
        assert num(text, r"the last at \({n}, {n}\) in class {n}") == pytest.approx([x1, x2, c + 1], abs=0.006)
    for tr in app.trainers:
        name = {"sgd": "SGD", "momentum": "momentum"}[tr.optimizer_name]
        h = tr.curves(until=app.shown_time())
        assert num(text, "step {n}") == app.shown_step
        if h["step"][-1] == tr.step:                  # the last record is the current θ: check it from scratch
            acc = np.mean(nb.predict(tr.params, X) == y)
            assert percent(text, re.escape(name) + " accuracy {n}") == pytest.approx(acc, abs=0.006)


def check_loss_surface(app, text):
    _, full = app.paths_in_theta()
    T = app.steps.value
    like = nb.init_params([2, 6, 3], seed=app.seed.value)
    for kind, name in (("sgd", "SGD"), ("momentum", "momentum")):
        thetas, losses = full[kind]
        ok = np.flatnonzero(np.isfinite(losses[:T + 1]))
        L = nb.softmax_loss(nb.fprop(unflatten(thetas[ok[-1]], like), app.X)[0], app.y)[0]
        got = num(text, f"of {name}" + (r" \(μ = [\d.]+\)" if kind == "momentum" else "") + " {n}")
        assert got == pytest.approx(L, abs=6e-4)


def check_features(app, text):
    j = app.unit.value
    h = nb.fprop(app.model.params, app.X_test)[1]["h1"][:, j]
    if h.max() <= 0:
        assert "dead unit" in text
        return
    means = np.array([h[app.y_test == c].mean() for c in range(10)])
    assert num(text, "responds most to digit {n}") == np.argmax(means)
    top = app.y_test[np.argsort(-h, kind="stable")[:8]]
    assert re.search(r"most are ([\d, ]+)$", text).group(1) == ", ".join(map(str, top))


def check_activation_map(app, text):
    l, j = app.layer.value, app.unit.value
    h = nb.fprop(app.model.params, app.X)[1][f"h{l}"][:, j]
    if "dead unit" in text:
        return
    for c in range(app.C):
        assert percent(text, "{n} of class " + str(c + 1)) == pytest.approx(np.mean(h[app.y == c] > 0), abs=0.006)


def check_codes(app, text):
    H = hidden_activations(app.model.params, digits_split(app.seed)[4])[app.layer.value - 1]
    frac = np.array([np.mean(H[app.y_test == c] > 0, axis=0) for c in range(10)])
    codes = frac > app.threshold.value
    _, theirs = unit_codes(H, app.y_test, 10, app.threshold.value)
    np.testing.assert_array_equal(codes, theirs)
    a, b = app.class_a.value, app.class_b.value
    assert num(text, f"digit {a} has " + "{n} units on") == codes[a].sum()
    assert num(text, f"digit {b} " + "{n}, ") == codes[b].sum()
    assert num(text, "{n} of them shared by both") == (codes[a] & codes[b]).sum()


def check_conv(app, text):
    img = digits_split(0)[4][app.digit.value].reshape(8, 8)
    W = np.array([[getattr(app, f"w{u}{v}").value for v in range(3)] for u in range(3)])
    xp = np.pad(img, 1)
    z = np.array([[app.b.value + np.sum(W * xp[i:i + 3, j:j + 3]) for j in range(8)] for i in range(8)])
    h = np.maximum(z, 0).reshape(4, 2, 4, 2).max(axis=(1, 3))
    assert num(text, "ranges from {n} to") == pytest.approx(z.min(), abs=0.006)
    assert num(text, "to {n};") == pytest.approx(z.max(), abs=0.006)
    assert num(text, "keeps {n} of its 64 entries") == (z > 0).sum()
    assert num(text, "largest value is {n},") == pytest.approx(h.max(), abs=0.006)
    assert f"a {digits_split(0)[5][app.digit.value]}," in text and f"the {app.preset.value} kernel" in text


CHECKS = {"ForwardApp": check_forward, "Kinks1DApp": check_kinks, "ReluTilingApp": check_tiling,
          "SoftmaxApp": check_softmax, "WiggleApp": check_wiggle, "WiggleTrainApp": check_wiggle_train,
          "BackpropApp": check_backprop, "StepSizeApp": check_step_size, "KinkApp": check_kink,
          "TrainingApp": check_training, "LossSurfaceApp": check_loss_surface,
          "FeatureDetectorApp": check_features, "ActivationMapApp": check_activation_map, "CodesApp": check_codes,
          "ConvApp": check_conv}


def test_every_app_has_a_checker_here():
    missing = [c.__name__ for c in ALL_APPS if c.__name__ not in CHECKS]
    assert not missing, f"add a checker of describe() for {missing} to {__file__}"


SLOW = {"ReluTilingApp", "TrainingApp"}      # thousands of regions to count / networks to train


@pytest.mark.parametrize("cls", [pytest.param(c, id=c.__name__, marks=[pytest.mark.slow] if c.__name__ in SLOW else [])
                                 for c in ALL_APPS if c.__name__ in CHECKS])
def test_summary_tells_the_truth_at_both_ends_of_every_control(cls, make_app):
    app = make_app(cls)
    check = CHECKS[cls.__name__]
    check(app, app.summary)
    for name, control in app.control_widgets().items():
        values = sweep_values(control)
        for v in [values[0], values[-1]] if values else []:
            control.value = v
            assert app.last_error is None, f"{name}={v!r}: {app.last_error!r}"
            check(app, app.summary)


def test_training_summary_follows_training_and_the_time_slider(make_app):
    app = make_app(apps.TrainingApp, optimizer="both", points=[[0.3, -0.2, 1]])
    app.step_button.click()
    app.step_button.click()
    text = app.summary
    assert text.startswith(f"step {app.step}: SGD accuracy") and "; momentum accuracy" in text
    assert "(1 added, the last at (0.30, -0.20) in class 2)" in text
    CHECKS["TrainingApp"](app, text)
    app.time.value = 5
    assert app.summary.startswith(f"step 5 of {app.step}:")
    CHECKS["TrainingApp"](app, app.summary)


def test_tiling_counts_the_regions_along_a_known_line(make_app):
    # one unit on the line x₁ = 0: two regions (the half-planes), both bordering it
    app = make_app(apps.ReluTilingApp, width=1, depth=1, unit=1, w1=1.0, w2=0.0, b=0.0)
    assert app.summary.startswith("2 linear regions") and "borders 2 of them" in app.summary
    # two units on the parallel lines x₁ = 0 and x₁ = 1: three strips, two of them along the first line
    app = make_app(apps.ReluTilingApp, width=2, depth=1, unit=1, w1=1.0, w2=0.0, b=0.0)
    app._params_cache[(2, 1, app.seed.value)]["W1"][1] = (1.0, 0.0)
    app._params_cache[(2, 1, app.seed.value)]["b1"][1] = -1.0
    with app.hold():
        pass
    assert app.summary.startswith("3 linear regions") and "borders 2 of them" in app.summary
    check_tiling(app, app.summary)
