"""WCAG 2.1 AA, the parts that can be checked without a browser (tests/browser/ has the rest).

- Colour: every categorical palette stays distinguishable under deuteranopia, protanopia and
  tritanopia, simulated with colorspacious (Machado et al. 2009, severity 100) and measured as
  a distance in the CAM02-UCS colour space (about 1 is a just-noticeable difference).
- Text contrast: every text drawn in every app's picture and in the static pictures is at
  least 4.5:1 against what is drawn behind it (3:1 for large text, ≥ 18 pt), as WCAG's 1.4.3.
- Names: every widget an app lays out gets one (tests/apps/test_all_apps.py checks each app);
  a widget without a description is a clear error, not a silent gap.
- Keyboard: PointEntry adds a point like a click does (the browser test presses the keys).
"""
import itertools
import os

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.text import Text

from nnbasics.apps import ALL_APPS, App, TrainingApp
from nnbasics.apps.accessible import PointEntry, accessible_name, attach, interactive_widgets
from nnbasics.apps.tiling import OTHER_UNITS, UNIT_COLOUR
from nnbasics.plots import (
    CLASS_COLOURS,
    CLASS_MARKERS,
    HIGHLIGHT,
    NEGATIVE,
    NEGATIVE_TEXT,
    ON_COLOUR,
    OPTIMIZER_COLOURS,
    POSITIVE,
    SHARED_COLOUR,
    contrast_ratio,
    plot_confusion,
    plot_search,
    plot_unit_weights,
    text_colour_on,
)

colorspacious = pytest.importorskip("colorspacious", reason="pip install -r requirements-dev.txt")

DEFICIENCIES = {"deuteranopia": "deuteranomaly", "protanopia": "protanomaly", "tritanopia": "tritanomaly"}

#: (what, the colours that must be told apart, the least CAM02-UCS distance of any pair, why that much)
PALETTES = [
    ("classes", CLASS_COLOURS, 10, "each class also has its own marker (CLASS_MARKERS)"),
    ("optimisers", list(OPTIMIZER_COLOURS.values()), 20, "the curves differ by colour alone"),
    ("signs", [POSITIVE, NEGATIVE], 20, "edge and bar colours differ by colour alone"),
    ("code on / shared", [ON_COLOUR, SHARED_COLOUR], 20, "08's codes differ by colour alone"),
    ("highlight vs. a bar", [HIGHLIGHT, POSITIVE], 12, "the true class is hatched too"),
    ("the unit on the sliders vs. the others", [UNIT_COLOUR, OTHER_UNITS], 12, "it is also drawn thicker"),
]


def cam02ucs(colour, deficiency=None):
    rgb = np.asarray(to_rgb(colour))
    if deficiency:
        cvd = {"name": "sRGB1+CVD", "cvd_type": DEFICIENCIES[deficiency], "severity": 100}
        rgb = np.clip(colorspacious.cspace_convert(rgb, cvd, "sRGB1"), 0, 1)
    return colorspacious.cspace_convert(rgb, "sRGB1", "CAM02-UCS")


def min_distance(colours, deficiency=None):
    """The least CAM02-UCS distance between two of ``colours`` as seen with ``deficiency``, and the pair."""
    return min((float(np.linalg.norm(cam02ucs(a, deficiency) - cam02ucs(b, deficiency))), a, b)
               for a, b in itertools.combinations(colours, 2))


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
@pytest.mark.parametrize("what, colours, least, why", PALETTES, ids=[p[0] for p in PALETTES])
def test_palette_stays_distinguishable(what, colours, least, why, deficiency):
    d, a, b = min_distance(colours, deficiency)
    print(f"{what}, {deficiency or 'normal vision'}: least distance {d:.1f} ({a} vs {b})")
    assert d >= least, (f"{what}: {a} and {b} are only {d:.1f} apart in CAM02-UCS with "
                        f"{deficiency or 'normal vision'} (need {least}: {why})")


