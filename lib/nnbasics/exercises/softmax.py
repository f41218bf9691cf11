"""Checks for the exercises of notebook 03 (softmax & negative log-likelihood).

Each ``check_*`` runs the student's function on fixed inputs against the reference and returns a
:class:`~nnbasics.exercises.feedback.Feedback`; it never raises. Mistake codes (``Feedback.mistake``):

    check_softmax         'overflow' no max subtracted (e^1000 = inf → nan)   'axis' normalised down
                          the columns, or over the whole batch   'unnormalised' e^o without dividing
                          'global_max' the max of the whole batch, not of each row   'keepdims'
                          o − o.max(axis=1) without keepdims (an error, or silently wrong on a square batch)
    check_nll             'sign' the minus forgotten   'factor_N' a sum instead of a mean
                          'all_classes' −Σ log p over every class, not only the true one
                          'wrong_index' p[:, y] (an N × N block) instead of one entry per row
                          'no_log' −p of the true class, not −log p   'log_base' log10 or log2
                          'ignores_y' the largest p of each row, not the true class's
    check_softmax_grad    'sign' y − p   'missing_y' p alone   'no_softmax' o − y
                          'label_not_one_hot' p − y with the integer label y   'off_by_one' the 1
                          subtracted at the wrong class
"""
import numpy as np

from .feedback import Feedback, as_numbers, attempt, checker, compare, explain_error, verdict

__all__ = ["check_softmax", "check_nll", "check_softmax_grad"]


