"""Lecture mode: notebooks rendered by Voila as `make present` starts it (127.0.0.1, token,
projector template); the widgets render and answer their sliders, with no error shown."""
import pytest
from browser_support import NOTEBOOKS, ROOT, check_page, harness, notebook_params


def voila_notebooks():
    """02 and 07 (the lecture apps) when they exist, else the first two notebooks there are."""
    wanted = [p for p in NOTEBOOKS if p.name[:3] in ("02_", "07_")]
    others = [p for p in NOTEBOOKS if p not in wanted]
    return (wanted + others)[:max(2, len(wanted))]


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
def test_notebook_apps_answer_in_voila(nb_path, browser, browser_logs):
    with harness.voila_server(nb_path, log_dir=browser_logs) as voila:
        nbp = harness.open_in_voila(browser, voila)
        try:
            code = nbp.page.locator(".jp-InputArea-editor, .jp-CodeMirrorEditor, .cm-editor")
            assert code.count() == 0, "Voila shows code cells"
            print(check_page(nbp, nb_path, browser_logs))
        finally:
            nbp.close()
