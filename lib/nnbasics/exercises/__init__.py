"""``check_*`` functions for the notebooks' "your turn" exercises, and their reference solutions.

Every check returns a :class:`~nnbasics.exercises.feedback.Feedback` that prints specific
feedback, never raises, and says plainly when an exercise is not attempted yet. A wrong answer
gets a hint (the idea, no code); the code comes only on request: ``check_x(fn, reveal=True)``
or ``solution("x")``. One module per notebook (or two): forward (00-01), tiling (02),
softmax (03), wiggle (04), backprop (05), gradient_check (06), training (07),
interpretation (08), convolution (09); the comparison helpers all of them share are in ``feedback``.
"""
from .backprop import check_affine_bprop, check_relu_bprop, check_softmax_loss_grad
from .convolution import check_conv_entry, check_conv_output_size, check_maxpool_backward
from .feedback import Feedback, attempt, reset_tries
from .forward import check_fprop, check_layer_forward, check_mse_loss, check_one_hot
from .gradient_check import check_numerical_gradient, check_rel_error
from .interpretation import check_class_code, check_confusion_matrix
from .softmax import check_nll, check_softmax, check_softmax_grad
from .solutions import solution
from .tiling import check_collapse, check_kink, check_max_regions
from .training import check_accuracy, check_momentum_step, check_sgd_step
from .wiggle import check_wiggle_cost, check_wiggle_one

CHECKS = {
    "00": [check_one_hot, check_mse_loss],
    "01": [check_layer_forward, check_fprop],
    "02": [check_kink, check_collapse, check_max_regions],
    "03": [check_softmax, check_nll, check_softmax_grad],
    "04": [check_wiggle_one, check_wiggle_cost],
    "05": [check_relu_bprop, check_affine_bprop, check_softmax_loss_grad],
    "06": [check_numerical_gradient, check_rel_error],
    "07": [check_sgd_step, check_momentum_step, check_accuracy],
    "08": [check_class_code, check_confusion_matrix],
    "09": [check_conv_output_size, check_conv_entry, check_maxpool_backward],
}
"""Every check, by the notebook that uses it."""

__all__ = ["Feedback", "attempt", "reset_tries", "solution", "CHECKS"] + [
    c.__name__ for checks in CHECKS.values() for c in checks]
