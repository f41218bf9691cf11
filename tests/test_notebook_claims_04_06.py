"""The claims notebooks 04 (wiggle), 05 (backprop) and 06 (gradient checking) assert, in pytest.

Timings run in a subprocess with one BLAS thread (as the notebooks do in their first cell), so a
busy shared machine's thread scheduling does not decide the outcome; each is the best of several
repeats.
"""
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import nnbasics as nb
from nnbasics.problems import EPS_GRID, step_size_errors


def run_timing(code):
    """Run ``TIMING_HELPERS + code`` (which prints one JSON line) in a fresh interpreter, one BLAS thread."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", TIMING_HELPERS + textwrap.dedent(code)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


TIMING_HELPERS = """
import json, timeit
import numpy as np
import nnbasics as nb

def best_time(fn, *args, number=1, repeat=5):
    return min(timeit.repeat(lambda: fn(*args), number=number, repeat=repeat)) / number
"""


# -- notebook 04 ----------------------------------------------------------------------------------
def _spiral_problem():
    X, y = nb.make_spiral(n_per_class=30, n_classes=3, noise=0.2, seed=0)
    f = lambda p: nb.softmax_loss(nb.fprop(p, X)[0], y)[0]
    return X, y, f


def test_04_one_wiggle_of_one_weight_lowers_the_loss():
    X, y, f = _spiral_problem()
    params = nb.init_params([2, 4, 4, 3], seed=1)
    eps, W1 = 1e-6, params["W1"]
    L_theta = f(params)
    old = W1[2, 1]
    W1[2, 1] = old + eps
    L_wiggled = f(params)
    W1[2, 1] = old + eps * np.sign(L_theta - L_wiggled)
    assert f(params) < L_theta
    assert abs(W1[2, 1] - old) == pytest.approx(eps)


def test_04_wiggle_steps_lower_the_loss_at_n_params_plus_1_evaluations_each():
    X, y, f = _spiral_problem()
    params = nb.init_params([2, 4, 4, 3], seed=1)
    n_params = nb.count_params(params)                 # |θ|
    history, evals = [f(params)], 0
    for _ in range(10):
        evals += nb.wiggle_step(f, params, eps=1e-3)
        history.append(f(params))
    assert evals == 10 * (n_params + 1) == 480
    assert all(b < a for a, b in zip(history[:-1], history[1:], strict=True))


def test_04_wiggle_cost_grows_with_n_params_backprop_cost_does_not():
    r = run_timing("""
    def backprop_step(p, X, y):
        o, cache = nb.fprop(p, X)
        return nb.bprop(nb.softmax_loss(o, y)[1], cache, p)

    Xc, yc = nb.make_spiral(n_per_class=34, n_classes=3, seed=0)
    fc = lambda q: nb.softmax_loss(nb.fprop(q, Xc)[0], yc)[0]
    rows = []
    for H in [4, 16, 64, 160]:
        p = nb.init_params([2, H, H, 3], seed=0)
        n_params = nb.count_params(p)
        t_eval = best_time(fc, p, number=20, repeat=15)
        t_bprop = best_time(backprop_step, p, Xc, yc, number=10, repeat=15)   # best of many: load spikes do not count
        est = (n_params + 1) * t_eval
        if est < 0.5:
            t_wiggle = best_time(nb.wiggle_step, fc, p, 1e-6, repeat=3)
            evals = nb.wiggle_step(fc, p, 1e-6)
        else:
            t_wiggle, evals = est, n_params + 1
        rows.append(dict(n_params=n_params, evals=evals, t_wiggle=t_wiggle, t_bprop=t_bprop))
    print(json.dumps(rows))
    """)
    n_params = np.array([x["n_params"] for x in r])
    t_w = np.array([x["t_wiggle"] for x in r])
    t_b = np.array([x["t_bprop"] for x in r])
    assert list(n_params) == [47, 371, 4547, 26723]
    assert [x["evals"] for x in r] == list(n_params + 1)
    assert np.all(np.diff(t_w) > 0)
    assert t_w[-1] / t_w[0] > 100 and t_w[-1] / t_w[0] > 20 * (t_b[-1] / t_b[0])
    assert np.all(np.diff(t_w / t_b) > 0)


# -- notebook 05 ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 5, 12, 23])
def test_05_every_slide_formula_equals_bprop(n):
    X, Y = nb.make_spiral(n_per_class=8, n_classes=3, noise=0.2, seed=2)
    params = nb.init_params([2, 4, 4, 3], seed=21)
    W2, W3 = params["W2"], params["W3"]
    x, y = X[n], int(Y[n])
    o, cache = nb.fprop(params, x)
    _, do = nb.softmax_loss(o, y)
    grads = nb.bprop(do, cache, params)
    z1, h1, z2, h2 = cache["z1"], cache["h1"], cache["z2"], cache["h2"]

    dL_do = nb.softmax(o) - nb.one_hot([y], 3)[0]                    # p(c|x) − y
    dL_dh2 = W3.T @ dL_do                                             # W3ᵀ (p − y)
    dL_dz2 = dL_dh2 * (z2 > 0)
    dL_dh1 = W2.T @ dL_dz2
    dL_dz1 = dL_dh1 * (z1 > 0)
    expected = {"o": dL_do, "W3": np.outer(dL_do, h2), "b3": dL_do, "h2": dL_dh2, "z2": dL_dz2,
                "W2": np.outer(dL_dz2, h1), "b2": dL_dz2, "h1": dL_dh1, "W1": np.outer(dL_dz1, x), "b1": dL_dz1}
    for k, v in expected.items():
        np.testing.assert_allclose(grads[k], v, rtol=1e-12, atol=1e-14, err_msg=k)


def test_05_batch_gradient_is_the_mean_of_one_example_gradients():
    X, Y = nb.make_spiral(n_per_class=8, n_classes=3, noise=0.2, seed=2)
    params = nb.init_params([2, 4, 4, 3], seed=21)
    o, cache = nb.fprop(params, X)
    batch = nb.bprop(nb.softmax_loss(o, Y)[1], cache, params)
    singles = []
    for n in range(len(X)):
        o_n, c_n = nb.fprop(params, X[n])
        singles.append(nb.bprop(nb.softmax_loss(o_n, int(Y[n]))[1], c_n, params))
    for k in params:
        np.testing.assert_allclose(batch[k], np.mean([g[k] for g in singles], axis=0), rtol=1e-12, atol=1e-15)


def test_05_bprop_works_with_tanh():
    X, Y = nb.make_spiral(n_per_class=8, n_classes=3, noise=0.2, seed=2)
    params = nb.init_params([2, 4, 4, 3], seed=21)
    o, cache = nb.fprop(params, X[12], activation="tanh")
    _, do = nb.softmax_loss(o, int(Y[12]))
    g = nb.bprop(do, cache, params)
    np.testing.assert_allclose(g["z2"], (params["W3"].T @ do) * (1 - cache["h2"] ** 2), rtol=1e-12)
    f = lambda q: nb.softmax_loss(nb.fprop(q, X, activation="tanh")[0], Y)[0]
    o_b, c_b = nb.fprop(params, X, activation="tanh")
    report = nb.grad_check(f, params, nb.bprop(nb.softmax_loss(o_b, Y)[1], c_b, params))
    assert report.ok and report.max_error < 1e-7


def test_05_bprop_costs_about_twice_fprop():
    r = run_timing("""
    rng = np.random.default_rng(0)
    ratios = []
    for width in [64, 128, 256, 512]:
        p = nb.init_params([width, width, width, 10], seed=0)
        Xw, yw = rng.standard_normal((128, width)), rng.integers(0, 10, 128)
        o, cache = nb.fprop(p, Xw)
        _, do = nb.softmax_loss(o, yw)
        ratios.append(best_time(nb.bprop, do, cache, p, number=5, repeat=7) /
                      best_time(nb.fprop, p, Xw, number=5, repeat=7))
    print(json.dumps(ratios))
    """)
    ratios = np.array(r)
    # the notebook's claim: the median over sizes (one size can be thrown off by a busy machine)
    assert 1 <= np.median(ratios) <= 4, ratios


# -- notebook 06 ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def net06():
    X, Y = nb.make_spiral(n_per_class=7, n_classes=3, noise=0.2, seed=5)
    params = nb.init_params([2, 6, 6, 3], seed=0)
    f = lambda p: nb.softmax_loss(nb.fprop(p, X)[0], Y)[0]
    o, cache = nb.fprop(params, X)
    grads = nb.bprop(nb.softmax_loss(o, Y)[1], cache, params)
    return X, Y, params, f, grads


def my_bprop(params, X, Y, bug=None):
    """The notebook's slide-formula backward pass with one planted bug (or none)."""
    o, c = nb.fprop(params, X)
    N = len(Y)
    dz3 = nb.softmax(o) - nb.one_hot(Y, 3)
    if bug != "missing 1/N":
        dz3 = dz3 / N
    g = {"W3": dz3.T @ c["h2"], "b3": dz3.sum(axis=0)}
    dh2 = dz3 @ params["W3"]
    dz2 = dh2 * (c["z1"] > 0 if bug == "ReLU mask from the wrong array" else c["z2"] > 0)
    g["W2"] = c["h1"].T @ dz2 if bug == "transposed gradient" else dz2.T @ c["h1"]
    g["b2"] = dz2.sum(axis=0)
    dz1 = (dz2 @ params["W2"]) * (c["z1"] > 0)
    g["W1"], g["b1"] = dz1.T @ c["x"], dz1.sum(axis=0)
    return g


