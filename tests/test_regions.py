"""nnbasics.regions: grid maps, exact linear regions, and the theory they are compared with."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnbasics as nb
from nnbasics.region_counts import arrangement_count, depth_bounds, hanin_rolnick_typical, max_regions_plane
from nnbasics.regions import (
    activation_pattern,
    collapse_linear,
    grid_points,
    linear_regions,
    pattern_edges,
    region_map,
)

BOX = (-3.0, 3.0, -2.0, 2.5)
BOX_AREA = 6.0 * 4.5


def _net(W, b, C=1):
    """A one-hidden-layer network with the given first layer (the output layer is irrelevant)."""
    W, b = np.asarray(W, float), np.asarray(b, float)
    return {"W1": W, "b1": b, "W2": np.ones((C, len(b))), "b2": np.zeros(C)}


def _inside_points(region, rng, n=5):
    """The centroid and n random strict convex combinations of the region's vertices."""
    w = rng.dirichlet(np.ones(len(region.vertices)), size=n)
    return np.vstack([region.centroid, w @ region.vertices])


def _check_tiling(params, box, rng):
    """Areas sum to the box, polygons are convex and counter-clockwise, maps and patterns hold."""
    regions = linear_regions(params, box)
    xmin, xmax, ymin, ymax = box
    area = (xmax - xmin) * (ymax - ymin)
    assert math.isclose(sum(r.area for r in regions), area, rel_tol=1e-9)
    for r in regions:
        assert r.area > 0
        e = np.roll(r.vertices, -1, axis=0) - r.vertices
        turn = e[:, 0] * np.roll(e[:, 1], -1) - e[:, 1] * np.roll(e[:, 0], -1)
        assert turn.min() > -1e-9 * area                # convex, counter-clockwise
        x = _inside_points(r, rng)
        o, _ = nb.fprop(params, x)
        np.testing.assert_allclose(x @ r.A.T + r.c, o, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(activation_pattern(params, r.centroid), r.pattern)
    patterns = np.array([r.pattern for r in regions])
    assert len(np.unique(patterns, axis=0)) == len(regions)   # one region per pattern
    return regions


# ----------------------------------------------------------------------------- exact regions

@pytest.mark.parametrize("seed", range(30))
def test_one_layer_count_equals_line_arrangement(seed):
    width = 1 + seed % 12
    params = nb.init_params([2, width, 3], seed=seed)
    n = len(linear_regions(params, BOX))
    assert n == arrangement_count(params["W1"], params["b1"], BOX)
    assert n <= max_regions_plane(width)


@pytest.mark.parametrize("sizes", [[2, 16, 16, 3], [2, 8, 8, 8, 3], [2, 5, 5, 5, 5, 2], [2, 1, 3],
                                   [2, 3, 1, 4, 2], [2, 24, 3]])
def test_tiling_areas_maps_and_patterns(sizes):
    params = nb.init_params(sizes, seed=7)
    regions = _check_tiling(params, BOX, np.random.default_rng(0))
    assert len(regions) <= depth_bounds(sizes)["upper"]


@given(hidden=st.lists(st.integers(1, 7), min_size=1, max_size=3), seed=st.integers(0, 10_000),
       x0=st.floats(-5, 5), y0=st.floats(-5, 5), w=st.floats(0.05, 8), h=st.floats(0.05, 8))
def test_tiling_property(hidden, seed, x0, y0, w, h):
    params = nb.init_params([2, *hidden, 2], seed=seed)
    _check_tiling(params, (x0, x0 + w, y0, y0 + h), np.random.default_rng(seed))


def test_grid_never_finds_more_regions_than_exact():
    for seed, sizes in enumerate([[2, 16, 16, 3], [2, 12, 3], [2, 6, 6, 6, 3], [2, 32, 2]]):
        params = nb.init_params(sizes, seed=seed)
        exact = linear_regions(params, BOX)
        ids, n = region_map(params, BOX[:2], BOX[2:], 120)
        assert n <= len(exact)
        xs, ys = grid_points(BOX[:2], BOX[2:], 120)
        X, Y = np.meshgrid(xs, ys)
        seen = {p.tobytes() for p in activation_pattern(params, np.c_[X.ravel(), Y.ravel()])}
        assert len(seen) == n
        assert seen <= {r.pattern.tobytes() for r in exact}   # every grid pattern is an exact region


@pytest.mark.parametrize("name, W, b, expected", [
    ("three lines through one point", [[1, 0], [0, 1], [1, 1]], [0, 0, 0], 6),
    ("four lines through one point", [[1, 0], [0, 1], [1, 1], [1, -2]], [0, 0, 0, 0], 8),
    ("a line through two corners", [[1, -1]], [0], 2),
    ("a line touching a corner only", [[1, 1]], [-2], 1),
    ("a line along an edge", [[1, 0]], [-1], 1),
    ("the same line three times, scaled and flipped", [[1, 2], [2, 4], [-1, -2]], [0.3, 0.6, -0.3], 2),
    ("a unit with zero weights", [[0, 0], [1, 0]], [1, 0.2], 2),
    ("parallel lines", [[1, 0], [1, 0], [0, 1]], [0.1, -0.5, 0.2], 6),
    ("lines meeting on the boundary", [[1, -1], [1, 1]], [-1.5, -0.5], 3),
    ("a line outside the box", [[1, 0]], [5], 1),
])
def test_degenerate_arrangements(name, W, b, expected):
    box = (-1, 1, -1, 1)
    params = _net(W, b)
    assert arrangement_count(W, b, box) == expected, name
    assert len(_check_tiling(params, box, np.random.default_rng(1))) == expected, name


def test_no_hidden_layer_is_one_region():
    params = nb.init_params([2, 3], seed=0)
    (r,) = linear_regions(params, BOX)
    np.testing.assert_array_equal(r.A, params["W1"])
    np.testing.assert_array_equal(r.c, params["b1"])
    assert r.pattern.shape == (0,) and math.isclose(r.area, BOX_AREA)
    np.testing.assert_allclose(r.vertices, [[-3, -2], [3, -2], [3, 2.5], [-3, 2.5]])
    ids, n = region_map(params, BOX[:2], BOX[2:], 17)
    assert n == 1 and ids.shape == (17, 17) and not ids.any()


def test_removing_the_relu_collapses_to_one_region():
    params = nb.init_params([2, 16, 16, 3], seed=3)
    flat = collapse_linear(params)
    assert flat["W1"].shape == (3, 2) and flat["b1"].shape == (3,)
    np.testing.assert_allclose(flat["W1"], params["W3"] @ params["W2"] @ params["W1"])
    x = np.random.default_rng(0).normal(size=(5, 2))
    h = x
    for l in (1, 2, 3):                                 # the network with every ReLU switched off
        h = h @ params[f"W{l}"].T + params[f"b{l}"]
    np.testing.assert_allclose(x @ flat["W1"].T + flat["b1"], h, atol=1e-12)
    (r,) = linear_regions(flat, BOX)
    np.testing.assert_array_equal(r.A, flat["W1"])
    assert len(linear_regions(params, BOX)) > 1         # with the ReLUs there are many


def test_region_repr_is_short():
    r = linear_regions(nb.init_params([2, 3, 1], seed=0), BOX)[0]
    assert repr(r).startswith("Region(") and len(repr(r)) < 200


# ----------------------------------------------------------------------------- grid map

def test_region_map_orientation_and_known_corner_ids():
    # unit 1 is on for x > 0, unit 2 for y > 1: the four corners have four different patterns
    params = _net([[1, 0], [0, 1]], [0, -1])
    ids, n = region_map(params, (-2, 2), (-3, 3), (30, 20))
    assert ids.shape == (20, 30) and n == 4
    # ids follow the sorted packed patterns: (off, off) < (off, on) < (on, off) < (on, on)
    assert ids[0, 0] == 0       # row 0 is ylim[0]: (xmin, ymin), both off
    assert ids[-1, 0] == 1      # (xmin, ymax): only the y unit on
    assert ids[0, -1] == 2      # (xmax, ymin): only the x unit on
    assert ids[-1, -1] == 3     # (xmax, ymax): both on
    xs, ys = grid_points((-2, 2), (-3, 3), (30, 20))
    assert xs[0] > -2 and xs[-1] < 2 and np.allclose(np.diff(xs), 4 / 30)   # pixel centres
    assert (ids[ys > 1][:, xs > 0] == 3).all() and (ids[ys < 1][:, xs < 0] == 0).all()


@pytest.mark.parametrize("sizes", [[2, 16, 16, 3], [2, 40, 40, 2], [2, 70, 1], [2, 5, 5, 5, 5, 3]])
def test_region_map_matches_activation_patterns(sizes):
    """Same id <=> same pattern, also with more than 64 hidden units (several words a pattern)."""
    params = nb.init_params(sizes, seed=2)
    ids, n = region_map(params, (-3, 3), (-2, 2.5), (50, 37))
    xs, ys = grid_points((-3, 3), (-2, 2.5), (50, 37))
    X, Y = np.meshgrid(xs, ys)
    _, inv = np.unique(activation_pattern(params, np.c_[X.ravel(), Y.ravel()]), axis=0,
                       return_inverse=True)
    pairs = set(zip(ids.ravel().tolist(), inv.reshape(-1).tolist(), strict=True))
    assert len(pairs) == n == len(set(inv.reshape(-1).tolist()))
    assert sorted(np.unique(ids).tolist()) == list(range(n))


# ----------------------------------------------------------------------------- theory

def test_max_regions_plane():
    assert [max_regions_plane(n) for n in range(6)] == [1, 2, 4, 7, 11, 16]


@pytest.mark.parametrize("seed", range(5))
def test_arrangement_in_a_huge_box_reaches_the_plane_maximum(seed):
    n = 3 + seed
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(n, 2)), rng.normal(size=n)
    assert arrangement_count(W, b, (-1e4, 1e4, -1e4, 1e4)) == max_regions_plane(n)


