"""Axis helpers: limits that change in 1-2-5 steps, and log axes labelled with plain numbers."""
import math

from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

__all__ = ["nice_above", "nice_below", "plain_log_ticks"]


def nice_above(v):
    """The smallest of 1, 2, 5 × 10^k that is >= v (v > 0): axis limits that change rarely."""
    if not v > 0:
        raise ValueError(f"nice_above needs a positive number, got {v!r}")
    k = math.floor(math.log10(v))
    return next(m * 10.0 ** e for e in (k, k + 1) for m in (1, 2, 5) if m * 10.0 ** e >= v * (1 - 1e-12))


def nice_below(v):
    """The largest of 1, 2, 5 × 10^k that is <= v (v > 0)."""
    if not v > 0:
        raise ValueError(f"nice_below needs a positive number, got {v!r}")
    k = math.floor(math.log10(v))
    return next(m * 10.0 ** e for e in (k, k - 1) for m in (5, 2, 1) if m * 10.0 ** e <= v * (1 + 1e-12))


def plain_log_ticks(axis, ticks):
    """Log-scale ``axis`` ticks at ``ticks``, written as plain numbers (0.2, 1, 5), no minor labels."""
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    axis.set_minor_locator(NullLocator())
