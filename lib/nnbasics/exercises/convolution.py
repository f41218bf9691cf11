"""Checks for the exercises of notebook 09 (convolution).

Each ``check_*`` runs the student's function on fixed inputs against the reference and returns a
:class:`~nnbasics.exercises.feedback.Feedback`; it never raises. Mistake codes (``Feedback.mistake``):

    conv_output_size(H, K, stride, pad) -> int      H' = ⌊(H + 2·pad − K) / stride⌋ + 1
        'no_plus_one' (the first window forgotten)   'pad_once' (pad on one side only)   'no_pad'
        'ceil' (a partial window counted)   'not_integer' (true division /)   'no_stride'
        'stride_last' ((H + 2·pad − K + 1) / stride)   'no_kernel' (K ignored)   'hard_coded'   'type'

    conv_entry(x, W, b, i, j, stride, pad) -> float  z[i, j] = b + Σ_c Σ_u Σ_v W[c, u, v] x_pad[c, i·s + u, j·s + v]
        'flipped' (the kernel flipped: the textbook convolution)   'no_bias'   'no_stride' (i + u)
        'no_pad_shift' (x_pad indexed as if pad = 0)   'one_channel'   'swapped' (out[j, i])
        'mean' (averaged, not summed)   'relu' (a ReLU applied)   'out_of_bounds' (no zero padding)
        'hard_coded'

    maxpool_backward(dout, x, size) -> dx            each window's gradient to its first arg-max
        'all_ties' (to every maximum of a tied window)   'last_tie'   'average' (dout / size² everywhere)
        'broadcast' (dout to every entry)   'argmin'   'transposed' (u and v swapped inside the window)
        'mask_only' (the 0/1 mask without dout)   'fixed_size' (size 2 hard-coded)   'shape'   'values'
"""
import math

import numpy as np

from .feedback import Feedback, as_numbers, attempt, checker, close, compare, explain_error, named_mistake

__all__ = ["check_conv_output_size", "check_conv_entry", "check_maxpool_backward", "conv_output_size_reference",
           "conv_entry_reference", "maxpool_backward_reference"]


# -- the output size ------------------------------------------------------------------------------
# (H, K, stride, pad): no two formulas of the mistakes below agree with the answer on all of them
_SIZE_TRIALS = [(8, 3, 1, 1), (8, 3, 2, 0), (7, 3, 2, 1), (28, 5, 1, 2), (10, 4, 3, 1), (9, 2, 2, 0), (6, 3, 1, 0),
                (11, 5, 3, 2)]


def conv_output_size_reference(H, K, stride, pad):
    """H' = ⌊(H + 2·pad − K) / stride⌋ + 1."""
    return (H + 2 * pad - K) // stride + 1


