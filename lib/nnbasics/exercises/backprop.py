"""Checks for the exercises of notebooks 04 (wiggle), 05 (backprop) and 06 (gradient checking).

Each ``check_*`` takes the student's function, runs it on fixed small inputs against the
reference, and returns a :class:`~nnbasics.exercises.feedback.Feedback`. It never raises. A
wrong answer is compared with the usual mistakes (each has a short code in
``Feedback.mistake``) so the message can say what is off:

    'shape'       an array of the wrong shape            'transpose'  a transposed gradient
    'sign'        the gradient points uphill             'factor_N'   a missing (or extra) 1/N
    'wrong_mask'  the ReLU mask taken from ∂L/∂h, not z  'kink'       z = 0 counted as "on"
    'no_mask'     the ReLU mask forgotten               'mask_only'  the mask without ∂L/∂h
    'missing_y'   p instead of p − y                     'axis'       softmax over the wrong axis
    'overflow'    e^o overflows for large logits         'order'      outputs in the wrong order
    'forward_difference', 'factor_2', 'not_restored', 'all_at_once'   (numerical gradient)
    'uphill', 'step_size', 'n_evals'                                   (the wiggle rule)
    'no_biases', 'no_plus_one'                                         (counting loss evaluations)
    'no_abs', 'elementwise', 'absolute'                                (relative error)

The reference formulas are the slides' (row-batch form, as in :mod:`nnbasics.layers`).
"""
import numpy as np

from .feedback import Feedback, as_numbers, attempt, close, compare, verdict

__all__ = ["check_relu_bprop", "check_affine_bprop", "check_softmax_loss_grad", "check_numerical_gradient",
           "check_wiggle_one", "check_wiggle_cost", "check_rel_error"]

# Gradients are compared relative to their own size (floor 1e-12: a gradient divided by N is
# small) and to 1e-6, which leaves room for the round-off of a student's numerical gradient;
# a named mistake is recognised to 1e-4 (it is only looked for once the answer is wrong).
_TOL = {"rtol": 1e-6, "floor": 1e-12}
_MISTAKE_RTOL = 1e-4


# -- notebook 05: the backward pass, layer by layer ---------------------------------------------
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
         "use the pre-activation z (or h = max(0, z)): dz = dh · [z > 0]."),
        ("kink", dh * (z >= 0), "the kink: where z = 0 exactly you passed the gradient; the library and these "
         "notebooks take the derivative of max(0, z) at z = 0 to be 0.",
         "use a strict inequality, z > 0."),
        ("no_mask", dh, "dz equals dh: the ReLU's mask is missing, so switched-off units still pass gradient.",
         "multiply by [z > 0]."),
        ("mask_only", (z > 0).astype(float), "dz is the mask [z > 0] alone: the upstream gradient dh is missing.",
         "chain rule: dz = dh · [z > 0]."),
    ], **_TOL, mistake_rtol=_MISTAKE_RTOL)
    return verdict(fb, ex, "dz = dh · [z > 0]: the gradient flows through the units that were on, "
                    "and stops at the others (and at the kink).")


def _affine_case():
    rng = np.random.default_rng(6)
    N, n_in, n_out = 5, 4, 3
    return rng.standard_normal((N, n_out)), rng.standard_normal((N, n_in)), rng.standard_normal((n_out, n_in))


