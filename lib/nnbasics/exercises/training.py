"""Checks for the exercises of notebooks 07 (training) and 08 (interpretation).

Each ``check_*`` takes the student's function, runs it on fixed small inputs against the
reference, and returns a :class:`~nnbasics.exercises.feedback.Feedback`. It never raises. A
wrong answer is compared with the usual mistakes (their codes are in ``Feedback.mistake``):

    sgd_step(theta, grad, lr) -> theta               θ ← θ − η ∂L/∂θ
        'sign' (θ + η g)   'no_lr' (θ − g)   'step_only' (returned the step ±η g, not the new θ)
        'hard_coded_lr'

    momentum_step(theta, delta, grad, lr, mu) -> (theta, delta)     Δ ← μΔ + ∂L/∂θ ; θ ← θ − ηΔ
        'delta_not_kept'   Δ ← ∂L/∂θ: the old Δ is dropped (that is plain SGD)
        'delta_not_updated' the Δ returned is the one passed in, so it never builds up
        'sign'             θ ← θ + ηΔ
        'mu_on_gradient'   Δ ← Δ + μ ∂L/∂θ (μ multiplies the gradient instead of Δ)
        'old_delta'        θ ← θ − ηΔ with the Δ from before this step's update
        'lr_in_delta'      Δ ← μΔ + η ∂L/∂θ, θ ← θ − Δ (same θ, but not the slide's Δ)
        'order'            returned (delta, theta)      'hard_coded_mu'

    accuracy(params, X, y) -> float in [0, 1]
        'count' (number right)  'percent' (× 100)  'error_rate' (1 − accuracy)
        'probabilities' (mean p of the true class)  'shape' (one value per example)

    class_code(H, y, c, threshold) -> bool (U,)      unit j on for more than ``threshold`` of class c
        'all_examples' (every class, not just c)   'mean_activation' (mean h > threshold)
        'fraction' (the fractions, not 0/1)        'axis' (one value per example)
        'any_example' (on for at least one example)  'hard_coded'

    confusion_matrix(y_true, y_pred, n_classes) -> (C, C) counts, rows = true class
        'transpose' (rows = predicted)   'normalised' (fractions)   'shape'
"""
import numpy as np

from ..losses import softmax
from ..network import fprop, init_params
from .feedback import Feedback, as_numbers, attempt, close, named_mistake

__all__ = ["check_sgd_step", "check_momentum_step", "check_accuracy", "check_class_code",
           "check_confusion_matrix"]


# An update is a few flops, so a right answer matches the reference to round-off (1e-9); a named
# mistake is recognised a little more loosely (1e-7).
_RTOL = 1e-9
_MISTAKE_RTOL = 1e-7


def _problem(seed=0, n=5):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(n)
    grads = [rng.standard_normal(n) for _ in range(4)]
    return theta, grads


# -- 07: SGD --------------------------------------------------------------------------------------
def check_sgd_step(sgd_step):
    """``sgd_step(theta, grad, lr)`` must return ``theta − lr · grad`` (θ ← θ − η ∂L/∂θ)."""
    ex = "sgd_step"
    theta, grads = _problem(1)
    g, lr = grads[0], 0.1
    got, fb = attempt(ex, sgd_step, theta.copy(), g.copy(), lr)
    if fb is not None:
        return fb
    ref = theta - lr * g
    if close(got, ref, _RTOL):
        # a second call, with another η, so a hard-coded 0.1 does not pass
        got2, fb = attempt(ex, sgd_step, theta.copy(), g.copy(), 0.3)
        if fb is not None:
            return fb
        if close(got2, theta - 0.3 * g, _RTOL):
            return Feedback(ex, "correct", "θ ← θ − η ∂L/∂θ: one step downhill, as on the slide.")
        return Feedback(ex, "wrong", "right for η = 0.1 but not for η = 0.3: is η hard-coded?",
                        "use the argument lr.", "hard_coded_lr")
    arr = as_numbers(got)
    if arr is None or arr.shape != theta.shape:
        return Feedback(ex, "wrong", f"the result has shape {None if arr is None else arr.shape}; expected "
                        f"{theta.shape}, the shape of θ.", "return the new θ, an array like theta.", "shape")
    fb = named_mistake(ex, got, [
        ("sign", theta + lr * g, "θ moved uphill: you added η ∂L/∂θ.",
         "the gradient points uphill; step against it: θ − η ∂L/∂θ."),
        ("no_lr", theta - g, "the step is the whole gradient: η is missing.", "multiply the gradient by lr."),
        ("step_only", -lr * g, "you returned the step −η ∂L/∂θ, not the new θ.", "return theta − lr * grad."),
        ("step_only", lr * g, "you returned η ∂L/∂θ, not the new θ.", "return theta − lr * grad."),
    ], _MISTAKE_RTOL)
    if fb is not None:
        return fb
    return Feedback(ex, "wrong", "the new θ is not θ − η ∂L/∂θ.", "θ ← θ − η ∂L/∂θ, element by element.",
                    "values")


