"""Resource figures for Binder (1–2 GB RAM): the kernel's peak memory and the wall time of every
notebook run top to bottom, and the size of the environment that binder/ installs.

    .venv/bin/python benchmarks/resources.py [02 07 ...] [--no-env] [--lab]
    make bench                                 # (benchmarks/run_all.py calls run())

Each notebook runs in a fresh kernel through nbclient (as nbval does, without a browser, so the
widgets are built but never drawn by a frontend); a thread samples the resident set size (RSS)
of the kernel process and its children with psutil every 50 ms. "idle" is the RSS of the
kernel when it is ready, before the first cell; "peak" the largest sample while the notebook
runs. The goal is a peak of at most 400 MB. The environment size is `du` of a fresh virtual
environment built from binder/ alone (scripts/binder_env.py, as tests/test_binder.py does).

With --lab the notebooks also run as a student runs them: in JupyterLab in headless Chromium
(the browser tests' harness), Run All, then the first slider of every app moved; the kernel's
peak RSS then includes what the frontend makes it do (ipympl draws and sends PNG frames), and
the JupyterLab server's own RSS is reported too (it shares Binder's memory limit).
"""
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT / "scripts"))

GOAL_MB = 400
MB = 2**20


class RssSampler(threading.Thread):
    """Samples the RSS of a process tree (or of the processes ``procs()`` returns) until
    stopped; keeps the peak."""

    def __init__(self, pid=None, interval=0.05, procs=None):
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid) if pid is not None else None
        self.procs = procs or (lambda: [self.proc, *self.proc.children(recursive=True)])
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop_event = threading.Event()

    def rss(self):
        total = 0
        try:
            procs = self.procs()
        except psutil.Error:
            return 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def run(self):
        while not self._stop_event.is_set():
            self.peak = max(self.peak, self.rss())
            self.samples += 1
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, self.rss())
        return self.peak


def kernel_pid(client):
    """The pid of the kernel that ``client`` started (the provisioner's process)."""
    km = client.km
    prov = getattr(km, "provisioner", None)
    proc = getattr(prov, "process", None)
    if proc is not None:
        return proc.pid
    kids = psutil.Process().children()
    if not kids:
        raise RuntimeError("cannot find the kernel process")
    return kids[-1].pid


