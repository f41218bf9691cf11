"""Checks for the exercises of notebook 05 (backprop).

Each ``check_*`` runs the student's function on fixed inputs against the reference and returns a
:class:`~nnbasics.exercises.feedback.Feedback`; it never raises. Mistake codes (``Feedback.mistake``):

    check_relu_bprop        'sign'   'wrong_mask' the mask taken from ∂L/∂h, not z   'kink' z = 0 counted
                            as "on"   'no_mask'   'mask_only' the mask without ∂L/∂h   'shape'
                            'transpose'   'values'
    check_affine_bprop      'transpose' a transposed dW   'sign'   'factor_N' a missing or extra 1/N
                            'shape' db not summed over the batch   'order' (dW, dx, db)   'format' not
                            three arrays
    check_softmax_loss_grad 'factor_N'   'sign'   'missing_y' p instead of p − y   'axis' softmax over
                            the wrong axis   'overflow' e^o overflows for large logits
                            'label_not_one_hot' p − y with the integer labels y (a broadcasting error,
                            or silently wrong when N = C)   'keepdims' the row maxima without keepdims

The reference formulas are the slides' (row-batch form, as in :mod:`nnbasics.layers`).
"""
import numpy as np

from .feedback import Feedback, as_numbers, attempt, checker, close, compare, explain_error, verdict

__all__ = ["check_relu_bprop", "check_affine_bprop", "check_softmax_loss_grad", "relu_bprop_reference",
           "affine_bprop_reference", "softmax_loss_grad_reference"]

# Gradients are compared relative to their own size (floor 1e-12: a gradient divided by N is
# small) to 1e-6; a named mistake is recognised to 1e-4 (it is only looked for once the answer is wrong).
TOL = {"rtol": 1e-6, "floor": 1e-12}
MISTAKE_RTOL = 1e-4


# -- relu_bprop -------------------------------------------------------------------------------------
def _relu_case():
    rng = np.random.default_rng(5)
    z = rng.standard_normal((4, 5))
    z[0, 1] = z[2, 3] = z[3, 0] = 0.0                     # exactly at the kink
    dh = rng.standard_normal((4, 5))
    dh[0, 1], dh[2, 3], dh[3, 0] = 0.7, -1.3, 0.4         # non-zero there, so the kink shows
    return dh, z


def relu_bprop_reference(dh, z):
    """∂L/∂z = ∂L/∂h · [z > 0]   (dh, z: same shape; the derivative at the kink z = 0 is taken as 0)."""
    return dh * (z > 0)


@checker("relu_bprop")
def check_relu_bprop(relu_bprop):
    """Check ``relu_bprop(dh, z) -> dz``: the ReLU passes the gradient where z > 0."""
    ex = "relu_bprop"
    dh, z = _relu_case()
    got, fb = attempt(ex, relu_bprop, dh.copy(), z.copy())
    if fb is not None:
        return fb
    ref = relu_bprop_reference(dh, z)
    fb = compare(ex, "dz", got, ref, [
        ("sign", -ref, "dz has the right size but the opposite sign.",
         "the ReLU's derivative is 1 or 0, never −1: dz = dh · [z > 0]."),
        ("wrong_mask", dh * (dh > 0), "the mask is taken from the wrong array: you kept the entries where "
         "dh > 0, but a unit passes gradient where it was on in the forward pass.",
         "the mask comes from the pre-activation z (where the unit was on): [z > 0]."),
        ("kink", dh * (z >= 0), "the kink: where z = 0 exactly you passed the gradient; the library and these "
         "notebooks take the derivative of max(0, z) at z = 0 to be 0.", "use a strict inequality, z > 0."),
        ("no_mask", dh, "dz equals dh: the ReLU's mask is missing, so switched-off units still pass gradient.",
         "multiply by the mask [z > 0]."),
        ("mask_only", (z > 0).astype(float), "dz is the mask [z > 0] alone: the upstream gradient dh is missing.",
         "chain rule: dz = dh · [z > 0]."),
    ], "dz has the shape of z: dh times the mask [z > 0], entry by entry.", **TOL, mistake_rtol=MISTAKE_RTOL)
    return verdict(fb, ex, "dz = dh · [z > 0]: the gradient flows through the units that were on, "
                   "and stops at the others (and at the kink).")


# -- affine_bprop -----------------------------------------------------------------------------------
def _affine_case():
    rng = np.random.default_rng(6)
    N, n_in, n_out = 5, 4, 3
    return rng.standard_normal((N, n_out)), rng.standard_normal((N, n_in)), rng.standard_normal((n_out, n_in))


def affine_bprop_reference(dz, x, W):
    """dz (N, out), x (N, in), W (out, in)  ->  dx = dz W (N, in), dW = dzᵀ x (out, in), db = Σ_n dz_n (out,)."""
    return dz @ W, dz.T @ x, dz.sum(axis=0)


