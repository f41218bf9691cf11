"""nnbasics.plots: the pictures are drawn from the right numbers and update in place."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

import nnbasics as nb  # noqa: E402
from nnbasics import plots  # noqa: E402
from nnbasics.apps.probe import figure_digest as _digest  # noqa: E402
from nnbasics.regions import linear_regions  # noqa: E402

BOX = (-3.0, 3.0, -2.0, 2.5)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


# -- NetworkDiagram -------------------------------------------------------------------------------
def test_diagram_draws_every_weight_with_width_by_size_and_colour_by_sign(ax):
    sizes = [2, 4, 3, 3]
    params = nb.init_params(sizes, seed=3)
    d = plots.NetworkDiagram(ax, sizes, probs=True, edge_ref=2.0, max_width=6.0)
    d.update(params)
    w = np.concatenate([params[f"W{l}"].ravel() for l in (1, 2, 3)])
    widths = d.edge_widths()
    assert len(widths) == 2 * 4 + 4 * 3 + 3 * 3 == len(w)
    np.testing.assert_allclose(widths, 0.15 + 6.0 * np.minimum(np.abs(w) / 2.0, 1.0))
    colours = d.edges.get_colors()
    pos, neg = np.array(to_rgba(plots.POSITIVE))[:3], np.array(to_rgba(plots.NEGATIVE))[:3]
    np.testing.assert_allclose(colours[w >= 0, :3], np.tile(pos, ((w >= 0).sum(), 1)))
    np.testing.assert_allclose(colours[w < 0, :3], np.tile(neg, ((w < 0).sum(), 1)))


def test_diagram_nodes_and_numbers_follow_fprop(ax):
    sizes = [2, 4, 4, 3]
    params = nb.init_params(sizes, seed=0)
    d = plots.NetworkDiagram(ax, sizes, probs=True)
    x = np.array([0.5, -1.0])
    o, cache = nb.fprop(params, x)
    d.update(params, acts=cache)
    values = np.concatenate([x, cache["h1"], cache["h2"], o, nb.softmax(o)])
    shown = [float(t.get_text()) for t in d.value_texts]
    np.testing.assert_allclose(shown, values, atol=0.006)
    c = d.node_colours()
    assert c.shape == (2 + 4 + 4 + 3 + 3,) and np.all((c >= 0) & (c <= 1))
    # a ReLU that is off is the darkest node of its layer
    h1 = cache["h1"]
    if (h1 == 0).any():
        assert np.all(c[2:6][h1 == 0] == 0)
    # p uses the fixed scale [0, 1]
    np.testing.assert_allclose(c[-3:], nb.softmax(o))


def test_diagram_updates_in_place_and_accepts_gradients(ax):
    sizes = [2, 3, 2]
    params = nb.init_params(sizes, seed=1)
    d = plots.NetworkDiagram(ax, sizes)
    children = list(ax.get_children())
    _, cache = nb.fprop(params, np.array([1.0, 2.0]))
    d.update(params, acts=cache)
    grads = {"W1": np.ones((3, 2)), "W2": -np.ones((2, 3))}
    d.update(params, edge_values=grads, node_values=[np.zeros(2), np.array([0.0, 1.0, 2.0]), np.ones(2)])
    assert list(ax.get_children()) == children, "update must not create artists"
    assert np.allclose(d.node_colours()[2:5], [0, 0.5, 1.0])
    assert np.allclose(d.edges.get_colors()[6:, :3], np.array(to_rgba(plots.NEGATIVE))[:3])
    with pytest.raises(ValueError, match="W1"):
        d.update({"W1": np.ones((2, 2)), "W2": np.ones((2, 3))})
    with pytest.raises(ValueError, match="columns"):
        d.update(params, node_values=[np.zeros(2)])


def test_layer_labels_are_the_slides():
    assert plots.layer_labels(3, probs=True) == ["x", "h^1", "h^2", "o", "p(c|x)"]


# -- level sets, edges, region colours --------------------------------------------------------------
def test_level_segments_lie_on_the_level_sets_of_the_network():
    params = nb.init_params([2, 6, 5, 1], seed=2)
    regions = linear_regions(params, BOX)
    polys = [r.vertices for r in regions]
    maps = [(r.A[0], r.c[0]) for r in regions]
    levels = np.linspace(-1, 1, 7)
    segs, which = plots.level_segments(polys, maps, levels)
    assert len(segs) > 0
    ends = segs.reshape(-1, 2)
    o, _ = nb.fprop(params, ends)
    np.testing.assert_allclose(o[:, 0], np.repeat(levels[which], 2), atol=1e-9)
    # the array form of the maps gives the same pieces
    a = np.array([m[0] for m in maps])
    c = np.array([m[1] for m in maps])
    segs2, which2 = plots.level_segments(polys, (a, c), levels)
    np.testing.assert_allclose(segs2, segs)
    assert np.array_equal(which, which2)


def test_level_segments_of_one_affine_region_are_straight_lines_across_it():
    square = [np.array([[0.0, 0], [1, 0], [1, 1], [0, 1]])]
    segs, which = plots.level_segments(square, [(np.array([1.0, 0.0]), 0.0)], [0.25, 0.5])
    assert segs.shape == (2, 2, 2)
    np.testing.assert_allclose(np.sort(segs[:, :, 0], axis=1), [[0.25, 0.25], [0.5, 0.5]])
    assert plots.level_segments([], [], [0.0])[0].shape == (0, 2, 2)


def test_region_plot_draws_one_segment_per_polygon_side(ax):
    params = nb.init_params([2, 5, 1], seed=0)
    regions = linear_regions(params, BOX)
    tiling = plots.RegionPlot(ax, BOX[:2], BOX[2:], fill="polygons").update(params, regions=regions)
    (path,) = tiling.edges_lc.get_paths()                  # one compound path: move-to, line-to per side
    assert len(path.vertices) == 2 * sum(len(r.vertices) for r in regions)
    assert len(plots.segments_path(np.zeros((3, 2, 2))).vertices) == 6


def test_pattern_colours_depend_only_on_the_pattern():
    pats = np.array([[1, 0, 1], [0, 0, 0], [1, 0, 1], [1, 1, 1]], dtype=bool)
    c = plots.pattern_colours(pats)
    assert c.shape == (4, 4)
    np.testing.assert_array_equal(c[0], c[2])
    np.testing.assert_array_equal(plots.pattern_colours(pats[::-1]), c[::-1])
    assert np.all(c[:, 3] == 1)


@pytest.mark.parametrize("fill", ["image", "polygons"])
def test_region_plot_draws_regions_edges_and_levels(ax, fill):
    params = nb.init_params([2, 6, 6, 1], seed=1)
    rp = plots.RegionPlot(ax, BOX[:2], BOX[2:], resolution=60, fill=fill)
    children = list(ax.get_children())
    regions = linear_regions(params, BOX)
    rp.update(params, regions=regions)
    assert list(ax.get_children()) == children
    n_edges = sum(len(r.vertices) for r in regions)
    assert len(rp.edges_lc.get_paths()[0].vertices) == 2 * n_edges
    assert 0 < len(rp.levels) <= rp.n_levels
    assert len(rp.levels_lc.get_paths()) == len(rp.levels)
    if fill == "polygons":
        assert len(rp.fill.get_paths()) == len(regions)
        want = plots.pattern_colours(np.array([r.pattern for r in regions]))
        np.testing.assert_allclose(rp.fill.get_facecolor(), want)
    else:
        img = np.asarray(rp.image.get_array())
        assert img.shape == (60, 60, 4) and np.all(np.isfinite(img))
        # the colour of a pixel is the colour of its activation pattern
        k = 1234
        pat = nb.activation_pattern(params, rp.grid[k])
        np.testing.assert_allclose(img.reshape(-1, 4)[k], plots.pattern_colours(pat[None])[0])


def test_region_plot_polygons_needs_regions(ax):
    rp = plots.RegionPlot(ax, fill="polygons")
    with pytest.raises(ValueError, match="linear_regions"):
        rp.update(nb.init_params([2, 3, 1]))
    with pytest.raises(ValueError, match="fill"):
        plots.RegionPlot(ax, fill="pixels")


# -- probability bars ---------------------------------------------------------------------------------
def test_prob_bars_heights_and_true_class(ax):
    bars = plots.ProbBars(ax, 3)
    p = np.array([0.2, 0.5, 0.3])
    bars.update(p, y=2)
    np.testing.assert_allclose(bars.heights(), p)
    assert bars.bars[2].get_hatch() == "//" and bars.bars[0].get_hatch() in ("", None)
    assert [t.get_text() for t in bars.texts] == ["0.200", "0.500", "0.300"]
    with pytest.raises(ValueError, match="3 classes"):
        bars.update([0.5, 0.5])


# -- FrozenBackground ---------------------------------------------------------------------------------
def _figure_with_line(frozen):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("a title with some text")
    line, = ax.plot([0, 1], [0, 1], zorder=10)
    f = plots.FrozenBackground(fig, [line]) if frozen else None
    return fig, ax, line, f


def test_frozen_background_draws_the_same_pixels_as_a_full_draw():
    fig_a, ax_a, line_a, frozen = _figure_with_line(True)
    fig_b, ax_b, line_b, _ = _figure_with_line(False)
    try:
        for y in ([0, 1], [1, 0], [0.5, 0.2]):
            line_a.set_ydata(y)
            line_b.set_ydata(y)
            assert _digest(fig_a) == _digest(fig_b)
        assert frozen.full_draws == 1, "moving only the dynamic line never redraws the background"
        # a change of the frozen parts under a key: drawn once, then reused
        for lim in (2, 3, 2, 3):
            ax_a.set_ylim(0, lim)
            ax_b.set_ylim(0, lim)
            frozen.set_key(lim)
            assert _digest(fig_a) == _digest(fig_b)
        assert frozen.full_draws == 3
        frozen.invalidate()
        _digest(fig_a)
        assert frozen.full_draws == 4
        # vector output draws as usual
        import io

        fig_a.savefig(io.BytesIO(), format="pdf")
    finally:
        plt.close(fig_a)
        plt.close(fig_b)
