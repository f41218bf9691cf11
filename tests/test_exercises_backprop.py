"""Tables for the checks of notebooks 04-06: right variants pass, typical mistakes get their own message.

The cases named in issue 10 are rows here: numerical_gradient restoring w by arithmetic (right) and
ignoring eps (wrong); wiggle_cost with N_{l−1} biases and with a non-integer answer; wiggle_one on a
copy, and with a returned count that is not the number of calls (the check counts them itself);
softmax_loss_grad as ``softmax(o) - y`` with integer labels.
"""
import numpy as np
from test_exercises_table import Table, Wrong, table_tests

import nnbasics as nb
from nnbasics.exercises import (
    check_affine_bprop,
    check_numerical_gradient,
    check_rel_error,
    check_relu_bprop,
    check_softmax_loss_grad,
    check_wiggle_cost,
    check_wiggle_one,
)
from nnbasics.exercises.wiggle import _wiggle_reference, wiggle_cost_reference

# -- 04: wiggle_one ---------------------------------------------------------------------------------
wiggle_assign = _wiggle_reference     # the checker's own answer: try +eps, keep it or go to -eps


def wiggle_counting(f, params, name, index, eps):
    calls = 0

    def loss():
        nonlocal calls
        calls += 1
        return f(params)

    L0 = loss()
    params[name][index] += eps
    L1 = loss()
    params[name][index] -= eps                       # back by arithmetic
    params[name][index] += eps if L1 < L0 else -eps
    return calls


def wiggle_trial_copy(f, params, name, index, eps):
    trial = dict(params)
    trial[name] = params[name].copy()                # the trial on a copy ...
    trial[name][index] += eps
    step = eps * np.sign(f(params) - f(trial))
    params[name][index] += step                      # ... the step on the caller's array
    return 2


def _wiggle(step_rule, restore=True, copy=False, extra_call=False, returns=2, calls_f=True):
    def wiggle(f, params, name, index, eps):
        if copy:
            params = {k: v.copy() for k, v in params.items()}
        W = params[name]
        if not calls_f:
            W[index] -= eps
            return returns
        L0 = f(params)
        old = W[index]
        W[index] = old + eps
        L_plus = f(params)
        if restore:
            W[index] = old
        W[index] += step_rule(L0, L_plus, eps)
        if extra_call:
            f(params)
        return returns
    return wiggle


def _wiggle_others(f, params, name, index, eps):
    wiggle_assign(f, params, name, index, eps)
    params[name] += 1e-3
    return 2


def _rule(L0, L_plus, eps):
    return eps * np.sign(L0 - L_plus)


WIGGLE_ONE = Table(check_wiggle_one, [wiggle_assign, wiggle_counting, wiggle_trial_copy], [
    Wrong("on a copy (issue 10)", _wiggle(_rule, copy=True), "copy", ("copy", "unchanged")),
    Wrong("returns 2, calls f 3 times (issue 10)", _wiggle(_rule, extra_call=True), "extra_evals", "3 times"),
    Wrong("returns 1 (issue 10)", _wiggle(_rule, returns=1), "n_evals", "called 2 times"),
    Wrong("returns 3", _wiggle(_rule, returns=3), "n_evals", "you return 3"),
    Wrong("uphill", _wiggle(lambda L0, Lp, e: e * np.sign(Lp - L0)), "uphill", "uphill"),
    Wrong("not put back", _wiggle(_rule, restore=False), "not_restored", "not put back"),
    Wrong("gradient step", _wiggle(lambda L0, Lp, e: -0.1 * (Lp - L0) / e), "step_size", "exactly ε"),
    Wrong("eps ignored", _wiggle(lambda L0, Lp, e: 1e-3 * np.sign(L0 - Lp)), "ignored_eps", "not used"),
    Wrong("always +eps", _wiggle(lambda L0, Lp, e: e), "no_compare", "not compared"),
    Wrong("tried, put back, no step", _wiggle(lambda L0, Lp, e: 0.0), "no_update", "never made the step"),
    Wrong("never calls f", _wiggle(_rule, calls_f=False), "no_calls", "never called f"),
    Wrong("touches other entries", _wiggle_others, "others_changed", "other than"),
])


# -- 04: wiggle_cost --------------------------------------------------------------------------------
def cost_formula(sizes):
    return 1 + sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))


def cost_zip(sizes):
    total = 1
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        total += n_out * (n_in + 1)
    return total


def cost_library(sizes):
    return nb.count_params(nb.init_params(sizes)) + 1


def _weights(s):
    return sum(s[l] * s[l - 1] for l in range(1, len(s)))


