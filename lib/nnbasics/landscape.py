"""The loss as a function of θ: slices, planes and optimiser paths through parameter space.

θ is every parameter of the network written as one vector (:func:`flatten`: W1, b1, W2, b2, …,
each row by row), so |θ| = ``count_params(params)`` numbers. Three ways to look at L(θ):

    L along one weight        L(θ with θ_i + Δ) for many Δ          (notebook 04, the wiggle)
    L on a plane              L(θ0 + a e1 + b e2) on a grid of (a, b)  (notebook 07)
    optimiser paths           θ_0, θ_1, …, θ_T of full-batch SGD / momentum (notebook 07)

Each evaluates many networks that differ only in θ at once: the forward pass of
:func:`nnbasics.network.fprop` written for a stack of K parameter vectors (``W_l`` of shape
``(K, N_l, N_{l−1})``), and its backward pass — the same formulas, with a leading K axis.
The tests check every one against ``fprop``/``bprop``/``softmax_loss`` network by network.
Numpy only.
"""
import math

import numpy as np

from . import _checks
from .network import fprop, n_layers

__all__ = ["flatten", "unflatten", "param_names", "stack", "stacked_fprop", "stacked_softmax_loss",
           "stacked_bprop", "loss_along", "loss_on_plane", "full_batch_paths", "path_plane"]


# ----------------------------------------------------------------------------- θ as one vector

def _keys(params):
    return [k for l in range(1, n_layers(params) + 1) for k in (f"W{l}", f"b{l}")]


def flatten(params):
    """θ as one vector (|θ|,): W1, b1, W2, b2, … each raveled row by row, in that order."""
    return np.concatenate([np.ravel(params[k]) for k in _keys(params)])


def unflatten(theta, like):
    """The inverse of :func:`flatten`: a params dict shaped like ``like`` (views into ``theta``)."""
    theta = np.asarray(theta)
    keys = _keys(like)
    n = sum(np.size(like[k]) for k in keys)
    if theta.shape != (n,):
        raise ValueError(f"theta has shape {theta.shape}; expected ({n},), the |θ| of params like {keys}")
    return {k: v[0] for k, v in _views(theta[None], [(k, np.shape(like[k])) for k in keys]).items()}


def param_names(params):
    """Every entry of θ as ``(key, index)``, in the order of :func:`flatten` (W1 row by row, b1, W2, …)."""
    return [(k, tuple(int(j) for j in i)) for k in _keys(params) for i in np.ndindex(np.shape(params[k]))]


def stack(thetas, like):
    """K parameter vectors as stacked arrays: thetas (K, |θ|) -> ``{'W1': (K, N1, D), 'b1': (K, N1), …}``
    (views into ``thetas``, in the order of :func:`flatten`)."""
    thetas = np.asarray(thetas)
    keys = _keys(like)
    n = sum(np.size(like[k]) for k in keys)
    if thetas.ndim != 2 or thetas.shape[1] != n:
        raise ValueError(f"thetas has shape {thetas.shape}; expected (K, {n}), K vectors θ of params like {keys}")
    return _views(thetas, [(k, np.shape(like[k])) for k in keys])


def _views(flat, shapes):
    """Views into the rows of ``flat`` (K, |θ|), one (K, *shape) array per (key, shape), in order."""
    out, start = {}, 0
    for k, shape in shapes:
        size = math.prod(shape)
        out[k] = flat[:, start:start + size].reshape(len(flat), *shape)
        start += size
    return out


# ----------------------------------------------------------------------------- K networks at once

def stacked_fprop(stacked, X):
    """The forward pass of K networks on the same inputs: :func:`nnbasics.fprop` with a K axis.

    stacked: ``{'W1': (K, N1, D), 'b1': (K, N1), …}`` (from :func:`stack`);  X: (N, D)
    ->  o (K, N, C), cache ``{'x', 'z1', 'h1', …, 'zL', 'o'}`` with a leading K axis (but 'x').

        z_l = h_{l−1} W_lᵀ + b_l,   h_l = max(0, z_l),   o = z_L        (h_0 = x)
    """
    L = sum(1 for k in stacked if k.startswith("W"))
    cache, h = {"x": X}, X
    for l in range(1, L + 1):
        z = np.matmul(h, np.swapaxes(stacked[f"W{l}"], 1, 2)) + stacked[f"b{l}"][:, None, :]
        cache[f"z{l}"] = z
        if l < L:
            h = cache[f"h{l}"] = np.maximum(z, 0.0)
    cache["o"] = z
    return z, cache


