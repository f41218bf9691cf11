"""Checks for the exercises of notebook 08 (interpretation).

Each ``check_*`` runs the student's function on fixed inputs against the reference and returns a
:class:`~nnbasics.exercises.feedback.Feedback`; it never raises. Mistake codes (``Feedback.mistake``):

    class_code(H, y, c, threshold) -> bool (U,)      unit j on for more than ``threshold`` of class c
        'at_threshold' (≥ instead of >: a unit on for exactly that fraction counts)
        'all_examples' (every class, not just c)   'mean_activation' (mean h > threshold)
        'fraction' (the fractions, not 0/1)        'axis' (one value per example)
        'any_example' (on for at least one example)   'every_example' (on for all of them)
        'zero_on' (h ≥ 0, always true after a ReLU)   'shape'   'hard_coded'

    confusion_matrix(y_true, y_pred, n_classes) -> (C, C) counts, rows = true class
        'transpose' (rows = predicted)   'normalised' (fractions)   'no_accumulate' (M[y_true, y_pred] += 1
        counts a repeated pair once)   'ignores_n_classes' (size from the labels seen)   'shape'   'values'
"""
import numpy as np

from ..interpret import confusion_matrix as confusion_matrix_reference
from .feedback import Feedback, as_numbers, attempt, checker, close, named_mistake

__all__ = ["check_class_code", "check_confusion_matrix"]

_MISTAKE_RTOL = 1e-7

# how many of the 10 examples of each class have each of the 8 units on
_ON_COUNTS = np.array([[10, 2, 7, 5, 0, 9, 1, 4],
                       [10, 5, 3, 6, 0, 9, 1, 4],     # class 1, threshold 0.5: unit 1 sits exactly at it
                       [8, 9, 10, 2, 5, 0, 7, 3]])    # class 2, threshold 0.8: unit 0 sits exactly at it
_CODE_TRIALS = [(1, 0.5), (2, 0.8)]


def _codes_problem():
    """H (30, 8) after a ReLU, labels y (30,) in shuffled order; the fractions k/10 are exact in floats."""
    rng = np.random.default_rng(5)
    y = rng.permutation(np.repeat(np.arange(3), 10))
    H = np.zeros((30, 8))
    for c in range(3):
        rows = np.flatnonzero(y == c)
        for j in range(8):
            on = rng.choice(rows, _ON_COUNTS[c, j], replace=False)
            H[on, j] = rng.uniform(0.5, 1.5, len(on))
    H[:, 3] *= 0.2         # often on, but weakly: the mean activation stays small
    H[:, 6] *= 9.0         # rarely on, but strongly: the mean activation is large
    return H, y


def _code_mistakes(H, y, c, th):
    on = H > 0
    frac = on[y == c].mean(axis=0)
    return [
        ("at_threshold", frac >= th, f"a unit on for exactly {th:g} of the class's examples counts as on in your "
         "code; the task says more than the threshold.", "use a strict comparison."),
        ("fraction", frac, "you returned the fractions, not the 0/1 code.", "compare the fractions with the "
         "threshold."),
        ("all_examples", on.mean(axis=0) > th, "this is the code of all the examples together, not of class c.",
         "keep only the rows whose label is c first."),
        ("mean_activation", H[y == c].mean(axis=0) > th, "you thresholded the mean activation; the code asks how "
         "often the unit is on (h > 0).", "first turn H into on/off (h > 0), then take the fraction."),
        ("any_example", on[y == c].any(axis=0), "a unit counts as on if it is on for even one example of the class.",
         "use the fraction of the class's examples, compared with the threshold."),
        ("every_example", on[y == c].all(axis=0), "a unit counts as on only if it is on for every example of the "
         "class.", "use the fraction of the class's examples, compared with the threshold."),
        ("zero_on", (H[y == c] >= 0).mean(axis=0) > th, "every unit comes out on: after a ReLU h ≥ 0 is always "
         "true; a unit is on when h > 0.", "on means h > 0, strictly."),
    ]


