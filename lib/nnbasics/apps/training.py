"""Notebook 07: watch a network learn, live — SGD and momentum as on the Optimization slide.

    SGD:       θ ← θ − η ∂L/∂θ
    Momentum:  Δ ← μ Δ + ∂L/∂θ ;  θ ← θ − η Δ

``TrainingApp``: 2-D data (spiral, circles, XOR, moons, Gaussians, or points you click), a
network of ``depth`` hidden ReLU layers of ``width`` units, and a play button. Each tick of the
``Play`` widget (every 80 ms) runs a few optimiser steps (:class:`nnbasics.trainer.Trainer`)
and then moves the artists: the decision regions (``imshow`` of argmax p over a grid), the
ReLU tiling (optional), the loss and accuracy curves. Between ticks the kernel is free, so the
other controls answer while it plays. A time slider scrubs back through stored snapshots;
"SGD vs momentum" trains both from the same θ0 on the same mini-batches, side by side.

``LossSurfaceApp``: the paths of SGD and momentum from one start, drawn on a 2-D slice of the
real network's loss (the plane through θ0 that holds most of both paths).
"""
import math

import ipywidgets as widgets
import matplotlib.colors as mcolors
import numpy as np
from matplotlib.collections import LineCollection

from .. import regions as _regions
from ..data import DATASETS, train_val_split
from ..losses import softmax
from ..network import fprop, init_params
from ..trainer import Trainer
from .base import App

__all__ = ["TrainingApp", "LossSurfaceApp", "CLASS_COLOURS", "OPTIMIZER_COLOURS", "decision_rgb", "rgba8",
           "full_batch_paths", "path_plane", "flatten", "unflatten",
           "tiling_edge_mask", "loss_on_plane"]

#: class colours (Okabe–Ito: blue, orange, bluish green, reddish purple, vermillion).
CLASS_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"]
#: the two optimisers in every picture: SGD vermillion, momentum blue.
OPTIMIZER_COLOURS = {"sgd": "#D55E00", "momentum": "#0072B2"}
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "momentum"}
_CLASS_RGB = np.array([mcolors.to_rgb(c) for c in CLASS_COLOURS])

DATA_CHOICES = [("your own: click to add points", "own"), ("spiral", "spiral"), ("circles", "circles"),
                ("XOR", "xor"), ("moons", "moons"), ("Gaussians", "gaussians")]
#: data sets whose generator takes a number of classes (XOR and moons have exactly 2)
_MULTICLASS = ("spiral", "circles", "gaussians")
#: the exact tiling (regions.linear_regions) is drawn for nets with at most this many hidden
#: units; bigger nets get the grid version (edges between pixels whose ReLU pattern differs)
EXACT_TILING_MAX_UNITS = 16

_WIDE = {"description_width": "initial"}


def decision_rgb(p):
    """Colour of each grid point from its class probabilities p (G, C) -> rgb (G, 3).

    The colour of the most probable class ``argmax_k p_k``, paler where the network is unsure
    (``max_k p_k`` near 1/C) and stronger where it is sure.
    """
    C = p.shape[1]
    k = np.argmax(p, axis=1)
    sure = (p.max(axis=1) - 1.0 / C) / (1.0 - 1.0 / C)
    a = (0.18 + 0.42 * np.clip(sure, 0, 1))[:, None]
    return (1 - a) + a * _CLASS_RGB[k % len(_CLASS_RGB)]


def rgba8(rgb):
    """Float colours (..., 3) in [0, 1] -> opaque uint8 RGBA (..., 4): the fastest image to draw."""
    out = np.empty(rgb.shape[:-1] + (4,), dtype=np.uint8)
    out[..., :3] = np.clip(rgb * 255 + 0.5, 0, 255)
    out[..., 3] = 255
    return out


def tiling_edge_mask(cache, L, ny, nx):
    """Pixels where the ReLU on/off pattern changes: bool (ny, nx) from a forward cache of a grid.

    The grid version of the tiling of notebook 02: two neighbouring grid points in different
    linear regions have different patterns ``[z_j > 0]`` of the hidden units.
    """
    if L < 2:
        return np.zeros((ny, nx), dtype=bool)
    bits = np.concatenate([cache[f"z{l}"] > 0 for l in range(1, L)], axis=1).reshape(ny, nx, -1)
    edge = np.zeros((ny, nx), dtype=bool)
    dx = np.any(bits[:, 1:] != bits[:, :-1], axis=2)
    dy = np.any(bits[1:] != bits[:-1], axis=2)
    edge[:, 1:] |= dx
    edge[1:] |= dy
    return edge


def _nice_above(v):
    """The smallest of 1, 2, 5 × 10^k that is >= v (v > 0)."""
    k = math.floor(math.log10(v))
    return next(m * 10.0 ** e for e in (k, k + 1) for m in (1, 2, 5) if m * 10.0 ** e >= v * (1 - 1e-12))


def _nice_below(v):
    """The largest of 1, 2, 5 × 10^k that is <= v (v > 0)."""
    k = math.floor(math.log10(v))
    return next(m * 10.0 ** e for e in (k, k - 1) for m in (5, 2, 1) if m * 10.0 ** e <= v * (1 + 1e-12))


