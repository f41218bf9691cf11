"""The small convolutional network: its forward pass is the composition of the layers, its
backward pass passes the library's gradient check, and its training loop learns."""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.cnn import POOL, CNNTrainer, cnn_layers, cnn_search

ARCHS = [((2,), ()), ((2, 3), ()), ((3,), (5,)), ((2, 2), (4, 3))]


def problem(arch, N=4, side=8, seed=0):
    filters, hidden = arch
    params = nb.init_cnn(filters, hidden, image=(1, side, side), n_classes=3, seed=seed)
    rng = np.random.default_rng(seed + 1)
    return params, rng.standard_normal((N, 1, side, side)), rng.integers(0, 3, N)


@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_init_cnn_shapes_and_count(arch):
    params, _, _ = problem(arch)
    filters, hidden = arch
    B, L = cnn_layers(params)
    assert (B, L) == (len(filters), len(filters) + len(hidden) + 1)
    assert params["W1"].shape == (filters[0], 1, 3, 3)
    side = 8 // POOL ** len(filters)
    assert params[f"W{B + 1}"].shape[1] == filters[-1] * side * side
    assert nb.cnn_count_params(params) == sum(v.size for v in params.values())
    again = nb.init_cnn(filters, hidden, image=(1, 8, 8), n_classes=3, seed=0)
    assert all(np.array_equal(params[k], again[k]) for k in params)