def _softmax_rows(o):
    e = np.exp(o - o.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_ROW_MAX = "subtract each row's own maximum before exp (with keepdims=True the (N, 1) maxima line up with o)."


@checker("softmax")
def check_softmax(softmax):
    """``softmax(o)``: logits (N, C) -> p (N, C), each row ``e^{o_k} / Σ_j e^{o_j}``, stable for large o."""
    ex = "softmax"
    rng = np.random.default_rng(4)
    o_small = rng.normal(size=(4, 3))          # N ≠ C so that the axes cannot be confused
    got, fb = attempt(ex, softmax, o_small.copy())
    if fb is not None:
        keepdims = explain_error(ex, fb, ["broadcast"], "the row maxima have shape (N,), which does not line up "
                                 "with o (N, C).", "keep the axis when you take the maxima (keepdims=True): shape "
                                 "(N, 1).", "keepdims")
        return fb if keepdims is None else keepdims
    e = np.exp(o_small)
    ref = e / e.sum(axis=1, keepdims=True)
    fb = compare(ex, "p", got, ref, [
        ("axis", e / e.sum(axis=0, keepdims=True), "the columns sum to 1, not the rows.",
         "normalise each example (row): sum over axis 1, keeping the axis."),
        ("unnormalised", e, "p is e^o without dividing by the sum: the rows do not sum to 1.",
         "p_k = e^{o_k} / Σ_j e^{o_j}."),
        ("unnormalised", np.exp(o_small - o_small.max(axis=1, keepdims=True)),
         "the rows do not sum to 1: you subtracted the max but did not divide by the sum.",
         "p_k = e^{o_k − m} / Σ_j e^{o_j − m}."),
        ("axis", e / e.sum(), "the whole batch sums to 1, not each row.",
         "sum over axis 1 (one sum per example), keeping the axis."),
    ], "p_k = e^{o_k} / Σ_j e^{o_j} in every row, after subtracting the row's maximum.")
    if fb is not None:
        return fb
    # square batch: a missing keepdims broadcasts silently
    o_sq = rng.normal(size=(3, 3)) * 3
    got, fb = attempt(ex, softmax, o_sq.copy())
    if fb is not None:
        return fb
    no_keep = np.exp(o_sq - o_sq.max(axis=1))
    no_keep = no_keep / no_keep.sum(axis=1, keepdims=True)
    fb = compare(ex, "p", got, _softmax_rows(o_sq), [
        ("keepdims", no_keep, "on a square batch the row maxima were subtracted along the wrong axis (the "
         "maxima without keepdims have shape (N,) and broadcast across rows).", _ROW_MAX),
    ], _ROW_MAX)
    if fb is not None:
        return fb
    # large logits: the naive formula overflows; a global max underflows the other rows
    o_big = np.array([[1000.0, 999.0, 998.0], [1.0, 2.0, 3.0], [-5.0, 0.0, 5.0], [500.0, -500.0, 0.0]])
    got, fb = attempt(ex, softmax, o_big.copy())
    if fb is not None:
        return fb
    ref = _softmax_rows(o_big)
    a = as_numbers(got)
    if a is not None and a.shape == ref.shape and not np.all(np.isfinite(a[0])):
        return Feedback(ex, "wrong", "at logits like 1000, e^1000 overflows to inf and inf/inf = nan.",
                        "softmax does not change when a constant is subtracted from a row: " + _ROW_MAX, "overflow")
    glob = np.exp(o_big - o_big.max())
    with np.errstate(all="ignore"):
        glob = glob / glob.sum(axis=1, keepdims=True)
    fb = compare(ex, "p", got, ref, [
        ("global_max", glob, "the rows with small logits came out as 0 (or nan): you subtracted the "
         "largest logit of the whole batch.", _ROW_MAX),
    ], _ROW_MAX)
    if fb is not None and fb.mistake == "nonfinite":
        return Feedback(ex, "wrong", "the rows with small logits came out as nan: you subtracted the "
                        "largest logit of the whole batch, so e^{o−m} underflows to 0 and 0/0 = nan.",
                        _ROW_MAX, "global_max")
    return verdict(fb, ex, "rows sum to 1, and logits of 1000 are fine (the max is subtracted).")


@checker("nll")
def check_nll(nll):
    """``nll(p, y)``: probabilities (N, C), labels (N,) -> L = −(1/N) Σ_n log p[n, y_n] (a float)."""
    ex = "nll"
    rng = np.random.default_rng(5)
    p = _softmax_rows(rng.normal(size=(5, 3)))
    y = np.array([0, 2, 1, 1, 0])
    got, fb = attempt(ex, nll, p.copy(), y.copy())
    if fb is not None:
        return fb
    picked = p[np.arange(5), y]
    ref = -np.log(picked).mean()
    fb = compare(ex, "L", got, ref, [
        ("sign", -ref, "L is negative: the minus sign is missing.",
         "L = −Σ_j y_j log p(c_j|x): log p ≤ 0, so L ≥ 0."),
        ("factor_N", -np.log(picked).sum(), "L is N = 5 times too large: a sum over examples, not a mean.",
         "average over the N examples."),
        ("all_classes", -np.log(p).sum(axis=1).mean(), "you summed −log p over every class.",
         "y is one-hot: only the true class's term survives, −log p(c_{y_n}|x_n)."),
        ("all_classes", -np.log(p).mean(), "you averaged −log p over every entry, not only the true classes.",
         "in row n keep only the entry of the true class y_n."),
        ("wrong_index", -np.log(p[:, y]).mean(), "p[:, y] picks an (N, N) block: every example with "
         "every label.", "pick one entry per row: row n, column y_n (index with the row numbers and y together)."),
        ("ignores_y", -np.log(p.max(axis=1)).mean(), "you took the largest probability of each row; the loss "
         "takes the probability of the true class y_n, whichever it is.", "use the labels y to pick the entry of "
         "each row."),
        ("no_log", -picked.mean(), "you averaged −p of the true class: the log is missing.",
         "L = −(1/N) Σ_n log p(c_{y_n}|x_n)."),
        ("log_base", -np.log10(picked).mean(), "you used log10; the loss uses the natural log.", "np.log is ln."),
        ("log_base", -np.log2(picked).mean(), "you used log2; the loss uses the natural log.", "np.log is ln."),
    ], "L = −(1/N) Σ_n log p(c_{y_n}|x_n): one probability per example, the true class's.")
    return verdict(fb, ex, "L = −(1/N) Σ_n log p(c_{y_n}|x_n), the slides' negative log-likelihood.")


@checker("softmax_grad")
def check_softmax_grad(softmax_grad):
    """``softmax_grad(o, y)``: one example, logits o (C,), true class y (int) -> ∂L/∂o = p(c|x) − y (C,)."""
    ex = "softmax_grad"
    o = np.array([2.0, -1.0, 0.5, 1.0])
    y = 2
    got, fb = attempt(ex, softmax_grad, o.copy(), y)
    if fb is not None:
        return fb
    p = _softmax_rows(o)
    Y = np.eye(4)[y]
    fb = compare(ex, "∂L/∂o", got, p - Y, [
        ("sign", Y - p, "the sign is flipped: you computed y − p.",
         "∂L/∂o = p − y: raising the true class's logit lowers L, so its derivative is negative."),
        ("missing_y", p, "∂L/∂o is p alone: y is not subtracted.", "subtract the one-hot target y: p − y."),
        ("no_softmax", o - Y, "you subtracted y from the logits o, not from the probabilities p.",
         "first the probabilities p (the softmax of o), then p − y."),
        ("label_not_one_hot", p - y, f"you subtracted the label itself, {y}, from every entry: here y is the "
         "integer class, and the slide's y is its one-hot vector.",
         "subtract 1 only at the true class (that is what the one-hot y does)."),
        ("off_by_one", p - np.eye(4)[y + 1], "the 1 is subtracted one class to the right.",
         "classes are numbered from 0: the true class's entry is number y."),
        ("off_by_one", p - np.eye(4)[y - 1], "the 1 is subtracted one class to the left.",
         "classes are numbered from 0: the true class's entry is number y."),
    ], "∂L/∂o = p(c|x) − y, with p the softmax of o and y the one-hot target.")
    return verdict(fb, ex, "∂L/∂o = p(c|x) − y, the slide's formula (compare it with the numerical "
                   "derivative above).")
