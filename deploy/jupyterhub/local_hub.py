"""The class hub started on this machine in test mode, and students who use it as a browser would.

Shared by tests/test_hub.py and benchmarks/class_load.py:

    with LocalHub(workdir) as hub:                    # jupyterhub -f jupyterhub_config.py, test mode
        origin = make_origin(workdir)                 # a bare clone of this repository's HEAD
        hub.add_students(["s01", "s02"])
        s = Student(hub, "s01")
        s.start_server()                              # hub REST API (admin token), to ready
        s.login(); s.open_link(pull_link(hub.url, origin))   # README's nbgitpuller link, followed
        s.run_notebook("neural-net-basics/notebooks/02_relu_tiling.ipynb")  # in s01's own kernel

Everything stays on 127.0.0.1: the hub and its proxy listen there on free ports, and the
repository the link pulls is a local bare repository (file://). A student follows the link
exactly as a browser does: log in (test mode: DummyAuthenticator), GET the link, follow the
redirects (hub -> the student's server -> OAuth with the hub -> nbgitpuller's page), then call
the event stream that page's script calls (git-pull/api) and open the notebook it redirects to.
Notebooks run through the Jupyter server's REST API (a session = a kernel started by the
student's server) and the kernel websocket, cell by cell, as JupyterLab's Run All does.
"""
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONFIG = HERE / "jupyterhub_config.py"
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
CLONE = "neural-net-basics"         # the directory a link pulls into: the repository's name
HOW_TO_ENABLE = "run deploy/jupyterhub/install.sh (Python pins into .venv, the proxy with npm ci); .ci/run does"


def unavailable_reason():
    """Why the class hub cannot run here (None when it can)."""
    import importlib.util

    if os.name != "posix":
        return "JupyterHub's local spawners need Linux or macOS (use WSL on Windows)"
    for module, pin in (("jupyterhub", "deploy/jupyterhub/requirements.txt"),
                        ("jupyterhub_idle_culler", "deploy/jupyterhub/requirements.txt"),
                        ("nbgitpuller", "deploy/jupyterhub/requirements-user.txt"),
                        ("requests", "jupyterhub"), ("websocket", "jupyter_server")):
        if importlib.util.find_spec(module) is None:
            return f"Python package {module} is missing (pinned by {pin}); {HOW_TO_ENABLE}"
    if not shutil.which("node"):
        return f"no Node.js on PATH for configurable-http-proxy; install Node.js >= 20, then {HOW_TO_ENABLE}"
    if not PROXY.exists():
        return f"configurable-http-proxy is not installed at {PROXY}; {HOW_TO_ENABLE}"
    if not shutil.which("git"):
        return "no git on PATH (nbgitpuller needs it)"
    if subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=ROOT, capture_output=True).returncode:
        return f"{ROOT} is not a git checkout with a commit (the links pull this repository's HEAD)"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def git(*args, cwd=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="nnbasics", GIT_AUTHOR_EMAIL="nnbasics@localhost",
               GIT_COMMITTER_NAME="nnbasics", GIT_COMMITTER_EMAIL="nnbasics@localhost")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def make_origin(workdir, source=ROOT):
    """A bare repository <workdir>/origin/neural-net-basics holding ``source``'s HEAD as branch
    main (uncommitted changes are not in it, as on GitHub); its file:// URL."""
    bare = Path(workdir) / "origin" / CLONE
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git("push", "--quiet", str(bare), "HEAD:refs/heads/main", cwd=source)
    return bare.as_uri()


def pull_link(hub_url, repo_url, notebook="00_start_here.ipynb", branch="main"):
    """The README's nbgitpuller link: pull ``repo_url`` into the student's home, open ``notebook``."""
    urlpath = f"lab/tree/{CLONE}/notebooks/{notebook}"
    return (f"{hub_url}hub/user-redirect/git-pull?repo={quote(repo_url, safe='')}&branch={branch}"
            f"&urlpath={quote(urlpath, safe='')}")


