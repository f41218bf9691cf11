#!/usr/bin/env python3
"""Neural Net Basics, set up and run on Linux, macOS and Windows: `python tasks.py VERB`.

    python tasks.py lab       # Windows: py tasks.py lab     (make lab does the same)
    python tasks.py test      #          py tasks.py test    (make test)
    python tasks.py help      # every verb

This file is the one implementation of the verbs; the Makefile only calls it. It needs nothing
but the standard library, so the system Python runs it before any virtual environment exists.
It checks the Python version first (the range is `requires-python` in pyproject.toml) and stops
with one line saying what to do when it is outside, before anything is created. Otherwise it
creates .venv on first use (.venv/bin/python, on Windows .venv\\Scripts\\python.exe), installs
requirements.txt (and requirements-dev.txt for the verbs that test), reinstalls when those
files change, and runs the verb with .venv's Python.

Adding a verb is a few lines: a function decorated with @verb(name, help, needs=...) here and
its name in the Makefile's VERBS list.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True      # a refused run leaves nothing behind, not even __pycache__

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("NNBASICS_VENV") or ".venv")
VIA_MAKE = os.environ.get("NNBASICS_VIA_MAKE") == "1"     # set by the Makefile: advice says `make …`
# Meant for this process only: the commands it runs (pytest, whose tests may run make or tasks.py
# themselves) start as from a shell, not as a sub-make.
MAKE_ONLY = ("NNBASICS_VIA_MAKE", "NNBASICS_VENV", "MAKELEVEL", "MAKEFLAGS", "MFLAGS")
# The suite's matrices are small: one BLAS thread gives steady slider latency; threads that spin
# on a busy 2-core machine made a 5 ms region map take 20-70 ms. Set them yourself to override.
THREAD_DEFAULTS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
RUNTIME_INPUTS = ("requirements.txt", "pyproject.toml", "binder/jupyterlab_overrides.json")
DEV_INPUTS = ("requirements-dev.txt",)
BINDER_URL = "the Binder link in README.md (nothing to install)"


class UsageError(Exception):
    """A wrong command line: one line for the user, exit status 2."""


class SetupError(Exception):
    """The environment cannot be made or used: one line for the user, exit status 1."""


# ---------------------------------------------------------------------------------------------
# Python versions

def supported_range(pyproject=ROOT / "pyproject.toml"):
    """((3, 11), (3, 14)) from requires-python = ">=3.11,<3.15": the lowest and highest minor."""
    text = Path(pyproject).read_text(encoding="utf-8")
    m = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)\s*,\s*<\s*(\d+)\.(\d+)"', text, re.M)
    if not m:
        raise SetupError("pyproject.toml: requires-python must read \">=3.X,<3.Y\" (tasks.py reads the range there)")
    lo, hi_excl = (int(m.group(1)), int(m.group(2))), (int(m.group(3)), int(m.group(4)))
    if lo[0] != hi_excl[0] or hi_excl[1] <= lo[1]:
        raise SetupError(f"pyproject.toml: requires-python {m.group(0)!r} is not a range of 3.x versions")
    return lo, (hi_excl[0], hi_excl[1] - 1)


def range_text(rng):
    (a, b), (c, d) = rng
    return f"Python {a}.{b} to {c}.{d}"


def version_text(version):
    return ".".join(str(x) for x in tuple(version)[:3])


def rerun_command(verb, python, os_name=os.name, via_make=VIA_MAKE):
    """How to run `verb` again with another Python (`python` is a command name, e.g. python3.12)."""
    if os_name == "nt":
        return f"py -{python[6:]} tasks.py {verb}"
    if via_make:
        return f"make {verb} PYTHON={python}"
    return f"{python} tasks.py {verb}"


def runs_as(name, minor):
    """True if the command `name` is on PATH and runs Python `minor` (a pyenv shim of a version
    that is not selected is on PATH but does not run)."""
    path = shutil.which(name)
    if not path:
        return False
    try:
        return subprocess.call([path, "-c", f"import sys; sys.exit(sys.version_info[:2] != {minor!r})"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20) == 0
    except (OSError, subprocess.SubprocessError):
        return False


def advice(verb, rng, platform=sys.platform, os_name=os.name, via_make=VIA_MAKE, runs=runs_as):
    """What to do to get a supported Python, for this platform; names one already installed."""
    minors = [f"python{rng[0][0]}.{m}" for m in range(rng[1][1], rng[0][1] - 1, -1)]
    if os_name != "nt":
        for name in minors:
            if runs(name, tuple(int(x) for x in name[6:].split("."))):
                return f"you have {name}: run {rerun_command(verb, name, os_name, via_make)}"
    newest, oldest = minors[0], minors[-1]
    if os_name == "nt":
        get = f"install Python {newest[6:]} from python.org or with winget install Python.Python.{newest[6:]}"
        return f"{get}, then run {rerun_command(verb, newest, os_name, via_make)}"
    if platform == "darwin":
        get = f"install Python {newest[6:]} from python.org or with brew install python@{newest[6:]}"
        return f"{get}, then run {rerun_command(verb, newest, os_name, via_make)}"
    get = (f"install one (Ubuntu 22.04: sudo apt install {oldest} {oldest}-venv; newer ones from the deadsnakes PPA)")
    return f"{get}, then run {rerun_command(verb, oldest, os_name, via_make)}"


def python_problem(version, executable, verb, rng, **kw):
    """None if `version` is supported, else the one-line error: the Python found, the range, what to do."""
    v = tuple(version)[:2]
    if rng[0] <= v <= rng[1]:
        return None
    why = "is too old" if v < rng[0] else "is newer than the pinned packages (requirements.txt) support"
    todo = advice(verb, rng, **kw)
    return (f"error: Python {version_text(version)} ({executable}) {why}: Neural Net Basics needs "
            f"{range_text(rng)}. {todo[0].upper() + todo[1:]} - or use {BINDER_URL}.")


def stale_venv_problem(ver, verb, rng):
    """The one-line error for a .venv made with an unsupported Python (e.g. by an older Makefile)."""
    return (f"error: {VENV} was made with Python {version_text(ver)}; Neural Net Basics needs "
            f"{range_text(rng)}: remove it with {clean_command()}, then {advice(verb, rng)}")


# ---------------------------------------------------------------------------------------------
# The virtual environment

def venv_python(venv, os_name=os.name):
    """The venv's interpreter: Scripts\\python.exe on Windows, bin/python elsewhere."""
    return venv / "Scripts" / "python.exe" if os_name == "nt" else venv / "bin" / "python"


