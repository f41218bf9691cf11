"""Every bad input of issue 2 gets a ValueError/TypeError naming the argument and what it received.

One test per bad input; each asserts the error type and, with ``match``, that the message names
the argument and the value or shape it was given (and what was expected) — never a numpy
broadcasting accident, never a silent wrong answer.
"""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.layers import affine_bprop, affine_fprop, relu_bprop, relu_fprop, tanh_bprop, tanh_fprop


@pytest.fixture
def params():
    return nb.init_params([2, 3, 4], seed=0)


def zero_loss(p):
    return 0.0


# ----------------------------------------------------------------------------- inputs x

def test_wrong_feature_count(params):
    with pytest.raises(ValueError, match=r"^x has 3 features \(shape \(5, 3\)\); expected 2$"):
        nb.fprop(params, np.ones((5, 3)))


def test_wrong_feature_count_single_example(params):
    with pytest.raises(ValueError, match=r"^x has 3 features \(shape \(3,\)\); expected 2$"):
        nb.fprop(params, np.ones(3))


def test_column_vector_instead_of_one_example_gets_a_hint(params):
    with pytest.raises(ValueError, match=r"x has 1 features \(shape \(2, 1\)\); expected 2 \(a column vector\?"):
        nb.fprop(params, np.ones((2, 1)))


def test_3d_input(params):
    with pytest.raises(ValueError, match=r"x must be \(N, D\) .* got a 3-D array of shape \(4, 2, 2\)"):
        nb.fprop(params, np.ones((4, 2, 2)))


def test_empty_batch(params):
    with pytest.raises(ValueError, match=r"x is an empty batch \(shape \(0, 2\)\); expected at least one"):
        nb.fprop(params, np.ones((0, 2)))


def test_nan_input(params):
    with pytest.raises(ValueError, match=r"x contains NaN or inf \(first x\[1, 0\] = nan\); expected finite"):
        nb.fprop(params, np.array([[1.0, 2.0], [np.nan, 0.0]]))


def test_inf_input(params):
    with pytest.raises(ValueError, match=r"x contains NaN or inf \(first x\[1\] = -inf\)"):
        nb.fprop(params, np.array([1.0, -np.inf]))


def test_non_numeric_input(params):
    with pytest.raises(TypeError, match=r"x must be an array of numbers, got str"):
        nb.fprop(params, "1, 2")


# ----------------------------------------------------------------------------- logits o

def test_nan_logits():
    with pytest.raises(ValueError, match=r"o contains NaN or inf \(first o\[0, 1\] = nan\)"):
        nb.softmax_loss(np.array([[0.0, np.nan]]), np.array([0]))


def test_inf_logits_in_softmax():
    with pytest.raises(ValueError, match=r"o contains NaN or inf \(first o\[0\] = inf\)"):
        nb.softmax(np.array([np.inf, 0.0]))


def test_empty_batch_of_logits():
    with pytest.raises(ValueError, match=r"o is an empty batch \(shape \(0, 3\)\)"):
        nb.softmax_loss(np.zeros((0, 3)), np.zeros(0, dtype=int))


def test_empty_batch_in_softmax():
    with pytest.raises(ValueError, match=r"o is an empty batch \(shape \(0, 3\)\)"):
        nb.softmax(np.zeros((0, 3)))


def test_3d_logits():
    with pytest.raises(ValueError, match=r"o must be \(N, C\) logits .* got shape \(2, 3, 4\)"):
        nb.softmax_loss(np.zeros((2, 3, 4)), np.array([0, 1]))


# ----------------------------------------------------------------------------- labels y

def test_label_out_of_range():
    with pytest.raises(ValueError, match=r"y contains label 4; expected labels in 0\.\.3 for 4 classes"):
        nb.softmax_loss(np.zeros((3, 4)), np.array([0, 4, 1]))


def test_negative_label():
    with pytest.raises(ValueError, match=r"y contains label -1; expected labels in 0\.\.3"):
        nb.softmax_loss(np.zeros((3, 4)), np.array([0, -1, 1]))


def test_non_integer_label():
    with pytest.raises(ValueError, match=r"y must be whole numbers \(class indices\); got 1\.5$"):
        nb.softmax_loss(np.zeros((3, 4)), np.array([0.0, 1.5, 2.0]))


