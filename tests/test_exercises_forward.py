"""Tables for the checks of notebooks 00-03: right variants pass, typical mistakes get their own message.

The cases named in issue 10 are rows here: ``np.eye(y.max() + 1)[y]`` (one_hot ignores C), ``np.mean``
instead of the sum (mse_loss), ``np.max(0, z)`` / ``max(0, z)`` instead of ``np.maximum`` (layer_forward,
fprop), ``softmax(o) - y`` with an integer label (softmax_grad).
"""
import math

import numpy as np
from test_exercises_table import Table, Wrong, table_tests

import nnbasics as nb
from nnbasics.exercises import (
    check_collapse,
    check_fprop,
    check_kink,
    check_layer_forward,
    check_max_regions,
    check_mse_loss,
    check_nll,
    check_one_hot,
    check_softmax,
    check_softmax_grad,
)


def _sm(o):
    e = np.exp(o - o.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# -- 00 ---------------------------------------------------------------------------------------------
def one_hot_zeros(y, C):
    Y = np.zeros((len(y), C))
    Y[np.arange(len(y)), y] = 1
    return Y


def one_hot_eye(y, C):
    return np.eye(C)[y]


def one_hot_compare(y, C):
    return (y[:, None] == np.arange(C)).astype(int)


def one_hot_loop(y, C):
    rows = []
    for label in y:
        row = [0.0] * C
        row[label] = 1.0
        rows.append(row)
    return np.array(rows)


def _one_hot_columns(y, C):
    Y = np.zeros((len(y), C))
    Y[:, y] = 1
    return Y


def _one_hot_rows(y, C):
    Y = np.zeros((len(y), C))
    Y[y] = 1
    return Y


ONE_HOT = Table(check_one_hot, [one_hot_zeros, one_hot_eye, one_hot_compare, one_hot_loop], [
    Wrong("eye of y.max()+1 (issue 10)", lambda y, C: np.eye(y.max() + 1)[y], "ignores_C", ("C = 6", "no example")),
    Wrong("transposed", lambda y, C: np.eye(C)[y].T, "transpose", "(C, N)"),
    Wrong("labels from 1", lambda y, C: np.eye(C + 1)[y + 1], "off_by_one", "right"),
    Wrong("y - 1", lambda y, C: np.eye(C)[y - 1], "off_by_one", "left"),
    Wrong("Y[:, y] = 1", _one_hot_columns, "wrong_index", "whole columns"),
    Wrong("Y[y] = 1", _one_hot_rows, "wrong_index", "whole rows"),
    Wrong("N columns", lambda y, C: np.eye(len(y))[y], "shape", "shape"),
])


def mse_sum(pred, target):
    return 0.5 * np.sum((pred - target) ** 2) / pred.shape[0]


def mse_rows(pred, target):
    return np.mean(0.5 * np.sum((pred - target) ** 2, axis=1))


def mse_norm(pred, target):
    return np.linalg.norm(pred - target) ** 2 / (2 * len(pred))


def mse_tuple(pred, target):
    d = pred - target
    return 0.5 * np.sum(d * d) / len(d), d / len(d)


MSE = Table(check_mse_loss, [mse_sum, mse_rows, mse_norm, mse_tuple], [
    Wrong("0.5 * np.mean (issue 10)", lambda p, t: 0.5 * np.mean((p - t) ** 2), "mean_all", ("np.mean", "K = 4")),
    Wrong("np.mean without ½ (issue 10)", lambda p, t: np.mean((p - t) ** 2), "mean_all", ("np.mean", "½")),
    Wrong("no half", lambda p, t: np.sum((p - t) ** 2) / p.shape[0], "no_half", "½"),
    Wrong("sum over examples", lambda p, t: 0.5 * np.sum((p - t) ** 2), "factor_N", "N = 5"),
    Wrong("no half, no mean", lambda p, t: np.sum((p - t) ** 2), "factor_N", "2N"),
    Wrong("RMSE", lambda p, t: np.sqrt(np.sum((p - t) ** 2) / p.shape[0]), "sqrt", "square root"),
    Wrong("np.mean over axis 1", lambda p, t: np.mean((p - t) ** 2, axis=1), "per_example", "np.mean with an axis"),
    Wrong("per example", lambda p, t: 0.5 * np.sum((p - t) ** 2, axis=1), "per_example", "one loss per example"),
    Wrong("absolute", lambda p, t: 0.5 * np.sum(np.abs(p - t)) / len(p), "abs", "absolute"),
    Wrong("int()", lambda p, t: int(0.5 * np.sum((p - t) ** 2) / len(p)), "values", "the answer is"),
])


# -- 01 ---------------------------------------------------------------------------------------------
def layer_maximum(x, W, b):
    return np.maximum(0, x @ W.T + b)


def layer_mask(x, W, b):
    z = np.dot(x, W.T) + b
    return z * (z > 0)


def layer_einsum_clip(x, W, b):
    return np.clip(np.einsum("nd,od->no", x, W) + b, 0, None)


def layer_columns(x, W, b):
    return np.where((W @ x.T).T + b > 0, (W @ x.T).T + b, 0.0)


def _relu_np_max(x, W, b):
    return np.max(0, x @ W.T + b)


def _relu_builtin_max(x, W, b):
    return max(0, x @ W.T + b)


LAYER = Table(check_layer_forward, [layer_maximum, layer_mask, layer_einsum_clip, layer_columns], [
    Wrong("np.max(0, z) (issue 10)", _relu_np_max, "np_max", "np.max(0, z)"),
    Wrong("max(0, z) (issue 10)", _relu_builtin_max, "np_max", "max(0, z)"),
    Wrong("np.max(z, 0)", lambda x, W, b: np.max(x @ W.T + b, 0), "np_max", "axis 0"),
    Wrong("no ReLU", lambda x, W, b: x @ W.T + b, "no_relu", "ReLU"),
    Wrong("x @ W", lambda x, W, b: np.maximum(0, x @ W + b), "transpose", "transpose"),
    Wrong("no bias", lambda x, W, b: np.maximum(0, x @ W.T), "no_bias", "bias"),
    Wrong("ReLU before bias", lambda x, W, b: np.maximum(0, x @ W.T) + b, "relu_before_bias", "after the ReLU"),
    Wrong("fixed width", lambda x, W, b: np.maximum(0, x @ W.T + b)[:, :3], "shape", "(4, 3)"),
])


def forward_lines(params, x):
    h1 = np.maximum(0, x @ params["W1"].T + params["b1"])
    h2 = np.maximum(0, h1 @ params["W2"].T + params["b2"])
    return h2 @ params["W3"].T + params["b3"]


def forward_loop(params, x):
    h = x
    for l in (1, 2, 3):
        z = h @ params[f"W{l}"].T + params[f"b{l}"]
        h = z if l == 3 else z * (z > 0)
    return h


def forward_library(params, x):
    return nb.fprop(params, x)          # (o, cache): the check takes the first element


def _fprop(relu=(True, True, False), bias=True, relu_fn=lambda z: np.maximum(0, z)):
    def f(params, x):
        h = x
        for l in (1, 2, 3):
            z = h @ params[f"W{l}"].T + (params[f"b{l}"] if bias else 0)
            h = relu_fn(z) if relu[l - 1] else z
        return h
    return f


FPROP = Table(check_fprop, [forward_lines, forward_loop, forward_library], [
    Wrong("ReLU on o", _fprop(relu=(True, True, True)), "output_relu", "ReLU on the output"),
    Wrong("no ReLU", _fprop(relu=(False, False, False)), "no_relu", "linear"),
    Wrong("h1 without ReLU", _fprop(relu=(False, True, False)), "no_relu", "h1"),
    Wrong("h2 without ReLU", _fprop(relu=(True, False, False)), "no_relu", "h2"),
    Wrong("no biases", _fprop(bias=False), "no_bias", "biases"),
    Wrong("np.max(0, z) (issue 10)", _fprop(relu_fn=lambda z: np.max(0, z)), "np_max", "np.max"),
    Wrong("x @ W1", lambda p, x: np.maximum(0, x @ p["W1"] + p["b1"]), "transpose", "(out, in)"),
])


# -- 02 ---------------------------------------------------------------------------------------------
def kink_formula(w, b):
    return -b / w


def kink_solve(w, b):
    return float(np.linalg.solve(np.array([[w]]), np.array([-b]))[0])


KINK = Table(check_kink, [kink_formula, kink_solve], [
    Wrong("b/w", lambda w, b: b / w, "sign", "sign"),
    Wrong("-w/b", lambda w, b: -w / b, "inverted", "−w/b"),
    Wrong("w/b", lambda w, b: w / b, "inverted", "w/b"),
    Wrong("-b", lambda w, b: -b, "no_division", "division"),
    Wrong("-b*w", lambda w, b: -b * w, "product", "multiplied"),
    Wrong("-b // w", lambda w, b: -b // w, "floor_division", "//"),
    Wrong("rounded to 2 decimals", lambda w, b: round(-b / w, 2), "values", "the answer is"),
])


def collapse_matmul(W1, b1, W2, b2):
    return W2 @ W1, W2 @ b1 + b2


def collapse_dot(W1, b1, W2, b2):
    A = np.dot(W2, W1)
    return A, np.dot(W2, b1) + b2


def collapse_probe(W1, b1, W2, b2):
    c = W2 @ (W1 @ np.zeros(W1.shape[1]) + b1) + b2        # the map at x = 0
    A = np.stack([W2 @ (W1 @ e + b1) + b2 - c for e in np.eye(W1.shape[1])], axis=1)
    return A, c


COLLAPSE = Table(check_collapse, [collapse_matmul, collapse_dot, collapse_probe], [
    Wrong("W1 @ W2", lambda W1, b1, W2, b2: (W1 @ W2, W2 @ b1 + b2), "order", "one order"),
    Wrong("W1.T @ W2.T", lambda W1, b1, W2, b2: (W1.T @ W2.T, W2 @ b1 + b2), "order", "transposed"),
    Wrong("W2 * W1", lambda W1, b1, W2, b2: (W2 * W1, W2 @ b1 + b2), "elementwise", "entry by entry"),
    Wrong("c = b2", lambda W1, b1, W2, b2: (W2 @ W1, b2), "bias", "first layer's bias"),
    Wrong("c = W2 b1", lambda W1, b1, W2, b2: (W2 @ W1, W2 @ b1), "bias", "own bias b2"),
    Wrong("only A", lambda W1, b1, W2, b2: W2 @ W1, "format", "two things"),
    Wrong("(c, A)", lambda W1, b1, W2, b2: (W2 @ b1 + b2, W2 @ W1), "format", "wrong order"),
])


def regions_formula(n):
    return 1 + n + n * (n - 1) // 2


def regions_comb(n):
    return math.comb(n, 2) + n + 1


def regions_recursive(n):
    return 1 if n == 0 else regions_recursive(n - 1) + n


REGIONS = Table(check_max_regions, [regions_formula, regions_comb, regions_recursive], [
    Wrong("no 1", lambda n: n + n * (n - 1) // 2, "no_one", "1 too small"),
    Wrong("no n", lambda n: 1 + n * (n - 1) // 2, "no_n", "crossings"),
    Wrong("n²/2", lambda n: 1 + n + n * n / 2, "n_squared", "n²/2"),
    Wrong("n²", lambda n: 1 + n + n * n, "n_squared", "n²"),
    Wrong("n(n+1)/2", lambda n: 1 + n + n * (n + 1) // 2, "crossings", "n(n+1)/2"),
    Wrong("2**n", lambda n: 2 ** n, "exponential", "2ⁿ"),
])


# -- 03 ---------------------------------------------------------------------------------------------
def softmax_keepdims(o):
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_logsumexp(o):
    m = o.max(axis=-1)[:, None]
    return np.exp(o - m - np.log(np.exp(o - m).sum(axis=-1))[:, None])


def softmax_rows(o):
    return np.array([np.exp(r - r.max()) / np.exp(r - r.max()).sum() for r in o])


def _softmax_no_keepdims(o):
    e = np.exp(o - o.max(axis=1))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_global(o):
    e = np.exp(o - o.max())
    return e / e.sum(axis=1, keepdims=True)


SOFTMAX = Table(check_softmax, [softmax_keepdims, softmax_logsumexp, softmax_rows], [
    Wrong("no max subtracted", lambda o: np.exp(o) / np.exp(o).sum(axis=1, keepdims=True), "overflow", "overflows"),
    Wrong("columns", lambda o: np.exp(o) / np.exp(o).sum(axis=0, keepdims=True), "axis", "columns"),
    Wrong("whole batch", lambda o: np.exp(o) / np.exp(o).sum(), "axis", "whole batch"),
    Wrong("e^o", lambda o: np.exp(o), "unnormalised", "without dividing"),
    Wrong("max but no sum", lambda o: np.exp(o - o.max(axis=1, keepdims=True)), "unnormalised", "did not divide"),
    Wrong("global max", _softmax_global, "global_max", "whole batch"),
    Wrong("no keepdims", _softmax_no_keepdims, "keepdims", "(N,)"),
])


def nll_fancy(p, y):
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def nll_loop(p, y):
    total = 0.0
    for n, label in enumerate(y):
        total -= math.log(p[n, label])
    return total / len(y)


def nll_onehot(p, y):
    Y = np.eye(p.shape[1])[y]
    return -np.sum(Y * np.log(p)) / len(y)


NLL = Table(check_nll, [nll_fancy, nll_loop, nll_onehot], [
    Wrong("no minus", lambda p, y: np.mean(np.log(p[np.arange(len(y)), y])), "sign", "negative"),
    Wrong("sum", lambda p, y: -np.sum(np.log(p[np.arange(len(y)), y])), "factor_N", "N = 5"),
    Wrong("every class", lambda p, y: -np.sum(np.log(p), axis=1).mean(), "all_classes", "every class"),
    Wrong("every entry", lambda p, y: -np.mean(np.log(p)), "all_classes", "every entry"),
    Wrong("p[:, y]", lambda p, y: -np.mean(np.log(p[:, y])), "wrong_index", "(N, N) block"),
    Wrong("no log", lambda p, y: -np.mean(p[np.arange(len(y)), y]), "no_log", "log is missing"),
    Wrong("largest p, not y's", lambda p, y: -np.mean(np.log(p.max(axis=1))), "ignores_y", "true class"),
    Wrong("log10", lambda p, y: -np.mean(np.log10(p[np.arange(len(y)), y])), "log_base", "log10"),
])


def grad_copy(o, y):
    p = _sm(o)
    p[y] -= 1
    return p


def grad_onehot(o, y):
    e = np.exp(o - np.max(o))
    return e / np.sum(e) - np.eye(len(o))[y]


def grad_where(o, y):
    return _sm(o) - np.where(np.arange(o.size) == y, 1.0, 0.0)


GRAD = Table(check_softmax_grad, [grad_copy, grad_onehot, grad_where], [
    Wrong("softmax(o) - y, integer y (issue 10)", lambda o, y: _sm(o) - y, "label_not_one_hot", "label itself"),
    Wrong("y - p", lambda o, y: -grad_copy(o, y), "sign", "y − p"),
    Wrong("p alone", lambda o, y: _sm(o), "missing_y", "p alone"),
    Wrong("o - y", lambda o, y: o - np.eye(len(o))[y], "no_softmax", "logits"),
    Wrong("class y+1", lambda o, y: _sm(o) - np.eye(len(o))[y + 1], "off_by_one", "right"),
    Wrong("class y-1", lambda o, y: _sm(o) - np.eye(len(o))[y - 1], "off_by_one", "left"),
])

TABLES = [ONE_HOT, MSE, LAYER, FPROP, KINK, COLLAPSE, REGIONS, SOFTMAX, NLL, GRAD]
test_right, test_wrong, test_rules, test_stub_and_crash = table_tests(TABLES)


def test_one_hot_trial_leaves_out_the_last_class():
    """The named case needs a trial whose labels miss class C − 1 (else y.max() + 1 == C)."""
    fb = check_one_hot(lambda y, C: np.eye(y.max() + 1)[y] if y.max() == C - 1 else np.zeros((len(y), C)))
    assert fb.status == "wrong"                # the first trial includes C − 1, the second does not


def test_fprop_reference_is_the_library():
    from nnbasics.exercises.forward import _fprop_case, _net

    params, x = _fprop_case()
    assert np.allclose(nb.fprop(params, x)[0], _net(params, x), rtol=1e-12, atol=1e-12)
