"""nnbasics.plots.record: what the browser is sent is what Agg would draw.

Every op is replayed here with matplotlib's own Agg renderer, following the protocol the browser
follows (nnbasics/apps/figure_view.js), and the picture is compared with a plain Agg draw of the
same figure: for every app of the suite (frozen parts and moving artists), and for the artist
kinds one by one.
"""
import json
from io import BytesIO

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.path import Path
from matplotlib.transforms import Affine2D, Bbox, IdentityTransform
from PIL import Image

from nnbasics.apps import ALL_APPS
from nnbasics.plots.record import record, record_figure

DT = {"i2": np.int16, "f4": np.float32, "u1": np.uint8, "u2": np.uint16, "u4": np.uint32}


def _array(data, ref):
    off, dt, shape = ref
    n = int(np.prod(shape))
    return np.frombuffer(data, dtype=DT[dt], count=n, offset=off).reshape(shape)


def _gc(r, op, dpi, stroke=None, lw=0.0):
    gc = r.new_gc()
    gc.set_snap(False)                                      # a canvas does not snap paths to pixels
    if op.get("clip"):
        x0, y0, x1, y1 = op["clip"]
        gc.set_clip_rectangle(Bbox([[x0, y0], [x1, y1]]))
    if op.get("dash"):
        off, seq = op["dash"]
        gc.set_dashes(off * 72 / dpi, [d * 72 / dpi for d in seq])
    gc.set_capstyle({"square": "projecting"}.get(op.get("cap", "butt"), op.get("cap", "butt")))
    gc.set_joinstyle(op.get("join", "miter"))
    if op.get("hatch"):
        gc.set_hatch(op["hatch"]["pattern"])
        gc.set_hatch_color(np.array(op["hatch"]["color"]) / 255)
    if stroke is not None and stroke[3] and lw > 0:
        gc.set_foreground(np.asarray(stroke) / 255, isRGBA=True)
        gc.set_linewidth(lw * 72 / dpi)
    else:
        gc.set_linewidth(0)
    return gc


def _face(c):
    return None if c is None or c[3] == 0 else tuple(np.asarray(c) / 255)


def replay(ops, glyph_tables, width, height, dpi, renderer=None):
    """Draw recorded ops with Agg, as figure_view.js draws them on a canvas; an (H, W, 4) array."""
    r = renderer or RendererAgg(width, height, dpi)
    glyphs = {}
    for table, data in glyph_tables:
        for n, g in table.items():
            glyphs[int(n)] = Path(_array(data, g["v"]), _array(data, g["c"]))
    for op, data in ops:
        a = {k: _array(data, v) for k, v in op.items() if isinstance(v, list) and len(v) == 3
             and isinstance(v[2], list) and k not in ("clip", "t", "dash")}
        kind = op["op"]
        if kind == "paths":
            v, c, s = a["v"] / op["qv"], a["c"], a["s"]
            for i in range(op["n"]):
                stroke = None if op["e"] is None else a["e"][i]
                fill = None if op["f"] is None else a["f"][i]
                gc = _gc(r, op, dpi, stroke, float(a["w"][i]))
                r.draw_path(gc, Path(v[s[i]:s[i + 1]], c[s[i]:s[i + 1]]), IdentityTransform(), _face(fill))
        elif kind == "markers":
            ms, p = a["ms"], a["p"] / op["qp"]
            for i in range(len(p)):
                k = a["mi"][i] if "mi" in a else 0
                marker = Path(a["mv"][ms[k]:ms[k + 1]], a["mc"][ms[k]:ms[k + 1]])
                stroke = None if op["e"] is None else a["e"][i]
                fill = None if op["f"] is None else a["f"][i]
                gc = _gc(r, op, dpi, stroke, float(a["w"][i]))
                r.draw_path(gc, marker, Affine2D().translate(*p[i]), _face(fill))
        elif kind == "text":
            gc = _gc(r, op, dpi)
            for g, (x, y, sc, ang) in zip(a["g"], a["gt"], strict=True):
                r.draw_path(gc, glyphs[int(g)], Affine2D().scale(sc).rotate(ang).translate(x, y),
                            tuple(np.asarray(op["f"]) / 255))
            if "rv" in a:
                r.draw_path(gc, Path(a["rv"], a["rc"]), IdentityTransform(), tuple(np.asarray(op["f"]) / 255))
        elif kind == "image":
            if "png" in a:
                im = np.asarray(Image.open(BytesIO(a["png"].tobytes())).convert("RGBA"))
            else:
                im = a["rgba"]
            gc = _gc(r, op, dpi)
            gc.set_alpha(op["alpha"])
            a_, b_, c_, d_, e_, f_ = op["t"]
            assert abs(b_) < 1e-6 and abs(c_) < 1e-6, "the suite's images are axis-aligned"
            x0, x1 = sorted([e_, e_ + a_])
            y0, y1 = sorted([f_, f_ + d_])
            size = (max(1, round(x1) - round(x0)), max(1, round(y1) - round(y0)))
            # the browser scales the image over its rectangle, smoothing or not
            scaled = np.asarray(Image.fromarray(np.ascontiguousarray(im)).resize(
                size, Image.BILINEAR if op["smooth"] else Image.NEAREST))
            if d_ < 0:
                scaled = scaled[::-1]                     # Agg puts row 0 at the bottom, as v = 0
            if a_ < 0:
                scaled = scaled[:, ::-1]
            r.draw_image(gc, round(x0), round(y0), np.array(scaled, dtype=np.uint8, copy=True))
    return np.asarray(r.buffer_rgba()).copy()


