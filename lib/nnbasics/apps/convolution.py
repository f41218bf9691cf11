"""Notebook 09: a 3×3 kernel slid over a handwritten digit, live.

    ConvApp(digit=0, preset="vertical edge", b=0.0)        # or w00=…, …, w22=… for a kernel of your own

Pick a test digit and a kernel (a preset, or the nine sliders: they are the kernel, laid out
as it is), and see what one convolution layer computes from it, with the core's
:func:`~nnbasics.conv.conv_fprop`, ``relu_fprop`` and :func:`~nnbasics.conv.maxpool_fprop`:

    z = W ⋆ x + b          the feature map (3×3 'same' convolution, pad 1: 8×8 → 8×8)
    a = max(0, z)          the ReLU keeps the positive responses
    h = maxpool(a)         2×2 max-pooling: 8×8 → 4×4

The feature map is drawn with the weights' colours (blue +, orange −, white 0) on a symmetric
scale set by its largest |z|; the ReLU and pooled maps use the same scale. The numbers (the
range of z, how many entries the ReLU keeps, the largest pooled value) are in the live text
summary under the app (``describe()``). The dots on the
ReLU map mark the entry each 2×2 window keeps (its arg-max, where the gradient goes back), in
the windows whose maximum is positive.
"""
import ipywidgets as widgets
import numpy as np

from ..conv import as_images, conv_fprop, maxpool_bprop, maxpool_fprop
from ..data import digits_split
from ..layers import relu_fprop
from ..plots import HIGHLIGHT, WEIGHT_CMAP, WIDE, text_colour_on
from .base import App

__all__ = ["ConvApp", "PRESETS"]

#: named 3×3 kernels (rows top to bottom), as the layer applies them (cross-correlation)
PRESETS = {
    "vertical edge": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],        # dark → bright from left to right
    "horizontal edge": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],      # dark → bright from top to bottom
    "diagonal edge": [[0, 1, 2], [-1, 0, 1], [-2, -1, 0]],
    "blur": [[0.05, 0.1, 0.05], [0.1, 0.4, 0.1], [0.05, 0.1, 0.05]],
    "sharpen": [[0, -0.5, 0], [-0.5, 3, -0.5], [0, -0.5, 0]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}
CUSTOM = "custom"
WEIGHTS = tuple(f"w{u}{v}" for u in range(3) for v in range(3))


def _same(a, b):
    """Two kernels are the same up to a slider's rounding (the browser may send back −0.9999999999999996)."""
    return bool(np.allclose(a, b, rtol=0, atol=1e-9))


