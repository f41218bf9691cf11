"""Checks for the exercises of notebook 04 (wiggle).

Each ``check_*`` runs the student's function on fixed inputs against the reference and returns a
:class:`~nnbasics.exercises.feedback.Feedback`; it never raises. The wiggle exercises are about
cost, so the check counts the loss evaluations itself (it hands the student a loss function that
counts its calls and records what it saw). Mistake codes (``Feedback.mistake``):

    check_wiggle_one   'uphill' moved against the rule   'not_restored' the trial W + ε not undone
                       'no_compare' moved by +ε (or −ε) whatever the losses say   'step_size' moved by
                       another amount (a gradient step)   'ignored_eps' the same step whatever ε
                       'no_update' tried W + ε, undid it, never stepped   'copy' worked on a copy, so
                       the caller's weights never change   'no_calls' f never called
                       'others_changed' other entries moved   'extra_evals' more than 2 calls of f
                       'n_evals' the count returned is not the number of calls made
    check_wiggle_cost  'no_plus_one' |θ|, without L(θ) itself   'no_biases' the biases left out
                       'bias_size' N_{l−1} biases per layer instead of N_l   'two_per_entry' 2 per
                       entry   'units' the units counted, not the parameters   'missing_layer' a layer
                       left out   'hard_coded' right for one net only   'not_integer' not a whole number
                       'per_layer' one count per layer   'type' not a number
"""
import numpy as np

from .feedback import Feedback, as_numbers, attempt, checker

__all__ = ["check_wiggle_one", "check_wiggle_cost", "wiggle_cost_reference"]


# -- wiggle_one -------------------------------------------------------------------------------------
def _wiggle_case():
    """A loss of two arrays; at W1[0, 0] the rule steps up, at W1[1, 2] it steps down."""
    rng = np.random.default_rng(4)
    W = rng.standard_normal((2, 3))
    b = rng.standard_normal(3)
    target = W + rng.uniform(0.3, 0.8, W.shape) * rng.choice([-1, 1], W.shape)
    target[0, 0], target[1, 2] = W[0, 0] + 0.7, W[1, 2] - 0.4

    def f(p):
        return float(np.sum((p["W1"] - target) ** 2) + 0.5 * np.sum(p["b1"] ** 2))

    return f, {"W1": W, "b1": b}


_TRIALS = [((0, 0), 0.05), ((1, 2), 0.002)]   # index, ε: the rule steps +ε at the first, −ε at the second


class _CountingLoss:
    """Wraps f: counts calls and records, per call, the entry's value and whether it sat in ``array``."""

    def __init__(self, f, name, index, array):
        self.f, self.name, self.index, self.array = f, name, index, array
        self.seen = []          # (value of params[name][index], params[name] is the caller's array)

    def __call__(self, params):
        W = params[self.name]
        self.seen.append((float(np.asarray(W)[self.index]), W is self.array))
        return self.f(params)


def _wiggle_reference(f, params, name, index, eps):
    W = params[name]
    L0 = f(params)
    old = W[index]
    W[index] = old + eps
    L_plus = f(params)
    W[index] = old + eps * np.sign(L0 - L_plus)
    return 2