def _size_mistakes():
    return [
        ("no_plus_one", lambda H, K, s, p: (H + 2 * p - K) // s, "every size is 1 too small: the window at position "
         "0 is not counted.", "count the window starting at 0 too: 0, s, 2s, … up to the last start that fits."),
        ("pad_once", lambda H, K, s, p: (H + p - K) // s + 1, "the padding is added on one side only.",
         "pad zeros go on both sides of the image: top and bottom (left and right)."),
        ("no_pad", lambda H, K, s, p: (H - K) // s + 1, "the padding is ignored.",
         "the kernel slides over the padded image, of length H + 2·pad."),
        ("ceil", lambda H, K, s, p: -(-(H + 2 * p - K) // s) + 1, "you round up: a window that would stick out of "
         "the padded image is counted.", "only windows that fit entirely count: round down."),
        ("no_stride", lambda H, K, s, p: H + 2 * p - K + 1, "the stride is ignored.",
         "with stride s the window moves s pixels at a time: divide the distance it can travel by s."),
        ("stride_last", lambda H, K, s, p: (H + 2 * p - K + 1) // s, "you divide after adding 1: "
         "(H + 2·pad − K + 1) / stride.", "the first window is always there (the + 1); only the distance the "
         "window travels, H + 2·pad − K, is divided by the stride."),
        ("no_kernel", lambda H, K, s, p: (H + 2 * p) // s + 1, "the kernel size K is ignored.",
         "the last window must start at least K − 1 pixels before the end of the padded image."),
    ]


@checker("conv_output_size")
def check_conv_output_size(conv_output_size):
    """``conv_output_size(H, K, stride, pad)``: the number of positions of a K-wide window on a length-H
    input padded by ``pad`` zeros on both sides, moving ``stride`` at a time (an int)."""
    ex = "conv_output_size"
    got = []
    for H, K, s, p in _SIZE_TRIALS:
        g, fb = attempt(ex, conv_output_size, H, K, s, p)
        if fb is not None:
            return fb
        v = as_numbers(g)
        if v is None or v.shape != ():
            return Feedback(ex, "wrong", f"for H={H}, K={K}, stride={s}, pad={p} you returned {type(g).__name__} "
                            f"{g!r}; expected one whole number.", "return a single int.", "type")
        got.append(float(v))
    ref = np.array([conv_output_size_reference(*t) for t in _SIZE_TRIALS], dtype=float)
    if np.array_equal(got, ref):
        return Feedback(ex, "correct", "H' = ⌊(H + 2·pad − K) / stride⌋ + 1: a 3×3 kernel with pad 1 and stride 1 "
                        "keeps an 8×8 digit 8×8; with stride 2 it gives 4×4.")
    got = np.array(got)
    if any(v != math.floor(v) for v in got):
        bad = int(np.flatnonzero(got != np.floor(got))[0])
        H, K, s, p = _SIZE_TRIALS[bad]
        return Feedback(ex, "wrong", f"for H={H}, K={K}, stride={s}, pad={p} you returned {got[bad]:g}, "
                        "not a whole number: a window cannot be counted in part.",
                        "/ is true division; the number of whole steps is the floor, integer division //.",
                        "not_integer")
    if len(set(got)) == 1:
        return Feedback(ex, "wrong", f"you return {got[0]:g} whatever H, K, stride and pad are: is it hard-coded?",
                        "use the four arguments.", "hard_coded")
    fb = named_mistake(ex, got, [(code, np.array([f(*t) for t in _SIZE_TRIALS], dtype=float), m, h)
                                 for code, f, m, h in _size_mistakes()])
    if fb is not None:
        return fb
    bad = int(np.flatnonzero(got != ref)[0])
    H, K, s, p = _SIZE_TRIALS[bad]
    return Feedback(ex, "wrong", f"for H={H}, K={K}, stride={s}, pad={p} you have {got[bad]:g}; the answer is "
                    f"{ref[bad]:g}.", "list the start positions 0, s, 2s, … by hand for this case and count the "
                    "ones whose window fits inside the padded input.", "values")


# -- one output entry -------------------------------------------------------------------------------
def conv_entry_reference(x, W, b, i, j, stride, pad):
    """z[i, j] = b + Σ_c Σ_u Σ_v W[c, u, v] · x_pad[c, i·s + u, j·s + v];  x (C, H, W), W (C, KH, KW)."""
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    KH, KW = W.shape[1:]
    return float(b + np.sum(W * xp[:, i * stride:i * stride + KH, j * stride:j * stride + KW]))


def _entry_case():
    rng = np.random.default_rng(9)
    x = np.round(rng.uniform(-1, 2, (2, 6, 7)), 2)        # 2 channels, 6×7: not square
    W = np.round(rng.uniform(-1, 1, (2, 3, 2)), 2)         # a 3×2 kernel: rows and columns differ
    return x, W, -0.35


# (i, j, stride, pad): an edge entry where the padding counts, stride 2, an entry whose value is negative
_ENTRY_TRIALS = [(0, 1, 1, 1), (1, 2, 2, 0), (1, 3, 2, 1), (3, 2, 1, 0)]


def _window(xp, r, c, KH, KW):
    """xp[:, r:r + KH, c:c + KW], or None when the window does not fit inside xp."""
    if r + KH > xp.shape[1] or c + KW > xp.shape[2]:
        return None
    return xp[:, r:r + KH, c:c + KW]


def _entry_mistakes(x, W, b, i, j, s, p):
    KH, KW = W.shape[1:]
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    win = _window(xp, i * s, j * s, KH, KW)
    ref = b + np.sum(W * win)
    value = lambda w: None if w is None else b + np.sum(W * w)
    return {
        "flipped": b + np.sum(W[:, ::-1, ::-1] * win),
        "no_bias": np.sum(W * win),
        "no_stride": None if s == 1 else value(_window(xp, i, j, KH, KW)),
        "no_pad_shift": None if p == 0 else value(_window(x, i * s, j * s, KH, KW)),   # x itself, as if pad = 0
        "one_channel": b + np.sum(W[0] * win[0]),
        "swapped": value(_window(xp, j * s, i * s, KH, KW)),
        "mean": b + np.mean(W * win),
        "relu": max(ref, 0.0),
    }


_ENTRY_MESSAGES = {
    "flipped": ("you flipped the kernel: that is the convolution of signal processing. A convolution layer "
                "slides the kernel over the image as it is (a cross-correlation).",
                "the kernel's weight at row u, column v meets the pixel u rows and v columns after the window's "
                "corner."),
    "no_bias": ("the bias b is missing.", "add b once to the weighted sum."),
    "no_stride": ("the stride is ignored: the window of output (i, j) starts at row i·stride, column j·stride, "
                  "not at row i.", "with stride s, output i looks at input rows i·s … i·s + KH − 1."),
    "no_pad_shift": ("the padding is not accounted for: in the padded image the window of output (i, j) starts at "
                     "row i·stride of x_pad, which is row i·stride − pad of x.",
                     "pad x with zeros first (pad rows and columns on every side), then index the padded array."),
    "one_channel": ("only channel 0 is used: the kernel spans all input channels.",
                    "sum over the channels c as well as over u and v."),
    "swapped": ("rows and columns are swapped: you computed z[j, i].", "i is the row, j the column."),
    "mean": ("you averaged the products; the layer sums them.", "a sum over c, u and v, then + b."),
    "relu": ("a ReLU was applied: the convolution's output can be negative; the ReLU is a separate layer.",
             "return the weighted sum plus the bias as it is."),
}


@checker("conv_entry")
def check_conv_entry(conv_entry):
    """``conv_entry(x, W, b, i, j, stride, pad)``: entry (i, j) of the convolution of one image x (C, H, W)
    with one filter W (C, KH, KW) and bias b, as a float."""
    ex = "conv_entry"
    x, W, b = _entry_case()
    answers, refs = [], [conv_entry_reference(x, W, b, *t) for t in _ENTRY_TRIALS]
    for i, j, s, p in _ENTRY_TRIALS:
        got, fb = attempt(ex, conv_entry, x.copy(), W.copy(), b, i, j, s, p)
        if fb is not None and any(not close(a, r, 1e-9) for a, r in zip(answers, refs[:len(answers)], strict=True)):
            break                          # an earlier answer is already wrong: say what is off there
        if fb is not None:
            named = explain_error(ex, fb, ["out of bounds", "index", "broadcast", "could not be broadcast"],
                                  f"for i={i}, j={j}, stride={s}, pad={p} the window reaches outside x: near the "
                                  "border it covers the zero padding.", "pad x with zeros first, then take the "
                                  "window from the padded array.", "out_of_bounds")
            return named if named is not None and p > 0 else fb
        v = as_numbers(got)
        if v is None or v.size != 1:
            return Feedback(ex, "wrong", f"the entry is one number; you returned {type(got).__name__}"
                            f"{'' if v is None else ' of shape ' + str(v.shape)}.",
                            "sum all the products of the window with the kernel into a single number.", "type")
        answers.append(float(v.ravel()[0]))
    wrong = [t for t in range(len(answers)) if not close(answers[t], refs[t], 1e-9)]
    if not wrong:
        return Feedback(ex, "correct", "z[i, j] = b + Σ_c Σ_u Σ_v W[c, u, v] x_pad[c, i·s + u, j·s + v]: a "
                        "weighted sum over one window, with the same weights for every window (weight sharing).")
    if len(answers) > 1 and len(set(answers)) == 1:
        return Feedback(ex, "wrong", f"you return {answers[0]:.6g} for every (i, j), stride and pad: is it "
                        "hard-coded?", "use the arguments i, j, stride and pad.", "hard_coded")
    t = wrong[0]
    i, j, s, p = _ENTRY_TRIALS[t]
    mistakes = _entry_mistakes(x, W, b, i, j, s, p)
    fb = named_mistake(ex, answers[t], [(code, value, *_ENTRY_MESSAGES[code]) for code, value in mistakes.items()],
                       1e-9)
    if fb is not None:
        return fb
    return Feedback(ex, "wrong", f"for i={i}, j={j}, stride={s}, pad={p} you have {answers[t]:.6g}; the answer is "
                    f"{refs[t]:.6g}.", "pad x, take the KH×KW window whose corner is at row i·stride, column "
                    "j·stride of the padded image, multiply it by W entry by entry, sum, add b.", "values")


# -- max-pooling backward ----------------------------------------------------------------------------
def _route(dout, x, size, pick="first"):
    """Each window's dout to one entry of it: its first max (the reference), its last max, its min, or
    its first max with row and column swapped inside the window."""
    N, C, H, W = x.shape
    Ho, Wo = H // size, W // size
    win = x.reshape(N, C, Ho, size, Wo, size).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, Ho, Wo, size * size)
    k = {"first": win.argmax(-1), "transposed": win.argmax(-1), "min": win.argmin(-1),
         "last": size * size - 1 - win[..., ::-1].argmax(-1)}[pick]
    u, v = np.divmod(k, size)
    if pick == "transposed":
        u, v = v, u
    dx = np.zeros((N, C, Ho, Wo, size, size))
    n, c, i, j = np.indices((N, C, Ho, Wo))
    dx[n, c, i, j, u, v] = dout
    return dx.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H, W)