# -- 07: momentum ---------------------------------------------------------------------------------
def _momentum_run(step, theta, grads, lr, mu):
    """Apply ``step`` 4 times, feeding back the Δ it returns; the list of (θ, Δ) after each step."""
    delta = np.zeros_like(theta)
    out = []
    for g in grads:
        theta, delta = step(theta.copy(), delta.copy(), g.copy(), lr, mu)
        theta, delta = np.asarray(theta, dtype=float), np.asarray(delta, dtype=float)
        out.append((theta, delta))
    return out


def _ref_momentum(theta, delta, grad, lr, mu):
    delta = mu * delta + grad          # Δ ← μ Δ + ∂L/∂θ
    return theta - lr * delta, delta   # θ ← θ − η Δ


_MOMENTUM_MISTAKES = [
    ("delta_not_kept", lambda th, d, g, lr, mu: (th - lr * g, g),
     "Δ forgets the past: your Δ is just this step's gradient, so this is plain SGD.",
     "Δ ← μ Δ + ∂L/∂θ: start from μ times the Δ you were given."),
    ("delta_not_updated", lambda th, d, g, lr, mu: (th - lr * (mu * d + g), d),
     "the Δ you return is the one you were given, so Δ never builds up from step to step.",
     "return the new Δ (μ Δ + ∂L/∂θ) together with the new θ."),
    ("sign", lambda th, d, g, lr, mu: (th + lr * (mu * d + g), mu * d + g),
     "θ moves uphill: you added η Δ.", "θ ← θ − η Δ (minus: Δ points uphill, like the gradient)."),
    ("mu_on_gradient", lambda th, d, g, lr, mu: (th - lr * (d + mu * g), d + mu * g),
     "μ multiplies the gradient instead of Δ: your Δ never decays.",
     "Δ ← μ Δ + ∂L/∂θ: it is the old Δ that is multiplied by μ = 0.9."),
    ("old_delta", lambda th, d, g, lr, mu: (th - lr * d, mu * d + g),
     "θ moved with the old Δ, before Δ took this step's gradient (the first step does nothing).",
     "the slide writes the θ line first, but update Δ ← μΔ + ∂L/∂θ first, then θ ← θ − η Δ."),
    ("lr_in_delta", lambda th, d, g, lr, mu: (th - (mu * d + lr * g), mu * d + lr * g),
     "your θ is right, but your Δ includes η (Δ ← μΔ + η ∂L/∂θ; θ ← θ − Δ): a common variant, not the "
     "slide's.", "keep η out of Δ: Δ ← μ Δ + ∂L/∂θ, then θ ← θ − η Δ."),
]


