"""Notebook 07: SGD and momentum from one start, drawn on a 2-D slice of the real network's loss.

``LossSurfaceApp`` computes the paths with :func:`nnbasics.landscape.full_batch_paths`, the
plane with :func:`~nnbasics.landscape.path_plane` and the loss on it with
:func:`~nnbasics.landscape.loss_on_plane`; this module only draws them.
"""
import math

import ipywidgets as widgets
import numpy as np

from ..data import DATASETS
from ..landscape import full_batch_paths, loss_on_plane, path_plane
from ..network import init_params
from ..plots import OPTIMIZER_COLOURS, OPTIMIZER_NAMES, WIDE, plain_log_ticks
from .base import App

__all__ = ["LossSurfaceApp"]


class LossSurfaceApp(App):
    """SGD and momentum from the same θ0, drawn on a 2-D slice of the real network's loss.

    A small network (2 → 6 → 3, |θ| = 39 parameters) learns three overlapping Gaussian blobs
    with full-batch steps (so the paths show the optimisers, not mini-batch noise). Both paths
    live in the 39-dimensional θ-space; the picture is the plane through θ0 that contains the
    end of the momentum path (at (1, 0)) and the direction in which the paths move most besides
    (:func:`path_plane`), coloured by ``log10 L(θ0 + a e1 + b e2)``. The paths are projected onto
    it; the title says how much of their movement the plane holds. Right: the loss of both
    along the steps (the true loss, not the slice's).

    Controls: ``lr`` (η), ``momentum`` (μ), ``steps``, ``seed`` (θ0).
    """

    controls = ("lr", "momentum", "steps", "seed")
    GRID = 23
    MAX_STEPS = 200
    BOX = (-0.35, 1.35, -0.85, 0.85)                  # (a, b) in units of the momentum path
    CLIM = (math.log10(0.15), math.log10(6.0))         # colours of log10 L (fixed, so they compare)

    def __init__(self, lr=0.05, momentum=0.9, steps=100, seed=0):
        super().__init__()
        W = WIDE
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
        plain_log_ticks(self.ax_loss.yaxis, [0.2, 0.3, 0.5, 1, 2, 5])
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
        ``params0, {'sgd': (thetas (T+1, |θ|), losses (T+1,)), 'momentum': (…)}``."""
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
        self.coords = {k: (path - th0) @ E for k, path in paths.items()}
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
        self.blew = blew = [OPTIMIZER_NAMES[k] for k, (_, L) in full.items() if not np.all(np.isfinite(L[:T + 1]))]
        self.ax_loss.set_title(f"{' and '.join(blew)} diverged: η is too large" if blew else
                               f"step {T}: SGD {self.final['sgd']:.3f}, momentum {self.final['momentum']:.3f}",
                               fontsize=10.5, color="#b00020" if blew else "black")

    def describe(self):
        lost = f"{' and '.join(self.blew)} diverged (η is too large); " if self.blew else ""
        return (f"{lost}after {self.steps.value} full-batch steps from θ0 (seed {self.seed.value}) with η = "
                f"{self.lr.value:.2g}: loss of SGD {self.final['sgd']:.3f}, of momentum (μ = "
                f"{self.momentum.value:.2f}) {self.final['momentum']:.3f}; the plane drawn holds {self.held:.0%} of "
                "both paths")
