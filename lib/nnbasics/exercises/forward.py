"""Checks for the exercises of notebooks 00 (start here) and 01 (forward propagation).

Each ``check_*`` runs the student's function on fixed small inputs against the reference (the
slides' formulas) and returns a :class:`~nnbasics.exercises.feedback.Feedback`; it never raises.
A wrong answer is compared with the usual mistakes, each with a short code in ``Feedback.mistake``:

    check_one_hot         'transpose' (C, N) instead of (N, C)   'off_by_one' the 1 one column off
                          'ignores_C' y.max() + 1 columns, not C   'wrong_index' whole columns (or rows)
                          set to 1   'shape' another shape
    check_mse_loss        'no_half' ½ forgotten   'factor_N' sum instead of mean over examples
                          'sqrt' a root taken (RMSE)   'mean_all' np.mean over N·K entries (with or
                          without the ½)   'per_example' one loss per example   'abs' |·| not (·)²
    check_layer_forward   'no_relu' max(0, ·) forgotten   'transpose' x @ W instead of x @ W.T
                          'no_bias' b forgotten   'relu_before_bias' max(0, W x) + b
                          'np_max' np.max / max instead of np.maximum   'shape' another shape
    check_fprop           'output_relu' a ReLU on o (the slide's version, here o are logits)
                          'no_relu' a hidden ReLU forgotten   'no_bias' a bias forgotten
                          'transpose' x @ W (does not fit)   'np_max' np.max instead of np.maximum

The functions the student writes use the row-batch form of :mod:`nnbasics.layers`: x (N, D),
W (out, in), so the slide's ``W x + b`` is ``x @ W.T + b``.
"""
import math

import numpy as np

from .feedback import attempt, checker, compare, explain_error, raised_in, verdict

__all__ = ["check_one_hot", "check_mse_loss", "check_layer_forward", "check_fprop"]


# -- 00: start here -----------------------------------------------------------------------------
@checker("one_hot")
def check_one_hot(one_hot):
    """``one_hot(y, C)``: labels y (N,) ints -> Y (N, C) with ``Y[n, y_n] = 1``, zeros elsewhere.

    Two trials; in the second the largest class, C − 1, has no example (so ``y.max() + 1`` is not C).
    """
    ex = "one_hot"
    for y, C in ((np.array([2, 0, 1, 2]), 3), (np.array([1, 0, 3, 1, 0]), 6)):
        got, fb = attempt(ex, one_hot, y.copy(), C)
        if fb is not None:
            return fb
        N = len(y)
        ref = np.eye(C)[y]
        shifted = np.zeros((N, C + 1))
        shifted[np.arange(N), y + 1] = 1
        columns = np.zeros((N, C))
        columns[:, y] = 1
        rows = np.zeros((N, C))
        rows[y[y < N]] = 1
        fb = compare(ex, "Y", got, ref, [
            ("ignores_C", np.eye(y.max() + 1)[y], f"Y has y.max() + 1 = {y.max() + 1} columns, but C = {C}: the "
             f"labels here are {y.tolist()}, and class {C - 1} has no example in this batch.",
             "the number of columns comes from the argument C, not from the labels you happen to see."),
            ("transpose", ref.T, f"Y has shape (C, N) = {ref.T.shape}: one column per example.",
             "one row per example: Y[n] is the slides' target vector [0 … 1 … 0] of example n, shape (N, C)."),
            ("off_by_one", shifted, "the 1 sits one place to the right: classes are counted from 1.",
             "class labels run 0 … C−1, so label y goes to column y (and Y has C columns)."),
            ("off_by_one", np.eye(C)[y - 1], "the 1 sits one place to the left (class 0 wrapped round to the "
             "last column): you used y − 1.", "class labels run 0 … C−1, so label y goes to column y."),
            ("wrong_index", columns, "whole columns are set to 1: indexing Y[:, y] picks every row of each "
             "label's column.", "each row n needs exactly one 1, at column y[n]: pair the row numbers "
             "0 … N−1 with the labels when you index."),
            ("wrong_index", rows, "whole rows are set to 1: indexing Y[y] picks rows by label.",
             "each row n needs exactly one 1, at column y[n]."),
        ], "Y[n, y[n]] = 1 and every other entry 0, shape (N, C).")
        if fb is not None:
            return fb
    return verdict(None, ex, "each row has a single 1, at the column of its class — even when a class has no "
                   "example in the batch.")


