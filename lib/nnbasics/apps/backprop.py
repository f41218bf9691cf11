"""Notebook 05, the BPROP slides: the backward pass, one layer at a time, on the network diagram.

    ∂L/∂o  = p(c|x) − y
    ∂L/∂W³ = (p(c|x) − y) h²ᵀ          ∂L/∂h² = W³ᵀ (p(c|x) − y)
    ∂L/∂W² = ∂L/∂z² h¹ᵀ                ∂L/∂h¹ = W²ᵀ ∂L/∂z²      with ∂L/∂z² = ∂L/∂h² ⊙ [z² > 0]
    ∂L/∂W¹ = ∂L/∂z¹ xᵀ                                           with ∂L/∂z¹ = ∂L/∂h¹ ⊙ [z¹ > 0]

``BackpropApp``: a "BPROP step" slider from 0 (forward pass done: weights and activations) to
L (every gradient): at step s the top s layers have their ∂L/∂W on the edges (width ∝ |∂L/∂W|,
colour = sign) and ∂L/∂h on the nodes (colour ∝ |∂L/∂h| within the layer, the signed value
written beside it); what is not computed yet is grey. The slide's formula for the step is
shown under the picture.
"""
import ipywidgets as widgets
import numpy as np

from .. import data, losses, network
from ..plots import NEGATIVE_TEXT, POSITIVE, WIDE, NetworkDiagram
from .base import App

__all__ = ["BackpropApp", "backprop_steps"]