class LocalHub:
    """The class hub in test mode on free 127.0.0.1 ports; its state and homes under ``workdir``.
    ``stop()`` (or leaving the ``with`` block) ends the hub and every process it started."""

    def __init__(self, workdir, cull_timeout=3600, start_timeout=180):
        import requests

        self.workdir = Path(workdir)
        self.homes = self.workdir / "home"
        self.token = secrets.token_hex(32)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = self.workdir / "hub.log"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {self.token}"
        # the kernels' sockets live here: a short path (Unix socket paths are limited to 107 bytes)
        self.runtime = Path(tempfile.mkdtemp(prefix="nnbrt-"))
        self.env = dict(os.environ, NNBASICS_HUB_TEST="1", NNBASICS_HUB_ADMIN_TOKEN=self.token,
                        NNBASICS_HUB_RUNTIME=str(self.runtime),
                        NNBASICS_HUB_STATE=str(self.workdir / "state"), NNBASICS_HUB_HOMES=str(self.homes),
                        NNBASICS_HUB_PORT=str(self.port), NNBASICS_HUB_HUB_API_PORT=str(free_port()),
                        NNBASICS_HUB_PROXY_API_PORT=str(free_port()), NNBASICS_HUB_CULL_TIMEOUT=str(cull_timeout))
        self.env.pop("MPLBACKEND", None)     # students' kernels choose their own backend
        self.start_timeout = start_timeout
        self.proc = None
        self._seen = {}                      # pid -> psutil.Process of everything the hub started

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        hub = Path(sys.executable).parent / "jupyterhub"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([str(hub), "-f", str(CONFIG)], cwd=self.workdir, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                if self.http.get(self.url + "hub/api/", timeout=5).status_code == 200:
                    self.remember_processes()
                    return
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"the hub did not answer within {self.start_timeout} s:\n{self.log_tail()}")

    def log_tail(self, n=4000):
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""

    def api(self, method, path, body=None, timeout=60):
        """A hub REST API call with the admin token; the decoded JSON (None for no body)."""
        r = self.http.request(method, self.url + "hub/api/" + path.lstrip("/"), timeout=timeout,
                              data=None if body is None else json.dumps(body))
        if r.status_code >= 400:
            raise RuntimeError(f"{method} hub/api/{path}: HTTP {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    def add_students(self, names):
        self.api("POST", "users", {"usernames": list(names)})

    def home(self, name):
        return self.homes / name

    def remember_processes(self):
        """Note every process below the hub (proxy, culler, servers, kernels) so stop() can end
        any that outlive it. Cheap; called at start, after spawns and before stop."""
        import psutil

        with contextlib.suppress(psutil.Error):
            for p in [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]:
                self._seen.setdefault(p.pid, p)

    def hub_processes(self):
        """The hub, its proxy and its services (not the students' servers): the hub's overhead."""
        import psutil

        hub = psutil.Process(self.proc.pid)
        return [hub, *[p for p in hub.children() if "jupyterhub-singleuser" not in " ".join(p.cmdline())]]

    def stop(self):
        import psutil

        if self.proc is None:
            return
        self.remember_processes()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)       # the hub stops servers, proxy and services
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        survivors = []
        for p in self._seen.values():
            with contextlib.suppress(psutil.Error):
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    p.terminate()
                    survivors.append(p)
        _, alive = psutil.wait_procs(survivors, timeout=10)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        self.http.close()
        shutil.rmtree(self.runtime, ignore_errors=True)
        self.proc = None


