"""Notebook 06, "can I trust this gradient?": the step size of a finite difference, and kinks.

``StepSizeApp``: the error of a finite-difference derivative against the exact (backprop)
gradient, as a function of the step ε, for forward and central differences in float64 and
float32. Large ε: truncation error (∝ ε forward, ∝ ε² central). Small ε: round-off error
(∝ ε_mach / ε). The best ε sits where they meet: near √ε_mach (forward) and ε_mach^(1/3)
(central).

``KinkApp``: an input slider walks one hidden unit's pre-activation z through its kink at 0.
Where the check's ±ε step crosses the kink, the finite difference is a secant across the
corner of max(0, z), not a derivative: the check fails there, and ``grad_check`` with an
activation ``pattern`` flags exactly those entries.
"""
import ipywidgets as widgets
import numpy as np

from .. import gradcheck, losses, network, regions
from ..layers import relu_fprop
from ..plots import OKABE_ITO, WIDE
from ..problems import EPS_GRID, kink_problem, step_size_errors
from .base import App

__all__ = ["StepSizeApp", "KinkApp"]

BLUE, ORANGE, VERMILLION, GREY = OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["vermillion"], "0.55"


class StepSizeApp(App):
    """Error of a finite-difference gradient vs. the step ε: truncation on the right, round-off on the left.

    The four curves (forward / central differences, float64 / float32) are computed once for
    ``EPS_GRID`` (10⁻¹⁴ … 1); the slider ``eps`` moves a marker along them and reads the errors off.
    Each curve is ``rel_error`` (the max over the entries of ``b2`` of a small tanh net), so the
    numbers are the ones ``grad_check`` would report.

        forward:  (L(θ + ε e_i) − L(θ)) / ε          truncation ∝ ε,   best ε ≈ √ε_mach
        central:  (L(θ + ε e_i) − L(θ − ε e_i)) / 2ε  truncation ∝ ε²,  best ε ≈ ε_mach^(1/3)
        round-off of either:  ≈ ε_mach · |L| / ε
    """

    CURVES = [(("forward", "float64"), ORANGE, "-", "o"), (("central", "float64"), BLUE, "-", "s"),
              (("forward", "float32"), ORANGE, "--", "^"), (("central", "float32"), BLUE, "--", "D")]

    controls = ("eps",)

    def __init__(self, eps=1e-5):
        super().__init__()
        self.eps = widgets.FloatLogSlider(value=eps, base=10, min=-14, max=0, step=0.1,
                                          description="step ε", readout_format=".1e",
                                          style=WIDE,
                                          layout=widgets.Layout(width="480px"))
        self.errors = step_size_errors()
        self.best = {k: float(EPS_GRID[int(np.argmin(v))]) for k, v in self.errors.items()}
        self.fig, self.ax = self.new_figure(figsize=(8.6, 5.0))
        ax = self.ax
        self.fig.subplots_adjust(left=0.1, right=0.97, bottom=0.11, top=0.9)
        self.markers = {}
        for key, colour, ls, marker in self.CURVES:
            e = self.errors[key]
            i = int(np.argmin(e))
            ax.loglog(EPS_GRID, e, color=colour, ls=ls, lw=2.2,
                      label=f"{key[0]:>7}, {key[1]}: best ε = {EPS_GRID[i]:.0e} (error {e[i]:.0e})")
            ax.plot([EPS_GRID[i]], [e[i]], marker=marker, ms=8, mfc="white", mec=colour, mew=1.8, ls="none")
            self.markers[key], = ax.plot([], [], marker=marker, ms=9, color=colour, ls="none", zorder=5)
        self.vline = ax.axvline(eps, color="0.2", lw=1.2, zorder=4)
        ax.axhline(1e-7, color=GREY, lw=1, ls=":", zorder=1)
        ax.text(0.015, 0.8e-7, "grad_check's tolerance 1e-7 (float64)", fontsize=10, color="0.35", va="top",
                ha="left", transform=ax.get_yaxis_transform())
        ax.set_xlim(EPS_GRID[0], EPS_GRID[-1])
        ax.set_ylim(1e-12, 3.0)
        ax.set_xlabel("step ε of the finite difference")
        ax.set_ylabel("relative error vs. backprop")
        ax.text(0.02, 0.42, "← round-off wins\n   (error ∝ ε_mach / ε)", transform=ax.transAxes, fontsize=10,
                color="0.3")
        ax.text(0.98, 0.3, "truncation wins →\n(∝ ε forward, ∝ ε² central)", transform=ax.transAxes,
                fontsize=10, color="0.3", ha="right")
        # where theory puts the best steps, on the top axis
        top = ax.secondary_xaxis("top")
        e64, e32 = np.finfo(np.float64).eps, np.finfo(np.float32).eps
        top.set_xticks([e64 ** 0.5, e64 ** (1 / 3), e32 ** 0.5, e32 ** (1 / 3)],
                       ["$\\sqrt{\\epsilon_{64}}$", "$\\epsilon_{64}^{1/3}$", "$\\sqrt{\\epsilon_{32}}$",
                        "$\\epsilon_{32}^{1/3}$"])
        top.tick_params(labelsize=10, length=6)
        top.set_xticks([], minor=True)
        ax.grid(True, which="major", color="0.9", lw=0.6)
        ax.legend(loc="lower left", fontsize=9, frameon=True, framealpha=0.95, prop={"family": "monospace",
                                                                                     "size": 9})
        self.readout = widgets.HTML()           # the numbers at the current ε (cheaper than figure text)
        # what the slider moves; the rest is drawn once
        self.frozen = self.freeze_background([self.vline, *self.markers.values()])
        self.start()

    def errors_at(self, eps):
        """The four relative errors at the grid step nearest ``eps``: {(method, dtype): error}."""
        i = int(np.argmin(np.abs(np.log10(EPS_GRID) - np.log10(eps))))
        return {k: float(v[i]) for k, v in self.errors.items()}, float(EPS_GRID[i])

    def update(self, change=None):
        errs, e = self.errors_at(self.eps.value)
        self.vline.set_xdata([e, e])
        for key, m in self.markers.items():
            m.set_data([e], [errs[key]])
        rows = "".join(
            f"<tr><td style='padding:0 14px 0 0'>{m}</td><td style='padding:0 14px'>{errs[(m, 'float64')]:.1e}</td>"
            f"<td style='padding:0 14px'>{errs[(m, 'float32')]:.1e}</td></tr>"
            for m in ("forward", "central"))
        self.readout.value = (f"<div style='font-size:14px'><b>ε = {e:.1e}</b>: relative error of the "
                              f"numerical gradient<table style='font-family:monospace;font-size:14px'>"
                              "<tr><th></th><th style='padding:0 14px'>float64</th>"
                              "<th style='padding:0 14px'>float32</th></tr>"
                              f"{rows}</table></div>")

    def describe(self):
        errs, e = self.errors_at(self.eps.value)
        return (f"ε = {e:.1e}: relative error of the numerical gradient in float64 {errs[('forward', 'float64')]:.1e} "
                f"(forward) and {errs[('central', 'float64')]:.1e} (central), in float32 "
                f"{errs[('forward', 'float32')]:.1e} and {errs[('central', 'float32')]:.1e}; the best ε for central "
                f"differences in float64 is {self.best[('central', 'float64')]:.0e}")

    def layout(self):
        return widgets.VBox([self.eps, self.canvas, self.readout, self.status])


