"""Notebook 04, the slide "Key idea: wiggle to decrease loss".

    L(x, y; θ)   and   L(x, y; θ \\ W_ij, W_ij + ε)          two loss evaluations
    W_ij ← W_ij + ε · sgn( L(x, y; θ) − L(x, y; θ \\ W_ij, W_ij + ε) )

``WiggleApp``: the loss along one chosen weight (a 1-D slice through the current θ, every
other parameter fixed), the current point, the trial point W_ij + ε and the step the rule
takes; sliders for ε (log scale) and for which weight.

``WiggleTrainApp``: the rule applied to every parameter, step after step, on a 2-D data set:
the decision regions, the loss curve (next to plain gradient descent with backprop), and a
count of loss evaluations — |θ| + 1 per wiggle step, against about three forward-pass
equivalents per backprop step.
"""
import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap

from .. import data, losses, network, optim
from ..gradcheck import wiggle_train
from ..landscape import loss_along, param_names
from ..plots import OKABE_ITO, WIDE
from ..problems import wiggle_problem
from .base import App

__all__ = ["WiggleApp", "WiggleTrainApp"]

BLUE, ORANGE, GREEN, SKY, GREY = (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["green"], OKABE_ITO["sky"],
                                  "0.55")


def _label(key, index):
    """``W2[1,3]`` / ``b1[2]``, the slides' W^l_{i,j} with 0-based indices."""
    return f"{key}[{','.join(map(str, index))}]"


