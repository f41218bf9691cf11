"""FigureView: what travels to the browser per move (headless: the comm messages are captured)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from nnbasics.apps import ReluTilingApp, TrainingApp
from nnbasics.apps.figure_view import FigureView


class Captured:
    """A FigureView's sent messages, as (msg, buffers)."""

    def __init__(self, view):
        self.sent = []
        view.send = lambda msg, buffers=None: self.sent.append((msg, list(buffers or [])))

    def last(self):
        return self.sent[-1]

    @staticmethod
    def size(msg, buffers):
        return len(json.dumps(msg)) + sum(len(b) for b in buffers)


@pytest.fixture
def tiling(make_app):
    app = make_app(ReluTilingApp)
    view = FigureView(app.fig, app.frozen)
    return app, view, Captured(view)


def test_nothing_is_sent_before_a_browser_shows_the_picture(tiling):
    app, view, cap = tiling
    view.push()
    assert cap.sent == []
    view._on_msg(view, {"type": "hello"}, [])
    msg, buffers = cap.last()
    assert msg["type"] == "frame" and "bg_ops" in msg and msg["ops"] and msg["glyphs"]


def test_a_move_sends_only_the_moving_artists_that_changed(tiling):
    app, view, cap = tiling
    view._on_msg(view, {"type": "hello"}, [])
    first = Captured.size(*cap.last())
    app.b.value = app.b.value + 0.05                  # the unit's line moves: the tiling changes
    view.push()
    msg, buffers = cap.last()
    assert "bg_ops" not in msg                        # the frozen parts are where they were
    assert msg["glyphs"] == [] or all(t for t, _ in msg["glyphs"])
    assert Captured.size(msg, buffers) < first and Captured.size(msg, buffers) < 30_000
    view.push()                                       # nothing changed: every op is "same"
    msg, buffers = cap.last()
    assert all(op == {"op": "same"} for op in msg["ops"]) and buffers == []
    assert view.frames == 3 and view.bytes_sent > 0


def test_each_glyph_is_sent_once_until_a_new_view_says_hello(tiling):
    app, view, cap = tiling
    view._on_msg(view, {"type": "hello"}, [])
    known = set()
    for table, _ in cap.last()[0]["glyphs"]:
        known |= set(table)
    for v in (2, 3, 4):
        app.width.value = v                            # new counts in the title: digits seen before
        view.push()
        for table, _ in cap.last()[0]["glyphs"]:
            assert not set(table) & known
            known |= set(table)
    view._on_msg(view, {"type": "hello"}, [])          # a page reload: everything again
    msg, _ = cap.last()
    assert "bg_ops" in msg and sum(len(t) for t, _ in msg["glyphs"]) >= len(known) // 2


def test_a_changed_frozen_part_sends_a_new_background_and_a_lost_one_is_sent_again(make_app):
    app = make_app(TrainingApp)
    view = FigureView(app.fig, app.frozen)
    cap = Captured(view)
    view._on_msg(view, {"type": "hello"}, [])
    bg0 = cap.last()[0]["bg"]
    app.dataset.value = "moons"                        # another box: the axes' limits change
    view.push()
    msg, _ = cap.last()
    assert msg["bg"] != bg0 and "bg_ops" in msg
    view._on_msg(view, {"type": "need", "bg": msg["bg"]}, [])
    assert "bg_ops" in cap.last()[0]


def test_a_click_in_the_browser_reaches_the_apps_click_handler(make_app):
    app = make_app(TrainingApp, dataset="own", n_classes=2)
    view = FigureView(app.fig, app.frozen)
    ax = app.panels[0].ax
    app.fig.canvas.draw()
    x, y = ax.transData.transform((0.3, -0.4))         # display pixels, from the bottom
    view.click(x, view.height - y)                     # the browser's CSS pixels, from the top
    assert app.last_error is None
    np.testing.assert_allclose(app.points[-1][:2], [0.3, -0.4], atol=0.01)


def test_apps_are_drawn_by_the_browser_only_in_a_notebook_with_the_widget_backend():
    code = ("import matplotlib; matplotlib.use({backend!r}); import os; os.environ.update({env!r});"
            "from nnbasics.apps import ReluTilingApp; a = ReluTilingApp();"
            "print(type(a.canvas).__name__, type(a.fig.canvas).__name__)")
    runs = {("module://ipympl.backend_nbagg", ()): "FigureView FigureCanvasAgg",
            ("module://ipympl.backend_nbagg", (("NNBASICS_IPYMPL", "1"),)): "Canvas Canvas",
            ("Agg", ()): "Box FigureCanvasAgg"}
    for (backend, env), expected in runs.items():
        out = subprocess.run([sys.executable, "-c", code.format(backend=backend, env=dict(env))],
                             capture_output=True, text=True, check=True).stdout.split()
        assert " ".join(out[-2:]) == expected, (backend, env, out)