def test_the_simulation_can_fail():
    # red and green, the textbook pair that deuteranopia merges; two greys barely apart for anyone
    assert min_distance(["#D81B1B", "#2E9E2E"])[0] > 30
    assert min_distance(["#D81B1B", "#2E9E2E"], "deuteranopia")[0] < 10
    assert min_distance(["0.5", "0.52"], "tritanopia")[0] < 3


def test_every_class_has_its_own_marker():
    assert len(set(CLASS_MARKERS)) == len(CLASS_MARKERS) == len(CLASS_COLOURS)


# -- text contrast ---------------------------------------------------------------------------------
def _luminance(rgb):
    c = np.asarray(rgb, dtype=float)[..., :3]
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def text_contrasts(fig):
    """``[(text, size in pt, contrast ratio)]`` of every visible text of ``fig`` against the median
    colour drawn behind it (the figure rendered without its texts; a text's own box counts)."""
    old = os.environ.get("NNBASICS_FULL_REDRAW")
    os.environ["NNBASICS_FULL_REDRAW"] = "1"              # no cached background (it holds the texts)
    try:
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        fig.canvas.draw()
        boxes = [t.get_window_extent() for t in texts]
        for t in texts:
            t.set_visible(False)
        fig.canvas.draw()
        behind = np.asarray(fig.canvas.buffer_rgba(), dtype=float)[..., :3] / 255
        for t in texts:
            t.set_visible(True)
    finally:
        os.environ.pop("NNBASICS_FULL_REDRAW") if old is None else os.environ.update(NNBASICS_FULL_REDRAW=old)
    H, W = behind.shape[:2]
    out = []
    for t, bb in zip(texts, boxes, strict=True):
        x0, x1, y0, y1 = max(int(bb.x0), 0), min(int(bb.x1), W), max(int(H - bb.y1), 0), min(int(H - bb.y0), H)
        if x1 <= x0 or y1 <= y0:
            continue                                          # outside the picture
        under = np.median(behind[y0:y1, x0:x1].reshape(-1, 3), axis=0)
        box = t.get_bbox_patch()
        if box is not None and box.get_visible() and box.get_fill():
            fc = np.array(to_rgba(box.get_facecolor()))
            a = fc[3] if box.get_alpha() is None else box.get_alpha()
            under = a * fc[:3] + (1 - a) * under
        fg = np.array(to_rgba(t.get_color()))
        a = fg[3] * (1.0 if t.get_alpha() is None else t.get_alpha())
        fg = a * fg[:3] + (1 - a) * under
        lo, hi = sorted((_luminance(fg), _luminance(under)))
        out.append((t.get_text(), t.get_fontsize(), (hi + 0.05) / (lo + 0.05)))
    return out


def assert_text_readable(fig, where):
    bad = [f"{txt[:60]!r} ({size:g} pt): {ratio:.2f}:1" for txt, size, ratio in text_contrasts(fig)
           if ratio < (3.0 if size >= 18 else 4.5)]
    assert not bad, f"{where}: text below WCAG's contrast (4.5:1, large text 3:1):\n" + "\n".join(bad)


def test_contrast_helpers_agree_with_wcag():
    assert contrast_ratio("black", "white") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "white") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(NEGATIVE, "white") < 4.5 <= contrast_ratio(NEGATIVE_TEXT, "white")
    for grey in np.linspace(0, 1, 41):
        assert contrast_ratio(text_colour_on(str(grey)), str(grey)) >= 21 ** 0.5 - 1e-9


def test_the_contrast_probe_can_fail():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(0.1, 0.5, "pale", color="#aaaaaa", fontsize=10)
    ax.text(0.1, 0.2, "dark", color="black", fontsize=10)
    ax.imshow([[0.0]], cmap="gray", extent=(0.5, 1, 0, 1))
    ax.text(0.6, 0.5, "on black", color="#333333", fontsize=10)
    got = {t: r for t, _, r in text_contrasts(fig)}
    plt.close(fig)
    assert got["pale"] < 4.5 < got["dark"] and got["on black"] < 2


