"""StepSizeApp and KinkApp (notebook 06): truncation vs. round-off, and the check at a ReLU kink."""
import numpy as np
import pytest

from nnbasics.apps import KinkApp, StepSizeApp
from nnbasics.problems import EPS_GRID

E64, E32 = np.finfo(np.float64).eps, np.finfo(np.float32).eps


@pytest.fixture(scope="module")
def steps(make_module_app):
    return make_module_app(StepSizeApp)


@pytest.fixture(scope="module")
def kink(make_module_app):
    return make_module_app(KinkApp)


def test_step_slider_swept(steps, sweep):
    seen = set()
    for v in sweep(steps, "eps", n=15):
        seen.add(tuple(m.get_xydata()[0, 1] for m in steps.markers.values()))
        errs, e = steps.errors_at(v)
        assert steps.markers[("central", "float64")].get_xydata()[0, 1] == errs[("central", "float64")]
        assert f"{e:.1e}" in steps.readout.value
    assert len(seen) > 5


def test_best_steps_are_near_the_theory(steps):
    """Minima near √ε_mach (forward) and ε_mach^(1/3) (central), within a factor ~30."""
    best = steps.best
    for (method, dtype), theory in [(("forward", "float64"), E64 ** 0.5), (("central", "float64"), E64 ** (1 / 3)),
                                    (("forward", "float32"), E32 ** 0.5), (("central", "float32"), E32 ** (1 / 3))]:
        ratio = best[(method, dtype)] / theory
        assert 1 / 30 < ratio < 30, f"{method} {dtype}: best ε {best[(method, dtype)]:.1e} vs theory {theory:.1e}"
    assert best[("forward", "float64")] < best[("central", "float64")]
    assert best[("forward", "float32")] < best[("central", "float32")]
    assert best[("central", "float64")] < best[("central", "float32")]
    e = steps.errors
    for dtype in ("float64", "float32"):
        assert e[("central", dtype)].min() < 0.1 * e[("forward", dtype)].min()
    assert e[("central", "float64")].min() < 1e-9
    assert e[("central", "float32")].min() > 1e-6                  # float32 cannot pass a 1e-7 tolerance


def _slope(errors, lo, hi):
    sel = (EPS_GRID >= lo) & (EPS_GRID <= hi)
    return np.polyfit(np.log10(EPS_GRID[sel]), np.log10(errors[sel]), 1)[0]


def test_truncation_and_round_off_slopes(steps):
    """Right: error ∝ ε (forward), ∝ ε² (central). Left: error ∝ 1/ε (round-off)."""
    e = steps.errors
    assert _slope(e[("forward", "float64")], 1e-5, 1e-2) == pytest.approx(1.0, abs=0.15)
    assert _slope(e[("central", "float64")], 1e-4, 1e-2) == pytest.approx(2.0, abs=0.2)
    assert _slope(e[("central", "float64")], 1e-13, 1e-8) == pytest.approx(-1.0, abs=0.3)
    assert _slope(e[("forward", "float64")], 1e-13, 1e-9) == pytest.approx(-1.0, abs=0.3)
    assert np.all(e[("forward", "float32")][EPS_GRID < 1e-8] > 0.5)   # w + ε == w in float32


def test_kink_slider_swept(kink, sweep):
    seen = set()
    for _ in sweep(kink, "z_over_eps", n=13):
        seen.add((tuple(kink.secant.get_xydata().ravel()), kink.readout.value))
    assert len(seen) == 13


@pytest.mark.parametrize("t", [-3.0, -2.0, -1.2, 1.25, 2.0, 3.0])
def test_away_from_the_kink_the_check_passes(kink, t):
    kink.z_over_eps.value = t
    r = kink.report
    assert r.max_error < 1e-7 and r.ok and r.kinks == []
    assert "PASS" in kink.readout.value and "FAIL" not in kink.readout.value


@pytest.mark.parametrize("t", [-0.9, -0.3, 0.0, 0.3, 0.9])
def test_at_the_kink_the_check_fails_and_grad_check_flags_it(kink, t):
    kink.z_over_eps.value = t
    r = kink.report
    assert r.max_error > 1e-3, "the finite difference across the kink is not a derivative"
    assert ("b1", (0,)) in r.kinks, "the unit's bias is flagged"
    assert all(name in ("W1", "b1") and idx[0] == 0 for name, idx in r.kinks), "only unit 1's entries"
    assert r.max_error_away_from_kinks < 1e-7 and r.ok
    assert "FAIL" in kink.readout.value and "flagged" in kink.readout.value
    # the secant through z ± ε has slope (max(0, t+1) − max(0, t−1)) / 2, bprop's is 0 or 1
    (z0, h0), (z1, h1) = kink.secant.get_xydata()
    assert (h1 - h0) / (z1 - z0) == pytest.approx((max(0, t + 1) - max(0, t - 1)) / 2)


def test_kink_curve_matches_the_live_check(kink):
    flagged = kink.GRID[kink.flagged]
    assert flagged.min() >= -1.0 and flagged.max() <= 1.0
    assert np.all(kink.curve[np.abs(kink.GRID) > 1.001] < 1e-7)
    assert np.all(kink.curve[np.abs(kink.GRID) < 0.999] > 1e-3)
