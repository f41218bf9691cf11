"""Every notebook as `make present` shows it: Voila (127.0.0.1, token, projector template), one page
per notebook, opened once for all the checks below.

- lecture mode: exactly the cells not tagged lecture-hide are rendered (no exercise, no "not
  attempted", no code), the widgets render and every app answers its slider;
- WCAG 2.1 AA: axe-core's WCAG 2.0/2.1 A and AA rules on the whole page find nothing serious or
  critical (the rest is printed), and every app names its controls and pictures, shows its live
  text summary (which follows a slider moved with the keyboard) and keeps its focus order
  (browser_support.check_accessibility); on notebook 07's page a training point is added with
  the keyboard alone.

(JupyterLab's output areas are checked in test_lab.py, in the page that ran the notebook.)
"""
import json
import re
import time

import pytest
from browser_support import NOTEBOOKS, ROOT, axe_audit, check_accessibility, check_page, harness, notebook_params

LECTURE_HIDE = "lecture-hide"
# what an exercise shows in a page: its heading, its stub's error, its check's verdict
EXERCISE_TEXT = ("Your turn", "not attempted", "NotImplementedError")


def shown_cells(nb_path):
    """How many cells the lecture page renders, and how many it leaves out (tagged lecture-hide)."""
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    hidden = sum(LECTURE_HIDE in c.get("metadata", {}).get("tags", []) for c in cells)
    return len(cells) - hidden, hidden


def check_lecture_page(nbp, nb_path):
    """No exercise on the projector: exactly the untagged cells are rendered, and no exercise text."""
    shown, hidden = shown_cells(nb_path)
    if "NotImplementedError" in nb_path.read_text(encoding="utf-8"):
        assert hidden, f"{nb_path.name} has exercises but tags no cell {LECTURE_HIDE!r}"
    rendered = nbp.page.locator("#rendered_cells [cell-index]").count()
    assert rendered == shown, (f"{nb_path.name}: Voila rendered {rendered} cells; {shown} are not tagged "
                               f"{LECTURE_HIDE!r} ({hidden} are)")
    text = nbp.page.locator("#rendered_cells").inner_text()
    found = [t for t in EXERCISE_TEXT if t in text]
    assert not found, f"{nb_path.name}: the lecture page shows exercise text {found}"
    return f"{shown} cells shown, {hidden} hidden"


def test_present_resolves_a_number_to_one_notebook():
    import present

    for nb in NOTEBOOKS:
        assert present.resolve_notebook(nb.name[:2], nb.parent) == nb.resolve()
        assert present.resolve_notebook(str(int(nb.name[:2])), nb.parent) == nb.resolve()
    with pytest.raises(SystemExit, match="no notebook matches"):
        present.resolve_notebook("99", ROOT / "notebooks")


def test_present_binds_localhost_with_a_token():
    import present

    cmd = present.voila_command(ROOT / "notebooks", 8899, "secret")
    assert "--Voila.ip=127.0.0.1" in cmd and "--Voila.token=secret" in cmd and "--template=projector" in cmd
    assert (present.TEMPLATES / "voila" / "templates" / "projector" / "index.html.j2").exists()


@pytest.fixture(scope="module", params=notebook_params())
def voila_page(request, browser, browser_logs):
    """``(notebook path, NotebookPage)``: the notebook rendered by Voila, once for this module's tests."""
    nb_path = request.param
    with harness.voila_server(nb_path, log_dir=browser_logs) as voila:
        nbp = harness.open_in_voila(browser, voila)
        nbp.name = nb_path.stem
        try:
            yield nb_path, nbp
        finally:
            nbp.close()


def test_lecture_page_shows_no_exercise_and_its_apps_answer(voila_page, browser_logs):
    nb_path, nbp = voila_page
    code = nbp.page.locator(".jp-InputArea-editor, .jp-CodeMirrorEditor, .cm-editor")
    assert code.count() == 0, "Voila shows code cells"
    lecture = check_lecture_page(nbp, nb_path)
    print(check_page(nbp, nb_path, browser_logs), "·", lecture)


