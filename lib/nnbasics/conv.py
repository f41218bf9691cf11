"""Convolution and max-pooling layers, the lecture's next part: "Convolutional Neural Networks".

The fully connected layers of :mod:`nnbasics.layers` see an image as a vector ("the input image
is vectorized: disregard the spatial layout of pixels"). A convolution layer keeps the layout:
each output unit looks at a small window of the image (**local connectivity**) and every window
is weighed by the same kernel (**weight sharing**).

Layout: images are ``(N, C, H, W)`` — N examples, C channels, H rows, W columns; a kernel bank is
``(F, C, KH, KW)``, F filters each spanning all C input channels, as in PyTorch. Each
``*_fprop`` returns ``(out, cache)`` and each ``*_bprop(dout, cache)`` the gradients, as in
:mod:`nnbasics.layers`.

**Cross-correlation, called convolution.** What every deep-learning library computes, and
:func:`conv_fprop` too, is

    out[n, f, i, j] = b[f] + Σ_c Σ_u Σ_v  W[f, c, u, v] · x_pad[n, c, i·s + u, j·s + v]

— the kernel slides over the image *unflipped*: a cross-correlation. The convolution of signal
processing flips the kernel first, (x ∗ w)[i] = Σ_u w[u] x[i − u]. For a layer whose kernel is
learned the difference does not matter (a flipped kernel is just another kernel, and training
finds whichever is useful), so the cheaper correlation is used and the name "convolutional
network" stuck from the signal-processing view. The flip does appear in the backward pass:
∂L/∂x is a *true* convolution of ∂L/∂out with the kernel.

**im2col: a convolution is one matrix multiply.** Copy every window of the padded input into
one row, ``cols[(n, i, j), (c, u, v)] = x_pad[n, c, i·s + u, j·s + v]``; then the layer is the
affine layer of the slides, ``out = cols · Wᵀ + b`` with W flattened to ``(F, C·KH·KW)``, and
its backward pass is the affine layer's followed by :func:`col2im`, which adds every entry of
∂L/∂cols back to the pixel it was copied from. (The rows are windows, the columns the kernel's
C·KH·KW weights; one BLAS call does all windows of all images.)
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _checks

__all__ = ["as_images", "conv_output_size", "im2col", "col2im", "conv_fprop", "conv_bprop", "maxpool_fprop",
           "maxpool_bprop", "receptive_field"]


def _images(x, name):
    x = _checks.as_float_array(x, name)
    if x.ndim != 4:
        raise ValueError(f"{name} must be a 4-D batch of images (N, C, H, W); got a {x.ndim}-D array of shape "
                         f"{x.shape}" + (" (one flattened image per row? reshape to (N, 1, H, W), e.g. with "
                                         "nb.as_images)" if x.ndim == 2 else ""))
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch (shape {x.shape}); expected at least one image")
    return x


def _upstream(d, expected, name):
    if np.shape(d) != tuple(expected):
        raise ValueError(f"{name} has shape {np.shape(d)}; expected {tuple(expected)}, the shape of this "
                         "layer's output (one ∂L/∂out per output entry)")
    return np.asarray(d)


def as_images(X, side=None):
    """Vectors back to images: X (N, side·side) → (N, 1, side, side), one channel.

    The digits are stored as rows of 64 pixels ("the input image is vectorized"); a convolution
    needs them as 8×8 images again. ``side`` defaults to √D. Also takes one vector (D,) → (1, 1, s, s).
    """
    X = _checks.as_float_array(X, "X")
    if X.ndim == 1:
        X = X[None]
    if X.ndim != 2:
        raise ValueError(f"X must be (N, D), one flattened image per row; got shape {X.shape}")
    D = X.shape[1]
    side = int(round(np.sqrt(D))) if side is None else _checks.whole(side, "side", lo=1)
    if side * side != D:
        raise ValueError(f"X has {D} pixels per row, which is not side × side = {side}×{side}; "
                         "pass the image side (rows of a square image)")
    return X.reshape(len(X), 1, side, side)


def conv_output_size(H, K, stride=1, pad=0):
    """Output length of a convolution (or pooling) along one axis.

        H' = ⌊(H + 2·pad − K) / stride⌋ + 1

    H: input length, K: kernel length. The window's first position is 0 and its last must fit
    inside the padded input (a partial window at the end is dropped: the floor).
    """
    H = _checks.whole(H, "H (the input size)", lo=1)
    K = _checks.whole(K, "K (the kernel size)", lo=1)
    stride = _checks.whole(stride, "stride", lo=1)
    pad = _checks.whole(pad, "pad", lo=0)
    if K > H + 2 * pad:
        raise ValueError(f"the kernel ({K}) is larger than the padded input ({H} + 2·{pad} = {H + 2 * pad}); "
                         "no window fits")
    return _out_size(H, K, stride, pad)


def _out_size(H, K, stride, pad):
    """H' = ⌊(H + 2·pad − K) / stride⌋ + 1, unchecked (the layers check their arguments once)."""
    return (H + 2 * pad - K) // stride + 1


