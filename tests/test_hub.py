"""The class hub of deploy/jupyterhub, run for real: a hub with 3 students on 127.0.0.1, the
README's nbgitpuller link pulled from a local bare clone, a notebook run in a student's kernel.

Needs the hub's pins (deploy/jupyterhub/requirements*.txt) and configurable-http-proxy from npm
(deploy/jupyterhub/install.sh does both); skipped with the reason where they are missing, and
NNBASICS_REQUIRE_HUB=1 (set by .ci/run) turns that skip into a failure.
"""
import json
import os
import shutil
import subprocess
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "jupyterhub"))

import local_hub  # noqa: E402

NAMES = ["ada", "grace", "alan"]
NOTEBOOKS = f"{local_hub.CLONE}/notebooks"
REASON = local_hub.unavailable_reason()


@pytest.fixture(scope="module")
def available():
    if REASON:
        if os.environ.get("NNBASICS_REQUIRE_HUB") == "1":
            pytest.fail(f"NNBASICS_REQUIRE_HUB=1 but the class hub cannot run: {REASON}")
        pytest.skip(REASON)


@pytest.fixture(scope="module")
def klass(available, tmp_path_factory):
    """The hub, its 3 students (servers started through the REST API, logged in, link followed
    once) and the origin their link pulls from."""
    workdir = tmp_path_factory.mktemp("class-hub")
    origin = local_hub.make_origin(workdir)
    # what the link pulls: the origin's main as made (this checkout's HEAD may move meanwhile)
    head = local_hub.git("ls-remote", origin, "refs/heads/main").split()[0]
    with local_hub.LocalHub(workdir) as hub:
        hub.add_students(NAMES)
        students = {name: local_hub.Student(hub, name) for name in NAMES}
        link = local_hub.pull_link(hub.url, origin)

        def arrive(s):
            s.start_server()
            s.login()
            return s.open_link(link)

        with ThreadPoolExecutor(len(NAMES)) as pool:
            outputs = dict(zip(NAMES, pool.map(arrive, students.values()), strict=True))
        yield types.SimpleNamespace(hub=hub, students=students, origin=origin, head=head, link=link,
                                    workdir=workdir, first_pull=outputs)


def _notebooks_at(commit):
    out = local_hub.git("ls-tree", "--name-only", commit, "notebooks/", cwd=ROOT)
    return sorted(Path(line).name for line in out.split() if line.endswith(".ipynb"))


@pytest.mark.slow
def test_the_link_pulls_the_notebooks_into_each_students_home(klass):
    expected = _notebooks_at(klass.head)
    assert len(expected) >= 9
    for name in NAMES:
        assert "git clone" in "".join(klass.first_pull[name])
        clone = klass.hub.home(name) / local_hub.CLONE
        assert sorted(p.name for p in (clone / "notebooks").glob("*.ipynb")) == expected, name
        assert local_hub.git("rev-parse", "HEAD", cwd=clone).strip() == klass.head, name
        listing = klass.students[name].server_api("GET", f"contents/{NOTEBOOKS}")   # and the server sees it
        assert sorted(c["name"] for c in listing["content"] if c["type"] == "notebook") == expected


