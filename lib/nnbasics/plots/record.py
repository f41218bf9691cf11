"""Record what matplotlib draws, as compact arrays a browser can paint (vectors, not pixels).

    ops, glyphs = record(fig, artists)           # what these artists paint, in figure pixels
    ops, glyphs = record_figure(fig, draw)       # what ``draw(renderer)`` paints (a whole figure)

A :class:`RecordingRenderer` stands in for Agg: matplotlib decomposes every artist (lines,
collections, patches, text, legends, contours, colour bars, path effects) into a renderer's few
calls — ``draw_path``, ``draw_markers``, ``draw_path_collection``, ``draw_image``,
``draw_text`` — and this one writes those calls down instead of rasterising them:

- text becomes glyphs: each distinct glyph outline (the one matplotlib itself uses) is sent
  once, and a text op says which glyph goes where, so the browser needs no fonts and a tick
  label costs a few bytes;
- images stay at their data resolution (an 80×80 decision map is 80×80 pixels, a PNG when
  large); the browser scales them, smoothing or not as the artist's interpolation says;
- consecutive paths with the same style, and consecutive texts of one colour, share an op.

Coordinates are matplotlib's display coordinates at the figure's dpi: pixels from the
bottom-left corner of the figure (so a browser flips y and multiplies by its pixel ratio). Each
op is ``(json, data)``: a JSON-able dict whose arrays are packed in ``data`` and named as
``[offset, dtype, shape]`` in it. The ops:

``paths``    ``v`` vertices (V, 2), ``c`` path codes (V,) (matplotlib's: 1 move-to, 2 line-to,
             3 quadratic, 4 cubic, 79 close), ``s`` start of each path (K + 1,) for K paths,
             ``f`` fill RGBA (K, 4) or None, ``e`` stroke RGBA (K, 4) or None, ``w`` line widths (K,) in
             pixels; shared ``dash`` [offset, [on, off, …]], ``cap``, ``join``, ``clip``
             [x0, y0, x1, y1], ``hatch`` {``pattern``, ``color``, ``lw``}
``markers``  marker shapes (``mv``, ``mc``, their starts ``ms``) stamped at ``p`` (N, 2) in
             order, point n with shape ``mi[n]`` (or the first when there is no ``mi``), fill
             ``f``, stroke ``e`` (N, 4) and width ``w`` (N,)
``text``     glyph numbers ``g`` (G,) placed by ``gt`` (G, 4: x, y, scale, angle in radians;
             the glyph outline is in font units), one fill colour ``f``, ``clip``; mathtext's
             bars as ``rv``, ``rc`` (display pixels)
``image``    ``rgba`` (H, W, 4) bytes or ``png`` (with ``h``, ``w``); row r fills v in
             [r/H, (r+1)/H] of the unit square, which the affine map ``t`` [a, b, c, d, e, f]
             takes to display pixels; ``smooth`` (bilinear) or not (nearest); ``alpha``

Vertices are int16 in eighths of a pixel (``qv = 8``, ``qp`` for marker positions) when they
fit, else float32 (``1``). ``glyphs`` is ``(json, data)`` too: ``{number: {"v", "c"}}`` for the
glyphs new to the receiver (``glyph_ids``, updated in place, lists the ones it has).
"""
import io
import math

import numpy as np
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.image import AxesImage
from matplotlib.path import Path
from matplotlib.textpath import TextToPath
from matplotlib.transforms import Affine2D

__all__ = ["RecordingRenderer", "record", "record_figure"]

_Q = 8                      # int16 coordinates in 1/8 pixel: |v| < 4000 px
_CAP = {"butt": "butt", "round": "round", "projecting": "square"}
#: one text-to-path converter for every recording: its caches (glyph layout, parsed mathtext) persist
_TEXT2PATH = TextToPath()
#: glyph outlines (vertices, codes) in font units, by matplotlib's glyph key
_OUTLINES = {}