class Student:
    """One student of the class: their server, their browser session, their kernels."""

    def __init__(self, hub, name):
        import requests

        self.hub, self.name = hub, name
        self.browser = requests.Session()     # cookies, as a browser keeps them
        self.base = f"{hub.url}user/{name}/"
        self._token = None
        self._token_lock = threading.Lock()

    # -- through the hub's REST API (admin token) ------------------------------------------------
    def start_server(self, timeout=300):
        """Ask the hub to start this student's server; seconds until the hub says it is ready."""
        t0 = time.perf_counter()
        r = self.hub.http.post(f"{self.hub.url}hub/api/users/{self.name}/server", timeout=timeout)
        if r.status_code not in (201, 202):
            raise RuntimeError(f"{self.name}: starting the server: HTTP {r.status_code} {r.text[:300]}")
        if r.status_code == 202:                       # pending: follow the hub's progress stream
            progress = self.hub.http.get(f"{self.hub.url}hub/api/users/{self.name}/server/progress",
                                         stream=True, timeout=timeout)
            for event in _sse(progress, time.monotonic() + timeout):
                if event.get("failed"):
                    raise RuntimeError(f"{self.name}: the server failed to start: {event.get('message')}")
                if event.get("ready"):
                    break
            else:
                raise TimeoutError(f"{self.name}: the server was not ready within {timeout} s")
        self.hub.remember_processes()
        return time.perf_counter() - t0

    def server_pid(self):
        return self.hub.api("GET", f"users/{self.name}")["servers"][""]["state"]["pid"]

    def token(self):
        """An API token of this student's (issued through the admin API), for their server's API."""
        with self._token_lock:
            if self._token is None:
                self._token = self.hub.api("POST", f"users/{self.name}/tokens",
                                           {"note": "class hub test", "expires_in": 7200})["token"]
        return self._token

    # -- as the student's browser ----------------------------------------------------------------
    def login(self):
        r = self.browser.get(f"{self.hub.url}hub/login", timeout=60)
        xsrf = self.browser.cookies.get("_xsrf") or _attr(r.text, "_xsrf", "value")
        r = self.browser.post(f"{self.hub.url}hub/login", timeout=120,
                              data={"username": self.name, "password": "any", "_xsrf": xsrf})
        if r.status_code != 200 or "jupyterhub-session-id" not in self.browser.cookies:
            raise RuntimeError(f"{self.name}: login failed: HTTP {r.status_code} at {r.url}")

    def open_link(self, link, timeout=300):
        """Follow an nbgitpuller link as the browser does; returns the git output lines. Raises
        if the pull fails or the page it sends the student to is not there."""
        page = self.browser.get(link, timeout=timeout)
        if page.status_code != 200 or not page.url.startswith(self.base + "git-pull"):
            raise RuntimeError(f"{self.name}: the link led to HTTP {page.status_code} at {page.url}")
        data = {k: _attr(page.text, f"data-{k}") for k in ("base-url", "repo", "branch", "targetpath", "path",
                                                             "xsrf", "depth")}
        params = {"_xsrf": data["xsrf"], "repo": data["repo"], "targetpath": data["targetpath"]}
        params.update({k: data[k] for k in ("depth", "branch") if data[k] is not None})
        stream = self.browser.get(f"{self.hub.url.rstrip('/')}{data['base-url']}git-pull/api", params=params,
                                  stream=True, timeout=timeout)
        if stream.status_code != 200:
            raise RuntimeError(f"{self.name}: git-pull/api: HTTP {stream.status_code}")
        output = []
        for event in _sse(stream, time.monotonic() + timeout):
            output.append(event.get("output", ""))
            if event.get("phase") == "error":
                raise RuntimeError(f"{self.name}: the pull failed: {event.get('message')}\n{''.join(output)[-2000:]}")
            if event.get("phase") == "finished":
                break
        else:
            raise RuntimeError(f"{self.name}: the pull did not finish:\n{''.join(output)[-2000:]}")
        landing = self.browser.get(f"{self.hub.url.rstrip('/')}{data['base-url']}{data['path']}", timeout=timeout)
        if landing.status_code != 200:
            raise RuntimeError(f"{self.name}: after the pull, {data['path']} gave HTTP {landing.status_code}")
        return output

    # -- the student's Jupyter server (their token) ----------------------------------------------
    def server_api(self, method, path, body=None, timeout=120):
        r = self.hub.http.request(method, self.base + "api/" + path.lstrip("/"), timeout=timeout,
                                  headers={"Authorization": f"token {self.token()}"},
                                  data=None if body is None else json.dumps(body))
        if r.status_code >= 400:
            raise RuntimeError(f"{self.name}: {method} api/{path}: HTTP {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    def run_notebook(self, path, cell_timeout=1800):
        """Run every code cell of the notebook at ``path`` (relative to the student's home) in a new
        kernel of the student's server, in order, stopping at the first error. Returns
        {'path', 'cells', 'of', 'seconds', 'error' (None when all ran), 'reconnects' (dropped kernel
        websockets, each reconnected)}; shuts the kernel down."""
        nb = self.server_api("GET", f"contents/{quote(path)}?type=notebook&content=1")["content"]
        session = self.server_api("POST", "sessions", {"path": path, "type": "notebook", "name": "",
                                                       "kernel": {"name": "python3"}})
        t0 = time.perf_counter()
        cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        error, done, reconnects = None, 0, []
        try:
            with KernelChannel(self, session["kernel"]["id"]) as kernel:
                reconnects = kernel.reconnects
                kernel.execute("", timeout=cell_timeout)          # waits until the kernel answers
                for cell in cells:
                    error = kernel.execute("".join(cell["source"]), timeout=cell_timeout)
                    if error:
                        break
                    done += 1
        except Exception as e:       # the connection, not the notebook, failed: say where
            error = f"{type(e).__name__} at {time.strftime('%H:%M:%S')}: {e}"
        finally:
            with contextlib.suppress(Exception):
                self.server_api("DELETE", f"sessions/{session['id']}")
        return {"path": path, "cells": done, "of": len(cells), "seconds": time.perf_counter() - t0, "error": error,
                "reconnects": reconnects}


class KernelChannel:
    """The kernel websocket of a student's server (jupyter_server's JSON protocol). Like
    JupyterLab, it reconnects when the connection drops (up to MAX_RECONNECTS times, with the
    same session id, so the server replays what it buffered meanwhile) and counts it."""

    MAX_RECONNECTS = 5

    def __init__(self, student, kernel_id):
        self.url = (student.base.replace("http://", "ws://") +
                    f"api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}")
        self.header = [f"Authorization: token {student.token()}"]
        self.session = uuid.uuid4().hex
        self.username = student.name
        self.stdout = ""                  # what the last execute() printed
        self.reconnects = []              # (time, why) of each dropped connection
        self.ws = self._connect()

    def _connect(self):
        import websocket

        return websocket.create_connection(self.url, header=self.header, timeout=120)

    def _recv(self):
        """The next frame, or None after a timeout or a reconnect."""
        import websocket

        try:
            return self.ws.recv()
        except websocket.WebSocketTimeoutException:
            return None
        except (websocket.WebSocketConnectionClosedException, ConnectionError) as e:
            if len(self.reconnects) >= self.MAX_RECONNECTS:
                raise
            self.reconnects.append((time.strftime("%H:%M:%S"), f"{type(e).__name__}: {e}"))
            time.sleep(min(8.0, 0.5 * 2 ** len(self.reconnects)))
            with contextlib.suppress(Exception):
                self.ws.close()
            self.ws = self._connect()
            return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.ws.close()

    def execute(self, code, timeout):
        """Run ``code``; None when it ran, else 'ename: evalue' of its error. Waits for the reply
        and for the kernel to go idle (all output received)."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": self.session,
                       "username": self.username, "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        deadline = time.monotonic() + timeout
        error, replied, idle, self.stdout = None, False, False, ""
        while not (replied and idle):
            if time.monotonic() > deadline:
                return f"TimeoutError: cell still running after {timeout} s"
            frame = self._recv()
            if frame is None:
                continue
            msg = _decode(frame)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg.get("content", {})
            if kind == "stream" and content.get("name") == "stdout":
                self.stdout += content.get("text", "")
            elif kind == "error":
                error = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind == "execute_reply":
                replied = True
                if content.get("status") != "ok" and not error:
                    error = f"{content.get('ename', 'error')}: {content.get('evalue', content.get('status'))}"
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        return error


def _decode(frame):
    """A websocket frame of jupyter_server's default protocol: JSON text, or binary with buffers
    (uint32 count, uint32 offsets, then the JSON message and the buffers)."""
    if isinstance(frame, str):
        return json.loads(frame)
    n = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 + 4 * i:8 + 4 * i], "big") for i in range(n)]
    end = offsets[1] if n > 1 else len(frame)
    return json.loads(frame[offsets[0]:end].decode())


def _sse(response, deadline):
    """The JSON events of a text/event-stream response, until it ends or the deadline passes."""
    with response:
        for line in response.iter_lines(decode_unicode=True):
            if time.monotonic() > deadline:
                return
            if line and line.startswith("data:"):
                yield json.loads(line[5:].strip())


def _attr(html, name, attr=None):
    """The value of HTML attribute ``name`` (or of ``attr`` on the element named ``name``)."""
    from urllib.parse import unquote

    pattern = rf'name="{re.escape(name)}"[^>]*{attr}="([^"]*)"' if attr else rf'{re.escape(name)}="([^"]*)"'
    m = re.search(pattern, html)
    return unquote(m.group(1)) if m else None
