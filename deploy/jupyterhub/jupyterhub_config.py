"""JupyterHub for a class on one machine: the Neural Net Basics notebooks, one server per student.

    deploy/jupyterhub/install.sh                      # once: hub, proxy, user environment
    .venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

What it sets up (deploy/jupyterhub/README.md explains the choices and gives the figures):
- the hub and configurable-http-proxy (installed by npm into deploy/jupyterhub/node_modules),
  listening on 127.0.0.1:8000 unless NNBASICS_HUB_IP / NNBASICS_HUB_PORT say otherwise;
- one single-user JupyterLab per student, started by a local spawner from the user
  environment (NNBASICS_HUB_USER_ENV, default: the Python environment running the hub) that
  has requirements.txt, deploy/jupyterhub/requirements-user.txt (jupyterhub, nbgitpuller) and
  the JupyterLab setting of binder/postBuild (widget comms off kernel subshells) installed;
- the idle culler (jupyterhub-idle-culler) as a hub-managed service: a server idle for
  NNBASICS_HUB_CULL_TIMEOUT seconds (default 3600) is stopped and its memory freed;
- kernels import nnbasics from the student's own pull of the repository (<home>/<clone>/lib,
  clone = NNBASICS_HUB_CLONE, default neural-net-basics) when it is there, so notebooks and
  library always come from the same commit; before the first pull, from the user environment.

Who logs in. For a real class the authenticator comes from the course's learning platform
(LTI 1.3, jupyterhub-ltiauthenticator) or from the institution's OAuth provider
(oauthenticator), set in a site config (NNBASICS_HUB_SITE_CONFIG, default
deploy/jupyterhub/site_config.py, which is not in the repository: it holds the site's
secrets). Without one the hub refuses to start, and it refuses shared-password
authenticators. Students are then system users (LocalProcessSpawner: each server runs as its
student; a missing user is created on first spawn).

Test mode, for the local run only (tests/test_hub.py, benchmarks/class_load.py): with
NNBASICS_HUB_TEST=1 any name logs in (DummyAuthenticator), every server runs as the hub's own
user with a home under NNBASICS_HUB_HOMES (SimpleLocalProcessSpawner: no system users, no
isolation between students, never for a real class), and NNBASICS_HUB_ADMIN_TOKEN, if set, is
an API token with the rights to create students, start their servers and issue their tokens.
"""
import json
import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TEST = os.environ.get("NNBASICS_HUB_TEST") == "1"
SHARED_PASSWORD = {"dummy", "shared-password", "jupyterhub.auth.DummyAuthenticator",
                   "jupyterhub.authenticators.shared.SharedPasswordAuthenticator"}
UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def _fail(msg):
    raise SystemExit(f"nnbasics class hub ({__file__}): {msg}")


def _env(name, default):
    return os.environ.get(f"NNBASICS_HUB_{name}", default)


def _int(name, default, top, what):
    value = _env(name, str(default))
    if not value.isdigit() or not 0 < int(value) <= top:
        _fail(f"NNBASICS_HUB_{name} must be {what} (1-{top}), got {value!r}")
    return int(value)


def _port(name, default):
    return _int(name, default, 65535, "a TCP port")


# -- where it listens and keeps its state --------------------------------------------------------
ip = _env("IP", "127.0.0.1")
c.JupyterHub.bind_url = f"http://{ip}:{_port('PORT', 8000)}/"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{_port('HUB_API_PORT', 8081)}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_port('PROXY_API_PORT', 8001)}"

state = Path(_env("STATE", HERE / "state")).resolve()
state.mkdir(mode=0o700, parents=True, exist_ok=True)
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

proxy = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
if not proxy.exists():
    _fail(f"no configurable-http-proxy at {proxy}; run deploy/jupyterhub/install.sh (npm ci there)")
c.ConfigurableHTTPProxy.command = [str(proxy)]

# -- the students' servers -----------------------------------------------------------------------
user_env = Path(_env("USER_ENV", sys.prefix))
singleuser = user_env / "bin" / "jupyterhub-singleuser"
if not singleuser.exists():
    _fail(f"no jupyterhub-singleuser in the user environment {user_env}; install "
          "deploy/jupyterhub/requirements-user.txt there (install.sh does)")
if not (user_env / "etc" / "jupyter" / "jupyter_server_config.d" / "nbgitpuller.json").exists():
    _fail(f"nbgitpuller is not enabled in the user environment {user_env}; install "
          "deploy/jupyterhub/requirements-user.txt there (install.sh does)")
override = user_env / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "nnbasics.json"
wanted = json.loads((ROOT / "binder" / "jupyterlab_overrides.json").read_text())
if not override.exists() or json.loads(override.read_text()) != wanted:
    _fail(f"the JupyterLab setting of binder/postBuild is missing or stale at {override}; run "
          f"NB_PYTHON_PREFIX={user_env} bash binder/postBuild (install.sh does)")