def test_06_grad_check_passes_on_the_net(net06):
    X, Y, params, f, grads = net06
    report = nb.grad_check(f, params, grads, eps=1e-5, pattern=lambda p: nb.activation_pattern(p, X))
    assert report.ok and report.max_error < 1e-9


def test_06_best_steps_near_theory():
    errors = step_size_errors()
    for (method, dtype), err in errors.items():
        theory = np.finfo(dtype).eps ** (0.5 if method == "forward" else 1 / 3)
        assert 1 / 30 < EPS_GRID[int(np.argmin(err))] / theory < 30
    assert errors[("central", "float64")].min() < 1e-9 < errors[("forward", "float64")].min()
    assert errors[("central", "float32")].min() > 1e-7


def test_06_kink_fails_blind_and_is_flagged_with_pattern(net06):
    X, Y, params, f, grads = net06
    w, b = params["W1"][0], params["b1"][0]
    X_kink = X.copy()
    X_kink[3] -= (w @ X_kink[3] + b) / (w @ w) * w
    f_kink = lambda p: nb.softmax_loss(nb.fprop(p, X_kink)[0], Y)[0]
    o, c = nb.fprop(params, X_kink)
    g = nb.bprop(nb.softmax_loss(o, Y)[1], c, params)
    blind = nb.grad_check(f_kink, params, g)
    flagged = nb.grad_check(f_kink, params, g, pattern=lambda p: nb.activation_pattern(p, X_kink))
    assert not blind.ok and blind.max_error > 1e-4
    assert flagged.ok and ("b1", (0,)) in flagged.kinks
    assert all(name in ("W1", "b1") and i[0] == 0 for name, i in flagged.kinks)