def stacked_softmax_loss(o, y, grad=True):
    """Mean NLL of each of K networks and its gradient: :func:`nnbasics.softmax_loss` with a K axis.

    o: (K, N, C) logits, y: (N,) int labels   ->   L (K,),  do = ∂L/∂o = (p − y)/N  (K, N, C)
    (``grad=False``: ``L`` alone, ``do`` is None)

    Stable (the row maximum is subtracted first); a row whose logits overflowed gives inf/nan,
    which the caller checks.
    """
    K, N, C = o.shape
    if len(y) != N or (N and int(y.max()) >= C):
        raise ValueError(f"y must hold {N} labels in 0..{C - 1} for o of shape {o.shape}; got {len(y)} labels "
                         f"up to {int(y.max()) if len(y) else None}")
    return _nll(o, y, np.arange(N), grad)


def _nll(o, y, rows, grad):
    """:func:`stacked_softmax_loss` without the check of ``y`` (``rows = arange(N)``)."""
    N = o.shape[1]
    s = o - o.max(axis=2, keepdims=True)                   # shifted logits, ≤ 0
    e = np.exp(s)
    sum_e = e.sum(axis=2, keepdims=True)
    L = np.mean(np.log(sum_e[..., 0]) - s[:, rows, y], axis=1)
    if not grad:
        return L, None
    do = e / (N * sum_e)                                   # p(c|x) / N
    do[:, rows, y] -= 1.0 / N                              # (p − y) / N
    return L, do


