"""How every exercise check talks to a student.

A check takes the student's function (or value), tries it on fixed inputs against the
reference, and returns a :class:`Feedback`, which prints itself in the notebook. It never
raises: an exercise still showing ``raise NotImplementedError`` (or returning None) is
"not attempted yet", and Run All goes on. A wrong answer names what is off — a shape, a
sign, a factor N, a transposition, the kink — and gives a hint.
"""
from dataclasses import dataclass

import numpy as np

__all__ = ["Feedback", "attempt", "as_numbers", "close", "named_mistake", "compare", "verdict"]

RTOL = 1e-7


@dataclass
class Feedback:
    """Outcome of one check: ``status`` is 'correct', 'wrong' or 'not attempted'."""

    exercise: str
    status: str
    message: str = ""
    hint: str = ""
    mistake: str = ""  # a short code for the mistake recognised ('shape', 'sign', 'factor_N', ...)

    @property
    def passed(self):
        return self.status == "correct"

    def __bool__(self):
        return self.passed

    def __str__(self):
        icon = {"correct": "✅", "wrong": "❌", "not attempted": "✏️"}[self.status]
        text = f"{icon} {self.exercise}: {self.message}"
        if self.hint:
            text += f"\n   hint: {self.hint}"
        return text

    __repr__ = __str__

    def _repr_html_(self):
        colour = {"correct": "#1b7f3b", "wrong": "#b00020", "not attempted": "#555"}[self.status]
        hint = f"<br><i>hint:</i> {self.hint}" if self.hint else ""
        icon = {"correct": "✅", "wrong": "❌", "not attempted": "✏️"}[self.status]
        return (f"<div style='border-left:4px solid {colour};padding:4px 8px'>{icon} "
                f"<b>{self.exercise}</b>: {self.message}{hint}</div>")


def attempt(exercise, fn, *args):
    """Call the student's ``fn(*args)``.

    Returns ``(value, None)``, or ``(None, Feedback)`` when the exercise is not attempted yet
    (NotImplementedError, or ``None`` returned) or the function raised (named, with its message).

    Numpy's warnings are silenced: an overflow (say, a softmax without the max subtracted) is
    diagnosed from the value, not warned about.
    """
    if fn is None:
        return None, Feedback(exercise, "not attempted", "not attempted yet: fill in the cell above and run it.")
    try:
        with np.errstate(all="ignore"):
            value = fn(*args)
    except NotImplementedError:
        return None, Feedback(exercise, "not attempted", "not attempted yet: replace the "
                              "`raise NotImplementedError` with your code and run the cell.")
    except Exception as e:  # the student's code crashed: say how
        return None, Feedback(exercise, "wrong", f"your function raised {type(e).__name__}: {e}",
                              "run it on a small input and print the shapes of every array.", "raised")
    if value is None:
        return None, Feedback(exercise, "not attempted", "your function returned None: did you forget `return`?")
    return value, None


# -- comparing a student's value with the reference ---------------------------------------------
def as_numbers(value):
    """``value`` as a float array, or None when it is not numbers (a string, a dict, a ragged list)."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return None if a.dtype == object else a


def close(a, b, rtol=RTOL, floor=1.0):
    """a ≈ b: same shape, all finite, and ``max|a − b| ≤ rtol · max(floor, max|b|)`` (max-norm).

    With ``floor=1`` small values are compared absolutely (to ``rtol``); a tiny ``floor`` makes the
    comparison purely relative to the size of b (gradients divided by N are small).
    """
    a, b = as_numbers(a), np.asarray(b, dtype=float)
    if a is None or a.shape != b.shape or not np.all(np.isfinite(a)):
        return False
    return bool(np.max(np.abs(a - b), initial=0.0) <= rtol * max(floor, np.max(np.abs(b), initial=0.0)))


def named_mistake(exercise, got, mistakes, rtol=RTOL, floor=1.0):
    """Feedback for the first named mistake ``got`` equals, else None.

    ``mistakes``: ``[(code, wrong_value, message, hint), …]``; a wrong value may have another shape
    than the reference (a transposed or flattened array), and None is skipped.
    """
    for code, wrong, message, hint in mistakes:
        if wrong is not None and close(got, wrong, rtol, floor):
            return Feedback(exercise, "wrong", message, hint, code)
    return None


def compare(exercise, what, got, ref, mistakes=(), hint="", rtol=RTOL, floor=1.0, mistake_rtol=None):
    """Feedback for ``got`` (named ``what``) against ``ref``, or None when it is right.

    In order: not numbers ('type'); right (None); one of the named ``mistakes`` (compared with
    ``mistake_rtol``, by default ``rtol``); the transpose of ``ref`` ('transpose'); another shape
    ('shape'); nan or inf ('nonfinite'); else 'values', pointing at the entry that is most off.
    ``hint`` is the hint for the last four.
    """
    ref = np.asarray(ref, dtype=float)
    a = as_numbers(got)
    if a is None:
        return Feedback(exercise, "wrong", f"{what} is a {type(got).__name__}, not an array of numbers.",
                        "return a numpy array (or a float).", "type")
    if close(a, ref, rtol, floor):
        return None
    fb = named_mistake(exercise, a, mistakes, rtol if mistake_rtol is None else mistake_rtol, floor)
    if fb is not None:
        return fb
    if a.shape != ref.shape:
        if a.ndim == 2 and a.shape == ref.shape[::-1] and close(a.T, ref, rtol, floor):
            return Feedback(exercise, "wrong", f"{what} is transposed: shape {a.shape}, expected {ref.shape}.",
                            hint or "swap the order of the matrix product (or transpose it).", "transpose")
        return Feedback(exercise, "wrong", f"{what} has shape {a.shape}; expected {ref.shape}.",
                        hint or "print the shapes of the inputs and of your result.", "shape")
    if not np.all(np.isfinite(a)):
        return Feedback(exercise, "wrong", f"{what} contains nan or inf.",
                        hint or "look for a division by zero or an exp that overflows.", "nonfinite")
    err = np.abs(a - ref)
    if a.ndim == 0:
        return Feedback(exercise, "wrong", f"{what} is {float(a):.6g}; the answer is {float(ref):.6g}.",
                        hint or "work it out by hand from the formula, then compare with your code.", "values")
    i = tuple(int(j) for j in np.unravel_index(int(np.argmax(err)), err.shape))
    return Feedback(exercise, "wrong", f"{what} has the right shape {ref.shape} but wrong values: the largest "
                    f"difference is at {i}, where you have {a[i]:.6g} and the answer is {ref[i]:.6g}.",
                    hint or "work out that one entry by hand from the formula, then compare with your code.",
                    "values")


def verdict(fb, exercise, message):
    """The mistake found (``fb``), or 'correct' with ``message`` when there was none."""
    return fb if fb is not None else Feedback(exercise, "correct", message)
