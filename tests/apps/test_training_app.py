"""TrainingApp and LossSurfaceApp (notebook 07), driven headless under Agg.

Playing is simulated the way the browser does it: the Play widget's value goes up by one per
tick while ``playing`` is True; every tick runs ``speed`` optimiser steps and redraws.
"""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent

import nnbasics as nb
from nnbasics.apps import LossSurfaceApp, TrainingApp
from nnbasics.apps.probe import drawn_nonfinite, figure_digest, sweep_values
from nnbasics.plots import decision_rgb, rgba8


def play(app, ticks):
    app.play.playing = True
    for _ in range(ticks):
        if not app.play.playing:
            break
        app.play.value += 1


@pytest.fixture
def app(make_app):
    return make_app(TrainingApp)


def shown_rgb(app, panel=0):
    return np.asarray(app.panels[panel].image.get_array())


def test_playing_trains_the_default_spiral_to_97_percent(app):
    app.speed.value = 50
    play(app, 30)                                          # 1500 steps
    tr = app.trainers[0]
    assert app.step == 1500 and app.last_error is None
    assert tr.history["train_acc"][-1] >= 0.97
    assert tr.history["train_loss"][-1] < tr.history["train_loss"][0]
    assert app.time.max == 1500 and app.time.value == 1500
    assert app.fast_draws > app.full_draws                 # ticks paste the frozen background, not full draws
    assert drawn_nonfinite(app.fig) == []


def test_step_and_reset_buttons(app):
    app.step_button.click()
    assert app.step == app.speed.value
    first = {k: v.copy() for k, v in app.trainers[0].snapshots[0].params.items()}
    app.reset_button.click()
    assert app.step == 0 and app.time.max == 0
    for k, v in first.items():                             # reset goes back to the same θ0
        np.testing.assert_array_equal(app.trainers[0].params[k], v)


def test_a_diverging_learning_rate_stops_playing_with_a_message_and_draws_nothing_nan(make_app):
    app = make_app(TrainingApp, lr=10 ** 1.5)
    play(app, 20)
    assert app.play.playing is False
    assert app.last_error is None
    assert app.diverged and "diverged" in app.message.value and "Lower" in app.diverged
    assert app.panels[0].warning.get_visible()
    assert drawn_nonfinite(app.fig) == []
    step = app.step
    play(app, 3)                                           # pressing play again does nothing
    assert app.step == step and app.play.playing is False
    app.lr.value = 0.05
    app.reset_button.click()
    play(app, 3)
    assert app.diverged is None and app.step > 0
    assert not app.panels[0].warning.get_visible()


def test_scrubbing_shows_exactly_the_stored_snapshot(app):
    app.optimizer.value = "both"
    play(app, 20)                                          # 200 steps, snapshots every 5
    live = shown_rgb(app).copy()
    app.time.value = 60
    for i, tr in enumerate(app.trainers):
        snap = tr.snapshot_at(60)
        assert snap.step == 60
        o, _ = nb.fprop(snap.params, app.grid)
        expected = rgba8(decision_rgb(nb.softmax(o)).reshape(app.RESOLUTION, app.RESOLUTION, 3))
        np.testing.assert_array_equal(shown_rgb(app, i), expected)
        line = app.curve_lines[("loss", tr.optimizer_name, "train")]
        assert line.get_xdata()[-1] == 60                  # curves drawn up to that step
    assert "step 60 of 200" in app.panels[0].ax.get_title()
    assert app.time_marks[0].get_visible()
    assert app.state()["time"] == 60
    app.time.value = app.time.max                          # back to the latest
    np.testing.assert_array_equal(shown_rgb(app), live)
    assert app.state()["time"] is None


def _click(app, x1, x2, button=1):
    ax = app.panels[0].ax
    app.fig.canvas.draw()
    px, py = ax.transData.transform((x1, x2))
    MouseEvent("button_press_event", app.fig.canvas, px, py, button=button)._process()


def test_clicked_points_become_training_data(make_app):
    app = make_app(TrainingApp, dataset="own", n_classes=2)
    assert app.trainers == [] and "click" in app.panels[0].empty.get_text()
    play(app, 2)                                           # nothing to train: no crash, stops
    assert app.last_error is None
    app.click_class.value = 0
    _click(app, -0.6, 0.5)
    _click(app, -0.5, -0.4)
    app.click_class.value = 1
    _click(app, 0.7, 0.1)
    assert app.last_error is None
    assert len(app.points) == 3
    np.testing.assert_allclose(app.points[0][:2], [-0.6, 0.5], atol=0.02)
    assert [p[2] for p in app.points] == [0, 0, 1]
    tr = app.trainers[0]
    assert tr.X.shape == (3, 2) and tr.y.tolist() == [0, 0, 1]
    play(app, 20)
    assert app.trainers[0].history["train_acc"][-1] == 1.0
    assert drawn_nonfinite(app.fig) == []
    state = app.state()
    app.clear_button.click()
    assert app.points == [] and app.trainers == []
    again = make_app(TrainingApp, **state)
    assert again.state() == state
    assert len(again.trainers[0].y) == 3


def test_a_click_also_adds_to_a_generated_data_set(app):
    n = len(app.trainers[0].y)
    app.click_class.value = 2
    _click(app, 0.0, 0.0)
    assert len(app.trainers[0].y) == n + 1 and app.trainers[0].y[-1] == 2
    _click(app, 2.0, 0.0, button=3)                       # right button: ignored
    assert len(app.points) == 1


