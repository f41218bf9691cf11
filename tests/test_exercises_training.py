"""Tables for the checks of notebooks 07-08: right variants pass, typical mistakes get their own message.

The case named in issue 10 is a row here: class_code with ``>= threshold`` (a unit sits exactly at the
threshold in both trials). Also: momentum with a hard-coded η, accuracy truncated by ``//``, the
confusion matrix sized by the labels seen or built with a non-accumulating ``M[y_true, y_pred] += 1``.
"""
import numpy as np
from test_exercises_table import Table, Wrong, table_tests

import nnbasics as nb
from nnbasics.exercises import (
    check_accuracy,
    check_class_code,
    check_confusion_matrix,
    check_momentum_step,
    check_sgd_step,
)


# -- 07 ---------------------------------------------------------------------------------------------
def sgd_new(theta, grad, lr):
    return theta - lr * grad


def sgd_in_place(theta, grad, lr):
    theta -= lr * grad
    return theta


def sgd_library(theta, grad, lr):
    params = {"theta": theta.copy()}
    nb.SGD(lr).step(params, {"theta": grad})
    return params["theta"]


SGD = Table(check_sgd_step, [sgd_new, sgd_in_place, sgd_library], [
    Wrong("uphill", lambda th, g, lr: th + lr * g, "sign", "uphill"),
    Wrong("no lr", lambda th, g, lr: th - g, "no_lr", "η is missing"),
    Wrong("the step", lambda th, g, lr: -lr * g, "step_only", "the step"),
    Wrong("+ the step", lambda th, g, lr: lr * g, "step_only", "not the new θ"),
    Wrong("lr = 0.1", lambda th, g, lr: th - 0.1 * g, "hard_coded_lr", "hard-coded"),
    Wrong("shape", lambda th, g, lr: (th - lr * g)[:-1], "shape", "shape"),
])


def momentum_new(theta, delta, grad, lr, mu):
    delta = mu * delta + grad
    return theta - lr * delta, delta


def momentum_in_place(theta, delta, grad, lr, mu):
    delta *= mu
    delta += grad
    theta -= lr * delta
    return theta, delta


def momentum_list(theta, delta, grad, lr, mu):
    new_delta = np.add(np.multiply(mu, delta), grad)
    return [np.subtract(theta, np.multiply(lr, new_delta)), new_delta]


def _mom(delta_rule, theta_rule, returns=lambda th, d, d_old: (th, d)):
    def step(theta, delta, grad, lr, mu):
        d_new = delta_rule(delta, grad, lr, mu)
        return returns(theta_rule(theta, delta, d_new, lr), d_new, delta)
    return step


MOMENTUM = Table(check_momentum_step, [momentum_new, momentum_in_place, momentum_list], [
    Wrong("Δ not kept", _mom(lambda d, g, lr, mu: g, lambda th, d0, d, lr: th - lr * d), "delta_not_kept",
          "plain SGD"),
    Wrong("old Δ returned", _mom(lambda d, g, lr, mu: mu * d + g, lambda th, d0, d, lr: th - lr * d,
                                 returns=lambda th, d, d0: (th, d0)), "delta_not_updated", "never builds up"),
    Wrong("uphill", _mom(lambda d, g, lr, mu: mu * d + g, lambda th, d0, d, lr: th + lr * d), "sign", "uphill"),
    Wrong("μ on the gradient", _mom(lambda d, g, lr, mu: d + mu * g, lambda th, d0, d, lr: th - lr * d),
          "mu_on_gradient", "μ multiplies the gradient"),
    Wrong("θ with the old Δ", _mom(lambda d, g, lr, mu: mu * d + g, lambda th, d0, d, lr: th - lr * d0),
          "old_delta", "old Δ"),
    Wrong("η inside Δ", _mom(lambda d, g, lr, mu: mu * d + lr * g, lambda th, d0, d, lr: th - d), "lr_in_delta",
          "includes η"),
    Wrong("(Δ, θ)", _mom(lambda d, g, lr, mu: mu * d + g, lambda th, d0, d, lr: th - lr * d,
                         returns=lambda th, d, d0: (d, th)), "order", "swapped"),
    Wrong("μ = 0.9", lambda th, d, g, lr, mu: momentum_new(th, d, g, lr, 0.9), "hard_coded_mu", "μ hard-coded"),
    Wrong("η = 0.1", lambda th, d, g, lr, mu: momentum_new(th, d, g, 0.1, mu), "hard_coded_lr", "η hard-coded"),
    Wrong("θ only", lambda th, d, g, lr, mu: th - lr * (mu * d + g), "return", "pair"),
    Wrong("shape", lambda th, d, g, lr, mu: (th[:2], d[:2]), "shape", "shape"),
])


def accuracy_mean(params, X, y):
    o, _ = nb.fprop(params, X)
    return np.mean(np.argmax(o, axis=1) == y)


def accuracy_count(params, X, y):
    right = 0
    for x_n, y_n in zip(X, y, strict=True):
        o, _ = nb.fprop(params, x_n[None, :])
        right += int(o[0].argmax() == y_n)
    return right / len(y)


def accuracy_predict(params, X, y):
    return float(np.sum(nb.predict(params, X) == y)) / y.size


def _acc(kind):
    def acc(params, X, y):
        o, _ = nb.fprop(params, X)
        pred = np.argmax(o, axis=1)
        return {"count": lambda: np.sum(pred == y), "percent": lambda: 100 * np.mean(pred == y),
                "error_rate": lambda: np.mean(pred != y), "shape": lambda: pred == y,
                "probabilities": lambda: np.mean(nb.softmax(o)[np.arange(len(y)), y]),
                "floor": lambda: np.sum(pred == y) // len(y), "axis": lambda: np.mean(np.argmax(o, axis=0) == y),
                "fixed": lambda: 0.65}[kind]()
    return acc


