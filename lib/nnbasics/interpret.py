"""What the hidden units of a trained network do (the Interpretation slides), numpy only.

    "What does a hidden unit do? It can be thought of as a classifier or feature detector."
    "DL architectures are efficient also because they use distributed representations which
     are shared across classes."

:func:`hidden_activations` gives every hidden layer's units for a batch; :func:`unit_codes`
turns them into one binary code per class (which units are on for most of its examples), like
the slide's "truck" and "motorbike" vectors; :func:`shared_units` counts what two codes have in
common; :func:`confusion_matrix` counts which classes the network confuses.
"""
import numpy as np

from . import _checks
from .network import fprop

__all__ = ["hidden_activations", "unit_codes", "shared_units", "confusion_matrix", "code_text"]


def hidden_activations(params, X):
    """The hidden units of every layer: ``[h1 (N, N1), h2 (N, N2), …]`` for inputs X (N, D)."""
    _, cache = fprop(params, X)
    if cache["single"]:
        raise ValueError("X must be a batch (N, D) of inputs, not one example (D,)")
    return [cache[f"h{l}"] for l in range(1, cache["L"])]


def unit_codes(H, y, n_classes, threshold=0.5):
    """The binary code of each class: which units are on for MORE than ``threshold`` of its examples.

        frac[c, j] = fraction of the examples of class c with h_j > 0
        code[c, j] = frac[c, j] > threshold

    H (N, U) hidden activations, y (N,) labels 0..n_classes-1  ->  frac (C, U) floats, code (C, U) bool.
    A class without examples has frac 0 (and code 0) for every unit.
    """
    H = _checks.as_float_array(H, "H")
    if H.ndim != 2:
        raise ValueError(f"H must be (N, U) hidden activations, got shape {H.shape}")
    n_classes = _checks.whole(n_classes, "n_classes", lo=1)
    y = _checks.labels(y, "y", len(H), n_classes)
    threshold = _checks.fraction(threshold, "threshold")
    on = H > 0
    frac = np.stack([on[y == c].mean(axis=0) if np.any(y == c) else np.zeros(on.shape[1])
                     for c in range(n_classes)])
    return frac, frac > threshold


def shared_units(codes):
    """How many units two classes have in common: S (C, C) ints, ``S[a, b] = Σ_j code[a,j]·code[b,j]``.

    The diagonal is the number of units on for each class.
    """
    c = np.asarray(codes)
    if c.ndim != 2 or c.dtype.kind not in "bui":
        raise ValueError(f"codes must be a (C, U) array of 0/1 (or bool), got shape {c.shape} of {c.dtype}")
    c = c.astype(np.int64)
    return c @ c.T


def confusion_matrix(y_true, y_pred, n_classes):
    """Counts M (C, C): ``M[i, j]`` = examples of true class i predicted as class j (rows: truth)."""
    n_classes = _checks.whole(n_classes, "n_classes", lo=1)
    y_true = _checks.labels(y_true, "y_true", np.size(y_true), n_classes)
    y_pred = _checks.labels(y_pred, "y_pred", len(y_true), n_classes)
    M = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(M, (y_true, y_pred), 1)
    return M


def code_text(code):
    """A binary code written like the slides: ``[1 0 0 1 …]``."""
    return "[" + " ".join("1" if b else "0" for b in np.ravel(code)) + "]"