class WiggleApp(App):
    """The loss along one weight, and the slide's wiggle step on it.

    Left: L(θ with w_k replaced by w_k + Δ) for Δ ∈ [−2, 2], all other parameters fixed (the
    slice is computed once per weight); the current point, the trial point w_k + ε and the
    rule's step (an arrow, visible for large ε). Right: a zoom to ±2.5 ε around w_k, where the
    rule's two loss evaluations can be read: L(θ) and L(θ with w_k + ε), the sign of their
    difference, and the move to w_k ± ε. The slope (L(w_k + ε) − L(w_k)) / ε tends to ∂L/∂w_k
    (from backprop) as ε shrinks.
    """

    SPAN = np.linspace(-2.0, 2.0, 161)                   # the slice: Δ = w − w_k
    ZOOM = np.linspace(-2.5, 2.5, 41)                    # the zoom, in units of ε

    controls = ("weight", "eps")

    def __init__(self, weight=5, eps=0.05):
        super().__init__()
        self.params, self.X, self.y, self.f = wiggle_problem()
        self.names = param_names(self.params)
        self.weight = widgets.IntSlider(value=weight, min=0, max=len(self.names) - 1, step=1,
                                        description="which weight k", style=WIDE,
                                        layout=widgets.Layout(width="420px"))
        self.eps = widgets.FloatLogSlider(value=eps, base=10, min=-6, max=0, step=0.25, description="wiggle ε",
                                          readout_format=".1e", style=WIDE,
                                          layout=widgets.Layout(width="420px"))
        self.L0 = self.f(self.params)
        o, self.cache = network.fprop(self.params, self.X)
        _, do = losses.softmax_loss(o, self.y)
        self.grads = network.bprop(do, self.cache, self.params)
        self.slices = np.array([self._slice(k, self.SPAN) for k in range(len(self.names))])
        self._build()
        self.start()

    # -- the loss along one weight ------------------------------------------------------------
    def _slice(self, k, deltas):
        """L(θ with w_k + Δ) for every Δ in ``deltas`` (:func:`nnbasics.landscape.loss_along`)."""
        key, idx = self.names[k]
        return loss_along(self.params, self.X, self.y, key, idx, deltas)

    def wiggle(self, k, eps):
        """The slide's two loss evaluations for weight k: ``(L(θ), L(θ with w_k + ε), new w_k − w_k)``."""
        key, i = self.names[k]
        theta = self.params[key]
        old = theta[i]
        theta[i] = old + eps
        try:
            L_plus = self.f(self.params)                  # the library's loss, as the slide computes it
        finally:
            theta[i] = old
        return self.L0, L_plus, eps * np.sign(self.L0 - L_plus)

    # -- drawing ------------------------------------------------------------------------------
    def _build(self):
        self.fig, (self.ax, self.axz) = self.new_figure(figsize=(9.0, 4.2), ncols=2,
                                                        gridspec_kw={"width_ratios": [1.25, 1]})
        self.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.27, top=0.9, wspace=0.22)
        ax, axz = self.ax, self.axz
        # static: axes, labels, limits (the same for every weight: Δ on x, a common L range)
        lo, hi = float(self.slices.min()), float(np.percentile(self.slices.max(axis=1), 90))
        ax.set_xlim(self.SPAN[0], self.SPAN[-1])
        ax.set_ylim(lo - 0.05 * (hi - lo), hi)
        ax.set_xlabel("Δ = (new value of the weight) − (its value now)")
        ax.set_ylabel("loss L(x, y; θ)")
        ax.axvline(0, color=GREY, lw=0.8, ls=":")
        ax.grid(True, color="0.92")
        axz.set_xlim(self.ZOOM[0], self.ZOOM[-1])
        axz.set_xticks([-2, -1, 0, 1, 2], ["w − 2ε", "w − ε", "w", "w + ε", "w + 2ε"])
        axz.set_yticks([])
        axz.set_ylabel("L − L(θ)   (zoomed to fit)")
        axz.set_title("zoom: the rule's two loss evaluations", fontsize=11)
        # moving: everything below (freeze_background: only these are drawn on a slider move)
        over = ax
        self.curve, = over.plot([], [], color="0.2", lw=2, label="L along the chosen weight")
        self.box = over.axvspan(-0.1, 0.1, color=SKY, alpha=0.25, lw=0, label="zoomed region (±2.5 ε)")
        self.here, = over.plot([], [], "o", color="black", ms=8, zorder=5, label="θ now: L(θ)")
        self.trial, = over.plot([], [], "o", color=ORANGE, mec="black", ms=8, zorder=5,
                                label="trial: L(θ with w + ε)")
        self.arrow = over.annotate("", xy=(0, 0), xytext=(0, 0), zorder=6,
                                   arrowprops=dict(arrowstyle="-|>", color=GREEN, lw=2.5, mutation_scale=18))
        self.title = over.text(0.0, 1.03, "", transform=ax.transAxes, fontsize=11, va="bottom")
        overz = self.overz = axz                 # no y ticks: its y range may change without a redraw
        self.zcurve, = overz.plot([], [], color="0.2", lw=2)
        self.zbase = overz.axhline(0, color=GREY, lw=1, ls="--")
        self.zhere, = overz.plot([], [], "o", color="black", ms=9, zorder=5)
        self.ztrial, = overz.plot([], [], "o", color=ORANGE, mec="black", ms=9, zorder=5)
        self.zmove, = overz.plot([], [], "o", color=GREEN, mec="black", ms=9, zorder=5,
                                 label="after the update: w ± ε")
        self.zarrow = overz.annotate("", xy=(0, 0), xytext=(0, 0), zorder=6,
                                     arrowprops=dict(arrowstyle="-|>", color=GREEN, lw=2.5, mutation_scale=18))
        # one legend for both panels, under them (the moving artists are drawn over anything inside the axes)
        self.fig.legend(handles=[self.curve, self.here, self.trial, self.zmove, self.box], loc="lower center",
                        ncol=3, fontsize=9.5, frameon=False, bbox_to_anchor=(0.5, 0.0))
        self.frozen = self.freeze_background([
            self.curve, self.box, self.here, self.trial, self.arrow, self.title,
            self.zcurve, self.zbase, self.zhere, self.ztrial, self.zmove, self.zarrow])
        self.readout = widgets.HTML()

    def update(self, change=None):
        k, eps = int(self.weight.value), float(self.eps.value)
        key, i = self.names[k]
        w = float(self.params[key][i])
        L0, L_plus, move = self.wiggle(k, eps)
        g = float(self.grads[key][i])
        # the slice
        self.curve.set_data(self.SPAN, self.slices[k])
        self.here.set_data([0], [L0])
        self.trial.set_data([eps], [L_plus])
        L_moved = self._slice(k, [move])[0]
        self.arrow.xy, self.arrow.xyann = (move, L_moved), (0.0, L0)
        self.arrow.set_visible(abs(move) > 0.04)
        half = min(2.5 * eps, 2.0)
        self.box.set_x(-half)
        self.box.set_width(2 * half)
        self.title.set_text(f"L along {_label(key, i)} (now {w:+.3f}), the other "
                            f"{len(self.names) - 1} parameters fixed")
        # the zoom, in units of ε
        zl = self._slice(k, self.ZOOM * eps) - L0
        self.zcurve.set_data(self.ZOOM, zl)
        s = move / eps if eps > 0 else 0.0
        self.zhere.set_data([0], [0])
        self.ztrial.set_data([1], [L_plus - L0])
        self.zmove.set_data([s], [L_moved - L0])
        self.zarrow.xy, self.zarrow.xyann = (0.9 * s, 0.9 * (L_moved - L0)), (0, 0)
        self.zarrow.set_visible(s != 0)
        span = float(np.ptp(zl))
        if span > 1e-15 * max(1.0, L0):
            self.overz.set_ylim(float(zl.min()) - 0.15 * span, float(zl.max()) + 0.15 * span)
        else:                                              # flat: this weight does not change L here
            self.overz.set_ylim(-1.0, 1.0)
        diff = L0 - L_plus
        self.readout.value = (
            "<div style='font-size:14px;line-height:1.5'>"
            f"weight k = {k}: <b>{_label(key, i)}</b> = {w:+.4f}, &nbsp; ε = {eps:.1e}<br>"
            f"L(θ) = {L0:.10f} &nbsp;&nbsp; L(θ with {_label(key, i)} + ε) = {L_plus:.10f}<br>"
            f"L(θ) − L(θ with w + ε) = {diff:+.2e} &nbsp;→&nbsp; sgn = {int(np.sign(diff)):+d} &nbsp;→&nbsp; "
            f"<b>{_label(key, i)} ← {_label(key, i)} {'+' if move >= 0 else '−'} ε</b>"
            f" &nbsp; (the loss becomes {L_moved:.10f})<br>"
            f"slope (L(θ with w + ε) − L(θ)) / ε = {(L_plus - L0) / eps:+.6f} &nbsp; vs. ∂L/∂w from backprop "
            f"= {g:+.6f}</div>")

    def describe(self):
        k, eps = int(self.weight.value), float(self.eps.value)
        key, i = self.names[k]
        L0, L_plus, move = self.wiggle(k, eps)
        name = _label(key, i)
        step = f"moves {name} by {'+' if move > 0 else '−'}ε" if move else f"leaves {name} where it is"
        return (f"weight k = {k}, {name} = {float(self.params[key][i]):+.4f}, ε = {eps:.1e}: L(θ) = {L0:.6f}, "
                f"L(θ with {name} + ε) = {L_plus:.6f}, so the rule {step}; slope {(L_plus - L0) / eps:+.4f} "
                f"vs. ∂L/∂w = {float(self.grads[key][i]):+.4f} from backprop")

    def layout(self):
        return widgets.VBox([widgets.HBox([self.weight, self.eps]), self.canvas, self.readout, self.status])


