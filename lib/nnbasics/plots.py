"""Drawing for the lecture's pictures, with matplotlib onto an ``Axes`` you give (no widgets here).

Each picture is a small class built once (it makes its artists) whose ``update(...)`` changes
those artists in place (``set_array``, ``set_segments``, ``set_height``, ``set_text``), so a
slider callback never re-creates anything and a redraw stays fast:

    diagram = NetworkDiagram(ax, [2, 4, 4, 3], probs=True)   # x → h1 → h2 → o → p(c|x)
    o, cache = nb.fprop(params, x)                          # x: (D,)
    diagram.update(params, acts=cache)                      # (or: draw_network(ax, params, x))

    tiling = RegionPlot(ax, xlim=(-3, 3), ylim=(-2, 2.5))   # the piecewise-linear tiling
    tiling.update(params, regions=nb.linear_regions(params, box))

    bars = ProbBars(ax, n_classes=3)                        # p(c|x) as bars, the true class marked
    bars.update(p, y=2)

Colours are colour-blind safe: weight signs are blue (+) and orange (−) (Okabe–Ito), node
activations use the sequential map ``viridis``, region colours come from a pale qualitative
palette with every region outlined in dark grey.
"""
import os

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import Normalize, to_rgba
from matplotlib.path import Path
from matplotlib.transforms import Bbox

__all__ = ["FrozenBackground", "POSITIVE", "NEGATIVE", "NODE_CMAP", "HIGHLIGHT", "layer_labels", "NetworkDiagram",
           "draw_network",
           "RegionPlot", "pattern_colours", "level_segments", "region_edges", "segments_path", "ProbBars"]

#: colour of a positive weight / gradient (Okabe–Ito blue) and of a negative one (vermillion).
POSITIVE = "#0072B2"
NEGATIVE = "#D55E00"
#: sequential colour map for node activations (dark = off / small, yellow = large).
NODE_CMAP = "viridis"
#: the one thing to look at (the true class, the unit on the sliders): Tol's purple, with a hatch or ring.
HIGHLIGHT = "#AA3377"


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
            o = np.asarray(vals[-2], dtype=float)
            e = np.exp(o - o.max())
            vals[-1] = e / e.sum()
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


def draw_network(ax, params, x=None, probs=False, **kw):
    """One call: the diagram of ``params`` (and of the forward pass of one input ``x`` (D,)).

    Returns the :class:`NetworkDiagram`, whose ``update(...)`` then changes it in place.
    """
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    if L == 0:
        raise ValueError(f"params has no 'W1'; got keys {sorted(params)}")
    sizes = [np.shape(params["W1"])[1]] + [np.shape(params[f"W{l}"])[0] for l in range(1, L + 1)]
    diagram = NetworkDiagram(ax, sizes, probs=probs, **kw)
    acts = None
    if x is not None:
        h = np.asarray(x, dtype=float)
        acts = {"x": h}
        for l in range(1, L + 1):
            z = params[f"W{l}"] @ h + params[f"b{l}"]       # the slides' column form
            h = np.maximum(z, 0.0) if l < L else z
            acts["o" if l == L else f"h{l}"] = h
    return diagram.update(params, acts=acts)


# -- the piecewise-linear tiling ----------------------------------------------------------------

def pattern_colours(patterns, palette=None, seed=7):
    """A colour per activation pattern that does not depend on how regions are numbered.

    patterns: bool (R, H)  ->  rgba (R, 4). The same pattern always gets the same colour, so
    moving one unit's line recolours only the regions it touches. Colours are drawn from a
    pale qualitative palette (``tab20`` lightened); every region is also outlined, so the
    picture does not rely on telling colours apart.
    """
    patterns = np.asarray(patterns, dtype=bool)
    if palette is None:
        palette = _PALETTE
    H = patterns.shape[1] if patterns.ndim == 2 else 0
    rng = np.random.default_rng(seed)
    keys = rng.integers(1, 2**31 - 1, size=max(H, 1), dtype=np.int64)
    h = (patterns[:, :H].astype(np.int64) * keys[:H]).sum(axis=1) if H else np.zeros(len(patterns), np.int64)
    h = (h * 2654435761) % (2**31 - 1)
    return palette[h % len(palette)]