@pytest.mark.parametrize("cls", ALL_APPS, ids=lambda c: c.__name__)
def test_every_text_in_every_app_picture_has_contrast(cls, make_app):
    app = make_app(cls)
    assert_text_readable(app.fig, f"{cls.__name__}()")
    for control in app.control_widgets().values():         # and with every control at its far end
        if isinstance(control, widgets.Checkbox):
            control.value = not control.value
        elif hasattr(control, "max") and not isinstance(control, widgets.FloatLogSlider):
            control.value = control.max
    assert app.last_error is None
    assert_text_readable(app.fig, f"{cls.__name__} with its controls at the far end")


def test_text_on_a_diverged_training_run_and_on_the_static_pictures_has_contrast(make_app):
    app = make_app(TrainingApp, lr=10 ** 1.5)
    for _ in range(20):
        app.step_button.click()
    assert app.diverged
    assert_text_readable(app.fig, "TrainingApp, diverged")
    rng = np.random.default_rng(0)
    M = rng.integers(0, 40, (10, 10))
    M[np.arange(10), np.arange(10)] += 30
    fig, ax = plt.subplots(figsize=(5, 4.4))
    plot_confusion(ax, M)
    assert_text_readable(fig, "plot_confusion")
    plt.close(fig)

    class Search:                                           # the shape of a trainer.SearchResult
        val_acc = np.array([[0.81, 0.9, 0.94], [0.86, 0.95, 0.97]])
        widths, depths, best = [16, 32, 64], [1, 2], (64, 2)

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    plot_search(ax, Search())
    assert_text_readable(fig, "plot_search")
    plt.close(fig)
    fig = plt.figure(figsize=(9, 5))
    plot_unit_weights(fig, rng.normal(size=(8, 64)), title="weights")
    assert_text_readable(fig, "plot_unit_weights")
    plt.close(fig)


def test_the_confusion_matrix_marks_the_diagonal_without_colour():
    fig, ax = plt.subplots()
    plot_confusion(ax, np.diag([5, 6, 7]))
    framed = {(round(p.get_x() + p.get_width() / 2), round(p.get_y() + p.get_height() / 2)) for p in ax.patches}
    plt.close(fig)
    assert framed == {(0, 0), (1, 1), (2, 2)}


# -- names and the keyboard ----------------------------------------------------------------------
class _Bare(App):
    """An app outside nnbasics.apps (not registered) whose slider has no description."""

    controls = ("a",)

    def __init__(self, extra=""):
        super().__init__()
        self.a = widgets.FloatSlider(description="a")
        self.extra = widgets.IntSlider(description=extra)     # laid out; no description by default
        self.fig, self.ax = self.new_figure(figsize=(2, 2))
        self.start()

    def update(self, change=None):
        self.ax.set_title(f"a = {self.a.value:.2f}")

    def describe(self):
        return f"a is {self.a.value:.2f}"

    def layout(self):
        return widgets.VBox([self.a, self.extra, self.canvas, self.status])


def test_a_widget_without_a_description_is_a_clear_error():
    with pytest.raises(ValueError, match="IntSlider.*no description"):
        _Bare()


def test_names_come_from_descriptions_tooltips_or_the_app():
    b = widgets.Button(description="step", tooltip="run one frame")
    assert accessible_name(b) == "step: run one frame"
    s = widgets.IntSlider()
    assert accessible_name(s, {s: "time (step)"}) == "time (step)"
    box = widgets.VBox([widgets.HBox([b, widgets.HTML("x")]), s])
    assert interactive_widgets(box) == [b, s]

    class Named(_Bare):
        def accessible_names(self):
            return {self.extra: "an extra slider"}

    app = Named()
    try:
        assert sorted(app.a11y.names.values()) == ["a", "an extra slider"]
        assert app.summary == "a is 0.00" and app.a11y in app.widget.children
        assert "nnb-app" in app.widget._dom_classes
        app.a.value = 0.5
        assert app.summary == "a is 0.50"
        assert attach(app, app.widget) is app.widget and app.widget.children.count(app.a11y) == 1
    finally:
        app.close()