class WiggleTrainApp(App):
    """Training by wiggling: every parameter, every step, by the slide's rule; the cost counted.

    The whole run (``N_STEPS`` wiggle steps with ε = ``EPS`` on two concentric rings, a
    [2, 8, 8, 2] net) and a gradient-descent run with backprop from the same start are
    computed once; the ``step`` slider (and its play button) scrubs through them. Left: the
    decision regions and the data at that step. Right: both loss curves. Below: the loss
    evaluations used so far, t · (|θ| + 1), against backprop's t forward + t backward passes.
    """

    N_STEPS = 60
    EPS = 0.01
    LR = 0.3
    SIZES = [2, 8, 8, 2]

    controls = ("step",)

    def __init__(self, step=30):
        super().__init__()
        self.X, self.y = data.make_circles(n_per_class=40, n_classes=2, noise=0.15, seed=0)
        params = network.init_params(self.SIZES, seed=0)
        self.n_params = network.count_params(params)
        f = lambda p: losses.softmax_loss(network.fprop(p, self.X)[0], self.y)[0]
        gd = {k: v.copy() for k, v in params.items()}
        self.losses, self.snaps, self.evals = wiggle_train(f, params, self.N_STEPS, self.EPS)
        self.gd_losses = []
        opt = optim.SGD(self.LR)
        for _ in range(self.N_STEPS + 1):
            o, cache = network.fprop(gd, self.X)
            L, do = losses.softmax_loss(o, self.y)
            self.gd_losses.append(L)
            opt.step(gd, network.bprop(do, cache, gd))
        self.gd_losses = np.array(self.gd_losses)
        self.step = widgets.IntSlider(value=step, min=0, max=self.N_STEPS, step=1, description="wiggle step t",
                                      style=WIDE, layout=widgets.Layout(width="480px"))
        self.play = widgets.Play(min=0, max=self.N_STEPS, step=1, interval=120, description="play")
        widgets.jslink((self.play, "value"), (self.step, "value"))
        self._build()
        self.start()

    def _build(self):
        self.fig, (self.ax, self.axl) = self.new_figure(figsize=(9.0, 4.2), ncols=2,
                                                        gridspec_kw={"width_ratios": [1, 1.2]})
        self.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.9, wspace=0.22)
        ax, axl = self.ax, self.axl
        lim = 1.45
        g = np.linspace(-lim, lim, 90)
        gx, gy = np.meshgrid(g, g)
        self.grid = np.column_stack([gx.ravel(), gy.ravel()])
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_title("decision regions after t wiggle steps", fontsize=11)
        steps = np.arange(self.N_STEPS + 1)
        axl.plot(steps, self.losses, color=ORANGE, lw=2.2, label="wiggling (the slide's rule, ε = 0.01)")
        axl.plot(steps, self.gd_losses, color=BLUE, lw=2.2, ls="--",
                 label=f"gradient descent, backprop (η = {self.LR})")
        axl.set_xlim(0, self.N_STEPS)
        axl.set_ylim(0, 1.05 * max(self.losses.max(), self.gd_losses.max()))
        axl.set_xlabel("step t")
        axl.set_ylabel("loss L")
        axl.grid(True, color="0.92")
        axl.legend(loc="upper right", fontsize=9)
        axl.set_title("the loss, step by step", fontsize=11)
        over = ax                                # the moving artists (freeze_background below)
        self.regions = over.imshow(np.zeros((90, 90)), origin="lower", extent=(-lim, lim, -lim, lim),
                                   cmap=ListedColormap(["#cfe3f2", "#fbe3c2"]), vmin=0, vmax=1,
                                   interpolation="nearest", zorder=0, aspect="auto")
        self.points = [over.scatter(*self.X[self.y == c].T, s=22, marker=m, color=col, edgecolors="black",
                                    linewidths=0.5, zorder=3)
                       for c, (m, col) in enumerate([("o", BLUE), ("^", ORANGE)])]
        overl = axl
        self.marks = [overl.plot([], [], "o", color=ORANGE, mec="black", ms=9, zorder=5)[0],
                      overl.plot([], [], "s", color=BLUE, mec="black", ms=8, zorder=5)[0]]
        self.frozen = self.freeze_background([self.regions, *self.points, *self.marks])
        self.counter = widgets.HTML()

    def update(self, change=None):
        t = int(self.step.value)
        p = self.snaps[t]
        o, _ = network.fprop(p, self.grid)
        self.regions.set_data(np.argmax(o, axis=1).reshape(90, 90).astype(float))
        self.marks[0].set_data([t], [self.losses[t]])
        self.marks[1].set_data([t], [self.gd_losses[t]])
        acc = float(np.mean(np.argmax(network.fprop(p, self.X)[0], axis=1) == self.y))
        n_w, n_b = int(self.evals[t]), 3 * t
        ratio = f"{n_w / n_b:.0f}× more" if t else "—"
        self.counter.value = (
            "<div style='font-size:14px;line-height:1.6'>"
            f"after <b>t = {t}</b> steps: loss {self.losses[t]:.3f} (backprop: {self.gd_losses[t]:.3f}), "
            f"training accuracy {acc:.0%}<br>"
            f"wiggling has evaluated the loss <b>{n_w:,}</b> times &nbsp;= t · (|θ| + 1) = {t} · {self.n_params + 1} "
            f"&nbsp; (|θ| = {self.n_params} parameters)<br>"
            f"backprop would need t forward + t backward passes ≈ 3t = <b>{n_b:,}</b> forward-pass "
            f"equivalents (BPROP ≈ 2 × FPROP) &nbsp;→&nbsp; wiggling costs <b>{ratio}</b></div>")

    def describe(self):
        t = int(self.step.value)
        acc = float(np.mean(network.predict(self.snaps[t], self.X) == self.y))
        return (f"after t = {t} wiggle steps: loss {self.losses[t]:.3f} (gradient descent with backprop: "
                f"{self.gd_losses[t]:.3f}), training accuracy {acc:.0%}; {int(self.evals[t]):,} loss evaluations "
                f"so far, t · (|θ| + 1)")

    def layout(self):
        return widgets.VBox([widgets.HBox([self.play, self.step]), self.canvas, self.counter, self.status])