@checker("mse_loss")
def check_mse_loss(mse_loss):
    """``mse_loss(pred, target)``: (N, K) arrays -> L = (1/N) Σ_n ½ ‖pred_n − target_n‖² (a float)."""
    ex = "mse_loss"
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))     # N = 5, K = 4: no factor coincides
    got, fb = attempt(ex, mse_loss, pred.copy(), target.copy())
    if fb is not None:
        return fb
    if isinstance(got, tuple):  # a student may return (L, dpred) like the library
        got = got[0]
    sq = np.sum((pred - target) ** 2)
    N, K = pred.shape
    ref = 0.5 * sq / N
    per_example = 0.5 * np.sum((pred - target) ** 2, axis=1)
    fb = compare(ex, "L", got, ref, [
        ("no_half", sq / N, "L is twice the expected value: the ½ is missing.",
         "L = (1/N) Σ_n ½ ‖pred_n − target_n‖² — the ½ makes the gradient simply pred − target."),
        ("factor_N", 0.5 * sq, f"L is N = {N} times too large: a sum over the examples, not a mean.",
         "divide by N, the number of examples (the length of the first axis)."),
        ("factor_N", sq, f"L is 2N = {2 * N} times too large: no ½ and no mean over examples.",
         "L = (1/N) Σ_n ½ ‖pred_n − target_n‖²."),
        ("sqrt", math.sqrt(sq / N), "you took a square root (that is the RMSE, not the MSE).",
         "no root: L = (1/N) Σ_n ½ ‖pred_n − target_n‖²."),
        ("mean_all", 0.5 * sq / (N * K), f"L is K = {K} times too small: np.mean averages over all N·K = {N * K} "
         f"entries, but the loss averages over the N = {N} examples only.",
         "the squared distance ‖pred_n − target_n‖² sums over the K entries of an example; only the examples "
         "are averaged."),
        ("mean_all", sq / (N * K), f"L is K/2 = {K / 2:g} times too small: np.mean averages over all N·K = "
         f"{N * K} entries (and the ½ is missing).", "sum the squares inside each example, average over the N "
         "examples, and keep the ½."),
        ("per_example", per_example, f"you returned one loss per example (shape {per_example.shape}); L is one "
         "number.", "average the per-example losses over the N examples."),
        ("per_example", np.mean((pred - target) ** 2, axis=1), f"you returned one value per example (shape "
         f"({N},)): np.mean with an axis keeps that axis; L is one number.",
         "sum over the K entries of each example, then average over the N examples."),
        ("abs", 0.5 * np.sum(np.abs(pred - target)) / N, "you summed absolute differences |pred − target|; "
         "the loss squares them.", "‖v‖² is the sum of the squares of v's entries."),
    ], "L = (1/N) Σ_n ½ ‖pred_n − target_n‖²: square, sum inside each example, average over examples, halve.")
    return verdict(fb, ex, "L = (1/N) Σ_n ½ ‖pred_n − target_n‖², as in nb.mse_loss.")


# -- 01: forward propagation --------------------------------------------------------------------
_NP_MAX_HINT = ("use np.maximum(0, ·): it compares entry by entry; np.max(a, axis) returns the largest entry of "
                "an array, and Python's max compares whole objects.")


def relu_with_max(ex, fb):
    """A 'np_max' Feedback when ``fb`` shows a ReLU written with np.max or max, else None."""
    if raised_in(fb, {"max", "amax", "_wrapreduction"}):
        return explain_error(ex, fb, None, "np.max(0, z) reads its second argument as an axis: np.max takes the "
                             "largest entry of one array.", _NP_MAX_HINT, "np_max")
    return explain_error(ex, fb, ["truth value"], "Python's max(0, z) compares 0 with the whole array z at once.",
                         _NP_MAX_HINT, "np_max")


