"""Derivatives by wiggling: finite differences, the slide's wiggle rule, and gradient checks.

    forward  difference   ∂L/∂θ_i ≈ (L(θ + ε e_i) − L(θ)) / ε               error O(ε)
    central  difference   ∂L/∂θ_i ≈ (L(θ + ε e_i) − L(θ − ε e_i)) / 2ε      error O(ε²)
    wiggle (the slide)    W_ij ← W_ij + ε · sgn(L(θ) − L(θ with W_ij + ε))

``f`` is always a function of the parameter dict returning the loss as a float, for example
``f = lambda p: softmax_loss(fprop(p, X)[0], y)[0]``. Entries are changed in place and put back
exactly as they were.
"""
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import _checks

__all__ = ["numerical_gradient", "wiggle_step", "wiggle_train", "rel_error", "grad_check", "GradCheckReport"]

METHODS = ("central", "forward")


def _check_f_params(f, params):
    if not callable(f):
        raise TypeError(f"f must be a function f(params) -> float, got {type(f).__name__}")
    if not isinstance(params, dict) or not params:
        raise TypeError("params must be a non-empty dict of arrays, e.g. from init_params")
    for k, v in params.items():
        if not isinstance(v, np.ndarray) or not np.issubdtype(v.dtype, np.floating):
            raise TypeError(f"params[{k!r}] must be a float numpy array (changed in place), "
                            f"got {type(v).__name__}{'' if not isinstance(v, np.ndarray) else ' of ' + str(v.dtype)}")


def _loss(f, params):
    L = f(params)
    try:
        L = float(L)
    except (TypeError, ValueError):
        raise TypeError(f"f(params) must return the loss as one number, got {type(L).__name__}") from None
    return L


def numerical_gradient(f, params, eps=1e-5, method="central", keys=None):
    """The gradient of ``f`` at ``params`` by finite differences, one entry at a time.

    f: params -> float   params: {name: array}   ->   grads: {name: array of the same shape}

        central:  g_i = (f(θ + ε e_i) − f(θ − ε e_i)) / 2ε     (2 evaluations per entry)
        forward:  g_i = (f(θ + ε e_i) − f(θ)) / ε              (1 per entry, plus one for f(θ))

    ``keys`` limits the work to some parameters (default: all of them).
    """
    _check_f_params(f, params)
    eps = _checks.positive(eps, "eps")
    if method not in METHODS:
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}")
    keys = _checks.keys_of(keys, params)
    f0 = _loss(f, params) if method == "forward" else None
    grads = {}
    for k in keys:
        theta = params[k]
        g = np.zeros(theta.shape, dtype=np.float64)
        for i in np.ndindex(theta.shape):
            old = theta[i]
            theta[i] = old + eps
            f_plus = _loss(f, params)
            if method == "central":
                theta[i] = old - eps
                f_minus = _loss(f, params)
                g[i] = (f_plus - f_minus) / (2 * eps)
            else:
                g[i] = (f_plus - f0) / eps
            theta[i] = old
        grads[k] = g.astype(theta.dtype, copy=False)
    return grads


def wiggle_step(f, params, eps=1e-6, keys=None):
    """One step of the slide's rule "wiggle to decrease loss", for every entry; in place.

    For each entry W_ij of each parameter (``keys``, default all):

        W_ij ← W_ij + ε · sgn( L(θ) − L(θ with W_ij + ε) )

    i.e. move W_ij up by ε if that lowered the loss, down by ε if it raised it. All entries
    are wiggled at the same θ (L(θ) is computed once), then all moves are applied together.
    Returns the number of loss evaluations it made: |θ| + 1 for |θ| wiggled entries.
    """
    _check_f_params(f, params)
    eps = _checks.positive(eps, "eps")
    keys = _checks.keys_of(keys, params)
    L0 = _loss(f, params)
    n_evals = 1
    moves = {}
    for k in keys:
        theta = params[k]
        s = np.zeros(theta.shape)
        for i in np.ndindex(theta.shape):
            old = theta[i]
            theta[i] = old + eps
            s[i] = np.sign(L0 - _loss(f, params))
            n_evals += 1
            theta[i] = old
        moves[k] = s
    for k, s in moves.items():
        params[k] += (eps * s).astype(params[k].dtype)
    return n_evals


def wiggle_train(f, params, steps, eps):
    """Training by wiggling: :func:`wiggle_step` ``steps`` times, in place.

    Returns ``(losses (steps + 1,), snapshots, n_evals (steps + 1,))``: the loss before each step
    and after the last, a copy of the parameters at every step, and the cumulative number of
    loss evaluations of the wiggle steps (|θ| + 1 per step).
    """
    steps = _checks.whole(steps, "steps", lo=0)
    L, snaps, evals = [_loss(f, params)], [{k: v.copy() for k, v in params.items()}], [0]
    for _ in range(steps):
        evals.append(evals[-1] + wiggle_step(f, params, eps=eps))
        L.append(_loss(f, params))
        snaps.append({k: v.copy() for k, v in params.items()})
    return np.array(L), snaps, np.array(evals)