class ConvApp(App):
    """A kernel editor on a digit: the feature map, ReLU(feature map) and the pooled map, live.

    Controls: ``digit`` (which test image), ``preset`` (a named kernel, or 'custom'), the nine
    kernel weights ``w00 … w22`` (row u, column v) and the bias ``b``. Moving a weight makes the
    preset 'custom'; choosing a preset sets the nine weights. The digits are the test part of
    :func:`nnbasics.data.digits_split` (seed 0).
    """

    controls = ("digit", "preset", *WEIGHTS, "b")

    def __init__(self, digit=0, preset="vertical edge", b=0.0, **weights):
        super().__init__()
        unknown = set(weights) - set(WEIGHTS)
        if unknown:
            raise TypeError(f"ConvApp got unknown arguments {sorted(unknown)}; its controls are {list(self.controls)}")
        if preset not in PRESETS and preset != CUSTOM:
            raise ValueError(f"preset must be one of {[*PRESETS, CUSTOM]}, got {preset!r}")
        *_, X_test, self.y_test = digits_split(0)
        self.images = as_images(X_test)                                     # (359, 1, 8, 8)
        base = np.array(PRESETS.get(preset, PRESETS["identity"]), dtype=float)
        kernel = np.array([[weights.get(f"w{u}{v}", base[u, v]) for v in range(3)] for u in range(3)], dtype=float)
        if preset != CUSTOM and not _same(kernel, base):
            preset = CUSTOM                                                 # weights of your own
        self.digit = widgets.IntSlider(value=digit, min=0, max=len(self.images) - 1, description="test digit n",
                                       style=WIDE, layout=widgets.Layout(width="330px"))
        self.preset = widgets.Dropdown(options=[*PRESETS, CUSTOM], value=preset, description="kernel",
                                       style=WIDE, layout=widgets.Layout(width="240px"))
        self.b = widgets.FloatSlider(value=b, min=-3, max=3, step=0.05, description="bias b", style=WIDE,
                                     layout=widgets.Layout(width="300px"))
        for u in range(3):
            for v in range(3):
                setattr(self, f"w{u}{v}", widgets.FloatSlider(
                    value=kernel[u, v], min=-3, max=3, step=0.05, description=f"w[{u},{v}]",
                    tooltip=f"kernel weight w[{u},{v}]: row {u}, column {v} of W", style={"description_width": "44px"},
                    layout=widgets.Layout(width="250px")))
        self._applied = preset                    # the preset whose weights the sliders hold
        self._build_figure()
        self.start()

    # -- the picture ------------------------------------------------------------------------------
    def _build_figure(self):
        self.fig, axes = self.new_figure(figsize=(9.6, 2.4), ncols=5,
                                         gridspec_kw=dict(width_ratios=[1, 0.62, 1, 1, 1]))
        self.ax_x, self.ax_w, self.ax_z, self.ax_a, self.ax_h = axes
        titles = ["digit x (8×8)", "kernel W (3×3)", "feature map z = W⋆x + b", "ReLU: a = max(0, z)",
                  "max-pool: h (4×4)"]
        for ax, t in zip(axes, titles, strict=True):
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(t, fontsize=10)
        self.im_x = self.ax_x.imshow(np.zeros((8, 8)), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        self.im_w = self.ax_w.imshow(np.zeros((3, 3)), cmap=WEIGHT_CMAP, vmin=-3, vmax=3, interpolation="nearest")
        self.w_text = [[self.ax_w.text(v, u, "", ha="center", va="center", fontsize=9) for v in range(3)]
                       for u in range(3)]
        self.im_z = self.ax_z.imshow(np.zeros((8, 8)), cmap=WEIGHT_CMAP, vmin=-1, vmax=1, interpolation="nearest")
        self.im_a = self.ax_a.imshow(np.zeros((8, 8)), cmap=WEIGHT_CMAP, vmin=-1, vmax=1, interpolation="nearest")
        self.im_h = self.ax_h.imshow(np.zeros((4, 4)), cmap=WEIGHT_CMAP, vmin=-1, vmax=1, interpolation="nearest")
        for k in (1.5, 3.5, 5.5):                                           # the 2×2 pooling windows
            self.ax_a.axhline(k, color="0.55", lw=0.8)
            self.ax_a.axvline(k, color="0.55", lw=0.8)
        self.kept = self.ax_a.scatter(np.zeros(16), np.zeros(16), s=14, color=HIGHLIGHT, zorder=3)
        self.fig.subplots_adjust(left=0.01, right=0.99, top=0.87, bottom=0.03, wspace=0.12)
        self.frozen = self.freeze_background([self.im_x, self.im_w, *sum(self.w_text, []), self.im_z, self.im_a,
                                              self.im_h, self.kept])

    def kernel(self):
        """The kernel W (3, 3) on the sliders."""
        return np.array([[getattr(self, f"w{u}{v}").value for v in range(3)] for u in range(3)], dtype=float)

    def compute(self):
        """``(x, z, a, h, kept)`` for the current controls, all from the core: x (8, 8), z and a (8, 8),
        h (4, 4), kept (8, 8) = 1 where a 2×2 window's max is."""
        x = self.images[self.digit.value:self.digit.value + 1]                   # (1, 1, 8, 8)
        z, _ = conv_fprop(x, self.kernel()[None, None], np.array([self.b.value]), stride=1, pad=1)
        a, _ = relu_fprop(z)
        h, cache = maxpool_fprop(a, 2)
        kept = maxpool_bprop(np.ones(h.shape), cache)                            # 1 at each window's arg-max
        return x[0, 0], z[0, 0], a[0, 0], h[0, 0], kept[0, 0]

    def _sync_preset(self):
        """A new preset sets the nine weights; weights moved away from the preset make it 'custom'."""
        p = self.preset.value
        with self.quietly():
            if p != self._applied and p != CUSTOM:
                for u in range(3):
                    for v in range(3):
                        getattr(self, f"w{u}{v}").value = float(PRESETS[p][u][v])
            elif p != CUSTOM and not _same(self.kernel(), np.array(PRESETS[p], dtype=float)):
                self.preset.value = CUSTOM
        self._applied = self.preset.value

    def update(self, change=None):
        self._sync_preset()
        W = self.kernel()
        x, z, a, h, kept = self.compute()
        self.z, self.a, self.h = z, a, h
        m = max(float(np.abs(z).max()), 1e-6)                                    # one symmetric scale for the maps
        self.im_x.set_data(x)
        self.im_w.set_data(W)
        for u in range(3):
            for v in range(3):
                t = self.w_text[u][v]
                t.set_text(f"{W[u, v]:.2g}")
                t.set_color(text_colour_on(self.im_w.cmap(self.im_w.norm(W[u, v]))))   # readable on its cell
        for im, data in ((self.im_z, z), (self.im_a, a), (self.im_h, h)):
            im.set_data(data)
            im.set_clim(-m, m)
        rows, cols = np.nonzero(kept * (a > 0))                                  # the windows that pass anything on
        self.kept.set_offsets(np.column_stack([cols, rows]) if len(rows) else np.empty((0, 2)))

    def describe(self):
        d = self.digit.value
        on = int((self.z > 0).sum())
        i, j = np.unravel_index(int(np.argmax(self.h)), self.h.shape)
        return (f"test image {d}, a {self.y_test[d]}, convolved with the {self.preset.value} kernel "
                f"(bias {self.b.value:.2f}): the feature map z ranges from {self.z.min():.2f} to {self.z.max():.2f}; "
                f"the ReLU keeps {on} of its 64 entries; the 4×4 pooled map's largest value is {self.h.max():.2f}, "
                f"at row {i}, column {j}")

    def accessible_names(self):
        return {getattr(self, f"w{u}{v}"): f"kernel weight w[{u},{v}], row {u} and column {v} of W"
                for u in range(3) for v in range(3)}

    def layout(self):
        """Digit, preset and bias on top; the nine weights below, laid out as the kernel is; the picture."""
        grid = widgets.GridBox([getattr(self, name) for name in WEIGHTS],
                               layout=widgets.Layout(grid_template_columns="repeat(3, 256px)", grid_gap="0px 6px"))
        top = widgets.HBox([self.digit, self.preset, self.b], layout=widgets.Layout(flex_flow="row wrap"))
        head = widgets.HTML("<b>kernel W</b>: w[u,v] is row u, column v — the sliders are laid out as the kernel is")
        return widgets.VBox([top, head, grid, self.canvas, self.status])
