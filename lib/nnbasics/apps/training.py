"""Notebook 07: watch a network learn, live — SGD and momentum as on the Optimization slide.

    SGD:       θ ← θ − η ∂L/∂θ
    Momentum:  Δ ← μ Δ + ∂L/∂θ ;  θ ← θ − η Δ

``TrainingApp``: 2-D data (spiral, circles, XOR, moons, Gaussians, or points you click), a
network of ``depth`` hidden ReLU layers of ``width`` units, and a play button. Each tick of the
``Play`` widget (every 80 ms) runs a few optimiser steps (:class:`nnbasics.trainer.Trainer`)
and then moves the artists: the decision regions (:class:`nnbasics.plots.DecisionPanel`), the
ReLU tiling (optional), the loss and accuracy curves. Between ticks the kernel is free, so the
other controls answer while it plays. A time slider scrubs back through stored snapshots;
"SGD vs momentum" trains both from the same θ0 on the same mini-batches, side by side.
"""
import math

import ipywidgets as widgets
import numpy as np

from ..data import DATASETS, train_val_split
from ..losses import softmax
from ..network import fprop
from ..plots import (
    OPTIMIZER_NAMES,
    WIDE,
    DecisionPanel,
    LearningCurves,
    decision_rgb,
    rgba8,
)
from ..regions import activation_pattern, linear_regions, pattern_edges
from ..trainer import Trainer
from .accessible import PointEntry
from .base import App

__all__ = ["TrainingApp"]

DATA_CHOICES = [("your own points", "own"), ("spiral", "spiral"), ("circles", "circles"),
                ("XOR", "xor"), ("moons", "moons"), ("Gaussians", "gaussians")]
#: data sets whose generator takes a number of classes (XOR and moons have exactly 2)
_MULTICLASS = ("spiral", "circles", "gaussians")
#: the exact tiling (regions.linear_regions) is drawn for nets with at most this many hidden
#: units; bigger nets get the grid version (edges between pixels whose ReLU pattern differs)
EXACT_TILING_MAX_UNITS = 16


