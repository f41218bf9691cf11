"""Notebook 02: what ReLU layers accomplish — "piece-wise linear tiling: mapping is locally linear".

    Kinks1DApp(width=4, seed=4, unit=1, w=None, b=None)
    ReluTilingApp(width=6, depth=2, seed=1, unit=1, w1=None, w2=None, b=None, relu=True)

``Kinks1DApp``: a network ``[1, width, 1]`` on a line. Each hidden unit ``max(0, w x + b)``
bends at one point, ``x = −b/w`` (its kink), so f has one kink per unit; the background shows
the 1-D tiling (one colour per on/off pattern). The sliders ``w`` and ``b`` move one unit.

``ReluTilingApp``: a network ``[2, width × depth, 1]`` on the plane. The tiling is coloured by
activation pattern, the exact region edges come from :func:`nnbasics.regions.linear_regions`
and the level sets of ``o`` are straight inside each region; the chosen unit of the first layer
(its line ``w1 x1 + w2 x2 + b = 0`` drawn dashed) moves with the sliders. The count below the
picture compares the exact number of regions, the grid's and the theory. Untick "ReLU" and the
network is linear: one region, parallel straight level sets.

In both apps the sliders ``w…, b`` override the chosen unit of ``init_params(…, seed)``; choosing
another unit, width, depth or seed sets them back to that unit's initial weights (rounded to the
slider step 0.05, as a browser slider shows them), so ``App(**app.state())`` always reproduces
the scene.
"""
import ipywidgets as widgets
import numpy as np
from matplotlib import patheffects
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import FancyArrowPatch

from ..network import fprop, init_params
from ..plots import HIGHLIGHT, WIDE, RegionPlot, pattern_colours
from ..region_counts import arrangement_count, depth_bounds, max_regions_plane
from ..regions import activation_pattern, collapse_linear, linear_regions, region_map
from .base import App

__all__ = ["Kinks1DApp", "ReluTilingApp", "BOX"]

#: the box of notebook 02's tiling: (xmin, xmax, ymin, ymax)
BOX = (-3.0, 3.0, -2.0, 2.5)
UNIT_COLOUR = HIGHLIGHT  # Tol's purple (colour-blind safe): the unit on the sliders
#: the other units' parts: a grey still 3.4:1 on white, and far from the purple with deuteranopia too
OTHER_UNITS = "0.55"
_STYLE = WIDE
_LADDER = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)


def _on_step(value, step=0.05):
    """``value`` rounded to the slider's step, as the browser's slider would show and send it back.

    (A FloatSlider in the browser snaps its value to the step and syncs it to the kernel; rounding
    here first keeps the kernel's scene and ``state()`` equal to what the student sees.)
    """
    return float(f"{round(value / step) * step:.2f}")


def _nice_limit(value):
    """The smallest step of a fixed ladder above ``value`` (so axes change rarely)."""
    for v in _LADDER:
        if value <= 0.95 * v:
            return v
    return _LADDER[-1]


class _UnitMixin:
    """Shared by both apps: the chosen unit's sliders follow the unit, width and seed."""

    def _unit_changed(self, change):
        """True when ``change`` comes from a control that chooses which weights the sliders show."""
        return change is not None and change.get("owner") in self._choosers()

    def _reset_unit_sliders(self, values):
        """Set the unit sliders to ``values`` (a dict name -> float) without triggering callbacks."""
        with self.quietly():
            for name, v in values.items():
                slider = getattr(self, name)
                slider.value = float(np.clip(_on_step(v), slider.min, slider.max))

    def _sync_unit_range(self):
        with self.quietly():
            self.unit.max = int(self.width.value)
            if self.unit.value > self.width.value:
                self.unit.value = int(self.width.value)