def _agg(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def _blur(a):
    """A 3 × 3 box blur of the RGB channels: sub-pixel differences (Agg snaps lines to pixel
    centres, a canvas does not; antialiasing) fade, a missing or misplaced shape does not."""
    a = np.pad(a[..., :3].astype(float), ((1, 1), (1, 1), (0, 0)), mode="edge")
    return sum(a[i:i + a.shape[0] - 2, j:j + a.shape[1] - 2] for i in range(3) for j in range(3)) / 9


def _compare(a, b):
    """After a 3 × 3 blur of both: (mean |a − b| over RGB in 0..255, fraction of pixels off by more
    than 48 in some channel, the largest mean difference of the 64 tiles of an 8 × 8 grid)."""
    d = np.abs(_blur(a) - _blur(b))
    m = d.mean(axis=2)
    th, tw = m.shape[0] // 8, m.shape[1] // 8
    tiles = m[:8 * th, :8 * tw].reshape(8, th, 8, tw).mean(axis=(1, 3))
    return float(d.mean()), float((d.max(axis=2) > 48).mean()), float(tiles.max())


def _recorded(app):
    """``(expected, bg_ops, ops, glyph_tables)``: the app's figure drawn by Agg, and its recording as
    the browser gets it: the frozen background's ops, the moving artists' ops, the glyphs of both."""
    expected = _agg(app.fig)                               # Agg: frozen background + moving artists
    ids = {}
    bg_ops, bg_glyphs = record_figure(app.fig, app.frozen.draw_frozen, glyph_ids=ids)
    ops, glyphs = record(app.fig, app.frozen.dynamic, glyph_ids=ids)
    return expected, bg_ops, ops, [bg_glyphs, glyphs]


@pytest.mark.parametrize("cls", ALL_APPS, ids=[c.__name__ for c in ALL_APPS])
def test_every_app_replayed_from_its_recording_looks_like_agg(cls, make_app):
    app = make_app(cls)
    expected, bg_ops, ops, glyphs = _recorded(app)
    got = replay(bg_ops + ops, glyphs, expected.shape[1], expected.shape[0], app.fig.dpi)
    assert got.shape == expected.shape
    mean, off, tile = _compare(got, expected)
    # What may differ: text drawn from unhinted outlines (Agg hints it: a long title drifts a pixel
    # or two), lines not snapped to pixel centres, images scaled by another filter. Measured: mean
    # 0.3-5.6, 0.03-4.9 % of pixels, tiles at most 30. What must not: a flipped or misplaced image,
    # a missing shape, a wrong colour (a flipped activation map: mean 16, 17 % of pixels, tiles ~100).
    assert mean < 7 and off < 0.07 and tile < 45, (
        f"{cls.__name__}: mean difference {mean:.2f}, {off:.2%} of pixels far off, worst tile {tile:.1f}")
    # and the ops are JSON (the comm message) with their arrays in bytes
    json.dumps([op for op, _ in bg_ops + ops])


def test_a_scatter_with_a_marker_per_class_keeps_each_points_shape_and_order():
    fig = Figure(figsize=(3, 3), dpi=100)
    ax = fig.subplots()
    sc = ax.scatter([0, 1, 2, 3], [0, 1, 0, 1], s=80, c=["C0", "C1", "C0", "C1"])
    sq, tri = Path.unit_rectangle(), Path.unit_regular_polygon(3)
    sc.set_paths([sq, tri, sq, tri])
    fig.canvas.draw()
    ops, _ = record(fig, [sc])
    (op, data), = ops
    assert op["op"] == "markers"
    assert _array(data, op["mi"]).tolist() == [0, 1, 0, 1]
    np.testing.assert_allclose(_array(data, op["p"]) / op["qp"], ax.transData.transform(sc.get_offsets()),
                               atol=1 / 8)


def test_text_is_glyphs_sent_once_and_placed_where_matplotlib_puts_them():
    fig = Figure(figsize=(3, 2), dpi=100)
    ax = fig.subplots()
    t = ax.set_title("abba")
    fig.canvas = FigureCanvasAgg(fig)
    fig.canvas.draw()
    ids = {}
    ops, (table, _) = record(fig, [t], glyph_ids=ids)
    (op, data), = ops
    assert op["op"] == "text" and len(_array(data, op["g"])) == 4
    assert len(table) == 2                                  # 'a' and 'b', once each
    again, (table2, _) = record(fig, [t], glyph_ids=ids)
    assert table2 == {} and again[0][1] == data             # known glyphs are not sent again
    x0 = _array(data, op["gt"])[0, 0]
    assert abs(x0 - t.get_window_extent().x0) < 2           # the first glyph starts where the title does


def test_coordinates_far_outside_the_figure_are_sent_as_floats():
    fig = Figure(figsize=(3, 2), dpi=100)
    ax = fig.subplots()
    line, = ax.plot([0, 1e6], [0, 1], clip_on=False)
    ax.set_xlim(0, 1)
    fig.canvas = FigureCanvasAgg(fig)
    fig.canvas.draw()
    (op, data), = record(fig, [line])[0]
    assert op["qv"] == 1 and _array(data, op["v"]).dtype == np.float32
    assert _array(data, op["v"]).max() > 1e5


def test_the_comparison_catches_a_flipped_image(make_app):
    # the control for the test above: the same recording with its image upside down must fail it
    from nnbasics.apps import ActivationMapApp
    app = make_app(ActivationMapApp)
    expected, bg_ops, ops, glyphs = _recorded(app)
    flipped = []
    for op, data in ops:
        if op["op"] == "image":
            a, b, c, d, e, f = op["t"]
            op = {**op, "t": [a, b, c, -d, e, f + d]}
        flipped.append((op, data))
    got = replay(bg_ops + flipped, glyphs, expected.shape[1], expected.shape[0], app.fig.dpi)
    mean, off, tile = _compare(got, expected)
    assert mean > 7 or off > 0.07 or tile > 45