def _pad(x, pad):
    if pad == 0:
        return x
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    xp[:, :, pad:pad + H, pad:pad + W] = x
    return xp


def im2col(x, KH, KW, stride=1, pad=0):
    """Every KH×KW window of the zero-padded images as one row.

    x: (N, C, H, W)   ->   cols: (N·H'·W', C·KH·KW)

        cols[(n, i, j), (c, u, v)] = x_pad[n, c, i·s + u, j·s + v]

    rows in the order (n, i, j), columns in the order (c, u, v) of ``W[f].ravel()``. Built with
    one strided copy per kernel offset (u, v): column (c, u, v) holds the padded images shifted
    by (u, v) and sampled every s pixels. (The array is stored column by column, which the
    matrix multiply reads as it is.)
    """
    N, C, H, W = x.shape
    Ho, Wo = _out_size(H, KH, stride, pad), _out_size(W, KW, stride, pad)
    xp = _pad(x, pad)
    colsT = np.empty((C, KH, KW, N, Ho, Wo), dtype=x.dtype)
    for u in range(KH):
        for v in range(KW):
            colsT[:, u, v] = xp[:, :, u:u + stride * (Ho - 1) + 1:stride,
                                v:v + stride * (Wo - 1) + 1:stride].transpose(1, 0, 2, 3)
    return colsT.reshape(C * KH * KW, N * Ho * Wo).T


def col2im(dcols, x_shape, KH, KW, stride=1, pad=0):
    """The adjoint of :func:`im2col`: add every row entry back to the pixel it was copied from.

    dcols: (N·H'·W', C·KH·KW)   ->   dx: (N, C, H, W)

        dx[n, c, p, q] = Σ over the windows (i, j) and offsets (u, v) with i·s + u = p + pad and
                         j·s + v = q + pad of  dcols[(n, i, j), (c, u, v)]

    A pixel that lies in several windows collects a contribution from each (KH·KW strided adds,
    one per kernel offset). Padding positions are dropped at the end.
    """
    N, C, H, W = x_shape
    Ho, Wo = _out_size(H, KH, stride, pad), _out_size(W, KW, stride, pad)
    d6 = dcols.T.reshape(C, KH, KW, N, Ho, Wo)
    dxp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=dcols.dtype)
    for u in range(KH):
        for v in range(KW):
            dxp[:, :, u:u + stride * (Ho - 1) + 1:stride, v:v + stride * (Wo - 1) + 1:stride] += \
                d6[:, u, v].transpose(1, 0, 2, 3)
    return dxp[:, :, pad:pad + H, pad:pad + W] if pad else dxp


def conv_fprop(x, W, b, stride=1, pad=0):
    """Convolution layer (a cross-correlation, as in every deep-learning library).

    x: (N, C, H, W)   W: (F, C, KH, KW)   b: (F,)   ->   out: (N, F, H', W'),  cache

        out[n, f, i, j] = b[f] + Σ_c Σ_u Σ_v W[f, c, u, v] · x_pad[n, c, i·s + u, j·s + v]
        H' = ⌊(H + 2·pad − KH) / s⌋ + 1,   W' = ⌊(W + 2·pad − KW) / s⌋ + 1      (s = stride)

    ``x_pad`` is x with ``pad`` rows and columns of zeros on every side. Computed as im2col and
    one matrix multiply, the affine layer ``W x + b`` applied to every window at once:

        out = im2col(x) · W_flatᵀ + b,     W_flat = W.reshape(F, C·KH·KW)

    The product is taken as its transpose, ``W_flat · colsᵀ`` (F rows of N·H'·W' outputs: one
    BLAS call), and ``out`` is a (N, F, H', W') view of it: in memory the F feature maps come one
    after the other. :func:`conv_bprop` reads ∂L/∂out in that order without a copy (and
    :func:`maxpool_bprop` and ``relu_bprop`` hand it back in the layout they were given).
    """
    x = _images(x, "x")
    W = _checks.as_float_array(W, "W")
    if W.ndim != 4:
        raise ValueError(f"W must be a 4-D kernel bank (F, C, KH, KW); got shape {W.shape}")
    F, C, KH, KW = W.shape
    b = _checks.as_float_array(b, "b")
    if b.shape != (F,):
        raise ValueError(f"b has shape {b.shape}; expected ({F},), one bias per filter of W {W.shape}")
    if x.shape[1] != C:
        raise ValueError(f"x has {x.shape[1]} channels (shape {x.shape}) but W expects {C} (W has shape "
                         f"{W.shape}: (F, C, KH, KW))")
    stride = _checks.whole(stride, "stride", lo=1)
    pad = _checks.whole(pad, "pad", lo=0)
    N, _, H, Wd = x.shape
    if KH > H + 2 * pad or KW > Wd + 2 * pad:
        raise ValueError(f"the kernel ({KH}×{KW}) is larger than the padded input ({H + 2 * pad}×{Wd + 2 * pad}: "
                         f"x is {H}×{Wd}, pad={pad}); no window fits")
    Ho, Wo = _out_size(H, KH, stride, pad), _out_size(Wd, KW, stride, pad)
    cols = im2col(x, KH, KW, stride, pad)              # (N·H'·W', C·KH·KW): one window per row
    zT = W.reshape(F, C * KH * KW) @ cols.T            # (F, N·H'·W'): the affine layer on every window
    zT += b[:, None]
    return zT.reshape(F, N, Ho, Wo).transpose(1, 0, 2, 3), (cols, W, x.shape, stride, pad)


