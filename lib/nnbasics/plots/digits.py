"""The static pictures of notebook 08: a layer's weights as 8×8 images, a model search, a confusion matrix."""
import numpy as np
from matplotlib.patches import Rectangle

from .style import NEGATIVE, WEIGHT_CMAP, text_colour_on

__all__ = ["plot_unit_weights", "plot_search", "plot_confusion"]


def plot_unit_weights(fig, W1, ncols=8, title=None):
    """Every first-layer unit's 64 weights as an 8×8 image, in a grid of small axes on ``fig``.

    W1 (U, 64). Each image has its own symmetric colour scale (blue +, orange −, white 0):
    blue pixels make the unit fire, orange ones hold it back. Returns the list of axes.
    """
    U = W1.shape[0]
    nrows = -(-U // ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for j, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if j >= U:
            ax.set_visible(False)
            continue
        w = W1[j].reshape(8, 8)
        m = max(np.abs(w).max(), 1e-12)
        ax.imshow(w, cmap=WEIGHT_CMAP, vmin=-m, vmax=m, interpolation="nearest")
        ax.set_title(f"unit {j}", fontsize=8, pad=2)
    if title:
        fig.suptitle(title, fontsize=11)
    return list(axes.flat)


def plot_search(ax, result):
    """Validation accuracy over the grid of depths × widths, the chosen cell outlined.

    ``result``: a :class:`nnbasics.trainer.SearchResult`.
    """
    acc = result.val_acc
    im = ax.imshow(acc, cmap="viridis", vmin=max(0.0, acc.min() - 0.02), vmax=1.0, origin="lower",
                   aspect="auto")
    for a in range(acc.shape[0]):
        for b in range(acc.shape[1]):
            ax.text(b, a, f"{acc[a, b]:.1%}", ha="center", va="center", fontsize=10,
                    color=text_colour_on(im.cmap(im.norm(acc[a, b]))))
    bw, bd = result.best
    b, a = result.widths.index(bw), result.depths.index(bd)
    ax.add_patch(Rectangle((b - 0.5, a - 0.5), 1, 1, fill=False, ec=NEGATIVE, lw=3))
    ax.set_xticks(range(len(result.widths)), [str(w) for w in result.widths])
    ax.set_yticks(range(len(result.depths)), [str(d) for d in result.depths])
    ax.set_xlabel("width (hidden units per layer)")
    ax.set_ylabel("depth (hidden layers)")
    ax.set_title(f"validation accuracy; chosen: width {bw}, depth {bd}", fontsize=11)
    ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
    return im


def plot_confusion(ax, M, title="test set: true digit (rows) vs. predicted (columns)"):
    """A confusion matrix as counts (viridis), every non-zero cell written, the diagonal = right.

    Right and wrong are told apart without colour too: the diagonal cells are framed, and each
    count is written in black or white, whichever contrasts more with its cell.
    """
    C = M.shape[0]
    im = ax.imshow(M, cmap="viridis", interpolation="nearest")
    for i in range(C):
        for j in range(C):
            if M[i, j]:
                ax.text(j, i, str(M[i, j]), ha="center", va="center", fontsize=8,
                        color=text_colour_on(im.cmap(im.norm(M[i, j]))))
        for ec, lw in (("black", 2.4), ("white", 0.9)):       # visible on a dark or a light cell
            ax.add_patch(Rectangle((i - 0.42, i - 0.42), 0.84, 0.84, fill=False, ec=ec, lw=lw))
    ax.set_xticks(range(C))
    ax.set_yticks(range(C))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title, fontsize=11)
    return im