@pytest.mark.slow
def test_a_students_edit_survives_the_next_pull_and_the_instructors_update_arrives(klass):
    ada = klass.students["ada"]
    path = f"{NOTEBOOKS}/01_forward_propagation.ipynb"
    model = ada.server_api("GET", f"contents/{path}?type=notebook&content=1")
    nb = model["content"]
    code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    mine = "# ada's answer: h1 = max(0, W1 x + b1)\n"
    nb["cells"][code]["source"] = mine + "".join(nb["cells"][code]["source"])
    ada.server_api("PUT", f"contents/{path}", {"type": "notebook", "format": "json", "content": nb})  # as Lab saves

    # the instructor fixes the notebook's title cell and adds a line to another notebook
    import nbformat

    work = klass.workdir / "instructor"
    local_hub.git("clone", "--quiet", klass.origin, str(work))
    theirs_nb = nbformat.read(work / "notebooks/01_forward_propagation.ipynb", as_version=4)
    title = next(c for c in theirs_nb.cells if c.cell_type == "markdown")
    title.source += "\n\n*Updated by the instructor for this week.*"
    nbformat.write(theirs_nb, work / "notebooks/01_forward_propagation.ipynb")
    (work / "notebooks" / "README-week2.md").write_text("Week 2: notebooks 02 and 03.\n")
    local_hub.git("add", "notebooks", cwd=work)
    local_hub.git("commit", "--quiet", "-m", "week 2", cwd=work)
    local_hub.git("push", "--quiet", "origin", "main", cwd=work)
    shutil.rmtree(work)

    out = "".join(ada.open_link(klass.link))                      # the same link, clicked again
    assert "git merge" in out or "merge" in out.lower(), out
    clone = klass.hub.home("ada") / local_hub.CLONE
    merged = nbformat.read(clone / "notebooks/01_forward_propagation.ipynb", as_version=4)
    nbformat.validate(merged)
    assert mine in merged.cells[code].source                       # the student's edit survived
    assert "Updated by the instructor" in merged.cells[[c.cell_type for c in merged.cells].index("markdown")].source
    assert (clone / "notebooks" / "README-week2.md").read_text() == "Week 2: notebooks 02 and 03.\n"
    # a classmate who has not clicked again still has the original
    assert "Updated by the instructor" not in (klass.hub.home("grace") / local_hub.CLONE /
                                               "notebooks/01_forward_propagation.ipynb").read_text()


@pytest.mark.slow
def test_a_notebook_runs_top_to_bottom_in_the_students_own_kernel(klass):
    grace = klass.students["grace"]
    result = grace.run_notebook(f"{NOTEBOOKS}/03_softmax_nll.ipynb")
    assert result["error"] is None, result
    assert result["cells"] == result["of"] > 5
    # the kernel belongs to grace's server and imports nnbasics from grace's own pull
    session = grace.server_api("POST", "sessions", {"path": f"{NOTEBOOKS}/probe.ipynb", "type": "notebook",
                                                    "name": "", "kernel": {"name": "python3"}})
    try:
        with local_hub.KernelChannel(grace, session["kernel"]["id"]) as kernel:
            assert kernel.execute("import os, nnbasics; from ipykernel.connect import get_connection_info; "
                                  "print(nnbasics.__file__); print(os.getcwd()); "
                                  "print(get_connection_info(unpack=True)['transport'])", timeout=120) is None
            lib_file, cwd, transport = kernel.stdout.split()
            assert transport == "ipc"            # Unix sockets: no port races between servers
            assert kernel.execute("raise ValueError('planted')", timeout=60) == "ValueError: planted"
            # the connection drops mid-cell: reconnected with the same session, the server replays
            # what the kernel sent meanwhile, and the cell's reply and output still arrive
            import socket
            import threading

            threading.Timer(1.0, kernel.ws.sock.shutdown, args=[socket.SHUT_RDWR]).start()
            assert kernel.execute("import time; time.sleep(3); print('after the drop')", timeout=120) is None
            assert kernel.stdout == "after the drop\n"
            assert len(kernel.reconnects) == 1, kernel.reconnects
    finally:
        grace.server_api("DELETE", f"sessions/{session['id']}")
    home = klass.hub.home("grace").resolve()
    assert Path(lib_file).resolve() == home / local_hub.CLONE / "lib" / "nnbasics" / "__init__.py"
    assert Path(cwd).resolve() == home / NOTEBOOKS


@pytest.mark.slow
def test_a_failing_cell_is_reported_with_its_error(klass):
    alan = klass.students["alan"]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], "execution_count": None, "source": "x = 1"},
        {"cell_type": "code", "id": "b", "metadata": {}, "outputs": [], "execution_count": None, "source": "1 / 0"},
        {"cell_type": "code", "id": "c", "metadata": {}, "outputs": [], "execution_count": None, "source": "x"}]}
    alan.server_api("PUT", "contents/broken.ipynb", {"type": "notebook", "format": "json", "content": nb})
    result = alan.run_notebook("broken.ipynb")
    assert result["error"] == "ZeroDivisionError: division by zero"
    assert (result["cells"], result["of"]) == (1, 3)