def test_string_labels():
    with pytest.raises(TypeError, match=r"y must be integer class labels, got dtype <U3"):
        nb.softmax_loss(np.zeros((2, 4)), ["cat", "dog"])


def test_boolean_labels():
    with pytest.raises(TypeError, match=r"y must be integer class labels, got dtype bool"):
        nb.softmax_loss(np.zeros((2, 4)), np.array([True, False]))


def test_wrong_label_count():
    with pytest.raises(ValueError, match=r"y has 2 labels; expected 3, one per example"):
        nb.softmax_loss(np.zeros((3, 4)), np.array([0, 1]))


def test_one_hot_labels_instead_of_class_indices():
    with pytest.raises(ValueError, match=r"y must be a 1-D array of class labels, got shape \(3, 4\)"):
        nb.softmax_loss(np.zeros((3, 4)), np.eye(4)[[0, 1, 2]])


def test_whole_float_labels_are_accepted():
    L, _ = nb.softmax_loss(np.zeros((3, 4)), np.array([0.0, 1.0, 3.0]))
    assert L == pytest.approx(np.log(4))


# ----------------------------------------------------------------------------- mse_loss

def test_mse_loss_mismatched_shapes():
    with pytest.raises(ValueError, match=r"pred has shape \(3, 2\) but target has shape \(3,\); expected the same"):
        nb.mse_loss(np.zeros((3, 2)), np.zeros(3))


def test_mse_loss_transposed_target():
    with pytest.raises(ValueError, match=r"pred has shape \(3, 2\) but target has shape \(2, 3\)"):
        nb.mse_loss(np.zeros((3, 2)), np.zeros((2, 3)))


# ----------------------------------------------------------------------------- upstream gradients

def test_bprop_upstream_gradient_of_the_wrong_shape(params):
    o, cache = nb.fprop(params, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"do has shape \(4, 3\); expected \(3, 4\), the shape of o"):
        nb.bprop(np.zeros((4, 3)), cache, params)


def test_bprop_upstream_gradient_batch_shape_for_a_single_example(params):
    o, cache = nb.fprop(params, np.ones(2))
    with pytest.raises(ValueError, match=r"do has shape \(1, 4\); expected \(4,\)"):
        nb.bprop(np.zeros((1, 4)), cache, params)


def test_bprop_upstream_gradient_with_nan(params):
    o, cache = nb.fprop(params, np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"do contains NaN or inf \(first do\[0, 2\] = nan\)"):
        nb.bprop(np.array([[0.0, 0.0, np.nan, 0.0]]), cache, params)


def test_affine_bprop_upstream_gradient_of_the_wrong_shape(params):
    _, cache = affine_fprop(np.ones((3, 2)), params["W1"], params["b1"])
    with pytest.raises(ValueError, match=r"dz has shape \(3, 4\); expected \(3, 3\)"):
        affine_bprop(np.zeros((3, 4)), cache)


def test_relu_bprop_upstream_gradient_of_the_wrong_shape():
    _, cache = relu_fprop(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"dh has shape \(4, 3\); expected \(3, 4\)"):
        relu_bprop(np.zeros((4, 3)), cache)


def test_tanh_bprop_upstream_gradient_of_the_wrong_shape():
    _, cache = tanh_fprop(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"dh has shape \(4,\); expected \(3, 4\)"):
        tanh_bprop(np.zeros(4), cache)


# ----------------------------------------------------------------------------- init_params

def test_init_params_with_one_size():
    with pytest.raises(ValueError, match=r"sizes must list at least two layer widths .*, got \[3\]"):
        nb.init_params([3])


def test_init_params_with_no_sizes():
    with pytest.raises(ValueError, match=r"sizes must list at least two layer widths .*, got \[\]"):
        nb.init_params([])


def test_init_params_with_a_zero_width():
    with pytest.raises(ValueError, match=r"sizes\[1\] is 0; every layer width must be at least 1"):
        nb.init_params([2, 0, 3])


def test_init_params_with_a_fractional_width():
    with pytest.raises(TypeError, match=r"sizes\[2\] must be a whole number, got 2\.5"):
        nb.init_params([2, 3, 2.5])


def test_init_params_with_a_number_instead_of_a_list():
    with pytest.raises(TypeError, match=r"sizes must be a list of layer widths .*, got 3"):
        nb.init_params(3)


