"""A fully connected network of any depth, in the slides' names.

    x → z1 = W1 x + b1 → h1 = max(0, z1) → z2 = W2 h1 + b2 → h2 = max(0, z2) → … → o = W_L h_{L-1} + b_L

``sizes = [D, N1, N2, C]`` gives the slides' two-hidden-layer network (a "4 layer network,
counting also input and output"). Parameters are a dict ``{'W1', 'b1', 'W2', 'b2', …}`` with
``W_l`` of shape ``(N_l, N_{l-1})`` exactly as on the slides. Inputs are row batches ``(N, D)``;
a single example ``(D,)`` also works and keeps its 1-D shapes throughout (the slides' column
form).
"""
import numbers

import numpy as np

from . import _checks
from .layers import ACTIVATIONS, affine_bprop, affine_fprop, relu_bprop, relu_fprop

__all__ = ["init_params", "fprop", "bprop", "predict", "count_params", "n_layers", "count_weights"]


def init_params(sizes, seed=0, dtype=np.float64):
    """Random parameters for a network with layer sizes ``sizes = [D, N1, …, C]``.

    Returns ``{'W1': (N1, D), 'b1': (N1,), …, 'WL': (C, N_{L-1}), 'bL': (C,)}``.

    He initialisation for ReLU layers: ``W_l ~ N(0, 2 / N_{l-1})``, which keeps the scale of the
    hidden units roughly constant from layer to layer. Biases ``b_l ~ U(-1/√N_{l-1}, 1/√N_{l-1})``
    as in PyTorch's ``nn.Linear``: small, but not zero, so that a layer's ReLU boundaries do
    not all pass through the origin (notebook 02 draws them). Same ``seed``, same parameters.
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths like [2, 16, 16, 3], got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layer widths (input and output), got {list(sizes)}")
    for i, s in enumerate(sizes):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"sizes[{i}] must be a whole number, got {s!r}")
        if s < 1:
            raise ValueError(f"sizes[{i}] is {s}; every layer width must be at least 1")
    if dtype not in (np.float64, np.float32, "float64", "float32"):
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        fan_in, fan_out = int(sizes[l - 1]), int(sizes[l])
        params[f"W{l}"], params[f"b{l}"] = he_layer(rng, (fan_out, fan_in), fan_in, dtype)
    return params


def he_layer(rng, shape, fan_in, dtype=np.float64):
    """One layer's ``(W, b)``: ``W ~ N(0, 2 / fan_in)`` of ``shape`` (its first axis the units),
    ``b ~ U(−1/√fan_in, 1/√fan_in)`` of shape ``(shape[0],)``; W drawn from ``rng`` first, then b.
    Shared by :func:`init_params` and :func:`nnbasics.cnn.init_cnn` (fan_in = C·k·k for a kernel)."""
    W = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)
    bound = 1.0 / np.sqrt(fan_in)
    return W, rng.uniform(-bound, bound, shape[0]).astype(dtype)


def count_weights(params):
    """L, the number of weight matrices W1, W2, … W_L in the parameter dict ``params`` (no shapes checked)."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like {{'W1': ..., 'b1': ...}}, got {type(params).__name__}")
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    if L == 0:
        raise ValueError(f"params has no 'W1'; got keys {sorted(params)}")
    return L


def n_layers(params):
    """Number of affine layers L in ``params`` (checking that their shapes chain up)."""
    L = count_weights(params)
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params.get(f"b{l}")
        if b is None:
            raise ValueError(f"params has 'W{l}' but no 'b{l}'")
        if np.ndim(W) != 2:
            raise ValueError(f"params['W{l}'] must be a 2-D (out, in) matrix, got shape {np.shape(W)}")
        if np.shape(b) != (np.shape(W)[0],):
            raise ValueError(f"params['b{l}'] has shape {np.shape(b)}; expected ({np.shape(W)[0]},) "
                             f"to match W{l} of shape {np.shape(W)}")
        if l > 1 and np.shape(W)[1] != np.shape(params[f"W{l - 1}"])[0]:
            raise ValueError(f"params['W{l}'] takes {np.shape(W)[1]} inputs but layer {l - 1} has "
                             f"{np.shape(params[f'W{l - 1}'])[0]} units")
    return L


