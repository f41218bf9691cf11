"""Notebook 08: what the hidden units of a trained network do (the Interpretation slides).

    "What does a hidden unit do? It can be thought of as a classifier or feature detector."
    "DL architectures are efficient also because they use distributed representations which
     are shared across classes."    "How many layers? How many hidden units? Cross-validation."

Data: the 8×8 handwritten digits shipped with the repo, split once into training, validation
and test parts (:func:`nnbasics.data.digits_split`), and 2-D toy data. The maths is in
:mod:`nnbasics.interpret`, the trained models in :mod:`nnbasics.trainer`
(:func:`~nnbasics.trainer.digits_model`, :func:`~nnbasics.trainer.toy_model`) and the
notebook's static pictures in :mod:`nnbasics.plots`. The apps (one line each in the notebook):

- ``FeatureDetectorApp``: one first-layer unit of a digits network — its 64 weights as an 8×8
  image (what it looks for), the test digits that turn it on most, and how often it is on for
  each digit class;
- ``ActivationMapApp``: one hidden unit of a network trained on 2-D data — its activation
  ``h_j(x)`` over the plane (a ramp over a half-plane in layer 1, a more complex piecewise-linear
  region in layer 2);
- ``CodesApp``: the binary code of active units for every digit class, two classes side by side
  like the slide's "truck" and "motorbike" vectors, and how many units each class shares.
"""
import ipywidgets as widgets
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle

from ..data import digits_split
from ..interpret import code_text, hidden_activations, shared_units, unit_codes
from ..network import fprop
from ..plots import CLASS_COLOURS, ON_COLOUR, SHARED_COLOUR, WEIGHT_CMAP, WIDE, class_marker_paths
from ..trainer import digits_model, toy_model
from .base import App

__all__ = ["FeatureDetectorApp", "ActivationMapApp", "CodesApp"]