@checker("wiggle_one")
def check_wiggle_one(wiggle_one):
    """Check ``wiggle_one(f, params, name, index, eps) -> n_evals``: the slide's rule on one entry, in place.

        W_ij ← W_ij + ε · sgn( L(θ) − L(θ with W_ij + ε) )

    Two trials, one where the rule steps up and one where it steps down, with two different ε.
    """
    ex = "wiggle_one"
    f, start = _wiggle_case()
    runs = []
    for index, eps in _TRIALS:
        params = {k: v.copy() for k, v in start.items()}
        caller_W = params["W1"]
        loss = _CountingLoss(f, "W1", index, caller_W)
        n_returned, fb = attempt(ex, wiggle_one, loss, params, "W1", index, eps)
        if fb is not None:
            return fb
        ref = {k: v.copy() for k, v in start.items()}
        _wiggle_reference(f, ref, "W1", index, eps)
        runs.append(dict(index=index, eps=eps, params=params, caller_W=caller_W, loss=loss, n=n_returned,
                         step=ref["W1"][index] - start["W1"][index]))
    for r in runs:
        if not r["loss"].seen:
            return Feedback(ex, "wrong", "your function never called f: the rule compares two values of the loss.",
                            "evaluate L(θ), then L(θ with the entry raised by ε), and compare them.", "no_calls")
    for r in runs:
        new = np.asarray(r["params"]["W1"], dtype=float)
        others = np.ones(new.shape, bool)
        others[r["index"]] = False
        if new.shape != start["W1"].shape or not np.allclose(new[others], start["W1"][others], rtol=0, atol=1e-15) \
                or not np.array_equal(r["params"]["b1"], start["b1"]):
            return Feedback(ex, "wrong", f"entries other than W1{r['index']} changed.",
                            "change only the one entry params[name][index]; leave every other entry alone.",
                            "others_changed")
    moved = [float(np.asarray(r["params"]["W1"])[r["index"]] - start["W1"][r["index"]]) for r in runs]
    steps = [r["step"] for r in runs]
    eps = [r["eps"] for r in runs]

    def pattern(values):
        return all(np.isclose(m, v, rtol=1e-9, atol=1e-12) for m, v in zip(moved, values, strict=True))

    if pattern([0.0] * len(runs)):
        wiggled = [any(not np.isclose(v, start["W1"][r["index"]], rtol=0, atol=1e-15) for v, _ in r["loss"].seen)
                   for r in runs]
        in_caller = [any(same and not np.isclose(v, start["W1"][r["index"]], rtol=0, atol=1e-15)
                         for v, same in r["loss"].seen) for r in runs]
        if any(wiggled) and not any(in_caller):
            return Feedback(ex, "wrong", "params[name] is unchanged after your function returns: you wiggled a "
                            "copy (a .copy(), np.array(...) or a new dict), so f saw the trial but the caller's "
                            "weights never move.", "the rule changes the entry in place: work on the array "
                            "params[name] itself, not on a copy of it.", "copy")
        if any(wiggled):
            return Feedback(ex, "wrong", "you tried W + ε and put the entry back, but never made the step: the "
                            "entry ends where it started.", "after comparing the two losses, move the entry by "
                            "+ε or −ε.", "no_update")
        return Feedback(ex, "wrong", "the entry never changed, and f only ever saw it unchanged: the trial "
                        "W + ε is missing.", "raise the entry by ε, evaluate L again, compare with L(θ).",
                        "no_update")
    if pattern([-s for s in steps]):
        return Feedback(ex, "wrong", "the entry moved uphill: the loss went up.", "the rule is + ε · sgn(L(θ) − "
                        "L(θ with W + ε)): if raising the entry lowered the loss, keep going that way.", "uphill")
    if pattern([e + s for e, s in zip(eps, steps, strict=True)]):
        return Feedback(ex, "wrong", "after the trial L(θ with W + ε) the entry was not put back before the "
                        "update, so it moved by 2ε or 0 instead of ±ε.",
                        "remember the old value; the step starts from it, not from the trial value.",
                        "not_restored")
    if pattern(eps) or pattern([-e for e in eps]):
        return Feedback(ex, "wrong", f"the entry moved by {moved[0]:+g} and {moved[1]:+g}, the same direction in "
                        "both trials although the rule goes up in one and down in the other: the losses were not "
                        "compared.", "the direction is the sign of L(θ) − L(θ with W + ε).", "no_compare")
    sizes = [abs(m) for m in moved]
    if all(s > 0 for s in sizes) and np.isclose(sizes[0], sizes[1], rtol=1e-9):   # the ε differ 25-fold
        return Feedback(ex, "wrong", f"the entry moved by {sizes[0]:g} in both trials, but ε was {eps[0]:g} and "
                        f"{eps[1]:g}: the ε you were given is not used.", "step by the argument eps.", "ignored_eps")
    if not pattern(steps):
        r = next(i for i, (m, s) in enumerate(zip(moved, steps, strict=True)) if not np.isclose(m, s, rtol=1e-9))
        return Feedback(ex, "wrong", f"W1{runs[r]['index']} moved by {moved[r]:+.3g}; the slide's rule moves it by "
                        f"exactly ε = {eps[r]:g}, up or down.",
                        "only the sign of the loss difference matters, not its size.", "step_size")
    for r in runs:
        calls = len(r["loss"].seen)
        if calls > 2:
            return Feedback(ex, "wrong", f"the step is right, but f was called {calls} times; the rule needs only 2 "
                            "(L(θ) and L(θ with W + ε)), and every call is a forward pass over the data.",
                            "evaluate each of the two losses once and keep them in variables.", "extra_evals")
        n = as_numbers(r["n"])
        if n is None or n.shape != () or float(n) != calls:
            return Feedback(ex, "wrong", f"you return {r['n']!r}, but f was called {calls} times: the function must "
                            "return how many times it called f.", "count the calls of f you make, and return "
                            "that number.", "n_evals")
    return Feedback(ex, "correct", "one entry, two loss evaluations, a step of ε downhill. Now imagine doing this "
                    "for every one of the |θ| parameters.")


# -- wiggle_cost ------------------------------------------------------------------------------------
def wiggle_cost_reference(sizes):
    """Loss evaluations for one wiggle step of every parameter: |θ| + 1 (L(θ) once, then one per entry)."""
    return 1 + sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))


_COST_TRIALS = ([2, 16, 16, 3], [784, 100, 10], [5, 7], [3, 4, 6, 2, 5])


def _counts(sizes):
    L = range(1, len(sizes))
    weights = sum(sizes[l] * sizes[l - 1] for l in L)
    n_params = weights + sum(sizes[l] for l in L)
    return {"weights": weights, "n_params": n_params, "bias_in": weights + sum(sizes[l - 1] for l in L),
            "last_out": sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes) - 1))}