def _make_palette():
    base = colormaps["tab20"](np.arange(20))
    pale = 0.35 * base + 0.65  # lighten towards white so level sets and edges stay readable
    pale[:, 3] = 1.0
    return pale.astype(np.float32)


_PALETTE = _make_palette()


class _Edges:
    """Every edge of a list of convex polygons, as flat arrays (built once per update).

    p0, p1: (E, 2) the two ends of each edge; region: (E,) which polygon it belongs to.
    """

    def __init__(self, polygons):
        lens = np.fromiter((len(v) for v in polygons), dtype=np.intp, count=len(polygons))
        self.n = len(polygons)
        self.p0 = np.concatenate(polygons) if self.n else np.zeros((0, 2))
        ends = np.cumsum(lens)
        nxt = np.arange(1, len(self.p0) + 1)
        nxt[ends - 1] = ends - lens                      # the last vertex joins the first
        self.p1 = self.p0[nxt]
        self.region = np.repeat(np.arange(self.n), lens)

    def segments(self):
        return np.stack([self.p0, self.p1], axis=1)


def level_segments(polygons, maps, levels, edges=None):
    """Exact level sets of a piecewise-linear function, clipped to its convex regions.

    polygons: list of (K_r, 2) vertex arrays (convex, in order); maps: ``(a (R, 2), c (R,))``
    or a list of ``(a, c)`` with ``f(x) = x @ a + c`` inside region r; levels: (T,) values.
    Returns ``(segments (S, 2, 2), level_index (S,))``: one straight piece of ``{f = t}`` per
    region it crosses. Vectorised over all edges of all regions at once.
    """
    levels = np.asarray(levels, dtype=float)
    if len(polygons) == 0 or levels.size == 0:
        return np.zeros((0, 2, 2)), np.zeros(0, dtype=int)
    e = _Edges(polygons) if edges is None else edges
    if isinstance(maps, tuple) and len(maps) == 2 and np.ndim(maps[0]) == 2:
        a_r, c_r = np.asarray(maps[0], dtype=float), np.asarray(maps[1], dtype=float)
    else:
        a_r = np.array([m[0] for m in maps], dtype=float).reshape(len(polygons), -1)
        c_r = np.array([m[1] for m in maps], dtype=float).reshape(-1)
    a, c = a_r[e.region], c_r[e.region]
    p0, p1 = e.p0, e.p1
    f0 = np.einsum("ed,ed->e", p0, a) + c
    f1 = np.einsum("ed,ed->e", p1, a) + c
    # half-open test: a convex polygon is crossed at exactly 0 or 2 of its edges
    cross = (f0[None, :] > levels[:, None]) != (f1[None, :] > levels[:, None])  # (T, E)
    t_idx, e_idx = np.nonzero(cross)
    if t_idx.size == 0:
        return np.zeros((0, 2, 2)), np.zeros(0, dtype=int)
    df = f1[e_idx] - f0[e_idx]
    s = (levels[t_idx] - f0[e_idx]) / np.where(df == 0, 1.0, df)
    pts = p0[e_idx] + s[:, None] * (p1[e_idx] - p0[e_idx])
    key = t_idx * e.n + e.region[e_idx]
    order = np.argsort(key, kind="stable")
    key, pts, t_idx = key[order], pts[order], t_idx[order]
    # pair consecutive crossings of the same (level, region)
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    counts = np.diff(np.r_[first, len(key)])
    ok = first[counts == 2]
    segs = np.stack([pts[ok], pts[ok + 1]], axis=1)
    return segs, t_idx[ok]


