"""A small convolutional network, in the slides' names, and the loop that trains it.

    x → [ z_l = conv(h_{l−1}; W_l, b_l) → a_l = max(0, z_l) → h_l = maxpool(a_l) ]  conv blocks l = 1 … B
      → flatten → [ z_l = W_l h_{l−1} + b_l → h_l = max(0, z_l) ]                   hidden layers
      → o = W_L h_{L−1} + b_L                                                          logits

Every conv block is a 3×3 (or k×k) convolution with 'same' padding (pad = k // 2, stride 1: the
map keeps its size), a ReLU and a 2×2 max-pooling (the map halves). ``filters = (16,)`` gives
the notebook's network for 8×8 digits: conv 1 → 16 (8×8) → ReLU → pool (4×4) → 256 numbers →
affine → 10 logits. Parameters are a dict ``{'W1', 'b1', …}`` like :mod:`nnbasics.network`: a
conv block's ``W_l`` is a kernel bank (F_l, F_{l−1}, k, k), an affine layer's ``W_l`` the
slides' (N_l, N_{l−1}) matrix; the conv blocks come first. The architecture is read from the
shapes, so ``params`` is all a function needs — and :class:`~nnbasics.optim.SGD` /
:class:`~nnbasics.optim.Momentum` update it unchanged.

Images are ``(N, C, H, W)`` (:func:`nnbasics.conv.as_images` turns the digits' rows of 64
pixels back into (N, 1, 8, 8)).
"""
import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from . import _checks
from .conv import conv_bprop, conv_fprop, maxpool_bprop, maxpool_fprop
from .layers import affine_bprop, affine_fprop, relu_bprop, relu_fprop
from .losses import softmax_loss
from .network import count_weights, he_layer
from .optim import Momentum, iterate_minibatches

__all__ = ["init_cnn", "cnn_layers", "cnn_fprop", "cnn_bprop", "cnn_predict", "cnn_count_params", "cnn_accuracy",
           "CNNTrainer", "CNNSearch", "cnn_search", "POOL"]

#: every conv block ends with a POOL×POOL max-pooling of stride POOL
POOL = 2


def _widths(values, name):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a list of whole numbers like (16,), got {values!r}")
    values = tuple(values)
    for i, v in enumerate(values):
        _checks.whole(v, f"{name}[{i}]", lo=1)
    return tuple(int(v) for v in values)


def init_cnn(filters=(16,), hidden=(), image=(1, 8, 8), n_classes=10, kernel=3, seed=0, dtype=np.float64):
    """Random parameters for conv blocks of ``filters`` maps, then ``hidden`` affine layers, then C classes.

    image: (C, H, W) of one input; each conv block halves H and W (they must stay even).
    ->  ``{'W1': (F1, C, k, k), 'b1': (F1,), …, 'WL': (n_classes, N_{L−1}), 'bL': (n_classes,)}``

    He initialisation (``W ~ N(0, 2 / fan_in)``, fan_in = C·k·k for a kernel, N_{l−1} for a
    matrix) and biases ``U(−1/√fan_in, 1/√fan_in)``, as :func:`nnbasics.network.init_params`.
    Same seed, same parameters.
    """
    filters, hidden = _widths(filters, "filters"), _widths(hidden, "hidden")
    if not hasattr(image, "__len__") or len(image) != 3:
        raise ValueError(f"image must be (C, H, W) of one input, e.g. (1, 8, 8); got {image!r}")
    C, H, W = (_checks.whole(v, f"image[{i}]", lo=1) for i, v in enumerate(image))
    n_classes = _checks.whole(n_classes, "n_classes", lo=2)
    kernel = _checks.whole(kernel, "kernel", lo=1)
    if kernel % 2 == 0:
        raise ValueError(f"kernel must be odd (a 'same' convolution pads k // 2 on each side), got {kernel}")
    for l in range(len(filters)):
        if H % POOL or W % POOL:
            raise ValueError(f"conv block {l + 1} gets {H}×{W} maps, which {POOL}×{POOL} pooling cannot halve: "
                             f"use fewer conv blocks for a {image[1]}×{image[2]} image")
        H, W = H // POOL, W // POOL
    rng = np.random.default_rng(seed)
    params, fan_in, l = {}, C, 0
    for F in filters:
        l += 1
        params[f"W{l}"], params[f"b{l}"] = he_layer(rng, (F, fan_in, kernel, kernel), fan_in * kernel * kernel, dtype)
        fan_in = F
    fan_in = fan_in * H * W                                  # the flattened maps
    for n_out in (*hidden, n_classes):
        l += 1
        params[f"W{l}"], params[f"b{l}"] = he_layer(rng, (n_out, fan_in), fan_in, dtype)
        fan_in = n_out
    return params


