"""``check_*`` functions for the notebooks' "your turn" exercises.

Every check returns a :class:`~nnbasics.exercises.feedback.Feedback` that prints specific
feedback, never raises, and says plainly when an exercise is not attempted yet. Checks are
grouped by the notebooks that use them.
"""
from .backprop import (  # noqa: F401, I001  04-06
                       check_affine_bprop,
                       check_numerical_gradient,
                       check_rel_error,
                       check_relu_bprop,
                       check_softmax_loss_grad,
                       check_wiggle_cost,
                       check_wiggle_one,
)
from .feedback import Feedback, attempt

__all__ = ["Feedback", "attempt"]

# notebooks 00-03
from .forward import (  # noqa: E402, F401
                       check_collapse,
                       check_fprop,
                       check_kink,
                       check_layer_forward,
                       check_max_regions,
                       check_mse_loss,
                       check_nll,
                       check_one_hot,
                       check_softmax,
                       check_softmax_grad,
)

# notebooks 07-08
from .training import (  # noqa: E402, F401
                       check_accuracy,
                       check_class_code,
                       check_confusion_matrix,
                       check_momentum_step,
                       check_sgd_step,
)