ACCURACY = Table(check_accuracy, [accuracy_mean, accuracy_count, accuracy_predict], [
    Wrong("count", _acc("count"), "count", "number of right answers"),
    Wrong("percent", _acc("percent"), "percent", "percentage"),
    Wrong("error rate", _acc("error_rate"), "error_rate", "error rate"),
    Wrong("per example", _acc("shape"), "shape", "one value per example"),
    Wrong("probabilities", _acc("probabilities"), "probabilities", "mean probability"),
    Wrong("// truncates", _acc("floor"), "truncated", "rounded down"),
    Wrong("argmax axis 0", _acc("axis"), "axis", "argmax ran down the columns"),
    Wrong("hard-coded 0.65", _acc("fixed"), "hard_coded", "first 8"),
    Wrong("rounded to 1 decimal", lambda params, X, y: round(accuracy_mean(params, X, y), 1), "values", "0.6"),
])


# -- 08 ---------------------------------------------------------------------------------------------
def code_mean(H, y, c, threshold):
    return (H[y == c] > 0).mean(axis=0) > threshold


def code_count(H, y, c, threshold):
    rows = H[y == c]
    return np.count_nonzero(rows > 0, axis=0) > threshold * len(rows)


def code_loop(H, y, c, threshold):
    out = []
    for j in range(H.shape[1]):
        on = [H[n, j] > 0 for n in range(len(y)) if y[n] == c]
        out.append(sum(on) / len(on) > threshold)
    return np.array(out)


CODE = Table(check_class_code, [code_mean, code_count, code_loop], [
    Wrong(">= threshold (issue 10)", lambda H, y, c, t: (H[y == c] > 0).mean(axis=0) >= t, "at_threshold",
          ("exactly 0.5", "more than")),
    Wrong("fractions", lambda H, y, c, t: (H[y == c] > 0).mean(axis=0), "fraction", "fractions"),
    Wrong("all classes", lambda H, y, c, t: (H > 0).mean(axis=0) > t, "all_examples", "all the examples"),
    Wrong("mean activation", lambda H, y, c, t: H[y == c].mean(axis=0) > t, "mean_activation",
          "mean activation"),
    Wrong("any example", lambda H, y, c, t: (H[y == c] > 0).any(axis=0), "any_example", "even one example"),
    Wrong("every example", lambda H, y, c, t: (H[y == c] > 0).all(axis=0), "every_example", "every example"),
    Wrong("h >= 0", lambda H, y, c, t: (H[y == c] >= 0).mean(axis=0) > t, "zero_on", "h ≥ 0"),
    Wrong("axis 1", lambda H, y, c, t: (H[y == c] > 0).mean(axis=1) > t, "axis", "one value per example"),
    Wrong("every example, axis 1", lambda H, y, c, t: (H > 0).mean(axis=1) > t, "shape", "shape"),
    Wrong("class 1, 0.5 hard-coded", lambda H, y, c, t: (H[y == 1] > 0).mean(axis=0) > 0.5, "hard_coded",
          "hard-coded"),
    Wrong("first ten rows", lambda H, y, c, t: (H[10 * c:10 * c + 10] > 0).mean(axis=0) > t, "values", "units"),
])


def confusion_loop(y_true, y_pred, n_classes):
    M = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        M[t, p] += 1
    return M


def confusion_add_at(y_true, y_pred, n_classes):
    M = np.zeros((n_classes, n_classes))
    np.add.at(M, (y_true, y_pred), 1)
    return M


def confusion_bincount(y_true, y_pred, n_classes):
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes ** 2).reshape(n_classes, n_classes)


def _fancy_plus_equals(y_true, y_pred, n_classes):
    M = np.zeros((n_classes, n_classes))
    M[y_true, y_pred] += 1
    return M


def _from_labels(y_true, y_pred, n_classes):
    k = max(y_true.max(), y_pred.max()) + 1
    return confusion_loop(y_true, y_pred, k)


CONFUSION = Table(check_confusion_matrix, [confusion_loop, confusion_add_at, confusion_bincount], [
    Wrong("transposed", lambda t, p, C: confusion_loop(t, p, C).T, "transpose", "swapped"),
    Wrong("M[y_true, y_pred] += 1", _fancy_plus_equals, "no_accumulate", "counted once"),
    Wrong("size from labels", _from_labels, "ignores_n_classes", "n_classes = 5"),
    Wrong("rows normalised", lambda t, p, C: confusion_loop(t, p, C) / np.maximum(
        confusion_loop(t, p, C).sum(axis=1, keepdims=True), 1), "normalised", "every row"),
    Wrong("fractions", lambda t, p, C: confusion_loop(t, p, C) / len(t), "normalised", "number of examples"),
    Wrong("one row short", lambda t, p, C: confusion_loop(t, p, C)[:-1], "shape", "shape"),
    Wrong("diagonal doubled", lambda t, p, C: confusion_loop(t, p, C) + np.eye(C, dtype=int), "values", "total"),
])

TABLES = [SGD, MOMENTUM, ACCURACY, CODE, CONFUSION]
test_right, test_wrong, test_rules, test_stub_and_crash = table_tests(TABLES)


def test_class_code_trials_sit_on_the_threshold():
    """The named case needs a unit whose fraction equals the threshold exactly, in floats."""
    from nnbasics.exercises.interpretation import _CODE_TRIALS, _codes_problem

    H, y = _codes_problem()
    for c, th in _CODE_TRIALS:
        frac = (H[y == c] > 0).mean(axis=0)
        assert np.any(frac == th), (c, th, frac)
        assert np.count_nonzero((H[y == c] > 0), axis=0).tolist().count(th * 10) >= 1