WIGGLE_COST = Table(check_wiggle_cost, [cost_formula, cost_zip, cost_library], [
    Wrong("N_{l-1} biases (issue 10)", lambda s: _weights(s) + sum(s[:-1]) + 1, "bias_size", "N_{l−1} biases"),
    Wrong("non-integer (issue 10)", lambda s: cost_formula(s) + 0.5, "not_integer", "not a whole number"),
    Wrong("|θ| without L(θ)", lambda s: cost_formula(s) - 1, "no_plus_one", "L(θ)"),
    Wrong("weights + 1", lambda s: _weights(s) + 1, "no_biases", "only the weights"),
    Wrong("weights", _weights, "no_biases", "only the weights"),
    Wrong("two per entry", lambda s: 2 * (cost_formula(s) - 1) + 1, "two_per_entry", "two evaluations"),
    Wrong("units", lambda s: sum(s), "units", "units"),
    Wrong("last layer missing", lambda s: 1 + sum(s[l] * s[l - 1] + s[l] for l in range(1, len(s) - 1)),
          "missing_layer", "last layer"),
    Wrong("hard-coded 372", lambda s: 372, "hard_coded", "right for [2, 16, 16, 3]"),
    Wrong("per layer", lambda s: [s[l] * s[l - 1] + s[l] for l in range(1, len(s))], "per_layer", "one per layer"),
    Wrong("a string", lambda s: "372", "type", "str"),
])


def test_wiggle_cost_reference_counts_what_the_library_does():
    for sizes in ([2, 3], [2, 16, 16, 3], [64, 32, 10]):
        params = nb.init_params(sizes)
        calls = []

        def f(p, calls=calls):
            calls.append(1)
            return float(sum(np.sum(v) for v in p.values()))

        assert nb.wiggle_step(f, params, eps=1e-3) == len(calls) == wiggle_cost_reference(sizes)


def test_bias_size_trials_tell_it_from_no_plus_one():
    """On [2, 16, 16, 3] alone N_{l−1} biases look like "one short"; the other trials tell them apart."""
    s = [2, 16, 16, 3]
    assert _weights(s) + sum(s[:-1]) + 1 == cost_formula(s) - 1


# -- 05 ---------------------------------------------------------------------------------------------
def relu_mult(dh, z):
    return dh * (z > 0)


def relu_where(dh, z):
    return np.where(z > 0, dh, 0.0)


def relu_zero_out(dh, z):
    dz = dh.copy()
    dz[z <= 0] = 0
    return dz


RELU = Table(check_relu_bprop, [relu_mult, relu_where, relu_zero_out], [
    Wrong("sign", lambda dh, z: -dh * (z > 0), "sign", "opposite sign"),
    Wrong("mask from dh", lambda dh, z: dh * (dh > 0), "wrong_mask", "wrong array"),
    Wrong("ReLU of dh", lambda dh, z: np.maximum(0, dh), "wrong_mask", "wrong array"),
    Wrong("z >= 0", lambda dh, z: dh * (z >= 0), "kink", "z = 0"),
    Wrong("no mask", lambda dh, z: dh.copy(), "no_mask", "mask is missing"),
    Wrong("mask only", lambda dh, z: (z > 0).astype(float), "mask_only", "alone"),
    Wrong("flattened", lambda dh, z: (dh * (z > 0)).ravel(), "shape", "(20,)"),
    Wrong("transposed", lambda dh, z: (dh * (z > 0)).T, "transpose", "transposed"),
    Wrong("doubled", lambda dh, z: dh * (z > 0) * 2, "values", "largest difference"),
])


def affine_matmul(dz, x, W):
    return dz @ W, dz.T @ x, dz.sum(axis=0)


def affine_einsum(dz, x, W):
    return np.einsum("no,oi->ni", dz, W), np.einsum("no,ni->oi", dz, x), np.einsum("no->o", dz)


def affine_loop(dz, x, W):
    dW = sum(np.outer(dz[n], x[n]) for n in range(len(x)))
    db = np.zeros(W.shape[0])
    for n in range(len(x)):
        db += dz[n]
    return np.stack([W.T @ dz[n] for n in range(len(x))]), dW, db


