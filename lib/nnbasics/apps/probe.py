"""Drive an app without a browser: the values a control can take, what the figure shows.

Shared by the generic app tests (every control swept, nothing NaN, the picture changes) and
the latency benchmark (p50/p95 of one slider move), so both move controls the same way.
"""
import hashlib
import re

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import Collection
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

__all__ = ["sweep_values", "figure_digest", "drawn_nonfinite", "is_slider"]

_NONFINITE_WORD = re.compile(r"\b(nan|inf)\b", re.IGNORECASE)
SLIDERS = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider, widgets.SelectionSlider)


def is_slider(control):
    return isinstance(control, SLIDERS)


def sweep_values(control, n=7):
    """Values to move ``control`` through, ends included, ending away from where it started."""
    if isinstance(control, widgets.FloatLogSlider):
        exps = np.linspace(control.min, control.max, n)
        vals = [float(control.base ** e) for e in exps]
    elif isinstance(control, (widgets.FloatSlider, widgets.BoundedFloatText)):
        vals = [float(v) for v in np.linspace(control.min, control.max, n)]
    elif isinstance(control, (widgets.IntSlider, widgets.BoundedIntText, widgets.Play)):
        vals = sorted({int(round(v)) for v in np.linspace(control.min, control.max, n)})
    elif isinstance(control, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons,
                              widgets.SelectionSlider, widgets.Select)):
        opts = control.options
        vals = [o[1] if isinstance(o, tuple) else o for o in opts]
        if isinstance(control, widgets.SelectionSlider):
            vals = list(control.options) if not isinstance(control.options[0], tuple) else vals
    elif isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        vals = [not control.value, control.value]
    else:
        return []
    return vals


def figure_digest(fig):
    """A hash of the rendered pixels of ``fig`` (Agg): equal digests, same picture."""
    fig.canvas.draw()
    return hashlib.sha1(np.asarray(fig.canvas.buffer_rgba()).tobytes()).hexdigest()


def _arrays(artist):
    if isinstance(artist, Line2D):
        yield np.asarray(artist.get_xydata(), dtype=float)
    elif isinstance(artist, AxesImage):
        a = artist.get_array()
        if a is not None and np.issubdtype(np.asarray(a).dtype, np.number):
            yield np.ma.filled(np.ma.asarray(a, dtype=float), 0.0)
    elif isinstance(artist, Collection):
        yield np.asarray(artist.get_offsets(), dtype=float)
        a = artist.get_array()
        if a is not None:
            yield np.ma.filled(np.ma.asarray(a, dtype=float), 0.0)
        for p in artist.get_paths()[:2000]:
            yield p.vertices
    elif isinstance(artist, Patch):
        yield np.asarray(artist.get_path().vertices, dtype=float)


def drawn_nonfinite(fig):
    """Descriptions of artists in ``fig`` that draw NaN/inf (data or text); empty when all is finite.

    Masked entries of images (deliberately blank pixels) are not counted.
    """
    bad = []
    for ax in fig.axes:
        for artist in ax.get_children():
            if not artist.get_visible():
                continue
            if isinstance(artist, Text):
                if _NONFINITE_WORD.search(artist.get_text()):
                    bad.append(f"text {artist.get_text()!r}")
                continue
            for arr in _arrays(artist):
                if arr.size and not np.all(np.isfinite(arr)):
                    bad.append(f"{type(artist).__name__} {artist.get_label()!r}")
                    break
    return bad
