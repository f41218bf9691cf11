"""Checks for the exercises of notebook 02 (ReLU tiling).

Each ``check_*`` runs the student's function on fixed inputs against the reference and returns a
:class:`~nnbasics.exercises.feedback.Feedback`; it never raises. Mistake codes (``Feedback.mistake``):

    check_kink            'sign' b/w instead of −b/w   'inverted' −w/b or w/b   'no_division' −b
                          'product' −b·w   'floor_division' −b // w (rounds down)
    check_collapse        'order' W1 W2 instead of W2 W1   'bias' c = b2 (W2 b1 forgotten) or c = W2 b1
                          'elementwise' W2 * W1   'format' not the pair (A, c), or (c, A)
    check_max_regions     'no_one' the 1 forgotten   'no_n' the n forgotten   'n_squared' n² not n(n−1)/2
                          'crossings' n(n+1)/2 crossings   'exponential' 2ⁿ
"""
import numpy as np

from .feedback import Feedback, attempt, checker, compare, explain_error, verdict

__all__ = ["check_kink", "check_collapse", "check_max_regions"]


@checker("kink")
def check_kink(kink):
    """``kink(w, b)``: where the unit ``max(0, w x + b)`` of a 1-D input bends: x = −b / w."""
    ex = "kink"
    cases = [(3.0, 1.0), (-0.7, 1.5), (1.5, -3.2)]         # both signs of w and b; no kink a round number
    got = []
    for w, b in cases:
        g, fb = attempt(ex, kink, w, b)
        if fb is not None:
            return fb
        got.append(g)
    ws, bs = np.array(cases).T
    fb = compare(ex, "the kinks", got, -bs / ws, [
        ("sign", bs / ws, "wrong sign: you have b/w.", "solve w x + b = 0 for x, one step at a time."),
        ("inverted", -ws / bs, "you computed −w/b: upside down.", "solve w x + b = 0 for x: which of w and b "
         "ends up in the denominator?"),
        ("inverted", ws / bs, "you computed w/b: upside down, and the sign is off too.", "solve w x + b = 0 for x."),
        ("no_division", -bs, "you returned −b: the division by w is missing.", "solve w x + b = 0 for x: "
         "x is multiplied by w."),
        ("product", -bs * ws, "you multiplied by w instead of dividing by it.", "solve w x + b = 0 for x."),
        ("floor_division", -bs // ws, "// is floor division: it rounds the kink down to a whole number.",
         "use true division, /."),
    ], "the unit bends where its input w x + b crosses 0.")
    return verdict(fb, ex, "x = −b/w: where w x + b changes sign, the ReLU switches on or off.")


@checker("collapse")
def check_collapse(collapse):
    """``collapse(W1, b1, W2, b2)``: two linear layers as one, ``(A, c)`` with
    ``W2 (W1 x + b1) + b2 = A x + c``: A = W2 W1 (C, D), c = W2 b1 + b2 (C,)."""
    ex = "collapse"
    rng = np.random.default_rng(3)
    W1, b1 = rng.normal(size=(4, 2)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(3, 4)), rng.normal(size=3)
    got, fb = attempt(ex, collapse, W1.copy(), b1.copy(), W2.copy(), b2.copy())
    if fb is not None:
        for named in (explain_error(ex, fb, ["broadcast"], "* multiplies entry by entry; applying one layer after "
                                    "the other is a matrix product.", "the matrix of W2 (W1 x) is the product of "
                                    "the two matrices (@).", "elementwise"),
                      explain_error(ex, fb, ["matmul", "align"], "W1 is (4, 2) and W2 is (3, 4): only one order of "
                                    "the product fits.", "in W2 (W1 x) the matrix applied first stands on the "
                                    "right.", "order")):
            if named is not None:
                return named
        return fb
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return Feedback(ex, "wrong", f"return two things, the pair (A, c); got {type(got).__name__}"
                        f"{' of length ' + str(len(got)) if isinstance(got, (tuple, list)) else ''}.",
                        "end with a return of both: the matrix A, then the vector c.", "format")
    A, c = got
    if np.shape(A) == (3,) and np.shape(c) == (3, 2):
        return Feedback(ex, "wrong", "A and c come in the wrong order: you returned (c, A).",
                        "return the matrix A first, then the vector c.", "format")
    fb = compare(ex, "A", A, W2 @ W1, [
        ("order", (W1.T @ W2.T), "A is transposed (you computed W1ᵀ W2ᵀ).", "A = W2 W1 has shape (3, 2)."),
    ], "A = W2 W1: apply W1 first, then W2.")
    if fb is not None:
        return fb
    fb = compare(ex, "c", c, W2 @ b1 + b2, [
        ("bias", W2 @ b1, "c = W2 b1: the second layer's own bias b2 is missing.",
         "expand W2 (W1 x + b1) + b2 and collect what does not depend on x."),
        ("bias", b2, "c = b2: the first layer's bias, carried through W2, is missing.",
         "expand W2 (W1 x + b1) + b2 and collect what does not depend on x."),
    ], "expand W2 (W1 x + b1) + b2.")
    return verdict(fb, ex, "A = W2 W1 and c = W2 b1 + b2: two linear layers are one — which is why the "
                   "ReLU is needed.")


@checker("max_regions")
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
    fb = compare(ex, "the counts for n = 0 … 8", got, ref, [
        ("no_one", ns + ns * (ns - 1) // 2, "every count is 1 too small (0 lines leave 1 region).",
         "start from the 1 region of the empty plane."),
        ("no_n", 1 + ns * (ns - 1) // 2, "you count only the crossings: each line also adds a region "
         "by itself.", "a new line adds 1 + (the number of lines it crosses) regions."),
        ("n_squared", 1 + ns + ns * ns / 2, "n²/2 counts too many crossings.",
         "n lines in general position cross in one point per pair of lines."),
        ("n_squared", 1 + ns + ns * ns, "n² counts every pair twice and a line with itself.",
         "n lines cross in one point per pair of lines."),
        ("crossings", 1 + ns + ns * (ns + 1) // 2, "n(n+1)/2 crossings is n too many: the k-th line crosses the "
         "k − 1 lines before it, not k.", "count the pairs of distinct lines."),
        ("exponential", 2.0 ** ns, "2ⁿ counts every on/off pattern of n units, but n lines in the plane cannot "
         "make all of them (from n = 3 on).", "add the lines one at a time: how many regions does the k-th "
         "line cut in two?"),
    ], "add the lines one at a time: the k-th new line crosses the k−1 earlier ones.")
    return verdict(fb, ex, "1 + n + n(n−1)/2 — one layer of n ReLUs with 2-D input has at most this "
                   "many linear regions.")
