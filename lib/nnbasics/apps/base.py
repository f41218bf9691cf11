"""The contract every interactive demo follows (docs/ARCHITECTURE.md, "The App contract").

An app is a plain class that declares what a user can change and what is fixed:

    class MyApp(App):
        controls = ("a",)                    # attributes that are widgets a user moves
        settings = ("n",)                    # constructor arguments fixed for the app's life

        def __init__(self, a=1.0, n=50):
            super().__init__(n=int(n))       # bookkeeping; stores self.n
            self.a = widgets.FloatSlider(value=a, min=0, max=2, description="a")
            self.fig, self.ax = self.new_figure(figsize=(6, 4))
            self.line, = self.ax.plot(np.arange(self.n), np.zeros(self.n))
            self.freeze_background([self.line])   # optional: only the line moves
            self.start()                     # wires the controls, draws once, lays out

        def update(self, change=None):       # redraws from the controls' values
            self.line.set_ydata(self.a.value * np.arange(self.n))

so that ``app.state()`` is ``{'a': …, 'n': …}`` and ``MyApp(**app.state())`` rebuilds the same
scene (a lecturer prepares it before class). ``with app.hold(): …`` changes several controls
and redraws once at the end.

The figure is built once, inside ``plt.ioff()``; a control's callback changes artists
(``set_data``, ``set_array``, ``set_text``) and the app asks for one redraw. With
``%matplotlib widget`` the canvas is an ipympl widget; under Agg (tests, benchmarks) the same
code runs headless and ``draw_idle`` draws at once, so a test can set ``app.a.value = 2`` and
look at the artists. An exception inside a callback is shown in the app's status line, not
lost in the kernel log. Re-running a cell closes the figure the previous run made there.

One redraw per callback: only :meth:`App._run` asks for one (not pyplot's auto-draw whenever
an artist changes, nor its ``draw_all`` after each widget message). Under ipympl, ``draw_idle``
asks the browser, which asks back for one picture at a time, so a slider move or a ``Play``
tick sends at most one picture, of the fully updated figure. Fast redraws:
``self.freeze_background([...])`` names the artists ``update()`` changes; every draw of the
figure (Agg, ipympl, ``savefig``) then pastes the cached pixels of the rest (titles, ticks,
equations) and draws only those (:class:`nnbasics.plots.FrozenBackground`).

Every app class defined in ``nnbasics.apps`` registers itself in :data:`ALL_APPS` (the generic
tests sweep every control of every registered app, and the benchmarks time them).

Accessible (:mod:`nnbasics.apps.accessible`): every app says in words what its picture shows,
``describe()`` (required of every registered app), shown as a live text summary under it and
given to the picture as its text alternative, refreshed by ``_run`` after every redraw; every
widget it lays out gets an accessible name (its description, or ``accessible_names()``).
"""
import contextlib
import os
import time
import traceback
import warnings
import weakref

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..plots import FrozenBackground
from .accessible import AccessibleBridge, attach
from .figure_view import FigureView

__all__ = ["App", "ALL_APPS", "current_cell_id"]

#: every app class of the suite, in the order their modules are imported (see apps/__init__.py)
ALL_APPS = []

# Figures made by the app of each notebook cell, so re-running the cell closes the old one.
_FIGURES_BY_CELL = {}


