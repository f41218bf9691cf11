"""How every exercise check talks to a student, and the comparison helpers all checks share.

A check takes the student's function, tries it on fixed inputs against the reference, and
returns a :class:`Feedback`, which prints itself in the notebook. Feedback is graded:

1. a wrong answer says *what* is off (a shape, a sign, a factor N, a transposition, the kink)
   and gives the *idea* of the fix in words and formulas — never the solution code;
2. from the second wrong answer to the same exercise on, it adds that the code is there on
   request;
3. the reference code appears only when asked for: ``check_x(fn, reveal=True)`` or
   ``solution("x")``.

A check never raises (every ``check_*`` is wrapped by :func:`checker`): an exercise still
showing ``raise NotImplementedError`` (or returning None) is "not attempted yet", a function
that crashes is named with its error, and Run All goes on.
"""
import functools
import html
import inspect
import traceback
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Feedback", "checker", "attempt", "as_numbers", "close", "named_mistake", "compare", "verdict",
           "raised_in", "reset_tries"]

RTOL = 1e-7
STATUSES = ("correct", "wrong", "not attempted")
_ICON = {"correct": "✅", "wrong": "❌", "not attempted": "✏️"}
_COLOUR = {"correct": "#1b7f3b", "wrong": "#b00020", "not attempted": "#555"}


@dataclass
class Feedback:
    """Outcome of one check: ``status`` is 'correct', 'wrong' or 'not attempted'.

    ``mistake`` is a short code for the mistake recognised ('shape', 'sign', 'factor_N', ...);
    ``solution`` holds the reference code only when the student asked for it (``reveal=True``).
    """

    exercise: str
    status: str
    message: str = ""
    hint: str = ""
    mistake: str = ""
    solution: str = ""
    check: str = ""      # the check and the function it was given, for the "still stuck?" line
    function: str = "your_function"
    tries: int = 0       # wrong answers to this exercise so far in this session
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"Feedback status must be one of {STATUSES}, got {self.status!r}")

    @property
    def passed(self):
        return self.status == "correct"

    def __bool__(self):
        return self.passed

    @property
    def stuck(self):
        """The pointer to the reference code, shown from the second wrong answer on (and not once shown)."""
        if self.status == "wrong" and self.tries >= 2 and not self.solution and self.check:
            return (f"still stuck? {self.check}({self.function}, reveal=True) shows a reference solution — try "
                    "the hint first.")
        return ""

    def __str__(self):
        text = f"{_ICON[self.status]} {self.exercise}: {self.message}"
        if self.hint:
            text += f"\n   hint: {self.hint}"
        if self.stuck:
            text += f"\n   {self.stuck}"
        if self.solution:
            text += "\n   a reference solution:\n" + "\n".join("      " + ln for ln in self.solution.splitlines())
        return text

    __repr__ = __str__

    def _repr_html_(self):
        esc = html.escape
        text = f"{_ICON[self.status]} <b>{esc(self.exercise)}</b>: {esc(self.message)}"
        if self.hint:
            text += f"<br><i>hint:</i> {esc(self.hint)}"
        if self.stuck:
            text += f"<br><i>{esc(self.stuck)}</i>"
        if self.solution:
            text += ("<br><i>a reference solution:</i><pre style='margin:4px 0'><code>"
                     f"{esc(self.solution)}</code></pre>")
        return f"<div style='border-left:4px solid {_COLOUR[self.status]};padding:4px 8px'>{text}</div>"


# -- the wrapper every check_* wears -------------------------------------------------------------
_WRONG_TRIES = Counter()


def reset_tries():
    """Forget how many wrong answers each exercise has had (tests; a fresh start)."""
    _WRONG_TRIES.clear()


