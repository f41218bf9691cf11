"""Finite differences, the slide's wiggle rule, rel_error and grad_check (kinks and planted bugs)."""
import numpy as np
import pytest

import nnbasics as nb


class Counter:
    """Wraps a loss ``f(params)`` and counts how often it is called."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, params):
        self.calls += 1
        return self.f(params)


def quadratic(target):
    """f(θ) = ½ Σ_k ‖θ_k − t_k‖², whose gradient is θ − t."""
    return lambda p: 0.5 * sum(float(np.sum((p[k] - target[k]) ** 2)) for k in target)


def small_problem(sizes=(2, 5, 3), N=8, seed=0):
    params = nb.init_params(list(sizes), seed=seed)
    rng = np.random.default_rng(seed + 100)
    X, y = rng.standard_normal((N, sizes[0])), rng.integers(0, sizes[-1], N)
    f = lambda p: nb.softmax_loss(nb.fprop(p, X)[0], y)[0]
    return params, X, y, f


def copy(params):
    return {k: v.copy() for k, v in params.items()}


# ----------------------------------------------------------------------------- numerical_gradient

def test_numerical_gradient_central_and_forward_on_a_quadratic():
    rng = np.random.default_rng(0)
    params = {"a": rng.standard_normal((3, 2)), "b": rng.standard_normal(4)}
    target = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    exact = {k: params[k] - target[k] for k in params}
    before = copy(params)
    central = nb.numerical_gradient(quadratic(target), params, eps=1e-4, method="central")
    forward = nb.numerical_gradient(quadratic(target), params, eps=1e-4, method="forward")
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])  # put back exactly
        assert central[k].shape == params[k].shape
        np.testing.assert_allclose(central[k], exact[k], rtol=0, atol=1e-9)     # exact for a quadratic
        np.testing.assert_allclose(forward[k], exact[k] + 0.5e-4, rtol=0, atol=1e-9)  # error ε/2 · f''


def test_numerical_gradient_evaluation_counts():
    params = {"a": np.zeros((3, 2)), "b": np.zeros(4)}
    f = Counter(quadratic({"a": np.ones((3, 2)), "b": np.ones(4)}))
    nb.numerical_gradient(f, params, method="central")
    assert f.calls == 2 * 10
    f.calls = 0
    nb.numerical_gradient(f, params, method="forward")
    assert f.calls == 10 + 1
    f.calls = 0
    g = nb.numerical_gradient(f, params, keys=["b"])
    assert list(g) == ["b"] and f.calls == 2 * 4


def test_central_differences_beat_forward_differences_on_a_network():
    params, X, y, f = small_problem()
    o, cache = nb.fprop(params, X)
    grads = nb.bprop(nb.softmax_loss(o, y)[1], cache, params)
    e_c = max(nb.rel_error(grads[k], v) for k, v in nb.numerical_gradient(f, params, 1e-5).items())
    e_f = max(nb.rel_error(grads[k], v)
              for k, v in nb.numerical_gradient(f, params, 1e-5, method="forward").items())
    assert e_c < 1e-8 < e_f < 1e-3


# ----------------------------------------------------------------------------- wiggle_step

def test_wiggle_step_lowers_the_loss_on_a_fixed_problem():
    params, X, y, f = small_problem()
    losses = [f(params)]
    for _ in range(6):
        nb.wiggle_step(f, params, eps=1e-3)
        losses.append(f(params))
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False)), losses
    # each step moves every entry by ε against the sign of its gradient: about ε‖g‖₁ lower
    assert losses[-1] < losses[0] - 1e-3


def test_wiggle_step_returns_n_params_plus_one_and_makes_exactly_that_many_evaluations():
    params, X, y, f = small_problem()
    n_params = nb.count_params(params)                 # |θ|
    counted = Counter(f)
    n = nb.wiggle_step(counted, params)
    assert n == n_params + 1 == counted.calls


def test_wiggle_step_touches_only_keys():
    params, X, y, f = small_problem()
    before = copy(params)
    counted = Counter(f)
    n = nb.wiggle_step(counted, params, eps=1e-3, keys=["W1"])
    assert n == params["W1"].size + 1 == counted.calls
    assert not np.array_equal(params["W1"], before["W1"])
    for k in ("b1", "W2", "b2"):
        np.testing.assert_array_equal(params[k], before[k])


def test_wiggle_step_moves_each_entry_by_exactly_plus_or_minus_eps_or_zero():
    """θ ← θ + ε sgn(L(θ) − L(θ with θ_i + ε)): up where that lowers f, down where it raises it,
    not at all where f does not depend on θ_i."""
    eps = 1e-3
    params = {"w": np.array([0.0, 1.0, -2.0, 5.0]), "unused": np.array([3.0, -1.0])}
    target = np.array([1.0, 0.0, -2.0 + 1e-2, 5.0 - 1e-2])
    f = lambda p: 0.5 * float(np.sum((p["w"] - target) ** 2))
    before = copy(params)
    nb.wiggle_step(f, params, eps=eps)
    expected_sign = np.array([1.0, -1.0, 1.0, -1.0])
    np.testing.assert_array_equal(params["w"], before["w"] + eps * expected_sign)
    np.testing.assert_array_equal(params["unused"], before["unused"])
    np.testing.assert_allclose(np.abs(params["w"] - before["w"]), eps, rtol=1e-12)


def test_wiggle_step_moves_match_the_slide_rule_entry_by_entry_on_a_network():
    params, X, y, f = small_problem()
    eps = 1e-6
    before = copy(params)
    L0 = f(before)
    nb.wiggle_step(f, params, eps=eps)
    for k in params:
        for i in np.ndindex(params[k].shape):
            q = copy(before)
            q[k][i] += eps
            s = np.sign(L0 - f(q))
            assert params[k][i] == before[k][i] + eps * s, (k, i)


def test_wiggle_step_evaluates_each_wiggle_at_the_same_theta():
    """All entries are wiggled at θ (one entry changed at a time), then all moves are applied."""
    params = {"w": np.zeros(5)}
    seen = []

    def f(p):
        seen.append(int(np.count_nonzero(p["w"])))
        return float(np.sum(p["w"]))

    nb.wiggle_step(f, params, eps=0.5)
    assert seen == [0] + [1] * 5
    np.testing.assert_array_equal(params["w"], -0.5 * np.ones(5))


# ----------------------------------------------------------------------------- rel_error

def test_rel_error_values():
    a = np.array([1.0, -2.0, 3.0])
    assert nb.rel_error(a, a) == 0.0
    assert nb.rel_error(a, a + 1e-9) == pytest.approx(1e-9 / 6, rel=1e-6)
    assert nb.rel_error(a, -a) == pytest.approx(1.0)
    assert nb.rel_error(1e6 * a, 1e6 * (a + 1e-9)) == pytest.approx(nb.rel_error(a, a + 1e-9), rel=1e-6)
    assert nb.rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert nb.rel_error(np.zeros((0,)), np.zeros((0,))) == 0.0
    assert nb.rel_error(np.float32([1, 2]), np.float64([1, 2])) == 0.0


# ----------------------------------------------------------------------------- grad_check

def test_grad_check_passes_a_correct_gradient():
    params, X, y, f = small_problem((3, 6, 5, 4), N=5, seed=3)
    o, cache = nb.fprop(params, X)
    grads = nb.bprop(nb.softmax_loss(o, y)[1], cache, params)
    before = copy(params)
    report = nb.grad_check(f, params, grads, pattern=lambda p: nb.activation_pattern(p, X))
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])  # every wiggled entry put back exactly
    assert report.ok and report.max_error < 1e-8 and report.kinks == []
    assert [p.name for p in report.params] == list(params)
    assert report["W2"].shape == (5, 6)
    assert "PASS" in str(report)
    with pytest.raises(KeyError):
        report["W9"]


def test_grad_check_flags_a_planted_kink_and_passes_away_from_it():
    """Put an input where hidden unit j's pre-activation is eps/4: a ±eps step on b1[j] switches
    the ReLU, so the finite difference there is no derivative; grad_check says so."""
    eps = 1e-5
    params = nb.init_params([2, 4, 3], seed=1)
    W1, b1, j = params["W1"], params["b1"], 2
    x = np.array([0.3, -0.7])
    z = W1[j] @ x + b1[j]
    x = x - (z - eps / 4) * W1[j] / (W1[j] @ W1[j])  # now W1[j] @ x + b1[j] = eps/4
    assert W1[j] @ x + b1[j] == pytest.approx(eps / 4, rel=1e-6)
    X = np.stack([x, [1.0, 0.5]])
    y = np.array([0, 2])
    f = lambda p: nb.softmax_loss(nb.fprop(p, X)[0], y)[0]
    o, cache = nb.fprop(params, X)
    grads = nb.bprop(nb.softmax_loss(o, y)[1], cache, params)

    report = nb.grad_check(f, params, grads, eps=eps, pattern=lambda p: nb.activation_pattern(p, X))
    assert ("b1", (j,)) in report.kinks
    assert all(name == "b1" and i == (j,) or name == "W1" and i[0] == j for name, i in report.kinks)
    assert report.max_error > 1e-3            # the finite difference across the kink is wrong …
    assert report.max_error_away_from_kinks < 1e-7
    assert report.ok                          # … and the check says why instead of failing
    assert "flagged" in str(report)

    # without a pattern nothing is flagged and the kink fails the check
    blind = nb.grad_check(f, params, grads, eps=eps)
    assert not blind.ok and blind.kinks == []


def buggy_grads(bug):
    """A 3-5-5-4 network's gradients with one planted bug; returns (report, the buggy keys)."""
    params, X, y, f = small_problem((3, 5, 5, 4), N=6, seed=4)
    o, cache = nb.fprop(params, X)
    L, do = nb.softmax_loss(o, y)
    grads = {k: v for k, v in nb.bprop(do, cache, params).items() if k in params}
    if bug == "missing 1/N":
        # a hand-written db3 that sums p − y over the batch but forgets to divide by N
        grads["b3"] = (nb.softmax(o) - nb.one_hot(y, 4)).sum(axis=0)
        buggy = {"b3"}
    elif bug == "transposed dW":
        grads["W2"] = grads["W2"].T
        buggy = {"W2"}
    elif bug == "ReLU mask from the wrong z":
        dh1 = nb.bprop(do, cache, params)["h1"]
        dz1 = dh1 * (cache["z2"] > 0)  # should be z1
        grads["W1"], grads["b1"] = dz1.T @ cache["x"], dz1.sum(axis=0)
        buggy = {"W1", "b1"}
    report = nb.grad_check(f, params, grads, pattern=lambda p: nb.activation_pattern(p, X))
    return report, buggy