# ---------------------------------------------------------------------------------------------
class Kinks1DApp(_UnitMixin, App):
    """1-D input: f(x) = W2 max(0, W1 x + b1) + b2 bends once per hidden unit, at x = −b/w."""

    controls = ("width", "seed", "unit", "w", "b")
    MAX_WIDTH = 8
    XLIM = (-3.0, 3.0)

    def __init__(self, width=4, seed=4, unit=1, w=None, b=None):
        super().__init__()
        self._params_cache = {}
        self.width = widgets.IntSlider(value=width, min=1, max=self.MAX_WIDTH, description="hidden units",
                                       style=_STYLE)
        self.seed = widgets.IntSlider(value=seed, min=0, max=30, description="seed", style=_STYLE)
        self.unit = widgets.IntSlider(value=min(unit, width), min=1, max=width, description="unit on the sliders",
                                      style=_STYLE)
        w0, b0 = self._initial(width, seed, self.unit.value)
        self.w = widgets.FloatSlider(value=_on_step(w0) if w is None else w, min=-3.0, max=3.0, step=0.05,
                                     description="its weight w", style=_STYLE)
        self.b = widgets.FloatSlider(value=_on_step(b0) if b is None else b, min=-3.0, max=3.0, step=0.05,
                                     description="its bias b", style=_STYLE)
        self.xs = np.linspace(*self.XLIM, 601)
        self.fig, self.ax = self.new_figure(figsize=(8.5, 4.4))
        ax = self.ax
        self.fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.13)
        # the 1-D tiling: one pale band per interval between kinks, coloured by its on/off pattern
        self.strip = PolyCollection([], edgecolors="none", zorder=0)
        ax.add_collection(self.strip, autolim=False)
        self.unit_lines = [ax.plot([], [], lw=1.2, color=OTHER_UNITS, ls="--", zorder=2)[0]
                           for _ in range(self.MAX_WIDTH)]
        self.f_line, = ax.plot(self.xs, np.zeros_like(self.xs), lw=3.0, color="#0072B2", zorder=4,
                               label="$f(x) = W^2 h^1(x) + b^2$")
        self.kink_lines = LineCollection([], colors="0.25", linestyles=":", linewidths=1.2, zorder=1)
        ax.add_collection(self.kink_lines)
        self.kink_marks, = ax.plot([], [], "o", ms=8, mfc="white", mec="#0072B2", mew=2, zorder=5,
                                   label="kinks $x = -b_j / w_j$")
        ax.plot([], [], lw=1.2, color=OTHER_UNITS, ls="--", label="one unit's part $W^2_j \\max(0, w_j x + b_j)$")
        ax.plot([], [], lw=2.2, color=UNIT_COLOUR, ls="--", label="the unit on the sliders")
        ax.set_xlim(*self.XLIM)
        ax.set_xlabel("input x", fontsize=12)
        ax.set_ylabel("f(x)", fontsize=12)
        ax.set_title("one kink per hidden unit: f is linear between kinks", fontsize=13)
        self.legend = ax.legend(loc="upper left", fontsize=9, framealpha=0.9)
        self.zero_line = ax.axhline(0, color="0.5", lw=0.6, zorder=1)
        self.count_text = ax.text(0.99, 0.03, "", transform=ax.transAxes, ha="right", va="bottom",
                                  fontsize=12, bbox=dict(fc="white", ec="0.7", alpha=0.9), zorder=6)
        self._ylim = None
        # the legend and the zero line sit inside the axes, over the bands: they move with them
        self.frozen = self.freeze_background([self.strip, self.zero_line, *self.unit_lines, self.f_line,
                                              self.kink_lines, self.kink_marks, self.count_text, self.legend,
                                              *ax.spines.values()])
        self.start()

    def _choosers(self):
        return (self.width, self.seed, self.unit)

    def _base(self, width, seed):
        key = (int(width), int(seed))
        if key not in self._params_cache:
            self._params_cache[key] = init_params([1, key[0], 1], seed=key[1])
        return self._params_cache[key]

    def _initial(self, width, seed, unit):
        p = self._base(width, seed)
        return float(p["W1"][unit - 1, 0]), float(p["b1"][unit - 1])

    def params(self):
        """``init_params([1, width, 1], seed)`` with the chosen unit's (w, b) from the sliders."""
        p = {k: v.copy() for k, v in self._base(self.width.value, self.seed.value).items()}
        j = int(self.unit.value) - 1
        p["W1"][j, 0], p["b1"][j] = self.w.value, self.b.value
        return p

    def kinks(self, params=None):
        """Kink positions −b_j/w_j of every unit (nan for w_j = 0: no kink), (width,)."""
        p = self.params() if params is None else params
        w, b = p["W1"][:, 0], p["b1"]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(w != 0, -b / np.where(w != 0, w, 1.0), np.nan)

    def update(self, change=None):
        if self._unit_changed(change):
            self._sync_unit_range()
            w0, b0 = self._initial(self.width.value, self.seed.value, self.unit.value)
            self._reset_unit_sliders({"w": w0, "b": b0})
        p = self.params()
        x = self.xs
        o, cache = fprop(p, x[:, None])                      # h1 (n, width), o (n, 1)
        parts = cache["h1"] * p["W2"][0]                     # W2_j h_j(x), one column per unit
        f = o[:, 0]
        width, j = int(self.width.value), int(self.unit.value) - 1
        for k, line in enumerate(self.unit_lines):
            if k < width:
                line.set_data(x, parts[:, k])
                chosen = k == j
                line.set_color(UNIT_COLOUR if chosen else OTHER_UNITS)
                line.set_linewidth(2.2 if chosen else 1.2)
                line.set_zorder(3 if chosen else 2)
                line.set_visible(True)
            else:
                line.set_visible(False)
        self.f_line.set_ydata(f)
        kinks = self.kinks(p)
        inside = np.flatnonzero((kinks > self.XLIM[0]) & (kinks < self.XLIM[1]))
        lim = _nice_limit(max(float(np.abs(f).max()), float(np.abs(parts).max()), 0.5))
        if lim != self._ylim:
            self._ylim = lim
            self.ax.set_ylim(-lim, lim)
            self.frozen.set_key(lim)   # one cached background per y-range
        self.kink_lines.set_segments([[(k, -lim), (k, lim)] for k in kinks[inside]])
        self.kink_marks.set_data(kinks[inside], fprop(p, kinks[inside, None])[0][:, 0] if len(inside) else [])
        # the 1-D tiling: one band per interval between kinks, coloured by its on/off pattern
        cuts = np.unique(np.r_[self.XLIM[0], kinks[inside], self.XLIM[1]])
        mids = (cuts[:-1] + cuts[1:]) / 2
        on = activation_pattern(p, mids[:, None])
        big = 2 * _LADDER[-1]
        self.strip.set_verts([[(a, -big), (e, -big), (e, big), (a, big)] for a, e in zip(cuts[:-1], cuts[1:],
                                                                                          strict=True)])
        self.strip.set_facecolor(pattern_colours(on))
        n_kinks = len(np.unique(np.round(kinks[inside], 12)))
        self.n_pieces = n_kinks + 1
        self.count_text.set_text(f"{width} unit{'s' * (width > 1)}, {n_kinks} kink{'s' * (n_kinks != 1)} "
                                 f"in view → {self.n_pieces} linear piece{'s' * (self.n_pieces > 1)}")

    def describe(self):
        k = self.kinks()
        seen = np.unique(np.round(k[(k > self.XLIM[0]) & (k < self.XLIM[1])], 12))
        j = int(self.unit.value)
        mine = k[j - 1]
        where = (f"at x = {mine:.2f}" if self.XLIM[0] < mine < self.XLIM[1] else
                 "outside the picture" if np.isfinite(mine) else "nowhere (w = 0)")
        return (f"{self.width.value} hidden units, {len(seen)} kinks in view"
                + (f" (at x = {', '.join(f'{v:.2f}' for v in seen)})" if len(seen) else "")
                + f": f is linear on {len(seen) + 1} pieces. The unit on the sliders (unit {j}: w = "
                  f"{self.w.value:.2f}, b = {self.b.value:.2f}) bends {where}.")

    def layout(self):
        return widgets.VBox([widgets.HBox([widgets.VBox([self.width, self.seed, self.unit]),
                                           widgets.VBox([self.w, self.b])]),
                             self.canvas, self.status])