@pytest.mark.slow
def test_every_student_gets_the_jupyterlab_setting_of_binder_postbuild(klass):
    """JupyterLab applies overrides.d as the schema's defaults; upstream's default differs."""
    wanted = json.loads((ROOT / "binder" / "jupyterlab_overrides.json").read_text())
    plugin, settings = next(iter(wanted.items()))
    package, name = plugin.split(":")
    upstream = json.loads((Path(sys.prefix) / "share/jupyter/lab/schemas" / package / f"{name}.json").read_text())
    for key, value in settings.items():
        assert upstream["properties"][key]["default"] != value, "the override would prove nothing"
    for s in klass.students.values():
        r = klass.hub.http.get(f"{s.base}lab/api/settings/{plugin}", timeout=60,
                               headers={"Authorization": f"token {s.token()}"})
        assert r.status_code == 200, r.text[:300]
        served = r.json()
        for key, value in settings.items():
            assert served["schema"]["properties"][key]["default"] == value, (s.name, key)
            assert key not in served["settings"] or served["settings"][key] == value, (s.name, key)


@pytest.mark.slow
def test_requests_without_a_token_are_refused(klass):
    import requests

    hub = klass.hub
    anonymous = requests.Session()
    assert anonymous.get(f"{hub.url}hub/api/users", timeout=30).status_code == 403
    assert anonymous.get(f"{hub.url}hub/api/users", timeout=30,
                         headers={"Authorization": "token not-a-token"}).status_code == 403
    r = anonymous.get(f"{hub.url}user/alan/api/contents", timeout=30, allow_redirects=False)
    assert r.status_code in (302, 403), r.status_code                 # to the login page, or refused
    if r.status_code == 302:
        assert "/hub/" in r.headers["Location"] and "login" in r.headers["Location"] + \
            anonymous.get(r.headers["Location"], timeout=30).url
    pull = anonymous.get(f"{hub.url}user/alan/git-pull/api", params={"repo": klass.origin, "targetpath": "stolen"},
                         timeout=30, allow_redirects=False)
    assert pull.status_code == 403
    assert not (hub.home("alan") / "stolen").exists()
    # one student's token does not open another student's server
    other = requests.get(f"{hub.url}user/alan/api/contents", timeout=30, allow_redirects=False,
                         headers={"Authorization": f"token {klass.students['ada'].token()}"})
    assert other.status_code in (403, 404), other.status_code


@pytest.mark.slow
def test_the_hub_listens_on_localhost_and_runs_the_idle_culler(klass):
    import psutil

    hub = klass.hub
    services = hub.api("GET", "services")
    assert "idle-culler" in services, services
    cmdlines = [" ".join(p.cmdline()) for p in psutil.Process(hub.proc.pid).children()]
    assert any("jupyterhub_idle_culler" in c and "--timeout=3600" in c for c in cmdlines), cmdlines
    assert any("configurable-http-proxy" in c and "--ip 127.0.0.1" in c for c in cmdlines), cmdlines
    if shutil.which("ss"):
        listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
        bound = [line for line in listening.splitlines() if f":{hub.port} " in line]
        assert bound and all("127.0.0.1:" in line for line in bound), bound