def venv_bin(venv, os_name=os.name):
    return venv_python(venv, os_name).parent


def venv_version(venv):
    """The Python version a venv was made with, from its pyvenv.cfg; None if there is no venv."""
    cfg = venv / "pyvenv.cfg"
    if not cfg.is_file():
        return None
    for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            nums = re.findall(r"\d+", value)
            if len(nums) >= 2:
                return tuple(int(n) for n in nums[:3])
    raise SetupError(f"{cfg} has no Python version: remove it with {clean_command()}")


def clean_command():
    return "make clean" if VIA_MAKE else ("py tasks.py clean" if os.name == "nt" else "python3 tasks.py clean")


def plan(launcher_version, venv_ver, in_venv, rng):
    """What to do before a verb that needs the environment:

    "run"    go on with this Python (it is supported, or it is the venv's own),
    "reexec" run tasks.py again with the venv's Python (this Python is not supported, the venv's is),
    "stale"  the venv was made with an unsupported Python: stop,
    "old"    no venv and this Python is not supported: stop, create nothing.
    """
    ok = rng[0] <= tuple(launcher_version)[:2] <= rng[1]
    if venv_ver is not None and not rng[0] <= tuple(venv_ver)[:2] <= rng[1]:
        return "stale"
    if ok or in_venv:
        return "run"
    return "reexec" if venv_ver is not None else "old"