def fprop(params, x, output_relu=False, activation="relu"):
    """Forward propagation: the output ``o`` of the network for input ``x``.

    x: (N, D) or (D,)   ->   o: (N, C) or (C,),  cache

        z_l = W_l h_{l-1} + b_l,   h_l = max(0, z_l)   for l = 1 … L-1   (h_0 = x)
        o   = W_L h_{L-1} + b_L                        (logits, the default)
        o   = max(0, W_L h_{L-1} + b_L)                (output_relu=True, as on the slide)

    ``cache`` holds ``'x', 'z1', 'h1', …, 'zL', 'o'`` (each ``(N, ·)``, or 1-D for one example)
    and what :func:`bprop` needs. ``activation`` is ``'relu'`` (the slides) or ``'tanh'``.
    """
    L = n_layers(params)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    act_fprop, _ = ACTIVATIONS[activation]
    x2, single = _checks.batch(x, "x", features=np.shape(params["W1"])[1])
    cache = {"x": x2}
    h = x2
    for l in range(1, L + 1):
        z, _ = affine_fprop(h, params[f"W{l}"], params[f"b{l}"])
        cache[f"z{l}"] = z
        if l < L:
            h, _ = act_fprop(z)
            cache[f"h{l}"] = h
    o = relu_fprop(z)[0] if output_relu else z
    cache["o"] = o
    if single:
        cache = {k: v[0] for k, v in cache.items()}
    cache.update(L=L, single=single, output_relu=bool(output_relu), activation=activation)
    return cache["o"], cache


def bprop(do, cache, params):
    """Backward propagation: gradients of the loss from ``do = ∂L/∂o`` and the forward cache.

    do: same shape as ``o``   ->   grads with the keys and shapes of ``params``, and also
    ``∂L/∂`` of every cached quantity: ``'o', 'zL', 'h_{L-1}', …, 'z1', 'x'``.

    From the BPROP slides, layer by layer, top to bottom (one column; the code sums rows):

        ∂L/∂W_l     = ∂L/∂z_l  h_{l-1}ᵀ          ∂L/∂b_l = ∂L/∂z_l
        ∂L/∂h_{l-1} = W_lᵀ ∂L/∂z_l
        ∂L/∂z_{l-1} = ∂L/∂h_{l-1} · [z_{l-1} > 0]   (the ReLU passes gradient where it is on)

    with ``∂L/∂z_L = ∂L/∂o`` (or ``· [z_L > 0]`` when the output has the slide's ReLU).
    """
    if not isinstance(cache, dict) or "o" not in cache or "L" not in cache:
        raise TypeError("cache must be the second value returned by fprop(params, x)")
    L = cache["L"]
    if not isinstance(params, dict) or f"W{L}" not in params or f"W{L + 1}" in params:
        raise ValueError(f"cache comes from a {L}-layer network but params has {n_layers(params)} layers")
    # (fprop checked params; each affine_bprop below checks its W against the cached shapes)
    do_arr = _checks.as_float_array(do, "do")
    if do_arr.shape != np.shape(cache["o"]):
        raise ValueError(f"do has shape {do_arr.shape}; expected {np.shape(cache['o'])}, the shape of o "
                         "(one ∂L/∂o per output of every example)")
    if cache["single"]:  # one example: view its 1-D arrays as a batch of one
        c = {k: v[None] for k, v in cache.items() if isinstance(v, np.ndarray)}
    else:
        c = cache
    _, act_bprop = ACTIVATIONS[cache["activation"]]
    grads = {"o": do_arr}
    dz = np.atleast_2d(do_arr)
    if cache["output_relu"]:
        dz = relu_bprop(dz, c[f"z{L}"])
    for l in range(L, 0, -1):
        h_prev = c[f"h{l - 1}"] if l > 1 else c["x"]
        grads[f"z{l}"] = dz
        dh_prev, grads[f"W{l}"], grads[f"b{l}"] = affine_bprop(dz, (h_prev, params[f"W{l}"]))
        if l > 1:
            grads[f"h{l - 1}"] = dh_prev
            act_cache = c[f"z{l - 1}"] if cache["activation"] == "relu" else c[f"h{l - 1}"]
            dz = act_bprop(dh_prev, act_cache)
        else:
            grads["x"] = dh_prev
    if cache["single"]:
        for k in ["x"] + [f"z{l}" for l in range(1, L + 1)] + [f"h{l}" for l in range(1, L)]:
            grads[k] = grads[k][0]
    return grads


def predict(params, x, **kw):
    """Predicted class ``argmax_k o_k`` for each example: x (N, D) -> (N,) ints (a scalar for (D,))."""
    o, _ = fprop(params, x, **kw)
    return np.argmax(o, axis=-1)


def count_params(params):
    """|θ|, the number of parameters: every entry of every W_l and b_l."""
    L = n_layers(params)
    return int(sum(np.size(params[f"{k}{l}"]) for l in range(1, L + 1) for k in "Wb"))