def affine_bprop_reference(dz, x, W):
    """dz (N, out), x (N, in), W (out, in)  ->  dx = dz W (N, in), dW = dzᵀ x (out, in), db = Σ_n dz_n (out,)."""
    return dz @ W, dz.T @ x, dz.sum(axis=0)


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
                        "end with `return dx, dW, db`.", "format")
    dx_ref, dW_ref, db_ref = affine_bprop_reference(dz, x, W)
    refs = {"dx": dx_ref, "dW": dW_ref, "db": db_ref}
    shapes = [np.shape(g) for g in got]
    if sorted(map(str, shapes)) == sorted(str(r.shape) for r in refs.values()) and \
            shapes != [r.shape for r in refs.values()]:
        return Feedback(ex, "wrong", f"the three arrays come in the wrong order: shapes {shapes}, expected "
                        f"dx {dx_ref.shape}, dW {dW_ref.shape}, db {db_ref.shape}.", "return dx, dW, db.", "order")
    checks = [
        ("dx", got[0], dx_ref, [
            ("sign", -dx_ref, "dx has the opposite sign.", "∂L/∂x = ∂L/∂z · W, no minus sign."),
            ("factor_N", dx_ref / N, "dx is 1/N too small: the 1/N of the mean loss is already inside dz.",
             "do not divide by N here."),
        ], "∂L/∂x has the shape of x: dz (N, out) @ W (out, in)."),
        ("dW", got[1], dW_ref, [
            ("transpose", (x.T @ dz), f"dW is transposed: shape {(x.T @ dz).shape}, expected W's shape {W.shape}.",
             "the slide's ∂L/∂W = ∂L/∂z hᵀ is (out, in): dz.T @ x."),
            ("sign", -dW_ref, "dW has the opposite sign.", "∂L/∂W = dzᵀ x, no minus sign."),
            ("factor_N", dW_ref / N, "dW is N times too small (a factor 1/N): the mean's 1/N is already in dz.",
             "sum over the batch, do not average: dz.T @ x."),
            ("factor_N", dW_ref * N, "dW is N times too large (a factor N).", "dz.T @ x already sums the batch."),
        ], "∂L/∂W has the shape of W (out, in): dz.T @ x."),
        ("db", got[2], db_ref, [
            ("shape", dz, f"db has one row per example (shape {dz.shape}): it must be summed over the batch.",
             "db = dz.sum(axis=0), shape (out,)."),
            ("factor_N", db_ref / N, "db is N times too small (a factor 1/N): you averaged over the batch.",
             "sum, do not average: dz.sum(axis=0)."),
            ("sign", -db_ref, "db has the opposite sign.", "∂L/∂b = Σ_n ∂L/∂z_n."),
        ], "∂L/∂b has the shape of b (out,): dz.sum(axis=0)."),
    ]
    for name, g, ref, mistakes, shape_hint in checks:
        fb = compare(ex, name, g, ref, mistakes, shape_hint, **_TOL, mistake_rtol=_MISTAKE_RTOL)
        if fb is not None:
            return fb
    return Feedback(ex, "correct", "dx = dz W, dW = dzᵀ x, db = Σ_n dz_n: the slide's ∂L/∂h = Wᵀ ∂L/∂z and "
                    "∂L/∂W = ∂L/∂z hᵀ, summed over the batch.")


def _softmax_case():
    o = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 0.3], [-1.5, 3.0, 0.0], [1.0, 1.0, -2.0]])
    y = np.array([0, 2, 1, 2])
    return o, y


