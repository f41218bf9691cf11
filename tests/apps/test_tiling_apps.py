"""Kinks1DApp and ReluTilingApp (notebook 02): what is drawn is the network's tiling, and the counts
shown are those of nnbasics.regions."""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.apps import Kinks1DApp, ReluTilingApp
from nnbasics.apps.tiling import BOX
from nnbasics.region_counts import arrangement_count, depth_bounds
from nnbasics.regions import collapse_linear, linear_regions, region_map


@pytest.fixture
def kinks(make_app):
    return make_app(Kinks1DApp)


@pytest.fixture
def tiling(make_app):
    return make_app(ReluTilingApp)


# -- Kinks1DApp -------------------------------------------------------------------------------------
def test_kinks_f_is_the_network_and_kinks_are_minus_b_over_w(kinks):
    kinks.set_state(width=5, seed=2, unit=3, w=1.5, b=-0.6)
    p = kinks.params()
    assert p["W1"][2, 0] == 1.5 and p["b1"][2] == -0.6
    o, _ = nb.fprop(p, kinks.xs[:, None])
    np.testing.assert_allclose(kinks.f_line.get_ydata(), o[:, 0])
    k = -p["b1"] / p["W1"][:, 0]
    inside = np.sort(k[(k > -3) & (k < 3)])
    np.testing.assert_allclose(np.sort(kinks.kink_marks.get_xdata()), inside)
    assert kinks.n_pieces == len(inside) + 1
    assert str(kinks.n_pieces) in kinks.count_text.get_text()
    # f is linear between kinks: its second difference vanishes away from them
    f, x = kinks.f_line.get_ydata(), kinks.xs
    d2 = np.abs(np.diff(f, 2))
    near = np.min(np.abs(x[1:-1, None] - inside[None, :]), axis=1) < 2 * (x[1] - x[0])
    assert np.all(d2[~near] < 1e-9)
    # one band per linear piece in the background
    assert len(kinks.strip.get_paths()) == kinks.n_pieces


def test_kinks_unit_sliders_follow_the_chosen_unit(kinks):
    kinks.unit.value = 2
    p0 = nb.init_params([1, kinks.width.value, 1], seed=kinks.seed.value)
    # the unit's initial weights, on the slider's step of 0.05
    assert kinks.w.value == pytest.approx(p0["W1"][1, 0], abs=0.025)
    assert kinks.b.value == pytest.approx(p0["b1"][1], abs=0.025)
    assert round(kinks.w.value / 0.05, 9) % 1 == 0
    kinks.width.value = 1
    assert kinks.unit.value == 1 and kinks.unit.max == 1
    assert kinks.last_error is None


# -- ReluTilingApp -----------------------------------------------------------------------------------
def _check_counts(app):
    net = app.network()
    regions = linear_regions(net, BOX)
    _, n_grid = region_map(net, BOX[:2], BOX[2:], app.RESOLUTION)
    c = app.counts
    assert c["exact"] == len(regions)
    assert c["grid"] == n_grid <= c["exact"]
    assert c["first_layer"] == arrangement_count(app.params()["W1"], app.params()["b1"], BOX)
    shown = app.count_text.get_text()
    assert f"exact {c['exact']}" in shown and f"grid {c['grid']}" in shown
    assert len(app.tiling.fill.get_paths()) == c["exact"]
    return c


def test_tiling_counts_are_those_of_nnbasics_regions(tiling):
    c = _check_counts(tiling)
    assert c["theory"] == depth_bounds(tiling.sizes())["upper"] >= c["exact"]
    assert f"{c['theory']:,}" in tiling.count_text.get_text()


@pytest.mark.parametrize("seed", range(6))
def test_tiling_one_layer_exact_equals_the_arrangement_count(tiling, seed):
    tiling.set_state(depth=1, width=7, seed=seed)
    c = _check_counts(tiling)
    assert c["exact"] == c["theory"] == c["first_layer"]
    assert c["exact"] <= c["plane_max"] == 1 + 7 + 7 * 6 // 2


def test_tiling_without_relu_is_one_region_of_one_matrix(tiling):
    tiling.set_state(relu=False, width=9, depth=3)
    c = _check_counts(tiling)
    assert c["exact"] == c["grid"] == c["theory"] == 1
    A = collapse_linear(tiling.params())
    x = np.random.default_rng(0).uniform(-2, 2, (50, 2))
    lin = dict(tiling.params())
    h = x
    for l in range(1, 5):                      # the same layers with the ReLU taken out
        h = h @ lin[f"W{l}"].T + lin[f"b{l}"]
    np.testing.assert_allclose(x @ A["W1"].T + A["b1"], h, atol=1e-12)
    # the level sets of a linear function are parallel: one direction for every segment
    paths = tiling.tiling.levels_lc.get_paths()
    d = np.concatenate([np.diff(p.vertices.reshape(-1, 2, 2), axis=1)[:, 0] for p in paths])
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    assert np.all(np.abs(np.abs(d @ d[0]) - 1) < 1e-9)


def test_tiling_level_sets_are_level_sets_of_fprop(tiling):
    tiling.set_state(width=8, depth=2, seed=4)
    p = tiling.params()
    levels = tiling.tiling.levels
    for path, t in zip(tiling.tiling.levels_lc.get_paths(), levels, strict=False):
        o, _ = nb.fprop(p, path.vertices)
        np.testing.assert_allclose(o[:, 0], t, atol=1e-9)


def test_tiling_unit_sliders_move_the_first_layer_unit(tiling):
    tiling.set_state(unit=3, w1=0.8, w2=-1.2, b=0.4)
    p = tiling.params()
    np.testing.assert_array_equal(p["W1"][2], [0.8, -1.2])
    assert p["b1"][2] == 0.4
    xs, ys = tiling.unit_line.get_data()
    np.testing.assert_allclose(0.8 * np.asarray(xs) - 1.2 * np.asarray(ys) + 0.4, 0, atol=1e-9)
    # choosing another unit shows that unit's own initial weights
    tiling.unit.value = 1
    p0 = nb.init_params(tiling.sizes(), seed=tiling.seed.value)
    assert (tiling.w1.value, tiling.w2.value, tiling.b.value) == pytest.approx(
        (p0["W1"][0, 0], p0["W1"][0, 1], p0["b1"][0]), abs=0.025)
    _check_counts(tiling)


@pytest.mark.parametrize("name", ["width", "depth", "seed", "unit", "w1", "w2", "b", "relu"])
def test_tiling_every_control_swept(tiling, sweep, name):
    if name == "unit":
        tiling.width.value = 10
    seen = set()
    for _ in sweep(tiling, name, n=7):
        c = _check_counts(tiling)
        edges = tiling.tiling.edges_lc.get_paths()[0].vertices
        unit_line = np.asarray(tiling.unit_line.get_xydata()).round(9).tobytes()
        seen.add((c["exact"], round(float(edges.sum()), 6), unit_line))
    assert len(seen) > 1, f"moving {name} never changed the tiling"
