"""Notebook 01: forward propagation on the slides' network, drawn and driven by sliders.

    ForwardApp(x1=0.5, x2=-1.0, weight_scale=1.0, seed=0)

Input sliders ``x1, x2`` move the input ``x``; ``weight_scale`` multiplies every weight matrix
``W1, W2, W3`` (the biases stay); ``seed`` draws other weights. The diagram shows

    x → h1 = max(0, W1 x + b1) → h2 = max(0, W2 h1 + b2) → o = W3 h2 + b3 → p(c|x) = softmax(o)

with edge width = |weight|, edge colour = sign (blue +, orange −), node colour = value
(``viridis``: a ReLU that is off is dark) and every value written beside its node.
"""
import ipywidgets as widgets
import numpy as np

from ..losses import softmax
from ..network import fprop, init_params
from ..plots import HIGHLIGHT, WIDE, NetworkDiagram
from .base import App

__all__ = ["ForwardApp"]


class ForwardApp(App):
    """The network diagram of notebook 01: x (2) → h1 (4) → h2 (4) → o (3) → p(c|x) (3)."""

    sizes = (2, 4, 4, 3)
    controls = ("x1", "x2", "weight_scale", "seed")

    def __init__(self, x1=0.5, x2=-1.0, weight_scale=1.0, seed=0):
        super().__init__()
        style = WIDE
        self.x1 = widgets.FloatSlider(value=x1, min=-2.0, max=2.0, step=0.05, description="input x₁",
                                      style=style, continuous_update=True)
        self.x2 = widgets.FloatSlider(value=x2, min=-2.0, max=2.0, step=0.05, description="input x₂",
                                      style=style, continuous_update=True)
        self.weight_scale = widgets.FloatSlider(value=weight_scale, min=0.0, max=3.0, step=0.05,
                                                description="weight scale", style=style)
        self.seed = widgets.IntSlider(value=seed, min=0, max=20, description="seed (weights)",
                                      style=style)
        self.fig, self.ax = self.new_figure(figsize=(8.6, 4.6))
        self.fig.subplots_adjust(left=0.01, right=0.99, top=0.93, bottom=0.12)
        # edge_ref fixed: the widest edge is |w| = 2, so "weight scale" visibly thickens edges
        self.diagram = NetworkDiagram(self.ax, self.sizes, probs=True, edge_ref=2.0)
        self.equations = self.fig.text(
            0.5, 0.025, r"$h^1=\max(0,\,W^1x+b^1)\quad h^2=\max(0,\,W^2h^1+b^2)\quad "
            r"o=W^3h^2+b^3\quad p(c_k|x)=e^{o_k}/\sum_j e^{o_j}$",
            ha="center", va="bottom", fontsize=12, color="0.2")
        # the predicted class: a ring around its p node and its name under the p column
        p_col = self.diagram.pos[-1]
        self.ring = self.ax.scatter(p_col[:1, 0], p_col[:1, 1], s=1400, facecolors="none",
                                    edgecolors=HIGHLIGHT, linewidths=3.0, zorder=2)
        self.prediction = self.ax.text(p_col[0, 0], p_col[:, 1].min() - 0.75, "", ha="center",
                                       va="top", fontsize=12, color=HIGHLIGHT)
        self._params_cache = {}
        d = self.diagram
        self.frozen = self.freeze_background([d.edges, d.nodes, *d.value_texts, self.ring,
                                              self.prediction])
        self.start()

    # the model the sliders describe
    def params(self):
        """The parameters shown: ``init_params(sizes, seed)`` with every W_l times the weight scale."""
        seed = int(self.seed.value)
        if seed not in self._params_cache:
            self._params_cache[seed] = init_params(list(self.sizes), seed=seed)
        base = self._params_cache[seed]
        s = float(self.weight_scale.value)
        return {k: (v * s if k.startswith("W") else v.copy()) for k, v in base.items()}

    def x(self):
        """The input x (2,) from the two sliders."""
        return np.array([self.x1.value, self.x2.value], dtype=float)

    def forward(self):
        """``(params, cache)`` of ``fprop(params, x)``, with ``cache['p'] = softmax(o)``."""
        params = self.params()
        _, cache = fprop(params, self.x())
        cache["p"] = softmax(cache["o"])
        return params, cache

    def update(self, change=None):
        params, cache = self.forward()
        self.diagram.update(params, acts=cache)
        p = cache["p"]
        k = int(np.argmax(p))
        self.ring.set_offsets(self.diagram.pos[-1][k:k + 1])
        self.prediction.set_text(f"predicted:\nclass {k + 1}")

    def describe(self):
        _, c = self.forward()
        on = [int((c[h] > 0).sum()) for h in ("h1", "h2")]
        return (f"x = ({self.x1.value:.2f}, {self.x2.value:.2f}), weights × {self.weight_scale.value:.2f}, seed "
                f"{self.seed.value}: {on[0]} of 4 units on in h1, {on[1]} of 4 in h2; p(c|x) = "
                f"[{', '.join(f'{v:.2f}' for v in c['p'])}], predicted class {int(np.argmax(c['p'])) + 1}")

    def layout(self):
        sliders = widgets.HBox([widgets.VBox([self.x1, self.x2]),
                                widgets.VBox([self.weight_scale, self.seed])])
        return widgets.VBox([sliders, self.canvas, self.status])
