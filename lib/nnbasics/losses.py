"""How good is a network? Softmax, negative log-likelihood and its gradient ∂L/∂o = p − y.

    p(c_k = 1 | x) = e^{o_k} / Σ_j e^{o_j}                  (softmax)
    L(x, y; θ)     = − Σ_j y_j log p(c_j | x)                (negative log-likelihood)
    ∂L/∂o          = p(c | x) − y                            (derivative w.r.t. the softmax input)

``y`` is given as integer class labels (``0..C-1``); ``one_hot`` turns them into the slides'
vectors ``y = [0 … 0 1 0 … 0]``. Losses are the mean over a batch of N examples, so the
gradient carries a 1/N.

"Learning consists of minimizing the loss (plus some regularization term)": :func:`l2_penalty`
is that term in its commonest form, L2 weight decay on the weight matrices.
"""
import numpy as np

from . import _checks

__all__ = ["softmax", "log_softmax", "one_hot", "nll", "softmax_loss", "mse_loss", "l2_penalty"]


def softmax(o):
    """Class probabilities from logits, stable for |o| up to 1e4 and beyond.

    o: (N, C) or (C,)   ->   p: same shape, every row sums to 1

        p_k = e^{o_k} / Σ_j e^{o_j} = e^{o_k − m} / Σ_j e^{o_j − m},   m = max_j o_j

    Subtracting the row maximum changes nothing mathematically (softmax is shift-invariant)
    but keeps every exponent ≤ 0, so ``e^{1000}`` never overflows.
    """
    o = _checks.as_float_array(o, "o")
    if o.ndim not in (1, 2) or o.shape[-1] == 0:
        raise ValueError(f"o must be (N, C) or (C,) logits with C >= 1, got shape {o.shape}")
    if o.shape[0] == 0:
        raise ValueError(f"o is an empty batch (shape {o.shape}); expected at least one example")
    e = np.exp(o - o.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(o):
    """``log p`` computed without forming p: ``o_k − m − log Σ_j e^{o_j − m}`` (no log(0) = −inf)."""
    o = _checks.as_float_array(o, "o")
    m = o.max(axis=-1, keepdims=True)
    return o - m - np.log(np.exp(o - m).sum(axis=-1, keepdims=True))


def one_hot(y, n_classes):
    """The slides' target vectors: y (N,) ints -> Y (N, C) with Y[n, y_n] = 1, zeros elsewhere."""
    y = _checks.labels(y, "y", np.size(y), n_classes)
    Y = np.zeros((y.shape[0], n_classes))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def nll(p, y):
    """Mean negative log-likelihood of the true classes, ``L = −(1/N) Σ_n log p_n[y_n]``.

    p: (N, C) probabilities   y: (N,) ints   ->   L: float
    """
    p = _checks.as_float_array(p, "p")
    p2 = np.atleast_2d(p)
    y = _checks.labels(y, "y", p2.shape[0], p2.shape[1])
    return float(-np.mean(np.log(p2[np.arange(p2.shape[0]), y])))


def softmax_loss(o, y):
    """Softmax + negative log-likelihood, mean over the batch, and its gradient.

    o: (N, C) logits (or (C,) for one example)   y: (N,) int labels (or one int)
    ->   L: float,  do: same shape as o

        L  = (1/N) Σ_n − log p(c_{y_n} | x_n)
        do = ∂L/∂o = (p − Y) / N        (the slide's  p(c|x) − y,  averaged over the batch)

    Both come from the shifted logits ``s = o − max_j o_j`` (all ≤ 0, so nothing overflows and
    no log(0) appears): ``− log p_y = log Σ_j e^{s_j} − s_y`` and ``p = e^s / Σ_j e^{s_j}``.
    """
    o = _checks.as_float_array(o, "o")
    if o.ndim not in (1, 2):
        raise ValueError(f"o must be (N, C) logits or (C,) for one example, got shape {o.shape}")
    o2 = np.atleast_2d(o)
    N, C = o2.shape
    if N == 0:
        raise ValueError(f"o is an empty batch (shape {o.shape}); expected at least one example")
    y = _checks.labels(y, "y", N, C)
    rows = np.arange(N)
    s = o2 - o2.max(axis=1, keepdims=True)     # shifted logits, s_j ≤ 0
    e = np.exp(s)
    sum_e = e.sum(axis=1)
    L = float(np.mean(np.log(sum_e) - s[rows, y]))
    do = e / (N * sum_e[:, None])                # p(c | x) / N
    do[rows, y] -= 1.0 / N                       # (p − y) / N
    return L, do.reshape(o.shape)


def mse_loss(pred, target):
    """Mean squared error for regression (e.g. denoising), half the squared distance per example.

    pred, target: (N, K) or (N,)   ->   L: float,  dpred: same shape as pred

        L     = (1/N) Σ_n ½ ‖pred_n − target_n‖²
        dpred = (pred − target) / N
    """
    pred = _checks.as_float_array(pred, "pred")
    target = _checks.as_float_array(target, "target")
    _checks.same_shape(pred, target, "pred", "target")
    if pred.ndim == 0 or pred.shape[0] == 0:
        raise ValueError(f"pred must hold at least one example, got shape {pred.shape}")
    N = pred.shape[0]
    diff = pred - target
    return float(0.5 * np.sum(diff * diff) / N), diff / N


def l2_penalty(params, lam):
    """L2 weight decay, the slide's "(plus some regularization term)", and its gradient.

    params: ``{'W1': (N1, D), 'b1': (N1,), …}``   lam: λ ≥ 0   ->   R: float,  dR: dict like params

        R     = (λ/2) Σ_l ‖W^l‖²        (sum of the squares of every weight, all layers)
        ∂R/∂W^l = λ W^l,   ∂R/∂b^l = 0   (biases are not penalised)

    Training then minimises ``L + R``: each step adds ``λ W`` to ``∂L/∂W``, pulling every weight
    towards 0 ("decay") unless the data pushes back. Biases only shift a unit's boundary and
    are left free, as is usual. The weight matrices are the keys ``W1``, ``W2``, …
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like {{'W1': ..., 'b1': ...}}, got {type(params).__name__}")
    lam = _checks.positive(lam, "lam (the weight decay λ)", allow_zero=True)
    R, dR = 0.0, {}
    for k, v in params.items():
        v = _checks.as_float_array(v, f"params[{k!r}]")
        if k[:1] == "W" and k[1:].isdigit():
            R += 0.5 * lam * float(np.sum(v * v))
            dR[k] = lam * v
        else:
            dR[k] = np.zeros_like(v)
    return R, dR