def rel_error(a, b):
    """Relative error between two arrays of the same shape (e.g. analytic vs. numerical gradient).

        rel_error(a, b) = max_i |a_i − b_i| / max(1e-12, max_i |a_i| + max_i |b_i|)

    The largest difference measured against the size of the arrays, so it does not depend on
    the scale of the loss. 0 for identical arrays; about 1e-10 for a correct gradient against
    central differences in float64; near 1 when the two disagree entirely. (Dividing entry by
    entry instead blows up on entries whose true gradient is tiny, like 1e-9, where round-off
    of about 1e-11 in the finite difference is already a 1% error: notebook 06 shows it.)
    """
    a = _checks.as_float_array(a, "a")
    b = _checks.as_float_array(b, "b")
    _checks.same_shape(a, b, "a", "b")
    if a.size == 0:
        return 0.0
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return float(np.max(np.abs(a64 - b64)) / max(1e-12, np.max(np.abs(a64)) + np.max(np.abs(b64))))


@dataclass
class ParamCheck:
    """The check of one parameter array: its worst entry and the entries near a kink."""

    name: str
    shape: tuple
    max_rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    kinks: list = field(default_factory=list)

    def __str__(self):
        k = f"  {len(self.kinks)} at a kink" if self.kinks else ""
        return (f"{self.name:>6} {str(self.shape):>10}  rel.err {self.max_rel_error:9.2e}  worst at "
                f"{str(self.worst_index):>8}: analytic {self.analytic: .6e} numeric {self.numeric: .6e}{k}")


@dataclass
class GradCheckReport:
    """What :func:`grad_check` found, parameter by parameter.

    ``.params`` is a list of :class:`ParamCheck`; ``.max_error`` the worst over all of them,
    ``.max_error_away_from_kinks`` the same ignoring flagged entries; ``.ok`` says whether the
    worst error (away from kinks) is below ``tol``. ``print(report)`` shows a table.
    """

    params: list
    tol: float
    eps: float
    method: str
    max_error_away_from_kinks: float

    @property
    def max_error(self):
        return max((p.max_rel_error for p in self.params), default=0.0)

    @property
    def kinks(self):
        return [(p.name, i) for p in self.params for i in p.kinks]

    @property
    def ok(self):
        return self.max_error_away_from_kinks < self.tol

    def __getitem__(self, name):
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def __str__(self):
        verdict = "PASS" if self.ok else "FAIL"
        worst = f"worst relative error {self.max_error_away_from_kinks:.2e}"
        if self.kinks:
            worst += f" away from kinks ({self.max_error:.2e} with them)"
        lines = [f"gradient check ({self.method} differences, eps={self.eps:g}): {verdict}, {worst} "
                 f"(tolerance {self.tol:g})"]
        lines += ["  " + str(p) for p in self.params]
        if self.kinks:
            lines.append(f"  {len(self.kinks)} entries flagged: their ±eps step moves a ReLU across its kink, "
                         "so the finite difference there is not a derivative")
        return "\n".join(lines)

    __repr__ = __str__


def grad_check(f, params, grads, eps=1e-5, method="central", tol=1e-7, pattern=None, keys=None):
    """Compare analytic gradients with finite differences, parameter by parameter.

    f: params -> float   grads: {name: array}, the analytic ∂f/∂θ (e.g. from bprop)
    pattern: optional function params -> array that changes when a ReLU switches
             (e.g. ``lambda p: activation_pattern(p, X)``); entries whose ±eps step changes
             it are flagged as kinks and left out of ``max_error_away_from_kinks``.
    ->  GradCheckReport (worst relative error and its index per parameter, kink flags)

    Uses the same relative error as :func:`rel_error`. In float32 a finite difference keeps
    only about 7 digits, so the check warns: expect errors near 1e-3 there, not 1e-9.
    """
    _check_f_params(f, params)
    eps = _checks.positive(eps, "eps")
    if method not in METHODS:
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}")
    if not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict like params, got {type(grads).__name__}")
    keys = _checks.keys_of(keys, params, grads)
    if any(params[k].dtype == np.float32 for k in keys):
        warnings.warn("grad_check in float32: a finite difference keeps only about 7 significant digits, "
                      "so relative errors near 1e-3 are normal here and do not mean a bug. Check "
                      "gradients in float64 (init_params(..., dtype=np.float64)).", stacklevel=2)
    if pattern is not None and not callable(pattern):
        raise TypeError("pattern must be a function params -> array, e.g. lambda p: activation_pattern(p, X)")
    num = numerical_gradient(f, params, eps=eps, method=method, keys=keys)
    base = None if pattern is None else np.asarray(pattern(params))
    checks, worst_clean = [], 0.0
    for k in keys:
        a = np.asarray(grads[k], dtype=np.float64)
        n = num[k].astype(np.float64)
        scale = max(1e-12, float(np.max(np.abs(a), initial=0.0) + np.max(np.abs(n), initial=0.0)))
        err = np.abs(a - n) / scale          # entry by entry; its max is rel_error(a, n)
        kinks = []
        if base is not None:
            theta = params[k]
            for i in np.ndindex(theta.shape):
                old = theta[i]
                crossed = False
                for step in (eps, -eps):
                    theta[i] = old + step
                    crossed |= not np.array_equal(np.asarray(pattern(params)), base)
                theta[i] = old
                if crossed:
                    kinks.append(tuple(int(j) for j in i))
        clean = err.copy()
        for i in kinks:
            clean[i] = 0.0
        worst_clean = max(worst_clean, float(clean.max()) if clean.size else 0.0)
        w = np.unravel_index(int(np.argmax(err)), err.shape) if err.size else ()
        checks.append(ParamCheck(k, tuple(a.shape), float(err.max()) if err.size else 0.0,
                                 tuple(int(j) for j in w), float(a[w]) if err.size else 0.0,
                                 float(n[w]) if err.size else 0.0, kinks))
    return GradCheckReport(checks, tol, eps, method, worst_clean)