def test_voila_page_meets_wcag_aa(voila_page, browser_logs):
    nb_path, nbp = voila_page
    assert not nbp.errors(), "\n---\n".join(nbp.errors()[:2])
    print(check_accessibility(nbp, nb_path, browser_logs))


def _added(summary):
    m = re.search(r"\((\d+) added", summary.inner_text())
    return int(m.group(1)) if m else None


# the notebooks with a TrainingApp (07); the test reuses their page, opened for the tests above
WITH_TRAINING_APP = [p for p in NOTEBOOKS if "TrainingApp(" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("voila_page", notebook_params(WITH_TRAINING_APP), indirect=True)
def test_keyboard_alone_adds_a_training_point(voila_page):
    nb_path, nbp = voila_page
    page = nbp.page
    app = page.locator(".nnb-app:has(button:has-text('add point'))").first
    assert app.count(), "07's TrainingApp shows no 'add point' button"
    summary = app.locator(".nnb-summary")
    before, picture = _added(summary), harness.wait_stable_picture(app)
    assert before is not None, summary.inner_text()

    def focused():
        return page.evaluate("() => { const e = document.activeElement; "
                             "return [e.tagName, e.getAttribute('aria-label') || e.textContent.trim()]; }")

    app.locator("select[aria-label='a new point is']").focus()      # the class menu, then only keys
    page.keyboard.press("ArrowDown")                                  # class 2
    page.keyboard.press("Tab")
    assert focused() == ["INPUT", "x₁"], focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.5")
    page.keyboard.press("Tab")
    assert focused() == ["INPUT", "x₂"], focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("-0.25")
    page.keyboard.press("Tab")
    assert focused() == ["BUTTON", "add point"], focused()
    page.keyboard.press("Enter")
    t0 = time.time()
    while _added(summary) != before + 1 and time.time() - t0 < 20:
        time.sleep(0.2)
    text = summary.inner_text()
    assert _added(summary) == before + 1, f"Enter on 'add point' added nothing: {text!r}"
    assert "the last at (0.50, -0.25) in class 2" in text, text
    assert harness.wait_stable_picture(app) != picture, "the new point is not in the picture"
    page.keyboard.press("Space")                                      # the button still has focus
    t0 = time.time()
    while _added(summary) != before + 2 and time.time() - t0 < 20:
        time.sleep(0.2)
    assert _added(summary) == before + 2, f"Space on 'add point' added nothing: {summary.inner_text()!r}"
    label = app.locator("[role='img']").first.get_attribute("aria-label")
    assert f"({before + 2} added" in label, f"the picture's text alternative did not follow: {label!r}"


def test_the_checks_find_what_they_look_for(browser):
    # a page made to fail every check: a nameless slider handle (axe: aria-input-field-name), an
    # icon-only button, a picture without a text alternative, tabindex > 0, focus going back up-left
    page = harness.new_page(browser)
    try:
        page.set_content("""<html lang="en"><head><title>t</title></head><body><main>
          <div class="nnb-app" style="position:relative">
            <div style="margin:100px 0 0 300px"><div role="slider" tabindex="0" aria-valuenow="1">1</div></div>
            <button style="margin-top:40px"><i class="fa fa-play"></i></button>
            <div class="jupyter-matplotlib-canvas-div"><canvas width="10" height="10"></canvas></div>
            <a href="#" tabindex="3" style="margin-left:200px">third</a>
            <input type="checkbox" aria-label="back up" style="position:absolute; left:0; top:0">
          </div></main></body></html>""")
        report = axe_audit.run_axe(page, name="made to fail")
        assert {"aria-input-field-name", "button-name"} <= set(report.counts())
        n, problems, summaries = axe_audit.app_problems(page)
        text = "\n".join(problems)
        assert n == 1 and summaries == [""]
        for expected in ("no live text summary", "a slider handle has no name", "a button has no name",
                         "a picture without role=img", "tabindex 3 > 0", "focus goes back up and left"):
            assert expected in text, text
    finally:
        page.close()
