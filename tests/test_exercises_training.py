"""The checks of notebooks 07–08: each accepts the reference, names each mistake it lists (one
mutant per mistake), says "not attempted" for a stub, and never raises."""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.exercises import (
    check_accuracy,
    check_class_code,
    check_confusion_matrix,
    check_momentum_step,
    check_sgd_step,
)


def stub(*args):
    raise NotImplementedError


# -- references ------------------------------------------------------------------------------------
def sgd_step(theta, grad, lr):
    return theta - lr * grad


def momentum_step(theta, delta, grad, lr, mu):
    delta = mu * delta + grad
    return theta - lr * delta, delta


def accuracy(params, X, y):
    o, _ = nb.fprop(params, X)
    return np.mean(np.argmax(o, axis=1) == y)


def class_code(H, y, c, threshold):
    return (H[y == c] > 0).mean(axis=0) > threshold


def confusion_matrix(y_true, y_pred, n_classes):
    M = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        M[t, p] += 1
    return M


CHECKS = [(check_sgd_step, sgd_step), (check_momentum_step, momentum_step), (check_accuracy, accuracy),
          (check_class_code, class_code), (check_confusion_matrix, confusion_matrix)]


@pytest.mark.parametrize("check, ref", CHECKS, ids=[c.__name__ for c, _ in CHECKS])
def test_reference_is_correct_stub_is_not_attempted(check, ref):
    fb = check(ref)
    assert fb.status == "correct", str(fb)
    assert check(stub).status == "not attempted"
    assert check(lambda *a: None).status == "not attempted"
    assert "not attempted" in str(check(stub))


@pytest.mark.parametrize("check", [c for c, _ in CHECKS], ids=[c.__name__ for c, _ in CHECKS])
def test_a_crash_or_junk_is_reported_not_raised(check):
    def crash(*a):
        raise ZeroDivisionError("oops")
    fb = check(crash)
    assert fb.status == "wrong" and "ZeroDivisionError" in fb.message
    fb = check(lambda *a: "a string")
    assert fb.status == "wrong"


# -- one mutant per named mistake ---------------------------------------------------------------
SGD_MUTANTS = {
    "sign": lambda th, g, lr: th + lr * g,
    "no_lr": lambda th, g, lr: th - g,
    "step_only": lambda th, g, lr: -lr * g,
    "hard_coded_lr": lambda th, g, lr: th - 0.1 * g,
    "shape": lambda th, g, lr: (th - lr * g)[:-1],
}


@pytest.mark.parametrize("mistake", SGD_MUTANTS)
def test_sgd_step_names_the_mistake(mistake):
    fb = check_sgd_step(SGD_MUTANTS[mistake])
    assert fb.status == "wrong" and fb.mistake == mistake, str(fb)
    assert fb.hint


def _mom(update_delta, update_theta, returns=lambda th, d, d_old: (th, d)):
    def step(theta, delta, grad, lr, mu):
        d_new = update_delta(delta, grad, lr, mu)
        th_new = update_theta(theta, delta, d_new, lr)
        return returns(th_new, d_new, delta)
    return step


MOMENTUM_MUTANTS = {
    "delta_not_kept": _mom(lambda d, g, lr, mu: g, lambda th, d_old, d, lr: th - lr * d),
    "delta_not_updated": _mom(lambda d, g, lr, mu: mu * d + g, lambda th, d_old, d, lr: th - lr * d,
                              returns=lambda th, d, d_old: (th, d_old)),
    "sign": _mom(lambda d, g, lr, mu: mu * d + g, lambda th, d_old, d, lr: th + lr * d),
    "mu_on_gradient": _mom(lambda d, g, lr, mu: d + mu * g, lambda th, d_old, d, lr: th - lr * d),
    "old_delta": _mom(lambda d, g, lr, mu: mu * d + g, lambda th, d_old, d, lr: th - lr * d_old),
    "lr_in_delta": _mom(lambda d, g, lr, mu: mu * d + lr * g, lambda th, d_old, d, lr: th - d),
    "order": _mom(lambda d, g, lr, mu: mu * d + g, lambda th, d_old, d, lr: th - lr * d,
                  returns=lambda th, d, d_old: (d, th)),
    "hard_coded_mu": lambda th, d, g, lr, mu: momentum_step(th, d, g, lr, 0.9),
    "return": lambda th, d, g, lr, mu: th - lr * (mu * d + g),
    "shape": lambda th, d, g, lr, mu: (th[:2], d[:2]),
}


