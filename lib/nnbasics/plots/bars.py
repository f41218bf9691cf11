"""Class probabilities p(c|x) as bars."""
import numpy as np

from .style import HIGHLIGHT, POSITIVE

__all__ = ["ProbBars"]


class ProbBars:
    """``p(c|x)`` as C bars on [0, 1], the true class outlined and named, the values written on top.

    ``update(p, y=None)``: p (C,) probabilities; y the true class (int) or None.
    """

    def __init__(self, ax, n_classes, class_names=None, colour=POSITIVE, true_colour=HIGHLIGHT,
                 ylabel="$p(c\\,|\\,x)$", fontsize=11):
        self.ax = ax
        self.C = int(n_classes)
        names = class_names or [f"{k + 1}" for k in range(self.C)]
        self.colour, self.true_colour = colour, true_colour
        self.bars = ax.bar(np.arange(self.C), np.zeros(self.C), color=colour, width=0.7,
                           edgecolor="0.15", linewidth=1.0)
        self.texts = [ax.text(k, 0.02, "", ha="center", va="bottom", fontsize=fontsize)
                      for k in range(self.C)]
        ax.set_xticks(np.arange(self.C), names)
        ax.set_ylim(0, 1.12)
        ax.set_xlim(-0.6, self.C - 0.4)
        ax.set_ylabel(ylabel)
        ax.spines[["top", "right"]].set_visible(False)

    def update(self, p, y=None):
        p = np.asarray(p, dtype=float).reshape(-1)
        if p.shape != (self.C,):
            raise ValueError(f"p has {p.size} entries; the bars show {self.C} classes")
        for k, (bar, t) in enumerate(zip(self.bars, self.texts, strict=True)):
            bar.set_height(p[k])
            bar.set_facecolor(self.true_colour if y is not None and k == y else self.colour)
            bar.set_hatch("//" if y is not None and k == y else "")
            t.set_text(f"{p[k]:.3f}")
            t.set_y(min(p[k], 1.0) + 0.015)
        return self

    def heights(self):
        return np.array([b.get_height() for b in self.bars])