def check_momentum_step(momentum_step):
    """``momentum_step(theta, delta, grad, lr, mu)`` must return ``(new_theta, new_delta)``:

        Δ ← μ Δ + ∂L/∂θ ;  θ ← θ − η Δ

    Checked over 4 steps, feeding back the Δ the function returns (so a Δ that is not kept
    between calls shows up).
    """
    ex = "momentum_step"
    theta, grads = _problem(2)
    lr, mu = 0.1, 0.9

    def student(th, d, g, lr_, mu_):
        out, fb = attempt(ex, momentum_step, th, d, g, lr_, mu_)
        if fb is not None:
            raise _Stop(fb)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise _Stop(Feedback(ex, "wrong", f"the function returned a {type(out).__name__}; expected a pair "
                                 "(new_theta, new_delta).", "return theta, delta", "return"))
        return out

    try:
        got = _momentum_run(student, theta, grads, lr, mu)
    except _Stop as stop:
        return stop.feedback
    except Exception as e:  # e.g. unpacking arrays of the wrong shape
        return Feedback(ex, "wrong", f"running 4 steps raised {type(e).__name__}: {e}",
                        "return arrays shaped like theta.", "raised")
    ref = _momentum_run(_ref_momentum, theta, grads, lr, mu)
    for (th, d) in got:
        if th.shape != theta.shape or d.shape != theta.shape:
            return Feedback(ex, "wrong", f"θ has shape {th.shape} and Δ {d.shape}; expected {theta.shape} for both.",
                            "both are arrays shaped like theta.", "shape")
    if all(close(a[0], b[0], _RTOL) and close(a[1], b[1], _RTOL) for a, b in zip(got, ref, strict=True)):
        # also a different μ, so a hard-coded 0.9 does not pass
        try:
            got2 = _momentum_run(student, theta, grads, lr, 0.5)
        except _Stop as stop:
            return stop.feedback
        if all(close(a[0], b[0], _RTOL) for a, b in zip(got2, _momentum_run(_ref_momentum, theta, grads, lr, 0.5),
                                                  strict=True)):
            return Feedback(ex, "correct", "Δ ← μΔ + ∂L/∂θ ; θ ← θ − ηΔ: Δ remembers past gradients and "
                            "decays by μ per step.")
        return Feedback(ex, "wrong", "right for μ = 0.9, wrong for μ = 0.5: is μ hard-coded?",
                        "use the argument mu.", "hard_coded_mu")
    if close(got[0][1], ref[0][0], _RTOL) and close(got[0][0], ref[0][1], _RTOL):      # the first step, swapped
        return Feedback(ex, "wrong", "θ and Δ are swapped in what you return.", "return theta, delta (θ first).",
                        "order")
    for code, wrong_step, msg, hint in _MOMENTUM_MISTAKES:
        wrong = _momentum_run(wrong_step, theta, grads, lr, mu)
        if all(close(a[0], b[0], _MISTAKE_RTOL) and close(a[1], b[1], _MISTAKE_RTOL)
               for a, b in zip(got, wrong, strict=True)):
            return Feedback(ex, "wrong", msg, hint, code)
    first = next(i for i, (a, b) in enumerate(zip(got, ref, strict=True))
                 if not (close(a[0], b[0], _RTOL) and close(a[1], b[1], _RTOL)))
    what = "θ" if not close(got[first][0], ref[first][0], _RTOL) else "Δ"
    return Feedback(ex, "wrong", f"step {first + 1} gives the wrong {what}.",
                    "Δ ← μ Δ + ∂L/∂θ first, then θ ← θ − η Δ; return both.", "values")


class _Stop(Exception):
    def __init__(self, feedback):
        super().__init__(feedback.message)
        self.feedback = feedback


# -- 07: accuracy ---------------------------------------------------------------------------------
def _accuracy_problem():
    rng = np.random.default_rng(3)
    params = init_params([2, 5, 3], seed=4)
    X = rng.standard_normal((20, 2))
    o, _ = fprop(params, X)
    y = np.argmax(o, axis=1)
    flip = rng.choice(20, 7, replace=False)
    y[flip] = (y[flip] + 1) % 3                   # 13 of 20 right: accuracy 0.65
    return params, X, y


