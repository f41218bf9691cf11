"""Lecture mode: notebooks rendered by Voila as `make present` starts it (127.0.0.1, token,
projector template); the cells tagged lecture-hide (exercises, their checks, assert-only cells,
timing) are not shown, and the widgets render and answer their sliders, with no error shown."""
import json

import pytest
from browser_support import NOTEBOOKS, ROOT, check_page, harness, notebook_params

LECTURE_HIDE = "lecture-hide"
# what an exercise shows in a page: its heading, its stub's error, its check's verdict
EXERCISE_TEXT = ("Your turn", "not attempted", "NotImplementedError")


def voila_notebooks():
    """02, 05 and 07 (the lecture apps; 05 and 07 as the issue names them) when they exist, else
    the first two notebooks there are."""
    wanted = [p for p in NOTEBOOKS if p.name[:3] in ("02_", "05_", "07_")]
    others = [p for p in NOTEBOOKS if p not in wanted]
    return (wanted + others)[:max(2, len(wanted))]


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


@pytest.mark.parametrize("nb_path", notebook_params(voila_notebooks()))
def test_lecture_page_shows_no_exercise_and_its_apps_answer_in_voila(nb_path, browser, browser_logs):
    with harness.voila_server(nb_path, log_dir=browser_logs) as voila:
        nbp = harness.open_in_voila(browser, voila)
        try:
            code = nbp.page.locator(".jp-InputArea-editor, .jp-CodeMirrorEditor, .cm-editor")
            assert code.count() == 0, "Voila shows code cells"
            lecture = check_lecture_page(nbp, nb_path)
            print(check_page(nbp, nb_path, browser_logs), "·", lecture)
        finally:
            nbp.close()
