"""How every exercise check talks to a student.

A check takes the student's function (or value), tries it on fixed inputs against the
reference, and returns a :class:`Feedback`, which prints itself in the notebook. It never
raises: an exercise still showing ``raise NotImplementedError`` (or returning None) is
"not attempted yet", and Run All goes on. A wrong answer names what is off — a shape, a
sign, a factor N, a transposition, the kink — and gives a hint.
"""
from dataclasses import dataclass

__all__ = ["Feedback", "attempt"]


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
    """
    if fn is None:
        return None, Feedback(exercise, "not attempted", "not attempted yet: fill in the cell above and run it.")
    try:
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