@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_cnn_fprop_is_the_composition_of_the_layers(arch):
    params, x, _ = problem(arch)
    o, cache = nb.cnn_fprop(params, x)
    B, L = cnn_layers(params)
    h = x
    for l in range(1, B + 1):
        z, _ = nb.conv_fprop(h, params[f"W{l}"], params[f"b{l}"], pad=1)
        h, _ = nb.maxpool_fprop(nb.relu_fprop(z)[0], 2)
        np.testing.assert_allclose(cache[f"h{l}"], h, rtol=1e-12)
    h = h.reshape(len(x), -1)
    for l in range(B + 1, L + 1):
        z = h @ params[f"W{l}"].T + params[f"b{l}"]
        h = np.maximum(z, 0)
    np.testing.assert_allclose(o, z, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(nb.cnn_predict(params, x), np.argmax(o, axis=1))


def kink_pattern(x):
    """What switches when a ReLU crosses 0 or a window's max changes: those ±ε steps are not derivatives."""
    def pattern(p):
        _, cache = nb.cnn_fprop(p, x)
        parts = [cache[k] > 0 for k in cache if k[0] in "za" and k[1:].isdigit()]
        parts += [c[0] for name, c in cache["layers"].items() if name.startswith("pool")]
        return np.concatenate([np.ravel(a).astype(float) for a in parts])
    return pattern


@pytest.mark.parametrize("arch", ARCHS, ids=str)
def test_cnn_bprop_passes_grad_check(arch):
    params, x, y = problem(arch, seed=3)
    o, cache = nb.cnn_fprop(params, x)
    L, do = nb.softmax_loss(o, y)
    grads = nb.cnn_bprop(do, cache, params)
    for k, v in params.items():
        assert grads[k].shape == v.shape, k
    f = lambda p: nb.softmax_loss(nb.cnn_fprop(p, x)[0], y)[0]
    report = nb.grad_check(f, params, grads, eps=1e-6, tol=1e-7, pattern=kink_pattern(x))
    assert report.ok, str(report)
    assert report.max_error_away_from_kinks < 1e-7


def test_cnn_bprop_exposes_the_gradient_of_each_map():
    params, x, y = problem(((2,), ()), seed=4)
    o, cache = nb.cnn_fprop(params, x)
    _, do = nb.softmax_loss(o, y)
    g = nb.cnn_bprop(do, cache, params)
    np.testing.assert_array_equal(g["z1"], g["a1"] * (cache["z1"] > 0))             # through the ReLU
    assert np.count_nonzero(g["a1"]) <= g["h1"].size                                 # one arg-max per window
    assert g["a1"].sum() == pytest.approx(g["h1"].sum())


def test_cnn_bad_input_is_named():
    params, x, y = problem(((2,), ()))
    with pytest.raises(ValueError, match="as_images"):
        nb.cnn_fprop(params, x.reshape(4, 64))
    with pytest.raises(ValueError, match="W2 takes 32"):
        nb.cnn_fprop(params, np.zeros((2, 1, 6, 6)))
    with pytest.raises(ValueError, match="x has 2 channels"):
        nb.cnn_fprop(params, np.zeros((2, 2, 8, 8)))
    o, cache = nb.cnn_fprop(params, x)
    with pytest.raises(ValueError, match=r"do has shape \(4, 2\)"):
        nb.cnn_bprop(np.zeros((4, 2)), cache, params)
    with pytest.raises(TypeError, match="cnn_fprop"):
        nb.cnn_bprop(np.zeros((4, 3)), {"o": o}, params)
    with pytest.raises(ValueError, match="cannot halve"):
        nb.init_cnn((4, 4), image=(1, 6, 6))
    with pytest.raises(ValueError, match="kernel must be odd"):
        nb.init_cnn((4,), kernel=2)
    with pytest.raises(ValueError, match="filters\\[0\\] must be at least 1"):
        nb.init_cnn((0,))
    swapped = dict(params, W1=params["W2"], W2=params["W1"])
    with pytest.raises(ValueError, match="conv kernels .* must come first"):
        cnn_layers(swapped)


def digits(n_train=300, n_val=100, seed=0):
    X_tr, y_tr, X_va, y_va, X_te, y_te = nb.data.digits_split(seed)
    return (nb.as_images(X_tr[:n_train]), y_tr[:n_train], nb.as_images(X_va[:n_val]), y_va[:n_val])


def test_trainer_learns_the_digits_and_is_reproducible():
    X, y, Xv, yv = digits()
    seen = []
    tr = CNNTrainer(X, y, filters=(4,), seed=1, X_val=Xv, y_val=yv).fit(8, on_epoch=lambda t: seen.append(t.epoch))
    assert seen == list(range(1, 9))
    assert tr.history["train_loss"][-1] < 0.5 * tr.history["train_loss"][0]
    assert tr.val_acc() >= 0.8 and tr.history["val_acc"][-1] == tr.val_acc()
    again = CNNTrainer(X, y, filters=(4,), seed=1, X_val=Xv, y_val=yv).fit(8)
    assert all(np.array_equal(tr.params[k], again.params[k]) for k in tr.params)
    other = CNNTrainer(X, y, filters=(4,), seed=2, X_val=Xv, y_val=yv).fit(1)
    assert not np.array_equal(other.params["W1"], again.params["W1"])
    assert "filters=(4,)" in repr(tr)


def test_trainer_names_bad_input():
    X, y, Xv, yv = digits(40, 10)
    with pytest.raises(ValueError, match="images"):
        CNNTrainer(X.reshape(40, 64), y)
    with pytest.raises(ValueError, match="both X_val and y_val"):
        CNNTrainer(X, y, X_val=Xv)
    with pytest.raises(ValueError, match="X_val has images of shape"):
        CNNTrainer(X, y, X_val=Xv[:, :, :4, :4], y_val=yv)
    with pytest.raises(ValueError, match="y has 39 labels"):
        CNNTrainer(X, y[:39])
    with pytest.raises(ValueError, match="diverged"):
        CNNTrainer(X * 1e200, y, filters=(2,), lr=1.0).fit(3)


def test_search_picks_the_best_mean_validation_accuracy_and_never_sees_the_test_set():
    X, y, Xv, yv = digits(200, 80)
    calls = []
    res = cnn_search(X, y, Xv, yv, archs=[((1,), ()), ((6,), ())], seeds=(0, 1), epochs=4,
                     on_result=lambda i, n, arch, seed, acc: calls.append((i, n, arch, seed)))
    assert res.val_acc.shape == (2, 2) and len(calls) == 4 and calls[-1][:2] == (4, 4)
    best = int(np.argmax(res.mean_val_acc()))
    assert res.best == res.archs[best]
    for (arch, seed), tr in res.trainers.items():
        assert tr.history["val_acc"][-1] == res.val_acc[res.archs.index(arch), res.seeds.index(seed)]
    with pytest.raises(ValueError, match="archs is empty"):
        cnn_search(X, y, Xv, yv, archs=[])


def test_search_breaks_ties_by_fewer_parameters(monkeypatch):
    X, y, Xv, yv = digits(30, 10)
    monkeypatch.setattr(CNNTrainer, "val_acc", lambda self: 0.5)      # every network ties
    res = cnn_search(X, y, Xv, yv, archs=[((6,), ()), ((2,), ()), ((4,), ())], seeds=(0,), epochs=1)
    assert np.all(res.val_acc == 0.5) and res.best == ((2,), ())
