"""Checks for the exercises of notebook 07 (training).

Each ``check_*`` runs the student's function on fixed inputs against the reference and returns a
:class:`~nnbasics.exercises.feedback.Feedback`; it never raises. Mistake codes (``Feedback.mistake``):

    sgd_step(theta, grad, lr) -> theta               θ ← θ − η ∂L/∂θ
        'sign' (θ + η g)   'no_lr' (θ − g)   'step_only' (returned the step ±η g, not the new θ)
        'hard_coded_lr'   'shape'

    momentum_step(theta, delta, grad, lr, mu) -> (theta, delta)     Δ ← μΔ + ∂L/∂θ ; θ ← θ − ηΔ
        'delta_not_kept'   Δ ← ∂L/∂θ: the old Δ is dropped (that is plain SGD)
        'delta_not_updated' the Δ returned is the one passed in, so it never builds up
        'sign'             θ ← θ + ηΔ
        'mu_on_gradient'   Δ ← Δ + μ ∂L/∂θ (μ multiplies the gradient instead of Δ)
        'old_delta'        θ ← θ − ηΔ with the Δ from before this step's update
        'lr_in_delta'      Δ ← μΔ + η ∂L/∂θ, θ ← θ − Δ (same θ, but not the slide's Δ)
        'order'            returned (delta, theta)      'hard_coded_mu'   'hard_coded_lr'
        'return'           not a pair      'shape'

    accuracy(params, X, y) -> float in [0, 1]
        'count' (number right)  'percent' (× 100)  'error_rate' (1 − accuracy)
        'probabilities' (mean p of the true class)  'shape' (one value per example)
        'truncated' (rounded down to 0 by int() or //)  'axis' (argmax down the columns)
        'hard_coded'
"""
import numpy as np

from ..losses import softmax
from ..network import fprop, init_params
from .feedback import Feedback, as_numbers, attempt, checker, close, explain_error, named_mistake

__all__ = ["check_sgd_step", "check_momentum_step", "check_accuracy"]


# An update is a few flops, so a right answer matches the reference to round-off (1e-9); a named
# mistake is recognised a little more loosely (1e-7).
_RTOL = 1e-9
_MISTAKE_RTOL = 1e-7


def _problem(seed=0, n=5):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(n)
    grads = [rng.standard_normal(n) for _ in range(4)]
    return theta, grads


# -- SGD ------------------------------------------------------------------------------------------
@checker("sgd_step")
def check_sgd_step(sgd_step):
    """``sgd_step(theta, grad, lr)`` must return ``theta − lr · grad`` (θ ← θ − η ∂L/∂θ); η = 0.1, then 0.3."""
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
        ("no_lr", theta - g, "the step is the whole gradient: η is missing.", "scale the gradient by the "
         "learning rate η."),
        ("step_only", -lr * g, "you returned the step −η ∂L/∂θ, not the new θ.", "return the new θ: the old θ "
         "plus the step."),
        ("step_only", lr * g, "you returned η ∂L/∂θ, not the new θ.", "return the new θ: θ − η ∂L/∂θ."),
    ], _MISTAKE_RTOL)
    if fb is not None:
        return fb
    return Feedback(ex, "wrong", "the new θ is not θ − η ∂L/∂θ.", "θ ← θ − η ∂L/∂θ, element by element.",
                    "values")


# -- momentum -------------------------------------------------------------------------------------
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


class _Stop(Exception):
    def __init__(self, feedback):
        super().__init__(feedback.message)
        self.feedback = feedback


def _all_close(run, ref, rtol):
    return all(close(a[0], b[0], rtol) and close(a[1], b[1], rtol) for a, b in zip(run, ref, strict=True))


