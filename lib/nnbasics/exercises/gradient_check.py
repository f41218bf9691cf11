"""Checks for the exercises of notebook 06 (gradient checking).

Each ``check_*`` runs the student's function on fixed inputs against the reference and returns a
:class:`~nnbasics.exercises.feedback.Feedback`; it never raises. Mistake codes (``Feedback.mistake``):

    check_numerical_gradient  'not_restored' w not put back   'forward_difference' one-sided
                              'factor_2'   'sign'   'all_at_once' every entry moved together
                              'ignored_eps' a step of its own instead of the eps given   'shape'
    check_rel_error           'elementwise' divided entry by entry   'absolute' no division
                              'no_abs' an abs() missing   'denominator' max(|a| + |b|) instead of
                              max|a| + max|b|   'no_floor' 0/0 for a = b = 0   'mean' a mean, not a max
                              'shape' an array, not one number

The numerical-gradient check uses a function whose third derivative is large, so that the
central difference with the check's ε differs from the exact gradient: a solution that ignores
the ``eps`` it is given (a hard-coded 1e-5, say) lands on the exact gradient and is caught.
"""
import numpy as np

from .backprop import MISTAKE_RTOL, TOL
from .feedback import Feedback, as_numbers, attempt, checker, compare, verdict

__all__ = ["check_numerical_gradient", "check_rel_error", "rel_error_reference"]


# -- numerical_gradient -----------------------------------------------------------------------------
def _smooth_case():
    """f(w) = Σ a sin(4w) + Σ c w + ¼ (Σ w)²: not quadratic (the step matters), entries coupled."""
    rng = np.random.default_rng(7)
    a = rng.uniform(1.0, 2.0, (3, 2))
    c = rng.standard_normal((3, 2))
    w = rng.uniform(-1.0, 1.0, (3, 2))

    def f(w):
        w = np.asarray(w, dtype=float)
        return float(np.sum(a * np.sin(4 * w)) + np.sum(c * w) + 0.25 * np.sum(w) ** 2)

    def grad(w):
        return 4 * a * np.cos(4 * w) + c + 0.5 * np.sum(w)

    return f, grad, w


def _differences(f, w, eps):
    """Central, forward and backward differences of f at w with step eps, one entry at a time."""
    central, forward, backward = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    f0 = f(w)
    for i in np.ndindex(w.shape):
        wp, wm = w.copy(), w.copy()
        wp[i] += eps
        wm[i] -= eps
        fp, fm = f(wp), f(wm)
        central[i], forward[i], backward[i] = (fp - fm) / (2 * eps), (fp - f0) / eps, (f0 - fm) / eps
    return central, forward, backward


class _Counted:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, w):
        self.calls += 1
        return self.f(w)


@checker("numerical_gradient")
def check_numerical_gradient(numerical_gradient):
    """Check ``numerical_gradient(f, w, eps) -> g``: central differences, one entry of w at a time.

        g_i = (f(w + ε e_i) − f(w − ε e_i)) / 2ε      (f: array -> float, g: same shape as w)

    Two trials, ε = 1e-2 and 5e-3. ``w`` must come back as it was, to round-off: a few ulps of
    |w| + ε (so restoring by arithmetic, w[i] += ε … w[i] −= 2ε … w[i] += ε, is fine).
    """
    ex = "numerical_gradient"
    f, grad, w = _smooth_case()
    calls = []
    for eps in (1e-2, 5e-3):
        w_in = w.copy()
        counted = _Counted(f)
        got, fb = attempt(ex, numerical_gradient, counted, w_in, eps)
        if fb is not None:
            return fb
        calls.append(counted.calls)
        drift = np.abs(np.asarray(w_in, dtype=float) - w)
        if w_in.shape != w.shape or not np.all(drift <= 4 * np.finfo(float).eps * (np.abs(w) + eps)):
            i = tuple(int(j) for j in np.unravel_index(int(np.argmax(drift)), drift.shape))
            return Feedback(ex, "wrong", f"after your function returns, w is no longer what it was (w{i} is off by "
                            f"{drift[i]:.2g}, with ε = {eps:g}): an entry is not put back after it is wiggled, so "
                            "every later entry is measured at a different w.",
                            "remember each entry before you move it, and restore it before the next one.",
                            "not_restored")
        ref, fwd, bwd = _differences(f, w, eps)
        g_all = (f(w + eps) - f(w - eps)) / (2 * eps)
        fb = compare(ex, "g", got, ref, [
            ("ignored_eps", grad(w), f"g is the exact gradient to many digits, but a central difference with the "
             f"ε = {eps:g} you were given is off by about ε² f'''/6 (here up to {np.max(np.abs(ref - grad(w))):.1g}): "
             "you used a step of your own, not eps.", "use the argument eps for the step."),
            ("forward_difference", fwd, f"this is a one-sided (forward) difference: its error is about ε/2 · f'' "
             f"(here up to {np.max(np.abs(fwd - ref)):.1g}), far above a central difference's.",
             "step both ways, w + ε e_i and w − ε e_i: the O(ε) errors cancel."),
            ("forward_difference", bwd, "this is a one-sided (backward) difference: its error is about ε/2 · f''.",
             "step both ways, w + ε e_i and w − ε e_i: the O(ε) errors cancel."),
            ("factor_2", 2 * ref, "g is twice the gradient: a central difference spans 2ε.",
             "divide f(w + ε e_i) − f(w − ε e_i) by the distance between the two points."),
            ("factor_2", ref / 2, "g is half the gradient.", "divide by 2ε, the distance between the two points."),
            ("sign", -ref, "g has the opposite sign: f(w − ε e_i) − f(w + ε e_i) is the downhill direction.",
             "subtract in the order f(w + ε e_i) − f(w − ε e_i)."),
            ("all_at_once", np.full_like(w, g_all), "every entry equals the same number, the sum of all partial "
             "derivatives: you moved every entry of w at once.", "wiggle one entry w[i] at a time (np.ndindex gives "
             "every index)."),
            ("shape", ref.ravel(), f"g is flattened (shape {ref.ravel().shape}); expected the shape of w, "
             f"{ref.shape}.", "g has the shape of w: one partial derivative per entry, at the same index."),
        ], "g has the shape of w: one partial derivative per entry.", **TOL, mistake_rtol=MISTAKE_RTOL)
        if fb is not None:
            return fb
    n = w.size
    extra = "" if max(calls) <= 2 * n else f" (you call f {max(calls)} times for {n} entries; 2 per entry suffice)"
    return verdict(None, ex, "central differences, one entry at a time, with w put back each time "
                   f"(2 loss evaluations per entry){extra}.")