@checker("affine_bprop")
def check_affine_bprop(affine_bprop):
    """Check ``affine_bprop(dz, x, W) -> (dx, dW, db)`` for z = x Wᵀ + b (the slide's W h + b, row form)."""
    ex = "affine_bprop"
    dz, x, W = _affine_case()
    N = x.shape[0]
    got, fb = attempt(ex, affine_bprop, dz.copy(), x.copy(), W.copy())
    if fb is not None:
        return fb
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return Feedback(ex, "wrong", f"return three arrays (dx, dW, db); got {type(got).__name__}"
                        f"{' of length ' + str(len(got)) if isinstance(got, (tuple, list)) else ''}.",
                        "return all three, in the order dx, dW, db.", "format")
    dx_ref, dW_ref, db_ref = affine_bprop_reference(dz, x, W)
    refs = {"dx": dx_ref, "dW": dW_ref, "db": db_ref}
    shapes = [np.shape(g) for g in got]
    if sorted(map(str, shapes)) == sorted(str(r.shape) for r in refs.values()) and \
            shapes != [r.shape for r in refs.values()]:
        return Feedback(ex, "wrong", f"the three arrays come in the wrong order: shapes {shapes}, expected "
                        f"dx {dx_ref.shape}, dW {dW_ref.shape}, db {db_ref.shape}.", "return dx, dW, db in this "
                        "order.", "order")
    checks = [
        ("dx", got[0], dx_ref, [
            ("sign", -dx_ref, "dx has the opposite sign.", "∂L/∂x = Wᵀ ∂L/∂z, no minus sign."),
            ("factor_N", dx_ref / N, "dx is 1/N too small: the 1/N of the mean loss is already inside dz.",
             "do not divide by N here."),
        ], "∂L/∂x has the shape of x (N, in): the slide's Wᵀ ∂L/∂z, one row per example."),
        ("dW", got[1], dW_ref, [
            ("transpose", (x.T @ dz), f"dW is transposed: shape {(x.T @ dz).shape}, expected W's shape {W.shape}.",
             "the slide's ∂L/∂W = ∂L/∂z hᵀ is (out, in): which factor must stand on the left?"),
            ("sign", -dW_ref, "dW has the opposite sign.", "∂L/∂W = ∂L/∂z hᵀ, no minus sign."),
            ("factor_N", dW_ref / N, "dW is N times too small (a factor 1/N): the mean's 1/N is already in dz.",
             "sum over the batch, do not average."),
            ("factor_N", dW_ref * N, "dW is N times too large (a factor N).", "the product over the batch already "
             "sums the examples once."),
        ], "∂L/∂W has the shape of W (out, in): the slide's ∂L/∂z hᵀ, summed over the batch."),
        ("db", got[2], db_ref, [
            ("shape", dz, f"db has one row per example (shape {dz.shape}): it must be summed over the batch.",
             "∂L/∂b has the shape of b, (out,): add up the rows of dz."),
            ("factor_N", db_ref / N, "db is N times too small (a factor 1/N): you averaged over the batch.",
             "sum over the batch, do not average."),
            ("sign", -db_ref, "db has the opposite sign.", "∂L/∂b = Σ_n ∂L/∂z_n."),
        ], "∂L/∂b has the shape of b (out,): Σ_n ∂L/∂z_n."),
    ]
    for name, g, ref, mistakes, shape_hint in checks:
        fb = compare(ex, name, g, ref, mistakes, shape_hint, **TOL, mistake_rtol=MISTAKE_RTOL)
        if fb is not None:
            return fb
    return Feedback(ex, "correct", "dx = dz W, dW = dzᵀ x, db = Σ_n dz_n: the slide's ∂L/∂h = Wᵀ ∂L/∂z and "
                    "∂L/∂W = ∂L/∂z hᵀ, summed over the batch.")


