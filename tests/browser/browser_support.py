"""What the browser tests share (kept out of conftest.py so test modules can import it by name)."""
import contextlib
import os
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import axe_audit  # noqa: E402
import browser_harness as harness  # noqa: E402

# The tree JupyterLab serves and whose notebooks/ are tested: the repository, or (to try the
# tests on scratch notebooks) NNBASICS_BROWSER_ROOT.
ROOT = Path(os.environ.get("NNBASICS_BROWSER_ROOT", REPO)).resolve()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def notebook_params(notebooks=None):
    """pytest params over the notebooks (a placeholder that skips when there are none yet)."""
    nbs = NOTEBOOKS if notebooks is None else notebooks
    if not nbs:
        return [pytest.param(None, id="no-notebooks",
                             marks=pytest.mark.skip(reason="notebooks/ holds no notebook yet"))]
    return [pytest.param(p, id=p.stem) for p in nbs]


def expects_apps(nb_path):
    """Whether the notebook shows ipympl figures (then it must render at least one app)."""
    return "%matplotlib widget" in Path(nb_path).read_text(encoding="utf-8")


def check_page(nbp, nb_path, shots_dir):
    """The assertions shared by the Lab and Voila tests; returns a one-line summary."""
    shot = shots_dir / f"{nbp.kind}-{nbp.name}.png"

    def fail(msg):
        deaths = nbp.kernel_deaths()
        if deaths and "died" not in msg:
            msg += "\n(the kernel died: " + " | ".join(deaths[:3]) + ")"
        try:
            nbp.page.screenshot(path=str(shot), full_page=True)
            msg += f"\n(screenshot of the page: {shot})"
        except Exception:
            pass
        pytest.fail(msg, pytrace=False)

    def check_alive_and_clean(died_while, error_after):
        deaths = nbp.kernel_deaths()
        if deaths:
            fail(f"{nbp.kind}: the kernel of {nb_path.name} died while {died_while}:\n" + "\n".join(deaths[:5]))
        errors = nbp.errors()
        if errors:
            fail(f"{nbp.kind}: {nb_path.name} shows an error after {error_after}:\n" + "\n---\n".join(errors[:3]))

    check_alive_and_clean("it ran", "running")
    apps = nbp.app_outputs()
    if expects_apps(nb_path) and not apps:
        fail(f"{nbp.kind}: {nb_path.name} uses %matplotlib widget but no output holds an ipympl canvas "
             f"and a slider ({len(nbp.widget_outputs())} widget outputs)")
    moved = []
    for i, out in enumerate(apps):
        r = harness.nudge_first_slider(nbp.page, out)
        if r.errors:
            fail(f"{nbp.kind}: {nb_path.name} app #{i}: {r.errors} appeared after moving its first slider:\n"
                 + "\n---\n".join(nbp.errors(out)[:2]))
        if not r.changed:
            fail(f"{nbp.kind}: {nb_path.name} app #{i}: the picture did not change after "
                 f"ArrowRight/ArrowLeft on its first slider (readout {r.readout_before!r} -> "
                 f"{r.readout_after!r})")
        moved.append(f"{r.readout_before}->{r.readout_after} in {r.seconds:.1f}s")
    check_alive_and_clean("its sliders moved", "the slider moves")
    return f"{nbp.kind} {nb_path.name}: ran in {nbp.seconds:.0f} s, {len(apps)} apps moved ({'; '.join(moved)})"


def check_accessibility(nbp, nb_path, shots_dir):
    """WCAG 2.1 AA on a page that has run: axe-core's A/AA rules (JupyterLab: only the output areas,
    the rest is JupyterLab's own interface; Voila: the whole page) must find nothing serious or
    critical; every app names its controls and pictures, shows its live summary, keeps its focus
    order, and its summary follows a slider moved with the keyboard. Returns axe's one-line report
    (the minor and moderate findings included)."""
    page, t0 = nbp.page, time.time()
    report = axe_audit.audit_lab_outputs(nbp) if nbp.kind == "lab" else axe_audit.audit_voila(nbp)
    problems = ["axe-core: serious or critical WCAG 2.1 A/AA violations:\n" + report.details()] if report.blocking() \
        else []
    n_apps, found, summaries = axe_audit.app_problems(page)
    problems += found
    outputs = nbp.app_outputs()
    if n_apps < len(outputs):
        problems.append(f"{len(outputs)} outputs hold an app but only {n_apps} carry the accessibility bridge")
    if outputs and not problems:      # the live summary answers the keyboard (first slider of the first app)
        summary = outputs[0].locator(".nnb-summary").first
        handle = outputs[0].locator(harness.SLIDER_HANDLE).first
        before = summary.inner_text()
        at_max = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
        key = "ArrowLeft" if at_max else "ArrowRight"
        handle.focus()
        for _ in range(2):
            page.keyboard.press(key)
        t1 = time.time()
        while summary.inner_text() == before and time.time() - t1 < 10:
            time.sleep(0.2)
        if summary.inner_text() == before:
            problems.append(f"{key} twice on the first slider ({handle.get_attribute('aria-label')}) did not change "
                            f"the live summary: {before!r}")
    if problems:
        shot = shots_dir / f"a11y-{nbp.kind}-{nb_path.stem}.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot), full_page=True)
        pytest.fail(f"{nbp.kind} {nb_path.name}: not accessible ({report.line()}):\n" + "\n".join(problems)
                    + f"\n(screenshot: {shot})", pytrace=False)
    return f"{report.line()}; {n_apps} apps named, summarised and in focus order ({time.time() - t0:.1f} s)"