def conv_bprop(dout, cache, need_dx=True):
    """Backward pass of :func:`conv_fprop`.

    dout: (N, F, H', W') = ∂L/∂out   ->   dx: (N, C, H, W),  dW: (F, C, KH, KW),  db: (F,)

        ∂L/∂W[f, c, u, v] = Σ_n Σ_i Σ_j ∂L/∂out[n, f, i, j] · x_pad[n, c, i·s + u, j·s + v]
                            (a correlation of the input with ∂L/∂out)
        ∂L/∂b[f]          = Σ_n Σ_i Σ_j ∂L/∂out[n, f, i, j]
        ∂L/∂x_pad[n, c, p, q] = Σ_f Σ_{i,j} ∂L/∂out[n, f, i, j] · W[f, c, p − i·s, q − j·s]
                            (W taken as 0 outside its KH×KW support: for s = 1 a *full convolution*
                            of ∂L/∂out with the kernel, i.e. a correlation of the zero-padded
                            ∂L/∂out with the flipped kernel, channels f → c)

    In im2col form these are the affine layer's ∂L/∂W = ∂L/∂outᵀ · cols, ∂L/∂b = Σ ∂L/∂out and
    ∂L/∂cols = ∂L/∂out · W_flat, followed by :func:`col2im` (and dropping the padding).
    ``need_dx=False`` skips ∂L/∂x (returned as None): a network's first layer has nothing below it.
    """
    cols, W, x_shape, stride, pad = cache
    F, C, KH, KW = W.shape
    N, _, H, Wd = x_shape
    Ho, Wo = _out_size(H, KH, stride, pad), _out_size(Wd, KW, stride, pad)
    dout = _upstream(dout, (N, F, Ho, Wo), "dout")
    dT = dout.transpose(1, 0, 2, 3).reshape(F, N * Ho * Wo)   # ∂L/∂outᵀ: one row per filter, columns (n, i, j)
    dW = (dT @ cols).reshape(W.shape)                          # ∂L/∂W = ∂L/∂outᵀ · cols
    db = dT.sum(axis=1)
    if not need_dx:
        return None, dW, db
    dcols = (W.reshape(F, C * KH * KW).T @ dT).T              # ∂L/∂cols = ∂L/∂out · W_flat
    dx = col2im(dcols, x_shape, KH, KW, stride, pad)
    return dx, dW, db


def _windows(x, size, stride, Ho, Wo):
    """A view (N, C, H', W', size, size) of every pooling window of x (no copy)."""
    sN, sC, sH, sW = x.strides
    return as_strided(x, shape=(*x.shape[:2], Ho, Wo, size, size),
                      strides=(sN, sC, sH * stride, sW * stride, sH, sW), writeable=False)


