"""nnbasics.landscape: θ as a vector, K networks at once, the loss along a weight and on a plane,
and full-batch optimiser paths — each checked against fprop/bprop/softmax_loss network by network."""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.landscape import (
    flatten,
    full_batch_paths,
    loss_along,
    loss_on_plane,
    param_names,
    path_plane,
    stack,
    stacked_bprop,
    stacked_fprop,
    stacked_softmax_loss,
    unflatten,
)

SIZES = [[2, 5, 3], [2, 6, 5, 3], [3, 4, 4, 4, 2]]


def _data(D, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((17, D)), rng.integers(0, 2, 17)


def test_flatten_unflatten_and_param_names_share_one_order():
    p = nb.init_params([2, 3, 2], seed=0)
    th = flatten(p)
    assert th.shape == (nb.count_params(p),) == (2 * 3 + 3 + 3 * 2 + 2,)
    back = unflatten(th, p)
    for k in p:
        np.testing.assert_array_equal(back[k], p[k])
    names = param_names(p)
    assert len(names) == len(th)
    assert names[0] == ("W1", (0, 0)) and names[6] == ("b1", (0,)) and names[-1] == ("b2", (1,))
    assert [p[k][i] for k, i in names] == th.tolist()
    with pytest.raises(ValueError, match=r"theta has shape \(5,\); expected \(17,\)"):
        unflatten(np.zeros(5), p)


@pytest.mark.parametrize("sizes", SIZES)
def test_stacked_passes_equal_fprop_softmax_loss_and_bprop_network_by_network(sizes):
    p = nb.init_params(sizes, seed=1)
    X, y = _data(sizes[0])
    rng = np.random.default_rng(3)
    thetas = flatten(p)[None] + 0.3 * rng.standard_normal((4, nb.count_params(p)))
    st = stack(thetas, p)
    o, cache = stacked_fprop(st, X)
    L, do = stacked_softmax_loss(o, y)
    g = stacked_bprop(do, cache, st)
    for k in range(4):
        pk = unflatten(thetas[k], p)
        ok, ck = nb.fprop(pk, X)
        Lk, dok = nb.softmax_loss(ok, y)
        np.testing.assert_allclose(o[k], ok, rtol=0, atol=1e-13)
        assert L[k] == pytest.approx(Lk, abs=1e-13)
        np.testing.assert_allclose(g[k], flatten(nb.bprop(dok, ck, pk)), rtol=0, atol=1e-13)


def test_stacked_softmax_loss_rejects_labels_out_of_range():
    with pytest.raises(ValueError, match=r"y must hold 2 labels in 0\.\.2"):
        stacked_softmax_loss(np.zeros((1, 2, 3)), np.array([0, 3]))


@pytest.mark.parametrize("sizes", SIZES)
def test_loss_along_a_weight_equals_the_loss_with_that_weight_changed(sizes):
    p = nb.init_params(sizes, seed=2)
    X, y = _data(sizes[0], seed=1)
    deltas = np.linspace(-1.5, 1.5, 7)
    rng = np.random.default_rng(0)
    names = param_names(p)
    for n in rng.choice(len(names), 8, replace=False):
        key, idx = names[n]
        got = loss_along(p, X, y, key, idx, deltas)
        for d, L in zip(deltas, got, strict=True):
            q = {k: v.copy() for k, v in p.items()}
            q[key][idx] += d
            assert L == pytest.approx(nb.softmax_loss(nb.fprop(q, X)[0], y)[0], abs=1e-12), (key, idx, d)
    with pytest.raises(ValueError, match="key must name a parameter"):
        loss_along(p, X, y, "W9", (0, 0), deltas)
    with pytest.raises(ValueError, match=r"index \(99, 0\) is not an entry"):
        loss_along(p, X, y, "W1", (99, 0), deltas)


@pytest.mark.parametrize("sizes", [[2, 5, 3], [2, 4, 4, 3]])
def test_full_batch_paths_follow_the_library_optimisers(sizes):
    X, y = nb.make_gaussians(n_per_class=10, noise=0.6)
    p0 = nb.init_params(sizes, seed=1)
    thetas, losses = full_batch_paths(p0, X, y, lr=0.1, mus=[0.0, 0.9], steps=6)
    for k, opt in enumerate([nb.SGD(0.1), nb.Momentum(0.1, 0.9)]):
        p = {n: v.copy() for n, v in p0.items()}
        for t in range(6):
            o, cache = nb.fprop(p, X)
            L, do = nb.softmax_loss(o, y)
            assert losses[k, t] == pytest.approx(L, abs=1e-12)
            np.testing.assert_allclose(thetas[k, t], flatten(p), atol=1e-12)
            opt.step(p, nb.bprop(do, cache, p))
        np.testing.assert_allclose(thetas[k, 6], flatten(p), atol=1e-12)


def test_full_batch_paths_freeze_a_path_that_diverges_and_check_their_arguments():
    X, y = nb.make_gaussians(n_per_class=10, noise=0.6)
    p0 = nb.init_params([2, 5, 3], seed=1)
    thetas, losses = full_batch_paths(p0, X, y, lr=1e6, mus=[0.0], steps=30)
    assert np.isinf(losses[0, -1]) and np.all(np.isfinite(thetas))
    with pytest.raises(ValueError, match=r"lr \(the learning rate η\) must be a finite number > 0"):
        full_batch_paths(p0, X, y, lr=-1, mus=[0.0], steps=3)
    with pytest.raises(ValueError, match=r"mus\[1\] must be a number in \[0, 1\)"):
        full_batch_paths(p0, X, y, lr=0.1, mus=[0.0, 1.2], steps=3)


def test_path_plane_is_orthonormal_and_holds_the_momentum_end():
    rng = np.random.default_rng(0)
    a = np.cumsum(rng.standard_normal((20, 9)), axis=0)
    b = np.cumsum(rng.standard_normal((20, 9)), axis=0)
    a -= a[0]
    b -= b[0]
    e1, e2, scale, held = path_plane(a, b)
    assert abs(e1 @ e2) < 1e-12 and np.isclose(e1 @ e1, 1) and np.isclose(e2 @ e2, 1)
    np.testing.assert_allclose((a[-1] @ np.stack([e1, e2], 1)) / scale, [1, 0], atol=1e-12)
    assert 0 < held <= 1


@pytest.mark.parametrize("sizes", [[2, 5, 3], [2, 4, 3, 3]])
def test_loss_on_plane_matches_the_network_loss(sizes):
    X, y = nb.make_gaussians(n_per_class=10, noise=0.6)
    p0 = nb.init_params(sizes, seed=1)
    rng = np.random.default_rng(2)
    e1, e2 = rng.standard_normal((2, len(flatten(p0))))
    grid = loss_on_plane(p0, e1, e2, np.array([0.0, 0.3]), np.array([-0.2, 0.0, 0.1]), X, y)
    assert grid.shape == (3, 2)
    p = unflatten(flatten(p0) + 0.3 * e1 - 0.2 * e2, p0)
    assert grid[0, 1] == pytest.approx(nb.softmax_loss(nb.fprop(p, X)[0], y)[0], abs=1e-12)
    assert grid[1, 0] == pytest.approx(nb.softmax_loss(nb.fprop(p0, X)[0], y)[0], abs=1e-12)
    with pytest.raises(ValueError, match="e2 has shape"):
        loss_on_plane(p0, e1, e2[:3], [0.0], [0.0], X, y)
