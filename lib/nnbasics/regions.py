"""ReLU networks as piecewise-linear tilings of their input space ("mapping is locally linear").

Each hidden ReLU is on or off; the on/off pattern of all hidden units is constant on a convex
polygon (in 2-D), and inside it the network is one affine map ``o = x @ A.T + c``.

Ways to look at the tiling of a network with 2-D input (numpy only):

- :func:`region_map` samples a grid (:func:`grid_points`) and numbers the distinct activation
  patterns it meets (fast; what a picture needs; may miss regions smaller than a pixel);
- :func:`linear_regions` computes the regions exactly, as polygons, each with its pattern and
  its affine map; :func:`collapse_linear` is the network with the ReLUs removed (one region);
- :func:`pattern_edges` marks the pixels of a grid where the pattern changes (the tiling's
  edges as an image, for networks too large to enumerate exactly).

The counts to compare with (line arrangements, published bounds) are in
:mod:`nnbasics.region_counts`.
"""
from dataclasses import dataclass

import numpy as np

from . import _checks
from .network import fprop, n_layers

__all__ = ["activation_pattern", "grid_points", "region_map", "pattern_edges", "Region", "linear_regions",
           "collapse_linear"]

#: a piece cut off a polygon is kept only if its area is at least this fraction of the box's:
#: a guard against pieces made by rounding, small enough that a line ~1e-9 box widths from a
#: vertex still cuts (as arrangement_count counts it)
SLIVER = 1e-18
#: |value| below this times the value's scale counts as "on the line" (a line touching a vertex)
TOUCH = 1e-12
#: region_map refuses grids finer than this per side (memory: nx * ny * hidden units bytes)
MAX_RESOLUTION = 4096
#: region_map works through the grid this many points at a time, in stacks of _STACK points
_CHUNK, _STACK = 4096, 128


def activation_pattern(params, x):
    """Which ReLUs are on: x (N, D) -> bool (N, N1 + N2 + … + N_{L-1}), hidden layers in order.

        pattern[n, j] = [z_j(x_n) > 0]   over the hidden units j of every layer
    (a (D,) input gives a 1-D pattern).
    """
    L = n_layers(params)
    _, single = _checks.batch(x, "x", features=np.shape(params["W1"])[1])
    _, cache = fprop(params, x)
    if L == 1:
        return np.zeros((0,) if single else (np.atleast_2d(cache["x"]).shape[0], 0), dtype=bool)
    return np.concatenate([cache[f"z{l}"] > 0 for l in range(1, L)], axis=-1)


# ----------------------------------------------------------------------------- input checks

def _layers_2d(params, fn):
    """The (W, b) of every layer as float64, checking that the network takes 2-D input."""
    L = n_layers(params)
    W1 = params["W1"]
    if np.shape(W1)[1] != 2:
        raise ValueError(f"params: {fn} needs a network with 2-D input, i.e. W1 of shape (N1, 2); got "
                         f"W1 of shape {np.shape(W1)} ({np.shape(W1)[1]}-D input)")
    layers = []
    for l in range(1, L + 1):
        W = _checks.as_float_array(params[f"W{l}"], f"params['W{l}']").astype(np.float64)
        b = _checks.as_float_array(params[f"b{l}"], f"params['b{l}']").astype(np.float64)
        layers.append((W, b))
    return layers


def _resolution(resolution):
    """resolution -> (nx, ny): one whole number for a square grid or a pair (nx, ny)."""
    if isinstance(resolution, (tuple, list, np.ndarray)):
        if len(resolution) != 2:
            raise ValueError(f"resolution must be a whole number or a pair (nx, ny), got {resolution!r}")
        return tuple(_checks.whole(r, f"resolution[{i}]", 1, MAX_RESOLUTION) for i, r in enumerate(resolution))
    n = _checks.whole(resolution, "resolution", 1, MAX_RESOLUTION)
    return n, n


# ----------------------------------------------------------------------------- grid sampling

