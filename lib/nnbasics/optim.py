"""Optimisation, as on the slide: stochastic gradient descent (on mini-batches), with momentum.

    SGD:       θ ← θ − η ∂L/∂θ,   η ∈ (0, 1)
    Momentum:  Δ ← μ Δ + ∂L/∂θ   (μ = 0.9 on the slide)
               θ ← θ − η Δ

Both update the parameter arrays in place, for the keys of ``params`` (``grads`` may hold more,
e.g. the ∂L/∂h_l that ``bprop`` also returns).
"""
import numpy as np

from . import _checks

__all__ = ["SGD", "Momentum", "iterate_minibatches"]


def _check_step(params, grads):
    if not isinstance(params, dict) or not isinstance(grads, dict):
        raise TypeError("step(params, grads) takes two dicts of arrays (params from init_params, "
                        "grads from bprop)")
    for k, theta in params.items():
        if k not in grads:
            raise ValueError(f"grads has no entry {k!r}; expected one for every parameter ({sorted(params)})")
        _checks.same_shape(grads[k], theta, f"grads[{k!r}]", f"params[{k!r}]")
        if not np.isfinite(grads[k]).all():
            raise ValueError(f"grads[{k!r}] contains NaN or inf: the loss has diverged "
                             "(try a smaller learning rate)")


class SGD:
    """Stochastic gradient descent: ``θ ← θ − η ∂L/∂θ`` for every parameter, in place."""

    def __init__(self, lr):
        self.lr = _checks.positive(lr, "lr (the learning rate η)")

    def step(self, params, grads):
        """One update of every array in ``params`` from the matching array in ``grads``."""
        _check_step(params, grads)
        for k, theta in params.items():
            theta -= self.lr * grads[k]

    def __repr__(self):
        return f"SGD(lr={self.lr:g})"


class Momentum:
    """SGD with momentum: ``Δ ← μ Δ + ∂L/∂θ ;  θ ← θ − η Δ`` (Δ starts at 0), in place.

    Δ is a running sum of past gradients that decays by μ per step: along a direction where
    the gradient keeps its sign the step grows towards η/(1 − μ) times the gradient (10× for
    μ = 0.9); where it flips sign the steps cancel.
    """

    def __init__(self, lr, mu=0.9):
        self.lr = _checks.positive(lr, "lr (the learning rate η)")
        self.mu = _checks.fraction(mu, "mu (the momentum μ)")
        self.delta = {}

    def step(self, params, grads):
        """One update; the velocity Δ of each parameter is kept in ``self.delta``."""
        _check_step(params, grads)
        for k, theta in params.items():
            d = self.delta.get(k)
            if d is None or d.shape != theta.shape:
                d = self.delta[k] = np.zeros_like(theta)
            d *= self.mu          # Δ ← μ Δ + ∂L/∂θ
            d += grads[k]
            theta -= self.lr * d  # θ ← θ − η Δ

    def reset(self):
        """Forget the velocity (Δ ← 0)."""
        self.delta = {}

    def __repr__(self):
        return f"Momentum(lr={self.lr:g}, mu={self.mu:g})"


def iterate_minibatches(n, batch_size, rng):
    """Index arrays of one epoch of shuffled mini-batches over ``n`` examples (the last may be smaller)."""
    batch_size = _checks.whole(batch_size, "batch_size", lo=1)
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]
