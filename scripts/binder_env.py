"""Build the environment that Binder builds, from binder/ alone, in a temporary directory.

repo2docker (the Python buildpack) sees `-e .` in binder/requirements.txt, copies the whole
repository into the image and then runs, from the repository root,

    pip install --no-cache-dir -r "binder/requirements.txt"
    binder/postBuild            (a JupyterLab settings override: no comms over kernel subshells)

This module does the same in a fresh virtual environment (`python -m venv`) so that
tests/test_binder.py and benchmarks/resources.py check and measure what Binder gets.
By default pip's cache is used (fast on a warm machine); NNBASICS_BINDER_NO_CACHE=1 adds
--no-cache-dir exactly as repo2docker does.

    python scripts/binder_env.py [DIR]     # build, check, print the size; keeps DIR if given
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What repo2docker would not see or what does not matter for the build.
_IGNORE = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", ".pytest_cache",
                                 ".hypothesis", ".ruff_cache", ".ipynb_checkpoints", "node_modules",
                                 "build", "shots", "bench-results")
# pip's words when it cannot reach an index (a wrong pin, by contrast, is a real failure).
NETWORK_ERRORS = re.compile(
    r"NewConnectionError|Max retries exceeded|Temporary failure in name resolution|"
    r"Failed to establish a new connection|Network is unreachable|ConnectTimeout|ReadTimeout|"
    r"ProxyError|SSLError|Connection refused", re.I)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class IndexUnreachable(RuntimeError):
    """pip could not download the pinned packages (no index, no cache)."""


@dataclass
class BinderEnv:
    workdir: Path                     # holds repo/ (the copy pip installs from) and venv/
    pip_log: str = ""
    seconds: float = 0.0
    checks: dict = field(default_factory=dict)

    @property
    def repo(self):
        return self.workdir / "repo"

    @property
    def venv(self):
        return self.workdir / "venv"

    def bin(self, name):
        return self.venv / "bin" / name

    def run(self, *args, **kw):
        """Run a command of the environment; (returncode, stdout+stderr without colours)."""
        env = dict(os.environ)
        for var in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR",
                    "JUPYTER_DATA_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_DIR", "NB_PYTHON_PREFIX"):
            env.pop(var, None)
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env.update(kw.pop("env", {}))
        p = subprocess.run([str(a) for a in args], cwd=kw.pop("cwd", self.repo), env=env,
                           capture_output=True, text=True, **kw)
        return p.returncode, ANSI.sub("", p.stdout + p.stderr)

    def size_bytes(self):
        """Size on disk of the virtual environment (like du -s: allocated blocks, no double hard links)."""
        seen, total = set(), 0
        for dirpath, _dirs, files in os.walk(self.venv):
            for f in files:
                st = os.lstat(os.path.join(dirpath, f))
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
        return total


def copy_repo(dest, root=ROOT):
    """The repository as repo2docker copies it (without the local venv and git metadata)."""
    shutil.copytree(root, dest, ignore=_IGNORE, symlinks=True)
    return dest


def build(workdir=None, python=None, no_cache=None, timeout=900):
    """Copy the repo, make a venv, pip install -r binder/requirements.txt from the repo root.

    Raises IndexUnreachable when pip cannot get the packages, RuntimeError on other failures.
    """
    import time

    t0 = time.perf_counter()
    workdir = Path(workdir or tempfile.mkdtemp(prefix="nnbasics-binder-"))
    env = BinderEnv(workdir)
    copy_repo(env.repo)
    python = python or getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([python, "-m", "venv", str(env.venv)], check=True)
    if no_cache is None:
        no_cache = os.environ.get("NNBASICS_BINDER_NO_CACHE", "") not in ("", "0")
    cmd = [env.bin("pip"), "install", "--disable-pip-version-check"]
    cmd += ["--no-cache-dir"] if no_cache else []
    cmd += ["-r", "binder/requirements.txt"]
    rc, out = env.run(*cmd, timeout=timeout)
    env.pip_log = out
    if rc != 0:
        if NETWORK_ERRORS.search(out):
            raise IndexUnreachable(out[-2000:])
        raise RuntimeError(f"pip install -r binder/requirements.txt failed:\n{out[-4000:]}")
    post = env.repo / "binder" / "postBuild"
    if post.exists():   # repo2docker makes it executable and runs it from the repo root
        rc, out = env.run("bash", post)
        env.pip_log += "\n" + out
        if rc != 0:
            raise RuntimeError(f"binder/postBuild failed:\n{out[-4000:]}")
    env.seconds = time.perf_counter() - t0
    return env


def check(env):
    """What Binder users need, as {name: (ok, detail)}."""
    results = {}
    rc, out = env.run(env.bin("jupyter"), "labextension", "list")
    for ext in ("@jupyter-widgets/jupyterlab-manager", "jupyter-matplotlib"):
        line = next((ln.strip() for ln in out.splitlines() if ln.strip().startswith(ext + " ")), "")
        results[f"labextension {ext}"] = (rc == 0 and "enabled" in line and "OK" in line,
                                          line or out[-1500:])
    rc, out = env.run(env.bin("python"), "-c",
                      "import nnbasics, ipympl, ipywidgets, matplotlib; print(nnbasics.__file__)")
    results["import nnbasics"] = (rc == 0 and str(env.repo) in out, out.strip())
    rc, out = env.run(env.bin("voila"), "--version")
    results["voila --version"] = (rc == 0 and out.strip().startswith("0.5"), out.strip())
    conf = env.venv / "share" / "jupyter" / "voila" / "templates" / "projector" / "conf.json"
    results["Voila template projector"] = (conf.exists(), str(conf))
    ok, detail = lab_setting(env, "@jupyterlab/apputils-extension:kernels-settings", "commsOverSubshells")
    results["JupyterLab commsOverSubshells"] = (ok and detail == "disabled", detail)
    rc, out = env.run(env.bin("jupyter"), "server", "extension", "list")
    line = next((ln.strip() for ln in out.splitlines() if ln.strip().startswith("voila.server_extension ")), "")
    results["voila server extension"] = (rc == 0 and "enabled" in line, line or out[-1500:])
    env.checks = results
    return results


def lab_setting(env, plugin, key, timeout=90):
    """(ok, value): the default JupyterLab of ``env`` gives ``plugin``'s setting ``key`` (overrides
    applied), asked from a real server on a free port with an empty user settings dir."""
    import json
    import secrets
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(8)
    user_settings = tempfile.mkdtemp(prefix="nnbasics-usersettings-")
    penv = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=user_settings,
                PATH=f"{env.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    for var in ("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR", "NB_PYTHON_PREFIX"):
        penv.pop(var, None)
    cmd = [str(env.bin("jupyter")), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={env.repo}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    proc = subprocess.Popen(cmd, env=penv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        import time

        t0 = time.time()
        url = f"http://127.0.0.1:{port}/lab/api/settings/{plugin}"
        while time.time() - t0 < timeout:
            if proc.poll() is not None:
                return False, f"jupyter lab exited with {proc.returncode}"
            try:
                req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    data = json.load(r)
                return True, data["schema"]["properties"][key].get("default")
            except OSError:
                time.sleep(0.5)
        return False, f"no answer from {url} in {timeout} s"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(user_settings, ignore_errors=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    keep = bool(argv)
    workdir = Path(argv[0]) if argv else None
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    env = build(workdir)
    try:
        ok = True
        for name, (passed, detail) in check(env).items():
            ok &= passed
            print(f"{'ok  ' if passed else 'FAIL'} {name}: {detail}")
        print(f"built in {env.seconds:.0f} s; environment size {env.size_bytes() / 2**20:.0f} MB ({env.venv})")
        return 0 if ok else 1
    finally:
        if not keep:
            shutil.rmtree(env.workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
