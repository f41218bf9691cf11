"""Decision regions of a classifier on the plane: an image of argmax p over a grid, the data on top.

    panel = DecisionPanel(ax, resolution=80)
    panel.set_box((-1.5, 1.5, -1.5, 1.5))
    panel.set_data(X_train, y_train, X_val, y_val, X_clicked, y_clicked)
    panel.image.set_data(rgba8(decision_rgb(p).reshape(80, 80, 3)))   # p: softmax over the grid

Each point has its class's colour and its class's marker (``CLASS_MARKERS``), so the classes
are told apart without colour too; points added by hand are larger, with a thick black edge.
"""
import matplotlib.colors as mcolors
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.markers import MarkerStyle

from .style import CLASS_COLOURS, CLASS_MARKERS

__all__ = ["DecisionPanel", "decision_rgb", "rgba8", "class_marker_paths"]

_CLASS_RGB = np.array([mcolors.to_rgb(c) for c in CLASS_COLOURS])
_MARKER_PATHS = [MarkerStyle(m).get_path().transformed(MarkerStyle(m).get_transform()) for m in CLASS_MARKERS]


def class_marker_paths(y):
    """The marker of each class label in ``y`` as paths, for ``PathCollection.set_paths`` (one
    scatter, a marker per point)."""
    return [_MARKER_PATHS[int(c) % len(_MARKER_PATHS)] for c in np.ravel(y)]


def decision_rgb(p):
    """Colour of each grid point from its class probabilities p (G, C) -> rgb (G, 3).

    The colour of the most probable class ``argmax_k p_k``, paler where the network is unsure
    (``max_k p_k`` near 1/C) and stronger where it is sure.
    """
    C = p.shape[1]
    k = np.argmax(p, axis=1)
    sure = (p.max(axis=1) - 1.0 / C) / (1.0 - 1.0 / C)
    a = (0.18 + 0.42 * np.clip(sure, 0, 1))[:, None]
    return (1 - a) + a * _CLASS_RGB[k % len(_CLASS_RGB)]


def rgba8(rgb):
    """Float colours (..., 3) in [0, 1] -> opaque uint8 RGBA (..., 4): the fastest image to draw."""
    out = np.empty(rgb.shape[:-1] + (4,), dtype=np.uint8)
    out[..., :3] = np.clip(rgb * 255 + 0.5, 0, 255)
    out[..., 3] = 255
    return out


class DecisionPanel:
    """One decision-region picture: image, tiling overlay, data, a title and a warning box."""

    def __init__(self, ax, resolution):
        self.ax = ax
        self.res = resolution
        blank = np.ones((resolution, resolution, 3))
        self.image = ax.imshow(blank, origin="lower", extent=(-1, 1, -1, 1), interpolation="bilinear",
                               zorder=0, aspect="equal")
        self.edge_image = ax.imshow(np.zeros((2 * resolution, 2 * resolution, 4)), origin="lower",
                                    extent=(-1, 1, -1, 1), interpolation="nearest", zorder=1,
                                    aspect="equal", visible=False)
        self.edges = LineCollection([], colors="0.15", linewidths=0.7, zorder=2, visible=False)
        ax.add_collection(self.edges)
        # training points: dark edge; validation points: white edge (one collection, drawn fast)
        self.points = ax.scatter([], [], s=22, marker="o", zorder=3)
        self.clicked = ax.scatter([], [], s=120, marker="o", linewidths=2.0, edgecolors="k", zorder=4,
                                  label="added by hand")
        self.warning = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                               fontsize=12, color="white", zorder=6, visible=False, wrap=True,
                               bbox=dict(boxstyle="round,pad=0.5", fc="#b00020", ec="none", alpha=0.92))
        self.empty = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                             fontsize=12, color="0.25", zorder=5)
        ax.set_xticks([])
        ax.set_yticks([])
        #: what changes from frame to frame (drawn over the cached background, in zorder)
        self.moving = [self.image, self.edge_image, self.edges, self.points, self.clicked,
                       self.empty, self.warning, ax.title]

    def set_box(self, box):
        x0, x1, y0, y1 = box
        for im in (self.image, self.edge_image):
            im.set_extent(box)
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)

    def set_data(self, Xtr, ytr, Xv, yv, Xc, yc):
        colours = lambda y: [CLASS_COLOURS[int(c) % len(CLASS_COLOURS)] for c in y]  # noqa: E731
        X = np.concatenate([Xtr, Xv]).reshape(-1, 2)
        self.points.set_offsets(X)
        self.points.set_paths(class_marker_paths(np.concatenate([ytr, yv])) if len(X) else _MARKER_PATHS[:1])
        self.points.set_facecolors(colours(np.concatenate([ytr, yv])) if len(X) else "none")
        self.points.set_edgecolors(["0.1"] * len(Xtr) + ["white"] * len(Xv) if len(X) else "none")
        self.points.set_linewidths([0.6] * len(Xtr) + [1.3] * len(Xv) if len(X) else 0.6)
        self.points.set_visible(len(X) > 0)
        self.clicked.set_offsets(Xc.reshape(-1, 2))
        self.clicked.set_paths(class_marker_paths(yc) if len(yc) else _MARKER_PATHS[:1])
        self.clicked.set_facecolors(colours(yc) if len(yc) else "none")
        self.clicked.set_visible(len(yc) > 0)