def grid_points(xlim, ylim, resolution):
    """The sample points of :func:`region_map`: pixel centres of an (ny, nx) image.

    Returns ``xs`` (nx,) and ``ys`` (ny,) with ``xs[j] = xlim[0] + (j + ½)·(xlim[1] − xlim[0]) / nx``
    (likewise ``ys``), so that an image ``img[i, j]`` sampled at ``(xs[j], ys[i])`` lines up with
    ``imshow(img, origin='lower', extent=(*xlim, *ylim))``. Handy to draw level sets of ``o`` on
    the same grid: ``X, Y = np.meshgrid(xs, ys)``.
    """
    x0, x1 = _checks.interval(xlim, "xlim")
    y0, y1 = _checks.interval(ylim, "ylim")
    nx, ny = _resolution(resolution)
    xs = x0 + (np.arange(nx) + 0.5) * ((x1 - x0) / nx)
    ys = y0 + (np.arange(ny) + 0.5) * ((y1 - y0) / ny)
    return xs, ys


def _label_rows(codes):
    """Rows of a (N, W) uint64 array -> (ids (N,), n): equal rows get equal ids 0..n-1.

    Ids follow the sorted order of the rows (exact; no hashing, so no collisions). Neighbouring
    rows are often equal (pixels of one region), so only the runs of equal rows are sorted.
    """
    N = len(codes)
    change = np.empty(N, dtype=bool)
    change[0] = True
    if codes.shape[1] == 1:
        np.not_equal(codes[1:, 0], codes[:-1, 0], out=change[1:])
    else:
        np.any(codes[1:] != codes[:-1], axis=1, out=change[1:])
    starts = np.flatnonzero(change)
    runs = codes[starts]
    order = np.lexsort(runs.T[::-1])
    new = np.empty(len(runs), dtype=bool)
    new[0] = True
    np.any(runs[order[1:]] != runs[order[:-1]], axis=1, out=new[1:])
    run_ids = np.empty(len(runs), dtype=np.intp)
    run_ids[order] = np.cumsum(new) - 1
    return np.repeat(run_ids, np.diff(starts, append=N)), int(new.sum())