SUP = {1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹"}
NOT_YET = (0.86, 0.86, 0.86, 0.55)      # colour of what the backward pass has not reached yet


def _h(l):
    """The slides' name of layer l's units: x for l = 0, h¹, h², …"""
    return "x" if l == 0 else f"h{SUP[l]}"


def backprop_steps(L, activation="relu"):
    """The slide formulas of each BPROP step, as HTML lines: a list of L + 1 lists of strings.

    Step 0 is the forward pass; step s = 1 … L computes ∂L/∂W of layer l = L − s + 1 and, unless
    l = 1, ∂L/∂h of the layer below.
    """
    act = "max(0, {})" if activation == "relu" else "tanh({})"
    fwd = [f"{_h(l)} = {act.format(f'W{SUP[l]}{_h(l - 1)} + b{SUP[l]}')}" for l in range(1, L)]
    fwd.append(f"o = W{SUP[L]}{_h(L - 1)} + b{SUP[L]},&nbsp;&nbsp; p(c|x) = softmax(o),&nbsp;&nbsp; "
               "L = −log p(c<sub>y</sub>|x)")
    steps = [["<b>FPROP done</b> (edges: weights W, nodes: activations):"] + fwd]
    for s in range(1, L + 1):
        l = L - s + 1
        lines = []
        if l == L:
            lines.append("∂L/∂o = p(c|x) − y")
            dz = "(p(c|x) − y)"
        else:
            mask = f"[z{SUP[l]} &gt; 0]" if activation == "relu" else f"(1 − ({_h(l)})²)"
            why = "the ReLU passes gradient only where the unit was on" if activation == "relu" else \
                "tanh′(z) = 1 − tanh(z)²"
            lines.append(f"∂L/∂z{SUP[l]} = ∂L/∂{_h(l)} ⊙ {mask} &nbsp;&nbsp;<i>({why})</i>")
            dz = f"∂L/∂z{SUP[l]}"
        lines.append(f"∂L/∂W{SUP[l]} = {dz} {_h(l - 1)}<sup>T</sup>,&nbsp;&nbsp; ∂L/∂b{SUP[l]} = {dz}")
        if l > 1:
            lines.append(f"∂L/∂{_h(l - 1)} = W{SUP[l]}<sup>T</sup> {dz}")
        else:
            lines.append("all gradients done: one backward sweep, about the cost of two forward passes")
        steps.append([f"<b>BPROP step {s}</b> (layer {l}):"] + lines)
    return steps


class BackpropApp(App):
    """Step the backward pass layer by layer on the network diagram (one example of a spiral).

    Controls: ``step`` (0 = forward done … L = all gradients), ``example`` (which input x),
    ``activation`` ('relu' as on the slides, or 'tanh': BPROP works for any a.e.
    differentiable non-linearity).
    """

    SIZES = [2, 4, 4, 3]
    controls = ("step", "example", "activation")

    def __init__(self, step=1, example=12, activation="relu"):
        super().__init__()
        self.X, self.y = data.make_spiral(n_per_class=8, n_classes=3, noise=0.2, seed=2)
        self.params = network.init_params(self.SIZES, seed=21)   # most units on, one off per layer
        self.L = len(self.SIZES) - 1
        self.step = widgets.IntSlider(value=step, min=0, max=self.L, step=1, description="BPROP step",
                                      style=WIDE, layout=widgets.Layout(width="360px"))
        self.example = widgets.IntSlider(value=example, min=0, max=len(self.X) - 1, step=1,
                                         description="example n", style=WIDE,
                                         layout=widgets.Layout(width="360px"))
        self.activation = widgets.Dropdown(value=activation, options=["relu", "tanh"], description="non-linearity",
                                           style=WIDE,
                                           layout=widgets.Layout(width="220px"))
        self.fig, self.ax = self.new_figure(figsize=(9.0, 4.6))
        self.fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.98)
        self.diagram = NetworkDiagram(self.ax, self.SIZES, probs=True, fontsize=11)
        self.diagram.nodes.set_cmap(self.diagram.cmap.with_extremes(bad=NOT_YET))
        d = self.diagram
        self.target = self.ax.text(0, 0, "← y", fontsize=12, color=NEGATIVE_TEXT, fontweight="bold", va="center",
                                   ha="left")
        self.frozen = self.freeze_background([d.edges, d.nodes, *d.value_texts, self.target])
        self.heading = widgets.HTML()
        self.formulas = widgets.HTML()
        self.legend = widgets.HTML(
            "<div style='font-size:13px;color:#333'>edges: width ∝ |value|, "
            f"<span style='color:{POSITIVE}'><b>blue +</b></span>, <span style='color:{NEGATIVE_TEXT}'><b>orange −</b>"
            "</span> &nbsp;·&nbsp; nodes: colour ∝ |value| within each layer (yellow = largest), the signed "
            "value beside it &nbsp;·&nbsp; <span style='color:#666'><b>grey</b></span>: not computed yet</div>")
        self._steps = {a: backprop_steps(self.L, a) for a in ("relu", "tanh")}
        self._edge_slices = np.cumsum([0] + [self.SIZES[l] * self.SIZES[l - 1] for l in range(1, self.L + 1)])
        self.start()

    def passes(self):
        """``(cache, grads, p, L)`` for the current example and non-linearity."""
        n = int(self.example.value)
        x, y = self.X[n], int(self.y[n])
        o, cache = network.fprop(self.params, x, activation=self.activation.value)
        L, do = losses.softmax_loss(o, y)
        grads = network.bprop(do, cache, self.params)
        return cache, grads, losses.softmax(o), L

    def update(self, change=None):
        s = int(self.step.value)
        n = int(self.example.value)
        cache, grads, p, L = self.passes()
        cols = ["x"] + [f"h{l}" for l in range(1, self.L)] + ["o"]
        d = self.diagram
        if s == 0:                                   # the forward picture: weights and activations
            d.edge_ref = max(float(np.abs(self.params[f"W{l}"]).max()) for l in range(1, self.L + 1))
            d.update(self.params, acts={**cache, "p": p})
            head = f"forward pass done: L = −log p(c<sub>{self.y[n] + 1}</sub>|x) = {L:.3f}"
            reached = set()
        else:
            top = self.L - s + 1                     # the lowest layer whose ∂L/∂W is computed
            reached = {c for c in range(len(cols)) if c >= max(top - 1, 1)}
            edge_vals = {f"W{l}": (grads[f"W{l}"] if l >= top else np.zeros_like(self.params[f"W{l}"]))
                         for l in range(1, self.L + 1)}
            d.edge_ref = max(float(np.abs(grads[f"W{l}"]).max()) for l in range(1, self.L + 1)) or 1.0
            node_vals = {k: (np.abs(grads[k]) if c in reached else np.asarray(cache[k]))
                         for c, k in enumerate(cols)}
            node_vals["p"] = p
            d.update(self.params, node_values=node_vals, edge_values=edge_vals)
            # signed values beside the reached nodes; grey for what is not computed yet
            starts = np.cumsum([0] + d.columns)
            vals = np.asarray(d.nodes.get_array(), dtype=float).copy()
            mask = np.zeros(len(vals), bool)
            for c, k in enumerate(cols):
                sl = slice(starts[c], starts[c + 1])
                if c in reached:
                    for t, v in zip(d.value_texts[sl], np.ravel(grads[k]), strict=True):
                        t.set_text(f"{v:+.3f}")
                else:
                    mask[sl] = True
                    if k != "x":                      # keep the input's values, blank the rest
                        for t in d.value_texts[sl]:
                            t.set_text("")
            d.nodes.set_array(np.ma.masked_array(vals, mask=mask))
            rgba = np.asarray(d.edges.get_colors()).copy()
            widths = np.asarray(d.edges.get_linewidths(), dtype=float).copy()
            for l in range(1, top):
                sl = slice(self._edge_slices[l - 1], self._edge_slices[l])
                rgba[sl] = NOT_YET
                widths[sl] = 0.6
            d.edges.set_color(rgba)
            d.edges.set_linewidths(widths)
            names = ", ".join([f"∂L/∂W{SUP[l]}" for l in range(self.L, top - 1, -1)])
            head = f"BPROP step {s} of {self.L} &nbsp;—&nbsp; computed so far: {names}"
        self.heading.value = (f"<div style='font-size:16px'>example n = {n}, true class y = {self.y[n] + 1}: "
                              f"&nbsp;<b>{head}</b></div>")
        px, py = d.pos[-1][int(self.y[n])]
        self.target.set_position((px + 0.42, py - 0.22))
        lines = self._steps[self.activation.value][s]
        extra = ""
        if s >= 1:
            extra = ("<br><span style='color:#555'>here: p(c|x) − y = [" +
                     ", ".join(f"{v:+.3f}" for v in np.ravel(grads["o"])) + "]</span>")
        self.formulas.value = ("<div style='font-size:16px;line-height:1.7'>" + lines[0] + "<br>&nbsp;&nbsp;"
                               + "<br>&nbsp;&nbsp;".join(lines[1:]) + extra + "</div>")

    def describe(self):
        s, n = int(self.step.value), int(self.example.value)
        _, grads, p, L = self.passes()
        text = (f"example n = {n}, true class {self.y[n] + 1}, {self.activation.value}: p(c|x) = "
                f"[{', '.join(f'{v:.2f}' for v in p)}], L = {L:.3f}; ")
        if s == 0:
            return text + "forward pass done, no gradient yet"
        done = ", ".join(f"∂L/∂W{SUP[l]} (largest |entry| {np.abs(grads[f'W{l}']).max():.3f})"
                         for l in range(self.L, self.L - s, -1))
        return text + f"BPROP step {s} of {self.L} computed {done}"

    def layout(self):
        return widgets.VBox([widgets.HBox([self.step, self.example, self.activation]), self.heading, self.canvas,
                             self.legend, self.formulas, self.status])
