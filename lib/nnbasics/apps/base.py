"""The pattern every interactive demo follows (DESIGN.md, "Widget apps").

An app is a plain class. Its controls are attributes named like its constructor's keywords
(``ReluTilingApp(width=8)`` has ``app.width``, an ipywidgets slider), so

    app.state()            -> {'width': 8, 'depth': 2, ...}
    ReluTilingApp(**state) -> the same scene again (a lecturer prepares it before class)

The figure is built once, inside ``plt.ioff()``; a control's callback changes artists
(``set_data``, ``set_array``, ``set_text``) and calls ``fig.canvas.draw_idle()``. With
``%matplotlib widget`` the canvas is an ipympl widget; under Agg (tests, benchmarks) the same
code runs headless and ``draw_idle`` draws at once, so a test can set ``app.width.value = 9``
and look at the artists. An exception inside a callback is shown in the app's status line,
not lost in the kernel log. Re-running a cell closes the figure the previous run made there.

One redraw per callback: only :meth:`App._run` asks for one (not pyplot's auto-draw whenever
an artist changes, nor its ``draw_all`` after each widget message). Under ipympl, ``draw_idle``
asks the browser, which asks back for one picture at a time, so a slider move or a ``Play``
tick sends at most one picture, of the fully updated figure. Fast redraws:
``self.freeze_background([...])`` names the artists ``update()`` changes; every draw of the
figure (Agg, ipympl, ``savefig``) then pastes the cached pixels of the rest (titles, ticks,
equations) and draws only those (:class:`nnbasics.plots.FrozenBackground`).

A subclass:

    class MyApp(App):
        def __init__(self, a=1.0):
            self.a = widgets.FloatSlider(value=a, min=0, max=2, description="a")
            self.fig, self.ax = self.new_figure(figsize=(6, 4))
            self.line, = self.ax.plot(...)
            self.frozen = self.freeze_background([self.line])   # optional: only the line moves
            self.start()                     # wires the controls, draws once, lays out

        def update(self, change=None):       # redraws from the controls' values
            self.line.set_ydata(...)

        def layout(self):                    # optional: how the widgets are arranged
            return widgets.VBox([self.a, self.canvas, self.status])
"""
import time
import traceback
import weakref

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ..plots import FrozenBackground

__all__ = ["App", "current_cell_id"]

# Figures made by the app of each notebook cell, so re-running the cell closes the old one.
_FIGURES_BY_CELL = {}


def current_cell_id():
    """The id of the notebook cell being executed (JupyterLab sends it), or None outside one."""
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is None or not hasattr(ip, "kernel"):
            return None
        return ip.kernel.get_parent().get("metadata", {}).get("cellId")
    except Exception:
        return None