def digest(paths):
    h = hashlib.sha256()
    for p in paths:
        h.update(p.encode() + b"\0" + (ROOT / p).read_bytes() + b"\0")
    return h.hexdigest()


def run(cmd, check=True, cwd=ROOT, **kw):
    """Run a command (from the repository root unless ``cwd``); its exit status (SetupError if check
    and it failed)."""
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    try:
        rc = subprocess.call([str(c) for c in cmd], cwd=str(cwd), **kw)
    except KeyboardInterrupt:
        rc = 130
    if check and rc != 0:
        shown = " ".join(str(c) for c in cmd[:5])
        raise SetupError(f"{shown} failed (exit {rc}); its output is above")
    return rc


def install_overrides(prefix):
    """What binder/postBuild does, for any OS: JupyterLab settings that keep widget comms off kernel
    subshells (they crash ipympl kernels), in <prefix>/share/jupyter/lab/settings/overrides.d, and
    the lecture mode's Voila template in <prefix>/share/jupyter/voila/templates/projector."""
    share = Path(prefix) / "share" / "jupyter"
    dest = share / "lab" / "settings" / "overrides.d"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(str(ROOT / "binder" / "jupyterlab_overrides.json"), str(dest / "nnbasics.json"))
    template = ROOT / "scripts" / "jupyter" / "voila" / "templates" / "projector"
    shutil.copytree(str(template), str(share / "voila" / "templates" / "projector"), dirs_exist_ok=True)
    return dest / "nnbasics.json"