def check_accuracy(accuracy):
    """``accuracy(params, X, y)``: the fraction of examples with ``argmax_k o_k = y`` (a float in [0, 1])."""
    ex = "accuracy"
    params, X, y = _accuracy_problem()
    got, fb = attempt(ex, accuracy, params, X, y)
    if fb is not None:
        return fb
    o, _ = fprop(params, X)
    pred = np.argmax(o, axis=1)
    ref = float(np.mean(pred == y))
    arr = as_numbers(got)
    if arr is None or arr.size != 1:
        shape = None if arr is None else arr.shape
        hint = "take the mean over the examples: np.mean(pred == y)."
        if arr is not None and arr.shape == y.shape:
            return Feedback(ex, "wrong", f"you returned one value per example (shape {shape}), not one number.",
                            hint, "shape")
        return Feedback(ex, "wrong", f"expected one number, got {type(got).__name__} of shape {shape}.", hint, "shape")
    v = float(arr)
    if abs(v - ref) < 1e-9:
        return Feedback(ex, "correct", f"{ref:.0%} of these examples are classified right: accuracy = "
                        "(1/N) Σ_n [argmax_k o_k(x_n) = y_n].")
    p = softmax(o)
    fb = named_mistake(ex, v, [
        ("count", float(np.sum(pred == y)), f"{v:g} is the number of right answers, not the fraction.",
         "divide by the number of examples N (or use np.mean)."),
        ("percent", 100 * ref, f"{v:g} is a percentage; the check wants a fraction in [0, 1].", "drop the × 100."),
        ("error_rate", 1 - ref, f"{v:g} is the error rate (the fraction wrong).", "count where pred == y."),
        ("probabilities", float(np.mean(p[np.arange(len(y)), y])),
         f"{v:g} is the mean probability of the true class, not the accuracy.",
         "predict a class first: pred = argmax_k o_k, then compare with y."),
    ], _MISTAKE_RTOL)
    if fb is not None:
        return fb
    return Feedback(ex, "wrong", f"got {v:g}; expected {ref:g}.",
                    "pred = np.argmax(o, axis=1) (one class per row), then np.mean(pred == y).", "values")


# -- 08: binary codes -----------------------------------------------------------------------------
def _codes_problem():
    rng = np.random.default_rng(5)
    y = np.repeat(np.arange(3), 10)
    H = np.maximum(0, rng.standard_normal((30, 7)) + np.array([[1.5, -1.5, 0.3, 0, 0, 2, -0.2]]))
    H[y == 1, 1] = np.abs(H[y == 1, 1]) + 0.5          # unit 1 is on for class 1 only
    H[y == 1, 5] = 0.0                                 # unit 5 is off for class 1
    H[:, 6] = np.where(rng.random(30) < 0.15, 9.0, 0.0)  # unit 6: rarely on, but large when it is
    return H, y