@pytest.mark.parametrize("bug", ["missing 1/N", "transposed dW", "ReLU mask from the wrong z"])
def test_grad_check_catches_a_planted_bug_and_points_at_it(bug):
    report, buggy = buggy_grads(bug)
    assert not report.ok
    assert report.kinks == []
    worst = max(report.params, key=lambda p: p.max_rel_error)
    assert worst.name in buggy
    assert worst.max_rel_error > 1e-2
    for p in report.params:
        if p.name not in buggy:
            assert p.max_rel_error < 1e-7, p.name
    assert "FAIL" in str(report)


def test_grad_check_reports_the_worst_index():
    params = {"w": np.array([[1.0, 2.0], [3.0, 4.0]])}
    f = lambda p: 0.5 * float(np.sum(p["w"] ** 2))
    grads = {"w": params["w"].copy()}
    grads["w"][1, 0] += 0.5
    r = nb.grad_check(f, params, grads)["w"]
    assert r.worst_index == (1, 0)
    assert r.analytic == pytest.approx(3.5) and r.numeric == pytest.approx(3.0, rel=1e-9)


def test_grad_check_in_float32_warns_and_explains():
    params = nb.init_params([2, 3, 2], seed=0, dtype=np.float32)
    X, y = np.ones((2, 2), dtype=np.float32), np.array([0, 1])
    f = lambda p: nb.softmax_loss(nb.fprop(p, X)[0], y)[0]
    o, cache = nb.fprop(params, X)
    grads = nb.bprop(nb.softmax_loss(o, y)[1], cache, params)
    with pytest.warns(UserWarning, match=r"grad_check in float32: .*7 significant digits.*float64"):
        report = nb.grad_check(f, params, grads, eps=1e-3)
    assert report.max_error < 1e-1  # roughly right, far from float64's 1e-9


def test_grad_check_in_float64_does_not_warn(recwarn):
    params, X, y, f = small_problem()
    o, cache = nb.fprop(params, X)
    nb.grad_check(f, params, nb.bprop(nb.softmax_loss(o, y)[1], cache, params))
    assert not [w for w in recwarn if "float32" in str(w.message)]
