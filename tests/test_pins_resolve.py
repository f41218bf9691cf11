"""The pins install everywhere the README claims.

For every Python of pyproject's requires-python (3.11 to 3.14) and Linux x86-64 (glibc >= 2.28),
macOS arm64 (11 or newer) and Windows amd64, pip resolves requirements-dev.txt to wheels
(`pip install --dry-run --only-binary=:all: --python-version … --platform … --target …`).
requirements-dev.txt starts with `-r requirements.txt`, so each of these resolutions also
installs requirements.txt: the runtime packages of any resolution of the dev file are a
resolution of the runtime file (each package's own requirements do not depend on what else is
installed), and resolving the runtime file again would double the test's time for nothing.
binder/requirements.txt resolves the same way for Binder's Python (binder/runtime.txt) on Linux.
And from below: the Python just under the range cannot install the pins, so requires-python
turns away no student whose Python would do.

`-e .` (the package itself) cannot be resolved for another platform from the source tree, so it
is replaced by the package's wheel, built once from a copy of pyproject.toml, README.md and lib/:
pip then checks the package's own requires-python and dependencies as well.

Only wheels count: pip cannot judge an sdist for a foreign platform, and on a student's laptop
it would have to build it. Today every package in the tree has wheels; should a dependency ever
ship only an sdist, the job fails naming it (a pure-Python one could then be built to a wheel
once and offered with --find-links).

Needs the package index: skipped, with pip's reason, when pip cannot reach it. 14 pip runs, two
at a time (each reads the index pages of the ~110 projects in the tree: 3-5 s of CPU).
"""
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_entry_point import RANGE  # pyproject's requires-python, as tasks.py reads it

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import binder_env  # noqa: E402  (NETWORK_ERRORS: pip's words for an unreachable index)

# pip does not widen a manylinux_2_X tag to the older glibc tags it implies: list them. glibc 2.28:
# Debian 10, Ubuntu 20.04 (2.31), RHEL 8 and newer; numpy 2.4's x86-64 wheels need 2.27.
LINUX = [f"manylinux_2_{g}_x86_64" for g in range(28, 16, -1)] + ["manylinux2014_x86_64", "manylinux2010_x86_64",
                                                                     "manylinux1_x86_64"]
PLATFORMS = {"linux-x86_64": LINUX, "macos-arm64": ["macosx_11_0_arm64"], "windows-amd64": ["win_amd64"]}
WORKERS = 2


def supported_pythons():
    """The minor versions of pyproject's requires-python, as tasks.py reads it."""
    (major, lo), (_, hi) = RANGE
    return [f"{major}.{n}" for n in range(lo, hi + 1)]


def binder_python():
    m = re.fullmatch(r"python-(3\.\d+)", (ROOT / "binder" / "runtime.txt").read_text().strip())
    assert m, "binder/runtime.txt must read python-3.X"
    return m.group(1)


def pip(*args, timeout=600):
    p = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, binder_env.ANSI.sub("", p.stdout + p.stderr)


@pytest.fixture(scope="module")
def index():
    """Skip when pip cannot reach its package index (quickly: no retries, 10 s timeout)."""
    rc, out = pip("index", "versions", "pip", "--retries", "0", "--timeout", "10", timeout=60)
    if rc != 0:
        pytest.skip(f"pip cannot reach the package index:\n{out[-600:]}")