def segments_path(segs):
    """One compound ``Path`` drawing many separate segments (S, 2, 2): move-to, line-to, ….

    Matplotlib makes one Path object per segment of a ``LineCollection``; with thousands of
    edges that bookkeeping costs more than the drawing, so the tiling draws each family of
    lines (all region edges; each level of the level sets) as one compound path instead.
    """
    segs = np.asarray(segs, dtype=float).reshape(-1, 2, 2)
    codes = np.tile(np.array([Path.MOVETO, Path.LINETO], dtype=Path.code_type), len(segs))
    return Path(segs.reshape(-1, 2), codes)


def region_edges(polygons):
    """Every edge of every region as an (E, 2, 2) array of segments for a ``LineCollection``
    (an edge shared by two regions appears twice, once for each)."""
    return _Edges(polygons).segments() if len(polygons) else np.zeros((0, 2, 2))


class RegionPlot:
    """The tiling of the plane by a ReLU net with 2-D input: "mapping is locally linear".

    - colours: one per activation pattern. ``fill='image'``: on a grid of ``resolution`` ×
      ``resolution`` pixel centres over ``xlim × ylim`` (the points of ``region_map``), via
      ``imshow``; ``fill='polygons'``: the exact regions filled (a ``PolyCollection``; about twice
      as fast to draw as the image here, and exact at any zoom);
    - edges: the exact region boundaries from ``linear_regions`` (a ``LineCollection``);
    - level sets: the exact contours ``{o = t}`` of one output of the network, straight inside
      each region and bending only on its edges (a second ``LineCollection``, coloured by t
      with the dark part of ``viridis``: purple = low, green = high).

    ``update(params, regions=None, output=0, ids=None, id_patterns=None)`` changes all three in
    place. ``regions`` is the list from ``linear_regions(params, box)`` (each with ``.vertices``,
    ``.pattern``, ``.A`` (C, 2), ``.c`` (C,)); without it only the image colours are drawn
    (``fill='polygons'`` needs it). ``ids`` (ny, nx) and ``id_patterns`` (n_regions, H) bool may
    pass what ``region_map`` found (the pattern of each id) for ``fill='image'``; otherwise the
    patterns of the grid are computed here. The same pattern gets the same colour in both modes.
    ``self.fill`` is the artist holding the colours (the image or the PolyCollection).
    """

    def __init__(self, ax, xlim=(-3.0, 3.0), ylim=(-2.0, 2.5), resolution=200, n_levels=12,
                 level_cmap="viridis", edge_colour="0.1", edge_width=0.8, fill="image"):
        if fill not in ("image", "polygons"):
            raise ValueError(f"fill must be 'image' or 'polygons', got {fill!r}")
        self.ax = ax
        self.fill_mode = fill
        self.xlim, self.ylim = tuple(map(float, xlim)), tuple(map(float, ylim))
        self.resolution = int(resolution)
        self.n_levels = int(n_levels)
        n = self.resolution
        xs = self.xlim[0] + (np.arange(n) + 0.5) * (self.xlim[1] - self.xlim[0]) / n
        ys = self.ylim[0] + (np.arange(n) + 0.5) * (self.ylim[1] - self.ylim[0]) / n
        gx, gy = np.meshgrid(xs, ys)
        self.grid = np.column_stack([gx.ravel(), gy.ravel()])  # (n², 2), row i of the image is ys[i]
        if fill == "image":
            self.image = ax.imshow(np.ones((n, n, 4), dtype=np.float32), origin="lower",
                                   extent=(*self.xlim, *self.ylim), interpolation="nearest", aspect="auto",
                                   zorder=0)
            self.fill = self.image
        else:
            self.image = None
            self.fill = PolyCollection([], edgecolors="none", linewidths=0, zorder=0, antialiaseds=False)
            ax.add_collection(self.fill, autolim=False)
        self.level_cmap = colormaps[level_cmap]
        # one compound path per family of lines (see segments_path): fast to update and to draw
        self.levels_lc = PathCollection([], facecolors="none", linewidths=1.6, zorder=2,
                                        transform=ax.transData)
        self.edges_lc = PathCollection([], facecolors="none", edgecolors=edge_colour, linewidths=edge_width,
                                       zorder=3, transform=ax.transData)
        ax.add_collection(self.levels_lc, autolim=False)
        ax.add_collection(self.edges_lc, autolim=False)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        ax.set_xlabel("$x_1$", fontsize=13)
        ax.set_ylabel("$x_2$", fontsize=13)
        self.levels = np.zeros(0)

    def update(self, params, regions=None, output=0, ids=None, id_patterns=None):
        """Redraw colours (grid), exact edges and level sets for ``params``; returns self."""
        n = self.resolution
        if self.image is not None:
            if ids is None:
                rgba = pattern_colours(_grid_patterns(params, self.grid))
            else:
                rgba = pattern_colours(id_patterns)[np.asarray(ids).ravel()]
            # float32 RGBA: the cheapest for Agg to resample (measured: float64 and uint8 are slower)
            self.image.set_data(rgba.reshape(n, n, 4))
        elif regions is None:
            raise ValueError("RegionPlot(fill='polygons') needs the regions of linear_regions")
        else:
            self.fill.set_verts([r.vertices for r in regions])
            pats = np.array([r.pattern for r in regions], dtype=bool).reshape(len(regions), -1)
            self.fill.set_facecolor(pattern_colours(pats))
        if regions is None:
            self.edges_lc.set_paths([])
            self.levels_lc.set_paths([])
            self.levels = np.zeros(0)
            return self
        polys = [np.asarray(r.vertices, dtype=float) for r in regions]
        edges = _Edges(polys)
        self.edges_lc.set_paths([segments_path(edges.segments())])
        a = np.array([r.A[output] for r in regions], dtype=float).reshape(len(regions), -1)
        c = np.array([r.c[output] for r in regions], dtype=float).reshape(-1)
        # level values: evenly spaced over the range the function takes on the region vertices
        vals = np.einsum("ed,ed->e", edges.p0, a[edges.region]) + c[edges.region]
        lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 0.0)
        if hi - lo < 1e-12:
            self.levels = np.zeros(0)
        else:
            step = (hi - lo) / (self.n_levels + 1)
            self.levels = lo + step * np.arange(1, self.n_levels + 1)
        segs, which = level_segments(polys, (a, c), self.levels, edges=edges)
        present = np.unique(which)
        self.levels_lc.set_paths([segments_path(segs[which == t]) for t in present])
        if len(present):
            # the dark 85 % of the map: every level stays visible on the pale tiles
            self.levels_lc.set_edgecolor(self.level_cmap(0.85 * Normalize(lo, hi)(self.levels[present])))
        return self