def test_a_registered_app_without_describe_is_warned_about_and_has_no_summary():
    with pytest.warns(UserWarning, match="NoWords has no describe"):
        NoWords = type("NoWords", (_Bare,), {"__module__": "nnbasics.apps.fake", "describe": App.describe})
    try:
        app = NoWords(extra="b")
        assert app.summary == "" and app.last_error is None
        app.close()
    finally:
        from nnbasics.apps import ALL_APPS as registry
        registry.remove(NoWords)


def test_point_entry_adds_a_training_point_like_a_click(make_app):
    app = make_app(TrainingApp, dataset="own", click_class=2)
    assert app.summary.startswith("no training data yet")
    entry = app.point_entry
    assert entry.widget in app.widget.children[1].children          # next to the class menu
    entry.x1.value, entry.x2.value = 0.5, -0.25
    entry.button.click()
    entry.x1.value = -1.0
    entry.button.click()
    assert app.state()["points"] == [[0.5, -0.25, 2], [-1.0, -0.25, 2]]
    assert app.last_error is None and "2 training points" in app.summary
    assert "(2 added, the last at (-1.00, -0.25) in class 3)" in app.summary
    np.testing.assert_allclose(app.panels[0].clicked.get_offsets(), [[0.5, -0.25], [-1.0, -0.25]])
    with pytest.raises(TypeError, match="on_add must be callable"):
        PointEntry("not a function")
    with pytest.raises(ValueError, match="limit must be > 0"):
        PointEntry(print, limit=0)


def test_close_closes_every_widget_of_the_layout():
    # Voila builds the page's widgets from the kernel's state: a box left open whose canvas was
    # closed (00 rebuilds an app from its state and closes it) kept every widget on the page loading
    from nnbasics.apps import ForwardApp

    app = ForwardApp()
    parts = [app.widget, app.a11y, *interactive_widgets(app.widget)]
    assert all(w.comm is not None for w in parts)
    app.close()
    assert all(w.comm is None for w in parts)


def test_show_figure_shows_a_picture_with_its_alt_text_and_closes_the_figure(monkeypatch):
    import IPython.display

    from nnbasics.apps.accessible import show_figure

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
    ax.plot([0, 1], [0, 1])
    show_figure(fig, 'a rising line: "y = x" from 0 to 1')
    assert not plt.fignum_exists(fig.number)
    tag = shown[0]["text/html"]
    assert tag.startswith('<img src="data:image/png;base64,')
    assert 'alt="a rising line: &quot;y = x&quot; from 0 to 1"' in tag
    width = int(tag.split('width="')[1].split('"')[0])
    assert 200 <= width <= 300                      # shown at the figure's size, drawn at twice that
    assert shown[0]["text/plain"].startswith("[figure: a rising line")
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt must say"):
        show_figure(fig, "  ")
    plt.close(fig)


def test_every_static_figure_in_the_notebooks_is_shown_with_alt_text():
    # a figure made in a notebook cell (not an app's) reaches the page through show_figure(fig, alt=...)
    import json
    import re
    from pathlib import Path

    notebooks = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9]*.ipynb"))
    assert notebooks
    bare = []
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] == "code" and re.search(r"plt\.(subplots|figure)\(", src):
                if not re.search(r"show_figure\(fig, alt=", src):
                    bare.append(f"{path.name} cell {cell.get('id')}: {src.splitlines()[0][:60]}")
    assert not bare, "figures shown without alt text (use show_figure(fig, alt=...)):\n" + "\n".join(bare)