def measure_notebook(path, timeout=900, kernel_name="python3"):
    """Run one notebook in a fresh kernel: {'notebook', 'idle_MB', 'peak_MB', 'wall_s', 'status'}."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    # The kernel should see what a student's kernel sees: no MPLBACKEND forced by run_all.py.
    saved = os.environ.pop("MPLBACKEND", None)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(path.parent)}})
    status = "ok"
    t0 = time.perf_counter()
    try:
        with client.setup_kernel():
            sampler = RssSampler(kernel_pid(client))
            idle = sampler.rss()
            sampler.start()
            try:
                for index, cell in enumerate(client.nb.cells):
                    client.execute_cell(cell, index)
            except CellExecutionError as e:
                last = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).strip().splitlines()[-1]
                status = f"error: {last[:80]}"
            finally:
                peak = sampler.stop()
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved
    wall = time.perf_counter() - t0
    if status == "ok" and peak > GOAL_MB * MB:
        status = f"over {GOAL_MB} MB"
    return {"notebook": path.name, "idle_MB": idle / MB, "peak_MB": peak / MB, "wall_s": wall,
            "status": status}


def measure_in_lab(paths):
    """Each notebook in JupyterLab (headless Chromium): Run All, move every app's first slider.
    Rows: {'notebook', 'peak_MB' (kernels), 'server_MB' (JupyterLab), 'wall_s', 'status'}."""
    import browser_harness as harness

    reason = harness.unavailable_reason()
    if reason:
        return [{"notebook": "(JupyterLab runs)", "status": f"skipped: {reason}"}]
    rows = []
    with harness.lab_server(harness.ROOT) as lab, harness.chromium() as browser:
        server = psutil.Process(lab.proc.pid)

        def kernels():
            return [p for p in server.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]

        for path in paths:
            sampler = RssSampler(procs=kernels)
            server_sampler = RssSampler(procs=lambda: [server])
            sampler.start()
            server_sampler.start()
            t0 = time.perf_counter()
            status = "ok"
            nbp = None
            try:
                nbp = harness.run_in_lab(browser, lab, Path(path).resolve().relative_to(harness.ROOT))
                for out in nbp.app_outputs():
                    harness.nudge_first_slider(nbp.page, out)
                if nbp.kernel_deaths():
                    status = "kernel died"
                elif nbp.errors():
                    status = "error shown"
            except Exception as e:  # keep measuring the others
                status = f"error: {type(e).__name__}: {str(e)[:60]}"
            finally:
                wall = time.perf_counter() - t0
                peak, server_peak = sampler.stop(), server_sampler.stop()
                if nbp is not None:
                    nbp.close()
            if status == "ok" and peak > GOAL_MB * MB:
                status = f"over {GOAL_MB} MB"
            rows.append({"notebook": Path(path).name, "peak_MB": peak / MB, "server_MB": server_peak / MB,
                         "wall_s": wall, "status": status, "where": "lab"})
    return rows


def binder_env_size():
    """Build the Binder environment from binder/ alone in a temporary dir; its size in MB."""
    import binder_env

    env = binder_env.build()
    try:
        return {"notebook": "(binder/ environment)", "env_MB": env.size_bytes() / MB,
                "build_s": env.seconds, "status": "ok"}
    finally:
        shutil.rmtree(env.workdir, ignore_errors=True)


def run(notebooks=None, env=True, lab=False):
    """One row per notebook (nbclient), with lab=True one more per notebook run in JupyterLab,
    then one for the Binder environment (unless env=False)."""
    paths = notebooks or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    rows = [measure_notebook(p) for p in paths]
    if lab:
        rows += measure_in_lab(paths)
    if env:
        try:
            rows.append(binder_env_size())
        except Exception as e:  # no index, no cache: say so, keep the notebook rows
            rows.append({"notebook": "(binder/ environment)", "status": f"not built: {type(e).__name__}"})
    return rows


def table(rows):
    lines = [f"{'notebook':<34} {'idle MB':>8} {'peak MB':>8} {'wall s':>7}  status",
             f"{'-' * 34} {'-' * 8} {'-' * 8} {'-' * 7}  ------"]
    for r in rows:
        if "idle_MB" in r:
            lines.append(f"{r['notebook']:<34} {r['idle_MB']:8.0f} {r['peak_MB']:8.0f} {r['wall_s']:7.1f}  "
                         f"{r['status']}")
    lab_rows = [r for r in rows if r.get("where") == "lab" or r["notebook"] == "(JupyterLab runs)"]
    if lab_rows:
        lines += ["", "in JupyterLab (headless Chromium, Run All, then every app's first slider moved):",
                  f"{'notebook':<34} {'kernel peak MB':>14} {'server MB':>9} {'wall s':>7}  status",
                  f"{'-' * 34} {'-' * 14} {'-' * 9} {'-' * 7}  ------"]
        for r in lab_rows:
            if "peak_MB" in r:
                lines.append(f"{r['notebook']:<34} {r['peak_MB']:14.0f} {r['server_MB']:9.0f} {r['wall_s']:7.1f}  "
                             f"{r['status']}")
            else:
                lines.append(f"{r['notebook']:<34} {r['status']}")
        lines.append("")
    nb_rows = [r for r in rows if "idle_MB" in r]
    if nb_rows:
        worst = max(nb_rows, key=lambda r: r["peak_MB"])
        lines.append(f"largest peak: {worst['peak_MB']:.0f} MB ({worst['notebook']}); goal <= {GOAL_MB} MB; "
                     f"all notebooks: {sum(r['wall_s'] for r in nb_rows):.0f} s")
    else:
        lines.append("(no notebooks in notebooks/)")
    for r in rows:
        if r["notebook"].startswith("(binder"):
            if "env_MB" in r:
                lines.append(f"Binder environment (du of a venv built from binder/ alone): {r['env_MB']:.0f} MB "
                             f"(built in {r['build_s']:.0f} s with pip's cache)")
            else:
                lines.append(f"Binder environment: {r['status']}")
    return "\n".join(lines)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    chosen = None
    if args:
        chosen = []
        for a in args:
            if a.endswith(".ipynb"):
                chosen.append(Path(a))
                continue
            hits = sorted(NOTEBOOKS.glob(f"{int(a):02d}_*.ipynb" if a.isdigit() else f"{a}*.ipynb"))
            chosen += hits or [Path(a)]
    print(table(run(chosen, env="--no-env" not in sys.argv, lab="--lab" in sys.argv)))