def check_class_code(class_code):
    """``class_code(H, y, c, threshold)``: bool (U,), unit j on (h > 0) for more than ``threshold``
    of the examples of class c."""
    ex = "class_code"
    H, y = _codes_problem()
    c, th = 1, 0.5
    got, fb = attempt(ex, class_code, H.copy(), y.copy(), c, th)
    if fb is not None:
        return fb
    on = H > 0
    frac = on[y == c].mean(axis=0)
    ref = frac > th
    arr = as_numbers(got)
    if arr is None or arr.shape != ref.shape:
        shape = None if arr is None else arr.shape
        if arr is not None and arr.shape == (int(np.sum(y == c)),):
            return Feedback(ex, "wrong", f"you returned one value per example (shape {shape}); the code has one "
                            f"entry per unit ({ref.shape}).", "average over the examples: axis=0.", "axis")
        return Feedback(ex, "wrong", f"the code has shape {shape}; expected {ref.shape}, one entry per unit.",
                        "take the mean over axis 0 (the examples) of a (N_c, U) array.", "shape")
    if np.array_equal(arr.astype(bool), ref) and set(np.unique(arr)) <= {0.0, 1.0}:
        # a second class and threshold, so nothing is hard-coded
        got2, fb = attempt(ex, class_code, H.copy(), y.copy(), 2, 0.8)
        if fb is not None:
            return fb
        arr2 = as_numbers(got2)
        if arr2 is not None and np.array_equal(arr2.astype(bool), on[y == 2].mean(axis=0) > 0.8):
            return Feedback(ex, "correct", f"class {c}'s code is {''.join('1' if b else '0' for b in ref)}: the "
                            "units that are on for most of its examples.")
        return Feedback(ex, "wrong", "right for class 1 with threshold 0.5, wrong for class 2 with 0.8: is "
                        "something hard-coded?", "use the arguments c and threshold.", "hard_coded")
    fb = named_mistake(ex, arr, [
        ("fraction", frac, "you returned the fractions, not the 0/1 code.",
         "compare them with threshold: frac > threshold."),
        ("all_examples", (on.mean(axis=0) > th).astype(float),
         "this is the code of all the examples together, not of class c.", "keep the rows with y == c first."),
        ("mean_activation", (H[y == c].mean(axis=0) > th).astype(float),
         "you thresholded the mean activation; the code asks how often the unit is on (h > 0).",
         "(H[y == c] > 0).mean(axis=0) > threshold."),
        ("any_example", on[y == c].any(axis=0).astype(float),
         "a unit counts as on if it is on for even one example of the class.",
         "use the fraction of the class's examples, compared with threshold."),
    ], _MISTAKE_RTOL)
    if fb is not None:
        return fb
    return Feedback(ex, "wrong", "the code differs from the expected one at units "
                    f"{np.flatnonzero(arr.astype(bool) != ref).tolist()}.",
                    "(H[y == c] > 0).mean(axis=0) > threshold.", "values")


# -- 08: confusion matrix -------------------------------------------------------------------------
def check_confusion_matrix(confusion_matrix):
    """``confusion_matrix(y_true, y_pred, n_classes)``: (C, C) counts, ``M[i, j]`` = true i predicted j."""
    ex = "confusion_matrix"
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3])
    y_pred = np.array([0, 1, 0, 1, 2, 2, 2, 0, 2, 3])
    C = 4
    got, fb = attempt(ex, confusion_matrix, y_true.copy(), y_pred.copy(), C)
    if fb is not None:
        return fb
    ref = np.zeros((C, C))
    for t, p in zip(y_true, y_pred, strict=True):
        ref[t, p] += 1
    arr = as_numbers(got)
    if arr is None or arr.shape != ref.shape:
        shape = None if arr is None else arr.shape
        return Feedback(ex, "wrong", f"the matrix has shape {shape}; expected {ref.shape}.",
                        "np.zeros((n_classes, n_classes)), then add 1 at [true, predicted] for every example.",
                        "shape")
    if close(arr, ref, _RTOL):
        return Feedback(ex, "correct", f"{int(np.trace(ref))} of {len(y_true)} on the diagonal (right); "
                        "each off-diagonal count says which digit was taken for which.")
    fb = named_mistake(ex, arr, [
        ("transpose", ref.T, "rows and columns are swapped: your rows are the predicted classes.",
         "M[true, predicted] += 1: the row is the true class."),
        ("normalised", ref / ref.sum(axis=1, keepdims=True), "you divided every row by its total; the check "
         "wants the counts.", "leave the counts as they are."),
        ("normalised", ref / ref.sum(), "you divided by the number of examples; the check wants the counts.",
         "leave the counts as they are."),
    ], _MISTAKE_RTOL)
    if fb is not None:
        return fb
    return Feedback(ex, "wrong", f"the counts differ from the expected ones (their total is {arr.sum():g}, "
                    f"expected {len(y_true)}).", "add 1 at M[y_true[n], y_pred[n]] for every example n.", "values")