AFFINE = Table(check_affine_bprop, [affine_matmul, affine_einsum, affine_loop], [
    Wrong("dW transposed", lambda dz, x, W: (dz @ W, x.T @ dz, dz.sum(0)), "transpose", "dW is transposed"),
    Wrong("dW sign", lambda dz, x, W: (dz @ W, -(dz.T @ x), dz.sum(0)), "sign", "dW"),
    Wrong("dx sign", lambda dz, x, W: (-(dz @ W), dz.T @ x, dz.sum(0)), "sign", "dx"),
    Wrong("dW / N", lambda dz, x, W: (dz @ W, dz.T @ x / len(x), dz.sum(0)), "factor_N", "dW"),
    Wrong("db mean", lambda dz, x, W: (dz @ W, dz.T @ x, dz.mean(0)), "factor_N", "averaged"),
    Wrong("db not summed", lambda dz, x, W: (dz @ W, dz.T @ x, dz), "shape", "one row per example"),
    Wrong("order", lambda dz, x, W: (dz.T @ x, dz @ W, dz.sum(0)), "order", "wrong order"),
    Wrong("two arrays", lambda dz, x, W: (dz @ W, dz.T @ x), "format", "three arrays"),
])


def _p(o):
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _Y(o, y):
    return np.eye(o.shape[1])[y]


def softmax_grad_index(o, y):
    d = _p(o)
    d[np.arange(len(y)), y] -= 1
    return d / len(y)


def softmax_grad_onehot(o, y):
    return (nb.softmax(o) - np.eye(o.shape[1])[y]) / o.shape[0]


def softmax_grad_logsumexp(o, y):
    m = o.max(axis=1, keepdims=True)
    logp = o - m - np.log(np.sum(np.exp(o - m), axis=1, keepdims=True))
    return (np.exp(logp) - (np.arange(o.shape[1]) == y[:, None])) / len(o)


def _no_max(o, y):
    e = np.exp(o)
    return (e / e.sum(axis=1, keepdims=True) - _Y(o, y)) / len(y)


def _no_keepdims(o, y):
    e = np.exp(o - o.max(axis=1))
    return (e / e.sum(axis=1, keepdims=True) - _Y(o, y)) / len(y)


def _axis0(o, y):
    e = np.exp(o - o.max(axis=0, keepdims=True))
    return (e / e.sum(axis=0, keepdims=True) - _Y(o, y)) / len(y)


SOFTMAX_GRAD = Table(check_softmax_loss_grad, [softmax_grad_index, softmax_grad_onehot, softmax_grad_logsumexp], [
    Wrong("softmax(o) - y, integer y (issue 10)", lambda o, y: (_p(o) - y) / len(y), "label_not_one_hot",
          ("integer labels", "one-hot")),
    Wrong("p - y[:, None]", lambda o, y: (_p(o) - y[:, None]) / len(y), "label_not_one_hot", "label number"),
    Wrong("no keepdims", _no_keepdims, "keepdims", "keepdims"),
    Wrong("no 1/N", lambda o, y: _p(o) - _Y(o, y), "factor_N", "N = 4"),
    Wrong("1/N twice", lambda o, y: (_p(o) - _Y(o, y)) / len(y) ** 2, "factor_N", "twice"),
    Wrong("sign", lambda o, y: (_Y(o, y) - _p(o)) / len(y), "sign", "y − p"),
    Wrong("no y", lambda o, y: _p(o) / len(y), "missing_y", "not subtracted"),
    Wrong("axis 0", _axis0, "axis", "wrong axis"),
    Wrong("overflow", _no_max, "overflow", "1000"),
    Wrong("two columns", lambda o, y: ((_p(o) - _Y(o, y)) / len(y))[:, :2], "shape", "shape"),
])