def _rgba8(c, alpha=None):
    """A matplotlib colour tuple (3 or 4 floats in [0, 1]) as 4 bytes; ``alpha`` overrides."""
    r, g, b = c[:3]
    a = c[3] if len(c) > 3 and alpha is None else (1.0 if alpha is None else alpha)
    return tuple(int(round(min(max(v, 0.0), 1.0) * 255)) for v in (r, g, b, a))


class _Pack:
    """Arrays packed into one buffer, each at an offset aligned to 4 bytes."""

    def __init__(self):
        self.parts, self.size = [], 0

    def add(self, a, dtype):
        a = np.ascontiguousarray(a, dtype=dtype)
        ref = [self.size, np.dtype(dtype).str.lstrip("<|="), list(a.shape)]
        raw = a.tobytes()
        pad = -len(raw) % 4
        self.parts.append(raw + b"\0" * pad)
        self.size += len(raw) + pad
        return ref

    def coords(self, v):
        """Coordinates as int16 eighths of a pixel when they fit, else float32: (ref, q)."""
        if v.size and np.abs(v).max() < 32000 / _Q:
            return self.add(np.round(v * _Q), np.int16), _Q
        return self.add(v, np.float32), 1

    def bytes(self):
        return b"".join(self.parts)


class RecordingRenderer(RendererBase):
    """A renderer that writes down what it is asked to draw (see the module docstring)."""

    def __init__(self, width, height, dpi, glyph_ids=None):
        super().__init__()
        self._text2path = _TEXT2PATH
        self.width, self.height, self.dpi = float(width), float(height), float(dpi)
        self.ops = []               # finished ops (dicts with numpy arrays), packed by finish()
        self._batch = None          # (kind, key, op being filled)
        self.smooth_images = True
        #: glyph key -> number, for glyphs the receiver already has; new ones go to new_glyphs
        self.glyph_ids = {} if glyph_ids is None else glyph_ids
        self.new_glyphs = {}

    # -- what matplotlib asks of every renderer ---------------------------------------------------
    def flipy(self):
        return False                # y goes up, as in display coordinates

    def get_canvas_width_height(self):
        return self.width, self.height

    def points_to_pixels(self, points):
        return points * self.dpi / 72.0

    def new_gc(self):
        return GraphicsContextBase()

    def option_scale_image(self):
        return True                 # an image may come unsampled, with its transform

    def option_image_nocomposite(self):
        return True                 # every image on its own (not merged into one screen-size picture)

    # -- styles -----------------------------------------------------------------------------------
    def _clip(self, gc):
        box = gc.get_clip_rectangle()
        ext = None if box is None else [box.x0, box.y0, box.x1, box.y1]
        tpath, tr = gc.get_clip_path()
        if tpath is not None:       # a clip path (the axes' patch): its bounding box
            v = tr.transform(tpath.vertices)
            pb = [v[:, 0].min(), v[:, 1].min(), v[:, 0].max(), v[:, 1].max()]
            ext = pb if ext is None else [max(ext[0], pb[0]), max(ext[1], pb[1]),
                                          min(ext[2], pb[2]), min(ext[3], pb[3])]
        return None if ext is None else [round(float(e), 2) for e in ext]

    def _stroke(self, gc):
        """(rgba or None, width in px) of the outline ``gc`` asks for."""
        lw = self.points_to_pixels(gc.get_linewidth())
        rgb = gc.get_rgb()
        alpha = gc.get_alpha() if gc.get_forced_alpha() else None
        if lw <= 0 or rgb is None or (len(rgb) > 3 and rgb[3] == 0 and alpha is None):
            return None, 0.0
        return _rgba8(rgb, alpha), lw

    def _fill(self, gc, rgbFace):
        if rgbFace is None:
            return None
        alpha = gc.get_alpha() if gc.get_forced_alpha() else None
        if alpha is None and len(rgbFace) > 3 and rgbFace[3] == 0:
            return None
        return _rgba8(rgbFace, alpha)

    def _style(self, gc):
        """What paths drawn in one op must share: dashes, caps, joins, clip, hatch."""
        offset, seq = gc.get_dashes()
        dash = None
        if seq is not None and len(seq) and np.sum(seq) > 0:
            dash = [round(float(self.points_to_pixels(offset or 0.0)), 3),
                    [round(float(self.points_to_pixels(d)), 3) for d in seq]]
        hatch = gc.get_hatch()
        if hatch:
            hatch = {"pattern": hatch, "color": list(_rgba8(gc.get_hatch_color())),
                     "lw": round(float(self.points_to_pixels(gc.get_hatch_linewidth())), 3)}
        return {"dash": dash, "cap": _CAP.get(gc.get_capstyle(), "butt"), "join": gc.get_joinstyle(),
                "clip": self._clip(gc), "hatch": hatch or None}

    def _op(self, kind, key, make):
        """The op being filled if it is of this kind and key, else a new one (``make()``)."""
        if self._batch is None or self._batch[:2] != (kind, key):
            self._flush()
            self._batch = (kind, key, make())
        return self._batch[2]

    def _paths_op(self, style):
        """The paths op to add to: the one being filled if it has this style, else a new one."""
        return self._op("paths", repr(style), lambda: {"op": "paths", **style, "v": [], "c": [], "f": [],
                                                       "e": [], "w": []})

    def _collection_gc(self, gc, linestyles):
        """A copy of ``gc`` with a collection's (first) dash pattern: its paths share one style."""
        g = self.new_gc()
        g.copy_properties(gc)
        if len(linestyles):
            g.set_dashes(*linestyles[0])
        return g

    def _flush(self):
        if self._batch is not None:
            self.ops.append(self._batch[2])
            self._batch = None

    # -- drawing ----------------------------------------------------------------------------------
    def draw_path(self, gc, path, transform, rgbFace=None):
        fill = self._fill(gc, rgbFace)
        stroke, lw = self._stroke(gc)
        if fill is None and stroke is None and not gc.get_hatch():
            return
        p = path.cleaned(transform=transform, remove_nans=True, curves=True)
        keep = p.codes != Path.STOP
        if not keep.any():
            return
        op = self._paths_op(self._style(gc))
        op["v"].append(p.vertices[keep])
        op["c"].append(p.codes[keep])
        op["f"].append(fill)
        op["e"].append(stroke)
        op["w"].append(lw)

    def draw_markers(self, gc, marker_path, marker_trans, path, trans, rgbFace=None):
        pos = [vertices[-2:] for vertices, _codes in path.iter_segments(trans, simplify=False) if len(vertices)]
        fill, (stroke, lw) = self._fill(gc, rgbFace), self._stroke(gc)
        if pos and (fill is not None or stroke is not None):
            self._markers(gc, [(marker_path, marker_trans)], pos, None, [fill] * len(pos),
                          [stroke] * len(pos), np.full(len(pos), lw))

    def _markers(self, gc, shapes, pos, which, fills, strokes, widths):
        """One markers op: ``shapes`` a list of (path, transform) marker shapes, ``which`` the shape
        of each point (None: all the first), drawn in the points' order."""
        self._flush()
        mv, mc, ms = [], [], [0]
        for path, transform in shapes:
            m = path.cleaned(transform=transform, remove_nans=True, curves=True)
            keep = m.codes != Path.STOP
            mv.append(m.vertices[keep])
            mc.append(m.codes[keep])
            ms.append(ms[-1] + int(keep.sum()))
        op = {"op": "markers", **self._style(gc), "mv": np.concatenate(mv), "mc": np.concatenate(mc),
              "ms": np.array(ms), "p": np.asarray(pos, dtype=float), "f": fills, "e": strokes, "w": widths}
        if which is not None and len(shapes) > 1:
            op["mi"] = np.asarray(which)
        self.ops.append(op)

    def draw_path_collection(self, gc, master_transform, paths, all_transforms, offsets, offset_trans,
                             facecolors, edgecolors, linewidths, linestyles, antialiaseds, urls,
                             offset_position, *, hatchcolors=None):
        hatchcolors = [] if hatchcolors is None else hatchcolors
        if (len(offsets) == 0 and len(all_transforms) == 0 and len(paths) > 1 and not gc.get_hatch()
                and len({repr(ls) for ls in linestyles}) <= 1):
            return self._polygons(gc, master_transform, paths, facecolors, edgecolors, linewidths, linestyles)
        path_ids = list(self._iter_collection_raw_paths(master_transform, paths, all_transforms))
        if not path_ids or (len(facecolors) == 0 and len(edgecolors) == 0):
            return                                      # nothing to draw (as _iter_collection decides)
        shapes = {}
        for p, t in path_ids:
            shapes.setdefault(id(p), (p, t))
        if len(offsets) < 2 or len(all_transforms) > 1 or len(shapes) > 64:     # paths of their own
            return super().draw_path_collection(gc, master_transform, paths, all_transforms, offsets,
                                                offset_trans, facecolors, edgecolors, linewidths, linestyles,
                                                antialiaseds, urls, offset_position, hatchcolors=hatchcolors)
        # a few marker shapes stamped at many offsets (a scatter): one markers op, a colour per
        # point, computed for all points at once (what _iter_collection does point by point)
        n = max(len(path_ids), len(offsets))
        i = np.arange(n)
        pos = np.asarray(offset_trans.transform(offsets), dtype=float)[i % len(offsets)]
        ok = np.isfinite(pos).all(axis=1)
        index = {k: j for j, k in enumerate(shapes)}
        which = np.array([index[id(path_ids[k % len(path_ids)][0])] for k in range(n)])
        fills = _rgba8_rows(facecolors, i) if len(facecolors) else None
        strokes = _rgba8_rows(edgecolors, i) if len(edgecolors) else None
        widths = (self.points_to_pixels(np.asarray(linewidths, dtype=float)[i % len(linewidths)])
                  if len(linewidths) else np.full(n, self.points_to_pixels(gc.get_linewidth())))
        g = self._collection_gc(gc, linestyles)
        if ok.any():
            self._markers(g, list(shapes.values()), pos[ok], which[ok], None if fills is None else fills[ok],
                          None if strokes is None else strokes[ok], widths[ok])

    def _polygons(self, gc, transform, paths, facecolors, edgecolors, linewidths, linestyles):
        """Many paths with one transform (a PolyCollection, LineCollection, contour lines): all
        their vertices transformed at once, one op (what the generic loop does path by path)."""
        n = len(paths)
        verts = [p.vertices for p in paths]
        codes = [p.codes if p.codes is not None else
                 np.r_[Path.MOVETO, np.full(len(p.vertices) - 1, Path.LINETO)].astype(np.uint8) for p in paths]
        V = transform.transform(np.concatenate(verts)) if n else np.zeros((0, 2))
        if not np.all(np.isfinite(V)):                  # NaN gaps: the careful way
            return RendererBase.draw_path_collection(self, gc, transform, paths, [], [], transform,
                                                     facecolors, edgecolors, linewidths, linestyles,
                                                     [True], [], None)
        pick = lambda seq, i: seq[i % len(seq)] if len(seq) else None  # noqa: E731
        op = self._paths_op(self._style(self._collection_gc(gc, linestyles)))
        starts = np.cumsum([0] + [len(v) for v in verts])
        for i in range(n):
            fc, ec = pick(facecolors, i), pick(edgecolors, i)
            fill = None if fc is None or fc[3] == 0 else _rgba8(fc)
            lw = self.points_to_pixels(pick(linewidths, i)) if len(linewidths) else self.points_to_pixels(
                gc.get_linewidth())
            stroke = None if ec is None or ec[3] == 0 or lw <= 0 else _rgba8(ec)
            if fill is None and stroke is None:
                continue
            op["v"].append(V[starts[i]:starts[i + 1]])
            op["c"].append(codes[i])
            op["f"].append(fill)
            op["e"].append(stroke)
            op["w"].append(lw if stroke is not None else 0.0)

    def draw_image(self, gc, x, y, im, transform=None):
        self._flush()
        if transform is None:       # a resampled image, one image pixel a display pixel
            t = [im.shape[1], 0.0, 0.0, im.shape[0], float(x), float(y)]
        else:
            a, b, c, d, e, f = transform.frozen().to_values()
            t = [a, b, c, d, e + x, f + y]
        alpha = gc.get_alpha()
        self.ops.append({"op": "image", "clip": self._clip(gc), "rgba": np.asarray(im, dtype=np.uint8),
                         "t": [round(float(v), 4) for v in t], "smooth": bool(self.smooth_images),
                         "alpha": 1.0 if alpha is None else float(alpha)})

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """Text as glyphs: the outline of each distinct glyph is sent once, then only where it goes."""
        if ismath == "TeX":
            return self._draw_text_as_path(gc, x, y, s, prop, angle, ismath, mtext)
        t2p = self._text2path
        if ismath:
            info, new, rects = t2p.get_glyphs_mathtext(prop, s, glyph_map=_OUTLINES, return_new_glyphs_only=True)
        else:
            info, new, rects = t2p.get_glyphs_with_font(t2p._get_font(prop), s, glyph_map=_OUTLINES,
                                                        return_new_glyphs_only=True)
        _OUTLINES.update(new)
        fill = self._fill(gc, gc.get_rgb())
        if fill is None or (not info and not rects):
            return
        clip = self._clip(gc)
        op = self._op("text", repr((fill, clip)), lambda: {"op": "text", "f": list(fill), "clip": clip,
                                                          "g": [], "gt": [], "rv": [], "rc": []})
        size = self.points_to_pixels(prop.get_size_in_points()) / t2p.FONT_SCALE
        rad = math.radians(angle)
        cos, sin = math.cos(rad), math.sin(rad)
        for key, gx, gy, sc in info:
            if key not in self.glyph_ids:
                self.glyph_ids[key] = len(self.glyph_ids)
                self.new_glyphs[self.glyph_ids[key]] = _OUTLINES[key]
            op["g"].append(self.glyph_ids[key])
            op["gt"].append((x + size * (gx * cos - gy * sin), y + size * (gx * sin + gy * cos), size * sc, rad))
        if rects:
            tr = Affine2D().scale(size).rotate(rad).translate(x, y)
            for verts, codes in rects:
                op["rv"].append(tr.transform(np.asarray(verts, dtype=float)))
                op["rc"].append(np.asarray(codes, dtype=np.uint8))

    # -- the result -------------------------------------------------------------------------------
    def finish(self):
        """``(ops, glyphs)``: each op as ``(json, data)``, and the new glyphs' outlines likewise."""
        self._flush()
        return [_packed(op) for op in self.ops], _packed_glyphs(self.new_glyphs)


