"""Layers as on the FPROP/BPROP slides: each ``*_fprop`` returns its output and a cache, and each
``*_bprop`` takes the upstream gradient and that cache (the CS231n convention).

Row-batch convention: ``x`` is ``(N, D)``; a weight matrix is ``(out, in)`` exactly as on the
slides (``W1 ∈ R^{N1×D}``), so the slide's ``W1 x + b1`` for one column vector ``x`` becomes
``x @ W1.T + b1`` for a batch of rows. The local derivative is written right below each forward
formula.
"""
import numpy as np

__all__ = ["affine_fprop", "affine_bprop", "relu_fprop", "relu_bprop", "tanh_fprop", "tanh_bprop",
           "ACTIVATIONS"]


def _check_upstream(d, expected_shape, name):
    if np.shape(d) != tuple(expected_shape):
        raise ValueError(f"{name} has shape {np.shape(d)}; expected {tuple(expected_shape)}, "
                         "the shape of this layer's output")


def affine_fprop(x, W, b):
    """Fully connected layer, the slide's ``W x + b`` for a batch of rows.

    x: (N, in)   W: (out, in)   b: (out,)   ->   z: (N, out),  cache = (x, W)

        z = x @ W.T + b
    """
    z = x @ W.T
    z += b  # in place: broadcast b over the rows without a second (N, out) array
    return z, (x, W)


def affine_bprop(dz, cache):
    """Backward pass of :func:`affine_fprop`.

    dz: (N, out) = ∂L/∂z   ->   dx: (N, in), dW: (out, in), db: (out,)

        ∂L/∂x = ∂L/∂z · W          (the slide's  ∂L/∂h = Wᵀ ∂L/∂z  for one column)
        ∂L/∂W = (∂L/∂z)ᵀ x         (the slide's  ∂L/∂W = ∂L/∂z hᵀ, summed over the batch)
        ∂L/∂b = Σ_n ∂L/∂z_n
    """
    x, W = cache
    _check_upstream(dz, (x.shape[0], W.shape[0]), "dz")
    dx = dz @ W
    dW = dz.T @ x
    db = dz.sum(axis=0)
    return dx, dW, db


def relu_fprop(z):
    """ReLU, the slide's ``u = max(0, v)``, elementwise.

    z: any shape   ->   h: same shape,  cache = z

        h = max(0, z)
    """
    return np.maximum(z, 0.0), z


def relu_bprop(dh, cache):
    """Backward pass of :func:`relu_fprop`: the gradient passes where the unit is on.

        ∂L/∂z = ∂L/∂h · [z > 0]      (at the kink z = 0 we take the derivative 0)
    """
    z = cache
    _check_upstream(dh, z.shape, "dh")
    dh = np.asarray(dh)
    dz = (z > 0).astype(np.result_type(dh, z))  # [z > 0]: 1 where the unit is on, 0 where it is off
    dz *= dh                                     # ∂L/∂z = ∂L/∂h · [z > 0]
    return dz


def tanh_fprop(z):
    """tanh, a smooth non-linearity (BPROP works for any a.e. differentiable module).

    z: any shape   ->   h: same shape,  cache = h

        h = tanh(z)
    """
    h = np.tanh(z)
    return h, h


def tanh_bprop(dh, cache):
    """Backward pass of :func:`tanh_fprop`.

        ∂L/∂z = ∂L/∂h · (1 − h²)
    """
    h = cache
    _check_upstream(dh, h.shape, "dh")
    return dh * (1.0 - h * h)


#: name -> (fprop, bprop) of the non-linearities a network may use between layers.
ACTIVATIONS = {"relu": (relu_fprop, relu_bprop), "tanh": (tanh_fprop, tanh_bprop)}