class FeatureDetectorApp(App):
    """One first-layer unit of a digits network as a feature detector.

    Left: its weights ``W1[j]`` as an 8×8 image (blue +, orange −; scaled to its largest |w|).
    Middle: the 8 test digits with the largest activation ``h1_j``. Right: its mean activation
    on the test images of each digit class, relative to the largest (1 = the class it responds
    to most).

    Control: ``unit``. The network (``width`` units per layer, ``depth`` layers, ``seed``) is
    trained once when the app is made (cached) and kept in ``state()``.
    """

    controls = ("unit",)
    settings = ("width", "depth", "seed")

    def __init__(self, unit=0, width=32, depth=2, seed=0):
        super().__init__(width=int(width), depth=int(depth), seed=int(seed))
        self.unit = widgets.IntSlider(value=unit, min=0, max=self.width - 1, description="unit j of layer 1",
                                      style=WIDE, layout=widgets.Layout(width="460px"))
        self.model = digits_model(self.width, self.depth, self.seed)
        *_, self.X_test, self.y_test = digits_split(self.seed)
        self.H1 = hidden_activations(self.model.params, self.X_test)[0]
        self.fig, (self.ax_w, self.ax_top, self.ax_bar) = self.new_figure(
            figsize=(9.6, 3.3), ncols=3, gridspec_kw=dict(width_ratios=[1, 1.6, 1.6]))
        self.weights = self.ax_w.imshow(np.zeros((8, 8)), cmap=WEIGHT_CMAP, vmin=-1, vmax=1,
                                        interpolation="nearest")
        cb = self.fig.colorbar(self.weights, ax=self.ax_w, fraction=0.046, pad=0.04, ticks=[-1, 0, 1])
        cb.ax.set_yticklabels(["−max", "0", "+max"])
        self.top = self.ax_top.imshow(np.zeros((17, 35)), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        self.bars = self.ax_bar.bar(np.arange(10), np.zeros(10), color=ON_COLOUR, edgecolor="0.2")
        self.ax_bar.set_ylim(0, 1.05)
        self.ax_bar.set_xticks(range(10))
        self.ax_bar.set_xlabel("digit class")
        self.ax_bar.set_ylabel("mean activation\n(relative to the largest)")
        self.ax_bar.spines[["top", "right"]].set_visible(False)
        for ax in (self.ax_w, self.ax_top):
            ax.set_xticks([])
            ax.set_yticks([])
        self.ax_top.set_title("the 8 test digits that turn it on most", fontsize=10.5)
        self.fig.subplots_adjust(left=0.03, right=0.98, bottom=0.16, top=0.86, wspace=0.4)
        self.frozen = self.freeze_background([self.weights, self.top, *self.bars, self.ax_w.title, self.ax_bar.title])
        self.start()

    def update(self, change=None):
        j = self.unit.value
        w = self.model.params["W1"][j].reshape(8, 8)
        self.weights.set_data(w / max(np.abs(w).max(), 1e-12))
        h = self.H1[:, j]
        best = np.argsort(-h, kind="stable")[:8]
        mont = np.ones((17, 35)) * 0.15                       # 2 × 4 tiles of 8×8, 1-pixel gaps
        for k, n in enumerate(best):
            r, c = divmod(k, 4)
            mont[r * 9:r * 9 + 8, c * 9:c * 9 + 8] = self.X_test[n].reshape(8, 8)
        self.top.set_data(mont)
        means = np.array([h[self.y_test == c].mean() for c in range(10)])
        self.means = means / means.max() if means.max() > 0 else means
        for bar, v in zip(self.bars, self.means, strict=True):
            bar.set_height(v)
        fav = int(np.argmax(means))
        for k, bar in enumerate(self.bars):
            bar.set_facecolor(SHARED_COLOUR if k == fav else ON_COLOUR)
        self.ax_w.set_title(f"unit {j}: its 64 weights W1[{j}]", fontsize=10.5)
        self.ax_bar.set_title(f"responds most to digit {fav}" if means.max() > 0 else
                              "never on: a dead unit", fontsize=10.5)

    def describe(self):
        j = self.unit.value
        h = self.H1[:, j]
        if h.max() <= 0:
            return f"unit {j} of layer 1 is never on for the test digits: a dead unit"
        order = np.argsort(-self.means, kind="stable")
        top = self.y_test[np.argsort(-h, kind="stable")[:8]]
        return (f"unit {j} of layer 1 responds most to digit {order[0]}, then {order[1]} "
                f"({self.means[order[1]]:.0%} as much) and {order[2]} ({self.means[order[2]]:.0%}); the 8 test "
                f"digits that turn it on most are {', '.join(map(str, top))}")



class ActivationMapApp(App):
    """One hidden unit of a network trained on 2-D data: where in the plane is it on?

    Left: ``h_j(x)`` over the plane (viridis, scaled to the unit's largest value; dark = off),
    the line where it switches on, and the data. In layer 1 the map is a ramp over a half-plane
    (one line, ``W1[j]·x + b1[j] = 0``); in layer 2 it is made of pieces of those half-planes
    (a feature built from features). Right: the fraction of each class's points where it is on.

    Controls: ``layer`` and ``unit``. The network (``dataset``, ``width``, ``depth``, ``seed``)
    is trained once when the app is made and kept in ``state()``.
    """

    controls = ("layer", "unit")
    settings = ("dataset", "width", "depth", "seed")
    RES = 100

    def __init__(self, layer=1, unit=0, dataset="circles", width=8, depth=2, seed=0):
        super().__init__(dataset=dataset, width=int(width), depth=int(depth), seed=int(seed))
        self.layer = widgets.IntSlider(value=layer, min=1, max=self.depth, description="layer l", style=WIDE)
        self.unit = widgets.IntSlider(value=unit, min=0, max=self.width - 1, description="unit j", style=WIDE)
        self.model, self.X, self.y = toy_model(dataset, self.width, self.depth, self.seed)
        self.C = int(self.y.max()) + 1
        half = float(np.ceil(np.abs(self.X).max() * 1.1 * 4) / 4)
        self.box = (-half, half, -half, half)
        xs = np.linspace(-half, half, self.RES)
        gx, gy = np.meshgrid(xs, xs)
        self.xs = xs
        _, cache = fprop(self.model.params, np.column_stack([gx.ravel(), gy.ravel()]))
        self.Z_grid = [cache[f"z{l}"] for l in range(1, self.depth + 1)]
        self.H_grid = [cache[f"h{l}"] for l in range(1, self.depth + 1)]          # h = max(0, z)
        self.H_data = hidden_activations(self.model.params, self.X)
        self.fig, (self.ax, self.ax_bar) = self.new_figure(figsize=(9.5, 4.2), ncols=2,
                                                           gridspec_kw=dict(width_ratios=[1.2, 1]))
        self.image = self.ax.imshow(np.zeros((self.RES, self.RES)), origin="lower", extent=self.box,
                                    cmap="viridis", vmin=0, vmax=1, interpolation="bilinear")
        cb = self.fig.colorbar(self.image, ax=self.ax, fraction=0.046, pad=0.03, ticks=[0, 1])
        cb.ax.set_yticklabels(["0 (off)", "max"])
        self.boundary = None
        self.points = self.ax.scatter(self.X[:, 0], self.X[:, 1], s=14, linewidths=0.5, edgecolors="0.1",
                                      c=[CLASS_COLOURS[c] for c in self.y])
        self.points.set_paths(class_marker_paths(self.y))         # one marker per class, not colour alone
        self.ax.set_xlim(self.box[:2])
        self.ax.set_ylim(self.box[2:])
        self.ax.set_xlabel("$x_1$")
        self.ax.set_ylabel("$x_2$")
        self.bars = self.ax_bar.bar(np.arange(self.C), np.zeros(self.C), color=CLASS_COLOURS[:self.C],
                                    edgecolor="0.2")
        self.ax_bar.set_ylim(0, 1.05)
        self.ax_bar.set_xticks(range(self.C), [f"class {c + 1}" for c in range(self.C)])
        self.ax_bar.set_ylabel("fraction of the class's points\nwhere the unit is on")
        self.ax_bar.spines[["top", "right"]].set_visible(False)
        self.fig.subplots_adjust(left=0.08, right=0.97, bottom=0.14, top=0.86, wspace=0.35)
        self.frozen = self.freeze_background([self.image, self.points, *self.bars, self.ax.title, self.ax_bar.title])
        self.start()

    def update(self, change=None):
        l, j = self.layer.value, self.unit.value
        z = self.Z_grid[l - 1][:, j].reshape(self.RES, self.RES)
        h = self.H_grid[l - 1][:, j].reshape(self.RES, self.RES)
        self.activation = h
        top = h.max()
        self.image.set_data(h / top if top > 0 else h)
        old, self.boundary = self.boundary, None
        if 0 < top and h.min() == 0:                    # zorder: over the image, under the points
            self.boundary = self.ax.contour(self.xs, self.xs, z, levels=[0.0], colors="white", linewidths=1.8,
                                            zorder=0.5)
        self.frozen.replace(old, self.boundary)
        frac, _ = unit_codes(self.H_data[l - 1][:, j:j + 1], self.y, self.C)
        self.fractions = frac[:, 0]
        for bar, f in zip(self.bars, self.fractions, strict=True):
            bar.set_height(f)
        on = (h > 0).mean()
        kind = "a half-plane: one line" if l == 1 else "built from layer-1 half-planes"
        self.ax.set_title(f"$h^{l}_{{{j}}}(x)$: on in {on:.0%} of the picture ({kind})" if top > 0 else
                          f"$h^{l}_{{{j}}}(x)$ is 0 everywhere here: a dead unit", fontsize=10.5)
        self.ax_bar.set_title("a detector for the classes with tall bars", fontsize=10.5)

    def describe(self):
        l, j = self.layer.value, self.unit.value
        if self.activation.max() <= 0:
            return f"unit {j} of layer {l} is 0 everywhere in the picture: a dead unit"
        per_class = ", ".join(f"{f:.0%} of class {c + 1}'s" for c, f in enumerate(self.fractions))
        return (f"unit {j} of layer {l} is on in {(self.activation > 0).mean():.0%} of the picture; it is on for "
                f"{per_class} points")



class CodesApp(App):
    """Distributed representations: the binary code of active hidden units for every digit.

    Unit j is "on" for a class when ``h_j > 0`` for more than ``threshold`` of its test digits.
    Top: the codes of all 10 classes (a dark cell = on). Middle: two classes written like the
    slide's vectors ("motorbike" and "truck"), the units they share marked. Bottom right: for
    each class, how many of its units are on and how many of those it shares with at least one
    other class (feature sharing).

    Controls: ``class_a``, ``class_b``, ``layer``, ``threshold``. The network (``width``,
    ``depth``, ``seed``) is trained once when the app is made and kept in ``state()``.
    """

    controls = ("class_a", "class_b", "layer", "threshold")
    settings = ("width", "depth", "seed")

    def __init__(self, class_a=3, class_b=8, layer=1, threshold=0.5, width=32, depth=2, seed=0):
        super().__init__(width=int(width), depth=int(depth), seed=int(seed))
        digits = [(f"digit {k}", k) for k in range(10)]
        self.class_a = widgets.Dropdown(options=digits, value=class_a, description="compare", style=WIDE)
        self.class_b = widgets.Dropdown(options=digits, value=class_b, description="with", style=WIDE)
        self.layer = widgets.IntSlider(value=layer, min=1, max=self.depth, description="layer l", style=WIDE)
        self.threshold = widgets.FloatSlider(value=threshold, min=0.1, max=0.9, step=0.05,
                                             description="on for more than (fraction of a class)", style=WIDE,
                                             layout=widgets.Layout(width="460px"))
        self.model = digits_model(self.width, self.depth, self.seed)
        *_, X_test, self.y_test = digits_split(self.seed)
        self.H = hidden_activations(self.model.params, X_test)
        U = self.width
        self.fig = self.new_figure(figsize=(9.6, 5.2))[0]
        self.fig.clear()
        gs = self.fig.add_gridspec(2, 2, height_ratios=[2.1, 1], width_ratios=[2.4, 1], hspace=0.5, wspace=0.12,
                                   left=0.07, right=0.98, top=0.93, bottom=0.2)
        self.ax_codes = self.fig.add_subplot(gs[0, 0])
        self.ax_pair = self.fig.add_subplot(gs[1, 0])
        self.ax_share = self.fig.add_subplot(gs[:, 1])
        grey = LinearSegmentedColormap.from_list("code", ["#ffffff", "#222222"])
        self.codes_image = self.ax_codes.imshow(np.zeros((10, U)), cmap=grey, vmin=0, vmax=1, aspect="auto",
                                                interpolation="nearest")
        self.ax_codes.set_yticks(range(10), [f"digit {k}" for k in range(10)], fontsize=9)
        self.ax_codes.set_xticks(range(0, U, 4))
        self.ax_codes.set_xlabel("hidden unit j", fontsize=9)
        self.rows = [Rectangle((-0.5, -0.5), U, 1, fill=False, ec=col, lw=2.5)
                     for col in (ON_COLOUR, SHARED_COLOUR)]
        for r in self.rows:
            self.ax_codes.add_patch(r)
        pair_cmap = LinearSegmentedColormap.from_list("pair", ["#ffffff", ON_COLOUR, SHARED_COLOUR])
        self.pair_image = self.ax_pair.imshow(np.zeros((2, U)), cmap=pair_cmap, vmin=0, vmax=2, aspect="auto",
                                              interpolation="nearest")
        self.ax_pair.set_xticks([])
        self.ax_pair.set_yticks([])
        self.ax_pair.set_xlim(-0.5, U - 0.5)
        self.pair_text = [self.ax_pair.text(-0.8, r, "", ha="right", va="center", fontsize=10) for r in (0, 1)]
        self.vectors = [self.ax_pair.text(0.0, -0.12 - 0.3 * r, "", transform=self.ax_pair.transAxes,
                                          family="monospace", fontsize=9, ha="left", va="top") for r in (0, 1)]
        self.bar_all = self.ax_share.barh(np.arange(10), np.zeros(10), color="#bbbbbb", edgecolor="0.3",
                                          label="units on")
        self.bar_shared = self.ax_share.barh(np.arange(10), np.zeros(10), color=SHARED_COLOUR, edgecolor="0.3",
                                             label="… shared with another digit")
        self.ax_share.set_yticks(range(10), [str(k) for k in range(10)])
        self.ax_share.invert_yaxis()
        self.ax_share.set_xlim(0, U)
        self.ax_share.set_xlabel("number of units", labelpad=1)
        self.ax_share.set_ylabel("digit")
        self.ax_share.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1, frameon=False)
        self.ax_share.spines[["top", "right"]].set_visible(False)
        self.ax_share.set_title("feature sharing", fontsize=11)
        self.frozen = self.freeze_background([self.codes_image, *self.rows, self.pair_image, *self.pair_text,
                                              *self.vectors, *self.bar_all, *self.bar_shared, self.ax_codes.title,
                                              self.ax_pair.title])
        self.start()

    def update(self, change=None):
        l, a, b = self.layer.value, self.class_a.value, self.class_b.value
        self.frac, self.codes = unit_codes(self.H[l - 1], self.y_test, 10, self.threshold.value)
        self.shared = shared_units(self.codes)
        self.codes_image.set_data(self.codes.astype(float))
        for r, k in zip(self.rows, (a, b), strict=True):
            r.set_y(k - 0.5)
        both = self.codes[a] & self.codes[b]
        self.pair_image.set_data(np.stack([self.codes[a], self.codes[b]]).astype(float) + both)
        for t, k in zip(self.pair_text, (a, b), strict=True):
            t.set_text(f"digit {k}")
        for t, k in zip(self.vectors, (a, b), strict=True):
            t.set_text(f"{code_text(self.codes[k])}  digit {k}")
        n_on = self.codes.sum(axis=1)
        others = self.codes.sum(axis=0)                          # classes using each unit
        n_shared = (self.codes & (others > 1)).sum(axis=1)
        self.n_on, self.n_shared = n_on, n_shared
        for bar, v in zip(self.bar_all, n_on, strict=True):
            bar.set_width(v)
        for bar, v in zip(self.bar_shared, n_shared, strict=True):
            bar.set_width(v)
        self.ax_codes.set_title(f"binary codes of layer {l}: unit j on (dark) for more than "
                                f"{self.threshold.value:.0%} of a digit's test images", fontsize=10.5)
        self.ax_pair.set_title(f"digits {a} and {b}: {int(n_on[a])} and {int(n_on[b])} units on, "
                               f"{int(both.sum())} shared (orange)", fontsize=10.5)
        self.n_both = int(both.sum())

    def describe(self):
        a, b = self.class_a.value, self.class_b.value
        return (f"layer {self.layer.value}, a unit counts as on for a digit when it is on for more than "
                f"{self.threshold.value:.0%} of its test images: digit {a} has {self.n_on[a]} units on, digit {b} "
                f"{self.n_on[b]}, {self.n_both} of them shared by both; summed over the ten digits, "
                f"{int(self.n_shared.sum())} of the {int(self.n_on.sum())} units on are shared with another digit")

