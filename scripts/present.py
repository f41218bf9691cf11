"""Lecture mode: one notebook in Voila, code hidden, large type, on this machine only.

    make present NB=02            # or: .venv/bin/python scripts/present.py 02 [--port 8866]

NB is the number (02 -> notebooks/02_*.ipynb), a name prefix or a path. The server listens on
127.0.0.1 only and asks for a random token (Voila 0.5 on its own has no token and listens on
"localhost"); the URL printed, and opened in the default browser, carries the token. The
"projector" template (scripts/jupyter/voila/templates/projector) is Voila's lab template with
larger type and wider sliders. Ctrl-C stops it.
"""
import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import webbrowser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "jupyter"   # holds voila/templates/projector
HOST = "127.0.0.1"


def resolve_notebook(spec, notebooks=NOTEBOOKS):
    """'02' or '2' -> notebooks/02_*.ipynb; also a name prefix ('02_relu') or a path."""
    p = Path(spec)
    if p.suffix == ".ipynb" and p.exists():
        return p.resolve()
    s = str(spec)
    if s.isdigit():
        s = f"{int(s):02d}_"
    hits = sorted(notebooks.glob(f"{s}*.ipynb"))
    if len(hits) == 1:
        return hits[0].resolve()
    have = ", ".join(h.name for h in sorted(notebooks.glob("*.ipynb"))) or "none"
    if not hits:
        raise SystemExit(f"present: no notebook matches NB={spec!r} in {notebooks} (there are: {have})")
    raise SystemExit(f"present: NB={spec!r} matches several notebooks: {', '.join(h.name for h in hits)}")


def port_is_free(port, host=HOST):
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host=HOST):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def voila_env(base=None):
    """Environment for a Voila process that finds the projector template."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATES), env.get("JUPYTER_PATH", "")) if p)
    return env


def voila_command(target, port, token, template="projector", extra=()):
    """The Voila command line: `target` is one notebook or a directory of notebooks."""
    voila = Path(sys.executable).parent / "voila"
    return [str(voila) if voila.exists() else "voila", str(target),
            f"--Voila.ip={HOST}", f"--port={port}", "--Voila.port_retries=0", "--no-browser",
            f"--Voila.token={token}", f"--template={template}", "--show_tracebacks=True",
            # the notebook's own directory, so relative paths in notebooks work as in Lab
            f"--Voila.root_dir={Path(target).parent if Path(target).is_file() else target}",
            *extra]


def wait_for_port(port, proc=None, timeout=60, host=HOST):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before listening on {port}")
        try:
            socket.create_connection((host, port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("nb", help="notebook number (02), name prefix or path")
    ap.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8866)))
    ap.add_argument("--no-browser", action="store_true", help="only print the URL")
    ap.add_argument("--theme", default="light", choices=["light", "dark"])
    a = ap.parse_args(argv)
    nb = resolve_notebook(a.nb)
    port = a.port if port_is_free(a.port) else free_port()
    if port != a.port:
        print(f"present: port {a.port} is busy, using {port}")
    token = secrets.token_urlsafe(16)
    cmd = voila_command(nb, port, token, extra=[f"--theme={a.theme}"])
    proc = subprocess.Popen(cmd, env=voila_env(), cwd=nb.parent)

    def stop(signum, frame):  # make the `finally` below stop Voila when we are killed
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):   # Windows has no SIGHUP
        if sig is not None:
            signal.signal(sig, stop)
    url = f"http://{HOST}:{port}/?token={token}"
    try:
        wait_for_port(port, proc)
        print(f"\npresent: {nb.relative_to(ROOT) if nb.is_relative_to(ROOT) else nb} in Voila at\n\n    {url}\n\n"
              "(listening on 127.0.0.1 only; the token is in the URL; Ctrl-C stops it)\n", flush=True)
        if not a.no_browser:
            try:
                webbrowser.open(url)
            except webbrowser.Error:
                pass
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
