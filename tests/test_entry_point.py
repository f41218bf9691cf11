"""tasks.py, the entry point behind every make target and the way in without make (Windows):
one Python range everywhere, a one-line first error on an unsupported Python with nothing
created, the venv's paths on every OS, its argument errors, and `lab` from a fresh copy."""
import ast
import functools
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import binder_env  # noqa: E402  (copy_repo: the repository as a fresh clone has it, no .venv)


def _load_tasks():
    flag = sys.dont_write_bytecode                   # tasks.py sets it for its own runs; not ours
    spec = importlib.util.spec_from_file_location("nnbasics_tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.dont_write_bytecode = flag
    return module


tasks = _load_tasks()
RANGE = tasks.supported_range()
posix_only = pytest.mark.skipif(os.name == "nt", reason="uses a /bin/sh stand-in for python, or process groups")
BASE_PYTHON = getattr(sys, "_base_executable", None) or sys.executable    # not this venv's python


def fake_python(path, version=(3, 10, 12)):
    """A `python` that reports `version` (sys.version_info) and runs scripts with the real one:
    how a student's Ubuntu 22.04 python3 (3.10) looks to tasks.py."""
    v = ", ".join(map(str, version))
    path.write_text(f"""#!/bin/sh
# Reports Python {".".join(map(str, version))}; runs the script with {BASE_PYTHON}.
if [ "$1" = "--version" ]; then echo "Python {".".join(map(str, version))}"; exit 0; fi
exec "{BASE_PYTHON}" -c 'import runpy, sys
sys.version_info = ({v}, "final", 0)
sys.executable = "{path}"
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")' "$@"
""")
    path.chmod(0o755)
    return path


@functools.cache
def old_pythons():
    """Real interpreters older than the range that exist here (pyenv keeps some): tasks.py must
    parse and explain itself on them."""
    found = {}
    for minor in range(6, RANGE[0][1]):
        for cand in [shutil.which(f"python3.{minor}")] + sorted(
                Path.home().glob(f".pyenv/versions/3.{minor}.*/bin/python3.{minor}")):
            if cand and subprocess.run([str(cand), "-c", f"import sys; assert sys.version_info[:2] == (3, {minor})"],
                                       capture_output=True).returncode == 0:
                found[f"3.{minor}"] = str(cand)
                break
    return found


def snapshot(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A copy of the repository as a fresh clone has it (no .venv)."""
    return binder_env.copy_repo(tmp_path_factory.mktemp("clone") / "repo")


def stamp_installed(venv):
    """``venv`` installed as far as tasks.py can tell: the stamps it writes after each pip install."""
    for stamp, inputs in ((".runtime", tasks.RUNTIME_INPUTS), (".dev", tasks.DEV_INPUTS + tasks.RUNTIME_INPUTS)):
        (venv / stamp).write_text(tasks.digest(inputs) + "\n")


def shell_env(**extra):
    """The environment of a command typed in a shell: not a sub-make of a make that runs pytest."""
    env = {k: v for k, v in os.environ.items() if k not in tasks.MAKE_ONLY}
    return dict(env, **extra)


def run_tasks(python, *args, cwd=ROOT, env=None):
    p = subprocess.run([str(python), str(Path(cwd) / "tasks.py"), *args], cwd=cwd, capture_output=True, text=True,
                       env=shell_env(**(env or {})), timeout=120)
    return p.returncode, p.stdout, p.stderr


# --- one truth about Python versions ---------------------------------------------------------

def test_one_python_range_in_pyproject_readme_ci_and_make():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (lo_major, lo), (_, hi) = RANGE
    assert meta["project"]["requires-python"] == f">={lo_major}.{lo},<{lo_major}.{hi + 1}"
    classified = {c.rsplit(" :: ", 1)[1] for c in meta["project"]["classifiers"]
                  if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert classified == {f"3.{m}" for m in range(lo, hi + 1)}
    assert meta["tool"]["ruff"]["target-version"] == f"py3{lo}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert tasks.range_text(RANGE) in setup, "README's setup section must state the supported range"
    assert not re.search(r"3\.\d+\+", setup), "README's setup section still says 3.x+ somewhere"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "tasks.py check-python" in ci and not re.search(r"version_info|3, 1\d\)", ci), \
        ".ci/run must ask tasks.py (one range), not check a version of its own"
    makefile = (ROOT / "Makefile").read_text()
    assert "tasks.py" in makefile and not re.search(r"3\.1\d", makefile), "the Makefile leaves versions to tasks.py"


def test_range_is_read_from_pyproject_and_bad_forms_are_refused(tmp_path):
    p = tmp_path / "pyproject.toml"
    p.write_text('[project]\nrequires-python = ">=3.12,<3.16"\n')
    assert tasks.supported_range(p) == ((3, 12), (3, 15))
    for bad in ('">=3.11"', '">=3.11,<3.11"', '"~=3.11"'):
        p.write_text(f"[project]\nrequires-python = {bad}\n")
        with pytest.raises(tasks.SetupError, match="requires-python"):
            tasks.supported_range(p)


@pytest.mark.parametrize("version,supported", [((3, 10, 12), False), ((3, 11, 0), True), ((3, 14, 2), True),
                                               ((3, 15, 0), False), ((3, 6, 15), False)])
def test_python_problem_names_the_python_the_range_and_what_to_do(version, supported):
    msg = tasks.python_problem(version, "/usr/bin/python3", "lab", RANGE, platform="linux", os_name="posix",
                               via_make=True, runs=lambda name, minor: False)
    if supported:
        assert msg is None
        return
    assert "\n" not in msg
    assert msg.startswith(f"error: Python {'.'.join(map(str, version))} (/usr/bin/python3) ")
    assert ("too old" if version < (3, 11) else "newer than the pinned packages") in msg
    assert "needs Python 3.11 to 3.14" in msg
    assert "sudo apt install python3.11 python3.11-venv" in msg and "make lab PYTHON=python3.11" in msg
    assert "Binder link in README.md" in msg


@pytest.mark.parametrize("platform,os_name,via_make,installed,expect", [
    ("linux", "posix", True, {"python3.12"}, "You have python3.12: run make test PYTHON=python3.12"),
    ("linux", "posix", False, set(), "sudo apt install python3.11 python3.11-venv"),
    ("linux", "posix", False, set(), "then run python3.11 tasks.py test"),
    ("darwin", "posix", True, set(), "brew install python@3.14, then run make test PYTHON=python3.14"),
    ("win32", "nt", False, {"python3.12"}, "winget install Python.Python.3.14, then run py -3.14 tasks.py test"),
])
def test_advice_fits_the_platform(platform, os_name, via_make, installed, expect):
    msg = tasks.python_problem((3, 10, 12), "python", "test", RANGE, platform=platform, os_name=os_name,
                               via_make=via_make, runs=lambda name, minor: name in installed)
    assert expect in msg, msg


@posix_only
def test_runs_as_refuses_a_command_that_is_on_path_but_does_not_run(tmp_path, monkeypatch):
    # pyenv puts shims for every installed version on PATH; one not selected fails when run.
    shim = tmp_path / "python3.12"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert not tasks.runs_as("python3.12", (3, 12))
    real = tmp_path / "python3.11"
    real.symlink_to(BASE_PYTHON)
    assert tasks.runs_as("python3.11", tuple(sys.version_info[:2])) == (sys.version_info[:2] == (3, 11))
    assert not tasks.runs_as("python3.11", (3, 99))                  # runs, but is not that version


@pytest.mark.parametrize("launcher,venv,in_venv,expect", [
    ((3, 11, 7), None, False, "run"),
    ((3, 10, 12), None, False, "old"),
    ((3, 15, 0), None, False, "old"),
    ((3, 10, 12), (3, 11, 7), False, "reexec"),
    ((3, 12, 1), (3, 10, 12), False, "stale"),
    ((3, 11, 7), (3, 11, 7), True, "run"),
    ((3, 13, 0), (3, 11, 7), False, "run"),
])
def test_plan(launcher, venv, in_venv, expect):
    assert tasks.plan(launcher, venv, in_venv, RANGE) == expect


# --- paths on every OS -----------------------------------------------------------------------

@pytest.mark.parametrize("os_name,venv,python", [
    ("posix", PurePosixPath("/home/ana/nnb/.venv"), "/home/ana/nnb/.venv/bin/python"),
    ("nt", PureWindowsPath(r"C:\Users\ana\nnb\.venv"), r"C:\Users\ana\nnb\.venv\Scripts\python.exe"),
])
def test_venv_paths_per_os(os_name, venv, python):
    assert str(tasks.venv_python(venv, os_name)) == python
    assert str(tasks.venv_bin(venv, os_name)) == python.rsplit("/" if os_name == "posix" else "\\", 1)[0]


@pytest.mark.parametrize("cfg,version", [("home = /usr/bin\nversion = 3.11.7\n", (3, 11, 7)),
                                         ("home = C:\\Python312\nversion_info = 3.12.1.final.0\n", (3, 12, 1))])
def test_venv_version_from_pyvenv_cfg(tmp_path, cfg, version):
    assert tasks.venv_version(tmp_path) is None
    (tmp_path / "pyvenv.cfg").write_text(cfg)
    assert tasks.venv_version(tmp_path) == version


def test_source_parses_on_python_3_6():
    # The system Python runs tasks.py before any venv exists, old ones included: they must get
    # the sentence, not a SyntaxError.
    ast.parse((ROOT / "tasks.py").read_text(), feature_version=(3, 6))
    assert "pathlib" in (ROOT / "tasks.py").read_text() and "os.system" not in (ROOT / "tasks.py").read_text()


def test_jupyterlab_overrides_are_what_binder_postbuild_installs(tmp_path):
    if not shutil.which("bash"):
        pytest.skip("no bash to run binder/postBuild")
    env = dict(os.environ, NB_PYTHON_PREFIX=str(tmp_path / "binder"))
    subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], check=True, capture_output=True, env=env)
    tasks.install_overrides(tmp_path / "tasks")
    theirs = {p.relative_to(tmp_path / "binder"): p.read_bytes() for p in (tmp_path / "binder").rglob("*.json")}
    ours = {p.relative_to(tmp_path / "tasks"): p.read_bytes() for p in (tmp_path / "tasks").rglob("*.json")}
    assert theirs and ours == theirs


# --- refusing an unsupported Python, creating nothing ----------------------------------------

@posix_only
@pytest.mark.parametrize("args", [["lab"], ["test"], ["present", "02", "--port", "9000"]])
def test_a_python_reporting_3_10_gets_one_line_and_nothing_is_created(clone, tmp_path, args):
    before = snapshot(clone)
    rc, out, err = run_tasks(fake_python(tmp_path / "python3"), *args, cwd=clone)
    assert rc == 1, (out, err)
    assert out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"error: Python 3.10.12 ({tmp_path / 'python3'}) is too old"), first
    assert "needs Python 3.11 to 3.14" in first and "Binder" in first
    assert re.search(rf"python3\.1[1-4] tasks\.py {' '.join(args)} - or use", first), first   # the same command
    assert snapshot(clone) == before, "a refused run created files"


@pytest.mark.parametrize("minor", sorted(old_pythons()) or ["none"])
def test_real_old_pythons_get_the_same_line(clone, minor):
    found = old_pythons()
    if minor not in found:
        pytest.skip("no Python older than the range on this machine")
    before = snapshot(clone)
    rc, out, err = run_tasks(found[minor], "lab", cwd=clone)
    assert rc == 1 and err.splitlines()[0].startswith(f"error: Python {minor}."), (out, err)
    assert snapshot(clone) == before


def test_a_venv_made_by_an_unsupported_python_is_named(tmp_path):
    repo = binder_env.copy_repo(tmp_path / "repo")
    (repo / ".venv").mkdir()
    (repo / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.10.12\n")
    rc, out, err = run_tasks(BASE_PYTHON, "lab", cwd=repo)
    assert rc == 1 and err.startswith("error: .venv was made with Python 3.10.12"), err
    assert "python3 tasks.py clean" in err
    rc, out, err = run_tasks(BASE_PYTHON, "check-python", cwd=repo)
    assert rc == 1 and "3.10.12" in err


@posix_only
def test_an_old_launcher_uses_a_supported_venv(tmp_path):
    # A student made .venv with `make lab PYTHON=python3.11` once; plain `make lab` (python3 is
    # 3.10) then runs the verb with .venv's Python instead of refusing.
    repo = binder_env.copy_repo(tmp_path / "repo")
    subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", str(repo / ".venv")], check=True)
    venv = repo / ".venv"
    stamp_installed(venv)
    old = fake_python(tmp_path / "python3")
    rc, out, err = run_tasks(old, "check-python", cwd=repo)
    assert rc == 0 and out.startswith("ok: .venv uses Python 3."), (out, err)
    rc, out, err = run_tasks(old, "lint", cwd=repo)
    assert "too old" not in err, err
    lines = out.splitlines()
    assert lines[0] == f"+ {tasks.venv_python(venv)} {repo / 'tasks.py'} lint", out
    assert lines[1].startswith(f"+ {tasks.venv_python(venv)} -m ruff check"), out   # ruff is not in this venv
    assert rc != 0


# --- what the verbs run ----------------------------------------------------------------------

@pytest.fixture
def stub_venv_clone(tmp_path):
    """A fresh copy whose .venv is installed as far as tasks.py can tell, with a `python` that
    prints its arguments and environment instead of running them (and fails when told to)."""
    repo = binder_env.copy_repo(tmp_path / "repo")
    venv = repo / ".venv"
    tasks.venv_bin(venv).mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = /usr/bin\nversion = {tasks.version_text(sys.version_info)}\n")
    stamp_installed(venv)
    py = tasks.venv_python(venv)
    py.write_text("""#!/bin/sh
echo "RUN $*"
env | grep -E '^(MAKELEVEL|MAKEFLAGS|NNBASICS_[A-Z_]+|OPENBLAS_NUM_THREADS|OMP_NUM_THREADS|VIRTUAL_ENV)=' \\
    | sed 's/^/ENV /'
case "$*" in *"$STUB_FAIL_ON"*) [ -n "$STUB_FAIL_ON" ] && exit 3;; esac
exit 0
""")
    py.chmod(0o755)
    return repo


@posix_only
@pytest.mark.parametrize("fail_on,codes", [("", "0, browser 0"), ("nbval", "3, browser 0"),
                                            ("no:xdist", "0, browser 3")])
def test_make_test_runs_both_pytest_runs_and_fails_if_either_fails(stub_venv_clone, fail_on, codes):
    if not shutil.which("make"):
        pytest.skip("no make")
    p = subprocess.run(["make", "test"], cwd=stub_venv_clone, capture_output=True, text=True,
                       env=shell_env(STUB_FAIL_ON=fail_on, OPENBLAS_NUM_THREADS="4"), timeout=120)
    runs = [ln[4:] for ln in p.stdout.splitlines() if ln.startswith("RUN ")]
    assert runs == ["-m pytest -n 2 --dist loadfile tests --ignore=tests/browser --nbval-lax --nbval-current-env "
                    "notebooks", "-m pytest -p no:xdist tests/browser"], p.stdout
    assert f"test: pytest exit codes: tests+notebooks {codes}" in p.stdout
    assert (p.returncode == 0) == (fail_on == ""), (p.returncode, p.stdout, p.stderr)
    env = {ln[4:].split("=", 1)[0]: ln[4:].split("=", 1)[1] for ln in p.stdout.splitlines() if ln.startswith("ENV ")}
    assert env["OPENBLAS_NUM_THREADS"] == "4" and env["OMP_NUM_THREADS"] == "1"    # a default, not an override
    assert env["VIRTUAL_ENV"] == str(stub_venv_clone / ".venv")
    assert not {"MAKELEVEL", "MAKEFLAGS", "NNBASICS_VIA_MAKE", "NNBASICS_VENV"} & set(env), env


@posix_only
def test_lab_and_present_hand_over_to_the_server_with_their_arguments(stub_venv_clone):
    rc, out, err = run_tasks(BASE_PYTHON, "lab", "--no-browser", "--port=9999", cwd=stub_venv_clone)
    runs = [ln[4:] for ln in out.splitlines() if ln.startswith("RUN ")]
    root = ["--allow-root"] if os.geteuid() == 0 else []
    assert rc == 0 and runs == [" ".join(["-m jupyterlab notebooks/00_start_here.ipynb --ServerApp.ip=127.0.0.1",
                                          *root, "--no-browser --port=9999"])], (out, err)
    rc, out, err = run_tasks(BASE_PYTHON, "present", "2", "--port=9001", cwd=stub_venv_clone)
    assert rc == 0 and "RUN scripts/present.py 2 --port 9001" in out, (out, err)


# --- argument errors -------------------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    (["labb"], "tasks.py: unknown verb 'labb'; the verbs are: lab, test, "),
    (["test", "-k", "x"], "tasks.py: 'test' takes no arguments (got -k x)"),
    (["present", "99"], "tasks.py: present: no notebook matches NB='99'"),
    (["present", "02", "--port", "http"], "tasks.py: present: port must be a number from 1 to 65535, got 'http'"),
    (["present", "01", "02"], "tasks.py: present: unexpected argument '02'"),
])
def test_argument_errors_are_one_line_and_exit_2(clone, args, message):
    before = snapshot(clone)
    rc, out, err = run_tasks(BASE_PYTHON, *args, cwd=clone)
    assert rc == 2 and out == "", (out, err)
    assert len(err.splitlines()) == 1 and err.startswith(message), err
    assert snapshot(clone) == before


def test_help_lists_every_verb_and_make_calls_each_of_them():
    rc, out, err = run_tasks(BASE_PYTHON, "help")
    assert rc == 0 and "Python 3.11 to 3.14" in out
    for name in tasks.VERBS:
        assert re.search(rf"^  {re.escape(name)} ", out, re.M), f"help does not list {name}"
    if not shutil.which("make"):
        pytest.skip("no make")
    for name in tasks.VERBS:
        dry = subprocess.run(["make", "-n", name], cwd=ROOT, capture_output=True, text=True, env=shell_env()).stdout
        assert re.search(rf"tasks\.py {re.escape(name)}\b", dry), f"make {name} does not run tasks.py {name}: {dry}"
    dry = subprocess.run(["make", "-n", "lab", "LAB_ARGS=--no-browser --port=9999"], cwd=ROOT,
                         capture_output=True, text=True, env=shell_env()).stdout
    assert "tasks.py lab --no-browser --port=9999" in dry
    dry = subprocess.run(["make", "-n", "present", "NB=02", "PORT=9001"], cwd=ROOT, capture_output=True, text=True,
                         env=shell_env())
    assert "tasks.py present 02 --port 9001" in dry.stdout


# --- lab from a fresh copy -------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def assert_serves_only_this_machine_with_a_token(port, token):
    """The Lab server on `port` refuses a request without its token, answers one with it, and
    listens on 127.0.0.1 only (never 0.0.0.0). Its root is notebooks/."""
    base = f"http://127.0.0.1:{port}"
    assert _status(f"{base}/api/contents/00_start_here.ipynb") == 403          # no token: refused
    assert _status(f"{base}/api/contents/00_start_here.ipynb?token={token}") == 200
    if shutil.which("ss"):
        listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
        bound = [line for line in listening.splitlines() if f":{port} " in line]
        assert bound and all("127.0.0.1:" in line for line in bound), bound


@posix_only
@pytest.mark.slow
def test_lab_from_a_fresh_clone_creates_the_venv_and_serves_on_localhost_with_a_token(tmp_path):
    repo = binder_env.copy_repo(tmp_path / "repo")
    port = _free_port()
    log = tmp_path / "lab.log"
    proc = subprocess.Popen([BASE_PYTHON, "tasks.py", "lab", "--no-browser", f"--port={port}",
                             "--ServerApp.port_retries=0"], cwd=repo, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True, env=shell_env(JUPYTER_RUNTIME_DIR=str(tmp_path)))
    try:
        token = None
        for _ in range(900):                       # first use: venv, pip, requirements.txt (~30 s here)
            m = re.search(rf"http://127\.0\.0\.1:{port}/lab[^\s]*\?token=(\w+)", log.read_text())
            if m:
                token = m.group(1)
                break
            assert proc.poll() is None, f"tasks.py lab exited:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
        text = log.read_text()
        assert token, f"tasks.py lab printed no URL with a token:\n{text[-3000:]}"
        assert text.splitlines()[0].startswith("tasks.py: creating .venv with Python 3.1"), text[:500]
        venv = repo / ".venv"
        assert tasks.venv_python(venv).exists()
        assert (venv / ".runtime").read_text().strip() == tasks.digest(tasks.RUNTIME_INPUTS)
        assert not (venv / ".dev").exists(), "lab installed the dev requirements"
        assert (venv / "share/jupyter/lab/settings/overrides.d/nnbasics.json").read_bytes() == \
            (ROOT / "binder/jupyterlab_overrides.json").read_bytes()
        assert_serves_only_this_machine_with_a_token(port, token)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
