"""A class on one JupyterHub, under load: how long students wait, how much memory each needs,
how many one machine holds.

    .venv/bin/python benchmarks/class_load.py --students 20 [--notebooks 02 07] [--keep]
    make bench-class STUDENTS=20

Starts the class hub of deploy/jupyterhub in its test mode on 127.0.0.1 (free ports, state
and homes in a temporary directory) and a local bare clone of this repository's HEAD for the
links to pull from: nothing leaves the machine. Then, for N students at once:

1. each student's server is started through the hub's REST API (an admin token made for this
   run); "ready" is the time from that request to the hub reporting the server ready;
2. each student logs in and follows the README's nbgitpuller link (hub -> their server ->
   nbgitpuller, which clones the repository into their home); "pull" is that time;
3. when every student has pulled, all of them run notebooks 02 and 07 top to bottom at the
   same time, each notebook in its own kernel of that student's server (Jupyter REST API and
   kernel websocket, cell by cell, as Run All does); "run" is the time until both are done.

Memory: the resident set size (RSS) of each student's server plus its kernels, sampled every
0.2 s from the moment the server is ready until the runs end; "peak" is a student's largest
sample. RSS counts the shared libraries of every process in full, so the sum over students
overstates what the machine uses, and per student it is what a per-student memory limit (a
container's, on Kubernetes) has to allow. "class in 20 GB" = (20 GB - the hub's own RSS) /
the largest per-student peak. The last line:

    class load: N students, all ok|K failed, peak NNN MB per student, NN s to run both notebooks (p95)
"""
import argparse
import math
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "deploy" / "jupyterhub"))

import local_hub  # noqa: E402
from resources import RssSampler  # noqa: E402

MB = 2**20
MACHINE_GB = 20
SAMPLE_S = 0.2


def notebook_paths(numbers):
    paths = []
    for n in numbers:
        hits = sorted((ROOT / "notebooks").glob(f"{int(n):02d}_*.ipynb" if n.isdigit() else f"{n}*.ipynb"))
        if len(hits) != 1:
            raise ValueError(f"--notebooks: {n!r} names {len(hits)} notebooks in notebooks/, expected one")
        paths.append(f"{local_hub.CLONE}/notebooks/{hits[0].name}")
    return paths


def p95(values):
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class Seat:
    """One student's figures."""

    def __init__(self, hub, name):
        self.student = local_hub.Student(hub, name)
        self.name = name
        self.ready_s = self.pull_s = self.run_s = None
        self.sampler = None
        self.server_mb = None             # the server alone, when ready (no kernel yet)
        self.runs = []
        self.error = None

    def arrive(self, link):
        try:
            self.ready_s = self.student.start_server()
            self.sampler = RssSampler(self.student.server_pid(), interval=SAMPLE_S)
            self.server_mb = self.sampler.rss() / MB
            self.sampler.start()
            t0 = time.perf_counter()
            self.student.login()
            self.student.open_link(link)
            self.pull_s = time.perf_counter() - t0
        except Exception as e:
            self.error = f"{type(e).__name__}: {str(e)[:200]}"

    def run(self, paths):
        t0 = time.perf_counter()
        with ThreadPoolExecutor(len(paths)) as pool:
            self.runs = list(pool.map(self._run_one, paths))
        self.run_s = time.perf_counter() - t0
        bad = [f"{Path(r['path']).name}: {r['error']} (after {r['cells']}/{r['of']} cells)" for r in self.runs
               if r["error"]]
        if bad:
            self.error = "; ".join(bad)

    def _run_one(self, path):
        try:
            return self.student.run_notebook(path)
        except Exception as e:
            return {"path": path, "cells": 0, "of": "?", "seconds": 0.0, "error": f"{type(e).__name__}: {e}",
                    "reconnects": []}

    @property
    def reconnects(self):
        return [(Path(r["path"]).name, *event) for r in self.runs for event in r["reconnects"]]

    @property
    def peak_mb(self):
        return self.sampler.peak / MB if self.sampler else 0.0