class TrainingApp(App):
    """Train a small ReLU network on 2-D data with SGD or momentum and watch it learn.

    Controls (each an attribute of the same name): ``dataset``, ``noise``, ``n_per_class``,
    ``n_classes``, ``width``, ``depth`` (hidden layers), ``optimizer`` ('sgd', 'momentum' or
    'both' = side by side), ``lr`` (η, log slider), ``momentum`` (μ), ``batch_size``,
    ``weight_decay`` (λ of the L2 penalty (λ/2) Σ‖W‖², 0 = none), ``seed``
    (data and θ0), ``speed`` (optimiser steps per frame), ``tiling`` (overlay of the ReLU
    tiling) and ``click_class`` (the class a click on the picture adds).

    Also there: ``play`` (an ``ipywidgets.Play``; each tick runs ``speed`` steps and redraws),
    ``step_button``, ``reset_button``, ``clear_button``, and ``time``, a slider over the
    training steps that scrubs back through the stored snapshots.

    ``state()`` adds ``points`` (clicked points ``[x1, x2, class]``), ``steps`` (steps trained)
    and ``time`` (the scrubbed step, or None when showing the latest), so ``TrainingApp(**state)``
    rebuilds the same data, trains the same steps and shows the same picture.
    """

    controls = ("dataset", "noise", "n_per_class", "n_classes", "width", "depth", "optimizer",
                "lr", "momentum", "batch_size", "weight_decay", "seed", "speed", "tiling", "click_class")
    _DATA = ("dataset", "noise", "n_per_class", "n_classes", "seed")
    _MODEL = ("width", "depth", "optimizer")
    RESOLUTION = 80          # grid points per side of the decision picture
    INTERVAL_MS = 80         # time between two ticks of play

    def __init__(self, dataset="spiral", noise=0.2, n_per_class=100, n_classes=3, width=16, depth=2,
                 optimizer="momentum", lr=0.1, momentum=0.9, batch_size=32, seed=0, speed=10,
                 tiling=False, click_class=0, points=(), steps=0, time=None, weight_decay=0.0):
        super().__init__()
        W = WIDE
        self.dataset = widgets.Dropdown(options=DATA_CHOICES, value=dataset, description="data", style=W)
        self.noise = widgets.FloatSlider(value=noise, min=0.0, max=0.6, step=0.05, description="noise", style=W)
        self.n_per_class = widgets.IntSlider(value=n_per_class, min=10, max=200, step=10,
                                             description="points per class", style=W)
        self.n_classes = widgets.IntSlider(value=n_classes, min=2, max=5, description="classes C", style=W)
        self.click_class = widgets.Dropdown(options=[(f"class {k + 1}", k) for k in range(5)],
                                            value=click_class, description="a new point is", style=W)
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
        self.weight_decay = widgets.SelectionSlider(options=[0.0, 0.001, 0.003, 0.01, 0.03, 0.1],
                                                    value=weight_decay, description="λ (weight decay)", style=W)
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
        self.point_entry = PointEntry(lambda x1, x2: self._run(lambda _c: self.add_point(x1, x2), None))  # keyboard

        self.points = [[float(p[0]), float(p[1]), int(p[2])] for p in points]
        self.trainers = []
        self._following = False          # True while the app itself moves the time slider
        self.shown_step = 0

        self.fig, _ = self.new_figure(figsize=(9.6, 4.1))
        self.fig.clear()
        self.panels = [DecisionPanel(self.fig.add_axes([0, 0, 0.1, 0.1]), self.RESOLUTION) for _ in range(2)]
        self.ax_loss = self.fig.add_axes([0, 0, 0.1, 0.1])
        self.ax_acc = self.fig.add_axes([0, 0, 0.1, 0.1], sharex=self.ax_loss)
        self.curves = LearningCurves(self.ax_loss, self.ax_acc)
        self.curve_lines, self.time_marks = self.curves.lines, self.curves.time_marks
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
    def _place_axes(self):
        """Positions of the panels: one decision picture, or two side by side, then the curves."""
        w_in, h_in = self.fig.get_size_inches()
        both = self.optimizer.value == "both"
        bottom, height = 0.1, 0.74                      # room for the three lines of a title
        side = height * h_in / w_in                     # a square decision panel
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
        pts = np.array(self.points, dtype=float).reshape(-1, 3)
        self.X_click, self.y_click = pts[:, :2], pts[:, 2].astype(np.int64)
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
                    batch_size=self.batch_size.value, seed=self.seed.value, weight_decay=self.weight_decay.value,
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
        name = self.control_name(change)
        if owner is None or name in self._DATA:
            self._make_data()
            self._reset()
        elif name in self._MODEL:
            self._reset()
        elif name in ("lr", "momentum", "batch_size", "weight_decay"):
            for t in self.trainers:
                t.configure(lr=self.lr.value, mu=self.momentum.value, batch_size=self.batch_size.value,
                            weight_decay=self.weight_decay.value)
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
        self._points_changed()

    def add_point(self, x1, x2, cls=None):
        """Add a training point of class ``cls`` (default: the class chosen in the menu); restarts."""
        cls = self.click_class.value if cls is None else int(cls)
        self.points.append([float(x1), float(x2), cls])
        self._points_changed()

    def _points_changed(self):
        """The clicked points are part of the data (and of the frozen picture): restart from θ0."""
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
        n_units = self.width.value * self.depth.value
        both = len(self.trainers) == 2
        for i, panel in enumerate(self.panels):
            if i >= max(len(self.trainers), 1):
                continue
            tr = self.trainers[i] if self.trainers else None
            if tr is None:
                panel.image.set_data(np.ones((self.RESOLUTION, self.RESOLUTION, 3)))
                panel.edge_image.set_visible(False)
                panel.edges.set_visible(False)
                panel.empty.set_text("click on the picture, or type\nx₁, x₂ and press 'add point'"
                                     if self.dataset.value == "own" else "no data")
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
            exact = show_tiling and n_units <= EXACT_TILING_MAX_UNITS
            panel.edges.set_visible(bool(exact))
            panel.edge_image.set_visible(bool(show_tiling and not exact))
            if exact:
                regs = linear_regions(params, self.box)
                panel.edges.set_segments([np.vstack([r.vertices, r.vertices[:1]]) for r in regs])
                self.n_regions = len(regs)
            elif show_tiling:
                fine = 2 * res
                mask = pattern_edges(activation_pattern(params, self.fine_grid).reshape(fine, fine, -1))
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
            batch = f"batch {tr.batch_size}" + (f", λ = {tr.weight_decay:g}" if tr.weight_decay else "")
            when = f"step {step} of {tr.step}" if t_shown is not None else f"step {step}"
            # three short lines: a panel is a third of the width, and the title must stay within
            # it (side by side, the two titles never run into each other)
            panel.ax.set_title(f"{name}: {settings}\n{batch}\n{when}, {acc_txt}", fontsize=9.5,
                               color="#7a4b00" if t_shown is not None else "black")
            if tr.diverged and t_shown is None:
                panel.warning.set_text(f"diverged at step {tr.step}:\nthe loss blew up.\n"
                                       "Lower η and press reset.")
                panel.warning.set_visible(True)
            else:
                panel.warning.set_visible(False)
        if self.curves.update(self.trainers, t_shown, self.shown_step):
            self.frozen.invalidate()                 # the curves' axes or legend changed
        hint = (f"a click (or 'add point') adds a point of class {self.click_class.value + 1}"
                f" ({len(self.points)} so far)  ·  white edge: validation data")
        self.speed_text.set_text(f"{self.speed.value} steps per frame")
        if hint != self.click_hint.get_text():
            self.click_hint.set_text(hint)
            self.frozen.invalidate()
        msg = self.diverged
        self.message.value = (f"<div style='color:#b00020;font-weight:bold'>⚠ {msg}</div>" if msg else
                              f"<span style='color:#555'>step {self.step}"
                              f"{' (side by side: same θ0, same mini-batches)' if both else ''}</span>")

    # -- the contract ------------------------------------------------------------------------------
    def describe(self):
        if not self.trainers:
            return (f"no training data yet: add points of class {self.click_class.value + 1} with a click on the "
                    "picture or with x₁, x₂ and 'add point'")
        t = self.shown_time()
        runs = [f"{OPTIMIZER_NAMES[tr.optimizer_name]} accuracy {h['train_acc'][-1]:.0%}" + (f" (validation "
                f"{h['val_acc'][-1]:.0%})" if len(tr.y_val) else "") + f", loss {h['train_loss'][-1]:.3g}"
                for tr in self.trainers for h in [tr.curves(until=t)]]
        oops = f" {self.diverged}." if self.diverged and t is None else ""
        last = "".join(f", the last at ({x1:.2f}, {x2:.2f}) in class {c + 1}" for x1, x2, c in self.points[-1:])
        return (f"step {self.shown_step}{'' if t is None else f' of {self.step}'}: {'; '.join(runs)}.{oops} "
                f"{len(self.y_fit)} training points, {self.C} classes ({len(self.points)} added{last}). "
                + self.values_text())

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
            row(self.click_class, self.point_entry.widget, self.clear_button),
            row(self.width, self.depth, self.seed),
            row(self.optimizer, self.lr, self.momentum, self.batch_size, self.weight_decay),
            row(self.play, self.step_button, self.reset_button, self.speed, self.tiling),
            row(self.time, self.message),
            self.canvas, self.status])

    def close(self):
        self.play.playing = False
        super().close()