c.Spawner.cmd = [str(singleuser)]
c.Spawner.default_url = "/lab"
# 20 servers starting at once on 2 cores took up to 60 s (benchmarks/class_load.py): leave room.
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
clone = _env("CLONE", "neural-net-basics")


def _home(spawner):
    home = getattr(spawner, "home_dir", None)          # SimpleLocalProcessSpawner (test mode)
    return home or pwd.getpwnam(spawner.user.name).pw_dir


# Kernels talk to their server over Unix sockets, not TCP ports. With TCP, each server picks 5
# free ports per kernel and the kernel binds them a moment later; servers do not know each
# other's picks, so when a class starts 40 kernels at once two can collide ("Address already
# in use"), and ipykernel 7 then hangs in its shutdown instead of exiting: a kernel that never
# answers and is never restarted (seen in 1 of ~80 kernel starts in benchmarks/class_load.py
# with 20 students). Unix sockets are named after the kernel's connection file: no collision.
# Their paths must stay under 108 bytes, so the runtime directory (connection files, sockets)
# is short: ~/.jupyter-run, or NNBASICS_HUB_RUNTIME/<student> in test mode.
IPC_PATH_MAX = 107 - len("/kernel-00000000-0000-0000-0000-000000000000-ipc-99")
runtime_root = _env("RUNTIME", "")


def _runtime_dir(spawner):
    path = (os.path.join(runtime_root, spawner.user.name) if runtime_root
            else os.path.join(_home(spawner), ".jupyter-run"))
    if len(path.encode()) > IPC_PATH_MAX:
        raise ValueError(f"the kernels' runtime directory {path} is longer than {IPC_PATH_MAX} bytes, too long for "
                         "their Unix sockets; set NNBASICS_HUB_RUNTIME to a short directory")
    return path


c.Spawner.args = ["--KernelManager.transport=ipc"]
c.Spawner.environment = {
    # Many kernels share the cores: one BLAS thread each (the suite's matrices are small).
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NBGITPULLER_APP": "lab",
    "PYTHONPATH": lambda spawner: os.path.join(_home(spawner), clone, "lib"),
    "JUPYTER_RUNTIME_DIR": _runtime_dir,
}

# -- the idle culler -----------------------------------------------------------------------------
cull_timeout = _int("CULL_TIMEOUT", 3600, 7 * 86400, "seconds")
services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={cull_timeout}",
                f"--cull-every={max(1, min(600, cull_timeout // 2))}"],
}]
roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]

# -- who logs in and as which system user --------------------------------------------------------
if TEST:
    c.JupyterHub.authenticator_class = "dummy"
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    homes = Path(_env("HOMES", state / "home")).resolve()
    c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")
    if os.geteuid() == 0:                          # all servers run as the hub's user
        c.Spawner.args.append("--allow-root")
    admin_token = os.environ.get("NNBASICS_HUB_ADMIN_TOKEN")
    if admin_token:
        services.append({"name": "class-admin", "api_token": admin_token})
        roles.append({"name": "class-admin", "services": ["class-admin"],
                      "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users",
                                 "access:servers", "list:services", "read:services", "read:hub"]})
else:
    site = Path(_env("SITE_CONFIG", HERE / "site_config.py"))
    if site.exists():
        load_subconfig(str(site))  # noqa: F821  (provided by JupyterHub's config loader)
    if "authenticator_class" not in c.JupyterHub:
        _fail(f"no authenticator: write {site} setting c.JupyterHub.authenticator_class to LTI 1.3 "
              "('ltiauthenticator.lti13.auth.LTI13Authenticator', from the course's learning platform) or "
              "OAuth (an oauthenticator class) with its settings; deploy/jupyterhub/README.md has both. "
              "For the local test run only, set NNBASICS_HUB_TEST=1.")
    auth = c.JupyterHub.authenticator_class
    auth_name = auth if isinstance(auth, str) else f"{auth.__module__}.{auth.__name__}"
    if auth_name in SHARED_PASSWORD:
        _fail(f"authenticator {auth_name} lets anyone in with a shared or any password; use LTI or OAuth")
    if "spawner_class" not in c.JupyterHub:
        c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"


def ensure_system_user(spawner):
    """LocalProcessSpawner runs each server as the system user named like the student: create
    that user (with a home) on first spawn. Names must be valid Unix user names."""
    name = spawner.user.name
    try:
        pwd.getpwnam(name)
        return
    except KeyError:
        pass
    if not UNIX_NAME.match(name):
        raise ValueError(f"student name {name!r} is not a valid Unix user name (lower-case letters, digits, "
                         "'_' or '-', at most 32, not starting with a digit); make the authenticator give such "
                         "names (its username claim, or Authenticator.username_map)")
    if os.geteuid() != 0:
        raise PermissionError(f"cannot create the system user {name!r}: the hub does not run as root")
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", "nnbasics student", name],
                   check=True, capture_output=True, text=True)


if not TEST:
    c.Spawner.pre_spawn_hook = ensure_system_user

c.JupyterHub.services = services
c.JupyterHub.load_roles = roles
