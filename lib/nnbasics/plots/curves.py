"""Learning curves: the loss (log scale) and the accuracy of one or two trainers along the steps.

    curves = LearningCurves(ax_loss, ax_acc)
    changed = curves.update(trainers, until=None, shown_step=0)   # True: limits or legend changed

Training and validation curves per optimiser (SGD vermillion, momentum blue; training solid,
validation dashed), a dotted mark at the step shown when scrubbing back, and a legend above the
loss axes. The limits move in 1-2-5 steps and come from all the steps trained (not only up to
the step shown), so scrubbing never changes them: ``update`` says when a frozen part (axis
limits, ticks, the legend) changed, so an app can redraw its frozen background.
"""
import math

import numpy as np
from matplotlib.lines import Line2D

from .axes import nice_above, nice_below, plain_log_ticks
from .style import OPTIMIZER_COLOURS, OPTIMIZER_NAMES

__all__ = ["LearningCurves"]


class LearningCurves:
    """Loss and accuracy curves of :class:`nnbasics.trainer.Trainer` objects on two axes."""

    def __init__(self, ax_loss, ax_acc):
        self.ax_loss, self.ax_acc = ax_loss, ax_acc
        #: (what, optimiser, part) -> Line2D, what in {"loss", "acc"}, part in {"train", "val"}
        self.lines = {}
        for ax, what in ((ax_loss, "loss"), (ax_acc, "acc")):
            for kind, colour in OPTIMIZER_COLOURS.items():
                name = OPTIMIZER_NAMES[kind]
                self.lines[(what, kind, "train")], = ax.plot([], [], "-", color=colour, lw=1.8,
                                                             label=f"{name}: training")
                self.lines[(what, kind, "val")], = ax.plot([], [], "--", color=colour, lw=1.4,
                                                           label=f"{name}: validation")
            ax.grid(True, alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
        ax_loss.set_yscale("log")
        ax_loss.set_ylabel("loss L (log scale)")
        ax_acc.set_ylabel("accuracy")
        ax_acc.set_xlabel("training step")
        ax_acc.set_ylim(0, 1.02)
        ax_loss.tick_params(labelbottom=False)
        #: the step shown when scrubbing back (hidden when showing the latest)
        self.time_marks = [ax.axvline(0, color="0.3", lw=1, ls=":", visible=False) for ax in (ax_loss, ax_acc)]
        self.legend = None
        self._legend_key = None
        #: what changes from frame to frame
        self.moving = list(self.lines.values()) + self.time_marks

    def update(self, trainers, until=None, shown_step=0):
        """Draw the curves of ``trainers`` up to step ``until`` (None: all); True when the axes'
        limits or the legend changed (a frozen part of the picture)."""
        hi_step, values, changed = 1, [], False
        for (what, kind, part), line in self.lines.items():
            tr = next((t for t in trainers if t.optimizer_name == kind), None)
            if tr is None or (part == "val" and not len(tr.y_val)):
                line.set_data([], [])
                line.set_visible(False)
                continue
            h = tr.curves(until=until)
            key = f"{part}_{'loss' if what == 'loss' else 'acc'}"
            line.set_data(h["step"], h[key])
            line.set_visible(True)
            hi_step = max(hi_step, tr.step)
            if what == "loss":                      # limits from all steps, so scrubbing keeps the axes
                values.append(np.asarray(tr.history[key], dtype=float))
        # limits move in steps (1-2-5), so most frames keep the axes as they are
        xlim = (0, nice_above(max(hi_step, 50)))
        ylim = (0.05, 5.0)                          # widened only when the loss leaves this range
        if values:
            v = np.concatenate(values)
            v = v[np.isfinite(v) & (v > 0)]
            if len(v):
                ylim = (min(0.05, nice_below(max(v.min(), 1e-4))), max(5.0, nice_above(v.max())))
        if xlim != self.ax_loss.get_xlim():
            self.ax_loss.set_xlim(*xlim)
            changed = True
        if ylim != self.ax_loss.get_ylim():
            self.ax_loss.set_ylim(*ylim)
            k0, k1 = math.floor(math.log10(ylim[0])), math.ceil(math.log10(ylim[1]))
            plain_log_ticks(self.ax_loss.yaxis, [m * 10.0 ** k for k in range(k0, k1 + 1) for m in (1, 2, 5)
                                                 if ylim[0] <= m * 10.0 ** k <= ylim[1]])
            changed = True
        for mark in self.time_marks:
            mark.set_xdata([shown_step, shown_step])
            mark.set_visible(until is not None)
        kinds = tuple(t.optimizer_name for t in trainers)
        has_val = bool(trainers and len(trainers[0].y_val))
        if (kinds, has_val) != self._legend_key:
            self._legend_key = (kinds, has_val)
            if self.legend is not None:
                self.legend.remove()
            handles = [Line2D([], [], color=OPTIMIZER_COLOURS[k], lw=2.5, label=OPTIMIZER_NAMES[k]) for k in kinds]
            handles += [Line2D([], [], color="0.2", lw=1.8, label="train")]
            if has_val:
                handles += [Line2D([], [], color="0.2", lw=1.4, ls="--", label="valid.")]
            self.legend = self.ax_loss.legend(handles=handles, fontsize=8.5, loc="lower left",
                                              bbox_to_anchor=(0.0, 1.0), ncol=2 if len(kinds) > 1 else len(handles),
                                              frameon=False, handlelength=1.8, columnspacing=1.0, borderaxespad=0.2)
            changed = True
        return changed