def maxpool_backward_reference(dout, x, size):
    """dx: each window's ∂L/∂out to its first arg-max (row-major); x (N, C, H, W), dout (N, C, H/size, W/size)."""
    return _route(dout, x, size)


def _pool_cases():
    """Two trials: 2×2 windows on (2, 2, 4, 6) with tied maxima, and 3×3 windows on (1, 2, 6, 6)."""
    rng = np.random.default_rng(11)
    x1 = rng.integers(-3, 6, (2, 2, 4, 6)).astype(float)
    x1[0, 0, 0:2, 0:2] = [[4.0, 4.0], [1.0, 4.0]]          # a three-way tie
    x1[0, 1, 2:4, 2:4] = [[-1.0, 2.0], [0.0, -2.0]]         # the max in the top right: (u, v) = (0, 1)
    x1[1, 0, 0:2, 4:6] = [[-2.0, -2.0], [-5.0, -3.0]]       # all negative, a tie
    x2 = rng.permutation(72).reshape(1, 2, 6, 6).astype(float) / 4.0 - 5.0
    x2[0, 0, 0:3, 0:3] = [[0.0, 0.0, 7.0], [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]     # max at (0, 2): transposed (2, 0)
    out = []
    for x, size in ((x1, 2), (x2, 3)):
        N, C, H, W = x.shape
        n = N * C * (H // size) * (W // size)
        dout = 0.5 + rng.permutation(n).reshape(N, C, H // size, W // size) / 8.0   # positive, all different
        out.append((dout, x, size))
    return out


def _pool_mistakes(dout, x, size):
    N, C, H, W = x.shape
    up = lambda a: np.repeat(np.repeat(a, size, axis=2), size, axis=3)           # each window's value everywhere
    is_max = (x == up(x.reshape(N, C, H // size, size, W // size, size).max(axis=(3, 5)))).astype(float)
    return [
        ("all_ties", up(dout) * is_max, "where a window has several equal maxima, every one of them gets the "
         "gradient, so that window's gradient is counted more than once.", "the max picks one entry: send the "
         "gradient to the first maximum of the window (row by row), as np.argmax does."),
        ("last_tie", _route(dout, x, size, "last"), "where a window has several equal maxima, the gradient goes to "
         "the last of them; the library (and PyTorch) take the first, as np.argmax does.",
         "on a tie keep the first maximum, in row-major order."),
        ("average", up(dout) / size ** 2, "the gradient is spread evenly over each window: that is the backward "
         "pass of average-pooling.", "only the entry that was the max influenced the output."),
        ("broadcast", up(dout), "every entry of a window gets the window's whole gradient.",
         "only the entry that was the max influenced the output: the others get 0."),
        ("argmin", _route(dout, x, size, "min"), "the gradient goes to each window's smallest entry.",
         "max-pooling keeps the largest entry."),
        ("transposed", _route(dout, x, size, "transposed"), "the position inside the window is transposed: the "
         "arg-max m of a size×size window is at row m // size, column m % size.",
         "np.argmax of a window flattened row by row gives m = u·size + v."),
        ("mask_only", (_route(dout, x, size) != 0).astype(float), "you returned where the maxima are, but not the "
         "gradient itself.", "multiply by the window's ∂L/∂out."),
    ]


@checker("maxpool_backward")
def check_maxpool_backward(maxpool_backward):
    """``maxpool_backward(dout, x, size)``: ∂L/∂x of size×size max-pooling with stride size: each window's
    ∂L/∂out goes to the first maximum of the window (row-major, as np.argmax), every other entry gets 0."""
    ex = "maxpool_backward"
    for t, (dout, x, size) in enumerate(_pool_cases()):
        got, fb = attempt(ex, maxpool_backward, dout.copy(), x.copy(), size)
        if fb is not None:
            if t == 1 and fb.mistake == "raised":
                return Feedback(ex, "wrong", f"right for 2×2 windows, but with size={size} your function raised "
                                f"{type(fb.exception).__name__}: {fb.exception} — is the window size fixed at 2?",
                                "use the argument size for the windows and for their positions.", "fixed_size",
                                exception=fb.exception)
            return fb
        arr = as_numbers(got)
        if arr is not None and arr.shape == dout.shape:
            return Feedback(ex, "wrong", f"dx has the pooled shape {arr.shape}; it must have the shape of x, "
                            f"{x.shape}.", "start from zeros shaped like x and put each window's gradient in it.",
                            "shape")
        fb = compare(ex, "dx", got, maxpool_backward_reference(dout, x, size), _pool_mistakes(dout, x, size),
                     "dx has the shape of x: zeros, except one entry per window.", rtol=1e-9)
        if fb is not None:
            if t == 1 and fb.mistake in ("values", "shape"):
                fb = Feedback(ex, "wrong", f"right for 2×2 windows, but not for size={size}: " + fb.message,
                              "use the argument size everywhere: for the windows and for their positions.",
                              "fixed_size")
            return fb
    return Feedback(ex, "correct", "each window's gradient went to its maximum (the first one on a tie), and every "
                    "other entry got 0: the max is the identity on its arg-max and flat elsewhere.")