@checker("layer_forward")
def check_layer_forward(layer_forward):
    """``layer_forward(x, W, b)``: x (N, D), W (out, D), b (out,) -> h = max(0, x @ W.T + b): (N, out).

    The slide's ``h1 = max(0, W1 x + b1)`` for a batch of rows.
    """
    ex = "layer_forward"
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3))
    Wsq, bsq = rng.normal(size=(3, 3)), rng.normal(size=3)    # square: a transposition is silent
    got, fb = attempt(ex, layer_forward, x.copy(), Wsq.copy(), bsq.copy())
    if fb is not None:
        np_max = relu_with_max(ex, fb)
        return fb if np_max is None else np_max
    z = x @ Wsq.T + bsq
    fb = compare(ex, "h", got, np.maximum(z, 0), [
        ("no_relu", z, "h has negative entries: the ReLU max(0, ·) is missing.",
         "h = max(0, W x + b), taken entry by entry."),
        ("np_max", np.max(z, axis=0), "h is one number per unit, the largest over the batch: np.max(z, 0) takes a "
         "maximum along axis 0; it is not the ReLU.", _NP_MAX_HINT),
        ("np_max", np.max(z, axis=1), "h is one number per example, its largest entry: np.max(z, 1) takes a "
         "maximum along axis 1; it is not the ReLU.", _NP_MAX_HINT),
        ("transpose", np.maximum(x @ Wsq + bsq, 0), "you multiplied by W, not by its transpose.",
         "W has shape (out, in) as on the slides (W1 ∈ R^{N1×D}); for a row x the slide's W x is x Wᵀ."),
        ("no_bias", np.maximum(x @ Wsq.T, 0), "the bias b is missing.", "h = max(0, W x + b)."),
        ("relu_before_bias", np.maximum(x @ Wsq.T, 0) + bsq, "the bias is added after the ReLU.",
         "the ReLU comes last: max(0, W x + b)."),
    ], "h = max(0, W x + b) for every row: print the shapes of x, W and b.")
    if fb is not None:
        return fb
    # a layer that changes the width: W (5, 3)
    W, b = rng.normal(size=(5, 3)), rng.normal(size=5)
    got, fb = attempt(ex, layer_forward, x.copy(), W.copy(), b.copy())
    if fb is not None:
        crash = explain_error(ex, fb, None, f"with W of shape {W.shape} (5 units, 3 inputs): the square W of the "
                              "first try hid a shape mistake.", "W is (out, in): for a batch x (N, in) the result "
                              "must be (N, out).", "shape")
        return fb if crash is None else crash
    fb = compare(ex, "h", got, np.maximum(x @ W.T + b, 0), [],
                 "for W (out, in) the output has shape (N, out), one row per example.")
    return verdict(fb, ex, "h = max(0, x @ W.T + b) — the slide's h1 = max(0, W1 x + b1) for a batch.")


def _fprop_case():
    rng = np.random.default_rng(2)
    sizes = [3, 5, 4, 3]
    params = {}
    for l in range(1, 4):
        params[f"W{l}"] = rng.normal(size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(size=sizes[l])
    x = rng.normal(size=(6, 3)) * 2
    params["b3"] -= 2.0   # some logits negative, so that a ReLU on o would show
    return params, x


def _net(params, x, relu=(True, True, False), bias=True):
    h = x
    for l in range(1, 4):
        z = h @ params[f"W{l}"].T + (params[f"b{l}"] if bias else 0)
        h = np.maximum(z, 0) if relu[l - 1] else z
    return h


@checker("fprop")
def check_fprop(forward):
    """``forward(params, x)``: the slides' 2-hidden-layer net, x (N, D) -> logits o (N, C).

        h1 = max(0, W1 x + b1),  h2 = max(0, W2 h1 + b2),  o = W3 h2 + b3   (no ReLU on o)
    """
    ex = "fprop"
    params, x = _fprop_case()
    got, fb = attempt(ex, forward, {k: v.copy() for k, v in params.items()}, x.copy())
    if fb is not None:
        np_max = relu_with_max(ex, fb)
        if np_max is not None:
            return np_max
        mismatch = explain_error(ex, fb, ["matmul", "align"], f"W1 is {params['W1'].shape} = (out, in) and x is "
                                 f"{x.shape}: a product with W itself does not fit.",
                                 "for a row h the slide's W h is h Wᵀ.", "transpose")
        return fb if mismatch is None else mismatch
    if isinstance(got, tuple):
        got = got[0]
    fb = compare(ex, "o", got, _net(params, x), [
        ("output_relu", _net(params, x, relu=(True, True, True)), "o has no negative entries: there is a ReLU "
         "on the output.", "the slide writes o = max(0, W3 h2 + b3), but here o are logits for the softmax "
         "(notebook 03 shows why): o = W3 h2 + b3."),
        ("no_relu", _net(params, x, relu=(False, False, False)), "no ReLU in the hidden layers: your network is "
         "linear.", "h1 = max(0, W1 x + b1) and h2 = max(0, W2 h1 + b2)."),
        ("no_relu", _net(params, x, relu=(False, True, False)), "h1 has no ReLU.", "h1 = max(0, W1 x + b1)."),
        ("no_relu", _net(params, x, relu=(True, False, False)), "h2 has no ReLU.", "h2 = max(0, W2 h1 + b2)."),
        ("no_bias", _net(params, x, bias=False), "the biases b1, b2, b3 are missing.", "each layer is W h + b."),
    ], "follow the slides line by line: h1, then h2 from h1, then o from h2; print each shape.")
    return verdict(fb, ex, "x → h1 → h2 → o exactly as on the slides (o without a ReLU).")