def _rgba8_rows(colours, i):
    """Rows ``i`` (cycling) of an (M, 4) array of RGBA floats, as (len(i), 4) bytes."""
    c = np.asarray(colours, dtype=float).reshape(-1, 4)[i % len(colours)]
    return np.round(np.clip(c, 0, 1) * 255).astype(np.uint8)


def _colours(cs):
    """A list of RGBA tuples (or None) as (N, 4) bytes, None when no entry is a colour."""
    if cs is None:
        return None
    if isinstance(cs, np.ndarray):
        return cs.astype(np.uint8)
    if all(c is None for c in cs):
        return None
    return np.array([c if c is not None else (0, 0, 0, 0) for c in cs], dtype=np.uint8).reshape(-1, 4)


#: the entries of an op that are sent as they are (JSON), not packed as arrays
_PLAIN = ("op", "dash", "cap", "join", "clip", "hatch", "t", "smooth", "alpha")


def _packed(op):
    """One op as ``(json, data)``: its arrays packed, named by ``[offset, dtype, shape]``."""
    kind = op["op"]
    pack = _Pack()
    j = {k: op[k] for k in _PLAIN if k in op}
    if kind == "text":
        j["f"] = op["f"]                                # one colour for every glyph
    if kind == "paths":
        j["v"], j["qv"] = pack.coords(np.concatenate(op["v"]))
        j["c"] = pack.add(np.concatenate(op["c"]), np.uint8)
        j["s"] = pack.add(np.concatenate([[0], np.cumsum([len(v) for v in op["v"]])]), np.uint32)
        j["n"] = len(op["v"])
    elif kind == "markers":
        j["mv"] = pack.add(op["mv"], np.float32)
        j["mc"] = pack.add(op["mc"], np.uint8)
        j["ms"] = pack.add(op["ms"], np.uint32)
        if "mi" in op:
            j["mi"] = pack.add(op["mi"], np.uint8)
        j["p"], j["qp"] = pack.coords(op["p"])
    if kind in ("paths", "markers"):                    # a fill, a stroke and a width per shape
        for k in ("f", "e"):
            c = _colours(op[k])
            j[k] = None if c is None else pack.add(c, np.uint8)
        j["w"] = pack.add(op["w"], np.float32)
    elif kind == "text":
        j["g"] = pack.add(op["g"], np.uint16)
        j["gt"] = pack.add(np.array(op["gt"], dtype=np.float32).reshape(-1, 4), np.float32)
        if op["rv"]:
            j["rv"] = pack.add(np.concatenate(op["rv"]), np.float32)
            j["rc"] = pack.add(np.concatenate(op["rc"]), np.uint8)
    elif kind == "image":
        j.update(_image(op["rgba"], pack))
    return j, pack.bytes()