def region_map(params, xlim, ylim, resolution=200):
    """Number the activation regions a grid of points falls in (2-D input networks).

    params: a network with W1 of shape (N1, 2)    xlim, ylim: (lo, hi)
    resolution: n for an n×n grid, or a pair (nx, ny)

    Returns ``(ids, n_regions)``: ``ids`` is an int array (ny, nx), ``ids[i, j]`` the region of
    the point ``(xs[j], ys[i])`` of :func:`grid_points` (pixel centres; row 0 at ``ylim[0]``, so
    ``imshow(ids, origin='lower', extent=(*xlim, *ylim))`` draws it the right way up). Points
    with the same on/off pattern of all hidden ReLUs (:func:`activation_pattern`; the sums are
    grouped differently, so a point lying exactly on a boundary may fall to the other side) share
    an id; ids are 0..n_regions-1 in the sorted order of the packed patterns (exact: the patterns
    are compared bit for bit, no hash collisions). A network without hidden layers is one region
    (all ids 0).

    The grid only sees regions that contain a sample point, so ``n_regions`` is at most the
    exact count of :func:`linear_regions`.
    """
    layers = _layers_2d(params, "region_map")
    xs, ys = grid_points(xlim, ylim, resolution)
    nx, ny = len(xs), len(ys)
    if len(layers) == 1:
        return np.zeros((ny, nx), dtype=np.intp), 1
    (W1, b1), rest = layers[0], [(np.ascontiguousarray(W.T), b) for W, b in layers[1:-1]]
    H, N1 = sum(W.shape[0] for W, _ in layers[:-1]), len(b1)
    # layer 1 on a grid is separable: z1(x, y) = x W1[:, 0] + (y W1[:, 1] + b1); each image row
    # is padded to whole stacks of _STACK points (the padding points are computed, then dropped)
    nxp = -(-nx // _STACK) * _STACK
    zx = np.zeros((nxp, N1))
    zx[:nx] = xs[:, None] * W1[:, 0]
    zy = ys[:, None] * W1[:, 1] + b1
    packed = np.zeros((ny * nx, -(-H // 64) * 8), dtype=np.uint8)   # the patterns, 8 bits a byte
    rows = max(1, _CHUNK // nxp)                # image rows at a time: small arrays stay in cache
    bits = np.empty((rows, nxp, H), dtype=bool)
    for i0 in range(0, ny, rows):
        r = min(rows, ny - i0)
        on = bits[:r].reshape(-1, _STACK, H)     # a view of bits
        z = (zy[i0:i0 + r, None, :] + zx).reshape(-1, _STACK, N1)
        np.greater(z, 0.0, out=on[:, :, :N1])
        start = N1
        for WT, b in rest:
            # a stack of small matrix products: one large BLAS matmul may start threads, which
            # on a busy 2-core machine made the whole map 5-10x slower
            z = np.maximum(z, 0.0, out=z) @ WT
            z += b
            np.greater(z, 0.0, out=on[:, :, start:start + len(b)])
            start += len(b)
        packed[i0 * nx:(i0 + r) * nx, :-(-H // 8)] = np.packbits(bits[:r, :nx].reshape(-1, H), axis=1)
    ids, n_regions = _label_rows(packed.view(np.uint64))
    return ids.reshape(ny, nx), n_regions


def pattern_edges(patterns):
    """The tiling's edges on a grid: pixels whose on/off pattern differs from a neighbour's.

    patterns: bool (ny, nx, H), the :func:`activation_pattern` of every grid point (row i, column j)
    ->  bool (ny, nx), True where the pattern differs from the pixel to the left or below

    Two neighbouring points in different linear regions have different patterns, so the marked
    pixels trace the region edges (at the grid's resolution).
    """
    patterns = np.asarray(patterns, dtype=bool)
    if patterns.ndim != 3:
        raise ValueError(f"patterns must be (ny, nx, H) on/off patterns of a grid, got shape {patterns.shape}")
    edge = np.zeros(patterns.shape[:2], dtype=bool)
    edge[:, 1:] |= np.any(patterns[:, 1:] != patterns[:, :-1], axis=2)
    edge[1:] |= np.any(patterns[1:] != patterns[:-1], axis=2)
    return edge


# ----------------------------------------------------------------------------- exact regions

@dataclass(eq=False)
class Region:
    """One linear region of a ReLU network with 2-D input, clipped to a box.

    vertices: (K, 2) float, the convex polygon, counter-clockwise
    pattern:  (H,) bool, which hidden ReLUs are on inside it (order of :func:`activation_pattern`)
    A: (C, 2), c: (C,)   the network's output there: ``o = x @ A.T + c`` for every x inside
    area: float          centroid: (2,) float
    """

    vertices: np.ndarray
    pattern: np.ndarray
    A: np.ndarray
    c: np.ndarray
    area: float
    centroid: np.ndarray

    def __repr__(self):
        on = "".join("1" if p else "0" for p in self.pattern)
        return (f"Region({len(self.vertices)} vertices, area={self.area:.4g}, "
                f"centroid=({self.centroid[0]:.3g}, {self.centroid[1]:.3g}), pattern={on or '-'})")


def _area(Q):
    """Signed area of a polygon given as a list of (x, y) (shoelace; > 0 when counter-clockwise)."""
    total, (px, py) = 0.0, Q[-1]
    for x, y in Q:
        total += px * y - x * py
        px, py = x, y
    return 0.5 * total


def _areas_centroids(polys):
    """Signed areas (R,) (> 0 counter-clockwise) and centroids (R, 2) of R polygons (K_r, 2),
    all at once (shoelace formulas over the concatenated vertices)."""
    K = np.array([len(poly) for poly in polys])
    first = np.concatenate([[0], np.cumsum(K)[:-1]])
    V = np.concatenate(polys)
    nxt = np.arange(1, len(V) + 1)
    nxt[first + K - 1] = first                          # the last vertex wraps to the first
    x, y = V[:, 0], V[:, 1]
    xn, yn = x[nxt], y[nxt]
    cross = x * yn - xn * y
    area = np.add.reduceat(cross, first) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        cen = np.stack([np.add.reduceat((x + xn) * cross, first),
                        np.add.reduceat((y + yn) * cross, first)], axis=1) / (6.0 * area[:, None])
    flat = np.abs(area) < 1e-300                        # degenerate: fall back to the vertex mean
    if flat.any():
        cen[flat] = (np.add.reduceat(V, first) / K[:, None])[flat]
    return area, cen


def _cut(Q, s):
    """Cut a convex polygon along a line: Q is a list of K vertices (x, y) in order, s the K
    values of the line's affine function at them (values within tolerance of 0 already set to 0:
    such a vertex is on the line and goes to both pieces — the robust way to handle a line
    through a vertex). Returns the pieces ``(side s >= 0, side s <= 0)``, with a new vertex where
    an edge crosses the line, or None if the signs around Q change more than twice (impossible
    for a convex polygon; only rounding could do it).
    """
    signs = [v > 0 for v in s if v != 0]
    if sum(signs[i] != signs[i - 1] for i in range(len(signs))) != 2:
        return None
    pos, neg = [], []
    K = len(Q)
    for i in range(K):
        v, w = s[i], s[i + 1 - K]
        p = Q[i]
        if v >= 0:
            pos.append(p)
        if v <= 0:
            neg.append(p)
        if v * w < 0:                                   # the edge p -> q crosses the line
            q, t = Q[i + 1 - K], v / (v - w)
            x = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
            pos.append(x)
            neg.append(x)
    return pos, neg


def _split(poly, A, c, tol, min_area):
    """Split the convex polygon ``poly`` (K, 2) by the lines ``A[j] · x + c[j] = 0``, j = 0..n-1.

    A (n, 2), c (n,): affine functions of x; tol (n,): a value within tol of 0 counts as 0.
    Returns a list of ``(piece (K', 2), on)`` with ``on`` (n,) bool = [A[j] · x + c[j] > 0
    inside the piece]. Lines that miss the polygon (all vertex values of one sign) are settled for the whole
    polygon at once with one matrix product; only the crossing ones cut, one after the other,
    every piece made so far. A cut that would leave a piece with area below ``min_area`` (a line
    grazing a vertex) is not made: the polygon goes whole to its larger side.
    """
    F = poly @ A.T + c                                     # (K, n) values at the vertices
    pos, neg = (F > tol).any(axis=0), (F < -tol).any(axis=0)
    on = pos & ~neg
    crossing = np.flatnonzero(pos & neg)
    if len(crossing) == 0:
        return [(poly, on)]
    pieces = [([tuple(v) for v in poly.tolist()], on)]
    for j, (a0, a1), cj, tj in zip(crossing.tolist(), A[crossing].tolist(), c[crossing].tolist(),
                                   tol[crossing].tolist(), strict=True):
        out = []
        for Q, bits in pieces:
            s = [a0 * x + a1 * y + cj for x, y in Q]
            s = [0.0 if -tj <= v <= tj else v for v in s]
            side = max(s) > 0                           # the side of the whole piece if uncut
            if side and min(s) < 0:
                cut = _cut(Q, s)
                if cut is None:                         # rounding noise: to the side of most of it
                    side = sum(s) > 0
                else:
                    ap, an = _area(cut[0]), _area(cut[1])
                    if min(ap, an) >= min_area:
                        bp, bn = bits.copy(), bits.copy()
                        bp[j], bn[j] = True, False
                        out += [(cut[0], bp), (cut[1], bn)]
                        continue
                    side = ap >= an                     # a sliver: whole to its larger side
            if side != bits[j]:
                bits = bits.copy()
                bits[j] = side
            out.append((Q, bits))
        pieces = out
    return [(np.array(Q), bits) for Q, bits in pieces]


def linear_regions(params, box):
    """The exact linear regions of a ReLU network with 2-D input inside a box.

    params: a network with W1 of shape (N1, 2), any depth and widths
    box: (xmin, xmax, ymin, ymax)
    Returns a list of :class:`Region` — polygons that tile the box (their areas sum to the box's),
    each with its activation pattern and its affine map ``o = x @ A.T + c``.

    Method, layer by layer: start from the box. Inside a region of the layers so far every unit
    of the next layer is an affine function of x (compose the affine maps with the region's
    on/off pattern applied: ``h_l = diag(on_l) (A_l x + c_l)``, ``z_{l+1} = W_{l+1} h_l + b_{l+1}``),
    so its ReLU switches along a straight line: cut the convex polygon along each unit's line.
    Lines touching a polygon only at a vertex (within 1e-12 of the scale of the values) do not
    cut it; pieces with an area below ``1e-18`` of the box's are not made (the polygon stays whole
    on its larger side), so rounding never leaves slivers.

    The output is the default affine one (``fprop(..., output_relu=False)``): the slides' output
    ReLU would split regions further along the lines ``o_k = 0``.

    A network without hidden layers is one region with ``A = W1``, ``c = b1``. The number of
    regions grows quickly with width and depth; the time grows with it (see
    benchmarks/regions_bench.py).
    """
    layers = _layers_2d(params, "linear_regions")
    xmin, xmax, ymin, ymax = _checks.box(box)
    box_area = (xmax - xmin) * (ymax - ymin)
    min_area = SLIVER * box_area
    scale = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    polys = [np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]])]
    # every region r so far: its polygon, the affine map of the last layer's output there as one
    # (units, 3) matrix T[r] = [M | m] with h = M x + m (h_0 = x), and the pattern so far
    T = np.eye(2, 3)[None]
    patterns = np.zeros((1, 0), dtype=bool)
    for W, b in layers[:-1]:
        Z = W @ T                                       # z = W h + b = A[r] x + c[r] in region r
        Z[:, :, 2] += b
        A, c = Z[:, :, :2], Z[:, :, 2]
        tol = TOUCH * (np.abs(A).sum(axis=2) * scale + np.abs(c)) + 1e-300
        polys_new, parent, ons = [], [], []
        for r, poly in enumerate(polys):
            for Q, on in _split(poly, A[r], c[r], tol[r], min_area):
                polys_new.append(Q)
                parent.append(r)
                ons.append(on)
        on = np.array(ons)
        T = Z[parent] * on[:, :, None]                  # h = max(0, z) = diag(on) z
        patterns = np.concatenate([patterns[parent], on], axis=1)
        polys = polys_new
    W, b = layers[-1]
    Z = W @ T
    Z[:, :, 2] += b
    A, c = Z[:, :, :2], Z[:, :, 2]
    area, cen = _areas_centroids(polys)
    regions = [Region(vertices=poly, pattern=patterns[r], A=A[r], c=c[r], area=float(area[r]),
                      centroid=cen[r]) for r, poly in enumerate(polys)]
    return regions


def collapse_linear(params):
    """The network with every ReLU removed, as one affine layer: ``{'W1': A, 'b1': c}``.

    Without the non-linearity the layers compose into one matrix:
    ``W_L(… W_2(W_1 x + b_1) + b_2 …) + b_L = A x + c`` with ``A = W_L ⋯ W_2 W_1`` (C, D) and
    ``c = W_L(⋯(W_2 b_1 + b_2)⋯) + b_L`` (C,). ``linear_regions`` of the result is one region.
    """
    L = n_layers(params)
    A = np.asarray(params["W1"], dtype=np.float64)
    c = np.asarray(params["b1"], dtype=np.float64)
    for l in range(2, L + 1):
        W = np.asarray(params[f"W{l}"], dtype=np.float64)
        A, c = W @ A, W @ c + params[f"b{l}"]
    return {"W1": A, "b1": c}
