"""binder/ alone builds a working environment: the pins of requirements.txt, Python 3.11,
nnbasics installed, the ipywidgets and ipympl lab extensions enabled, Voila present.

The slow test builds the environment the way repo2docker does (scripts/binder_env.py): a copy
of the repository, a fresh venv, `pip install -r binder/requirements.txt` from the repo root.
"""
import re
import shutil
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import binder_env  # noqa: E402


def requirement_lines(path):
    """The requirement lines of a pip file, comments and blanks dropped, in order."""
    lines = []
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            lines.append(re.sub(r"\s+", " ", line))
    return lines


def test_binder_has_the_same_pins_as_requirements():
    ours = [ln for ln in requirement_lines(ROOT / "requirements.txt") if not ln.startswith("-r")]
    binder = requirement_lines(ROOT / "binder" / "requirements.txt")
    assert binder == ours, "binder/requirements.txt must carry exactly the pins of requirements.txt"
    assert all("==" in ln for ln in binder if not ln.startswith("-e")), binder
    assert "-e ." in binder, "binder/requirements.txt must install the package itself (-e .)"


def test_binder_runtime_is_python_311():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_binder_dir_holds_only_what_repo2docker_reads():
    # environment.yml or a Dockerfile in binder/ would make repo2docker ignore requirements.txt.
    names = {p.name for p in (ROOT / "binder").iterdir()}
    assert not names & {"environment.yml", "Dockerfile", "Pipfile", "Project.toml", "install.R"}, names


def test_postbuild_turns_off_widget_comms_over_kernel_subshells():
    # ipympl + ipykernel >= 7 + JupyterLab >= 4.4: comm threads race cell execution (kernel crashes).
    import json
    import os

    post = ROOT / "binder" / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    overrides = json.loads((ROOT / "binder" / "jupyterlab_overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:kernels-settings"]["commsOverSubshells"] == "disabled"
    assert "jupyterlab_overrides.json" in post.read_text()


def test_readme_binder_links_open_notebooks_that_exist():
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    links = re.findall(r"https://mybinder\.org/v2/[^\s)\]]+", text)
    if not links:
        pytest.skip("README.md has no Binder link yet")
    for url in links:
        m = re.search(r"[?&]urlpath=(?:lab/tree|voila/render|tree|notebooks)/([^&#]+)", url.replace("%2F", "/"))
        assert m, f"Binder link without urlpath to a notebook: {url}"
        path, _, query = urllib.parse.unquote(m.group(1)).partition("?")
        assert (ROOT / path).exists(), f"{url} opens {path}, which is not in the repository"
        if path and "voila/render" in url:          # lecture mode: the projector template postBuild installs
            assert query == "template=projector", url
            assert "voila/templates/projector" in (ROOT / "binder" / "postBuild").read_text()


@pytest.mark.slow
def test_environment_built_from_binder_alone(tmp_path):
    try:
        env = binder_env.build(tmp_path / "b")
    except binder_env.IndexUnreachable as e:
        pytest.skip(f"pip cannot reach the package index (or its cache) to build the Binder env:\n{e}"[:800])
    try:
        results = binder_env.check(env)
        failed = {k: v[1] for k, v in results.items() if not v[0]}
        assert not failed, failed
    finally:
        shutil.rmtree(tmp_path / "b", ignore_errors=True)