def _grid_patterns(params, grid):
    """Activation pattern (bool (G, H)) of every grid point, in one batched forward pass."""
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    h, out = grid, []
    for l in range(1, L):
        z = h @ params[f"W{l}"].T + params[f"b{l}"]
        out.append(z > 0)
        h = np.maximum(z, 0.0)
    if not out:
        return np.zeros((len(grid), 0), dtype=bool)
    return np.concatenate(out, axis=1)


# -- fast redraws -------------------------------------------------------------------------------

class FrozenBackground:
    """Draw the parts of a figure that do not move once; later draws paste them and draw the rest.

        frozen = FrozenBackground(fig, dynamic=[line, bars, text])   # the artists update() changes
        ...
        ax.set_ylim(-lim, lim); frozen.set_key(lim)   # the frozen parts now depend on lim
        frozen.invalidate()     # after changing frozen parts in a way no key describes
        frozen.replace(old_contours, new_contours)    # a moving artist made anew on each update

    (An app calls :meth:`nnbasics.apps.base.App.freeze_background`, which makes one of these.)

    Text is the costly part of an Agg draw (about 0.1 ms per glyph here: tick labels, titles,
    equations); a slider callback that changes a few artists then costs a copy of the cached
    pixels plus those artists. It hooks ``figure.draw``, so every draw of the figure goes
    through it (the first one included, ipympl's draws when the browser asks for a picture,
    and ``savefig``): the picture is the same whether or not it came from the cache, and no
    canvas method is replaced. The moving artists are drawn above the frozen ones, in their
    zorder (so a frozen artist that must stay on top of a moving one, such as a legend inside
    the axes, is listed as moving too); a moving artist whose axes is hidden is not drawn.

    ``set_key(key)`` names the state of the frozen parts (axis limits, a title): one background
    is kept per key (the last ``max_cached``), so going back to an earlier key costs nothing.
    The cache is also keyed by the renderer, its size and dpi (a resized or high-dpi ipympl
    canvas, or ``savefig``, draws in full); a renderer that cannot copy pixels (vector formats)
    draws the figure as usual. The environment variable ``NNBASICS_FULL_REDRAW=1`` turns the
    cache off (every draw in full), to compare. ``full_draws`` counts the draws of everything,
    ``fast_draws`` those that pasted a cached background.
    """

    def __init__(self, fig, dynamic, max_cached=8):
        self.fig = fig
        self.dynamic = list(dynamic)
        self.max_cached = int(max_cached)
        self.static_key = None
        self._cache = {}
        self.full_draws = self.fast_draws = 0
        self._figure_draw = fig.draw
        fig.draw = self._draw  # the canvas calls figure.draw(renderer)

    def add(self, *artists):
        """More moving artists; a cached background may hold them, so every one is dropped."""
        self.dynamic += artists
        self.invalidate()

    def replace(self, old, new):
        """Swap the moving artist ``old`` (removed from the figure; None: none) for ``new``, an
        artist just made (None: none). No background holds either, so none is redrawn."""
        if old is not None:
            self.dynamic.remove(old)
            old.remove()
        if new is not None:
            self.dynamic.append(new)

    def set_key(self, key):
        """The frozen parts are now in state ``key`` (hashable); returns True if it changed."""
        if key == self.static_key:
            return False
        self.static_key = key
        self.fig.stale = True
        return True

    def invalidate(self):
        """Forget every cached background: the next draw redraws everything once."""
        self._cache.clear()
        self.fig.stale = True

    def _draw(self, renderer):
        if (not (hasattr(renderer, "copy_from_bbox") and hasattr(renderer, "restore_region"))
                or os.environ.get("NNBASICS_FULL_REDRAW")):
            self.full_draws += 1
            return self._figure_draw(renderer)
        key = (id(renderer), renderer.width, renderer.height, self.fig.dpi, self.static_key)
        background = self._cache.get(key)
        if background is None:
            # a full draw in which the moving artists paint nothing: they stay visible, so all
            # that depends on them (an axes title placed above the tick labels) is as usual,
            # and no "stale" notification (which would ask for yet another draw) goes out
            for a in self.dynamic:
                a.draw = _draw_nothing
            try:
                self._figure_draw(renderer)
            finally:
                for a in self.dynamic:
                    vars(a).pop("draw", None)
            # the whole buffer: fig.bbox can be a hair short of it (4.1 in × 100 dpi = 409.99… px),
            # which would leave a row blank (transparent), and ipympl then sends full frames, no diffs
            background = renderer.copy_from_bbox(Bbox.from_bounds(0, 0, renderer.width, renderer.height))
            if len(self._cache) >= self.max_cached:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = background
            self.full_draws += 1
        else:
            renderer.restore_region(background)
            self.fast_draws += 1
        for a in sorted(self.dynamic, key=lambda a: a.get_zorder()):
            if a.get_visible() and (a.axes is None or a.axes.get_visible()):
                a.draw(renderer)
        self.fig.stale = False


def _draw_nothing(renderer):
    pass


# -- probabilities --------------------------------------------------------------------------------

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