def cnn_layers(params):
    """``(B, L)``: the number of conv blocks B (4-D ``W_l``, first) and of layers L, shapes checked."""
    L = count_weights(params)
    ndims = [np.ndim(params[f"W{l}"]) for l in range(1, L + 1)]
    B = sum(1 for d in ndims if d == 4)
    if ndims != [4] * B + [2] * (L - B):
        raise ValueError(f"params: the conv kernels (4-D) must come first, then the affine matrices (2-D); "
                         f"got W1…W{L} with {ndims} dimensions")
    if L == B:
        raise ValueError("params has no affine output layer (a 2-D W after the conv blocks)")
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params.get(f"b{l}")
        if b is None or np.shape(b) != (np.shape(W)[0],):
            raise ValueError(f"params['b{l}'] has shape {np.shape(b)}; expected ({np.shape(W)[0]},) to match "
                             f"W{l} of shape {np.shape(W)}")
        if 1 < l <= B and np.shape(W)[1] != np.shape(params[f"W{l - 1}"])[0]:
            raise ValueError(f"params['W{l}'] takes {np.shape(W)[1]} channels but block {l - 1} makes "
                             f"{np.shape(params[f'W{l - 1}'])[0]}")
    return B, L


def cnn_fprop(params, x):
    """Forward propagation through the conv blocks and the affine layers.

    x: (N, C, H, W)   ->   o: (N, n_classes) logits,  cache

        z_l = conv(h_{l−1}; W_l, b_l, pad = k // 2),  a_l = max(0, z_l),  h_l = maxpool(a_l)   (h_0 = x)
        h_B ← h_B flattened to (N, F_B·H_B·W_B)
        z_l = W_l h_{l−1} + b_l,  h_l = max(0, z_l)   (hidden layers),   o = W_L h_{L−1} + b_L

    ``cache`` holds ``'x', 'z1', 'a1', 'h1', …, 'o'`` and what :func:`cnn_bprop` needs.
    """
    B, L = cnn_layers(params)
    x = _checks.as_float_array(x, "x")
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of images (N, C, H, W); got shape {x.shape}" +
                         (" (rows of pixels? nb.as_images(X) makes (N, 1, 8, 8))" if x.ndim == 2 else ""))
    cache = {"x": x, "B": B, "L": L, "layers": {}}
    h = x
    for l in range(1, B + 1):
        k = params[f"W{l}"].shape[-1]
        z, cache["layers"][f"conv{l}"] = conv_fprop(h, params[f"W{l}"], params[f"b{l}"], stride=1, pad=k // 2)
        a, _ = relu_fprop(z)
        h, cache["layers"][f"pool{l}"] = maxpool_fprop(a, POOL)
        cache[f"z{l}"], cache[f"a{l}"], cache[f"h{l}"] = z, a, h
    if B:
        cache["maps_shape"] = h.shape
        h = h.reshape(len(h), -1)
        if h.shape[1] != np.shape(params[f"W{B + 1}"])[1]:
            raise ValueError(f"the conv blocks make {h.shape[1]} numbers per image (maps {cache['maps_shape'][1:]}) "
                             f"but W{B + 1} takes {np.shape(params[f'W{B + 1}'])[1]}: x is {x.shape[2]}×{x.shape[3]}, "
                             "is it the image size the network was made for?")
    cache["flat"] = h
    for l in range(B + 1, L + 1):
        z, _ = affine_fprop(h, params[f"W{l}"], params[f"b{l}"])
        cache[f"z{l}"] = z
        if l < L:
            h, _ = relu_fprop(z)
            cache[f"h{l}"] = h
    cache["o"] = z
    return z, cache


def cnn_bprop(do, cache, params):
    """Backward propagation: ∂L/∂θ for every parameter from ``do = ∂L/∂o`` and the forward cache.

    do: (N, n_classes)   ->   grads with the keys and shapes of ``params`` (and ∂L/∂ of the
    cached ``'o', 'z_l', 'h_l', 'a_l'``; not of x: the first layer has nothing below it).

        affine layers:  ∂L/∂W_l = ∂L/∂z_l h_{l−1}ᵀ,  ∂L/∂h_{l−1} = W_lᵀ ∂L/∂z_l,  ∂L/∂z = ∂L/∂h · [z > 0]
        conv blocks:    ∂L/∂a_l = maxpool_bprop(∂L/∂h_l)  (to each window's arg-max),
                        ∂L/∂z_l = ∂L/∂a_l · [z_l > 0],
                        ∂L/∂W_l, ∂L/∂b_l, ∂L/∂h_{l−1} = conv_bprop(∂L/∂z_l)
    """
    if not isinstance(cache, dict) or "layers" not in cache or "o" not in cache:
        raise TypeError("cache must be the second value returned by cnn_fprop(params, x)")
    B, L = cache["B"], cache["L"]
    if cnn_layers(params) != (B, L):
        raise ValueError(f"cache comes from a network with {B} conv blocks and {L} layers, params does not match")
    do = _checks.as_float_array(do, "do")
    if do.shape != cache["o"].shape:
        raise ValueError(f"do has shape {do.shape}; expected {cache['o'].shape}, the shape of o")
    grads, dz = {"o": do}, do
    for l in range(L, B, -1):
        h_prev = cache[f"h{l - 1}"] if l > B + 1 else cache["flat"]
        grads[f"z{l}"] = dz
        dh, grads[f"W{l}"], grads[f"b{l}"] = affine_bprop(dz, (h_prev, params[f"W{l}"]))
        if l > B + 1:
            grads[f"h{l - 1}"] = dh
            dz = relu_bprop(dh, cache[f"z{l - 1}"])
    if B:
        dh = dh.reshape(cache["maps_shape"])
    for l in range(B, 0, -1):
        grads[f"h{l}"] = dh
        grads[f"a{l}"] = maxpool_bprop(dh, cache["layers"][f"pool{l}"])
        grads[f"z{l}"] = relu_bprop(grads[f"a{l}"], cache[f"z{l}"])
        dh, grads[f"W{l}"], grads[f"b{l}"] = conv_bprop(grads[f"z{l}"], cache["layers"][f"conv{l}"], need_dx=l > 1)
    return grads


def cnn_predict(params, x):
    """Predicted class ``argmax_k o_k`` for each image: x (N, C, H, W) -> (N,) ints."""
    o, _ = cnn_fprop(params, x)
    return np.argmax(o, axis=1)


def cnn_accuracy(params, x, y):
    """Fraction of the images whose predicted class is the label (a float in [0, 1])."""
    return float(np.mean(cnn_predict(params, x) == np.asarray(y)))


def cnn_count_params(params):
    """|θ|: every entry of every kernel, matrix and bias."""
    _, L = cnn_layers(params)
    return int(sum(np.size(params[f"{k}{l}"]) for l in range(1, L + 1) for k in "Wb"))


class CNNTrainer:
    """Mini-batch SGD with momentum on :func:`cnn_fprop` / :func:`cnn_bprop` with the softmax loss.

    The same loop as :class:`nnbasics.trainer.Trainer` (notebooks 07–08), for images:

        B ← next mini-batch;  o = fprop(θ, x_B);  L, ∂L/∂o = softmax_loss(o, y_B);
        ∂L/∂θ = bprop(∂L/∂o);  Δ ← μ Δ + ∂L/∂θ;  θ ← θ − η Δ

    X: (N, C, H, W) images, y: (N,) labels; ``X_val, y_val`` are only measured (``history``
    gets the validation accuracy after every epoch). ``filters``, ``hidden``, ``kernel``: the
    architecture (:func:`init_cnn`); ``seed``: the initial θ and the order of the mini-batches.
    """

    def __init__(self, X, y, filters=(16,), hidden=(), kernel=3, n_classes=10, lr=0.05, mu=0.9, batch_size=32,
                 seed=0, X_val=None, y_val=None):
        self.X = _checks.as_float_array(X, "X")
        if self.X.ndim != 4 or len(self.X) == 0:
            raise ValueError(f"X must be a non-empty batch of images (N, C, H, W); got shape {self.X.shape}")
        self.n_classes = _checks.whole(n_classes, "n_classes", lo=2)
        self.y = _checks.labels(y, "y", len(self.X), self.n_classes)
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        self.X_val = None if X_val is None else _checks.as_float_array(X_val, "X_val")
        if self.X_val is not None and self.X_val.shape[1:] != self.X.shape[1:]:
            raise ValueError(f"X_val has images of shape {self.X_val.shape[1:]}; expected {self.X.shape[1:]} like X")
        self.y_val = None if y_val is None else _checks.labels(y_val, "y_val", len(self.X_val), self.n_classes)
        self.filters, self.hidden, self.kernel = _widths(filters, "filters"), _widths(hidden, "hidden"), kernel
        self.seed = seed
        self.params = init_cnn(self.filters, self.hidden, self.X.shape[1:], self.n_classes, kernel, seed=seed)
        self.optimizer = Momentum(lr, mu)
        self.batch_size = _checks.whole(batch_size, "batch_size", lo=1)
        self._rng = np.random.default_rng([seed, 1])
        self.step = self.epoch = 0
        self.seconds = 0.0
        self.history = {"epoch": [], "train_loss": [], "val_acc": []}

    def train_step(self, batch):
        """One step of the loop on the examples ``batch`` (indices); returns the loss L before it."""
        o, cache = cnn_fprop(self.params, self.X[batch])
        L, do = softmax_loss(o, self.y[batch])
        self.optimizer.step(self.params, cnn_bprop(do, cache, self.params))   # Δ ← μΔ + ∂L/∂θ ; θ ← θ − ηΔ
        self.step += 1
        return L

    def fit(self, epochs, on_epoch=None):
        """Train for ``epochs`` passes over the training images. After each one, ``history`` gets the
        mean mini-batch loss and the validation accuracy, and ``on_epoch(trainer)`` is called (a
        progress bar). Stops with a ValueError naming the epoch if the loss is no longer finite."""
        epochs = _checks.whole(epochs, "epochs", lo=0)
        t0 = time.perf_counter()
        for _ in range(epochs):
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    losses = [self.train_step(B) for B in iterate_minibatches(len(self.y), self.batch_size, self._rng)]
            except ValueError as e:                   # a NaN or inf in o or in a gradient (named by the check)
                if "NaN or inf" not in str(e):
                    raise
                losses = [math.inf]
            self.epoch += 1
            loss = float(np.mean(losses))
            if not math.isfinite(loss):
                raise ValueError(f"training diverged in epoch {self.epoch} (the loss or a gradient is no longer "
                                 f"finite): lower the learning rate η = {self.optimizer.lr:g}")
            self.history["epoch"].append(self.epoch)
            self.history["train_loss"].append(loss)
            self.history["val_acc"].append(self.val_acc() if self.X_val is not None else math.nan)
            if on_epoch is not None:
                on_epoch(self)
        self.seconds += time.perf_counter() - t0
        return self

    def val_acc(self):
        return cnn_accuracy(self.params, self.X_val, self.y_val)

    def accuracy(self, X, y):
        return cnn_accuracy(self.params, X, y)

    def __repr__(self):
        return (f"CNNTrainer(filters={self.filters}, hidden={self.hidden}, kernel={self.kernel}, "
                f"|θ|={cnn_count_params(self.params)}, {self.optimizer!r}, epoch={self.epoch})")


@dataclass
class CNNSearch:
    """Validation accuracy of each architecture for each seed (the model is chosen on these only)."""

    archs: list                  # [(filters, hidden), …]
    seeds: list
    val_acc: np.ndarray          # (len(archs), len(seeds))
    best: tuple                  # the (filters, hidden) with the highest mean validation accuracy
    seconds: float
    trainers: dict = field(default_factory=dict, repr=False)   # (arch, seed) -> CNNTrainer

    def mean_val_acc(self):
        return self.val_acc.mean(axis=1)


def cnn_search(X_train, y_train, X_val, y_val, archs, seeds=(0, 1, 2), epochs=20, on_result=None, **trainer_kw):
    """Train every architecture with every seed on the training part; compare on the validation part.

    archs: ``[(filters, hidden), …]``, e.g. ``[((8,), ()), ((16,), ()), ((16, 32), ())]``. The best
    is the one with the highest mean validation accuracy over the seeds (ties: fewer
    parameters |θ|). The test data is not touched. ``on_result(i, n, arch, seed, val_acc)`` is
    called after each network (a progress bar); ``trainer_kw`` goes to :class:`CNNTrainer`.
    """
    archs = [(_widths(f, "filters"), _widths(h, "hidden")) for f, h in archs]
    if not archs:
        raise ValueError("archs is empty: give at least one (filters, hidden) pair")
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, numbers.Integral) for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of whole numbers, got {seeds!r}")
    t0 = time.perf_counter()
    val = np.zeros((len(archs), len(seeds)))
    trainers, i, n = {}, 0, len(archs) * len(seeds)
    for a, (filters, hidden) in enumerate(archs):
        for s, seed in enumerate(seeds):
            tr = CNNTrainer(X_train, y_train, filters, hidden, seed=seed, X_val=X_val, y_val=y_val, **trainer_kw)
            tr.fit(epochs)
            val[a, s] = tr.history["val_acc"][-1]
            trainers[(archs[a], seed)] = tr
            i += 1
            if on_result is not None:
                on_result(i, n, archs[a], seed, val[a, s])
    means = val.mean(axis=1)
    size = [cnn_count_params(trainers[(arch, seeds[0])].params) for arch in archs]
    order = sorted(range(len(archs)), key=lambda a: (-means[a], size[a]))
    return CNNSearch(archs, seeds, val, archs[order[0]], time.perf_counter() - t0, trainers)

