"""Shared by the app tests: apps built and closed, controls swept with the generic checks.

    @pytest.fixture
    def app(make_app):                      # (make_module_app: one app for the whole module)
        return make_app(ForwardApp)         # closed (its figure too) after the test

    def test_x(app, sweep):
        for v in sweep(app, "x1"):          # every value of the slider, ends included; after each
            ...                             # move: no error in the app, nothing NaN/inf drawn

    def test_round_trip(app, make_app):
        again = make_app(ForwardApp, **app.state())     # closed after the test, pass or fail
"""
import pytest

from nnbasics.apps.probe import drawn_nonfinite, sweep_values


def _factory():
    made = []

    def make(cls, **kwargs):
        app = cls(**kwargs)
        made.append(app)
        return app

    return make, made


@pytest.fixture
def make_app():
    """``make_app(AppClass, **kwargs)``: an app for one test, closed after it."""
    make, made = _factory()
    yield make
    for app in made:
        app.close()


@pytest.fixture(scope="module")
def make_module_app():
    """``make_module_app(AppClass, **kwargs)``: an app shared by a module's tests, closed after them."""
    make, made = _factory()
    yield make
    for app in made:
        app.close()


def _sweep(app, name, n=9):
    control = app.control_widgets()[name]
    for v in sweep_values(control, n=n):
        control.value = v
        assert app.last_error is None, f"{name}={v!r}: {app.last_error!r}"
        assert drawn_nonfinite(app.fig) == [], f"{name}={v!r}"
        yield v


@pytest.fixture(scope="session")
def sweep():
    """``sweep(app, name, n=9)``: move control ``name`` over its range (ends included), yielding
    each value after the move, once the app raised nothing and drew nothing non-finite."""
    return _sweep
