"""Notebook 03: how good is a network? Logits → softmax → loss → ∂L/∂o, live.

    SoftmaxApp(o1=2.0, o2=1.0, o3=-1.0, logit_scale=1, true_class=0, output_relu=False)

Three logit sliders (times ``logit_scale``: 1, 10, 100 or 1000, to reach the values where a
naive softmax overflows) give ``o``; the app shows

    p(c_k = 1 | x) = e^{o_k} / Σ_j e^{o_j}          bars, the true class hatched
    L = − Σ_j y_j log p(c_j | x) = − log p_y        a number
    ∂L/∂o = p(c|x) − y                             bars, with the central-difference derivative
                                                    as black diamonds on top of them

and, beside the stable softmax (subtract max_j o_j first), what the naive formula gives.
``output_relu`` puts the slides' ReLU on the output, ``o = max(0, z)`` with the sliders
giving z: a negative logit is clipped to 0 and its gradient ``(p − y)·[z > 0]`` is 0, so
training can no longer push it.
"""
import ipywidgets as widgets
import numpy as np

from ..gradcheck import numerical_gradient
from ..layers import relu_bprop, relu_fprop
from ..losses import softmax, softmax_loss
from ..plots import NEGATIVE, POSITIVE, WIDE, ProbBars
from .base import App

__all__ = ["SoftmaxApp", "naive_softmax", "numerical_dL_dz"]

C = 3


