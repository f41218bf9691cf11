"""``check_*`` functions for the notebooks' "your turn" exercises.

Every check returns a :class:`~nnbasics.exercises.feedback.Feedback` that prints specific
feedback, never raises, and says plainly when an exercise is not attempted yet. Checks are
grouped by the notebooks that use them.
"""
from .feedback import Feedback, attempt

__all__ = ["Feedback", "attempt"]