# -- softmax_loss_grad ------------------------------------------------------------------------------
def softmax_loss_grad_reference(o, y):
    """∂L/∂o = (p − Y) / N   for L = −(1/N) Σ_n log p(c_{y_n} | x_n);  o (N, C), y (N,) ints."""
    e = np.exp(o - o.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    Y = np.zeros_like(p)
    Y[np.arange(len(y)), y] = 1.0
    return (p - Y) / len(y)


def _p_and_Y(o, y, keepdims=True):
    e = np.exp(o - (o.max(axis=1, keepdims=True) if keepdims else o.max(axis=1)))
    Y = np.zeros_like(o)
    Y[np.arange(len(y)), y] = 1.0
    return e / e.sum(axis=1, keepdims=True), Y


def _broadcast_diagnosis(ex, softmax_loss_grad, fb):
    """A broadcasting error on o (4, 3), y (4,): p − y, or row maxima without keepdims? Try a square batch."""
    o = np.array([[0.3, -1.2, 2.0], [1.5, 0.2, -0.4], [-0.7, 0.9, 0.1]])
    y = np.array([2, 0, 1])
    N = len(y)
    got, fb2 = attempt(ex, softmax_loss_grad, o.copy(), y.copy())
    label_msg = ("your code subtracts the integer labels y (shape (N,)) from p (N, C): y holds class numbers, the "
                 "slide's y is one-hot, and numpy broadcasts the label vector across the rows (an error when "
                 "N ≠ C, silently wrong when N = C).")
    label_hint = "subtract 1 only at each example's true class — build the one-hot Y, or index p by row and label."
    if fb2 is None:
        p, Y = _p_and_Y(o, y)
        p_nk, _ = _p_and_Y(o, y, keepdims=False)
        found = compare(ex, "do", got, (p - Y) / N, [
            ("label_not_one_hot", (p - y) / N, label_msg, label_hint),
            ("label_not_one_hot", p - y, label_msg + " (The 1/N is missing too.)", label_hint),
            ("label_not_one_hot", (p - y[:, None]) / N, label_msg, label_hint),
            ("keepdims", (p_nk - Y) / N, "the row maxima have shape (N,) without keepdims, so they do not line up "
             "with the rows of o (an error when N ≠ C, silently wrong when N = C).",
             "keep the axis when you take each row's maximum (keepdims=True)."),
        ], **TOL, mistake_rtol=MISTAKE_RTOL)
        if found is not None and found.mistake in ("label_not_one_hot", "keepdims"):
            found.exception = fb.exception
            return found
    return explain_error(ex, fb, None, "an (N,) array met an (N, C) one. Two usual causes: p − y with the integer "
                         "labels y (the slide's y is one-hot), or the row maxima taken without keepdims.",
                         label_hint, "raised")


@checker("softmax_loss_grad")
def check_softmax_loss_grad(softmax_loss_grad):
    """Check ``softmax_loss_grad(o, y) -> do``: the slide's p(c|x) − y, averaged over the batch."""
    ex = "softmax_loss_grad"
    o = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [-1.5, 3.0, 0.0], [1.0, 1.0, -2.0]])
    y = np.array([0, 2, 1, 2])
    N = o.shape[0]
    got, fb = attempt(ex, softmax_loss_grad, o.copy(), y.copy())
    if fb is not None:
        if fb.mistake == "raised" and "broadcast" in fb.message:
            return _broadcast_diagnosis(ex, softmax_loss_grad, fb)
        return fb
    p, Y = _p_and_Y(o, y)
    ref = (p - Y) / N
    e0 = np.exp(o - o.max(axis=0, keepdims=True))
    p_axis0 = e0 / e0.sum(axis=0, keepdims=True)
    fb = compare(ex, "do", got, ref, [
        ("factor_N", p - Y, f"do is N = {N} times too large: the loss is the mean over the batch, so its "
         "gradient carries a 1/N.", "divide p − y by N."),
        ("factor_N", (p - Y) / N ** 2, f"do is N = {N} times too small: you divided by N twice.",
         "divide p − y by N once."),
        ("sign", (Y - p) / N, "do has the wrong sign: y − p points uphill.", "the slide: ∂L/∂o = p(c|x) − y."),
        ("missing_y", p / N, "do is p/N: the one-hot target y is not subtracted.",
         "subtract 1 at each example's true class."),
        ("missing_y", p, "do is p: the target y is not subtracted, and the 1/N is missing.",
         "(p − y) / N, with y the one-hot targets."),
        ("axis", (p_axis0 - Y) / N, "softmax was taken over the wrong axis: each column sums to 1 instead of "
         "each row (one row per example).", "normalise along axis 1, keeping the axis."),
        ("label_not_one_hot", (p - y[:, None]) / N, "you subtracted each example's label number from its whole "
         "row: y holds class numbers, the slide's y is one-hot.", "subtract 1 only at each example's true class."),
    ], "do has the shape of o: (N, C).", **TOL, mistake_rtol=MISTAKE_RTOL)
    if fb is not None:
        return fb
    big = o * 400.0                                             # logits near 1000: e^1000 overflows
    got_big, fb = attempt(ex, softmax_loss_grad, big.copy(), y.copy())
    if fb is not None:
        return fb
    arr = as_numbers(got_big)
    if arr is None or arr.shape != o.shape or not np.all(np.isfinite(arr)):
        return Feedback(ex, "wrong", "right for small logits, but for logits near 1000 the result is NaN or inf: "
                        "e^1000 overflows.", "subtract each row's maximum before exp (softmax does not change).",
                        "overflow")
    if not close(arr, softmax_loss_grad_reference(big, y), **TOL):
        return Feedback(ex, "wrong", "right for small logits, but wrong for logits near 1000 (overflow or "
                        "round-off).", "subtract each row's maximum before exp.", "overflow")
    return Feedback(ex, "correct", "∂L/∂o = (p − y)/N, and it stays finite for huge logits.")
