"""The living example of docs/ARCHITECTURE.md ("Adding an app"): a toy app written by the recipe
there, held to the same contract as every app of the suite (the checks of test_all_apps.py).

If this file needs more than the recipe says, the recipe is wrong: fix docs/ARCHITECTURE.md too.
"""
import ipywidgets as widgets
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.apps import ALL_APPS, App
from nnbasics.apps.probe import drawn_nonfinite, figure_digest, sweep_values
from nnbasics.plots import POSITIVE, WIDE


class ReluLineApp(App):
    """h = max(0, w x + b) on [-2, 2]: two sliders move the kink; ``n`` points is fixed."""

    controls = ("w", "b")                 # widgets a user moves: in state()
    settings = ("n",)                     # fixed when the app is made: in state() too

    def __init__(self, w=1.0, b=0.0, n=101):
        super().__init__(n=int(n))        # bookkeeping; stores self.n
        self.w = widgets.FloatSlider(value=w, min=-2, max=2, step=0.1, description="weight w", style=WIDE)
        self.b = widgets.FloatSlider(value=b, min=-2, max=2, step=0.1, description="bias b", style=WIDE)
        self.x = np.linspace(-2, 2, self.n)
        self.fig, self.ax = self.new_figure(figsize=(5, 3))
        self.line, = self.ax.plot(self.x, np.zeros(self.n), color=POSITIVE)
        self.ax.set_ylim(-0.5, 6)
        self.ax.set_title("h = max(0, w x + b)")
        self.freeze_background([self.line])   # only the line moves: the rest is drawn once
        self.start()

    def update(self, change=None):
        params = {"W1": np.array([[self.w.value]]), "b1": np.array([self.b.value])}
        z, _ = nb.affine_fprop(self.x[:, None], params["W1"], params["b1"])   # the core, not re-typed
        self.line.set_ydata(nb.relu_fprop(z)[0][:, 0])

    def describe(self):                   # the picture in words, with its numbers
        w, b = self.w.value, self.b.value
        where = f"bends at x = {-b / w:.2f}" if w else "is flat (w = 0)"
        top = self.line.get_ydata().max()
        return f"h = max(0, {w:.1f} x + {b:.1f}) on [-2, 2] {where}; its largest value is {top:.2f}"


@pytest.fixture
def app(make_app):
    return make_app(ReluLineApp, w=0.5, b=0.3)


def test_the_toy_app_is_not_registered_with_the_suites_apps():
    assert ReluLineApp not in ALL_APPS             # only apps defined in nnbasics.apps are


def test_the_toy_app_says_what_it_draws(app):
    assert app.summary == "h = max(0, 0.5 x + 0.3) on [-2, 2] bends at x = -0.60; its largest value is 1.30"
    app.w.value = 0.0
    assert app.summary.endswith("is flat (w = 0); its largest value is 0.30")


def test_the_toy_app_draws_the_core_function(app):
    np.testing.assert_allclose(app.line.get_ydata(), np.maximum(0, 0.5 * app.x + 0.3))
    assert app.state() == {"w": 0.5, "b": 0.3, "n": 101}


def test_the_toy_app_keeps_the_contract(app, make_app):
    # the checks test_all_apps.py makes of every app: sweep, picture changes, round trip
    for name, control in app.control_widgets().items():
        digests = {figure_digest(app.fig)}
        for v in sweep_values(control):
            control.value = v
            assert app.last_error is None and drawn_nonfinite(app.fig) == []
            digests.add(figure_digest(app.fig))
        assert len(digests) > 1, name
    app.w.value, app.b.value = -1.2, 0.7
    again = make_app(ReluLineApp, **app.state())
    assert again.state() == app.state() and figure_digest(again.fig) == figure_digest(app.fig)
    assert app.fast_draws > 0                         # moves pasted the frozen background


def test_hold_changes_several_controls_with_one_redraw(app):
    before = len(app.update_times)
    with app.hold():
        app.w.value = 1.5
        app.b.value = -1.0
    assert len(app.update_times) == before + 1
    np.testing.assert_allclose(app.line.get_ydata(), np.maximum(0, 1.5 * app.x - 1.0))


def test_a_control_that_is_not_a_widget_is_a_clear_error():
    class Broken(ReluLineApp):
        controls = ("w", "x")                         # x is an array, not a control

    with pytest.raises(TypeError, match=r"Broken.controls names 'x', which is ndarray, not an ipywidgets control"):
        Broken()


def test_settings_must_reach_app_init():
    class Forgetful(App):
        settings = ("n",)

        def __init__(self, n=3):
            super().__init__()

    with pytest.raises(TypeError, match=r"must pass its settings \['n'\] to App.__init__; missing \['n'\]"):
        Forgetful()