def browser_draws():
    """Whether app figures are drawn by the browser (:class:`~nnbasics.apps.figure_view.FigureView`):
    in a notebook with ``%matplotlib widget`` (ipympl), unless ``NNBASICS_IPYMPL=1`` asks for
    ipympl's canvas; never headless (Agg: tests, benchmarks, scripts)."""
    backend = matplotlib.get_backend().lower()
    return ("ipympl" in backend or backend == "widget") and os.environ.get("NNBASICS_IPYMPL") != "1"


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

    #: names of the attributes that are controls: ipywidgets a user moves, in ``state()``
    controls = ()
    #: names of the constructor arguments that are fixed for the app's life, also in ``state()``
    settings = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("nnbasics.apps."):
            ALL_APPS.append(cls)
            if cls.describe is App.describe:
                warnings.warn(f"{cls.__name__} has no describe(): its picture has no text alternative "
                              "(every app in nnbasics.apps must say what its picture shows)", stacklevel=2)

    def __init__(self, **settings):
        """Bookkeeping every app needs; ``settings`` are stored as attributes (see :attr:`settings`)."""
        missing, unknown = set(self.settings) - set(settings), set(settings) - set(self.settings)
        if missing or unknown:
            raise TypeError(f"{type(self).__name__}.__init__ must pass its settings {list(self.settings)} to "
                            f"App.__init__; missing {sorted(missing)}, unknown {sorted(unknown)}")
        for name, value in settings.items():
            setattr(self, name, value)
        self._figures = []
        self._frozen = []
        self._holding = False
        self.status = widgets.HTML(value="")
        self.last_error = None
        self.update_times = []
        self.a11y = AccessibleBridge()     # the live text summary and the widgets' accessible names
        self._views = {}                   # figure -> FigureView: the picture drawn by the browser
        self._browser_figures = set()      # figures made for a FigureView

    # -- building -------------------------------------------------------------------------
    def new_figure(self, figsize=(7, 4.5), **subplots_kw):
        """``(fig, axes)`` made once, without showing it (plt.ioff), with a quiet ipympl canvas."""
        if not hasattr(self, "_figures"):
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__() before new_figure()")
        key = (type(self).__name__, current_cell_id())
        if key[1] is not None:
            for old in _FIGURES_BY_CELL.pop(key, []):
                plt.close(old)
        if browser_draws():
            # the browser draws it (FigureView): a plain Agg figure, no ipympl canvas (whose
            # frontend would change the figure's dpi and ask for pictures nobody sees)
            fig = Figure(figsize=figsize)
            FigureCanvasAgg(fig)
            axes = fig.subplots(**subplots_kw)
            self._browser_figures.add(fig)
        else:
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
        self._figures.append(fig)
        return fig, axes

    def freeze_background(self, dynamic, fig=None, max_cached=8):
        """Redraw only the ``dynamic`` artists (those ``update()`` changes) of ``fig`` (default
        ``self.fig``); the rest is drawn once and pasted (:class:`~nnbasics.plots.FrozenBackground`,
        returned and kept as ``self.frozen``: call its ``set_key``/``invalidate`` when a frozen part
        changes)."""
        frozen = FrozenBackground(self.fig if fig is None else fig, dynamic, max_cached=max_cached)
        self._frozen.append(frozen)
        if fig is None:
            self.frozen = frozen
        return frozen

    @property
    def full_draws(self):
        """Draws of the whole figure so far (the first one, and after a frozen part changed)."""
        return sum(f.full_draws for f in self._frozen)

    @property
    def fast_draws(self):
        """Draws that pasted the cached background and drew only the moving artists."""
        return sum(f.fast_draws for f in self._frozen)

    def start(self):
        """Check the declared controls, wire each to :meth:`update`, draw once, build the layout.

        In a notebook with ``%matplotlib widget`` (:func:`browser_draws`), every figure with a
        frozen background is shown by a :class:`~nnbasics.apps.figure_view.FigureView`: the
        browser draws it from vectors, so a move sends kilobytes instead of a PNG."""
        for frozen in self._frozen:
            if frozen.fig in self._browser_figures and frozen.fig not in self._views:
                self._views[frozen.fig] = FigureView(frozen.fig, frozen)
        for name, control in self.control_widgets().items():
            control.observe(self._make_callback(name), names="value")
        self._run(self.update, None)
        self._widget = attach(self, self.layout())

    def _make_callback(self, name):
        ref = weakref.ref(self)

        def callback(change):
            app = ref()
            if app is not None and not app._holding:
                app._run(app.update, change)

        return callback

    def _run(self, fn, change):
        """Call ``fn(change)`` and redraw; show any exception in the status line."""
        t0 = time.perf_counter()
        try:
            fn(change)
            if type(self).describe is not App.describe:
                self.a11y.summary = self.describe()     # the picture in words, for what is drawn next
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
        for fig in self._figures:
            view = self._views.get(fig)
            if view is not None:
                view.push()                 # the moving artists as vectors (the browser paints them)
            else:
                fig.canvas.draw_idle()
            # asked for (ipympl: the browser asks back for the picture): pyplot's draw_all, which
            # IPython runs after every cell and every widget message, need not ask a second time
            fig.stale = False
        self.update_times.append(time.perf_counter() - t0)

    # -- what subclasses provide --------------------------------------------------------------
    def update(self, change=None):
        """Redraw the artists from the current control values (subclasses implement)."""
        raise NotImplementedError

    def describe(self):
        """What the picture shows now, in one or two short sentences with its numbers (e.g. "63 linear
        regions; the unit on the sliders borders 9 of them"): the live summary under the app and the
        picture's text alternative for a screen reader. Every registered app implements it."""
        raise NotImplementedError(f"{type(self).__name__} must say what its picture shows: define describe()")

    def values_text(self, names=None):
        """The controls ``names`` (default: all) as words, "description value" each: part of a
        ``describe()`` that must say which settings the picture was drawn with."""
        controls = self.control_widgets()
        out = []
        for n in controls if names is None else names:
            w = controls[n]
            if isinstance(w, widgets.Checkbox | widgets.ToggleButton):
                v = "yes" if w.value else "no"
            elif getattr(w, "index", None) is not None:             # menus, toggle buttons, selection sliders
                o = w.options[w.index]
                v = o[0] if isinstance(o, tuple) else str(o)
            else:
                v = f"{w.value:.3g}" if isinstance(w.value, float) else str(w.value)
            out.append(f"{w.description} {v}")
        return ", ".join(out)

    def accessible_names(self):
        """``{widget: name}`` for laid-out widgets whose description alone does not say what they
        change (the others are named by their description and tooltip)."""
        return {}

    @property
    def summary(self):
        """The live text summary shown under the app (``describe()`` after the last redraw)."""
        return self.a11y.summary

    def layout(self):
        """The widget shown in the notebook: controls, then the canvas, then the status line."""
        return widgets.VBox([widgets.HBox(list(self.control_widgets().values()),
                                          layout=widgets.Layout(flex_flow="row wrap")),
                             self.canvas, self.status])

    # -- the contract -------------------------------------------------------------------------
    def control_widgets(self):
        """``{name: widget}`` of the declared :attr:`controls`, in their order."""
        out = {}
        for name in self.controls:
            w = getattr(self, name, None)
            if not isinstance(w, widgets.ValueWidget):
                raise TypeError(f"{type(self).__name__}.controls names {name!r}, which is "
                                f"{type(w).__name__}, not an ipywidgets control")
            out[name] = w
        return out

    def control_name(self, change):
        """The name of the control a callback's ``change`` comes from (None: not a control)."""
        owner = change.get("owner") if change else None
        return next((n for n, w in self.control_widgets().items() if w is owner), None)

    def state(self):
        """The settings that ``type(app)(**state)`` reproduces exactly (plain Python values)."""
        s = {n: _plain(w.value) for n, w in self.control_widgets().items()}
        s.update({n: _plain(getattr(self, n)) for n in self.settings})
        return s

    @contextlib.contextmanager
    def quietly(self):
        """Change controls without running their callbacks (an app adjusting its own sliders)."""
        was, self._holding = self._holding, True
        try:
            yield self
        finally:
            self._holding = was

    @contextlib.contextmanager
    def hold(self):
        """Change several controls, then redraw once: ``with app.hold(): app.a.value = 1; app.b.value = 2``."""
        if self._holding:                 # nested: the outer hold redraws
            yield self
            return
        with self.quietly():
            yield self
        self._run(self.update, None)

    def set_state(self, **values):
        """Set several controls at once with a single redraw."""
        controls = self.control_widgets()
        unknown = set(values) - set(controls)
        if unknown:
            raise ValueError(f"{type(self).__name__} has no control {sorted(unknown)}; "
                             f"its controls are {sorted(controls)}")
        with self.hold():
            for n, v in values.items():
                controls[n].value = v

    @property
    def canvas(self):
        """The figure as a widget: its FigureView, else its ipympl canvas, or an empty box when
        running headless."""
        if self.fig in self._views:
            return self._views[self.fig]
        c = self.fig.canvas
        return c if isinstance(c, widgets.DOMWidget) else widgets.Box()

    @property
    def widget(self):
        return self._widget

    def _ipython_display_(self):
        from IPython.display import display

        display(self._widget)

    def close(self):
        """Close the figures, then every widget of the layout: a page that builds the widgets from
        the kernel's state (Voila) must not meet a box whose canvas is gone."""
        for fig in self._figures:
            plt.close(fig)
        stack = [getattr(self, "_widget", None)]
        while stack:
            w = stack.pop()
            if isinstance(w, widgets.Widget):
                stack.extend(getattr(w, "children", ()) or ())
                w.close()

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
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v