class KinkApp(App):
    """Walk a ReLU unit's pre-activation z through its kink and watch the gradient check.

    The input is ``x = x0 + t u`` with ``z¹₁(x) = t``; the slider sets ``t`` in units of the
    check's step ε = 1e-5 (``z_over_eps``). Left: h = max(0, z) near the kink with the check's
    stencil z ± ε, its secant (what the finite difference sees) and the slope bprop uses.
    Right: the worst relative error of ``grad_check`` along the walk (computed once), the
    entries ``grad_check(pattern=...)`` flags, and the live report at the current input.
    """

    EPS = 1e-5
    GRID = np.round(np.arange(-3.0, 3.0001, 0.05), 2)
    KEYS = ["W1", "b1"]

    controls = ("z_over_eps",)

    def __init__(self, z_over_eps=2.0):
        super().__init__()
        self.z_over_eps = widgets.FloatSlider(value=z_over_eps, min=-3.0, max=3.0, step=0.05,
                                              description="input: z / ε", readout_format=".2f",
                                              style=WIDE,
                                              layout=widgets.Layout(width="480px"))
        self.params, self.x0, self.u, self.y = kink_problem()
        self.curve, self.flagged = self._precompute()
        self.fig, (self.ax_relu, self.ax_err) = self.new_figure(figsize=(9.0, 4.4), ncols=2,
                                                                gridspec_kw={"width_ratios": [1, 1.35]})
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
        self._build_relu_panel()
        self._build_error_panel()
        self.frozen = self.freeze_background([self.secant, self.tangent, self.here, self.slopes,
                                              self.err_here])
        self.readout = widgets.HTML()            # the live grad_check report
        self.start()

    # -- the check at one input ----------------------------------------------------------------
    def check_at(self, z_over_eps, keys=None):
        """``grad_check`` of the loss at input ``x0 + (z_over_eps · ε) u``, with ReLU-pattern kink flags."""
        x = self.x0 + (z_over_eps * self.EPS) * self.u
        params = {k: v.copy() for k, v in self.params.items()}
        f = lambda p: losses.softmax_loss(network.fprop(p, x)[0], self.y)[0]
        o, cache = network.fprop(params, x)
        _, do = losses.softmax_loss(o, self.y)
        grads = network.bprop(do, cache, params)
        return gradcheck.grad_check(f, params, grads, eps=self.EPS, keys=keys,
                                    pattern=lambda p: regions.activation_pattern(p, x))

    def _precompute(self):
        """The check of W1 and b1 (the only parameters whose wiggle moves z¹₁) at every slider stop."""
        self.reports = {float(t): self.check_at(t, keys=self.KEYS) for t in self.GRID}
        errs = np.array([r.max_error for r in self.reports.values()])
        flagged = np.array([bool(r.kinks) for r in self.reports.values()])
        return np.clip(errs, 1e-16, None), flagged

    def report_at(self, z_over_eps):
        """The grad_check report of W1, b1 at this input (computed once per slider stop)."""
        t = float(np.round(z_over_eps, 6))
        if t not in self.reports:                         # (only off the slider's stops)
            self.reports[t] = self.check_at(t, keys=self.KEYS)
        return self.reports[t]

    # -- drawing ---------------------------------------------------------------------------------
    def _build_relu_panel(self):
        ax = self.ax_relu
        zz = np.linspace(-4, 4, 161)
        relu, = ax.plot(zz, relu_fprop(zz)[0], color="0.25", lw=2.2, label="h = max(0, z)")
        self.secant, = ax.plot([], [], color=VERMILLION, lw=2.2, marker="o", ms=7,
                                 label="secant through z ± ε (finite difference)")
        self.tangent, = ax.plot([], [], color=BLUE, lw=2.2, ls="--", label="slope bprop uses")
        self.here, = ax.plot([], [], "o", color="black", ms=7, zorder=5)
        ax.set_xlim(-4, 4)
        ax.set_ylim(-0.8, 4.2)
        ax.set_xlabel("pre-activation z of unit $h^1_1$   (in units of ε = 1e-5)")
        ax.set_ylabel("$h^1_1$  (in units of ε)")
        ax.axvline(0, color=GREY, lw=0.8, ls=":")
        ax.legend(handles=[relu, self.secant, self.tangent], loc="upper left", fontsize=9)
        self.slopes = ax.text(0.97, 0.04, "", transform=ax.transAxes, ha="right", va="bottom", fontsize=10,
                              bbox=dict(boxstyle="round", fc="white", ec="0.7"))
        ax.set_title("what the check sees at the kink", fontsize=11)

    def _build_error_panel(self):
        ax = self.ax_err
        ax.axvspan(-1, 1, color=ORANGE, alpha=0.15, lw=0)
        ax.text(0, 3e-6, "here the ±ε step\nof $b^1_1$ crosses\nthe kink", ha="center", va="center", fontsize=10,
                color="0.25")
        ax.semilogy(self.GRID, self.curve, color="0.25", lw=1.8, label="worst relative error (W1, b1)")
        g = self.GRID[self.flagged]
        ax.semilogy(g, self.curve[self.flagged], "x", color=VERMILLION, ms=6, mew=1.5,
                    label="flagged by grad_check(pattern=…)")
        ax.axhline(1e-7, color=GREY, lw=1, ls=":")
        ax.text(2.95, 1.5e-7, "tolerance 1e-7", ha="right", va="bottom", fontsize=9, color="0.35")
        self.err_here, = ax.plot([], [], "o", color="black", ms=8, zorder=5)
        ax.set_xlim(-3.05, 3.05)
        ax.set_ylim(1e-13, 3)
        ax.set_xlabel("pre-activation z of $h^1_1$   (in units of ε)")
        ax.set_ylabel("relative error: numerical vs. bprop")
        ax.legend(loc="lower left", fontsize=9)
        ax.set_title("gradient check along the walk", fontsize=11)

    def update(self, change=None):
        self.t = t = float(np.round(round(self.z_over_eps.value / 0.05) * 0.05, 2))   # the slider's stops
        s = 1.0                                               # the stencil of b¹₁ moves z by exactly ±ε
        zs = np.array([t - s, t + s])
        hs = relu_fprop(zs)[0]
        self.secant.set_data(zs, hs)
        self.slope_fd = slope_fd = (hs[1] - hs[0]) / (2 * s)
        x = self.x0 + t * self.EPS * self.u
        _, cache = network.fprop(self.params, x)
        self.on = on = float(cache["z1"][0] > 0)              # what bprop uses: 1 if on, 0 if off (or at 0)
        self.tangent.set_data([t - 1.6, t + 1.6], [max(t, 0) - 1.6 * on, max(t, 0) + 1.6 * on])
        self.here.set_data([t], [max(t, 0)])
        self.slopes.set_text(f"secant slope {slope_fd:.2f}\nbprop slope   {on:.0f}")
        i = int(np.argmin(np.abs(self.GRID - t)))
        self.err_here.set_data([self.GRID[i]], [self.curve[i]])
        r = self.report = self.report_at(t)
        verdict = "PASS" if r.max_error < r.tol else "FAIL"
        flags = ", ".join(f"{k}{list(i)}" for k, i in r.kinks)
        colour = "#1b7f3b" if verdict == "PASS" else "#b00020"
        self.readout.value = (
            "<div style='font-size:14px;line-height:1.5'>"
            f"<code>grad_check(f, params, grads, keys=['W1', 'b1'], pattern=…)</code> at z = {t:+.2f} ε:<br>"
            f"worst relative error <b>{r.max_error:.1e}</b> → <b style='color:{colour}'>{verdict}</b> "
            f"(tolerance {r.tol:g})<br>"
            f"flagged at a kink: <b>{len(r.kinks)}</b> entries {('(' + flags + ')') if r.kinks else ''}<br>"
            f"worst error away from the flagged entries: {r.max_error_away_from_kinks:.1e} → "
            f"<b>{'PASS' if r.ok else 'FAIL'}</b>"
            + (" — the flagged entries are not bugs: max(0, z) has no derivative at the kink." if r.kinks else "")
            + "</div>")

    def describe(self):
        r = self.report
        verdict = "PASS" if r.max_error < r.tol else "FAIL"
        return (f"z = {self.t:+.2f} ε: the "
                f"check's secant slope {self.slope_fd:.2f}, bprop's slope {self.on:.0f}; grad_check's worst relative "
                f"error {r.max_error:.1e} → {verdict}; {len(r.kinks)} entries flagged at a kink")

    def layout(self):
        return widgets.VBox([self.z_over_eps, self.canvas, self.readout, self.status])