# (code, formula over _counts and sizes, message, hint): every formula must match on every trial
_COST_MISTAKES = [
    ("no_plus_one", lambda c, s: c["n_params"], "you count one evaluation per parameter, |θ| in all, but L(θ) "
     "itself is evaluated once too, to compare against.", "one evaluation per parameter, plus one."),
    ("no_biases", lambda c, s: c["weights"] + 1, "you count only the weights: every bias b_l is a parameter too.",
     "layer l has N_l · N_{l−1} weights and N_l biases."),
    ("no_biases", lambda c, s: c["weights"], "you count only the weights (and not L(θ) itself): every bias b_l is "
     "a parameter too.", "layer l has N_l · N_{l−1} weights and N_l biases; then add the one L(θ)."),
    ("bias_size", lambda c, s: c["bias_in"] + 1, "you give layer l N_{l−1} biases; it has one bias per unit, N_l.",
     "b_l has as many entries as layer l has units."),
    ("bias_size", lambda c, s: c["bias_in"], "you give layer l N_{l−1} biases (it has one per unit, N_l), and "
     "L(θ) itself is missing.", "b_l has as many entries as layer l has units; then add the one L(θ)."),
    ("two_per_entry", lambda c, s: 2 * c["n_params"] + 1, "you count two evaluations per parameter; the rule "
     "evaluates L(θ) once and then one trial per parameter.", "L(θ) is shared by all the trials."),
    ("two_per_entry", lambda c, s: 2 * c["n_params"], "you count two evaluations per parameter; the rule "
     "evaluates L(θ) once and then one trial per parameter.", "L(θ) is shared by all the trials."),
    ("units", lambda c, s: sum(s), "you counted the units of the layers, not the parameters.",
     "every weight W_l[i, j] and every bias b_l[i] is wiggled."),
    ("units", lambda c, s: sum(s) + 1, "you counted the units of the layers, not the parameters.",
     "every weight W_l[i, j] and every bias b_l[i] is wiggled."),
    ("missing_layer", lambda c, s: c["last_out"] + 1, "the last layer is missing from your count (does your loop "
     "stop one layer early?).", "layers l = 1 … L, each between sizes[l − 1] and sizes[l]."),
]


@checker("wiggle_cost")
def check_wiggle_cost(wiggle_cost):
    """Check ``wiggle_cost(sizes) -> int``: |θ| + 1 loss evaluations for a net with layer sizes ``sizes``."""
    ex = "wiggle_cost"
    answers = []
    for sizes in _COST_TRIALS:
        got, fb = attempt(ex, wiggle_cost, list(sizes))
        if fb is not None:
            return fb
        answers.append(got)
    for sizes, got in zip(_COST_TRIALS, answers, strict=True):
        a = None if isinstance(got, (str, bytes)) else as_numbers(got)
        if a is not None and a.shape == (len(sizes) - 1,):
            return Feedback(ex, "wrong", f"for {sizes} you return {len(sizes) - 1} numbers, one per layer; the "
                            "answer is one number.", "add up the layers, and count L(θ) once.", "per_layer")
        if a is None or a.shape != () or isinstance(got, (bool, np.bool_)):
            return Feedback(ex, "wrong", f"for {sizes} you return a {type(got).__name__}; the answer is one whole "
                            "number.", "return a count: an int.", "type")
        if not np.isfinite(a) or float(a) != np.round(float(a)):
            return Feedback(ex, "wrong", f"for {sizes} you return {float(a):g}, which is not a whole number: a "
                            "number of loss evaluations is a count.", "every quantity here is a count of entries: "
                            "products and sums of layer sizes, no division.", "not_integer")
    values = [int(round(float(g))) for g in answers]
    refs = [wiggle_cost_reference(s) for s in _COST_TRIALS]
    if values == refs:
        return Feedback(ex, "correct", "|θ| + 1 loss evaluations per wiggle step: a 784-100-10 net needs 79,511 "
                        "forward passes for one update.")
    for code, formula, message, hint in _COST_MISTAKES:
        if all(v == formula(_counts(s), s) for v, s in zip(values, _COST_TRIALS, strict=True)):
            return Feedback(ex, "wrong", message, hint, code)
    i = next(i for i, (v, r) in enumerate(zip(values, refs, strict=True)) if v != r)
    if i > 0:
        return Feedback(ex, "wrong", f"right for {list(_COST_TRIALS[0])}, but for {_COST_TRIALS[i]} you give "
                        f"{values[i]}; the answer is {refs[i]}. Is something fixed that should come from sizes?",
                        "compute the count from the argument sizes, for any number of layers.", "hard_coded")
    return Feedback(ex, "wrong", f"for {_COST_TRIALS[i]} you give {values[i]}; the answer is {refs[i]}.",
                    "count W_l (N_l × N_{l−1}) and b_l (N_l) for every layer, then add L(θ) itself.", "values")