# ---------------------------------------------------------------------------------------------
class ReluTilingApp(_UnitMixin, App):
    """2-D input: the tiling by activation pattern, its exact regions, level sets of o and the counts."""

    controls = ("width", "depth", "seed", "unit", "w1", "w2", "b", "relu")
    MAX_WIDTH = 16
    MAX_DEPTH = 4
    RESOLUTION = 200

    def __init__(self, width=6, depth=2, seed=1, unit=1, w1=None, w2=None, b=None, relu=True):
        super().__init__()
        self._params_cache = {}
        self.width = widgets.IntSlider(value=width, min=1, max=self.MAX_WIDTH, description="width (units per layer)",
                                       style=_STYLE)
        self.depth = widgets.IntSlider(value=depth, min=1, max=self.MAX_DEPTH, description="depth (hidden layers)",
                                       style=_STYLE)
        self.seed = widgets.IntSlider(value=seed, min=0, max=30, description="seed", style=_STYLE)
        self.unit = widgets.IntSlider(value=min(unit, width), min=1, max=width,
                                      description="unit of layer 1 on the sliders", style=_STYLE)
        init = self._initial(width, depth, seed, self.unit.value)
        vals = {"w1": w1, "w2": w2, "b": b}
        labels = {"w1": "its weight w₁", "w2": "its weight w₂", "b": "its bias b"}
        for name in ("w1", "w2", "b"):
            v = _on_step(init[name]) if vals[name] is None else vals[name]
            setattr(self, name, widgets.FloatSlider(value=v, min=-3.0, max=3.0, step=0.05,
                                                    description=labels[name], style=_STYLE))
        self.relu = widgets.Checkbox(value=relu, description="ReLU on (untick: a linear network)", indent=False)
        self.readout = widgets.HTML(value="")
        xmin, xmax, ymin, ymax = BOX
        self.fig, self.ax = self.new_figure(figsize=(7.6, 5.6))
        self.fig.subplots_adjust(left=0.09, right=0.98, top=0.93, bottom=0.16)
        self.tiling = RegionPlot(self.ax, (xmin, xmax), (ymin, ymax), resolution=self.RESOLUTION, fill="polygons")
        halo = [patheffects.withStroke(linewidth=6.5, foreground="white")]
        self.unit_line, = self.ax.plot([], [], ls=(0, (4, 2)), lw=3.2, color=UNIT_COLOUR, zorder=5,
                                       label="unit on the sliders: w₁x₁+w₂x₂+b = 0", path_effects=halo)
        # an arrow from the middle of the line towards the side where the unit is on (w·x + b > 0)
        self.unit_arrow = FancyArrowPatch((0, 0), (0, 0), arrowstyle="-|>", mutation_scale=18, lw=2.6,
                                          color=UNIT_COLOUR, zorder=5, path_effects=halo)
        self.ax.add_patch(self.unit_arrow)
        self.ax.plot([], [], color="0.2", lw=0.9, label="region edges (exact)")
        self.ax.plot([], [], color="#31688e", lw=1.6, label="level sets of o")
        self.ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.09), ncol=3, fontsize=10, frameon=False,
                       handlelength=1.6, columnspacing=1.2)
        # the live count is the title: big enough for a projector, and it covers nothing
        self.count_text = self.ax.text(0.5, 1.015, "", transform=self.ax.transAxes, ha="center",
                                       va="bottom", fontsize=14)
        self.counts = {}
        t = self.tiling
        # the axes' frame (spines) is drawn again over the filled regions, as in a full draw
        self.frozen = self.freeze_background([t.fill, t.levels_lc, t.edges_lc, self.unit_line,
                                              self.unit_arrow, self.count_text, *self.ax.spines.values()])
        self.start()

    def _choosers(self):
        return (self.width, self.depth, self.seed, self.unit)

    def sizes(self, width=None, depth=None):
        w = int(self.width.value if width is None else width)
        d = int(self.depth.value if depth is None else depth)
        return [2] + [w] * d + [1]

    def _base(self, width, depth, seed):
        key = (int(width), int(depth), int(seed))
        if key not in self._params_cache:
            if len(self._params_cache) > 64:
                self._params_cache.clear()
            self._params_cache[key] = init_params([2] + [key[0]] * key[1] + [1], seed=key[2])
        return self._params_cache[key]

    def _initial(self, width, depth, seed, unit):
        p = self._base(width, depth, seed)
        W, b = p["W1"][unit - 1], p["b1"][unit - 1]
        return {"w1": float(W[0]), "w2": float(W[1]), "b": float(b)}

    def params(self):
        """``init_params([2, width, …, width, 1], seed)`` with the chosen first-layer unit from the sliders."""
        p = {k: v.copy() for k, v in self._base(self.width.value, self.depth.value, self.seed.value).items()}
        j = int(self.unit.value) - 1
        p["W1"][j] = (self.w1.value, self.w2.value)
        p["b1"][j] = self.b.value
        return p

    def network(self, params=None):
        """The function drawn: ``params`` (default ``params()``), or with the ReLU off its collapse to
        one affine layer."""
        p = self.params() if params is None else params
        return p if self.relu.value else collapse_linear(p)

    def compute_counts(self, params=None, regions=None, n_grid=None):
        """``dict(exact, grid, theory, …)``: the region counts the app shows, from nnbasics.region_counts."""
        p = self.params() if params is None else params
        net = self.network(p)
        xmin, xmax, ymin, ymax = BOX
        regions = linear_regions(net, BOX) if regions is None else regions
        if n_grid is None:
            _, n_grid = region_map(net, (xmin, xmax), (ymin, ymax), self.RESOLUTION)
        first = arrangement_count(p["W1"], p["b1"], BOX)
        counts = {"exact": len(regions), "grid": int(n_grid), "first_layer": int(first)}
        if not self.relu.value:
            counts.update(theory=1, theory_name="a linear network is one affine map")
        elif int(self.depth.value) == 1:
            counts.update(theory=int(first), theory_name="line arrangement of the layer in the box",
                          plane_max=max_regions_plane(int(self.width.value)))
        else:
            bounds = depth_bounds(self.sizes())
            counts.update(theory=int(bounds["upper"]), theory_name="most possible for this architecture "
                          "(Serra et al. 2018), in the whole plane", lower=int(bounds["lower"]))
        return counts

    def update(self, change=None):
        if self._unit_changed(change):
            self._sync_unit_range()
            self._reset_unit_sliders(self._initial(self.width.value, self.depth.value, self.seed.value,
                                                   self.unit.value))
        p = self.params()
        net = self.network(p)
        self.regions = regions = linear_regions(net, BOX)
        # the exact regions, each filled with the colour of its activation pattern; the grid's
        # count (region_map) is shown beside the exact one
        xmin, xmax, ymin, ymax = BOX
        _, n_grid = region_map(net, (xmin, xmax), (ymin, ymax), self.RESOLUTION)
        self.tiling.update(net, regions=regions)
        self._draw_unit_line(p)
        self.counts = self.compute_counts(p, regions, n_grid)
        c = self.counts
        if not self.relu.value:
            text = f"regions: exact {c['exact']} · grid {c['grid']} · theory 1 (linear)"
        elif int(self.depth.value) == 1:
            text = (f"regions: exact {c['exact']} · grid {c['grid']} · theory {c['theory']}"
                    f"  (≤ {c['plane_max']} in the plane)")
        else:
            text = f"regions: exact {c['exact']} · grid {c['grid']} · most possible ≤ {c['theory']:,}"
        self.count_text.set_text(text)
        self.readout.value = self._explain(c)

    def bordering(self):
        """How many of the drawn regions have an edge on the line of the unit on the sliders."""
        if not self.relu.value:
            return 0                                  # a linear network: one region, no edges inside
        p = self.params()
        j = int(self.unit.value) - 1
        w, b = p["W1"][j], float(p["b1"][j])
        tol = 1e-7 * max(float(np.linalg.norm(w)), 1e-12)
        sizes = [len(r.vertices) for r in self.regions]           # all vertices at once: ~0.3 ms for 1,300 regions
        on_line = np.abs(np.concatenate([r.vertices for r in self.regions]) @ w + b) <= tol
        return int(np.sum(np.add.reduceat(on_line, np.cumsum([0] + sizes[:-1])) >= 2))

    def describe(self):
        c, p = self.counts, self.params()
        j = int(self.unit.value) - 1
        net = "-".join(map(str, self.sizes()))
        if not self.relu.value:
            return (f"ReLU removed: the {net} network is one affine map, {c['exact']} region, parallel "
                    f"straight level sets")
        theory = f"exactly {c['theory']}" if int(self.depth.value) == 1 else f"at most {c['theory']:,}"
        return (f"{c['exact']} linear regions of the {net} network (the grid sees {c['grid']}; theory {theory}); "
                f"the unit on the sliders (unit {j + 1}: w = ({p['W1'][j, 0]:.2f}, {p['W1'][j, 1]:.2f}), "
                f"b = {p['b1'][j]:.2f}) borders {self.bordering()} of them")

    def _draw_unit_line(self, p):
        """The chosen unit's line w·x + b = 0 clipped to the box, and a tick towards its 'on' side."""
        j = int(self.unit.value) - 1
        w, b = p["W1"][j], float(p["b1"][j])
        xmin, xmax, ymin, ymax = BOX
        pts = []
        if abs(w[1]) > 1e-12:
            for x in (xmin, xmax):
                pts.append((x, -(b + w[0] * x) / w[1]))
        if abs(w[0]) > 1e-12:
            for y in (ymin, ymax):
                pts.append((-(b + w[1] * y) / w[0], y))
        eps = 1e-9
        pts = [q for q in pts if xmin - eps <= q[0] <= xmax + eps and ymin - eps <= q[1] <= ymax + eps]
        if len(pts) >= 2:
            pts = np.array(sorted(pts))
            a, e = pts[0], pts[-1]
            self.unit_line.set_data([a[0], e[0]], [a[1], e[1]])
            mid = (a + e) / 2
            n = w / np.linalg.norm(w) * 0.45
            self.unit_arrow.set_positions(tuple(mid), tuple(mid + n))
            self.unit_arrow.set_visible(True)
        else:
            self.unit_line.set_data([], [])
            self.unit_arrow.set_visible(False)

    def _explain(self, c):
        sizes = "-".join(map(str, self.sizes()))
        rows = [f"<b>{c['exact']}</b> linear regions (exact, <code>linear_regions</code>) of the "
                f"{sizes} network in the box [−3, 3] × [−2, 2.5]; the {self.RESOLUTION}×{self.RESOLUTION} "
                f"grid (<code>region_map</code>) sees <b>{c['grid']}</b> (it misses regions smaller than a pixel)."]
        if not self.relu.value:
            rows.append("Without the ReLU the layers compose into one matrix (<code>collapse_linear</code>): "
                        "one region, and the level sets are parallel lines.")
        elif int(self.depth.value) == 1:
            rows.append(f"Theory: one layer of {self.width.value} lines cuts the box into exactly "
                        f"<b>{c['theory']}</b> regions (<code>arrangement_count</code>: 1 + lines crossing "
                        f"the box + crossings inside it); in the whole plane at most "
                        f"1 + n + n(n−1)/2 = {c['plane_max']}.")
        else:
            rows.append(f"Theory: this architecture can have at most <b>{c['theory']:,}</b> regions in the "
                        f"whole plane (Serra et al. 2018) and some weights reach at least {c['lower']:,} "
                        f"(Montúfar et al. 2014); at initialisation there are far fewer (Hanin &amp; Rolnick "
                        f"2019: about (number of units)² per unit area, not exponential in depth). "
                        f"The first layer alone makes {c['first_layer']}.")
        return "<div style='font-size:14px;line-height:1.45'>" + "<br>".join(rows) + "</div>"

    def layout(self):
        left = widgets.VBox([self.width, self.depth, self.seed, self.relu])
        right = widgets.VBox([self.unit, self.w1, self.w2, self.b])
        return widgets.VBox([widgets.HBox([left, right]), self.canvas, self.readout, self.status])