@checker("class_code")
def check_class_code(class_code):
    """``class_code(H, y, c, threshold)``: bool (U,), unit j on (h > 0) for more than ``threshold``
    of the examples of class c. Two trials (class 1, 0.5 and class 2, 0.8), each with a unit exactly at
    the threshold."""
    ex = "class_code"
    H, y = _codes_problem()
    answers = []
    for t, (c, th) in enumerate(_CODE_TRIALS):
        got, fb = attempt(ex, class_code, H.copy(), y.copy(), c, th)
        if fb is not None:
            return fb
        frac = (H[y == c] > 0).mean(axis=0)
        ref = frac > th
        arr = as_numbers(got)
        if arr is None or arr.shape != ref.shape:
            shape = None if arr is None else arr.shape
            if arr is not None and arr.shape == (int(np.sum(y == c)),):
                return Feedback(ex, "wrong", f"you returned one value per example (shape {shape}); the code has one "
                                f"entry per unit (shape {ref.shape}).", "average over the examples, axis 0.", "axis")
            return Feedback(ex, "wrong", f"the code has shape {shape}; expected {ref.shape}, one entry per unit.",
                            "one entry per unit: the fraction over the class's examples (axis 0).", "shape")
        answers.append(arr)
        if np.array_equal(arr.astype(bool), ref) and set(np.unique(arr)) <= {0.0, 1.0}:
            continue
        if t > 0:
            if np.array_equal(answers[0], arr):
                return Feedback(ex, "wrong", f"right for class {_CODE_TRIALS[0][0]} with threshold "
                                f"{_CODE_TRIALS[0][1]}, but the same answer for class {c} with {th}: is something "
                                "hard-coded?", "use the arguments c and threshold.", "hard_coded")
        fb = named_mistake(ex, arr, [(code, np.asarray(v, dtype=float), m, h)
                                     for code, v, m, h in _code_mistakes(H, y, c, th)], _MISTAKE_RTOL)
        if fb is not None:
            return fb
        return Feedback(ex, "wrong", f"for class {c} with threshold {th} the code differs from the expected one at "
                        f"units {np.flatnonzero(arr.astype(bool) != ref).tolist()}.",
                        "for each unit: the fraction of class c's examples where h > 0, then more than threshold.",
                        "values")
    code = "".join("1" if b else "0" for b in (H[y == 1] > 0).mean(axis=0) > 0.5)
    return Feedback(ex, "correct", f"class 1's code is {code}: the units that are on for more than half of its "
                    "examples (and a unit on for exactly half does not count).")


# -- confusion matrix -------------------------------------------------------------------------------
_CONFUSION_TRIALS = [
    (np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3]), np.array([0, 1, 0, 1, 2, 2, 2, 0, 2, 3]), 4),   # repeated pairs
    (np.array([0, 1, 1, 2, 0, 2]), np.array([0, 1, 2, 2, 0, 0]), 5),                             # classes 3, 4 unseen
]


@checker("confusion_matrix")
def check_confusion_matrix(confusion_matrix):
    """``confusion_matrix(y_true, y_pred, n_classes)``: (C, C) counts, ``M[i, j]`` = true i predicted j."""
    ex = "confusion_matrix"
    for y_true, y_pred, C in _CONFUSION_TRIALS:
        got, fb = attempt(ex, confusion_matrix, y_true.copy(), y_pred.copy(), C)
        if fb is not None:
            return fb
        ref = confusion_matrix_reference(y_true, y_pred, C)
        arr = as_numbers(got)
        if arr is None:
            return Feedback(ex, "wrong", f"the result is a {type(got).__name__}, not an array of counts.",
                            "return a (n_classes, n_classes) array.", "shape")
        if close(arr, ref, 1e-9):
            continue
        seen = max(y_true.max(), y_pred.max()) + 1
        if arr.shape == (seen, seen) and seen != C:
            return Feedback(ex, "wrong", f"your matrix is {arr.shape}: sized by the labels seen, but n_classes = {C} "
                            f"(classes {list(range(seen, C))} have no example here).", "the size comes from the "
                            "argument n_classes.", "ignores_n_classes")
        if arr.shape != ref.shape:
            return Feedback(ex, "wrong", f"the matrix has shape {arr.shape}; expected {ref.shape}.",
                            "an (n_classes, n_classes) array of zeros, then one count per example.", "shape")
        once = np.zeros((C, C))
        once[y_true, y_pred] = 1
        fb = named_mistake(ex, arr, [
            ("transpose", ref.T, "rows and columns are swapped: your rows are the predicted classes.",
             "M[true, predicted]: the row is the true class."),
            ("no_accumulate", once, "a pair (true, predicted) that occurs several times is counted once: with "
             "index arrays, M[y_true, y_pred] += 1 adds 1 only once per distinct pair.",
             "add the examples one by one (a loop), or use np.add.at, which accumulates repeats."),
            ("normalised", ref / np.maximum(ref.sum(axis=1, keepdims=True), 1), "you divided every row by its total; "
             "the check wants the counts.", "leave the counts as they are."),
            ("normalised", ref / ref.sum(), "you divided by the number of examples; the check wants the counts.",
             "leave the counts as they are."),
        ], _MISTAKE_RTOL)
        if fb is not None:
            return fb
        return Feedback(ex, "wrong", f"the counts differ from the expected ones (their total is {arr.sum():g}, "
                        f"expected {len(y_true)}).", "add 1 at [true class, predicted class] for every example.",
                        "values")
    ref = confusion_matrix_reference(*_CONFUSION_TRIALS[0])
    return Feedback(ex, "correct", f"{int(np.trace(ref))} of {len(_CONFUSION_TRIALS[0][0])} on the diagonal "
                    "(right); each off-diagonal count says which class was taken for which.")