# -- the shipped configuration, loaded as JupyterHub loads it (no hub started) ---------------------
def _load_config(monkeypatch, tmp_path, site=None, **env):
    from traitlets.config.loader import PyFileConfigLoader

    for key in [k for k in os.environ if k.startswith("NNBASICS_HUB_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("NNBASICS_HUB_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("NNBASICS_HUB_SITE_CONFIG", str(tmp_path / "site_config.py"))
    if site is not None:
        (tmp_path / "site_config.py").write_text(site)
    for key, value in env.items():
        monkeypatch.setenv(f"NNBASICS_HUB_{key}", value)
    return PyFileConfigLoader(local_hub.CONFIG.name, path=str(local_hub.HERE)).load_config()


def _keys(config, prefix=""):
    for key, value in config.items():
        yield f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _keys(value, f"{prefix}{key}.")


def test_without_a_site_authenticator_the_hub_refuses_to_start(available, monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match=r"no authenticator.*LTI 1\.3.*OAuth"):
        _load_config(monkeypatch, tmp_path)


@pytest.mark.parametrize("auth", ["dummy", "shared-password", "jupyterhub.auth.DummyAuthenticator"])
def test_shared_password_authenticators_are_refused(available, monkeypatch, tmp_path, auth):
    with pytest.raises(SystemExit, match="shared or any password; use LTI or OAuth"):
        _load_config(monkeypatch, tmp_path, site=f"c.JupyterHub.authenticator_class = {auth!r}\n")


def test_a_real_class_gets_the_site_authenticator_system_users_localhost_and_the_culler(available, monkeypatch,
                                                                                          tmp_path):
    cfg = _load_config(monkeypatch, tmp_path, site="c.JupyterHub.authenticator_class = 'generic-oauth'\n")
    assert cfg.JupyterHub.authenticator_class == "generic-oauth"
    assert cfg.JupyterHub.spawner_class == "jupyterhub.spawner.LocalProcessSpawner"
    assert cfg.JupyterHub.bind_url == "http://127.0.0.1:8000/"
    assert cfg.JupyterHub.hub_bind_url.startswith("http://127.0.0.1:")
    assert cfg.ConfigurableHTTPProxy.command == [str(local_hub.PROXY)]
    assert not [k for k in _keys(cfg) if "password" in k.lower()]            # no password is shipped
    assert [s["name"] for s in cfg.JupyterHub.services] == ["idle-culler"]   # no admin token either
    culler_role = next(r for r in cfg.JupyterHub.load_roles if r["services"] == ["idle-culler"])
    assert "delete:servers" in culler_role["scopes"] and "admin:users" not in culler_role["scopes"]
    env = cfg.Spawner.environment
    assert env["OPENBLAS_NUM_THREADS"] == "1" and env["NBGITPULLER_APP"] == "lab"
    spawner = types.SimpleNamespace(user=types.SimpleNamespace(name="root"))   # exists on every machine
    assert env["PYTHONPATH"](spawner) == os.path.join(os.path.expanduser("~root"), local_hub.CLONE, "lib")
    assert env["JUPYTER_RUNTIME_DIR"](spawner) == os.path.join(os.path.expanduser("~root"), ".jupyter-run")
    assert cfg.Spawner.args == ["--KernelManager.transport=ipc"]
    deep = types.SimpleNamespace(user=types.SimpleNamespace(name="x"), home_dir="/srv/" + "h" * 60)
    with pytest.raises(ValueError, match="too long for their Unix sockets"):
        env["JUPYTER_RUNTIME_DIR"](deep)
    hook = cfg.Spawner.pre_spawn_hook
    assert hook(spawner) is None                                  # an existing user: nothing to create
    with pytest.raises(ValueError, match="not a valid Unix user name.*username claim"):
        hook(types.SimpleNamespace(user=types.SimpleNamespace(name="Jane.Doe@uni.example")))


def test_test_mode_is_explicit_and_its_admin_token_comes_only_from_the_environment(available, monkeypatch,
                                                                                     tmp_path):
    cfg = _load_config(monkeypatch, tmp_path, TEST="1", PORT="18123")
    assert cfg.JupyterHub.authenticator_class == "dummy"
    assert cfg.JupyterHub.spawner_class == "jupyterhub.spawner.SimpleLocalProcessSpawner"
    assert cfg.JupyterHub.bind_url == "http://127.0.0.1:18123/"
    assert [s["name"] for s in cfg.JupyterHub.services] == ["idle-culler"]
    cfg = _load_config(monkeypatch, tmp_path, TEST="1", ADMIN_TOKEN="t0k3n" * 8)
    admin = next(s for s in cfg.JupyterHub.services if s["name"] == "class-admin")
    assert admin["api_token"] == "t0k3n" * 8


@pytest.mark.parametrize("name,value", [("PORT", "80a"), ("HUB_API_PORT", "70000"), ("CULL_TIMEOUT", "0")])
def test_bad_settings_name_the_variable(available, monkeypatch, tmp_path, name, value):
    with pytest.raises(SystemExit, match=f"NNBASICS_HUB_{name} must be .*got '{value}'"):
        _load_config(monkeypatch, tmp_path, TEST="1", **{name: value})
