"""The small fixed problems notebooks 04 and 06 study, and the step-size experiment of 06 (numpy only).

Each problem is a network, its data and its loss ``f(params) -> L`` (the mean softmax NLL), so
the wiggle rule, finite differences and gradient checks can be tried on it:

- :func:`wiggle_problem`: a [2, 4, 4, 3] ReLU net on 90 spiral points (notebook 04);
- :func:`smooth_problem`: a small tanh net, smooth everywhere, so a finite difference shows only
  truncation and round-off (notebook 06);
- :func:`kink_problem`: a ReLU net and an input exactly on one hidden unit's kink (notebook 06);
- :func:`step_size_errors`: the error of forward and central differences against backprop for
  every step ε of :data:`EPS_GRID`, in float64 and float32.
"""
import numpy as np

from .data import make_spiral
from .gradcheck import numerical_gradient, rel_error
from .losses import softmax_loss
from .network import bprop, fprop, init_params

__all__ = ["wiggle_problem", "smooth_problem", "kink_problem", "step_size_errors", "EPS_GRID"]

#: the step sizes of the step-size experiment: 10^-14 … 10^0, ten per decade
EPS_GRID = 10.0 ** np.round(np.arange(-14.0, 0.0001, 0.1), 1)


def wiggle_problem(seed=0):
    """A [2, 4, 4, 3] ReLU net on 90 spiral points: ``(params, X, y, f)``, ``f(params) = L`` on (X, y)."""
    X, y = make_spiral(n_per_class=30, n_classes=3, noise=0.2, seed=seed)
    params = init_params([2, 4, 4, 3], seed=seed + 1)

    def f(p):
        return softmax_loss(fprop(p, X)[0], y)[0]

    return params, X, y, f


def smooth_problem():
    """A [2, 6, 6, 3] tanh net on 12 spiral points (no kinks): ``(params, f, grads)``.

    ``f(params)`` computes in the dtype of ``params`` (float32 parameters give a float32 loss);
    ``grads`` is the exact gradient from bprop, in float64.
    """
    X, y = make_spiral(n_per_class=4, n_classes=3, noise=0.2, seed=1)
    params = init_params([2, 6, 6, 3], seed=3)

    def f(p):
        o, _ = fprop(p, X.astype(p["W1"].dtype), activation="tanh")
        return softmax_loss(o, y)[0]

    o, cache = fprop(params, X, activation="tanh")
    _, do = softmax_loss(o, y)
    return params, f, bprop(do, cache, params)


def kink_problem(seed=0, unit=0):
    """A [2, 4, 4, 3] ReLU net and one example x0 exactly on the kink of hidden unit ``unit`` of layer 1.

    Returns ``(params, x0, u, y)`` with ``u = W1[unit] / ‖W1[unit]‖²``, so that the input
    ``x0 + t u`` gives that unit the pre-activation ``z = t`` (x0 is the projection, onto the
    unit's line, of the spiral point whose other units are farthest from their own kinks).
    """
    params = init_params([2, 4, 4, 3], seed=seed)
    X, yy = make_spiral(n_per_class=10, n_classes=3, seed=seed)
    w, b = params["W1"][unit], params["b1"][unit]
    u = w / (w @ w)
    best = None
    for x, y in zip(X, yy, strict=True):
        x0 = x - (w @ x + b) * u                         # project onto the unit's kink line
        _, c = fprop(params, x0)
        z = np.concatenate([c["z1"], c["z2"]])
        z[unit] = np.inf
        margin = float(np.min(np.abs(z)))
        if min(abs(x0[0]), abs(x0[1])) > 0.3 and (best is None or margin > best[0]):
            best = (margin, x0, int(y))
    return params, best[1], u, best[2]


def step_size_errors(eps_grid=EPS_GRID, key="b2"):
    """Relative error of finite differences vs. backprop, for every ε in ``eps_grid``.

    -> ``{('forward'|'central', 'float64'|'float32'): (len(eps_grid),) array}``, each entry
    ``rel_error(numerical_gradient(f, θ, ε, method)[key], ∂L/∂key)`` on :func:`smooth_problem`,
    with θ and the loss computed in that dtype and the exact gradient from bprop in float64.
    """
    params, loss, grads = smooth_problem()
    out = {}
    for dtype in ("float64", "float32"):
        p = {k: v.astype(dtype) for k, v in params.items()}
        for method in ("forward", "central"):
            out[(method, dtype)] = np.array([
                rel_error(numerical_gradient(loss, p, eps=float(e), method=method, keys=[key])[key], grads[key])
                for e in eps_grid])
    return out