def stacked_bprop(do, cache, stacked, out=None):
    """The backward pass of K networks: :func:`nnbasics.bprop` with a K axis, as flat gradients.

    do: (K, N, C) = ∂L/∂o;  cache from :func:`stacked_fprop`  ->  ∂L/∂θ (K, |θ|), in the order of
    :func:`flatten`:

        ∂L/∂W_l = ∂L/∂z_lᵀ h_{l−1},  ∂L/∂b_l = Σ_n ∂L/∂z_l,  ∂L/∂h_{l−1} = ∂L/∂z_l W_l,
        ∂L/∂z_{l−1} = ∂L/∂h_{l−1} · [z_{l−1} > 0]

    ``out``: ``(flat, views)``, a (K, |θ|) array and its :func:`stack` views, to write the
    gradients into (else new ones); returns the flat array.
    """
    L = sum(1 for k in stacked if k.startswith("W"))
    K = do.shape[0]
    if out is None:
        flat = np.empty((K, sum(math.prod(v.shape[1:]) for v in stacked.values())))
        out = flat, _views(flat, [(k, stacked[k].shape[1:]) for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")])
    flat, grads = out
    dz = do
    for l in range(L, 0, -1):
        h_prev = cache[f"h{l - 1}"] if l > 1 else np.broadcast_to(cache["x"], (K,) + cache["x"].shape)
        np.matmul(np.swapaxes(dz, 1, 2), h_prev, out=grads[f"W{l}"])
        dz.sum(axis=1, out=grads[f"b{l}"])
        if l > 1:
            dz = np.matmul(dz, stacked[f"W{l}"]) * (cache[f"z{l - 1}"] > 0)
    return flat


def _data(X, y):
    X, _ = _checks.batch(X, "X")
    y = _checks.labels(y, "y", len(X), np.iinfo(np.int64).max)
    return X, y


# ----------------------------------------------------------------------------- slices and paths

def loss_along(params, X, y, key, index, deltas):
    """The loss along one parameter: ``L(θ with params[key][index] + Δ)`` for every Δ in ``deltas``.

    params: a ReLU network;  X (N, D), y (N,);  key, index: one entry, e.g. ``('W2', (1, 3))``
    ->  L (len(deltas),), the mean softmax NLL.

    Changing ``W_l[j, i]`` (or ``b_l[j]``) changes only column j of z_l, by Δ · h_{l−1}[:, i]
    (or by Δ): one forward pass up to z_l, then one of the layers above for all Δ at once. Equal to
    evaluating the network once per Δ (tested), many times faster.
    """
    X, y = _data(X, y)
    if key not in params or not isinstance(key, str) or key[0] not in "Wb":
        raise ValueError(f"key must name a parameter of params (one of {_keys(params)}), got {key!r}")
    index = tuple(int(i) for i in np.atleast_1d(index))
    if len(index) != np.ndim(params[key]) or any(not 0 <= i < n for i, n in zip(index, np.shape(params[key]),
                                                                                 strict=True)):
        raise ValueError(f"index {index} is not an entry of params[{key!r}] of shape {np.shape(params[key])}")
    deltas = _checks.as_float_array(deltas, "deltas").reshape(-1)
    _, cache = fprop(params, X)
    L, l, j = cache["L"], int(key[1:]), index[0]
    z = np.repeat(cache[f"z{l}"][None], len(deltas), axis=0)                  # (Δ, N, N_l)
    if key[0] == "W":
        h_prev = cache[f"h{l - 1}"] if l > 1 else cache["x"]
        z[:, :, j] += deltas[:, None] * h_prev[None, :, index[1]]
    else:
        z[:, :, j] += deltas[:, None]
    if l < L:                                    # the layers above, for all Δ: fprop of the top of the network
        top = {f"{k}{m - l}": params[f"{k}{m}"] for m in range(l + 1, L + 1) for k in "Wb"}
        z = fprop(top, np.maximum(z, 0.0).reshape(-1, z.shape[2]))[0].reshape(len(deltas), len(X), -1)
    return stacked_softmax_loss(z, y)[0]


def loss_on_plane(params0, e1, e2, alphas, betas, X, y):
    """The loss on a 2-D slice of θ-space: ``L(θ0 + a e1 + b e2)`` for every (a, b) of a grid.

    params0: the network at θ0;  e1, e2: (|θ|,) directions (in the order of :func:`flatten`);
    alphas (A,), betas (B,)  ->  L (B, A), row i at ``betas[i]``.
    All A·B networks are evaluated in one stacked forward pass (:func:`stacked_fprop`).
    """
    X, y = _data(X, y)
    th0 = flatten(params0)
    for name, e in (("e1", e1), ("e2", e2)):
        if np.shape(e) != th0.shape:
            raise ValueError(f"{name} has shape {np.shape(e)}; expected {th0.shape}, one entry per parameter")
    a, b = np.meshgrid(np.asarray(alphas, dtype=float), np.asarray(betas, dtype=float))
    thetas = th0[None, :] + a.reshape(-1, 1) * np.asarray(e1)[None, :] + b.reshape(-1, 1) * np.asarray(e2)[None, :]
    o, _ = stacked_fprop(stack(thetas, params0), X)
    return stacked_softmax_loss(o, y, grad=False)[0].reshape(a.shape)


def full_batch_paths(params0, X, y, lr, mus, steps):
    """θ_0, θ_1, …, θ_T of full-batch momentum from θ0, for several μ at once, and L(θ_t).

    params0: a ReLU network;  X (N, D), y (N,);  mus: K values of μ (μ = 0 is plain SGD:
    Δ = ∂L/∂θ, so θ ← θ − η ∂L/∂θ)  ->  thetas (K, T+1, |θ|) (in the order of :func:`flatten`),
    losses (K, T+1)

    The loop of the Optimization slide with the batch = all N examples, for the K optimisers
    side by side (:func:`stacked_fprop`, :func:`stacked_softmax_loss`, :func:`stacked_bprop`):

        Δ ← μ Δ + ∂L/∂θ ;  θ ← θ − η Δ

    A path whose loss stops being finite is frozen where it was (its later θ_t repeat the last
    finite one and its losses are inf).
    """
    X, y = _data(X, y)
    lr = _checks.positive(lr, "lr (the learning rate η)")
    mus = np.array([_checks.fraction(m, f"mus[{i}]") for i, m in enumerate(np.atleast_1d(mus))])
    steps = _checks.whole(steps, "steps", lo=0)
    K = len(mus)
    theta = np.tile(flatten(params0).astype(np.float64), (K, 1))             # (K, |θ|)
    stacked = stack(theta, params0)                                        # views into theta
    delta = np.zeros_like(theta)
    alive = np.ones(K, dtype=bool)
    thetas = np.empty((K, steps + 1, theta.shape[1]))
    losses = np.full((K, steps + 1), np.inf)
    C = np.shape(params0[f"W{n_layers(params0)}"])[0]
    if len(y) and int(y.max()) >= C:
        raise ValueError(f"y contains label {int(y.max())}; the network has {C} outputs")
    rows, g = np.arange(len(y)), np.empty_like(theta)
    g_views = (g, stack(g, params0))                                       # ∂L/∂θ, written in place
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(steps + 1):
            thetas[:, t] = theta
            o, cache = stacked_fprop(stacked, X)
            L, do = _nll(o, y, rows, grad=True)
            alive &= np.isfinite(L)
            losses[alive, t] = L[alive]
            if t == steps or not alive.any():
                break
            stacked_bprop(do, cache, stacked, out=g_views)                 # ∂L/∂θ
            g[~alive] = 0.0
            delta *= mus[:, None]
            delta += g                                                     # Δ ← μ Δ + ∂L/∂θ
            theta -= lr * delta                                            # θ ← θ − η Δ
            bad = ~np.all(np.isfinite(theta), axis=1)
            if bad.any():                                                  # freeze a path that blew up
                theta[bad] = thetas[bad, t]
                alive &= ~bad
        thetas[:, t + 1:] = thetas[:, t:t + 1]
    return thetas, losses


def path_plane(path_a, path_b, seed=0):
    """A plane through θ0 for drawing two paths that start there: ``(e1, e2, scale, held)``.

    path_a, path_b: (T+1, |θ|), both starting at θ0. e1 points from θ0 to the end of ``path_a``;
    e2 (⊥ e1) is the direction in which the two paths move most besides e1 (the top singular
    vector of what is left of θ_t − θ0). Both are unit vectors; ``scale = ‖θ_end(a) − θ0‖``, so
    the end of path a is at (1, 0) in units of ``scale``; ``held`` is the fraction of the paths'
    movement Σ‖θ_t − θ0‖² inside the plane.
    """
    path_a, path_b = np.asarray(path_a, dtype=float), np.asarray(path_b, dtype=float)
    if path_a.ndim != 2 or path_b.ndim != 2 or path_a.shape[1] != path_b.shape[1]:
        raise ValueError(f"path_a and path_b must be (T+1, |θ|) with the same |θ|; got {path_a.shape} "
                         f"and {path_b.shape}")
    th0 = path_a[0]
    D = np.concatenate([path_a - th0, path_b - th0])
    rng = np.random.default_rng(seed)
    d = path_a[-1] - th0
    if np.linalg.norm(d) < 1e-12:
        d = path_b[-1] - th0
    if np.linalg.norm(d) < 1e-12:
        d = rng.standard_normal(len(th0))
    scale = float(np.linalg.norm(d))
    e1 = d / scale
    R = D - np.outer(D @ e1, e1)
    if np.linalg.norm(R) > 1e-9 * max(scale, 1e-300):
        e2 = np.linalg.svd(R, full_matrices=False)[2][0]
    else:
        e2 = rng.standard_normal(len(th0))
    e2 = e2 - (e2 @ e1) * e1
    e2 /= np.linalg.norm(e2)
    if (path_b[-1] - th0) @ e2 < 0:
        e2 = -e2
    total = float((D ** 2).sum())
    inside = float(((D @ e1) ** 2).sum() + ((D @ e2) ** 2).sum())
    return e1, e2, scale, (inside / total if total > 0 else 1.0)