def test_06_planted_bugs_are_caught_and_located(net06):
    X, Y, params, f, grads = net06
    pattern = lambda p: nb.activation_pattern(p, X)
    for k in params:
        np.testing.assert_allclose(my_bprop(params, X, Y)[k], grads[k], rtol=1e-12, atol=1e-15)
    wrong = {}
    for bug in ["missing 1/N", "transposed gradient", "ReLU mask from the wrong array"]:
        r = nb.grad_check(f, params, my_bprop(params, X, Y, bug), pattern=pattern)
        assert not r.ok and r.max_error > 1e-2, bug
        wrong[bug] = {pc.name for pc in r.params if pc.max_rel_error > 1e-7}
    assert wrong["missing 1/N"] == set(params)
    assert wrong["transposed gradient"] == {"W2"}
    assert wrong["ReLU mask from the wrong array"] == {"W1", "b1", "W2", "b2"}


def test_06_thresholds(net06):
    X, Y, params, f, grads = net06
    central = nb.grad_check(f, params, grads, eps=1e-5).max_error
    forward = nb.grad_check(f, params, grads, eps=1e-5, method="forward").max_error
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p32 = {k: v.astype(np.float32) for k, v in params.items()}
        f32 = lambda p: nb.softmax_loss(nb.fprop(p, X.astype(np.float32))[0], Y)[0]
        single = nb.grad_check(f32, p32, grads, eps=1e-3).max_error
    assert any("float32" in str(w.message) for w in caught)
    bugs = [nb.grad_check(f, params, my_bprop(params, X, Y, bug)).max_error
            for bug in ["missing 1/N", "transposed gradient", "ReLU mask from the wrong array"]]
    assert central < 1e-9
    assert 1e-7 < forward < 1e-4
    assert 1e-7 < single < 1e-2
    assert min(bugs) > 1e-2