@pytest.fixture(scope="module")
def reqdir(index, tmp_path_factory):
    """The three requirement files with `-e .` replaced by the package's wheel, in one folder."""
    tmp = tmp_path_factory.mktemp("pins")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "lib", src / "lib", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    rc, out = pip("wheel", "--no-deps", "-q", "-w", tmp / "wheel", src)
    if rc != 0 and binder_env.NETWORK_ERRORS.search(out):
        pytest.skip(f"pip cannot reach the index to build the package's wheel:\n{out[-600:]}")
    assert rc == 0, out[-3000:]
    (whl,) = (tmp / "wheel").glob("nnbasics-*.whl")

    def rewrite(source, dest):
        lines = (ROOT / source).read_text().splitlines()
        assert "-e ." in lines, f"{source} no longer installs the package with `-e .`: update this test"
        (tmp / dest).write_text("\n".join(str(whl) if ln.strip() == "-e ." else ln for ln in lines) + "\n")

    rewrite("requirements.txt", "requirements.txt")
    rewrite("binder/requirements.txt", "binder-requirements.txt")
    pins = [ln for ln in (ROOT / "requirements.txt").read_text().splitlines() if ln.strip() != "-e ."]
    (tmp / "pins-only.txt").write_text("\n".join(pins) + "\n")     # without our own requires-python
    shutil.copy(ROOT / "requirements-dev.txt", tmp / "requirements-dev.txt")   # its -r is relative to it
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():   # and the files it includes
        inc = line.split("#")[0].strip()
        if inc.startswith("-r ") and inc[3:].strip() != "requirements.txt":
            rel = inc[3:].strip()
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / rel, tmp / rel)
    return tmp


def resolve(reqdir, req, python, platform):
    """(ok, pip's last lines): pip's dry-run resolution of one file for one Python and platform."""
    target = reqdir / "target" / f"{req}-{python}-{platform}"
    args = ["install", "--dry-run", "--only-binary=:all:", "--implementation", "cp", "--python-version", python,
            "--target", target, "-r", reqdir / req]
    for tag in PLATFORMS[platform]:
        args += ["--platform", tag]
    rc, out = pip(*args)
    return rc == 0, "\n".join(ln for ln in out.splitlines() if not ln.startswith("WARNING: Location"))[-1500:]


def run_all(reqdir, jobs):
    t0 = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        results = dict(zip(jobs, pool.map(lambda job: resolve(reqdir, *job), jobs), strict=True))
    return results, time.perf_counter() - t0


def test_supported_pythons_are_3_11_to_3_14():
    # What the pins allow today (numpy 2.4.6, matplotlib 3.11.2 and hypothesis 6.170.17 need
    # 3.11; numpy 2.4.6 has no 3.15 wheels). The slow test below proves it against the index.
    assert supported_pythons() == ["3.11", "3.12", "3.13", "3.14"]
    assert binder_python() in supported_pythons()


@pytest.mark.slow
def test_pins_resolve_to_wheels_for_every_supported_python_and_platform(reqdir):
    jobs = [("requirements-dev.txt", py, plat) for py in supported_pythons() for plat in PLATFORMS]
    jobs.append(("binder-requirements.txt", binder_python(), "linux-x86_64"))
    results, seconds = run_all(reqdir, jobs)
    print(f"{len(jobs)} resolutions in {seconds:.0f} s")
    failed = {job: out for job, (ok, out) in results.items() if not ok}
    if failed and all(binder_env.NETWORK_ERRORS.search(out) for out in failed.values()):
        pytest.skip(f"pip lost the package index: {next(iter(failed.values()))[-600:]}")
    assert not failed, "pins that do not install as wheels:\n" + "\n\n".join(
        f"== {req} on Python {py}, {plat}:\n{out}" for (req, py, plat), out in failed.items())


@pytest.mark.slow
def test_pins_refuse_the_python_below_the_range(reqdir):
    # The other side of the range: on 3.10 the pins themselves (not our requires-python: the
    # package is left out) find no wheels, numpy 2.4.6 first. If they ever did, the range
    # should start lower. One platform is enough: the cause is the Python.
    lowest = supported_pythons()[0]
    below = f"3.{int(lowest.split('.')[1]) - 1}"
    ok, out = resolve(reqdir, "pins-only.txt", below, "linux-x86_64")
    if not ok and binder_env.NETWORK_ERRORS.search(out):
        pytest.skip(f"pip lost the package index: {out[-600:]}")
    assert not ok, f"the pins install on Python {below}: requires-python could start there\n{out}"
    pinned = re.findall(r"^([A-Za-z0-9_.-]+)==", (reqdir / "pins-only.txt").read_text(), re.M)
    names = "|".join(map(re.escape, pinned))
    assert re.search(rf"No matching distribution found for ({names})==", out), out