def run(students, notebooks=("02", "07"), keep=False):
    reason = local_hub.unavailable_reason()
    if reason:
        raise SystemExit(f"class_load: cannot start the class hub: {reason}")
    paths = notebook_paths(notebooks)
    workdir = Path(tempfile.mkdtemp(prefix="nnbasics-class-load-"))
    names = [f"student{i:03d}" for i in range(1, students + 1)]
    seats = []
    try:
        origin = local_hub.make_origin(workdir)
        t0 = time.perf_counter()
        with local_hub.LocalHub(workdir) as hub:
            hub_start_s = time.perf_counter() - t0
            hub_sampler = RssSampler(procs=hub.hub_processes, interval=SAMPLE_S)
            hub_sampler.start()
            hub.add_students(names)
            seats = [Seat(hub, name) for name in names]
            link = local_hub.pull_link(hub.url, origin)
            print(f"hub up in {hub_start_s:.1f} s at {hub.url}; {students} students start their servers and "
                  f"follow the link ({link})", flush=True)
            with ThreadPoolExecutor(students) as pool:
                list(pool.map(lambda s: s.arrive(link), seats))
            present = [s for s in seats if s.error is None]
            print(f"{len(present)}/{students} servers ready and pulled; now all run "
                  f"{' and '.join(Path(p).name for p in paths)} at once", flush=True)

            def everyone():
                return [p for s in present for p in s.sampler.procs()] + hub.hub_processes()

            class_sampler = RssSampler(procs=everyone, interval=SAMPLE_S)
            class_sampler.start()
            t_run = time.perf_counter()
            with ThreadPoolExecutor(max(1, len(present))) as pool:
                list(pool.map(lambda s: s.run(paths), present))
            wall_run = time.perf_counter() - t_run
            class_peak = class_sampler.stop() / MB
            for s in seats:
                if s.sampler:
                    s.sampler.stop()
            hub_mb = hub_sampler.stop() / MB
        return report(seats, paths, hub_mb, class_peak, wall_run, hub_start_s)
    except BaseException:
        keep = True
        raise
    finally:
        if keep or any(s.error or s.reconnects for s in seats):
            print(f"kept {workdir} (hub.log, the students' homes)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def report(seats, paths, hub_mb, class_peak, wall_run, hub_start_s):
    n = len(seats)
    failed = [s for s in seats if s.error]
    lines = [f"{'student':<11} {'ready s':>7} {'pull s':>6} {'run s':>6} {'peak MB':>7}  status",
             f"{'-' * 11} {'-' * 7} {'-' * 6} {'-' * 6} {'-' * 7}  ------"]

    def f(x):
        return f"{x:.1f}" if x is not None else "-"

    for s in seats:
        dropped = f" ({len(s.reconnects)} kernel websocket reconnects)" if s.reconnects else ""
        lines.append(f"{s.name:<11} {f(s.ready_s):>7} {f(s.pull_s):>6} {f(s.run_s):>6} {s.peak_mb:7.0f}  "
                     f"{s.error or 'ok'}{dropped}")
    ok = [s for s in seats if not s.error]
    peaks = [s.peak_mb for s in seats if s.sampler]
    peak = max(peaks) if peaks else 0.0
    lines.append("")
    for label, values in (("ready", [s.ready_s for s in seats if s.ready_s is not None]),
                          ("pull", [s.pull_s for s in seats if s.pull_s is not None]),
                          ("run", [s.run_s for s in ok])):
        if values:
            lines.append(f"time to {label:<5}: median {statistics.median(values):6.1f} s, p95 {p95(values):6.1f} s, "
                         f"max {max(values):6.1f} s")
    per_nb = {Path(p).name: [r["seconds"] for s in ok for r in s.runs if r["path"] == p] for p in paths}
    for name, values in per_nb.items():
        if values:
            lines.append(f"  {name:<28} median {statistics.median(values):6.1f} s, max {max(values):6.1f} s")
    if peaks:
        idle = [s.server_mb for s in seats if s.server_mb]
        lines.append(f"peak memory per student (server + {len(paths)} kernels, RSS): median "
                     f"{statistics.median(peaks):.0f} MB, max {peak:.0f} MB; the server alone when ready: "
                     f"median {statistics.median(idle):.0f} MB")
    lines.append(f"hub + proxy + idle culler: {hub_mb:.0f} MB; hub up in {hub_start_s:.1f} s")
    dropped = [(s.name, *event) for s in seats for event in s.reconnects]
    lines.append(f"kernel websockets dropped and reconnected (as JupyterLab does): {len(dropped)}"
                 + "".join(f"\n  {name} {nb} at {when}: {why}" for name, nb, when, why in dropped))
    lines.append(f"total memory: {sum(peaks) + hub_mb:.0f} MB summing every student's peak and the hub; "
                 f"{class_peak:.0f} MB at the busiest moment (all at once, wall {wall_run:.0f} s)")
    if peak:
        holds = int((MACHINE_GB * 1024 - hub_mb) // peak)
        lines.append(f"one machine with {MACHINE_GB} GB for students holds a class of {holds} at {peak:.0f} MB each "
                     f"(both notebooks open); CPU, not memory, sets how fast they run (this machine: "
                     f"{_cores()} cores)")
    run_p95 = p95([s.run_s for s in ok]) if ok else float("nan")
    status = "all ok" if not failed else f"{len(failed)} failed"
    lines.append(f"class load: {n} students, {status}, peak {peak:.0f} MB per student, "
                 f"{run_p95:.0f} s to run both notebooks (p95)")
    return "\n".join(lines), len(failed)


def _cores():
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=5, help="how many students at once (default 5)")
    ap.add_argument("--notebooks", nargs="+", default=["02", "07"], help="notebooks each student runs (default 02 07)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (hub log, homes)")
    args = ap.parse_args(argv)
    if args.students < 1:
        ap.error(f"--students must be at least 1, got {args.students}")
    text, failures = run(args.students, args.notebooks, keep=args.keep)
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
