"""Input validation shared by the core: every bad input gets an error that names it.

Each helper raises ``ValueError`` (or ``TypeError``) whose message names the argument, what was
received and what was expected, so a student never meets a numpy broadcasting accident or a
silent wrong answer.
"""
import numbers

import numpy as np


def as_float_array(a, name):
    """``a`` as a float ndarray (float32 kept, everything else float64); rejects NaN/inf/non-numbers."""
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(a).__name__}")
    try:
        arr = np.asarray(a)
    except Exception as e:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers: {e}") from None
    kind = arr.dtype.kind  # 'b' bool, 'i'/'u' integers, 'f' floats, 'c' complex, others not numbers
    if kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    if kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        where = f"{name}[{', '.join(map(str, bad))}]" if bad else name
        raise ValueError(f"{name} contains NaN or inf (first {where} = {float(arr[bad])}); "
                         "expected finite numbers")
    return arr


def batch(x, name, features=None):
    """Validate an input batch: ``(N, D)`` or a single example ``(D,)``.

    Returns ``(x2d, single)`` where ``x2d`` is ``(N, D)`` and ``single`` says the caller gave ``(D,)``.
    """
    x = as_float_array(x, name)
    if x.ndim == 1:
        single, x = True, x[None, :]
    elif x.ndim == 2:
        single = False
    else:
        raise ValueError(f"{name} must be (N, D) for a batch or (D,) for one example; got a "
                         f"{x.ndim}-D array of shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch (shape {x.shape}); expected at least one example")
    if features is not None and x.shape[1] != features:
        hint = ""
        if x.ndim == 2 and x.shape[1] == 1 and x.shape[0] == features:
            hint = " (a column vector? pass one example as a 1-D array of shape (D,))"
        raise ValueError(f"{name} has {x.shape[1]} features (shape {tuple(x.shape) if not single else x.shape[1:]}); "
                         f"expected {features}{hint}")
    return x, single


def labels(y, name, n, n_classes):
    """Validate integer class labels: shape ``(n,)``, integers in ``0..n_classes-1``."""
    if isinstance(y, numbers.Integral) and not isinstance(y, bool):
        y = np.array([y])
    try:
        arr = np.asarray(y)
    except Exception as e:
        raise TypeError(f"{name} must be integer class labels: {e}") from None
    if arr.ndim == 0:
        arr = arr[None]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} labels; expected {n}, one per example")
    if arr.dtype.kind not in "iuf":  # not bool, strings, objects or complex
        raise TypeError(f"{name} must be integer class labels, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            bad = arr[~np.isfinite(arr) | (arr != np.round(arr))][0]
            raise ValueError(f"{name} must be whole numbers (class indices); got {float(bad)}")
        arr = arr.astype(np.int64)
    if n and (arr.min() < 0 or arr.max() >= n_classes):
        bad = arr[(arr < 0) | (arr >= n_classes)][0]
        raise ValueError(f"{name} contains label {int(bad)}; expected labels in 0..{n_classes - 1} "
                         f"for {n_classes} classes")
    return arr.astype(np.int64, copy=False)


def positive(value, name, allow_zero=False):
    """A finite real number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        want = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {want}; got {value!r}")
    return float(value)


def same_shape(a, b, name_a, name_b):
    """``a`` and ``b`` have the same shape."""
    if np.shape(a) != np.shape(b):
        raise ValueError(f"{name_a} has shape {np.shape(a)} but {name_b} has shape {np.shape(b)}; "
                         "expected the same shape")


def real(value, name):
    """A finite real number (not a bool), as a float."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} ({value!r})")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def whole(value, name, lo=None, hi=None):
    """A whole number (not a bool) in ``[lo, hi]`` (either end may be None), as an int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} ({value!r})")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        want = (f"between {lo} and {hi}" if lo is not None and hi is not None
                else f"at least {lo}" if lo is not None else f"at most {hi}")
        raise ValueError(f"{name} must be {want}, got {value}")
    return int(value)


def fraction(value, name, closed_right=False):
    """A number in [0, 1) (or [0, 1] with ``closed_right``), as a float."""
    v = real(value, name)
    if not (0 <= v < 1 or (closed_right and v == 1)):
        raise ValueError(f"{name} must be a number in [0, 1{']' if closed_right else ')'}, got {value!r}")
    return v


def interval(lim, name):
    """A pair ``(lo, hi)`` of finite numbers with lo < hi."""
    if isinstance(lim, (str, bytes)) or not hasattr(lim, "__len__") or len(lim) != 2:
        raise ValueError(f"{name} must be a pair (lo, hi) like (-3, 3), got {lim!r}")
    lo, hi = real(lim[0], f"{name}[0]"), real(lim[1], f"{name}[1]")
    if not lo < hi:
        raise ValueError(f"{name} must have {name}[0] < {name}[1], got {(lo, hi)}")
    return lo, hi


def box(b, name="box"):
    """``(xmin, xmax, ymin, ymax)`` with xmin < xmax and ymin < ymax, as floats."""
    if isinstance(b, (str, bytes)) or not hasattr(b, "__len__") or len(b) != 4:
        raise ValueError(f"{name} must be (xmin, xmax, ymin, ymax) like (-3, 3, -2, 2.5), got {b!r}")
    xmin, xmax, ymin, ymax = (real(v, f"{name}[{i}]") for i, v in enumerate(b))
    if not xmin < xmax:
        raise ValueError(f"{name} must have xmin < xmax, got xmin={xmin}, xmax={xmax}")
    if not ymin < ymax:
        raise ValueError(f"{name} must have ymin < ymax, got ymin={ymin}, ymax={ymax}")
    return xmin, xmax, ymin, ymax


def keys_of(keys, params, grads=None):
    """The parameter names to work on: ``keys`` (default: all of ``params``), each one in
    ``params`` and, when ``grads`` is given, in ``grads`` with the same shape."""
    keys = list(params) if keys is None else list(keys)
    for k in keys:
        if k not in params:
            raise ValueError(f"keys names {k!r}, which is not in params (keys {sorted(params)})")
        if grads is not None:
            if k not in grads:
                raise ValueError(f"grads has no entry {k!r}; expected one for every parameter ({sorted(params)})")
            same_shape(grads[k], params[k], f"grads[{k!r}]", f"params[{k!r}]")
    return keys