def _packed_glyphs(glyphs):
    pack, j = _Pack(), {}
    for num, (verts, codes) in glyphs.items():
        j[str(num)] = {"v": pack.add(verts, np.float32), "c": pack.add(codes, np.uint8)}
    return j, pack.bytes()


def _image(rgba, pack, png_above=2048):
    """An image's pixels for the browser: raw bytes when small, else a PNG (lossless; an opaque
    image as RGB). ``{"rgba": ref}`` or ``{"png": ref, "h": H, "w": W}``."""
    if rgba.nbytes <= png_above:
        return {"rgba": pack.add(rgba, np.uint8)}
    from PIL import Image

    opaque = bool((rgba[..., 3] == 255).all())
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3] if opaque else rgba)).save(buf, format="png", compress_level=1)
    return {"png": pack.add(np.frombuffer(buf.getvalue(), dtype=np.uint8), np.uint8), "h": rgba.shape[0],
            "w": rgba.shape[1]}


def _draw_unsampled(image, renderer):
    """Draw an AxesImage at its data resolution with its affine transform (the browser scales it)."""
    if (image.get_array() is None or image.get_array().size == 0 or not image.get_visible()
            or not image.get_transform().is_affine):
        return AxesImage.draw(image, renderer)
    renderer.smooth_images = image.get_interpolation() not in ("nearest", "none")
    gc = renderer.new_gc()
    image._set_gc_clip(gc)
    gc.set_alpha(image._get_scalar_alpha())
    im, left, bottom, trans = image.make_image(renderer, unsampled=True)
    if im is not None:
        renderer.draw_image(gc, left, bottom, im, Affine2D().scale(im.shape[1], im.shape[0]) + trans)
    gc.restore()