def test_depth_bounds_known_values():
    one = depth_bounds([2, 5, 3])                       # one hidden layer: the arrangement bound
    assert one["lower"] == one["upper"] == max_regions_plane(5) == 16
    d = depth_bounds([2, 4, 4, 1])
    assert d["pascanu2013"] == 2 * 11 and d["montufar2014"] == 2 ** 2 * 11
    assert d["upper_product"] == d["serra2018"] == 11 * 11
    narrow = depth_bounds([2, 1, 4, 1])                 # a 1-unit layer: the rest sees a line
    assert narrow["serra2018"] == 6 and narrow["upper_product"] == 22 and narrow["lower"] == 1
    assert depth_bounds([2, 3]) == dict.fromkeys(d, 1)
    for sizes in ([2, 8, 8, 8, 3], [2, 16, 16, 3], [2, 3, 7, 2, 5, 1]):
        b = depth_bounds(sizes)
        assert b["pascanu2013"] <= b["montufar2014"] <= b["serra2018"] <= b["upper_product"]


def test_hanin_rolnick_is_quadratic_in_neurons_for_2d_input():
    assert hanin_rolnick_typical(10, area=2.0) == pytest.approx(10 ** 2 / 2 * 2.0)
    assert hanin_rolnick_typical(64) / hanin_rolnick_typical(32) == pytest.approx(4.0)
    assert hanin_rolnick_typical(10, n_in=3, const=2.0) == pytest.approx(2.0 * 1000 / 6)


