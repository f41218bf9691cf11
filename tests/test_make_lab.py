"""`make lab`, the README's first command: JupyterLab on 127.0.0.1, token authentication on; and
`make lab`/`make test` on a Python outside the supported range: one line first, nothing created.
(The Makefile calls tasks.py; tests/test_entry_point.py tests tasks.py itself.)"""
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_entry_point import (
    _free_port,
    assert_serves_only_this_machine_with_a_token,
    binder_env,
    fake_python,
    shell_env,
    snapshot,
)

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="no make here (python tasks.py does the same)")


@pytest.mark.slow
def test_make_lab_serves_on_localhost_with_a_token(tmp_path):
    port = _free_port()
    log = tmp_path / "lab.log"
    proc = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS=--no-browser --port={port} --ServerApp.port_retries=0"],
                            cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True,
                            env=shell_env(JUPYTER_RUNTIME_DIR=str(tmp_path)))
    try:
        token = None
        for _ in range(240):
            m = re.search(rf"http://127\.0\.0\.1:{port}/lab[^\s]*\?token=(\w+)", log.read_text())
            if m:
                token = m.group(1)
                break
            assert proc.poll() is None, f"make lab exited:\n{log.read_text()[-2000:]}"
            time.sleep(0.5)
        assert token, f"make lab printed no URL with a token:\n{log.read_text()[-2000:]}"
        assert_serves_only_this_machine_with_a_token(port, token)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.parametrize("target", ["lab", "test"])
def test_make_on_python_3_10_says_what_to_do_first_and_creates_nothing(tmp_path, target):
    repo = binder_env.copy_repo(tmp_path / "repo")
    before = snapshot(repo)
    p = subprocess.run(["make", target, f"PYTHON={fake_python(tmp_path / 'python3')}"], cwd=repo, env=shell_env(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    assert p.returncode != 0
    first = p.stdout.splitlines()[0]
    assert first.startswith(f"error: Python 3.10.12 ({tmp_path / 'python3'}) is too old: "
                            "Neural Net Basics needs Python 3.11 to 3.14."), p.stdout
    assert re.search(rf"run make {target} PYTHON=python3\.1[1-4] - or use the Binder link", first), first
    assert snapshot(repo) == before, "make created files before refusing"