@checker("momentum_step")
def check_momentum_step(momentum_step):
    """``momentum_step(theta, delta, grad, lr, mu)`` must return ``(new_theta, new_delta)``:

        Δ ← μ Δ + ∂L/∂θ ;  θ ← θ − η Δ

    Checked over 4 steps, feeding back the Δ the function returns (so a Δ that is not kept
    between calls shows up); then again with μ = 0.5 and with η = 0.3, so neither can be hard-coded.
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
                                 "(new_theta, new_delta).", "return both: the new θ first, then the new Δ.",
                                 "return"))
        return out

    def run(lr_, mu_):
        return _momentum_run(student, theta, grads, lr_, mu_)

    try:
        got = run(lr, mu)
    except _Stop as stop:
        return stop.feedback
    except Exception as e:  # e.g. unpacking arrays of the wrong shape
        return Feedback(ex, "wrong", f"running 4 steps raised {type(e).__name__}: {e}",
                        "return arrays shaped like theta.", "raised", exception=e)
    ref = _momentum_run(_ref_momentum, theta, grads, lr, mu)
    for (th, d) in got:
        if th.shape != theta.shape or d.shape != theta.shape:
            return Feedback(ex, "wrong", f"θ has shape {th.shape} and Δ {d.shape}; expected {theta.shape} for both.",
                            "both are arrays shaped like theta.", "shape")
    if _all_close(got, ref, _RTOL):
        for lr2, mu2, code, what in ((lr, 0.5, "hard_coded_mu", "μ"), (0.3, mu, "hard_coded_lr", "η")):
            try:
                other = run(lr2, mu2)
            except _Stop as stop:
                return stop.feedback
            if not _all_close(other, _momentum_run(_ref_momentum, theta, grads, lr2, mu2), _RTOL):
                return Feedback(ex, "wrong", f"right for η = {lr}, μ = {mu}, but wrong for η = {lr2}, μ = {mu2}: "
                                f"is {what} hard-coded?", f"use the argument {'mu' if what == 'μ' else 'lr'}.", code)
        return Feedback(ex, "correct", "Δ ← μΔ + ∂L/∂θ ; θ ← θ − ηΔ: Δ remembers past gradients and "
                        "decays by μ per step.")
    if close(got[0][1], ref[0][0], _RTOL) and close(got[0][0], ref[0][1], _RTOL):      # the first step, swapped
        return Feedback(ex, "wrong", "θ and Δ are swapped in what you return.", "the new θ comes first, then the "
                        "new Δ.", "order")
    for code, wrong_step, msg, hint in _MOMENTUM_MISTAKES:
        if _all_close(got, _momentum_run(wrong_step, theta, grads, lr, mu), _MISTAKE_RTOL):
            return Feedback(ex, "wrong", msg, hint, code)
    first = next(i for i, (a, b) in enumerate(zip(got, ref, strict=True))
                 if not (close(a[0], b[0], _RTOL) and close(a[1], b[1], _RTOL)))
    what = "θ" if not close(got[first][0], ref[first][0], _RTOL) else "Δ"
    return Feedback(ex, "wrong", f"step {first + 1} gives the wrong {what}.",
                    "Δ ← μ Δ + ∂L/∂θ first, then θ ← θ − η Δ; return both.", "values")


# -- accuracy -------------------------------------------------------------------------------------
def _accuracy_problem():
    rng = np.random.default_rng(3)
    params = init_params([2, 5, 3], seed=4)
    X = rng.standard_normal((20, 2))
    o, _ = fprop(params, X)
    y = np.argmax(o, axis=1)
    flip = rng.choice(20, 7, replace=False)
    y[flip] = (y[flip] + 1) % 3                   # 13 of 20 right: accuracy 0.65
    return params, X, y


_ACC_HINT = "predict one class per example (the largest logit of its row), then the fraction that equal y."


@checker("accuracy")
def check_accuracy(accuracy):
    """``accuracy(params, X, y)``: the fraction of examples with ``argmax_k o_k = y`` (a float in [0, 1]).

    On 20 examples (13 right), then on the first 8 of them, so a number cannot be hard-coded.
    """
    ex = "accuracy"
    params, X, y = _accuracy_problem()
    got, fb = attempt(ex, accuracy, params, X.copy(), y.copy())
    if fb is not None:
        axis = explain_error(ex, fb, ["broadcast"], "the predictions have one entry per class, not one per example: "
                             "the argmax ran down the columns.", "o is (N, C), one row per example: take the "
                             "largest logit along axis 1.", "axis")
        return fb if axis is None else axis
    o, _ = fprop(params, X)
    pred = np.argmax(o, axis=1)
    ref = float(np.mean(pred == y))
    arr = as_numbers(got)
    if arr is None or arr.size != 1:
        shape = None if arr is None else arr.shape
        if arr is not None and arr.shape == y.shape:
            return Feedback(ex, "wrong", f"you returned one value per example (shape {shape}), not one number.",
                            "average over the examples.", "shape")
        return Feedback(ex, "wrong", f"expected one number, got {type(got).__name__} of shape {shape}.",
                        "average over the examples.", "shape")
    v = float(arr.ravel()[0])
    if abs(v - ref) < 1e-9:
        got2, fb = attempt(ex, accuracy, params, X[:8].copy(), y[:8].copy())
        if fb is not None:
            return fb
        ref2 = float(np.mean(pred[:8] == y[:8]))
        v2 = as_numbers(got2)
        if v2 is not None and v2.size == 1 and abs(float(v2.ravel()[0]) - ref2) < 1e-9:
            return Feedback(ex, "correct", f"{ref:.0%} of these examples are classified right: accuracy = "
                            "(1/N) Σ_n [argmax_k o_k(x_n) = y_n].")
        return Feedback(ex, "wrong", f"right for the 20 examples, but for the first 8 of them ({ref2:.1%} right) you "
                        f"return {got2!r}: is something fixed that should come from X and y?",
                        "compute everything from the arguments, for any N.", "hard_coded")
    p = softmax(o)
    fb = named_mistake(ex, v, [
        ("count", float(np.sum(pred == y)), f"{v:g} is the number of right answers, not the fraction.",
         "divide by the number of examples N."),
        ("percent", 100 * ref, f"{v:g} is a percentage; the check wants a fraction in [0, 1].", "drop the × 100."),
        ("error_rate", 1 - ref, f"{v:g} is the error rate (the fraction wrong).", "count the examples whose "
         "prediction equals the label."),
        ("probabilities", float(np.mean(p[np.arange(len(y)), y])),
         f"{v:g} is the mean probability of the true class, not the accuracy.",
         "predict a class first, argmax_k o_k, then compare with y."),
        ("truncated", 0.0, f"you return 0, but {ref:.0%} of the examples are right: the fraction was rounded down "
         "to a whole number (int(), or // between two whole numbers).", "divide with /, which keeps the fraction."),
    ], _MISTAKE_RTOL)
    if fb is not None:
        return fb
    return Feedback(ex, "wrong", f"got {v:g}; expected {ref:g}.", _ACC_HINT, "values")
