"""Show an app's figure in the browser as vectors the browser paints, not as pictures it is sent.

ipympl sends a PNG of the changed pixels for every move: at a lecturer's pixel ratio 2 that is
85–500 kB and a picture that must be encoded, sent, decoded and copied (measured in
``benchmarks/browser_latency.py``). A :class:`FigureView` sends what matplotlib draws instead,
recorded by :mod:`nnbasics.plots.record` as paths, markers, glyphs and images at their data
resolution:

- the frozen parts of the figure (:class:`nnbasics.plots.FrozenBackground`: axes, ticks,
  titles, equations), once per state of them — the browser keeps the last few, painted once
  into an off-screen canvas at its pixel ratio, so going back to an earlier state sends nothing;
- per move, what the moving artists draw: one comm message, painted by the browser on a
  ``<canvas>`` at its pixel ratio in the next animation frame, over the frozen parts — no
  flicker, one picture per move, sharp on a HiDPI screen.

Ops that did not change since the last frame are not sent again (the browser reuses them), and
each glyph outline is sent once. A view that appears later (a page reload, Voila) says hello and
gets everything anew. A click on the picture reaches the figure's ``button_press_event``
callbacks, as ipympl would deliver it.

The app's figure, its artists and every headless use (tests, ``savefig``, Agg) are unchanged:
this is only how the picture travels to a browser. ``NNBASICS_IPYMPL=1`` shows the plain ipympl
canvas instead (to compare).
"""
import hashlib
import json
from pathlib import Path

import anywidget
import traitlets
from matplotlib.backend_bases import MouseEvent

from ..plots.record import record, record_figure
from .accessible import PICTURE_CLASS

__all__ = ["FigureView"]


class FigureView(anywidget.AnyWidget):
    """The picture of one figure with a frozen background, drawn by the browser (module docstring)."""

    _esm = (Path(__file__).with_name("figure_view.js")).read_text(encoding="utf-8")
    #: the figure's size in CSS pixels
    width = traitlets.Float(0).tag(sync=True)
    height = traitlets.Float(0).tag(sync=True)
    #: the class of the <canvas> (the accessibility bridge names pictures by it)
    picture_class = traitlets.Unicode(PICTURE_CLASS).tag(sync=True)

    def __init__(self, fig, frozen, **kwargs):
        super().__init__(**kwargs)
        self.fig, self.frozen = fig, frozen
        w, h = fig.get_size_inches() * fig.dpi
        self.width, self.height = round(float(w), 3), round(float(h), 3)
        self._reset()
        self._shown = False                 # no view has said hello yet
        self.frames = 0                     # frames sent (one per move)
        self.bytes_sent = 0                 # their bytes, JSON and binary, backgrounds included
        self.on_msg(self._on_msg)

    def _reset(self):
        self._glyph_ids = {}                # glyph key -> number the views know
        self._backgrounds = set()           # background states the views have
        self._last_digests = []             # the ops of the last frame, by content

    # -- Python -> browser --------------------------------------------------------------------------
    def push(self):
        """Send one frame: the frozen parts if the views lack them, and the moving artists' ops
        (nothing before a view has said hello: no browser shows it yet)."""
        if not self._shown:
            return
        bg = self.frozen.state_id()
        buffers, msg = [], {"type": "frame", "bg": bg, "glyphs": []}

        def add_glyphs(glyphs):
            if glyphs[0]:
                msg["glyphs"].append([glyphs[0], len(buffers)])
                buffers.append(glyphs[1])

        if bg not in self._backgrounds:
            ops, glyphs = record_figure(self.fig, self.frozen.draw_frozen, glyph_ids=self._glyph_ids)
            add_glyphs(glyphs)
            msg["bg_ops"] = []
            for op, data in ops:
                msg["bg_ops"].append({**op, "b": len(buffers)})
                buffers.append(data)
            self._backgrounds.add(bg)
        ops, glyphs = record(self.fig, self.frozen.dynamic, glyph_ids=self._glyph_ids)
        add_glyphs(glyphs)
        out, digests = [], []
        for i, (op, data) in enumerate(ops):
            d = hashlib.blake2b(json.dumps(op, sort_keys=True).encode() + data, digest_size=16).digest()
            digests.append(d)
            if i < len(self._last_digests) and self._last_digests[i] == d:
                out.append({"op": "same"})  # the browser keeps the op it decoded for the last frame
            else:
                out.append({**op, "b": len(buffers)})
                buffers.append(data)
        self._last_digests = digests
        msg["ops"] = out
        self.send(msg, buffers)
        self.frames += 1
        self.bytes_sent += len(json.dumps(msg)) + sum(len(b) for b in buffers)

    # -- browser -> Python --------------------------------------------------------------------------
    def _on_msg(self, _widget, content, _buffers):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "hello":                 # a new view: it knows nothing yet
            self._reset()
            self._shown = True
            self.push()
        elif kind == "need":                # a view lost a background from its cache
            self._backgrounds.discard(content.get("bg"))
            self.push()
        elif kind == "click":
            self.click(float(content["x"]), float(content["y"]), int(content.get("button", 1)))

    def click(self, x, y, button=1):
        """A click at (x, y) CSS pixels from the picture's top-left corner, delivered to the
        figure's ``button_press_event`` callbacks in display coordinates (as ipympl does)."""
        event = MouseEvent("button_press_event", self.fig.canvas, x, self.height - y, button=button)
        self.fig.canvas.callbacks.process("button_press_event", event)