class App:
    """Base class of the interactive demos; see the module docstring for the pattern."""

    #: instance attributes that are controls (None: every ipywidgets ValueWidget attribute that
    #: is not disabled, in the order they were created); a subclass may list them explicitly.
    control_names = None

    # -- building -------------------------------------------------------------------------
    def new_figure(self, figsize=(7, 4.5), **subplots_kw):
        """``(fig, axes)`` made once, without showing it (plt.ioff), with a quiet ipympl canvas."""
        key = (type(self).__name__, current_cell_id())
        if key[1] is not None:
            for old in _FIGURES_BY_CELL.pop(key, []):
                plt.close(old)
        with plt.ioff():
            fig, axes = plt.subplots(figsize=figsize, **subplots_kw)
        canvas = fig.canvas
        for attr, value in (("header_visible", False), ("footer_visible", False),
                            ("toolbar_visible", False), ("resizable", False)):
            if hasattr(canvas, attr):
                setattr(canvas, attr, value)
        # no pyplot auto-draw whenever an artist changes (interactive plain Python): App._run
        # redraws once after each callback, so a half-updated figure is never drawn
        fig.stale_callback = None
        if key[1] is not None:
            _FIGURES_BY_CELL.setdefault(key, []).append(fig)
        self._figures = getattr(self, "_figures", []) + [fig]
        return fig, axes

    def freeze_background(self, dynamic, fig=None, max_cached=8):
        """Redraw only the ``dynamic`` artists (those ``update()`` changes) of ``fig`` (default
        ``self.fig``); the rest is drawn once and pasted (:class:`~nnbasics.plots.FrozenBackground`,
        returned: call its ``set_key``/``invalidate`` when a frozen part changes)."""
        frozen = FrozenBackground(self.fig if fig is None else fig, dynamic, max_cached=max_cached)
        self._frozen = getattr(self, "_frozen", []) + [frozen]
        return frozen

    @property
    def full_draws(self):
        """Draws of the whole figure so far (the first one, and after a frozen part changed)."""
        return sum(f.full_draws for f in getattr(self, "_frozen", []))

    @property
    def fast_draws(self):
        """Draws that pasted the cached background and drew only the moving artists."""
        return sum(f.fast_draws for f in getattr(self, "_frozen", []))

    def start(self):
        """Wire every control to :meth:`update`, draw once, build the layout."""
        self.status = getattr(self, "status", None) or widgets.HTML(value="")
        self.last_error = None
        self.update_times = []
        for name, control in self.controls().items():
            control.observe(self._make_callback(name), names="value")
        self._run(self.update, None)
        self._widget = self.layout()

    def _make_callback(self, name):
        ref = weakref.ref(self)

        def callback(change):
            app = ref()
            if app is not None and not getattr(app, "_holding", False):
                app._run(app.update, change)

        return callback

    def _run(self, fn, change):
        """Call ``fn(change)`` and redraw; show any exception in the status line."""
        t0 = time.perf_counter()
        try:
            fn(change)
        except Exception as e:  # shown in the app, also kept for tests
            self.last_error = e
            tb = traceback.format_exc(limit=4)
            self.status.value = (
                "<div style='color:#b00020;white-space:pre-wrap;font-family:monospace'>"
                f"<b>{type(e).__name__}: {_html(str(e))}</b>\n{_html(tb)}</div>")
        else:
            if self.last_error is not None:
                self.last_error = None
                self.status.value = ""
        for fig in getattr(self, "_figures", []):
            fig.canvas.draw_idle()
            # asked for (ipympl: the browser asks back for the picture): pyplot's draw_all, which
            # IPython runs after every cell and every widget message, need not ask a second time
            fig.stale = False
        self.update_times.append(time.perf_counter() - t0)

    # -- what subclasses provide --------------------------------------------------------------
    def update(self, change=None):
        """Redraw the artists from the current control values (subclasses implement)."""
        raise NotImplementedError

    def layout(self):
        """The widget shown in the notebook: controls, then the canvas, then the status line."""
        return widgets.VBox([widgets.HBox(list(self.controls().values()),
                                          layout=widgets.Layout(flex_flow="row wrap")),
                             self.canvas, self.status])

    # -- the contract -------------------------------------------------------------------------
    def controls(self):
        """``{name: widget}`` of the controls a user moves (sliders, dropdowns, toggles)."""
        if self.control_names is not None:
            return {n: getattr(self, n) for n in self.control_names}
        return {n: w for n, w in vars(self).items()
                if isinstance(w, widgets.ValueWidget) and not isinstance(w, (widgets.HTML, widgets.Label))
                and not getattr(w, "disabled", False)}

    def state(self):
        """The settings that ``type(app)(**state)`` reproduces exactly (plain Python values)."""
        return {n: _plain(w.value) for n, w in self.controls().items()}

    def set_state(self, **values):
        """Set several controls at once with a single redraw."""
        controls = self.controls()
        unknown = set(values) - set(controls)
        if unknown:
            raise ValueError(f"{type(self).__name__} has no control {sorted(unknown)}; "
                             f"its controls are {sorted(controls)}")
        self._holding = True
        try:
            for n, v in values.items():
                controls[n].value = v
        finally:
            self._holding = False
        self._run(self.update, None)

    @property
    def canvas(self):
        """The figure's canvas as a widget (ipympl), or an empty box when running headless."""
        c = self.fig.canvas
        return c if isinstance(c, widgets.DOMWidget) else widgets.Box()

    @property
    def widget(self):
        return self._widget

    def _ipython_display_(self):
        from IPython.display import display

        display(self._widget)

    def close(self):
        for fig in getattr(self, "_figures", []):
            plt.close(fig)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.state().items())
        return f"{type(self).__name__}({args})"


def _html(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    return v