def _renderer(fig, glyph_ids):
    w, h = fig.get_size_inches() * fig.dpi
    return RecordingRenderer(w, h, fig.dpi, glyph_ids=glyph_ids)


def record(fig, artists, glyph_ids=None):
    """What ``artist.draw`` paints for each of ``artists`` (in zorder, the visible ones), in
    display pixels of ``fig``: ``(ops, glyphs)`` (module docstring)."""
    r = _renderer(fig, glyph_ids)
    for a in sorted(artists, key=lambda a: a.get_zorder()):
        if not a.get_visible() or (a.axes is not None and not a.axes.get_visible()):
            continue
        if isinstance(a, AxesImage):
            _draw_unsampled(a, r)
        else:
            a.draw(r)
    return r.finish()


def record_figure(fig, draw, glyph_ids=None):
    """What ``draw(renderer)`` paints (for example a whole figure, or its frozen parts), with
    every image of the figure at its data resolution: ``(ops, glyphs)``."""
    r = _renderer(fig, glyph_ids)
    images = [im for im in fig.findobj(AxesImage) if "draw" not in vars(im)]
    for im in images:
        im.draw = lambda renderer, im=im: _draw_unsampled(im, renderer)
    try:
        draw(r)
    finally:
        for im in images:
            vars(im).pop("draw", None)
    return r.finish()