def softmax_loss_grad_reference(o, y):
    """∂L/∂o = (p − Y) / N   for L = −(1/N) Σ_n log p(c_{y_n} | x_n);  o (N, C), y (N,) ints."""
    e = np.exp(o - o.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    Y = np.zeros_like(p)
    Y[np.arange(len(y)), y] = 1.0
    return (p - Y) / len(y)


def check_softmax_loss_grad(softmax_loss_grad):
    """Check ``softmax_loss_grad(o, y) -> do``: the slide's p(c|x) − y, averaged over the batch."""
    ex = "softmax_loss_grad"
    o, y = _softmax_case()
    N = o.shape[0]
    got, fb = attempt(ex, softmax_loss_grad, o.copy(), y.copy())
    if fb is not None:
        return fb
    ref = softmax_loss_grad_reference(o, y)
    Y = np.zeros_like(ref)
    Y[np.arange(N), y] = 1.0
    p = ref * N + Y                                             # the probabilities
    e0 = np.exp(o - o.max(axis=0, keepdims=True))
    p_axis0 = e0 / e0.sum(axis=0, keepdims=True)
    fb = compare(ex, "do", got, ref, [
        ("factor_N", p - Y, f"do is N = {N} times too large: the loss is the mean over the batch, so its "
         "gradient carries a 1/N.", "divide p − Y by N."),
        ("factor_N", (p - Y) / N ** 2, f"do is N = {N} times too small: you divided by N twice.",
         "divide p − Y by N once."),
        ("sign", (Y - p) / N, "do has the wrong sign: y − p points uphill.", "the slide: ∂L/∂o = p(c|x) − y."),
        ("missing_y", p / N, "do is p/N: the one-hot target y is not subtracted.",
         "subtract 1 at each example's true class: p[n, y[n]] − 1."),
        ("missing_y", p, "do is p: the target y is not subtracted, and the 1/N is missing.",
         "(p − Y) / N, with Y the one-hot targets."),
        ("axis", (p_axis0 - Y) / N, "softmax was taken over the wrong axis: each column sums to 1 instead of "
         "each row (one row per example).", "use axis=1 (or axis=-1) with keepdims=True."),
    ], "do has the shape of o: (N, C).", **_TOL, mistake_rtol=_MISTAKE_RTOL)
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
    if not close(arr, softmax_loss_grad_reference(big, y), **_TOL):
        return Feedback(ex, "wrong", "right for small logits, but wrong for logits near 1000 (overflow or "
                        "round-off).", "subtract each row's maximum before exp.", "overflow")
    return Feedback(ex, "correct", "∂L/∂o = (p − y)/N, and it stays finite for huge logits.")


# -- notebook 06: the numerical gradient --------------------------------------------------------
def _quadratic_case():
    """f(w) = ½ Σ a_ij w_ij² + Σ c_ij w_ij + ¼ (Σ w)²: a smooth test function with a known gradient."""
    rng = np.random.default_rng(7)
    a = rng.uniform(1.0, 3.0, (3, 2))
    c = rng.standard_normal((3, 2))
    w = rng.standard_normal((3, 2))

    def f(w):
        w = np.asarray(w, dtype=float)
        return float(0.5 * np.sum(a * w * w) + np.sum(c * w) + 0.25 * np.sum(w) ** 2)

    def grad(w):
        return a * w + c + 0.5 * np.sum(w)

    curvature = a + 0.5                                          # ∂²f/∂w_ij²
    return f, grad, curvature, w


def check_numerical_gradient(numerical_gradient):
    """Check ``numerical_gradient(f, w) -> g``: central differences, one entry of w at a time.

        g_i = (f(w + ε e_i) − f(w − ε e_i)) / 2ε      (f: array -> float, g: same shape as w)
    """
    ex = "numerical_gradient"
    f, grad, curv, w = _quadratic_case()
    w_in = w.copy()
    got, fb = attempt(ex, numerical_gradient, f, w_in)
    if fb is not None:
        return fb
    ref = grad(w)
    if not np.array_equal(w_in, w):
        return Feedback(ex, "wrong", "after your function returns, w is no longer what it was: an entry is not "
                        "put back after it is wiggled, so every later entry is measured at a different w.",
                        "save old = w[i]; set w[i] = old + eps and old − eps; then w[i] = old.", "not_restored")
    arr = as_numbers(got)
    if arr is not None and arr.shape == ref.shape and np.all(np.isfinite(arr)) and not close(arr, ref, **_TOL):
        r = (arr - ref) / curv                                   # a forward difference gives r ≈ ε/2 everywhere
        if abs(np.mean(r)) > 0 and np.allclose(r, np.mean(r), rtol=0.05, atol=0) and abs(np.mean(r)) < 0.1:
            return Feedback(ex, "wrong", f"this is a one-sided (forward or backward) difference: its error is "
                            f"about ε/2 · f'' (here {abs(np.mean(r)) * 2:.1g}/2 · f''), far above a central "
                            "difference's.", "use (f(w + ε e_i) − f(w − ε e_i)) / (2ε): the O(ε) error cancels.",
                            "forward_difference")
        if np.allclose(arr, np.sum(ref), rtol=1e-4):
            return Feedback(ex, "wrong", "every entry equals the same number, the sum of all partial derivatives: "
                            "you moved every entry of w at once.", "wiggle one entry w[i] at a time (np.ndindex).",
                            "all_at_once")
    fb = compare(ex, "g", got, ref, [
        ("factor_2", 2 * ref, "g is twice the gradient: a central difference spans 2ε.",
         "divide f(w + ε e_i) − f(w − ε e_i) by 2ε, not ε."),
        ("factor_2", ref / 2, "g is half the gradient.", "divide by 2ε, not 4ε."),
        ("sign", -ref, "g has the opposite sign: f(w − ε e_i) − f(w + ε e_i) is the downhill direction.",
         "subtract in the order f(w + ε e_i) − f(w − ε e_i)."),
        ("shape", ref.ravel(), f"g is flattened (shape {ref.ravel().shape}); expected the shape of w, {ref.shape}.",
         "g = np.zeros_like(w) and fill g[i] for i in np.ndindex(w.shape)."),
    ], "g has the shape of w: np.zeros_like(w).", **_TOL, mistake_rtol=_MISTAKE_RTOL)
    return verdict(fb, ex, "central differences, one entry at a time, with w put back each time "
                    "(2 loss evaluations per entry).")


def rel_error_reference(a, b):
    """max_i |a_i − b_i| / max(1e-12, max_i |a_i| + max_i |b_i|)   (as nnbasics.rel_error)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b))))


def check_rel_error(rel_error):
    """Check ``rel_error(a, b) -> float``: max |a − b| / (max |a| + max |b|)."""
    ex = "rel_error"
    a = np.array([[1.0, -2.0, 3e-9], [0.5, -0.25, 4.0]])
    b = np.array([[1.0 + 1e-8, -2.0, 1.3e-8], [0.5, -0.25 + 3e-8, 4.0]])   # the largest gap has b > a
    got, fb = attempt(ex, rel_error, a.copy(), b.copy())
    if fb is not None:
        return fb
    try:
        val = float(got)
    except (TypeError, ValueError):
        return Feedback(ex, "wrong", f"return one number; got {type(got).__name__} of shape {np.shape(got)}.",
                        "take the max over all entries: np.max(...).", "shape")
    ref = rel_error_reference(a, b)
    if np.isclose(val, ref, rtol=1e-6, atol=0):
        # a second case: negative-only arrays catch a missing abs() in the denominator
        got2, fb = attempt(ex, rel_error, -np.abs(a), -np.abs(b) - 1e-8)
        if fb is not None:
            return fb
        ref2 = rel_error_reference(-np.abs(a), -np.abs(b) - 1e-8)
        try:
            ok2 = np.isclose(float(got2), ref2, rtol=1e-6, atol=0)
        except (TypeError, ValueError):
            ok2 = False
        if not ok2:
            return Feedback(ex, "wrong", "right for this pair, but wrong (negative or zero) when the arrays are "
                            "negative: an abs() is missing in the denominator.",
                            "max |a| + max |b|: np.max(np.abs(a)) + np.max(np.abs(b)).", "no_abs")
        return Feedback(ex, "correct", "the largest difference measured against the size of the arrays: it "
                        "does not depend on the loss's scale and does not blow up on tiny entries.")
    elementwise = float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))
    absolute = float(np.max(np.abs(a - b)))
    signed = float(np.max(a - b) / max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b))))
    if np.isclose(val, elementwise, rtol=1e-3, atol=0):
        return Feedback(ex, "wrong", f"you divided entry by entry: the entry whose gradient is tiny (3e-9) has a "
                        f"round-off-sized difference, so you get {val:.2g} where the answer is {ref:.2g}.",
                        "divide the max difference by the max sizes: max|a−b| / (max|a| + max|b|).", "elementwise")
    if np.isclose(val, absolute, rtol=1e-3, atol=0):
        return Feedback(ex, "wrong", "this is the absolute error max |a − b|: it changes if the loss is "
                        "multiplied by 1000.", "divide by max|a| + max|b|.", "absolute")
    if np.isclose(val, signed, rtol=1e-3, atol=0) or val < 0:
        return Feedback(ex, "wrong", "the difference needs an absolute value: max(a − b) ignores differences "
                        "where b > a.", "np.max(np.abs(a - b)).", "no_abs")
    return Feedback(ex, "wrong", f"you return {val:.3g}; the answer is {ref:.3g}.",
                    "max|a−b| / max(1e-12, max|a| + max|b|).", "values")


# -- notebook 04: the wiggle rule -----------------------------------------------------------------
def _wiggle_case():
    rng = np.random.default_rng(4)
    target = rng.standard_normal((2, 3))

    def f(p):
        return float(np.sum((p["W1"] - target) ** 2))

    W = rng.standard_normal((2, 3))
    return f, W, target


def check_wiggle_one(wiggle_one):
    """Check ``wiggle_one(f, params, name, index, eps) -> n_evals``: the slide's rule on one entry, in place.

        W_ij ← W_ij + ε · sgn( L(θ) − L(θ with W_ij + ε) )
    """
    ex = "wiggle_one"
    f, W, target = _wiggle_case()
    eps = 1e-3
    results = []
    for index in [(0, 0), (1, 2)]:
        params = {"W1": W.copy()}
        n_evals, fb = attempt(ex, wiggle_one, f, params, "W1", index, eps)
        if fb is not None:
            return fb
        results.append((index, params["W1"], n_evals))
    for index, new, n_evals in results:
        down = np.sign(target[index] - W[index])                # which way lowers the loss
        expected = W.copy()
        expected[index] += eps * down
        others = np.ones(W.shape, bool)
        others[index] = False
        if not np.allclose(new[others], W[others], rtol=0, atol=1e-15):
            return Feedback(ex, "wrong", "entries other than W1[index] changed.",
                            "change only params[name][index].", "others_changed")
        moved = new[index] - W[index]
        if np.isclose(moved, -eps * down, rtol=1e-6, atol=0):
            return Feedback(ex, "wrong", f"W1{index} moved by {moved:+.0e}, uphill: the loss went up.",
                            "the rule is + ε · sgn(L(θ) − L(θ with W + ε)): if the wiggle lowered the loss, keep going "
                            "that way.", "uphill")
        if np.isclose(moved, eps * down + eps, atol=1e-12) or np.isclose(moved, 0, atol=1e-15):
            return Feedback(ex, "wrong", f"W1{index} moved by {moved:+.0e}, not by ±ε: after the trial "
                            "L(θ with W + ε) the entry was not put back to W before the update.",
                            "save old = W[index]; try old + eps; then set W[index] = old + eps · sign(...).",
                            "not_restored")
        if not np.isclose(abs(moved), eps, rtol=1e-6, atol=0):
            return Feedback(ex, "wrong", f"W1{index} moved by {moved:+.3g}; the slide's rule moves it by exactly "
                            f"ε = {eps:g}, up or down.",
                            "only the sign of the loss difference matters: ε · np.sign(...).",
                            "step_size")
        if not close(new, expected, **_TOL):
            return Feedback(ex, "wrong", f"W1 is not what the rule gives at {index}.",
                            "W[index] ← W[index] + ε · sgn(L(θ) − L(θ with W[index] + ε)).", "values")
        if n_evals != 2:
            return Feedback(ex, "wrong", f"you report {n_evals!r} loss evaluations; the rule needs 2 per entry "
                            "(L(θ) and L(θ with W + ε)).", "return 2 (count each call of f).", "n_evals")
    return Feedback(ex, "correct", "one entry, two loss evaluations, a step of ε downhill. Now imagine doing this "
                    "for every one of the P entries.")


def wiggle_cost_reference(sizes):
    """Loss evaluations for one wiggle step of every parameter: P + 1 (L(θ) once, then one per entry)."""
    return 1 + sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))


def check_wiggle_cost(wiggle_cost):
    """Check ``wiggle_cost(sizes) -> int``: P + 1 loss evaluations for a net with layer sizes ``sizes``."""
    ex = "wiggle_cost"
    for sizes in ([2, 16, 16, 3], [784, 100, 10]):
        got, fb = attempt(ex, wiggle_cost, list(sizes))
        if fb is not None:
            return fb
        ref = wiggle_cost_reference(sizes)
        weights = sum(sizes[l] * sizes[l - 1] for l in range(1, len(sizes)))
        try:
            got = int(got)
        except (TypeError, ValueError):
            return Feedback(ex, "wrong", f"return a whole number; got {type(got).__name__}.", "", "type")
        if got == ref:
            continue
        if got == ref - 1:
            return Feedback(ex, "wrong", f"for {sizes} you give P = {got}, one short: L(θ) itself is evaluated "
                            "once too.", "P + 1.", "no_plus_one")
        if got in (weights, weights + 1):
            return Feedback(ex, "wrong", f"for {sizes} you count only the weights ({weights}): every bias b_l is a "
                            "parameter too.", "each layer has N_l · N_{l−1} weights and N_l biases.", "no_biases")
        return Feedback(ex, "wrong", f"for {sizes} you give {got}; the answer is {ref}.",
                        "count W_l (N_l × N_{l−1}) and b_l (N_l) for every layer, then add 1.", "values")
    return Feedback(ex, "correct", "P + 1 loss evaluations per wiggle step: a 784-100-10 net needs 79,511 "
                    "forward passes for one update.")
