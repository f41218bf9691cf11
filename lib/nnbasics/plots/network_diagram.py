"""The network diagram of the slides: layers of nodes left to right, edges for the weights.

    diagram = NetworkDiagram(ax, [2, 4, 4, 3], probs=True)   # x → h1 → h2 → o → p(c|x)
    o, cache = nb.fprop(params, x)                          # x: (D,)
    diagram.update(params, acts=cache)

Built once (its artists made), then ``update(...)`` changes them in place, so a slider callback
never re-creates anything.
"""
import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba

from ..losses import softmax
from .style import NEGATIVE, NODE_CMAP, POSITIVE

__all__ = ["NetworkDiagram", "layer_labels"]


def layer_labels(n_layers, probs=False):
    """The slides' names of the columns of a diagram: ``['x', 'h^1', 'h^2', 'o']`` (+ ``'p(c|x)'``).

    ``n_layers`` is the number of affine layers L (so L + 1 columns of units).
    """
    names = ["x"] + [f"h^{l}" for l in range(1, n_layers)] + ["o"]
    if probs:
        names.append("p(c|x)")
    return names


def _unit_symbol(layer_name, k):
    """Mathtext for unit k (1-based) of a column: x_1, h^1_2, o_3, p_1."""
    if layer_name == "p(c|x)":
        return f"$p_{{{k}}}$"
    return f"${layer_name}_{{{k}}}$"