def ensure_venv(needs, verb):
    """Make .venv if absent and install what `needs` ("runtime" or "dev") asks; its Python."""
    venv = ROOT / VENV
    py = venv_python(venv)
    if not (venv / "pyvenv.cfg").is_file():
        print(f"tasks.py: creating {VENV} with Python {version_text(sys.version_info)} ({sys.executable})",
              flush=True)
        try:
            run([sys.executable, "-m", "venv", venv])
        except SetupError:
            shutil.rmtree(str(venv), ignore_errors=True)     # ours, half made; do not leave it behind
            v = sys.version_info
            raise SetupError(f"could not create {VENV} with {sys.executable}; on Debian/Ubuntu install "
                             f"python{v[0]}.{v[1]}-venv") from None
        run([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    if not py.exists():
        raise SetupError(f"{VENV} has no {py}: remove it with {clean_command()} and run {verb} again")
    stages = [(".runtime", RUNTIME_INPUTS, "requirements.txt")]
    if needs == "dev":
        stages.append((".dev", DEV_INPUTS + RUNTIME_INPUTS, "requirements-dev.txt"))
    for stamp_name, inputs, req in stages:
        stamp, want = venv / stamp_name, digest(inputs)
        if stamp.is_file() and stamp.read_text().strip() == want:
            continue
        run([py, "-m", "pip", "install", "--quiet", "-r", req])
        if stamp_name == ".runtime":
            install_overrides(venv)
        stamp.write_text(want + "\n")
    os.environ["VIRTUAL_ENV"] = str(venv)
    os.environ["PATH"] = str(venv_bin(venv)) + os.pathsep + os.environ.get("PATH", "")
    return py


def exec_final(cmd):
    """Hand over to a long-running command (a server): on POSIX replace this process, so signals
    (Ctrl-C, a kill) reach it directly; on Windows wait for it."""
    cmd = [str(c) for c in cmd]
    if os.name == "nt":
        return run(cmd, check=False)
    print("+ " + " ".join(cmd), flush=True)
    os.chdir(str(ROOT))
    os.execv(cmd[0], cmd)


# ---------------------------------------------------------------------------------------------
# The verbs

VERBS = {}


class Verb:
    def __init__(self, name, help, needs, fn, parse):
        self.name, self.help, self.needs, self.fn, self.parse = name, help, needs, fn, parse


def no_args(name, args):
    if args:
        raise UsageError(f"'{name}' takes no arguments (got {' '.join(args)})")
    return args


def verb(name, help, needs=None, parse=no_args):
    """Register fn(py, args) -> exit status as a verb. needs: None, "runtime" or "dev" (what .venv
    must hold first); parse(name, args) checks the arguments before anything is created."""
    def register(fn):
        VERBS[name] = Verb(name, help, needs, fn, parse)
        return fn
    return register


def pass_through(name, args):
    return list(args)


def parse_present(name, args):
    """[NB] [--port N]: NB a number (02), name prefix or path, as scripts/present.py takes it."""
    nb, port, rest = None, os.environ.get("PORT", "8866"), list(args)
    while rest:
        a = rest.pop(0)
        if a == "--port" and rest:
            port = rest.pop(0)
        elif a.startswith("--port="):
            port = a.split("=", 1)[1]
        elif not a.startswith("-") and nb is None:
            nb = a
        else:
            raise UsageError(f"present: unexpected argument {a!r} (usage: present [NB] [--port N])")
    if not (port.isdigit() and 1 <= int(port) <= 65535):
        raise UsageError(f"present: port must be a number from 1 to 65535, got {port!r}")
    nb = nb or "00"
    present = _load_script("present")
    try:
        present.resolve_notebook(nb)
    except SystemExit as e:                     # its message names the notebooks there are
        raise UsageError(str(e)) from None
    return [nb, "--port", port]


def _load_script(name):
    import importlib.util
    spec = importlib.util.spec_from_file_location("_nnbasics_" + name, str(ROOT / "scripts" / (name + ".py")))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@verb("lab", "JupyterLab on notebooks/00_start_here.ipynb (127.0.0.1, token on); more args go to jupyter lab "
      "(make: LAB_ARGS=...)", needs="runtime", parse=pass_through)
def lab(py, args):
    # Jupyter refuses to run as root unless told; containers and CI machines often are root.
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return exec_final([py, "-m", "jupyterlab", "notebooks/00_start_here.ipynb", "--ServerApp.ip=127.0.0.1",
                       *root, *args])


@verb("test", "all tests: unit, apps, notebooks (2 workers), then the browser tests", needs="dev")
def test(py, args):
    # Two pytest runs, one after the other: unit/app/notebook tests on 2 xdist workers, then the
    # browser tests (one JupyterLab, one Chromium) on their own so they do not fight nbval for
    # the 2 cores. Both always run; the verb fails if either failed.
    unit = run([py, "-m", "pytest", "-n", "2", "--dist", "loadfile", "tests", "--ignore=tests/browser",
                "--nbval-lax", "--nbval-current-env", "notebooks"], check=False)
    browser = run([py, "-m", "pytest", "-p", "no:xdist", "tests/browser"], check=False)
    print(f"test: pytest exit codes: tests+notebooks {unit}, browser {browser}")
    return 0 if unit == 0 and browser == 0 else 1


@verb("test-fast", "the tests without the notebook, browser and slow runs", needs="dev")
def test_fast(py, args):
    return run([py, "-m", "pytest", "-n", "2", "tests", "--ignore=tests/browser", "-m", "not slow"], check=False)


@verb("bench", "speed and latency benchmarks", needs="dev")
def bench(py, args):
    return run([py, "benchmarks/run_all.py"], check=False)


@verb("lint", "ruff on code and notebooks", needs="dev")
def lint(py, args):
    return run([py, "-m", "ruff", "check", "lib", "tests", "benchmarks", "notebooks", "scripts", "tasks.py"],
               check=False)


@verb("present", "one notebook in Voila, code hidden, for a projector: present 02 [--port 8866] "
      "(make: NB=02 PORT=8866)", needs="runtime", parse=parse_present)
def present(py, args):
    return exec_final([py, "scripts/present.py", *args])


@verb("bench-class", "a class on a local JupyterHub: N students pull the link and run 02 and 07 at once "
      "(bench-class --students 20; make: STUDENTS=20)", needs="dev", parse=pass_through)
def bench_class(py, args):
    # the hub's proxy comes from npm (deploy/jupyterhub/package.json), installed once
    hub = ROOT / "deploy" / "jupyterhub"
    if not (hub / "node_modules" / ".package-lock.json").exists():
        npm = shutil.which("npm")
        if npm is None:
            raise UsageError("bench-class: needs Node.js >= 20 and npm for configurable-http-proxy")
        run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=hub)
    return run([py, "benchmarks/class_load.py", *args], check=False)


@verb("screenshots", "regenerate the README gallery (docs/gallery/*.png)", needs="dev")
def screenshots(py, args):
    return run([py, "scripts/screenshots.py"], check=False)


@verb("check-python", "is the Python that runs the suite supported? (the one in .venv if there is one)")
def check_python(py, args):
    rng, venv = supported_range(), ROOT / VENV
    ver = venv_version(venv)
    if ver is not None:
        if rng[0] <= ver[:2] <= rng[1]:
            print(f"ok: {VENV} uses Python {version_text(ver)} (supported: {range_text(rng)})")
            return 0
        print(stale_venv_problem(ver, "lab", rng), file=sys.stderr)
        return 1
    problem = python_problem(sys.version_info, sys.executable, "lab", rng)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    print(f"ok: Python {version_text(sys.version_info)} ({sys.executable}) is supported ({range_text(rng)})")
    return 0


@verb("clean", "remove .venv and the test caches")
def clean(py, args):
    for name in (str(VENV), ".pytest_cache", ".hypothesis"):
        path = ROOT / name
        if path.exists():
            print(f"removing {name}")
            shutil.rmtree(str(path))
    return 0


@verb("help", "this list")
def help_(py, args):
    print("Neural Net Basics: make VERB, or without make: python tasks.py VERB (Windows: py tasks.py VERB)\n")
    for v in VERBS.values():
        print(f"  {v.name:13} {v.help}")
    print(f"\nNeeds {range_text(supported_range())}; .venv is created on first use. With make, PYTHON=python3.12 "
          "picks the Python that creates it (default python3).")
    return 0


# ---------------------------------------------------------------------------------------------

def prepare(v, args):
    """The checks before a verb: its arguments, then the Python; creates .venv only if both pass."""
    parsed = v.parse(v.name, args)
    if v.needs is None:
        return None, parsed
    rng = supported_range()
    venv = ROOT / VENV
    ver = venv_version(venv)
    in_venv = os.path.realpath(sys.prefix) == os.path.realpath(str(venv))
    step = plan(sys.version_info, ver, in_venv, rng)
    again = v.name if VIA_MAKE else " ".join([v.name, *args])     # the command to run again (make: the target)
    if step == "old":
        raise SetupError(python_problem(sys.version_info, sys.executable, again, rng))
    if step == "stale":
        raise SetupError(stale_venv_problem(ver, again, rng))
    if step == "reexec" and os.environ.get("NNBASICS_TASKS_REEXEC") != "1":
        env = dict(os.environ, NNBASICS_TASKS_REEXEC="1", NNBASICS_VENV=str(VENV),
                   NNBASICS_VIA_MAKE="1" if VIA_MAKE else "0")
        sys.exit(run([venv_python(venv), Path(__file__).resolve(), v.name, *args], check=False, env=env))
    return ensure_venv(v.needs, v.name), parsed


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    for k, val in THREAD_DEFAULTS.items():
        os.environ.setdefault(k, val)
    for k in MAKE_ONLY:
        os.environ.pop(k, None)
    name, args = (argv[0], argv[1:]) if argv else ("help", [])
    if name in ("-h", "--help"):
        name = "help"
    try:
        v = VERBS.get(name)
        if v is None:
            raise UsageError(f"unknown verb {name!r}; the verbs are: {', '.join(VERBS)}")
        py, parsed = prepare(v, args)
        return v.fn(py, parsed)
    except UsageError as e:
        print(f"tasks.py: {e}", file=sys.stderr)
        return 2
    except SetupError as e:
        msg = str(e)
        print(msg if msg.startswith("error:") else "error: " + msg, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