def checker(exercise):
    """Decorate ``check(fn) -> Feedback`` as ``check(fn, reveal=False) -> Feedback`` that never raises.

    ``reveal=True`` attaches the reference code of ``exercise`` (see :mod:`.solutions`) whatever the
    outcome. An exception inside the check itself (most likely from a value it could not use) is
    reported as a wrong answer naming it; the try counter feeds the "still stuck?" line.
    """
    def wrap(check):
        sig = inspect.signature(check)

        @functools.wraps(check)
        def run(*args, reveal=False, **kwargs):
            fn = None
            try:
                fn, = sig.bind(*args, **kwargs).arguments.values()
            except TypeError as e:
                fb = Feedback(exercise, "wrong", f"{run.__name__} takes one thing, your function: {e}.",
                              f"call {run.__name__}(your_function).", "not_callable")
            else:
                try:
                    fb = check(fn)
                except Exception as e:  # noqa: BLE001 — a check never raises
                    fb = Feedback(exercise, "wrong", f"the check could not use what your function returned "
                                  f"({type(e).__name__}: {e}).", "return what the exercise asks for: the type and "
                                  "shape in the comment of its cell.", "unusable", exception=e)
            fb.check = run.__name__
            name = getattr(fn, "__name__", "") if callable(fn) else ""
            if name.isidentifier():
                fb.function = name
            if fb.status == "wrong" and fb.mistake != "not_callable":    # a wrong answer, not a wrong call
                _WRONG_TRIES[exercise] += 1
                fb.tries = _WRONG_TRIES[exercise]
            if reveal:
                from .solutions import reference_code
                fb.solution = reference_code(exercise)
            return fb
        run.exercise = exercise
        run.__signature__ = sig.replace(parameters=[
            *sig.parameters.values(), inspect.Parameter("reveal", inspect.Parameter.KEYWORD_ONLY, default=False)])
        run.__doc__ = (check.__doc__ or "").rstrip() + "\n\n    ``reveal=True`` also shows a reference solution.\n"
        return run
    return wrap


def attempt(exercise, fn, *args):
    """Call the student's ``fn(*args)``.

    Returns ``(value, None)``, or ``(None, Feedback)`` when the exercise is not attempted yet
    (NotImplementedError, or ``None`` returned), ``fn`` is not a function, or it raised (named, with
    its message; the exception is kept in ``Feedback.exception`` for checks that recognise it).

    Numpy's warnings are silenced: an overflow (say, a softmax without the max subtracted) is
    diagnosed from the value, not warned about.
    """
    if fn is None:
        return None, Feedback(exercise, "not attempted", "not attempted yet: fill in the cell above and run it.")
    if not callable(fn):
        return None, Feedback(exercise, "wrong", f"the check needs your function itself, but got a "
                              f"{type(fn).__name__}.", "pass the function's name without calling it: "
                              "check_x(my_function), not check_x(my_function(...)).", "not_callable")
    try:
        with np.errstate(all="ignore"):
            value = fn(*args)
    except NotImplementedError:
        return None, Feedback(exercise, "not attempted", "not attempted yet: replace the "
                              "`raise NotImplementedError` with your code and run the cell.")
    except Exception as e:  # the student's code crashed: say how
        return None, Feedback(exercise, "wrong", f"your function raised {type(e).__name__}: {e}",
                              "run it on a small input and print the shapes of every array.", "raised",
                              exception=e)
    if value is None:
        return None, Feedback(exercise, "not attempted", "your function returned None: did you forget `return`?")
    return value, None


def explain_error(exercise, fb, needles, explanation, hint, code):
    """When ``fb`` reports an error whose text contains one of ``needles`` (or any error, for
    ``needles=None``): a 'wrong' Feedback that quotes the error, then ``explanation``. Else None."""
    if fb is None or fb.mistake != "raised" or fb.exception is None:
        return None
    text = str(fb.exception).strip()
    if needles is not None and not any(n in text for n in needles):
        return None
    return Feedback(exercise, "wrong", f"your function raised {type(fb.exception).__name__} ({text}) — {explanation}",
                    hint, code, exception=fb.exception)


def raised_in(fb, functions, module="numpy"):
    """True when ``fb`` reports an exception raised inside one of ``functions`` of a ``module`` file."""
    if fb is None or fb.exception is None:
        return False
    frames = traceback.extract_tb(fb.exception.__traceback__)
    return any(fr.name in functions and module in fr.filename for fr in frames)


# -- comparing a student's value with the reference ---------------------------------------------
def as_numbers(value):
    """``value`` as a float array, or None when it is not real numbers (a string, a dict, a ragged list,
    complex numbers)."""
    try:
        raw = np.asarray(value)
        if raw.dtype.kind not in "biuf":      # bool, int, unsigned, float
            return None
        return raw.astype(float)
    except Exception:  # noqa: BLE001 — whatever numpy makes of it, it is not an array of numbers
        return None


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
