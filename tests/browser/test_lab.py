"""Every notebook in JupyterLab: Run All, no traceback, no broken widget, each app answers its slider,
and the output areas meet WCAG 2.1 AA (axe-core, and the apps' names, summaries and focus order)."""
import pytest
from browser_support import ROOT, check_accessibility, check_page, harness, notebook_params


@pytest.mark.parametrize("nb_path", notebook_params())
def test_notebook_runs_and_apps_answer_in_lab(nb_path, browser, lab, browser_logs):
    nbp = harness.run_in_lab(browser, lab, nb_path.relative_to(ROOT))
    try:
        print(check_page(nbp, nb_path, browser_logs))
        print(check_accessibility(nbp, nb_path, browser_logs))
    finally:
        nbp.close()


def test_lab_runs_with_the_settings_binder_ships(lab):
    # binder/jupyterlab_overrides.json (comms not over kernel subshells) reaches the test Lab too.
    got = lab.api("GET", "lab/api/settings/@jupyterlab/apputils-extension:kernels-settings")
    assert got["settings"].get("commsOverSubshells") == "disabled", got["settings"]
