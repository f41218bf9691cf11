"""Checks for the exercises of notebooks 00 (start here), 01 (forward propagation), 02 (ReLU
tiling) and 03 (softmax & NLL).

Each ``check_*`` takes the student's function, runs it on fixed small inputs against the
reference (the slides' formulas), and returns a :class:`~nnbasics.exercises.feedback.Feedback`.
It never raises. A wrong answer is compared with the usual mistakes, each with a short code in
``Feedback.mistake``, so that the message says what is off:

    check_one_hot         'transpose' (C, N) instead of (N, C)   'off_by_one' classes counted from 1
    check_mse_loss        'no_half' ½ forgotten   'factor_N' sum instead of mean over examples
                          'sqrt' a root taken (RMSE)   'mean_all' divided by N·K, not N
    check_layer_forward   'no_relu' max(0, ·) forgotten   'transpose' x @ W instead of x @ W.T
                          'no_bias' b forgotten   'relu_before_bias' max(0, W x) + b
                          'shape' output of the wrong shape
    check_fprop           'output_relu' a ReLU on o (the slide's version, here o are logits)
                          'no_relu' a hidden ReLU forgotten   'no_bias' a bias forgotten
    check_kink            'sign' b/w instead of −b/w   'inverted' −w/b
    check_collapse        'order' W1 W2 instead of W2 W1   'bias' c = b2 (W2 b1 forgotten) or c = W2 b1
    check_max_regions     'no_one' the 1 forgotten   'no_n' the n forgotten   'n_squared' n² not n(n−1)/2
    check_softmax         'overflow' no max subtracted (e^1000 = inf → nan)   'axis' normalised down
                          the columns   'unnormalised' e^o without dividing   'global_max' the max
                          of the whole batch, not of each row   'keepdims' o − o.max(axis=1)
                          without keepdims (a broadcasting error)
    check_nll             'sign' the minus forgotten   'factor_N' a sum instead of a mean
                          'all_classes' −Σ log p over every class, not only the true one
                          'wrong_index' p[:, y] (an N × N block) instead of p[arange(N), y]
    check_softmax_grad    'sign' y − p   'missing_y' p alone   'no_softmax' o − y

The functions the student writes use the row-batch form of :mod:`nnbasics.layers` unless a
check says otherwise: x (N, D), W (out, in), so the slide's ``W x + b`` is ``x @ W.T + b``.
"""
import math

import numpy as np

from .feedback import Feedback, as_numbers, attempt, compare, verdict

__all__ = ["check_one_hot", "check_mse_loss", "check_layer_forward", "check_fprop", "check_kink",
           "check_collapse", "check_max_regions", "check_softmax", "check_nll", "check_softmax_grad"]


