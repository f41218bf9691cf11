"""Data sets: 2-D toy problems generated from a seed, and real handwritten digits shipped in the repo.

Every generator returns ``(X, y)``: ``X`` of shape ``(N, 2)`` (float64) and ``y`` of shape ``(N,)``
(int64 class labels ``0..C-1``), with ``N = n_per_class · C`` and the classes in order. The same
seed gives the same data. Nothing is downloaded, ever.
"""
import gzip
from functools import lru_cache
from importlib import resources

import numpy as np

from . import _checks

__all__ = ["make_spiral", "make_circles", "make_xor", "make_moons", "make_gaussians", "load_digits",
           "train_val_split", "digits_split", "DATASETS"]


def _count(value, name, minimum=1):
    return _checks.whole(value, name, lo=minimum)


def _noise(value):
    return _checks.positive(value, "noise", allow_zero=True)


def _finish(parts):
    X = np.concatenate([p for p, _ in parts]).astype(np.float64)
    y = np.concatenate([np.full(len(p), c, dtype=np.int64) for p, c in parts])
    return X, y


def make_spiral(n_per_class=100, n_classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms, one per class (the CS231n spiral): X (n·C, 2) in about [-1, 1]².

    Arm c: radius r ∈ [0, 1], angle t = 4r + 2πc/C (+ noise·N(0,1)), x = r (sin t, cos t).
    """
    n, C, noise = _count(n_per_class, "n_per_class"), _count(n_classes, "n_classes", 2), _noise(noise)
    rng = np.random.default_rng(seed)
    parts = []
    for c in range(C):
        r = np.linspace(0.0, 1.0, n)
        t = 4.0 * r + 2 * np.pi * c / C + rng.standard_normal(n) * noise
        parts.append((np.c_[r * np.sin(t), r * np.cos(t)], c))
    return _finish(parts)


def make_circles(n_per_class=100, n_classes=2, noise=0.1, seed=0):
    """Concentric rings, class c at radius (c + 1)/C (+ noise·N(0,1) radially)."""
    n, C, noise = _count(n_per_class, "n_per_class"), _count(n_classes, "n_classes", 2), _noise(noise)
    rng = np.random.default_rng(seed)
    parts = []
    for c in range(C):
        t = rng.uniform(0, 2 * np.pi, n)
        r = (c + 1) / C + noise * rng.standard_normal(n) * (1.0 / C)
        parts.append((np.c_[r * np.cos(t), r * np.sin(t)], c))
    return _finish(parts)


def make_xor(n_per_class=100, n_classes=2, noise=0.1, seed=0):
    """XOR: points in [-1, 1]², class 1 where x1·x2 < 0 (the two diagonals' quadrants), else 0.

    ``n_classes`` must be 2. Noise blurs the points (labels follow the clean positions).
    """
    n, noise = _count(n_per_class, "n_per_class"), _noise(noise)
    if n_classes != 2:
        raise ValueError(f"make_xor has exactly 2 classes, got n_classes={n_classes!r}")
    rng = np.random.default_rng(seed)
    parts = []
    for c in range(2):
        pts = []
        while sum(len(p) for p in pts) < n:
            u = rng.uniform(-1, 1, (2 * n, 2))
            u = u[(np.abs(u) > 0.05).all(axis=1)]
            pts.append(u[(u[:, 0] * u[:, 1] < 0) == bool(c)])
        xy = np.concatenate(pts)[:n]
        parts.append((xy + noise * rng.standard_normal(xy.shape), c))
    return _finish(parts)


def make_moons(n_per_class=100, n_classes=2, noise=0.1, seed=0):
    """Two interleaving half circles (``n_classes`` must be 2), centred near the origin."""
    n, noise = _count(n_per_class, "n_per_class"), _noise(noise)
    if n_classes != 2:
        raise ValueError(f"make_moons has exactly 2 classes, got n_classes={n_classes!r}")
    rng = np.random.default_rng(seed)
    t = np.linspace(0, np.pi, n)
    upper = np.c_[np.cos(t), np.sin(t)] - [0.5, 0.25]
    lower = np.c_[1 - np.cos(t), 0.5 - np.sin(t)] - [0.5, 0.25]
    parts = [(upper + noise * rng.standard_normal(upper.shape), 0),
             (lower + noise * rng.standard_normal(lower.shape), 1)]
    return _finish(parts)


def make_gaussians(n_per_class=100, n_classes=3, noise=0.3, seed=0):
    """Gaussian blobs: class c centred on a circle of radius 1 at angle 2πc/C, spread ``noise``."""
    n, C, noise = _count(n_per_class, "n_per_class"), _count(n_classes, "n_classes", 2), _noise(noise)
    rng = np.random.default_rng(seed)
    parts = []
    for c in range(C):
        centre = np.array([np.cos(2 * np.pi * c / C), np.sin(2 * np.pi * c / C)])
        parts.append((centre + noise * rng.standard_normal((n, 2)), c))
    return _finish(parts)


#: name -> generator, for menus in the apps.
DATASETS = {"spiral": make_spiral, "circles": make_circles, "xor": make_xor, "moons": make_moons,
            "gaussians": make_gaussians}


def load_digits():
    """The 8×8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", test set).

    ->  X (1797, 64) float64 in [0, 1] (pixel counts 0..16 divided by 16, row by row),
        y (1797,) int64 in 0..9.   ``X[n].reshape(8, 8)`` is the image.

    Read from ``nnbasics/_datasets/digits.csv.gz`` shipped in the repo (see the README there
    for its source and license). Nothing is downloaded.
    """
    with resources.files("nnbasics").joinpath("_datasets/digits.csv.gz").open("rb") as fh:
        raw = np.loadtxt(gzip.open(fh, "rt"), delimiter=",", dtype=np.int64)
    return raw[:, :64].astype(np.float64) / 16.0, raw[:, 64].copy()


def train_val_split(X, y, val_fraction=0.2, seed=0):
    """Shuffle and split into ``(X_train, y_train, X_val, y_val)``, stratified by class.

    X (N, D), y (N,)   ->   about ``val_fraction`` of every class goes to the validation part.
    """
    X = _checks.as_float_array(X, "X")
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (N, D) and y (N,); got X {X.shape} and y {y.shape}")
    if not (0 < _checks.real(val_fraction, "val_fraction") < 1):
        raise ValueError(f"val_fraction must be between 0 and 1 (both excluded), got {val_fraction!r}")
    rng = np.random.default_rng(seed)
    val = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        val[idx[:int(round(val_fraction * len(idx)))]] = True
    tr, va = rng.permutation(np.flatnonzero(~val)), rng.permutation(np.flatnonzero(val))
    return X[tr], y[tr], X[va], y[va]


@lru_cache(maxsize=4)
def digits_split(seed=0):
    """The digits, split once: ``(X_train, y_train, X_val, y_val, X_test, y_test)``.

    20% of every class is held out as the test set (touched once, at the very end); 20% of the
    rest is the validation set (for choosing width and depth); the remaining 64% trains.
    X (N, 64) in [0, 1], y (N,) in 0..9. Cached: the same arrays for the same seed (do not
    change them in place).
    """
    X, y = load_digits()
    X_rest, y_rest, X_test, y_test = train_val_split(X, y, 0.2, seed=seed)
    X_train, y_train, X_val, y_val = train_val_split(X_rest, y_rest, 0.2, seed=seed + 1)
    return X_train, y_train, X_val, y_val, X_test, y_test