def test_state_round_trips_with_training_and_scrubbing(app, make_app):
    app.set_state(dataset="moons", width=8, depth=3, optimizer="both", lr=0.2, momentum=0.8, batch_size=16,
                  seed=4, tiling=True)
    play(app, 12)
    app.time.value = 55
    state = app.state()
    assert state["steps"] == 120 and state["time"] == 55
    again = make_app(TrainingApp, **state)
    assert again.state() == state
    for i in range(2):
        np.testing.assert_array_equal(shown_rgb(again, i), shown_rgb(app, i))
    assert figure_digest(again.fig) == figure_digest(app.fig)


def test_sliders_swept_side_by_side_while_trained_and_tiled_draw_nothing_nan(make_app):
    app = make_app(TrainingApp, optimizer="both", tiling=True, width=4, depth=2)
    play(app, 3)
    for name in ("lr", "momentum", "batch_size", "weight_decay", "width", "depth"):
        control = getattr(app, name)
        for v in sweep_values(control, n=3):
            control.value = v
            assert app.last_error is None, f"{name}={v!r}: {app.last_error!r}"
        play(app, 1)
        assert app.last_error is None, f"{name} then a tick: {app.last_error!r}"
        assert drawn_nonfinite(app.fig) == [], name


def test_weight_decay_slider_reaches_every_trainer_and_shrinks_the_weights(make_app):
    apps = {lam: make_app(TrainingApp, dataset="moons", noise=0.3, optimizer="both", weight_decay=lam)
            for lam in (0.0, 0.03)}
    for app in apps.values():
        app.speed.value = 50
        play(app, 8)                                       # 400 steps, both optimisers
    for lam, app in apps.items():
        assert [t.weight_decay for t in app.trainers] == [lam, lam] and app.last_error is None
    norms = {lam: [sum(np.sum(v ** 2) for k, v in t.params.items() if k.startswith("W")) for t in app.trainers]
             for lam, app in apps.items()}
    assert all(d < 0.7 * n for d, n in zip(norms[0.03], norms[0.0], strict=True))
    assert "λ = 0.03" in apps[0.03].panels[0].ax.get_title()
    app = apps[0.0]
    app.weight_decay.value = 0.01                          # changed while training: no restart
    assert app.step == 400 and [t.weight_decay for t in app.trainers] == [0.01, 0.01]
    assert app.state()["weight_decay"] == 0.01


def test_exact_tiling_for_small_nets_grid_tiling_for_big_ones(make_app):
    app = make_app(TrainingApp, width=6, depth=2, tiling=True)
    play(app, 2)
    assert app.panels[0].edges.get_visible() and len(app.panels[0].edges.get_segments()) >= app.n_regions > 1
    app.width.value = 16
    assert app.panels[0].edge_image.get_visible() and not app.panels[0].edges.get_visible()
    assert np.asarray(app.panels[0].edge_image.get_array())[..., 3].max() > 0


def test_rebuilding_the_app_makes_no_extra_figure(make_app):
    before = len(plt.get_fignums())
    a = make_app(TrainingApp)
    play(a, 3)
    a.optimizer.value = "both"
    assert len(plt.get_fignums()) == before + 1
    a.close()
    assert len(plt.get_fignums()) == before


# -- the loss surface (its maths: tests/test_landscape.py) ----------------------------------------

def test_loss_surface_app_momentum_gets_lower_and_large_lr_draws_nothing_nan(make_app):
    app = make_app(LossSurfaceApp)
    assert app.last_error is None
    assert app.final["momentum"] < app.final["sgd"]
    np.testing.assert_allclose(app.coords["momentum"][-1], [1, 0], atol=1e-9)
    np.testing.assert_allclose(app.coords["sgd"][0], [0, 0], atol=1e-12)
    app.lr.value = 1.0
    app.momentum.value = 0.95
    app.steps.value = 200
    assert app.last_error is None and drawn_nonfinite(app.fig) == []


def test_side_by_side_titles_have_room_at_the_default_width(make_app):
    # the longest titles: both optimisers, weight decay, scrubbed back to an earlier step
    app = make_app(TrainingApp, optimizer="both", lr=0.0501, weight_decay=0.001, steps=300, time=120)
    assert "step 120 of 300" in app.panels[1].ax.get_title()
    app.fig.canvas.draw()
    r = app.fig.canvas.get_renderer()
    boxes = [p.ax.title.get_window_extent(r) for p in app.panels]
    assert boxes[0].x1 <= boxes[1].x0, f"the titles overlap: {boxes[0]} and {boxes[1]}"
    fig_box = app.fig.bbox
    for p, b in zip(app.panels, boxes, strict=True):
        assert fig_box.x0 <= b.x0 and b.x1 <= fig_box.x1 and b.y1 <= fig_box.y1, "a title is cut off"
        assert b.y0 >= p.ax.get_window_extent(r).y1 - 1, "a title covers its picture"
    curves = app.ax_loss.get_tightbbox(r)
    assert boxes[1].x1 <= curves.x0 + 1, "the right title runs into the curves"


def test_a_single_panels_title_stays_clear_of_the_curves(make_app):
    app = make_app(TrainingApp, optimizer="momentum", lr=0.0501, weight_decay=0.001, steps=300, time=120)
    app.fig.canvas.draw()
    r = app.fig.canvas.get_renderer()
    title = app.panels[0].ax.title.get_window_extent(r)
    assert app.fig.bbox.x0 <= title.x0 and title.y1 <= app.fig.bbox.y1
    assert title.x1 <= app.ax_loss.get_tightbbox(r).x0 + 1, "the title runs into the curves"
