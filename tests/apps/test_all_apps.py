"""The contract of every app in ``nnbasics.apps.ALL_APPS`` (DESIGN.md, "Widget apps").

For each app: every control swept over its range (ends included) raises nothing and draws no
NaN; every control changes the picture, and whenever the picture changes its live text summary
(``describe()``) changes too and is current; ``App(**app.state())`` reproduces the scene; the
figure is built once (moving a control creates no new figure); re-creating an app in the
same notebook cell closes the old figure. Every app has ``describe()`` and names every widget.
"""
import matplotlib.pyplot as plt
import pytest

from nnbasics.apps import ALL_APPS, App
from nnbasics.apps.accessible import interactive_widgets
from nnbasics.apps.probe import drawn_nonfinite, figure_digest, sweep_values

if not ALL_APPS:  # pragma: no cover - only while the suite is being assembled
    pytest.skip("no apps registered in nnbasics.apps.ALL_APPS yet", allow_module_level=True)

APP_IDS = [cls.__name__ for cls in ALL_APPS]


@pytest.fixture(params=ALL_APPS, ids=APP_IDS)
def app(request):
    a = request.param()
    yield a
    a.close()


def test_built_without_error_and_finite(app):
    assert app.last_error is None, f"{type(app).__name__}() failed: {app.last_error!r}"
    assert drawn_nonfinite(app.fig) == []
    assert app.control_widgets(), "an app has at least one control"
    for name, control in app.control_widgets().items():
        assert getattr(control, "description", ""), f"control {name!r} has no description"


def test_every_control_swept_raises_nothing_draws_finite_and_changes_picture(app):
    figures_before = len(plt.get_fignums())
    for name, control in app.control_widgets().items():
        values = sweep_values(control)
        if not values:
            continue
        last = (figure_digest(app.fig), app.summary)
        digests = {last[0]}
        for v in values:
            control.value = v
            assert app.last_error is None, f"{name}={v!r}: {app.last_error!r}"
            bad = drawn_nonfinite(app.fig)
            assert not bad, f"{name}={v!r} draws non-finite values: {bad}"
            now = (figure_digest(app.fig), app.summary)
            digests.add(now[0])
            assert now[1] == app.describe(), f"{name}={v!r}: the live summary is not the current describe()"
            if now[0] != last[0]:
                assert now[1] != last[1], f"{name}={v!r} changed the picture but not its summary {now[1]!r}"
            last = now
        assert len(digests) > 1, f"moving {name!r} over {values} never changed the picture"
    assert len(plt.get_fignums()) == figures_before, "a callback created a new figure"


def test_describe_says_what_the_picture_shows(app):
    assert type(app).describe is not App.describe, (
        f"{type(app).__name__} has no describe(): every app must say in words what its picture shows "
        "(the live summary under it and the picture's text alternative)")
    text = app.describe()
    assert isinstance(text, str) and 20 <= len(text) <= 700, text
    assert app.summary == text, "App._run did not put describe() into the live summary"
    assert any(ch.isdigit() for ch in text), f"a summary gives the picture's numbers: {text!r}"


def test_every_widget_has_an_accessible_name(app):
    names = app.a11y.names
    shown = interactive_widgets(app.widget)
    assert set(app.control_widgets().values()) <= set(shown), "a control is not in the layout"
    assert app.a11y in app.widget.children, "the live summary is not in the app's layout"
    for w in shown:
        marks = [c for c in w._dom_classes if c in names]
        assert len(marks) == 1 and names[marks[0]].strip(), f"{type(w).__name__} {w.description!r} has no name"
    for control in app.control_widgets().values():
        mark = next(c for c in control._dom_classes if c in names)
        assert control.description in names[mark]


def test_state_round_trips(app, make_app):
    # move every control off its default first, so the round trip is not trivially the defaults
    for control in app.control_widgets().values():
        values = sweep_values(control, n=5)
        if len(values) > 1:
            control.value = values[len(values) // 2] if values[len(values) // 2] != control.value \
                else values[-1]
    state = app.state()
    again = make_app(type(app), **state)
    assert again.state() == state
    assert again.last_error is None
    assert figure_digest(again.fig) == figure_digest(app.fig)


def test_unknown_state_key_is_a_clear_error(app):
    with pytest.raises(TypeError, match="no_such_control"):
        type(app)(no_such_control=1)