# ----------------------------------------------------------------------------- bad input

P3 = nb.init_params([3, 4, 2], seed=0)
P2 = nb.init_params([2, 4, 2], seed=0)


@pytest.mark.parametrize("call, word", [
    (lambda: linear_regions(P3, BOX), "params"),
    (lambda: region_map(P3, (-1, 1), (-1, 1), 10), "params"),
    (lambda: linear_regions(P2, (1, 1, 0, 1)), "box"),
    (lambda: linear_regions(P2, (2, 1, 0, 1)), "box"),
    (lambda: linear_regions(P2, (0, 1, 0, -1)), "box"),
    (lambda: linear_regions(P2, (0, 1, 0)), "box"),
    (lambda: linear_regions(P2, (0, np.nan, 0, 1)), "box"),
    (lambda: linear_regions({**P2, "W1": P2["W1"] * np.nan}, BOX), "params['W1']"),
    (lambda: region_map(P2, (-1, 1), (-1, 1), 0), "resolution"),
    (lambda: region_map(P2, (-1, 1), (-1, 1), (10, 0)), "resolution[1]"),
    (lambda: region_map(P2, (-1, 1), (-1, 1), (10, 10, 10)), "resolution"),
    (lambda: region_map(P2, (1, -1), (-1, 1), 10), "xlim"),
    (lambda: region_map(P2, (-1, 1), (0, 0), 10), "ylim"),
    (lambda: region_map(P2, (-1, 1), (-1, 1), 10 ** 6), "resolution"),
    (lambda: arrangement_count(np.ones((3, 3)), np.ones(3), BOX), "W"),
    (lambda: arrangement_count(np.ones((3, 2)), np.ones(2), BOX), "b"),
    (lambda: arrangement_count(np.ones((3, 2)), np.ones(3), (0, 0, 0, 1)), "box"),
    (lambda: max_regions_plane(-1), "n"),
    (lambda: depth_bounds([2]), "sizes"),
    (lambda: depth_bounds([2, 0, 3]), "sizes[1]"),
    (lambda: hanin_rolnick_typical(-1), "n_neurons"),
    (lambda: hanin_rolnick_typical(10, area=0.0), "area"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, word):
    with pytest.raises(ValueError, match=word.replace("[", r"\[").replace("]", r"\]")):
        call()


@pytest.mark.parametrize("call, word", [
    (lambda: region_map(P2, (-1, 1), (-1, 1), 2.5), "resolution"),
    (lambda: linear_regions(P2, ("a", 1, 0, 1)), "box"),
    (lambda: max_regions_plane(2.0), "n"),
    (lambda: linear_regions([1, 2], BOX), "params"),
])
def test_wrong_types_raise_type_error_naming_the_argument(call, word):
    with pytest.raises(TypeError, match=word):
        call()


@pytest.mark.parametrize("gap, expected", [(0.0, 1), (1e-14, 1), (1e-6, 2), (1e-3, 2)])
def test_line_near_a_corner_is_counted_alike(gap, expected):
    """x + y = 2 - gap in the box [-1, 1]²: touches the corner (1, 1) or cuts a tiny triangle."""
    params = _net([[1, 1]], [-2 + gap])
    assert arrangement_count(params["W1"], params["b1"], (-1, 1, -1, 1)) == expected
    assert len(linear_regions(params, (-1, 1, -1, 1))) == expected


def test_a_line_through_two_corners_cuts_the_box_into_two_triangles():
    # the diagonal x1 = x2 of the unit square passes exactly through the corners (0, 0) and (1, 1):
    # each corner goes to both pieces, no sliver and no extra vertex is made
    regions = linear_regions(_net([[1.0, -1.0]], [0.0]), (0, 1, 0, 1))
    assert len(regions) == 2
    for r in regions:
        assert len(r.vertices) == 3 and math.isclose(r.area, 0.5)
    assert {tuple(r.pattern) for r in regions} == {(True,), (False,)}


def test_pattern_edges_mark_where_the_grid_pattern_changes():
    # one unit x1 > 0 on a 4 x 6 grid: the pattern changes between columns 2 and 3
    xs, ys = np.linspace(-1, 1, 6), np.linspace(-1, 1, 4)
    gx, gy = np.meshgrid(xs, ys)
    params = _net([[1.0, 0.0]], [0.0])
    pats = activation_pattern(params, np.column_stack([gx.ravel(), gy.ravel()])).reshape(4, 6, -1)
    edge = pattern_edges(pats)
    assert edge.shape == (4, 6)
    np.testing.assert_array_equal(edge, np.tile([False, False, False, True, False, False], (4, 1)))
    with pytest.raises(ValueError, match=r"patterns must be \(ny, nx, H\)"):
        pattern_edges(pats[0])