@pytest.mark.parametrize("mistake", MOMENTUM_MUTANTS)
def test_momentum_step_names_the_mistake(mistake):
    fb = check_momentum_step(MOMENTUM_MUTANTS[mistake])
    assert fb.status == "wrong" and fb.mistake == mistake, str(fb)
    assert fb.hint


def _acc_mutant(kind):
    def acc(params, X, y):
        o, _ = nb.fprop(params, X)
        pred = np.argmax(o, axis=1)
        return {"count": lambda: np.sum(pred == y), "percent": lambda: 100 * np.mean(pred == y),
                "error_rate": lambda: np.mean(pred != y), "shape": lambda: pred == y,
                "probabilities": lambda: np.mean(nb.softmax(o)[np.arange(len(y)), y])}[kind]()
    return acc


@pytest.mark.parametrize("mistake", ["count", "percent", "error_rate", "shape", "probabilities"])
def test_accuracy_names_the_mistake(mistake):
    fb = check_accuracy(_acc_mutant(mistake))
    assert fb.status == "wrong" and fb.mistake == mistake, str(fb)


CODE_MUTANTS = {
    "fraction": lambda H, y, c, t: (H[y == c] > 0).mean(axis=0),
    "all_examples": lambda H, y, c, t: (H > 0).mean(axis=0) > t,
    "mean_activation": lambda H, y, c, t: H[y == c].mean(axis=0) > t,
    "any_example": lambda H, y, c, t: (H[y == c] > 0).any(axis=0),
    "axis": lambda H, y, c, t: (H[y == c] > 0).mean(axis=1) > t,
    "shape": lambda H, y, c, t: (H > 0).mean(axis=1) > t,
    "hard_coded": lambda H, y, c, t: (H[y == 1] > 0).mean(axis=0) > 0.5,
}


@pytest.mark.parametrize("mistake", CODE_MUTANTS)
def test_class_code_names_the_mistake(mistake):
    fb = check_class_code(CODE_MUTANTS[mistake])
    assert fb.status == "wrong" and fb.mistake == mistake, str(fb)


CONFUSION_MUTANTS = {
    "transpose": lambda t, p, C: confusion_matrix(t, p, C).T,
    "normalised": lambda t, p, C: confusion_matrix(t, p, C) / confusion_matrix(t, p, C).sum(axis=1, keepdims=True),
    "shape": lambda t, p, C: confusion_matrix(t, p, C)[:-1],
    "values": lambda t, p, C: confusion_matrix(t, p, C) + np.eye(C, dtype=int),
}


@pytest.mark.parametrize("mistake", CONFUSION_MUTANTS)
def test_confusion_matrix_names_the_mistake(mistake):
    fb = check_confusion_matrix(CONFUSION_MUTANTS[mistake])
    assert fb.status == "wrong" and fb.mistake == mistake, str(fb)


def test_checks_do_not_modify_state_between_calls():
    # a student function that edits its inputs in place is still judged on what it returns
    def sgd_in_place(theta, grad, lr):
        theta -= lr * grad
        return theta
    assert check_sgd_step(sgd_in_place).status == "correct"

    def momentum_in_place(theta, delta, grad, lr, mu):
        delta *= mu
        delta += grad
        theta -= lr * delta
        return theta, delta
    assert check_momentum_step(momentum_in_place).status == "correct"
