"""The exercise checks of notebooks 00-03 accept the reference and reject each mistake they name.

For every check: the reference solution is 'correct'; a stub that raises NotImplementedError
is 'not attempted'; and one mutant per named mistake is 'wrong' with that mistake's code.
"""
import numpy as np
import pytest

from nnbasics import exercises as ex


def _not_implemented(*args):
    raise NotImplementedError


def _stable(o):
    e = np.exp(o - o.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# -- reference solutions (as a student would write them) ----------------------------------------
def one_hot(y, C):
    Y = np.zeros((len(y), C))
    Y[np.arange(len(y)), y] = 1
    return Y


def mse(pred, target):
    return 0.5 * np.sum((pred - target) ** 2) / pred.shape[0]


def layer(x, W, b):
    return np.maximum(0, x @ W.T + b)


def forward(params, x):
    h1 = np.maximum(0, x @ params["W1"].T + params["b1"])
    h2 = np.maximum(0, h1 @ params["W2"].T + params["b2"])
    return h2 @ params["W3"].T + params["b3"]


def kink(w, b):
    return -b / w


def collapse(W1, b1, W2, b2):
    return W2 @ W1, W2 @ b1 + b2


def max_regions(n):
    return 1 + n + n * (n - 1) // 2


def softmax(o):
    return _stable(o)


def nll(p, y):
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def softmax_grad(o, y):
    p = _stable(o)
    p[y] -= 1
    return p


# -- mutants: one per named mistake ---------------------------------------------------------------
def _fprop_variant(relu_hidden=(True, True), relu_out=False, bias=True):
    def f(params, x):
        h = x
        for l in (1, 2, 3):
            z = h @ params[f"W{l}"].T + (params[f"b{l}"] if bias else 0)
            h = np.maximum(0, z) if (l < 3 and relu_hidden[l - 1]) or (l == 3 and relu_out) else z
        return h
    return f


def _naive_softmax(o):
    e = np.exp(o)
    return e / e.sum(axis=1, keepdims=True)


CASES = {
    ex.check_one_hot: (one_hot, [
        ("transpose", lambda y, C: one_hot(y, C).T),
        ("off_by_one", lambda y, C: np.eye(C + 1)[y + 1]),
        ("off_by_one", lambda y, C: np.eye(C)[y - 1]),
    ]),
    ex.check_mse_loss: (mse, [
        ("no_half", lambda p, t: np.sum((p - t) ** 2) / p.shape[0]),
        ("factor_N", lambda p, t: 0.5 * np.sum((p - t) ** 2)),
        ("sqrt", lambda p, t: np.sqrt(np.sum((p - t) ** 2) / p.shape[0])),
        ("mean_all", lambda p, t: 0.5 * np.mean((p - t) ** 2)),
    ]),
    ex.check_layer_forward: (layer, [
        ("no_relu", lambda x, W, b: x @ W.T + b),
        ("transpose", lambda x, W, b: np.maximum(0, x @ W + b)),
        ("no_bias", lambda x, W, b: np.maximum(0, x @ W.T)),
        ("relu_before_bias", lambda x, W, b: np.maximum(0, x @ W.T) + b),
        ("shape", lambda x, W, b: np.maximum(0, x @ W.T + b)[:, :3]),
    ]),
    ex.check_fprop: (forward, [
        ("output_relu", _fprop_variant(relu_out=True)),
        ("no_relu", _fprop_variant(relu_hidden=(False, False))),
        ("no_relu", _fprop_variant(relu_hidden=(False, True))),
        ("no_relu", _fprop_variant(relu_hidden=(True, False))),
        ("no_bias", _fprop_variant(bias=False)),
    ]),
    ex.check_kink: (kink, [
        ("sign", lambda w, b: b / w),
        ("inverted", lambda w, b: -w / b),
    ]),
    ex.check_collapse: (collapse, [
        ("order", lambda W1, b1, W2, b2: (W1 @ W2, W2 @ b1 + b2)),
        ("order", lambda W1, b1, W2, b2: (W1.T @ W2.T, W2 @ b1 + b2)),
        ("bias", lambda W1, b1, W2, b2: (W2 @ W1, b2)),
        ("bias", lambda W1, b1, W2, b2: (W2 @ W1, W2 @ b1)),
    ]),
    ex.check_max_regions: (max_regions, [
        ("no_one", lambda n: n + n * (n - 1) // 2),
        ("no_n", lambda n: 1 + n * (n - 1) // 2),
        ("n_squared", lambda n: 1 + n + n * n / 2),
        ("n_squared", lambda n: 1 + n + n * n),
    ]),
    ex.check_softmax: (softmax, [
        ("overflow", _naive_softmax),
        ("axis", lambda o: np.exp(o) / np.exp(o).sum(axis=0, keepdims=True)),
        ("unnormalised", lambda o: np.exp(o)),
        ("unnormalised", lambda o: np.exp(o - o.max(axis=1, keepdims=True))),
        ("global_max", lambda o: np.exp(o - o.max()) / np.exp(o - o.max()).sum(axis=1, keepdims=True)),
        ("keepdims", lambda o: np.exp(o - o.max(axis=1)) / np.exp(o - o.max(axis=1)).sum(axis=1, keepdims=True)),
    ]),
    ex.check_nll: (nll, [
        ("sign", lambda p, y: np.mean(np.log(p[np.arange(len(y)), y]))),
        ("factor_N", lambda p, y: -np.sum(np.log(p[np.arange(len(y)), y]))),
        ("all_classes", lambda p, y: -np.sum(np.log(p), axis=1).mean()),
        ("all_classes", lambda p, y: -np.mean(np.log(p))),
        ("wrong_index", lambda p, y: -np.mean(np.log(p[:, y]))),
    ]),
    ex.check_softmax_grad: (softmax_grad, [
        ("sign", lambda o, y: -softmax_grad(o, y)),
        ("missing_y", lambda o, y: _stable(o)),
        ("no_softmax", lambda o, y: o - np.eye(len(o))[y]),
    ]),
}

CHECKS = list(CASES)
IDS = [c.__name__ for c in CHECKS]
MUTANTS = [(check, code, fn) for check, (_, muts) in CASES.items() for code, fn in muts]
MUTANT_IDS = [f"{c.__name__}-{code}-{i}" for i, (c, code, _) in enumerate(MUTANTS)]


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_reference_is_correct(check):
    fb = check(CASES[check][0])
    assert fb.status == "correct", str(fb)
    assert fb.passed and bool(fb)


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_stub_is_not_attempted(check):
    fb = check(_not_implemented)
    assert fb.status == "not attempted", str(fb)
    assert "not attempted" in str(fb)
    fb_none = check(lambda *a: None)
    assert fb_none.status == "not attempted"


@pytest.mark.parametrize("check,code,mutant", MUTANTS, ids=MUTANT_IDS)
def test_each_named_mistake_is_recognised(check, code, mutant):
    fb = check(mutant)
    assert fb.status == "wrong", str(fb)
    assert fb.mistake == code, f"expected mistake {code!r}, got {fb.mistake!r}: {fb}"
    assert fb.message and fb.hint, "a wrong answer says what is off and gives a hint"


@pytest.mark.parametrize("check", CHECKS, ids=IDS)
def test_a_crash_is_reported_not_raised(check):
    def crashes(*args):
        raise KeyError("oops")

    fb = check(crashes)
    assert fb.status == "wrong"
    assert "KeyError" in fb.message


def test_every_named_mistake_has_a_mutant():
    """The module docstring's list of mistake codes is what the tests exercise."""
    import nnbasics.exercises.forward as mod

    for check, (_, muts) in CASES.items():
        codes = {c for c, _ in muts}
        line = [ln for ln in mod.__doc__.splitlines() if check.__name__ in ln]
        assert line, f"{check.__name__} is not in the module docstring"
        for code in codes:
            assert f"'{code}'" in mod.__doc__, code


def test_feedback_prints_in_a_notebook():
    fb = ex.check_softmax(_naive_softmax)
    assert "overflow" in fb._repr_html_() or "inf" in fb._repr_html_()
    assert str(fb).startswith("❌")