def _plain_log_ticks(axis, ticks):
    """Log-scale ticks written as plain numbers (0.2, 1, 5), no minor labels."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    axis.set_minor_locator(NullLocator())


class _DecisionPanel:
    """One decision-region picture: image, tiling overlay, data, a title and a warning box."""

    def __init__(self, ax, resolution):
        self.ax = ax
        self.res = resolution
        blank = np.ones((resolution, resolution, 3))
        self.image = ax.imshow(blank, origin="lower", extent=(-1, 1, -1, 1), interpolation="bilinear",
                               zorder=0, aspect="equal")
        self.edge_image = ax.imshow(np.zeros((2 * resolution, 2 * resolution, 4)), origin="lower",
                                    extent=(-1, 1, -1, 1), interpolation="nearest", zorder=1,
                                    aspect="equal", visible=False)
        self.edges = LineCollection([], colors="0.15", linewidths=0.7, zorder=2, visible=False)
        ax.add_collection(self.edges)
        # training points: dark edge; validation points: white edge (one collection, drawn fast)
        self.points = ax.scatter([], [], s=22, marker="o", zorder=3)
        self.clicked = ax.scatter([], [], s=260, marker="*", linewidths=1.2, edgecolors="k", zorder=4,
                                  label="clicked")
        self.warning = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                               fontsize=12, color="white", zorder=6, visible=False, wrap=True,
                               bbox=dict(boxstyle="round,pad=0.5", fc="#b00020", ec="none", alpha=0.92))
        self.empty = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                             fontsize=12, color="0.25", zorder=5)
        ax.set_xticks([])
        ax.set_yticks([])
        #: what changes from frame to frame (drawn over the cached background, in zorder)
        self.moving = [self.image, self.edge_image, self.edges, self.points, self.clicked,
                       self.empty, self.warning, ax.title]

    def set_box(self, box):
        x0, x1, y0, y1 = box
        for im in (self.image, self.edge_image):
            im.set_extent(box)
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)

    def set_data(self, Xtr, ytr, Xv, yv, Xc, yc):
        colours = lambda y: [CLASS_COLOURS[int(c) % len(CLASS_COLOURS)] for c in y]  # noqa: E731
        X = np.concatenate([Xtr, Xv]).reshape(-1, 2)
        self.points.set_offsets(X)
        self.points.set_facecolors(colours(np.concatenate([ytr, yv])) if len(X) else "none")
        self.points.set_edgecolors(["0.1"] * len(Xtr) + ["white"] * len(Xv) if len(X) else "none")
        self.points.set_linewidths([0.6] * len(Xtr) + [1.3] * len(Xv) if len(X) else 0.6)
        self.points.set_visible(len(X) > 0)
        self.clicked.set_offsets(Xc.reshape(-1, 2))
        self.clicked.set_facecolors(colours(yc) if len(yc) else "none")
        self.clicked.set_visible(len(yc) > 0)


class TrainingApp(App):
    """Train a small ReLU network on 2-D data with SGD or momentum and watch it learn.

    Controls (each an attribute of the same name): ``dataset``, ``noise``, ``n_per_class``,
    ``n_classes``, ``width``, ``depth`` (hidden layers), ``optimizer`` ('sgd', 'momentum' or
    'both' = side by side), ``lr`` (η, log slider), ``momentum`` (μ), ``batch_size``, ``seed``
    (data and θ0), ``speed`` (optimiser steps per frame), ``tiling`` (overlay of the ReLU
    tiling) and ``click_class`` (the class a click on the picture adds).

    Also there: ``play`` (an ``ipywidgets.Play``; each tick runs ``speed`` steps and redraws),
    ``step_button``, ``reset_button``, ``clear_button``, and ``time``, a slider over the
    training steps that scrubs back through the stored snapshots.

    ``state()`` adds ``points`` (clicked points ``[x1, x2, class]``), ``steps`` (steps trained)
    and ``time`` (the scrubbed step, or None when showing the latest), so ``TrainingApp(**state)``
    rebuilds the same data, trains the same steps and shows the same picture.
    """

    control_names = ("dataset", "noise", "n_per_class", "n_classes", "width", "depth", "optimizer",
                     "lr", "momentum", "batch_size", "seed", "speed", "tiling", "click_class")
    _DATA = ("dataset", "noise", "n_per_class", "n_classes", "seed")
    _MODEL = ("width", "depth", "optimizer")
    RESOLUTION = 80          # grid points per side of the decision picture
    INTERVAL_MS = 80         # time between two ticks of play

    def __init__(self, dataset="spiral", noise=0.2, n_per_class=100, n_classes=3, width=16, depth=2,
                 optimizer="momentum", lr=0.1, momentum=0.9, batch_size=32, seed=0, speed=10,
                 tiling=False, click_class=0, points=(), steps=0, time=None):
        W = _WIDE
        self.dataset = widgets.Dropdown(options=DATA_CHOICES, value=dataset, description="data", style=W)
        self.noise = widgets.FloatSlider(value=noise, min=0.0, max=0.6, step=0.05, description="noise", style=W)
        self.n_per_class = widgets.IntSlider(value=n_per_class, min=10, max=200, step=10,
                                             description="points per class", style=W)
        self.n_classes = widgets.IntSlider(value=n_classes, min=2, max=5, description="classes C", style=W)
        self.click_class = widgets.Dropdown(options=[(f"class {k + 1}", k) for k in range(5)],
                                            value=click_class, description="a click adds", style=W)
        self.width = widgets.IntSlider(value=width, min=1, max=32, description="width (units per layer)",
                                       style=W)
        self.depth = widgets.IntSlider(value=depth, min=1, max=4, description="hidden layers", style=W)
        self.seed = widgets.IntSlider(value=seed, min=0, max=20, description="seed (data and θ0)", style=W)
        self.optimizer = widgets.ToggleButtons(
            options=[("SGD", "sgd"), ("momentum", "momentum"), ("SGD vs momentum", "both")],
            value=optimizer, description="optimiser", style=W)
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=1.5, step=0.1,
                                         description="η (learning rate)", readout_format=".2g", style=W)
        self.momentum = widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                                            description="μ (momentum)", style=W)
        self.batch_size = widgets.SelectionSlider(options=[1, 2, 4, 8, 16, 32, 64, 128, 256],
                                                  value=batch_size, description="batch size", style=W)
        self.speed = widgets.IntSlider(value=speed, min=1, max=50, description="steps per frame", style=W)
        self.tiling = widgets.Checkbox(value=tiling, description="show the ReLU tiling", indent=False)
        # not settings, so not in state() as controls: the buttons, the player and the time slider
        self.play = widgets.Play(value=0, min=0, max=10**9, interval=self.INTERVAL_MS,
                                 description="play / pause", show_repeat=False)
        self.step_button = widgets.Button(description="step", tooltip="run one frame of steps",
                                          icon="step-forward", layout=widgets.Layout(width="90px"))
        self.reset_button = widgets.Button(description="reset", tooltip="back to θ0, step 0",
                                           icon="undo", layout=widgets.Layout(width="90px"))
        self.clear_button = widgets.Button(description="clear clicked points", icon="eraser",
                                           layout=widgets.Layout(width="190px"))
        self.time = widgets.IntSlider(value=0, min=0, max=0, description="time (step)", style=W,
                                      layout=widgets.Layout(width="420px"))
        self.message = widgets.HTML(value="")

        self.points = [[float(p[0]), float(p[1]), int(p[2])] for p in points]
        self.trainers = []
        self._following = False          # True while the app itself moves the time slider
        self.shown_step = 0

        self.fig, _ = self.new_figure(figsize=(9.6, 4.1))
        self.fig.clear()
        self.panels = [_DecisionPanel(self.fig.add_axes([0, 0, 0.1, 0.1]), self.RESOLUTION) for _ in range(2)]
        self.ax_loss = self.fig.add_axes([0, 0, 0.1, 0.1])
        self.ax_acc = self.fig.add_axes([0, 0, 0.1, 0.1], sharex=self.ax_loss)
        self._build_curves()
        self.click_hint = self.fig.text(0.01, 0.02, "", fontsize=9.5, ha="left", va="bottom")
        self.speed_text = self.ax_acc.text(0.98, 0.04, "", fontsize=9.5, ha="right", va="bottom", color="0.3",
                                           transform=self.ax_acc.transAxes)
        self.fig.canvas.mpl_connect("button_press_event", self._on_click)
        # fast redraws: only the artists that move are drawn (App.freeze_background)
        self.frozen = self.freeze_background([a for panel in self.panels for a in panel.moving]
                                             + list(self.curve_lines.values()) + self.time_marks
                                             + [self.speed_text])

        self.play.observe(self._on_play, names="value")
        self.time.observe(self._on_time, names="value")
        self.step_button.on_click(lambda _b: self._run(self._tick, None))
        self.reset_button.on_click(lambda _b: self._run(self._on_reset, None))
        self.clear_button.on_click(lambda _b: self._run(self._on_clear, None))
        self.start()
        if steps:
            self._run(self._train_for, int(steps))
        if time is not None:
            self.time.value = int(time)

    # -- figure -----------------------------------------------------------------------------------
    def _build_curves(self):
        self.curve_lines = {}
        for ax, what in ((self.ax_loss, "loss"), (self.ax_acc, "acc")):
            for kind, colour in OPTIMIZER_COLOURS.items():
                name = OPTIMIZER_NAMES[kind]
                self.curve_lines[(what, kind, "train")], = ax.plot([], [], "-", color=colour, lw=1.8,
                                                                   label=f"{name}: training")
                self.curve_lines[(what, kind, "val")], = ax.plot([], [], "--", color=colour, lw=1.4,
                                                                 label=f"{name}: validation")
            ax.grid(True, alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_ylabel("loss L (log scale)")
        self.ax_acc.set_ylabel("accuracy")
        self.ax_acc.set_xlabel("training step")
        self.ax_acc.set_ylim(0, 1.02)
        self.ax_loss.tick_params(labelbottom=False)
        self.time_marks = [ax.axvline(0, color="0.3", lw=1, ls=":", visible=False)
                           for ax in (self.ax_loss, self.ax_acc)]
        self.legend = None

    def _place_axes(self):
        """Positions of the panels: one decision picture, or two side by side, then the curves."""
        w_in, h_in = self.fig.get_size_inches()
        bottom, height = 0.1, 0.77
        side = height * h_in / w_in                     # a square decision panel
        both = self.optimizer.value == "both"
        self.panels[0].ax.set_position([0.01, bottom, side, height])
        self.panels[1].ax.set_position([0.02 + side, bottom, side, height])
        self.panels[1].ax.set_visible(both)
        x = 0.02 + (2 if both else 1) * (side + 0.01) + 0.07
        w = 0.985 - x
        top = bottom + height
        lo = 0.19                                        # room for the step axis and the hint below
        h = (top - lo - 0.04) / 2
        self.ax_loss.set_position([x, lo + h + 0.04, w, h])
        self.ax_acc.set_position([x, lo, w, h])

    # -- data and trainers ---------------------------------------------------------------------
    def kinds(self):
        """The optimisers trained: ['sgd'], ['momentum'] or ['sgd', 'momentum'] (side by side)."""
        return ["sgd", "momentum"] if self.optimizer.value == "both" else [self.optimizer.value]

    def _make_data(self):
        """Training and validation data from the menu, plus the clicked points (training only)."""
        name = self.dataset.value
        if name == "own":
            X0, y0, C = np.zeros((0, 2)), np.zeros(0, dtype=np.int64), self.n_classes.value
        else:
            kw = dict(n_per_class=self.n_per_class.value, noise=self.noise.value, seed=self.seed.value)
            if name in _MULTICLASS:
                kw["n_classes"] = self.n_classes.value
            X0, y0 = DATASETS[name](**kw)
            C = int(y0.max()) + 1
        if len(y0):
            self.X_train, self.y_train, self.X_val, self.y_val = train_val_split(X0, y0, 0.2, seed=self.seed.value)
        else:
            self.X_train, self.y_train = X0, y0
            self.X_val, self.y_val = np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
        P = np.array(self.points, dtype=float).reshape(-1, 3)
        self.X_click, self.y_click = P[:, :2], P[:, 2].astype(np.int64)
        self.X_fit = np.concatenate([self.X_train, self.X_click])
        self.y_fit = np.concatenate([self.y_train, self.y_click])
        self.C = max(C, int(self.y_click.max()) + 1 if len(self.y_click) else 0, 2)
        # the box drawn: the data with a margin, in steps of 0.25 (fixed for "your own")
        allX = np.concatenate([X0, self.X_click]) if name != "own" else np.zeros((0, 2))
        half = 1.5 if not len(allX) else max(1.25, math.ceil(np.abs(allX).max() * 1.12 * 4) / 4)
        box = (-half, half, -half, half)
        if box != getattr(self, "box", None):
            self.frozen.invalidate()
        self.box = box
        xs = np.linspace(-half, half, self.RESOLUTION)
        gx, gy = np.meshgrid(xs, xs)
        self.grid = np.column_stack([gx.ravel(), gy.ravel()])
        xs = np.linspace(-half, half, 2 * self.RESOLUTION)
        gx, gy = np.meshgrid(xs, xs)
        self.fine_grid = np.column_stack([gx.ravel(), gy.ravel()])
        for panel in self.panels:
            panel.set_box(self.box)
            panel.set_data(self.X_train, self.y_train, self.X_val, self.y_val, self.X_click, self.y_click)

    def _reset(self):
        """New trainers from θ0 (the seed) on the current data: step 0."""
        self.trainers = []
        if len(self.y_fit):
            for kind in self.kinds():
                self.trainers.append(Trainer(
                    self.X_fit, self.y_fit, hidden=[self.width.value] * self.depth.value, n_classes=self.C,
                    optimizer=kind, lr=self.lr.value, mu=self.momentum.value,
                    batch_size=self.batch_size.value, seed=self.seed.value,
                    X_val=self.X_val, y_val=self.y_val, record_every=5))
        self._follow_live()

    def _follow_live(self):
        """Move the time slider to the latest step (without redrawing twice)."""
        step = self.trainers[0].step if self.trainers else 0
        self._following = True
        try:
            self.time.max = max(step, 0)
            self.time.value = step
        finally:
            self._following = False

    @property
    def step(self):
        """Training steps done so far (0 before the first)."""
        return self.trainers[0].step if self.trainers else 0

    @property
    def diverged(self):
        """The divergence message of the first trainer that diverged, else None."""
        return next((t.diverged for t in self.trainers if t.diverged), None)

    # -- callbacks ------------------------------------------------------------------------------
    def update(self, change=None):
        owner = change["owner"] if change else None
        name = next((n for n, w in self.controls().items() if w is owner), None)
        if owner is None or name in self._DATA:
            self._make_data()
            self._reset()
        elif name in self._MODEL:
            self._reset()
        elif name in ("lr", "momentum", "batch_size"):
            for t in self.trainers:
                t.configure(lr=self.lr.value, mu=self.momentum.value, batch_size=self.batch_size.value)
        if owner is None or name == "optimizer":
            self._place_axes()
            self.frozen.invalidate()
        self._draw()

    def _on_play(self, change):
        if self.play.playing or change is None:
            self._run(self._tick, change)

    def _tick(self, change=None):
        """One frame: ``speed`` optimiser steps for every trainer, then move the artists."""
        if self.diverged or not self.trainers:
            self.play.playing = False
            self._draw()
            return
        self._train_for(self.speed.value)

    def _train_for(self, n_steps):
        for t in self.trainers:
            t.run(n_steps)
        if self.diverged:
            self.play.playing = False
        self._follow_live()
        self._draw()

    def _on_time(self, change):
        if not self._following:
            self._run(lambda _c: self._draw(), change)

    def _on_reset(self, _change=None):
        self.play.playing = False
        self._reset()
        self._draw()

    def _on_clear(self, _change=None):
        self.points = []
        self.frozen.invalidate()
        self._make_data()
        self._reset()
        self._draw()

    def add_point(self, x1, x2, cls=None):
        """Add a training point of class ``cls`` (default: the class chosen in the menu); restarts."""
        cls = self.click_class.value if cls is None else int(cls)
        self.points.append([float(x1), float(x2), cls])
        self.frozen.invalidate()
        self._make_data()
        self._reset()
        self._draw()

    def _on_click(self, event):
        """A click on a decision panel adds a point there (matplotlib ``button_press_event``)."""
        if event.inaxes not in [p.ax for p in self.panels] or event.xdata is None:
            return
        if getattr(event, "button", 1) not in (1, None):
            return
        self._run(lambda _c: self.add_point(event.xdata, event.ydata), None)

    # -- drawing -------------------------------------------------------------------------------
    def shown_time(self):
        """The step shown: None for "the latest", else the step the time slider points at."""
        return None if self.time.value >= self.time.max else self.time.value

    def _draw(self):
        t_shown = self.shown_time()
        show_tiling = self.tiling.value
        n_units = self.width.value * (self.depth.value)
        both = len(self.trainers) == 2
        for i, panel in enumerate(self.panels):
            if i >= max(len(self.trainers), 1):
                continue
            tr = self.trainers[i] if self.trainers else None
            if tr is None:
                panel.image.set_data(np.ones((self.RESOLUTION, self.RESOLUTION, 3)))
                panel.edge_image.set_visible(False)
                panel.edges.set_visible(False)
                panel.empty.set_text("click on the picture\nto add points" if self.dataset.value == "own"
                                     else "no data")
                panel.warning.set_visible(False)
                panel.ax.set_title("no training data yet", fontsize=11)
                continue
            panel.empty.set_text("")
            snap = tr.snapshot_at(t_shown) if t_shown is not None else None
            params = snap.params if snap is not None else tr.params
            step = snap.step if snap is not None else tr.step
            self.shown_step = step
            with np.errstate(over="ignore", invalid="ignore"):
                o, cache = fprop(params, self.grid)
                p = softmax(o)
            res = self.RESOLUTION
            panel.image.set_data(rgba8(decision_rgb(p).reshape(res, res, 3)))
            exact = show_tiling and n_units <= EXACT_TILING_MAX_UNITS and self.depth.value >= 1
            panel.edges.set_visible(bool(exact))
            panel.edge_image.set_visible(bool(show_tiling and not exact))
            if exact:
                regs = _regions.linear_regions(params, self.box)
                panel.edges.set_segments([np.vstack([r.vertices, r.vertices[:1]]) for r in regs])
                self.n_regions = len(regs)
            elif show_tiling:
                fine = 2 * res
                _, fcache = fprop(params, self.fine_grid)
                mask = tiling_edge_mask(fcache, len(tr.sizes) - 1, fine, fine)
                rgba = np.zeros((fine, fine, 4))
                rgba[mask] = (0.1, 0.1, 0.1, 0.55)
                panel.edge_image.set_data(rgba)
            h = tr.curves(until=step)
            acc_txt = f"accuracy {h['train_acc'][-1]:.0%}"
            if len(tr.y_val):
                acc_txt += f" (val. {h['val_acc'][-1]:.0%})"
            name = OPTIMIZER_NAMES[tr.optimizer_name]
            settings = f"η = {tr.optimizer.lr:.3g}" + (f", μ = {tr.optimizer.mu:.2f}"
                                                        if tr.optimizer_name == "momentum" else "")
            when = f"step {step} of {tr.step}" if t_shown is not None else f"step {step}"
            panel.ax.set_title(f"{name}: {settings}, batch {tr.batch_size}\n{when}, {acc_txt}",
                               fontsize=10.5, color="#7a4b00" if t_shown is not None else "black")
            if tr.diverged and t_shown is None:
                panel.warning.set_text(f"diverged at step {tr.step}:\nthe loss blew up.\n"
                                       "Lower η and press reset.")
                panel.warning.set_visible(True)
            else:
                panel.warning.set_visible(False)
        self._draw_curves(t_shown)
        hint = (f"a click adds a training point of class {self.click_class.value + 1} ({len(self.points)} so far)"
                "  ·  white edge: validation data")
        self.speed_text.set_text(f"{self.speed.value} steps per frame")
        if hint != self.click_hint.get_text():
            self.click_hint.set_text(hint)
            self.click_hint.set_color(CLASS_COLOURS[self.click_class.value])
            self.frozen.invalidate()
        msg = self.diverged
        self.message.value = (f"<div style='color:#b00020;font-weight:bold'>⚠ {msg}</div>" if msg else
                              f"<span style='color:#555'>step {self.step}"
                              f"{' (side by side: same θ0, same mini-batches)' if both else ''}</span>")

    def _draw_curves(self, t_shown):
        hi_step, values = 1, []
        for (what, kind, part), line in self.curve_lines.items():
            tr = next((t for t in self.trainers if t.optimizer_name == kind), None)
            if tr is None or (part == "val" and not len(tr.y_val)):
                line.set_data([], [])
                line.set_visible(False)
                continue
            h = tr.curves(until=t_shown)
            key = f"{part}_{'loss' if what == 'loss' else 'acc'}"
            line.set_data(h["step"], h[key])
            line.set_visible(True)
            hi_step = max(hi_step, tr.step)
            if what == "loss":                      # limits from all steps, so scrubbing keeps the axes
                values.append(np.asarray(tr.history[key], dtype=float))
        # limits move in steps (1-2-5), so most frames keep the axes as they are
        xlim = (0, _nice_above(max(hi_step, 50)))
        ylim = (0.05, 5.0)                     # widened only when the loss leaves this range
        if values:
            v = np.concatenate(values)
            v = v[np.isfinite(v) & (v > 0)]
            if len(v):
                ylim = (min(0.05, _nice_below(max(v.min(), 1e-4))), max(5.0, _nice_above(v.max())))
        if xlim != self.ax_loss.get_xlim():
            self.ax_loss.set_xlim(*xlim)
            self.frozen.invalidate()
        if ylim != self.ax_loss.get_ylim():
            self.ax_loss.set_ylim(*ylim)
            k0, k1 = math.floor(math.log10(ylim[0])), math.ceil(math.log10(ylim[1]))
            _plain_log_ticks(self.ax_loss.yaxis, [m * 10.0 ** k for k in range(k0, k1 + 1) for m in (1, 2, 5)
                                                  if ylim[0] <= m * 10.0 ** k <= ylim[1]])
            self.frozen.invalidate()
        for mark in self.time_marks:
            mark.set_xdata([self.shown_step, self.shown_step])
            mark.set_visible(t_shown is not None)
        kinds = tuple(t.optimizer_name for t in self.trainers)
        has_val = bool(self.trainers and len(self.trainers[0].y_val))
        if (kinds, has_val) != getattr(self, "_legend_key", None):
            self._legend_key = (kinds, has_val)
            if self.legend is not None:
                self.legend.remove()
            from matplotlib.lines import Line2D
            handles = [Line2D([], [], color=OPTIMIZER_COLOURS[k], lw=2.5, label=OPTIMIZER_NAMES[k]) for k in kinds]
            handles += [Line2D([], [], color="0.2", lw=1.8, label="train")]
            if has_val:
                handles += [Line2D([], [], color="0.2", lw=1.4, ls="--", label="valid.")]
            self.legend = self.ax_loss.legend(handles=handles, fontsize=8.5, loc="lower left",
                                              bbox_to_anchor=(0.0, 1.0), ncol=2 if len(kinds) > 1 else len(handles),
                                              frameon=False,
                                              handlelength=1.8, columnspacing=1.0, borderaxespad=0.2)
            self.frozen.invalidate()

    # -- the contract ------------------------------------------------------------------------------
    def state(self):
        s = super().state()
        s["points"] = [list(p) for p in self.points]
        s["steps"] = self.step
        s["time"] = self.shown_time()
        return s

    def layout(self):
        row = lambda *ws: widgets.HBox(list(ws), layout=widgets.Layout(flex_flow="row wrap",  # noqa: E731
                                                                       align_items="center"))
        return widgets.VBox([
            row(self.dataset, self.noise, self.n_per_class, self.n_classes),
            row(self.click_class, self.clear_button, self.width, self.depth, self.seed),
            row(self.optimizer, self.lr, self.momentum, self.batch_size),
            row(self.play, self.step_button, self.reset_button, self.speed, self.tiling),
            row(self.time, self.message),
            self.canvas, self.status])

    def close(self):
        self.play.playing = False
        super().close()



# ==================================================================================== loss surface

def _param_keys(params):
    L = sum(1 for k in params if k.startswith("W"))
    return [k for l in range(1, L + 1) for k in (f"W{l}", f"b{l}")]


def flatten(params):
    """θ as one vector (P,): W1, b1, W2, b2, … each raveled, in that order."""
    return np.concatenate([np.ravel(params[k]) for k in _param_keys(params)])


def unflatten(theta, like):
    """The inverse of :func:`flatten`: a params dict shaped like ``like`` (views into ``theta``)."""
    out, start = {}, 0
    for k in _param_keys(like):
        n = np.size(like[k])
        out[k] = theta[start:start + n].reshape(np.shape(like[k]))
        start += n
    return out


def full_batch_paths(params0, X, y, lr, mus, steps):
    """θ_0, θ_1, …, θ_T of full-batch momentum from θ0, for several μ at once, and L(θ_t).

    params0: a one-hidden-layer net {'W1' (H, D), 'b1', 'W2' (C, H), 'b2'};  X (N, D), y (N,);
    mus: K values of μ (μ = 0 is plain SGD: Δ = ∂L/∂θ, so θ ← θ − η ∂L/∂θ)
    ->  thetas (K, T+1, P) (flattened as :func:`flatten`),  losses (K, T+1)

    The loop of the Optimization slide with the batch = all N examples, written out for this
    small network and run for the K optimisers side by side (fast enough for a slider):

        z1 = X W1ᵀ + b1,  h1 = max(0, z1),  o = h1 W2ᵀ + b2,  L = mean_n −log p(c_{y_n} | x_n)
        ∂L/∂o = (p − Y)/N,  ∂L/∂W2 = ∂L/∂oᵀ h1,  ∂L/∂h1 = ∂L/∂o W2,  ∂L/∂z1 = ∂L/∂h1 · [z1 > 0],
        ∂L/∂W1 = ∂L/∂z1ᵀ X,  ∂L/∂b = Σ_n ∂L/∂z
        Δ ← μ Δ + ∂L/∂θ ;  θ ← θ − η Δ

    A path whose loss stops being finite is frozen where it was (its later θ_t repeat the last
    finite one and its losses are inf).
    """
    mus = np.asarray(mus, dtype=float)
    K, N = len(mus), len(y)
    H, D = np.shape(params0["W1"])
    C = np.shape(params0["W2"])[0]
    theta = np.tile(flatten(params0), (K, 1))                    # (K, P)
    i1, i2, i3 = H * D, H * D + H, H * D + H + C * H
    W1, b1 = theta[:, :i1].reshape(K, H, D), theta[:, i1:i2]     # views into theta
    W2, b2 = theta[:, i2:i3].reshape(K, C, H), theta[:, i3:]
    Y = np.zeros((N, C))
    Y[np.arange(N), y] = 1.0
    delta = np.zeros_like(theta)
    alive = np.ones(K, dtype=bool)
    thetas = np.empty((K, steps + 1, theta.shape[1]))
    losses = np.full((K, steps + 1), np.inf)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(steps + 1):
            thetas[:, t] = theta
            z1 = np.matmul(X, W1.transpose(0, 2, 1)) + b1[:, None, :]         # (K, N, H)
            h1 = np.maximum(z1, 0.0)
            o = np.matmul(h1, W2.transpose(0, 2, 1)) + b2[:, None, :]         # (K, N, C)
            m = o.max(axis=2, keepdims=True)
            e = np.exp(o - m)
            sum_e = e.sum(axis=2, keepdims=True)
            L = np.mean(np.log(sum_e[..., 0]) + m[..., 0] - o[:, np.arange(N), y], axis=1)
            alive &= np.isfinite(L)
            losses[alive, t] = L[alive]
            if t == steps or not alive.any():
                break
            do = (e / sum_e - Y) / N                                           # ∂L/∂o
            dz1 = np.matmul(do, W2) * (z1 > 0)                                 # ∂L/∂z1
            g = np.concatenate([np.matmul(dz1.transpose(0, 2, 1), X).reshape(K, -1), dz1.sum(axis=1),
                                np.matmul(do.transpose(0, 2, 1), h1).reshape(K, -1), do.sum(axis=1)], axis=1)
            g[~alive] = 0.0
            delta *= mus[:, None]
            delta += g                                                         # Δ ← μ Δ + ∂L/∂θ
            theta -= lr * delta                                                # θ ← θ − η Δ
            bad = ~np.all(np.isfinite(theta), axis=1)
            if bad.any():                                                      # freeze a path that blew up
                theta[bad] = thetas[bad, t]
                alive &= ~bad
        thetas[:, t + 1:] = thetas[:, t:t + 1]
    return thetas, losses


def loss_on_plane(params0, e1, e2, alphas, betas, X, y):
    """The loss on a 2-D slice of θ-space: ``L(θ0 + a e1 + b e2)`` for every (a, b) of a grid.

    params0: the network at θ0;  e1, e2: (P,) directions (flattened as :func:`flatten`);
    alphas (A,), betas (B,)  ->  L (B, A), row i at ``betas[i]``.
    All A·B networks are evaluated in one batched forward pass (numpy broadcasting).
    """
    keys = _param_keys(params0)
    th0 = flatten(params0)
    a, b = np.meshgrid(alphas, betas)
    thetas = th0[None, :] + a.reshape(-1, 1) * e1[None, :] + b.reshape(-1, 1) * e2[None, :]  # (G, P)
    G = len(thetas)
    h = np.broadcast_to(X, (G,) + X.shape)
    start = 0
    L = len(keys) // 2
    for l in range(1, L + 1):
        Wshape = np.shape(params0[f"W{l}"])
        nW, nb = int(np.prod(Wshape)), Wshape[0]
        W = thetas[:, start:start + nW].reshape(G, *Wshape)
        bias = thetas[:, start + nW:start + nW + nb]
        start += nW + nb
        z = np.matmul(h, W.transpose(0, 2, 1)) + bias[:, None, :]
        h = np.maximum(z, 0.0) if l < L else z
    m = h.max(axis=2, keepdims=True)                      # log-softmax, stably
    logp = h - m - np.log(np.exp(h - m).sum(axis=2, keepdims=True))
    nll = -logp[:, np.arange(len(y)), y].mean(axis=1)
    return nll.reshape(len(betas), len(alphas))


def path_plane(path_a, path_b, seed=0):
    """A plane through θ0 for drawing two paths that start there: ``(e1, e2, scale, held)``.

    e1 points from θ0 to the end of ``path_a``; e2 (⊥ e1) is the direction in which the two
    paths move most besides e1 (the top singular vector of what is left of θ_t − θ0). Both are
    unit vectors; ``scale = ‖θ_end(a) − θ0‖``, so the end of path a is at (1, 0) in units of
    ``scale``; ``held`` is the fraction of the paths' movement Σ‖θ_t − θ0‖² inside the plane.
    """
    th0 = path_a[0]
    D = np.concatenate([path_a - th0, path_b - th0])
    rng = np.random.default_rng(seed)
    d = path_a[-1] - th0
    if np.linalg.norm(d) < 1e-12:
        d = path_b[-1] - th0
    if np.linalg.norm(d) < 1e-12:
        d = rng.standard_normal(len(th0))
    scale = float(np.linalg.norm(d))
    e1 = d / scale
    R = D - np.outer(D @ e1, e1)
    if np.linalg.norm(R) > 1e-9 * max(scale, 1e-300):
        e2 = np.linalg.svd(R, full_matrices=False)[2][0]
    else:
        e2 = rng.standard_normal(len(th0))
    e2 = e2 - (e2 @ e1) * e1
    e2 /= np.linalg.norm(e2)
    if (path_b[-1] - th0) @ e2 < 0:
        e2 = -e2
    total = float((D ** 2).sum())
    inside = float(((D @ e1) ** 2).sum() + ((D @ e2) ** 2).sum())
    return e1, e2, scale, (inside / total if total > 0 else 1.0)


class LossSurfaceApp(App):
    """SGD and momentum from the same θ0, drawn on a 2-D slice of the real network's loss.

    A small network (2 → 6 → 3, P = 39 parameters) learns three overlapping Gaussian blobs
    with full-batch steps (so the paths show the optimisers, not mini-batch noise). Both paths
    live in the 39-dimensional θ-space; the picture is the plane through θ0 that contains the
    end of the momentum path (at (1, 0)) and the direction in which the paths move most besides
    (:func:`path_plane`), coloured by ``log10 L(θ0 + a e1 + b e2)``. The paths are projected onto
    it; the title says how much of their movement the plane holds. Right: the loss of both
    along the steps (the true loss, not the slice's).

    Controls: ``lr`` (η), ``momentum`` (μ), ``steps``, ``seed`` (θ0).
    """

    control_names = ("lr", "momentum", "steps", "seed")
    GRID = 23
    MAX_STEPS = 200
    BOX = (-0.35, 1.35, -0.85, 0.85)                  # (a, b) in units of the momentum path
    CLIM = (math.log10(0.15), math.log10(6.0))         # colours of log10 L (fixed, so they compare)

    def __init__(self, lr=0.05, momentum=0.9, steps=100, seed=0):
        W = _WIDE
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-2.5, max=0, step=0.1,
                                         description="η (learning rate)", readout_format=".2g", style=W)
        self.momentum = widgets.FloatSlider(value=momentum, min=0.0, max=0.95, step=0.05,
                                            description="μ (momentum)", style=W)
        self.steps = widgets.IntSlider(value=steps, min=10, max=self.MAX_STEPS, step=10, description="steps",
                                       style=W)
        self.seed = widgets.IntSlider(value=seed, min=0, max=10, description="seed (θ0)", style=W)
        self.X, self.y = DATASETS["gaussians"](n_per_class=30, n_classes=3, noise=0.6, seed=0)
        self._cache = {}
        self.fig, (self.ax, self.ax_loss) = self.new_figure(figsize=(9.6, 4.1), ncols=2,
                                                            gridspec_kw=dict(width_ratios=[1.25, 1]))
        a0, a1, b0, b1 = self.BOX
        self.alphas = np.linspace(a0, a1, self.GRID)
        self.betas = np.linspace(b0, b1, self.GRID)
        self.image = self.ax.imshow(np.zeros((self.GRID, self.GRID)), origin="lower", cmap="viridis",
                                    extent=self.BOX, aspect="equal", interpolation="bilinear",
                                    vmin=self.CLIM[0], vmax=self.CLIM[1])
        cbar = self.fig.colorbar(self.image, ax=self.ax, fraction=0.04, pad=0.02)
        cbar.set_label("log$_{10}$ L on the slice")
        self.contours = None
        self.paths, self.curves = {}, {}
        for kind, colour in OPTIMIZER_COLOURS.items():
            self.paths[kind], = self.ax.plot([], [], "-o", color=colour, ms=2.5, lw=1.8,
                                             label=OPTIMIZER_NAMES[kind], markeredgecolor="none")
            self.curves[kind], = self.ax_loss.plot([], [], "-", color=colour, lw=2, label=OPTIMIZER_NAMES[kind])
        self.start_dot, = self.ax.plot([0], [0], "o", ms=9, mfc="white", mec="k", label="start θ0", zorder=5)
        self.ax.legend(loc="upper left", fontsize=9, framealpha=0.85)
        self.ax.set_xlabel("$e_1$: towards where momentum ends (= 1)")
        self.ax.set_ylabel("$e_2$")
        self.ax.set_xlim(a0, a1)
        self.ax.set_ylim(b0, b1)
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlim(0, self.MAX_STEPS)
        self.ax_loss.set_ylim(0.15, 6.0)
        _plain_log_ticks(self.ax_loss.yaxis, [0.2, 0.3, 0.5, 1, 2, 5])
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("loss L (log scale)")
        self.ax_loss.grid(True, alpha=0.3)
        self.ax_loss.legend(fontsize=9, loc="upper right")
        self.ax_loss.spines[["top", "right"]].set_visible(False)
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.86, wspace=0.42)
        self.frozen = self.freeze_background([self.image, *self.paths.values(), self.start_dot,
                                              *self.curves.values(), self.ax.title, self.ax_loss.title])
        self.start()

    def paths_in_theta(self):
        """θ0 and both optimisers from it for (at least) ``steps`` steps, cached by (η, μ, seed):
        ``params0, {'sgd': (thetas (T+1, P), losses (T+1,)), 'momentum': (…)}``."""
        key = (self.lr.value, self.momentum.value, self.seed.value)
        if key not in self._cache or len(self._cache[key][1]["sgd"][1]) < self.steps.value + 1:
            params0 = init_params([2, 6, 3], seed=self.seed.value)
            thetas, losses = full_batch_paths(params0, self.X, self.y, self.lr.value,
                                              [0.0, self.momentum.value], self.steps.value)
            self._cache[key] = (params0, {"sgd": (thetas[0], losses[0]), "momentum": (thetas[1], losses[1])})
            if len(self._cache) > 64:
                self._cache.pop(next(iter(self._cache)))
        return self._cache[key]

    def update(self, change=None):
        params0, full = self.paths_in_theta()
        T = self.steps.value
        paths = {k: th[:T + 1] for k, (th, _) in full.items()}
        e1, e2, scale, self.held = path_plane(paths["momentum"], paths["sgd"], seed=self.seed.value)
        th0 = paths["sgd"][0]
        E = np.stack([e1, e2], axis=1) / scale
        self.coords = {k: (P - th0) @ E for k, P in paths.items()}
        with np.errstate(over="ignore", invalid="ignore"):
            Lgrid = loss_on_plane(params0, e1 * scale, e2 * scale, self.alphas, self.betas, self.X, self.y)
        self.surface = Lgrid
        logL = np.log10(np.clip(np.nan_to_num(Lgrid, nan=1e6, posinf=1e6), 1e-6, 1e6))
        self.image.set_data(logL)
        old, self.contours = self.contours, self.ax.contour(   # zorder: over the image, under the paths
            self.alphas, self.betas, logL, levels=np.linspace(*self.CLIM, 12), colors="white", linewidths=0.6,
            alpha=0.55, zorder=1)
        self.frozen.replace(old, self.contours)
        for kind, c in self.coords.items():
            self.paths[kind].set_data(c[:, 0], c[:, 1])
        self.final = {}
        for kind, (_, L) in full.items():
            L = L[:T + 1]
            ok = np.isfinite(L)
            self.curves[kind].set_data(np.arange(len(L))[ok], np.clip(L[ok], 0.15, 6.0))
            self.final[kind] = float(L[ok][-1])
        self.ax.set_title(f"L on a plane through θ0 (holds {self.held:.0%} of both paths)", fontsize=10.5)
        blew = [OPTIMIZER_NAMES[k] for k, (_, L) in full.items() if not np.all(np.isfinite(L[:T + 1]))]
        self.ax_loss.set_title(f"{' and '.join(blew)} diverged: η is too large" if blew else
                               f"step {T}: SGD {self.final['sgd']:.3f}, momentum {self.final['momentum']:.3f}",
                               fontsize=10.5, color="#b00020" if blew else "black")
