"""The piecewise-linear tiling of the plane by a ReLU network with 2-D input, drawn.

    tiling = RegionPlot(ax, xlim=(-3, 3), ylim=(-2, 2.5))   # colours, exact edges, level sets
    tiling.update(params, regions=nb.linear_regions(params, box))

Colours come from a pale qualitative palette, one per activation pattern, with every region
outlined in dark grey (the picture does not rely on telling colours apart).
"""
import numpy as np
from matplotlib import colormaps
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import Normalize
from matplotlib.path import Path

from ..regions import activation_pattern, grid_points

__all__ = ["RegionPlot", "pattern_colours", "level_segments", "segments_path"]


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
        xs, ys = grid_points(self.xlim, self.ylim, n)
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
                rgba = pattern_colours(activation_pattern(params, self.grid))
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