# -- helpers ------------------------------------------------------------------------------------
def _softmax_rows(o):
    e = np.exp(o - o.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# -- 00: start here -----------------------------------------------------------------------------
def check_one_hot(one_hot):
    """``one_hot(y, C)``: labels y (N,) ints -> Y (N, C) with ``Y[n, y_n] = 1``, zeros elsewhere."""
    ex = "one_hot"
    y, C = np.array([2, 0, 1, 2]), 3
    got, fb = attempt(ex, one_hot, y.copy(), C)
    if fb is not None:
        return fb
    ref = np.eye(C)[y]
    shifted = np.zeros((len(y), C + 1))
    shifted[np.arange(len(y)), y + 1] = 1
    fb = compare(ex, "Y", got, ref, [
        ("transpose", ref.T, f"Y has shape (C, N) = {ref.T.shape}: one column per example.",
         "the slides' y is one row per example here: Y[n] = [0 … 1 … 0], shape (N, C)."),
        ("off_by_one", shifted, "the 1 sits one place to the right: classes are counted from 1.",
         "class labels run 0 … C−1, so label y goes to column y (and Y has C columns)."),
        ("off_by_one", np.eye(C)[y - 1], "the 1 sits one place to the left (class 0 wrapped round to the "
         "last column): you used y − 1.",
         "class labels run 0 … C−1, so label y goes to column y."),
    ], "Y[n, y[n]] = 1 and every other entry 0; try Y = np.zeros((len(y), C)).")
    return verdict(fb, ex, "each row has a single 1, at the column of its class.")


def check_mse_loss(mse_loss):
    """``mse_loss(pred, target)``: (N, K) arrays -> L = (1/N) Σ_n ½ ‖pred_n − target_n‖² (a float)."""
    ex = "mse_loss"
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    got, fb = attempt(ex, mse_loss, pred.copy(), target.copy())
    if fb is not None:
        return fb
    if isinstance(got, tuple):  # a student may return (L, dpred) like the library
        got = got[0]
    sq = np.sum((pred - target) ** 2)
    N, K = pred.shape
    ref = 0.5 * sq / N
    fb = compare(ex, "L", got, ref, [
        ("no_half", sq / N, "L is twice the expected value: the ½ is missing.",
         "L = (1/N) Σ_n ½ ‖pred_n − target_n‖² — the ½ makes the gradient simply pred − target."),
        ("factor_N", 0.5 * sq, f"L is N = {N} times too large: a sum over the examples, not a mean.",
         "divide by N, the number of examples (pred.shape[0])."),
        ("factor_N", sq, f"L is 2N = {2 * N} times too large: no ½ and no mean over examples.",
         "L = (1/N) Σ_n ½ ‖pred_n − target_n‖²."),
        ("sqrt", math.sqrt(sq / N), "you took a square root (that is the RMSE, not the MSE).",
         "no root: L = (1/N) Σ_n ½ ‖pred_n − target_n‖²."),
        ("mean_all", 0.5 * sq / (N * K), f"L is K = {K} times too small: you averaged over every "
         "entry, not over examples.", "sum the squares inside each example, then average over the N "
         "examples (np.sum(...) / N, not np.mean(...))."),
    ], "L = 0.5 * np.sum((pred - target)**2) / N.")
    return verdict(fb, ex, "L = (1/N) Σ_n ½ ‖pred_n − target_n‖², as in nb.mse_loss.")


# -- 01: forward propagation --------------------------------------------------------------------
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
        return fb
    z = x @ Wsq.T + bsq
    fb = compare(ex, "h", got, np.maximum(z, 0), [
        ("no_relu", z, "h has negative entries: the ReLU max(0, ·) is missing.",
         "h = max(0, W x + b): use np.maximum(0, z) (elementwise; np.max would take the largest entry)."),
        ("transpose", np.maximum(x @ Wsq + bsq, 0), "you multiplied by W, not by its transpose.",
         "W has shape (out, in) as on the slides (W1 ∈ R^{N1×D}); for rows x (N, D) the slide's W x "
         "is x @ W.T."),
        ("no_bias", np.maximum(x @ Wsq.T, 0), "the bias b is missing.", "h = max(0, x @ W.T + b)."),
        ("relu_before_bias", np.maximum(x @ Wsq.T, 0) + bsq, "the bias is added after the ReLU.",
         "the ReLU comes last: max(0, x @ W.T + b)."),
    ], "h = np.maximum(0, x @ W.T + b); print the shapes of x, W and b.")
    if fb is not None:
        return fb
    # a layer that changes the width: W (5, 3)
    W, b = rng.normal(size=(5, 3)), rng.normal(size=5)
    got, fb = attempt(ex, layer_forward, x.copy(), W.copy(), b.copy())
    if fb is not None:
        if fb.mistake == "raised":
            return Feedback(ex, "wrong", f"with W of shape {W.shape} (5 units, 3 inputs) your function "
                            f"raised: {fb.message.split(': ', 1)[-1]}",
                            "W is (out, in): for x (N, in) compute x @ W.T, which is (N, out).", "shape")
        return fb
    fb = compare(ex, "h", got, np.maximum(x @ W.T + b, 0), [],
                   "for W (out, in) the output has shape (N, out): x @ W.T + b.")
    return verdict(fb, ex, "h = max(0, x @ W.T + b) — the slide's h1 = max(0, W1 x + b1) for a batch.")


def check_fprop(forward):
    """``forward(params, x)``: the slides' 2-hidden-layer net, x (N, D) -> logits o (N, C).

        h1 = max(0, W1 x + b1),  h2 = max(0, W2 h1 + b2),  o = W3 h2 + b3   (no ReLU on o)
    """
    ex = "fprop"
    rng = np.random.default_rng(2)
    sizes = [3, 5, 4, 3]
    params = {}
    for l in range(1, 4):
        params[f"W{l}"] = rng.normal(size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(size=sizes[l])
    x = rng.normal(size=(6, 3)) * 2
    params["b3"] -= 2.0   # some logits negative, so that a ReLU on o would show

    def net(relu_hidden=True, relu_out=False, bias=True):
        h = x
        for l in range(1, 4):
            z = h @ params[f"W{l}"].T + (params[f"b{l}"] if bias else 0)
            h = np.maximum(z, 0) if (l < 3 and relu_hidden) or (l == 3 and relu_out) else z
        return h

    def one_relu_missing(l_missing):
        h = x
        for l in range(1, 4):
            z = h @ params[f"W{l}"].T + params[f"b{l}"]
            h = np.maximum(z, 0) if l < 3 and l != l_missing else z
        return h

    got, fb = attempt(ex, forward, {k: v.copy() for k, v in params.items()}, x.copy())
    if fb is not None:
        return fb
    if isinstance(got, tuple):
        got = got[0]
    fb = compare(ex, "o", got, net(), [
        ("output_relu", net(relu_out=True), "o has no negative entries: there is a ReLU on the output.",
         "the slide writes o = max(0, W3 h2 + b3), but here o are logits for the softmax (notebook 03 "
         "shows why): o = W3 h2 + b3."),
        ("no_relu", net(relu_hidden=False), "no ReLU in the hidden layers: your network is linear.",
         "h1 = max(0, W1 x + b1) and h2 = max(0, W2 h1 + b2)."),
        ("no_relu", one_relu_missing(1), "h1 has no ReLU.", "h1 = max(0, W1 x + b1)."),
        ("no_relu", one_relu_missing(2), "h2 has no ReLU.", "h2 = max(0, W2 h1 + b2)."),
        ("no_bias", net(bias=False), "the biases b1, b2, b3 are missing.", "each layer is W h + b."),
    ], "follow the slides line by line: h1, then h2 from h1, then o from h2; print each shape.")
    return verdict(fb, ex, "x → h1 → h2 → o exactly as on the slides (o without a ReLU).")


# -- 02: ReLU tiling ----------------------------------------------------------------------------
def check_kink(kink):
    """``kink(w, b)``: where the unit ``max(0, w x + b)`` of a 1-D input bends: x = −b / w."""
    ex = "kink"
    cases = [(2.0, 1.0), (-0.5, 1.5), (1.5, -3.0)]
    got = []
    for w, b in cases:
        g, fb = attempt(ex, kink, w, b)
        if fb is not None:
            return fb
        got.append(g)
    ws, bs = np.array(cases).T
    fb = compare(ex, "the kinks", got, -bs / ws, [
        ("sign", bs / ws, "wrong sign: w x + b = 0 at x = −b/w.", "solve w x + b = 0 for x."),
        ("inverted", -ws / bs, "you computed −w/b: upside down.", "solve w x + b = 0 for x: x = −b/w."),
    ], "the unit bends where its input w x + b crosses 0.")
    return verdict(fb, ex, "x = −b/w: where w x + b changes sign, the ReLU switches on or off.")


def check_collapse(collapse):
    """``collapse(W1, b1, W2, b2)``: two linear layers as one, ``(A, c)`` with
    ``W2 (W1 x + b1) + b2 = A x + c``: A = W2 W1 (C, D), c = W2 b1 + b2 (C,)."""
    ex = "collapse"
    rng = np.random.default_rng(3)
    W1, b1 = rng.normal(size=(4, 2)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(3, 4)), rng.normal(size=3)
    got, fb = attempt(ex, collapse, W1.copy(), b1.copy(), W2.copy(), b2.copy())
    if fb is not None:
        if fb.mistake == "raised" and any(w in fb.message for w in ("matmul", "align", "shape")):
            return Feedback(ex, "wrong", f"{fb.message} — W1 is (4, 2) and W2 is (3, 4): only one order "
                            "of the product fits.", "W2 (W1 x): the matrix applied first stands on the right: "
                            "A = W2 @ W1.", "order")
        return fb
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return Feedback(ex, "wrong", f"return two things, (A, c); got {type(got).__name__}.",
                        "return A, c", "type")
    A, c = got
    fb = compare(ex, "A", A, W2 @ W1, [
        ("order", (W1.T @ W2.T), "A is transposed (you computed W1ᵀ W2ᵀ).", "A = W2 @ W1 has shape (3, 2)."),
    ], "A = W2 @ W1: apply W1 first, then W2.")
    if fb is not None:
        return fb
    fb = compare(ex, "c", c, W2 @ b1 + b2, [
        ("bias", W2 @ b1, "c = W2 b1: the second layer's own bias b2 is missing.",
         "W2 (W1 x + b1) + b2 = W2 W1 x + (W2 b1 + b2)."),
        ("bias", b2, "c = b2: the first layer's bias, carried through W2, is missing.",
         "W2 (W1 x + b1) + b2 = W2 W1 x + (W2 b1 + b2)."),
    ], "expand W2 (W1 x + b1) + b2.")
    return verdict(fb, ex, "A = W2 W1 and c = W2 b1 + b2: two linear layers are one — which is why the "
                          "ReLU is needed.")


def check_max_regions(max_regions):
    """``max_regions(n)``: the most regions n lines can cut the plane into, ``1 + n + n(n−1)/2``."""
    ex = "max_regions"
    ns = np.arange(0, 9)
    got = []
    for n in ns:
        g, fb = attempt(ex, max_regions, int(n))
        if fb is not None:
            return fb
        got.append(g)
    ref = 1 + ns + ns * (ns - 1) // 2
    fb = compare(ex, "the counts", got, ref, [
        ("no_one", ns + ns * (ns - 1) // 2, "every count is 1 too small (0 lines leave 1 region).",
         "start from the 1 region of the empty plane."),
        ("no_n", 1 + ns * (ns - 1) // 2, "you count only the crossings: each line also adds a region "
         "by itself.", "a new line adds 1 + (the number of lines it crosses) regions."),
        ("n_squared", 1 + ns + ns * ns / 2, "n²/2 counts too many crossings.",
         "n lines in general position cross in n(n−1)/2 points, one per pair."),
        ("n_squared", 1 + ns + ns * ns, "n² counts every pair twice and a line with itself.",
         "n lines cross in n(n−1)/2 points, one per pair."),
    ], "add the lines one at a time: the k-th new line crosses k−1 earlier ones and adds k regions.")
    return verdict(fb, ex, "1 + n + n(n−1)/2 — one layer of n ReLUs with 2-D input has at most this "
                          "many linear regions.")


# -- 03: softmax and negative log-likelihood ----------------------------------------------------
def check_softmax(softmax):
    """``softmax(o)``: logits (N, C) -> p (N, C), each row ``e^{o_k} / Σ_j e^{o_j}``, stable for large o."""
    ex = "softmax"
    rng = np.random.default_rng(4)
    o_small = rng.normal(size=(4, 3))          # N ≠ C so that the axes cannot be confused
    got, fb = attempt(ex, softmax, o_small.copy())
    if fb is not None:
        if fb.mistake == "raised" and "broadcast" in fb.message:
            return Feedback(ex, "wrong", f"{fb.message.split(': ', 1)[-1]} — o.max(axis=1) has shape "
                            "(N,), which does not line up with o (N, C).",
                            "keep the axis: o.max(axis=1, keepdims=True) has shape (N, 1).", "keepdims")
        return fb
    e = np.exp(o_small)
    ref = e / e.sum(axis=1, keepdims=True)
    fb = compare(ex, "p", got, ref, [
        ("axis", e / e.sum(axis=0, keepdims=True), "the columns sum to 1, not the rows.",
         "normalise each example (row): sum over axis=1 (or -1), with keepdims=True."),
        ("unnormalised", e, "p is e^o without dividing by the sum: the rows do not sum to 1.",
         "p_k = e^{o_k} / Σ_j e^{o_j}."),
        ("unnormalised", np.exp(o_small - o_small.max(axis=1, keepdims=True)),
         "the rows do not sum to 1: you subtracted the max but did not divide by the sum.",
         "p_k = e^{o_k − m} / Σ_j e^{o_j − m}."),
        ("axis", e / e.sum(), "the whole batch sums to 1, not each row.",
         "sum over axis=1 with keepdims=True."),
    ], "p = e / e.sum(axis=1, keepdims=True), with e = np.exp(o − o.max(axis=1, keepdims=True)).")
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
        ("keepdims", no_keep, "on a square batch the row maxima were subtracted along the wrong axis "
         "(o.max(axis=1) without keepdims broadcasts across rows).",
         "o − o.max(axis=1, keepdims=True)."),
    ], "subtract each row's own maximum: o − o.max(axis=1, keepdims=True).")
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
                        "softmax is shift-invariant: subtract each row's max first, "
                        "e = np.exp(o − o.max(axis=1, keepdims=True)).", "overflow")
    glob = np.exp(o_big - o_big.max())
    with np.errstate(all="ignore"):
        glob = glob / glob.sum(axis=1, keepdims=True)
    fb = compare(ex, "p", got, ref, [
        ("global_max", glob, "the rows with small logits came out as 0 (or nan): you subtracted the "
         "largest logit of the whole batch.", "subtract each row's own maximum (axis=1, keepdims=True)."),
    ], "subtract each row's max first: np.exp(o − o.max(axis=1, keepdims=True)).")
    if fb is not None and fb.mistake == "nonfinite":
        return Feedback(ex, "wrong", "the rows with small logits came out as nan: you subtracted the "
                        "largest logit of the whole batch, so e^{o−m} underflows to 0 and 0/0 = nan.",
                        "subtract each row's own maximum (axis=1, keepdims=True).", "global_max")
    return verdict(fb, ex, "rows sum to 1, and logits of 1000 are fine (the max is subtracted).")