# -- rel_error --------------------------------------------------------------------------------------
def rel_error_reference(a, b):
    """max_i |a_i − b_i| / max(1e-12, max_i |a_i| + max_i |b_i|)   (as nnbasics.rel_error)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b))))


_A = np.array([[1.0, -2.0, 3e-9], [0.5, -0.25, 4.0]])
_B = np.array([[1.0 + 1e-8, -2.0, 1.3e-8], [0.5, -0.25 + 3e-8, 4.0]])   # the largest gap has b > a
_REL_TRIALS = [
    (_A, _B),
    (-np.abs(_A), -np.abs(_B) - 1e-8),                  # negative entries: an abs() missing shows
    (np.array([4.0, 0.5]), np.array([1.0, 3.0])),       # max(|a| + |b|) = 5 ≠ max|a| + max|b| = 7
    (np.zeros(3), np.zeros(3)),                          # a = b = 0: the 1e-12 avoids 0/0
]


def _rel_mistakes(a, b):
    d = np.abs(a - b)
    den = max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b)))
    with np.errstate(all="ignore"):
        return [
            ("elementwise", np.max(d / np.maximum(1e-12, np.abs(a) + np.abs(b))), "you divided entry by entry: an "
             "entry whose gradient is tiny (3e-9) has a round-off-sized difference that dominates.",
             "divide the largest difference by the sizes of the whole arrays."),
            ("absolute", np.max(d), "this is the absolute error max |a − b|: it changes if the loss is multiplied "
             "by 1000.", "divide by the sizes of the arrays, max|a| + max|b|."),
            ("no_abs", np.max(a - b) / den, "the difference needs an absolute value: max(a − b) ignores differences "
             "where b > a.", "take |a − b| before the max."),
            ("no_abs", np.max(d) / max(1e-12, np.max(a) + np.max(b)), "the denominator needs absolute values: "
             "max a + max b is wrong (even negative) when the entries are negative.", "max|a| + max|b|."),
            ("denominator", np.max(d) / max(1e-12, np.max(np.abs(a) + np.abs(b))), "you divided by "
             "max_i (|a_i| + |b_i|); the formula divides by max_i |a_i| + max_i |b_i|.",
             "take the two maxima separately, then add them."),
            ("no_floor", np.max(d) / (np.max(np.abs(a)) + np.max(np.abs(b))), "for a = b = 0 you return nan (0/0): "
             "the max(1e-12, …) in the denominator is there for this case.",
             "keep the denominator at least 1e-12."),
            ("mean", np.mean(d) / den, "you averaged the differences; the formula takes the largest one.",
             "max_i |a_i − b_i|, not a mean."),
        ]


@checker("rel_error")
def check_rel_error(rel_error):
    """Check ``rel_error(a, b) -> float``: max |a − b| / max(1e-12, max |a| + max |b|), on four pairs.

    A mistake is named only when its formula gives the student's number on every pair.
    """
    ex = "rel_error"
    values = []
    for a, b in _REL_TRIALS:
        got, fb = attempt(ex, rel_error, a.copy(), b.copy())
        if fb is not None:
            return fb
        val = as_numbers(got)
        if val is None or val.size != 1:
            return Feedback(ex, "wrong", f"return one number; got a {type(got).__name__} of shape {np.shape(got)}.",
                            "the relative error is a single number: the largest difference over the sizes.", "shape")
        values.append(float(val.ravel()[0]))

    def same(v, w):
        return bool(np.isnan(v) and np.isnan(w)) or bool(np.isfinite(v) and np.isclose(v, w, rtol=1e-6, atol=1e-300))

    refs = [rel_error_reference(a, b) for a, b in _REL_TRIALS]
    if all(same(v, r) for v, r in zip(values, refs, strict=True)):
        return Feedback(ex, "correct", "the largest difference measured against the size of the arrays: it does "
                        "not depend on the loss's scale, does not blow up on tiny entries, and is 0 for a = b = 0.")
    table = [_rel_mistakes(a, b) for a, b in _REL_TRIALS]
    for k, (code, _, message, hint) in enumerate(table[0]):
        if all(same(v, row[k][1]) for v, row in zip(values, table, strict=True)):
            return Feedback(ex, "wrong", message, hint, code)
    t = next(t for t, (v, r) in enumerate(zip(values, refs, strict=True)) if not same(v, r))
    a, b = _REL_TRIALS[t]
    return Feedback(ex, "wrong", f"for a = {a.tolist()} and b = {b.tolist()} you return {values[t]:.3g}; the "
                    f"answer is {refs[t]:.3g}.", "the largest difference, divided by the largest |a| plus the "
                    "largest |b| (at least 1e-12).", "values")