class NetworkDiagram:
    """A small fully connected network drawn as layers of nodes, left to right.

    ``sizes = [D, N1, N2, C]`` (any depth); ``probs=True`` adds a column ``p(c|x)`` after ``o``
    joined to it by the softmax (thin grey lines: every ``p_k`` depends on every ``o_j``).

    Edges: width ∝ ``|W_l[j, i]|`` (capped at ``max_width``), colour = sign (blue +, orange −).
    Nodes: colour = activation through ``viridis``; each column has its own scale
    (``[min(0, lowest), highest]``, so a ReLU that is off is the darkest node of its layer;
    ``p`` uses the fixed scale [0, 1]). With ``values=True`` the number sits beside each node.

    ``update(params, acts=None, node_values=None, edge_values=None)``:

    - ``params``: ``{'W1': (N1, D), 'b1': (N1,), …}``; sets edge widths and colours.
    - ``acts``: the cache of ``fprop(params, x)`` for one example ``x`` of shape ``(D,)``
      (keys ``'x', 'h1', …, 'o'``; ``'p'`` is computed by softmax when missing); colours nodes.
    - ``node_values``: a list with one ``(n_units,)`` array per column, or a dict keyed by
      ``'x', 'h1', …, 'o', 'p'``; overrides ``acts`` for the colours and numbers (e.g. ∂L/∂h).
    - ``edge_values``: a list of ``(N_l, N_{l-1})`` arrays or a dict keyed ``'W1', …``; overrides
      ``params`` for edge widths and colours (e.g. ∂L/∂W).

    Nothing is re-created: widths and colours are set on one ``LineCollection``, node colours
    on one scatter, numbers on existing ``Text`` artists. ``edge_ref`` is the |value| drawn at
    full width; by default it is fixed by the first ``update`` (so scaling all weights up
    visibly thickens the edges), or give a number; ``diagram.edge_ref = None`` re-fixes it.
    """

    def __init__(self, ax, sizes, probs=False, labels=None, values=True, max_width=6.0,
                 edge_ref=None, node_size=None, fontsize=11, value_fmt="{:.2f}"):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must be a list of layer widths like [2, 4, 4, 3], got {sizes}")
        self.ax = ax
        self.sizes = sizes
        self.L = len(sizes) - 1
        self.probs = bool(probs)
        self.labels = list(labels) if labels is not None else layer_labels(self.L, self.probs)
        self.columns = sizes + ([sizes[-1]] if self.probs else [])
        if len(self.labels) != len(self.columns):
            raise ValueError(f"labels has {len(self.labels)} names for {len(self.columns)} columns")
        self.max_width = float(max_width)
        self.edge_ref = edge_ref
        self.value_fmt = value_fmt
        self.cmap = colormaps[NODE_CMAP]
        # positions: column c at x = c, unit k (0-based) from the top, centred on y = 0
        self.pos = [np.column_stack([np.full(n, float(c)), (n - 1) / 2.0 - np.arange(n)])
                    for c, n in enumerate(self.columns)]
        tallest = max(self.columns)
        # edges of every weight matrix W_l, in the order of W_l.ravel() (row j = unit of layer l)
        segs, self._edge_slices = [], []
        for l in range(1, self.L + 1):
            a, b = self.pos[l - 1], self.pos[l]
            j, i = np.meshgrid(np.arange(len(b)), np.arange(len(a)), indexing="ij")
            seg = np.stack([a[i.ravel()], b[j.ravel()]], axis=1)
            start = sum(len(s) for s in segs)
            self._edge_slices.append(slice(start, start + len(seg)))
            segs.append(seg)
        segs = np.concatenate(segs)
        self.edges = LineCollection(segs, linewidths=1.0, colors=POSITIVE, zorder=1,
                                    capstyle="round")
        ax.add_collection(self.edges)
        if self.probs:  # softmax: every p_k depends on every o_j
            o, p = self.pos[-2], self.pos[-1]
            sm = [np.stack([o[j], p[k]]) for k in range(len(p)) for j in range(len(o))]
            self.softmax_edges = LineCollection(sm, linewidths=0.6, colors="0.75", zorder=0)
            ax.add_collection(self.softmax_edges)
        xy = np.concatenate(self.pos)
        if node_size is None:
            node_size = float(np.clip(2600.0 / max(tallest, 4), 90, 650))
        self.nodes = ax.scatter(xy[:, 0], xy[:, 1], s=node_size, c=np.zeros(len(xy)), cmap=self.cmap,
                                vmin=0.0, vmax=1.0, edgecolors="0.15", linewidths=1.2, zorder=3)
        self._node_slices = np.cumsum([0] + self.columns)
        # column headings (slide names) and the W^l between columns
        top = (tallest - 1) / 2.0
        self.headings = [ax.text(c, top + 0.85, f"${name}$", ha="center", va="bottom",
                                 fontsize=fontsize + 3) for c, name in enumerate(self.labels)]
        self.weight_labels = [ax.text(l - 0.5, -top - 0.9, f"$W^{{{l}}},\\ b^{{{l}}}$", ha="center",
                                      va="top", fontsize=fontsize, color="0.3")
                              for l in range(1, self.L + 1)]
        if self.probs:
            self.weight_labels.append(ax.text(self.L + 0.5, -top - 0.9, "softmax", ha="center",
                                              va="top", fontsize=fontsize, color="0.3"))
        # numbers beside the nodes (right of each node, above the edges)
        self.value_texts = []
        if values:
            dx = 0.13
            for pts in self.pos:
                for px, py in pts:
                    t = ax.text(px + dx, py + 0.16, "", ha="left", va="bottom", fontsize=fontsize - 1,
                                zorder=4, bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none",
                                                    alpha=0.8))
                    self.value_texts.append(t)
        # unit names left of the input nodes
        self.unit_labels = [ax.text(px - 0.14, py, _unit_symbol(self.labels[0], k + 1), ha="right",
                                    va="center", fontsize=fontsize) for k, (px, py) in enumerate(self.pos[0])]
        ax.set_xlim(-0.55, len(self.columns) - 1 + 0.6)
        ax.set_ylim(-top - 1.6, top + 1.6)
        ax.set_axis_off()

    # -- helpers ------------------------------------------------------------------------------
    def _column_values(self, params, acts, node_values):
        keys = ["x"] + [f"h{l}" for l in range(1, self.L)] + ["o"] + (["p"] if self.probs else [])
        if node_values is not None:
            if isinstance(node_values, dict):
                vals = [node_values.get(k) for k in keys]
            else:
                vals = list(node_values)
            if len(vals) != len(self.columns):
                raise ValueError(f"node_values has {len(vals)} columns; the diagram has {len(self.columns)}")
            return vals
        if acts is None:
            return [None] * len(self.columns)
        vals = [acts.get(k) for k in keys]
        if self.probs and vals[-1] is None and vals[-2] is not None:
            vals[-1] = softmax(vals[-2])
        return vals

    def _edge_matrices(self, params, edge_values):
        if edge_values is None:
            return [np.asarray(params[f"W{l}"], dtype=float) for l in range(1, self.L + 1)]
        if isinstance(edge_values, dict):
            return [np.asarray(edge_values[f"W{l}"], dtype=float) for l in range(1, self.L + 1)]
        return [np.asarray(m, dtype=float) for m in edge_values]

    # -- the one call a callback makes ---------------------------------------------------------
    def update(self, params=None, acts=None, node_values=None, edge_values=None):
        """Set edge widths/colours and node colours/numbers; see the class docstring for shapes."""
        if params is not None or edge_values is not None:
            mats = self._edge_matrices(params, edge_values)
            for l, m in enumerate(mats, start=1):
                if m.shape != (self.sizes[l], self.sizes[l - 1]):
                    raise ValueError(f"W{l} has shape {m.shape}; the diagram expects "
                                     f"{(self.sizes[l], self.sizes[l - 1])}")
            w = np.concatenate([m.ravel() for m in mats])
            w = np.nan_to_num(w)
            if self.edge_ref is None:
                self.edge_ref = float(np.abs(w).max()) or 1.0
            width = self.max_width * np.minimum(np.abs(w) / self.edge_ref, 1.0)
            self.edges.set_linewidths(0.15 + width)
            rgba = np.where((w >= 0)[:, None], to_rgba(POSITIVE), to_rgba(NEGATIVE))
            rgba[:, 3] = 0.35 + 0.65 * np.minimum(np.abs(w) / self.edge_ref, 1.0)
            self.edges.set_color(rgba)
        cols = self._column_values(params, acts, node_values)
        if any(v is not None for v in cols):
            colour_vals = np.zeros(self._node_slices[-1])
            texts = []
            for c, v in enumerate(cols):
                sl = slice(self._node_slices[c], self._node_slices[c + 1])
                if v is None:
                    texts += [""] * self.columns[c]
                    continue
                v = np.asarray(v, dtype=float).reshape(-1)
                if v.shape != (self.columns[c],):
                    raise ValueError(f"column {self.labels[c]!r} got {v.shape[0]} values for "
                                     f"{self.columns[c]} units")
                if self.probs and c == len(self.columns) - 1 and node_values is None:
                    lo, hi = 0.0, 1.0
                else:
                    lo, hi = min(0.0, float(np.nanmin(v))), float(np.nanmax(v))
                colour_vals[sl] = np.clip((np.nan_to_num(v) - lo) / max(hi - lo, 1e-12), 0, 1)
                texts += [self.value_fmt.format(x) for x in v]
            self.nodes.set_array(colour_vals)
            for t, s in zip(self.value_texts, texts, strict=True):
                t.set_text(s)
        return self

    def node_colours(self):
        """The drawn node colours as values in [0, 1] (what the colour map receives), in column order."""
        return np.asarray(self.nodes.get_array(), dtype=float)

    def edge_widths(self):
        """The drawn edge widths, in the order W1.ravel(), W2.ravel(), …"""
        return np.asarray(self.edges.get_linewidths(), dtype=float)
