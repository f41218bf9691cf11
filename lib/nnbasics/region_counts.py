"""How many linear regions? The counts to compare a ReLU network's tiling with (numpy only).

- :func:`arrangement_count`: exactly how many regions one layer of lines cuts a box into (the
  exact count of a one-hidden-layer network with 2-D input);
- :func:`max_regions_plane`: the most regions n lines can make in the whole plane;
- :func:`depth_bounds`: published bounds on the maximum for a deep architecture (Pascanu et al.
  2013, Montúfar et al. 2014, Serra et al. 2018);
- :func:`hanin_rolnick_typical`: the order of growth of the expected count at initialisation
  (Hanin & Rolnick 2019), far below the maximum.

The exact regions themselves are in :mod:`nnbasics.regions`.
"""
import math

import numpy as np

from . import _checks

__all__ = ["arrangement_count", "max_regions_plane", "depth_bounds", "hanin_rolnick_typical"]


def arrangement_count(W, b, box):
    """Number of regions into which the lines ``W[j] · x + b[j] = 0`` cut the box.

    W: (n, 2)   b: (n,)   box: (xmin, xmax, ymin, ymax)   ->   int

    This is the exact region count of a one-hidden-layer ReLU network with these first-layer
    weights (every cell of the line arrangement has its own on/off pattern). Adding the lines
    one at a time, each new line adds one region plus one per distinct point where it meets
    earlier lines inside the box, so

        count = 1 + (lines crossing the box's interior) + Σ_p (m_p − 1)

    over the distinct crossing points p strictly inside the box, m_p the number of lines through
    p. For lines in general position (no two parallel, no three through one point) every m_p = 2
    and this is the textbook ``1 + lines + crossings``. Degenerate cases are handled up to a
    relative tolerance of 1e-9: units with the same line (W, b scaled by any non-zero factor,
    either sign) count once; a unit with W[j] = 0 has no line; lines that only touch the box
    (at a corner or along an edge) and crossings on the box's boundary do not count.
    """
    xmin, xmax, ymin, ymax = _checks.box(box)
    W = _checks.as_float_array(W, "W").astype(np.float64)
    b = _checks.as_float_array(b, "b").astype(np.float64)
    if W.ndim != 2 or W.shape[1] != 2:
        raise ValueError(f"W must be (n, 2), one row per line w·x + b = 0; got shape {W.shape}")
    if b.shape != (W.shape[0],):
        raise ValueError(f"b has shape {b.shape}; expected ({W.shape[0]},) to match W of shape {W.shape}")
    size = max(xmax - xmin, ymax - ymin)
    tol = 1e-9 * max(size, abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    norm = np.hypot(W[:, 0], W[:, 1])
    keep = norm > 1e-12 * max(1.0, float(norm.max(initial=0.0)))
    w, c = W[keep] / norm[keep, None], b[keep] / norm[keep]
    flip = np.where(np.abs(w[:, 0]) > 1e-12, np.sign(w[:, 0]), np.sign(w[:, 1]))
    w, c = w * flip[:, None], c * flip                       # one canonical (w, c) per line
    corners = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax]])
    v = corners @ w.T + c                                   # signed distances of the corners
    crossing = (v.min(axis=0) < -tol) & (v.max(axis=0) > tol)
    w, c = w[crossing], c[crossing]
    distinct = []
    for j in range(len(w)):
        if not any(np.abs(w[j] - w[k]).max() < 1e-9 and abs(c[j] - c[k]) < tol for k in distinct):
            distinct.append(j)
    w, c = w[distinct], c[distinct]
    n = len(w)
    i, j = np.triu_indices(n, k=1)
    det = w[i, 0] * w[j, 1] - w[i, 1] * w[j, 0]
    ok = np.abs(det) > 1e-12                                # parallel lines never meet
    i, j, det = i[ok], j[ok], det[ok]
    px = (-c[i] * w[j, 1] + c[j] * w[i, 1]) / det
    py = (-w[i, 0] * c[j] + w[j, 0] * c[i]) / det
    inside = (px > xmin + tol) & (px < xmax - tol) & (py > ymin + tol) & (py < ymax - tol)
    i, j, px, py = i[inside], j[inside], px[inside], py[inside]
    # group crossings at the same point (several lines through it)
    order = np.argsort(px, kind="stable")
    parent = list(range(len(order)))

    def root(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a in range(len(order)):
        for bb in range(a + 1, len(order)):
            p, q = order[a], order[bb]
            if px[q] - px[p] >= tol:
                break
            if abs(py[q] - py[p]) < tol:
                parent[root(a)] = root(bb)
    lines_at = {}
    for a in range(len(order)):
        k = order[a]
        lines_at.setdefault(root(a), set()).update((int(i[k]), int(j[k])))
    return 1 + n + sum(len(s) - 1 for s in lines_at.values())


def max_regions_plane(n):
    """Most regions n lines can cut the whole plane into: ``1 + n + n(n−1)/2`` (general position).

    = Σ_{j=0}^{2} C(n, j), Zaslavsky's count for an arrangement of n lines in general position;
    the most regions a one-hidden-layer ReLU network with n units and 2-D input can have.
    """
    n = _checks.whole(n, "n", lo=0)
    return 1 + n + n * (n - 1) // 2


def _hidden_widths(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError(f"sizes must list layer widths [n0, n1, …, nL, C] as for init_params, got {sizes!r}")
    return [_checks.whole(s, f"sizes[{i}]", lo=1) for i, s in enumerate(sizes)]


def depth_bounds(sizes):
    """Published bounds on the MAXIMUM number of linear regions of a ReLU architecture.

    sizes: ``[n0, n1, …, nL, C]`` as for ``init_params`` — input dimension n0, hidden widths
    n1…nL, output width C (the affine output adds no regions, so C does not enter). Returns a
    dict of ints, each a bound over the whole input space R^{n0} (not a box):

    ``'pascanu2013'``   lower bound, Pascanu, Montúfar & Bengio, "On the number of response
                        regions of deep feed forward networks with piece-wise linear
                        activations" (2013; ICLR 2014): (∏_{l<L} ⌊n_l/n0⌋) · Σ_{j=0}^{n0} C(n_L, j)
    ``'montufar2014'``  lower bound, Montúfar, Pascanu, Cho & Bengio, "On the number of linear
                        regions of deep neural networks" (NeurIPS 2014, Thm 4 and Cor. 5):
                        (∏_{l<L} ⌊n_l/n0⌋^{n0}) · Σ_{j=0}^{n0} C(n_L, j)
    ``'upper_product'`` upper bound, each layer at most multiplying the count by the regions of
                        its hyperplane arrangement in an n0-dimensional space (Montúfar 2017,
                        "Notes on the number of linear regions of deep neural networks"; Raghu
                        et al. 2017): ∏_{l=1}^{L} Σ_{j=0}^{min(n0, n_l)} C(n_l, j)
    ``'serra2018'``     the tighter upper bound of Serra, Tjandraatmadja & Ramalingam, "Bounding
                        and counting linear regions of deep neural networks" (ICML 2018, Thm 1):
                        Σ_{(j_1..j_L) ∈ J} ∏_l C(n_l, j_l), J = {0 ≤ j_l ≤ min(n0, n_1 − j_1, …,
                        n_{l−1} − j_{l−1}, n_l)} (a narrow layer limits what later layers can add)
    ``'lower'``, ``'upper'``  the best of the above: montufar2014 and serra2018.

    The lower bounds are constructions (some weights reach that many regions) that need every
    hidden n_l ≥ n0; when a layer is narrower they are reported as 1 (trivially true). A
    network without hidden layers has exactly 1 region. Random networks have far fewer regions
    than the maximum: see :func:`hanin_rolnick_typical`.
    """
    widths = _hidden_widths(sizes)
    n0, hidden = widths[0], widths[1:-1]
    if not hidden:
        return dict(pascanu2013=1, montufar2014=1, upper_product=1, serra2018=1, lower=1, upper=1)
    last = sum(math.comb(hidden[-1], j) for j in range(n0 + 1))
    if all(n >= n0 for n in hidden):
        pascanu = math.prod(n // n0 for n in hidden[:-1]) * last
        montufar = math.prod((n // n0) ** n0 for n in hidden[:-1]) * last
    else:
        pascanu = montufar = 1
    product = math.prod(sum(math.comb(n, j) for j in range(min(n0, n) + 1)) for n in hidden)
    # Serra et al.: dynamic programme over d = min(n0, n_1 − j_1, …), the dimension still available
    ways = {n0: 1}
    for n in hidden:
        nxt = {}
        for d, count in ways.items():
            for j in range(min(d, n) + 1):
                key = min(d, n - j)
                nxt[key] = nxt.get(key, 0) + count * math.comb(n, j)
        ways = nxt
    serra = sum(ways.values())
    return dict(pascanu2013=pascanu, montufar2014=montufar, upper_product=product, serra2018=serra,
                lower=max(pascanu, montufar), upper=min(product, serra))


def hanin_rolnick_typical(n_neurons, area=1.0, n_in=2, const=1.0):
    """Order-of-growth estimate of the number of regions of a RANDOMLY INITIALISED ReLU network.

    n_neurons: total number of hidden ReLUs N (all layers)   area: volume of the input region
    (for 2-D input, the box's area)   ->   ``const · N^{n_in} / n_in! · area``   (a float)

    Hanin & Rolnick, "Deep ReLU networks have surprisingly few activation patterns" (NeurIPS
    2019), prove that at initialisation (weights and biases drawn with bounded densities, as in
    the usual schemes) the expected number of activation regions meeting a cube K, per unit
    volume, is at most of the form ``(T · N)^{n_in} / n_in!``, with T a constant set by the
    weight and bias distributions (their C_grad, C_bias) — growing like the number of neurons to
    the input dimension and, unlike the maximum (:func:`depth_bounds`), not exponentially with
    depth; they observe it is close to tight, also during training. (Their ICML 2019 paper,
    "Complexity of linear regions in deep networks", shows the 1-D version: regions along a line
    grow linearly in N.)

    This function is only that order of growth: ``const`` stands for T^{n_in} and is NOT derived
    here — the default 1 is arbitrary. Fit it to one measured count (``const = count /
    hanin_rolnick_typical(N, area)``) and compare the growth in N and the (lack of) growth in
    depth at fixed N. Boundary effects of a small box (regions cut by its edges) are ignored.
    """
    N = _checks.whole(n_neurons, "n_neurons", lo=0)
    n_in = _checks.whole(n_in, "n_in", lo=1)
    area = _checks.positive(area, "area")
    const = _checks.positive(const, "const")
    return const * N ** n_in / math.factorial(n_in) * area