def check_nll(nll):
    """``nll(p, y)``: probabilities (N, C), labels (N,) -> L = −(1/N) Σ_n log p[n, y_n] (a float)."""
    ex = "nll"
    rng = np.random.default_rng(5)
    p = _softmax_rows(rng.normal(size=(5, 3)))
    y = np.array([0, 2, 1, 1, 0])
    got, fb = attempt(ex, nll, p.copy(), y.copy())
    if fb is not None:
        return fb
    logp = np.log(p[np.arange(5), y])
    ref = -logp.mean()
    fb = compare(ex, "L", got, ref, [
        ("sign", -ref, "L is negative: the minus sign is missing.",
         "L = −Σ_j y_j log p(c_j|x): log p ≤ 0, so L ≥ 0."),
        ("factor_N", -logp.sum(), "L is N = 5 times too large: a sum over examples, not a mean.",
         "average over the N examples."),
        ("all_classes", -np.log(p).sum(axis=1).mean(), "you summed −log p over every class.",
         "y is one-hot: only the true class's term survives, −log p[n, y_n]."),
        ("all_classes", -np.log(p).mean(), "you averaged −log p over every entry, not only the true classes.",
         "pick p[np.arange(N), y]."),
        ("wrong_index", -np.log(p[:, y]).mean(), "p[:, y] picks an (N, N) block: every example with "
         "every label.", "pick one entry per row: p[np.arange(N), y]."),
    ], "L = −np.mean(np.log(p[np.arange(N), y])).")
    return verdict(fb, ex, "L = −(1/N) Σ_n log p(c_{y_n}|x_n), the slides' negative log-likelihood.")


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
        ("missing_y", p, "∂L/∂o is p alone: y is not subtracted.", "subtract the one-hot y: p − y."),
        ("no_softmax", o - Y, "you subtracted y from the logits o, not from the probabilities p.",
         "first p = softmax(o), then p − y."),
    ], "p = softmax(o); ∂L/∂o = p − one_hot(y).")
    return verdict(fb, ex, "∂L/∂o = p(c|x) − y, the slide's formula (compare it with the numerical "
                          "derivative above).")
