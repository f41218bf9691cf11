"""The contract of every app in ``nnbasics.apps.ALL_APPS`` (DESIGN.md, "Widget apps").

For each app: every control swept over its range (ends included) raises nothing and draws no
NaN; every control changes the picture; ``App(**app.state())`` reproduces the scene; the
figure is built once (moving a control creates no new figure); re-creating an app in the
same notebook cell closes the old figure.
"""
import matplotlib.pyplot as plt
import pytest

from nnbasics.apps import ALL_APPS
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
        digests = {figure_digest(app.fig)}
        for v in values:
            control.value = v
            assert app.last_error is None, f"{name}={v!r}: {app.last_error!r}"
            bad = drawn_nonfinite(app.fig)
            assert not bad, f"{name}={v!r} draws non-finite values: {bad}"
            digests.add(figure_digest(app.fig))
        assert len(digests) > 1, f"moving {name!r} over {values} never changed the picture"
    assert len(plt.get_fignums()) == figures_before, "a callback created a new figure"


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
