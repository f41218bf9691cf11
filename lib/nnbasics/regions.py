"""ReLU networks as piecewise-linear tilings of their input space ("mapping is locally linear").

Each hidden ReLU is on or off; the on/off pattern of all hidden units is constant on a convex
polygon (in 2-D), and inside it the network is one affine map ``o = A x + c``.
"""
import numpy as np

from . import _checks
from .network import fprop, n_layers

__all__ = ["activation_pattern"]


def activation_pattern(params, x):
    """Which ReLUs are on: x (N, D) -> bool (N, N1 + N2 + … + N_{L-1}), hidden layers in order.

        pattern[n, j] = [z_j(x_n) > 0]   over the hidden units j of every layer
    (a (D,) input gives a 1-D pattern).
    """
    L = n_layers(params)
    _, single = _checks.batch(x, "x", features=np.shape(params["W1"])[1])
    _, cache = fprop(params, x)
    if L == 1:
        return np.zeros((0,) if single else (np.atleast_2d(cache["x"]).shape[0], 0), dtype=bool)
    return np.concatenate([cache[f"z{l}"] > 0 for l in range(1, L)], axis=-1)