def naive_softmax(o):
    """``e^{o} / Σ_j e^{o_j}`` exactly as written, without subtracting the max (overflows: inf/inf)."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(o, dtype=float))
        return e / e.sum()


def numerical_dL_dz(z, y, output_relu=False, eps=1e-5):
    """∂L/∂z by central differences (:func:`nnbasics.numerical_gradient`): (C,).

    L(z) = −log p(c_y | max(0, z)) with the slides' output ReLU, else −log p(c_y | z).
    """
    def loss(p):
        o = relu_fprop(p["z"])[0] if output_relu else p["z"]
        return softmax_loss(o, y)[0]

    return numerical_gradient(loss, {"z": np.array(z, dtype=float)}, eps=eps)["z"]


class SoftmaxApp(App):
    """Logit sliders → p(c|x), L and ∂L/∂o = p − y beside its numerical derivative."""

    controls = ("o1", "o2", "o3", "logit_scale", "true_class", "output_relu")

    def __init__(self, o1=2.0, o2=1.0, o3=-1.0, logit_scale=1, true_class=0, output_relu=False):
        super().__init__()
        style = WIDE
        for k, v in enumerate((o1, o2, o3), start=1):
            setattr(self, f"o{k}", widgets.FloatSlider(value=v, min=-10.0, max=10.0, step=0.1,
                                                       description=f"logit o{'₁₂₃'[k - 1]}", style=style))
        self.logit_scale = widgets.Dropdown(options=[1, 10, 100, 1000], value=logit_scale,
                                            description="logits ×", style=style,
                                            layout=widgets.Layout(width="160px"))
        self.true_class = widgets.ToggleButtons(options=[(f"class {k + 1}", k) for k in range(C)],
                                                value=true_class, description="true class y",
                                                style={**WIDE, "button_width": "70px"})
        self.output_relu = widgets.Checkbox(value=output_relu, description="slides' output ReLU o = max(0, z)",
                                            style=style, indent=False)
        self.fig, axes = self.new_figure(figsize=(9.2, 4.0), ncols=3)
        self.ax_o, self.ax_p, self.ax_g = axes
        self.fig.subplots_adjust(left=0.07, right=0.99, top=0.86, bottom=0.24, wspace=0.4)
        ticks = [f"{k + 1}" for k in range(C)]
        xs = np.arange(C)
        # (1) logits
        self.o_bars = self.ax_o.bar(xs, np.zeros(C), width=0.7, color=POSITIVE, edgecolor="0.15")
        self.z_marks, = self.ax_o.plot(xs, np.zeros(C), "_", color="0.1", ms=34, mew=2.5,
                                       label="z (before the ReLU)")
        self.ax_o.axhline(0, color="0.4", lw=0.8)
        self.ax_o.set_xticks(xs, ticks)
        self.ax_o.set_title("logits $o$", fontsize=13)
        # (2) probabilities
        self.bars = ProbBars(self.ax_p, C, class_names=ticks)
        self.ax_p.set_xlabel("class k   (the true class y is hatched)")
        self.ax_p.set_yticks([0, 0.5, 1])
        self.ax_p.set_title(r"$p(c_k|x)=e^{o_k}/\sum_j e^{o_j}$", fontsize=13)
        # (3) gradient
        self.g_bars = self.ax_g.bar(xs, np.zeros(C), width=0.7, color=POSITIVE, edgecolor="0.15",
                                    label="formula")
        self.g_num, = self.ax_g.plot(xs, np.zeros(C), "D", color="black", ms=7, label="numerical")
        self.g_texts = [self.ax_g.text(k, 0, "", ha="center", fontsize=10) for k in range(C)]
        self.ax_g.axhline(0, color="0.4", lw=0.8)
        self.ax_g.set_ylim(-1.25, 1.25)
        self.ax_g.set_xticks(xs, ticks)
        self.ax_g.set_yticks([-1, 0, 1])
        self.ax_g.legend(loc="lower right", fontsize=9, frameon=False)
        self.g_title = self.ax_g.set_title("", fontsize=13)
        for ax in axes:
            ax.spines[["top", "right"]].set_visible(False)
        self._o_top = None
        self.loss_text = self.fig.text(0.07, 0.06, "", fontsize=14, ha="left", va="center")
        self.readout = widgets.HTML(value="")
        self.frozen = self.freeze_background([
            *self.o_bars, self.z_marks, *self.bars.bars, *self.bars.texts, *self.g_bars, self.g_num,
            *self.g_texts, self.loss_text])
        self.start()

    # what the controls describe
    def z(self):
        """The slider logits times the scale: (C,). With ``output_relu`` these are pre-ReLU."""
        s = float(self.logit_scale.value)
        return np.array([self.o1.value, self.o2.value, self.o3.value], dtype=float) * s

    def compute(self):
        """``dict(z, o, p, L, grad, numerical, naive)`` for the current controls."""
        z, y, relu = self.z(), int(self.true_class.value), bool(self.output_relu.value)
        o = relu_fprop(z)[0] if relu else z
        L, do = softmax_loss(o, y)                      # ∂L/∂o = p(c|x) − y  (one example: N = 1)
        grad = relu_bprop(do, z) if relu else do        # ∂L/∂z = ∂L/∂o · [z > 0]
        return dict(z=z, o=o, p=softmax(o), L=L, grad=grad,
                    numerical=numerical_dL_dz(z, y, relu), naive=naive_softmax(o), y=y)

    def update(self, change=None):
        r = self.compute()
        relu = bool(self.output_relu.value)
        # logits
        for bar, v in zip(self.o_bars, r["o"], strict=True):
            bar.set_height(v)
            bar.set_facecolor(POSITIVE if v >= 0 else NEGATIVE)
        self.z_marks.set_ydata(r["z"])
        self.z_marks.set_visible(relu)
        top = 10.0 * float(self.logit_scale.value)  # the sliders' range: fixed axes per scale
        if top != self._o_top:  # ticks change only with the scale (text is the costly part)
            self._o_top = top
            self.ax_o.set_ylim(-1.12 * top, 1.12 * top)
            self.ax_o.set_yticks([-top, -top / 2, 0, top / 2, top])
        title = "logits $o=\\max(0,z)$  (— marks z)" if relu else "logits $o$"
        if title != self.ax_o.get_title():
            self.ax_o.set_title(title, fontsize=13)
        # probabilities
        self.bars.update(r["p"], r["y"])
        # gradient
        for bar, t, g, k in zip(self.g_bars, self.g_texts, r["grad"], range(C), strict=True):
            bar.set_height(g)
            bar.set_facecolor(POSITIVE if g >= 0 else NEGATIVE)
            t.set_text(f"{g + 0.0:+.3f}" if abs(g) >= 5e-4 else "0")
            t.set_y(g + (0.06 if g >= 0 else -0.06))
            t.set_va("bottom" if g >= 0 else "top")
            t.set_x(k)
        self.g_num.set_ydata(r["numerical"])
        g_title = r"$\partial L/\partial z=(p-y)\cdot[z>0]$" if relu else r"$\partial L/\partial o=p(c|x)-y$"
        if g_title != self.g_title.get_text():
            self.g_title.set_text(g_title)
        self.frozen.set_key((top, relu))   # the frozen parts: the logit axis and both titles
        gap = float(np.abs(r["grad"] - r["numerical"]).max())
        self.loss_text.set_text(f"L = −log p(c_y|x) = {r['L']:.4f}")
        naive = r["naive"]
        if np.all(np.isfinite(naive)):
            naive_msg = ("naive e<sup>o</sup>/Σe<sup>o</sup> (no max subtracted) = ["
                         + ", ".join(f"{v:.3f}" for v in naive) + "]: fine at these logits")
        else:
            naive_msg = (f"<b>naive e<sup>o</sup>/Σe<sup>o</sup>: e<sup>{r['o'].max():.0f}</sup> overflows "
                         "float64 (largest is about e<sup>709</sup>) → inf/inf = not a number.</b> "
                         "The stable softmax subtracts max<sub>j</sub> o<sub>j</sub> first.")
        self.readout.value = (
            "<div style='font-size:15px;line-height:1.5'>"
            f"∂L/∂o: formula p − y = [{', '.join(f'{g:+.4f}' for g in r['grad'])}], "
            f"numerical = [{', '.join(f'{g:+.4f}' for g in r['numerical'])}], "
            f"largest gap {gap:.1e}<br>{naive_msg}</div>")

    def describe(self):
        r = self.compute()
        vec = lambda v, f: "[" + ", ".join(format(x + 0.0, f) for x in v) + "]"  # noqa: E731
        z = f" (z = {vec(r['z'], 'g')} before the output ReLU)" if self.output_relu.value else ""
        text = (f"logits o = {vec(r['o'], 'g')}{z}: p(c|x) = {vec(r['p'], '.3f')}, true class {r['y'] + 1}, "
                f"L = {r['L']:.4f}; {'∂L/∂z = (p − y)·[z > 0]' if z else '∂L/∂o = p − y'} = {vec(r['grad'], '+.3f')}")
        return text + ("; the naive softmax overflows (inf/inf)" if not np.all(np.isfinite(r["naive"])) else "")

    def layout(self):
        sliders = widgets.VBox([self.o1, self.o2, self.o3])
        others = widgets.VBox([self.logit_scale, self.true_class, self.output_relu])
        return widgets.VBox([widgets.HBox([sliders, others]), self.canvas, self.readout, self.status])