# ----------------------------------------------------------------------------- eps, method, rel_error

@pytest.mark.parametrize("eps", [0, -1e-5])
def test_numerical_gradient_eps_not_positive(params, eps):
    with pytest.raises(ValueError, match=rf"eps must be a finite number > 0; got {eps!r}$"):
        nb.numerical_gradient(zero_loss, params, eps=eps)


@pytest.mark.parametrize("eps", [0, -1e-6])
def test_wiggle_step_eps_not_positive(params, eps):
    with pytest.raises(ValueError, match=rf"eps must be a finite number > 0; got {eps!r}$"):
        nb.wiggle_step(zero_loss, params, eps=eps)


@pytest.mark.parametrize("eps", [0.0, -1.0])
def test_grad_check_eps_not_positive(params, eps):
    with pytest.raises(ValueError, match=rf"eps must be a finite number > 0; got {eps!r}$"):
        nb.grad_check(zero_loss, params, params, eps=eps)


def test_numerical_gradient_unknown_method(params):
    with pytest.raises(ValueError, match=r"method must be 'central' or 'forward', got 'backward'"):
        nb.numerical_gradient(zero_loss, params, method="backward")


def test_grad_check_unknown_method(params):
    with pytest.raises(ValueError, match=r"method must be 'central' or 'forward', got 'centered'"):
        nb.grad_check(zero_loss, params, params, method="centered")


def test_rel_error_on_different_shapes():
    with pytest.raises(ValueError, match=r"a has shape \(3,\) but b has shape \(3, 1\); expected the same"):
        nb.rel_error(np.zeros(3), np.zeros((3, 1)))


def test_grad_check_keys_not_in_params(params):
    with pytest.raises(ValueError, match=r"keys names 'W9', which is not in params"):
        nb.grad_check(zero_loss, params, params, keys=["W9"])


def test_grad_check_grads_missing_a_parameter(params):
    with pytest.raises(ValueError, match=r"grads has no entry 'b1'"):
        nb.grad_check(zero_loss, params, {"W1": params["W1"]})


def test_loss_that_is_not_a_number(params):
    with pytest.raises(TypeError, match=r"f\(params\) must return the loss as one number, got ndarray"):
        nb.numerical_gradient(lambda p: np.ones(2), params)


# ----------------------------------------------------------------------------- optimisers

@pytest.mark.parametrize("opt", [nb.SGD, nb.Momentum])
def test_negative_learning_rate(opt):
    with pytest.raises(ValueError, match=r"lr \(the learning rate η\) must be a finite number > 0; got -0\.1"):
        opt(lr=-0.1)


@pytest.mark.parametrize("mu", [1.0, 1.5, -0.1])
def test_momentum_outside_zero_one(mu):
    with pytest.raises(ValueError, match=rf"mu \(the momentum μ\) must be a number in \[0, 1\), got {mu!r}"):
        nb.Momentum(lr=0.1, mu=mu)


def test_optimizer_step_with_a_gradient_of_the_wrong_shape(params):
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads["W1"] = grads["W1"].T
    with pytest.raises(ValueError, match=r"grads\['W1'\] has shape \(2, 3\) but params\['W1'\] has shape \(3, 2\)"):
        nb.SGD(lr=0.1).step(params, grads)


def test_optimizer_step_with_a_diverged_gradient(params):
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads["b2"][0] = np.inf
    with pytest.raises(ValueError, match=r"grads\['b2'\] contains NaN or inf: the loss has diverged"):
        nb.Momentum(lr=0.1).step(params, grads)


# ----------------------------------------------------------------------------- network

def test_unknown_activation(params):
    with pytest.raises(ValueError, match=r"activation must be one of \['relu', 'tanh'\], got 'sigmoid'"):
        nb.fprop(params, np.ones(2), activation="sigmoid")


def test_params_whose_shapes_do_not_chain(params):
    params["W2"] = np.zeros((4, 5))
    with pytest.raises(ValueError, match=r"params\['W2'\] takes 5 inputs but layer 1 has 3 units"):
        nb.fprop(params, np.ones(2))


def test_bias_of_the_wrong_shape(params):
    params["b1"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"params\['b1'\] has shape \(4,\); expected \(3,\)"):
        nb.fprop(params, np.ones(2))