# -- 06: numerical_gradient -------------------------------------------------------------------------
def numgrad_assign(f, w, eps=1e-5):
    g = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        fp = f(w)
        w[i] = old - eps
        fm = f(w)
        w[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def numgrad_arithmetic(f, w, eps=1e-5):
    """Restores each entry by arithmetic: w is back to within an ulp or two, not bit for bit (issue 10)."""
    g = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        w[i] += eps
        fp = f(w)
        w[i] -= 2 * eps
        fm = f(w)
        w[i] += eps
        g[i] = (fp - fm) / (2 * eps)
    return g


def numgrad_copies(f, w, eps=1e-5):
    g = np.empty(w.shape)
    for i in range(w.size):
        e = np.zeros(w.size)
        e[i] = eps
        e = e.reshape(w.shape)
        g.flat[i] = (f(w + e) - f(w - e)) / (2 * eps)
    return g


def _numgrad(kind, eps_used=None):
    def g(f, w, eps=1e-5):
        h = eps if eps_used is None else eps_used
        out = np.zeros_like(w)
        f0 = f(w)
        for i in np.ndindex(w.shape):
            old = w[i]
            w[i] = old + h
            fp = f(w)
            w[i] = old - h
            fm = f(w)
            w[i] = {"float32": np.float32(old), "off": old - h}.get(kind, old)
            out[i] = {"forward": (fp - f0) / h, "backward": (f0 - fm) / h, "by_eps": (fp - fm) / h,
                      "by_4eps": (fp - fm) / (4 * h), "sign": (fm - fp) / (2 * h)}.get(kind, (fp - fm) / (2 * h))
        return out
    return g


def _all_at_once(f, w, eps=1e-5):
    return np.full_like(w, (f(w + eps) - f(w - eps)) / (2 * eps))


NUMGRAD = Table(check_numerical_gradient, [numgrad_assign, numgrad_arithmetic, numgrad_copies], [
    Wrong("eps ignored: 1e-5 (issue 10)", _numgrad("central", eps_used=1e-5), "ignored_eps", "not eps"),
    Wrong("eps ignored: 1e-4", _numgrad("central", eps_used=1e-4), "ignored_eps", "not eps"),
    Wrong("forward", _numgrad("forward"), "forward_difference", "forward"),
    Wrong("backward", _numgrad("backward"), "forward_difference", "backward"),
    Wrong("divided by eps", _numgrad("by_eps"), "factor_2", "twice"),
    Wrong("divided by 4 eps", _numgrad("by_4eps"), "factor_2", "half"),
    Wrong("sign", _numgrad("sign"), "sign", "opposite sign"),
    Wrong("left at old - eps", _numgrad("off"), "not_restored", "not put back"),
    Wrong("restored in float32", _numgrad("float32"), "not_restored", "not put back"),
    Wrong("all at once", _all_at_once, "all_at_once", "at once"),
    Wrong("flattened", lambda f, w, eps=1e-5: numgrad_assign(f, w, eps).ravel(), "shape", "flattened"),
])


def test_arithmetic_restore_is_not_bit_exact_but_passes():
    """The named case: on the check's own w and ε the arithmetic restore leaves w off by round-off
    (so a bit-for-bit comparison would reject it), and the check accepts it."""
    from nnbasics.exercises.gradient_check import _smooth_case

    f, _, w = _smooth_case()
    for eps in (1e-2, 5e-3):
        w_in = w.copy()
        numgrad_arithmetic(f, w_in, eps)
        assert not np.array_equal(w_in, w)
        assert np.all(np.abs(w_in - w) <= 4 * np.finfo(float).eps * (np.abs(w) + eps))
    assert check_numerical_gradient(numgrad_arithmetic).passed


def test_numerical_gradient_counts_calls():
    fb = check_numerical_gradient(numgrad_assign)
    assert fb.passed and "2 per entry suffice" not in fb.message

    def wasteful(f, w, eps=1e-5):
        g = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            f(w)
            g[i] = numgrad_assign(f, w, eps)[i]
        return g
    fb = check_numerical_gradient(wasteful)
    assert fb.passed and "2 per entry suffice" in fb.message


# -- 06: rel_error ----------------------------------------------------------------------------------
def rel_formula(a, b):
    return np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b)))


def rel_python(a, b):
    a, b = list(np.ravel(a)), list(np.ravel(b))
    top = max(abs(u - v) for u, v in zip(a, b, strict=True))
    return top / max(1e-12, max(abs(u) for u in a) + max(abs(v) for v in b))


REL = Table(check_rel_error, [rel_formula, rel_python, nb.rel_error], [
    Wrong("entry by entry", lambda a, b: np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))),
          "elementwise", "entry by entry"),
    Wrong("absolute", lambda a, b: np.max(np.abs(a - b)), "absolute", "absolute error"),
    Wrong("no abs on top", lambda a, b: np.max(a - b) / max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b))),
          "no_abs", "absolute value"),
    Wrong("no abs below", lambda a, b: np.max(np.abs(a - b)) / max(1e-12, np.max(a) + np.max(b)),
          "no_abs", "denominator"),
    Wrong("max of sums", lambda a, b: np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(a) + np.abs(b))),
          "denominator", "max_i (|a_i| + |b_i|)"),
    Wrong("no floor", lambda a, b: np.max(np.abs(a - b)) / (np.max(np.abs(a)) + np.max(np.abs(b))),
          "no_floor", "0/0"),
    Wrong("mean", lambda a, b: np.mean(np.abs(a - b)) / max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b))),
          "mean", "averaged"),
    Wrong("array", lambda a, b: np.abs(a - b), "shape", "one number"),
])

TABLES = [WIGGLE_ONE, WIGGLE_COST, RELU, AFFINE, SOFTMAX_GRAD, NUMGRAD, REL]
test_right, test_wrong, test_rules, test_stub_and_crash = table_tests(TABLES)