def maxpool_fprop(x, size=2, stride=None):
    """Max-pooling: the largest entry of every size×size window, channel by channel.

    x: (N, C, H, W)   ->   out: (N, C, H', W'),  cache;    H' = (H − size) / stride + 1

        out[n, c, i, j] = max_{0 ≤ u, v < size} x[n, c, i·s + u, j·s + v]      (s = stride, default size)

    The windows must tile the input: (H − size) and (W − size) divisible by the stride, so no
    row or column is left out (8×8 with size 2 gives 4×4). The cache keeps, for every window,
    which entry m = u·size + v was the largest (the first in row-major order when several are
    equal, as ``np.argmax`` and PyTorch pick): the backward pass sends the gradient there.
    Computed offset by offset: the entries at offset (u, v) of all windows are copied into one
    block, then one elementwise comparison per offset finds the max and where it is.
    """
    x = _images(x, "x")
    size = _checks.whole(size, "size (the pooling window)", lo=1)
    stride = size if stride is None else _checks.whole(stride, "stride", lo=1)
    N, C, H, W = x.shape
    for name, L in (("height", H), ("width", W)):
        if size > L or (L - size) % stride:
            raise ValueError(f"pooling windows of size {size} with stride {stride} do not tile the input's {name} "
                             f"{L} (x has shape {x.shape}): need (H − size) divisible by the stride, e.g. an even "
                             "size for 2×2 windows with stride 2")
    Ho, Wo = _out_size(H, size, stride, 0), _out_size(W, size, stride, 0)
    # by_offset[m] = the entries at offset m = (u, v) of every window, (N, C, H', W'), contiguous
    by_offset = np.ascontiguousarray(_windows(x, size, stride, Ho, Wo).transpose(4, 5, 0, 1, 2, 3))
    by_offset = by_offset.reshape(size * size, N, C, Ho, Wo)
    out = by_offset[0].copy()
    k = np.zeros(out.shape, dtype=np.uint8 if size * size < 256 else np.intp)
    for m in range(1, size * size):
        better = by_offset[m] > out                        # strictly: on a tie the earlier entry stays
        np.maximum(k, better * k.dtype.type(m), out=k)     # k ← m where better (k < m always)
        np.maximum(out, by_offset[m], out=out)
    order = tuple(int(a) for a in np.argsort(np.negative(x.strides), kind="stable"))   # x's memory order
    return out, (k, x.shape, size, stride, order)


def maxpool_bprop(dout, cache):
    """Backward pass of :func:`maxpool_fprop`: each window's gradient goes to its arg-max.

    dout: (N, C, H', W') = ∂L/∂out   ->   dx: (N, C, H, W)

        ∂L/∂x[n, c, p, q] = Σ_{i, j}  ∂L/∂out[n, c, i, j] · [(p, q) is the arg-max of window (i, j)]

    The max is locally the identity on its arg-max and constant in the other entries, so they
    get 0. (With overlapping windows, stride < size, an entry that is the max of several
    windows collects all their gradients.)
    """
    k, x_shape, size, stride, order = cache
    Ho, Wo = k.shape[2:]
    dout = _upstream(dout, k.shape, "dout")
    dtype = np.result_type(dout.dtype, np.float32)
    # dx in the memory layout of the forward input, so the layer below reads it without a copy
    make = np.empty if stride == size else np.zeros         # windows side by side cover every entry
    dx = make(tuple(x_shape[a] for a in order), dtype=dtype).transpose(np.argsort(order))
    for u in range(size):
        for v in range(size):
            at = dx[:, :, u:u + stride * (Ho - 1) + 1:stride, v:v + stride * (Wo - 1) + 1:stride]
            if stride >= size:      # windows do not overlap: every entry is in at most one window
                np.multiply(dout, k == u * size + v, out=at)
            else:                   # overlapping windows: an entry collects from each window it is the max of
                at += dout * (k == u * size + v)
    return dx


def receptive_field(layers):
    """Receptive field of a unit after each layer of a stack of convolutions and poolings.

    layers: ``[(kernel, stride), …]`` from the input up (a 3×3 'same' convolution is (3, 1), a
    2×2 max-pooling (2, 2))   ->   ``[(r_l, j_l), …]``, one pair per layer:

        r_l = r_{l−1} + (k_l − 1) · j_{l−1}       r_0 = 1   (input pixels a unit sees, per axis)
        j_l = j_{l−1} · s_l                        j_0 = 1   (input pixels between two neighbouring units)

    A k×k kernel adds k − 1 units of the layer below, each of which is j_{l−1} input pixels
    away from the next: pooling does not see much by itself, but it multiplies the jump, so
    every later kernel reaches further.
    """
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a list of (kernel, stride) pairs like [(3, 1), (2, 2)], got {layers!r}")
    r, j, out = 1, 1, []
    for i, layer in enumerate(layers):
        if not hasattr(layer, "__len__") or len(layer) != 2:
            raise ValueError(f"layers[{i}] must be a pair (kernel, stride), got {layer!r}")
        k = _checks.whole(layer[0], f"layers[{i}] kernel", lo=1)
        s = _checks.whole(layer[1], f"layers[{i}] stride", lo=1)
        r, j = r + (k - 1) * j, j * s
        out.append((r, j))
    return out
