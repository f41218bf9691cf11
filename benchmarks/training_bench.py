"""Notebooks 07–08: how fast the training app plays, how fast its controls answer, and the model search.

    playing     TrainingApp under Agg, the Play widget's ticks simulated: each tick runs ``speed``
                optimiser steps per trainer, moves the artists and redraws (the frozen background
                pasted, the moving artists drawn). Reported: redraws/s (1 / time per tick) and
                optimiser steps/s. Goal: >= 10 redraws/s.
                (In the browser, ipympl also encodes the changed pixels as PNG: about 15 ms more.)
    latency     p50/p95 of one control move for the apps of notebooks 07–08 (the sliders of
                ``latency.py``, plus the time scrubber of a trained TrainingApp). Goal: p95 <= 50 ms.
    search      wall time of notebook 08's model search (12 networks, 20 epochs each).

    .venv/bin/python benchmarks/training_bench.py [--ticks 60] [--moves 60]
"""
import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
# as in the notebooks' first cell: one BLAS thread (tiny matrices; 2 threads double the CPU time on
# a shared 2-core machine). Only effective if numpy is not imported yet (run this file directly).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from nnbasics.apps import ActivationMapApp, CodesApp, FeatureDetectorApp, LossSurfaceApp, TrainingApp  # noqa: E402
from nnbasics.data import digits_split  # noqa: E402
from nnbasics.trainer import grid_search  # noqa: E402

GOAL_REDRAWS = 10.0
GOAL_MS = 50.0
PLAY_SCENES = [
    ("spiral, 16×2, momentum", dict()),
    ("spiral, SGD vs momentum", dict(optimizer="both")),
    ("spiral, 6×2, exact tiling", dict(width=6, tiling=True)),
    ("spiral, 16×2, grid tiling", dict(tiling=True)),
    ("spiral, 16×2, 50 steps/frame", dict(speed=50)),
]


def bench_playing(ticks=60):
    rows = []
    for name, kw in PLAY_SCENES:
        app = TrainingApp(**kw)
        try:
            app.play.playing = True
            for _ in range(5):                       # warm up (first full draw, caches)
                app.play.value += 1
            wall, cpu = [], []
            for _ in range(ticks):
                t0, c0 = time.perf_counter(), time.process_time()
                app.play.value += 1
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            steps_per_tick = app.speed.value * len(app.trainers)
            mean = float(np.mean(wall))
            rows.append({"bench": "playing", "scene": name, "ticks": ticks,
                         "tick_ms_p50": 1e3 * float(np.median(wall)),
                         "tick_ms_p95": 1e3 * float(np.percentile(wall, 95)),
                         "cpu_ms_p50": 1e3 * float(np.median(cpu)),
                         "redraws_per_s": 1.0 / mean, "steps_per_s": steps_per_tick / mean,
                         "full_draws": app.full_draws, "goal": GOAL_REDRAWS})
        finally:
            app.close()
    return rows


def _timed_moves(app, control, values):
    wall, cpu = [], []
    for v in values:
        t0, c0 = time.perf_counter(), time.process_time()
        control.value = v          # observers run synchronously; the redraw happens at once (Agg)
        wall.append(1e3 * (time.perf_counter() - t0))
        cpu.append(1e3 * (time.process_time() - c0))
    if app.last_error is not None:
        raise RuntimeError(f"{type(app).__name__}: {app.last_error!r}")
    return wall, cpu


def _latency_row(name, per, wall, cpu, slowest=None):
    worst = slowest or max(per, key=lambda n: np.percentile(per[n], 95))
    return {"bench": "latency", "app": name, "moves": len(wall),
            "p50_ms": float(np.percentile(wall, 50)), "p95_ms": float(np.percentile(wall, 95)),
            "cpu_p95_ms": float(np.percentile(cpu, 95)),
            "slowest": f"{worst} ({np.percentile(per[worst], 95):.1f})", "goal": GOAL_MS}


def bench_latency(moves=60):
    """Every slider moved back and forth as in latency.py; wall and CPU time per move."""
    import latency

    from nnbasics.apps.probe import is_slider

    rows = []
    for cls in (TrainingApp, LossSurfaceApp, FeatureDetectorApp, ActivationMapApp, CodesApp):
        app = cls()
        try:
            per, wall, cpu = {}, [], []
            for name, control in app.control_widgets().items():
                if not is_slider(control):
                    continue
                start = control.value
                w, c = _timed_moves(app, control, latency._moves(control, moves))
                control.value = start
                per[name] = w
                wall += w
                cpu += c
            rows.append(_latency_row(cls.__name__, per, wall, cpu))
        finally:
            app.close()
    # the time scrubber of a trained app (not a setting, so not in latency.py)
    for name, kw in (("time (single)", dict()), ("time (side by side)", dict(optimizer="both"))):
        app = TrainingApp(steps=500, **kw)
        try:
            values = [int(v) for v in np.random.default_rng(0).integers(0, 500, moves)]
            w, c = _timed_moves(app, app.time, values)
            rows.append(_latency_row(f"TrainingApp {name}", {"time": w}, w, c))
        finally:
            app.close()
    return rows


def bench_search():
    X_train, y_train, X_val, y_val, _, _ = digits_split(0)
    t0 = time.perf_counter()
    res = grid_search(X_train, y_train, X_val, y_val, widths=(8, 16, 32, 64), depths=(1, 2, 3), epochs=20)
    wall = time.perf_counter() - t0
    return [{"bench": "search", "networks": len(res.widths) * len(res.depths), "epochs": 20, "wall_s": wall,
             "best": f"width {res.best[0]}, depth {res.best[1]}", "best_val_acc": float(res.val_acc.max())}]


def run(ticks=60, moves=60):
    return bench_playing(ticks) + bench_latency(moves) + bench_search()


def _blas_threads():
    try:
        from ctypes import CDLL
        from glob import glob

        libs = glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*"))
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads"):
            for lib in libs:
                fn = getattr(CDLL(lib), name, None)
                if fn is not None:
                    return int(fn())
    except Exception:
        pass
    return os.environ.get("OPENBLAS_NUM_THREADS", "?")


def table(rows):
    out = [f"(BLAS threads: {_blas_threads()}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"]
    play = [r for r in rows if r["bench"] == "playing"]
    if play:
        out.append("TrainingApp while playing (Agg, frozen-background redraws; goal >= 10 redraws/s)")
        out.append(f"{'scene':<30}{'tick p50 ms':>12}{'p95 ms':>9}{'cpu ms':>9}{'redraws/s':>11}{'steps/s':>10}  ok")
        for r in play:
            ok = "ok" if r["redraws_per_s"] >= r["goal"] else "MISS"
            out.append(f"{r['scene']:<30}{r['tick_ms_p50']:>12.1f}{r['tick_ms_p95']:>9.1f}{r['cpu_ms_p50']:>9.1f}"
                       f"{r['redraws_per_s']:>11.1f}{r['steps_per_s']:>10.0f}  {ok}")
    lat = [r for r in rows if r["bench"] == "latency"]
    if lat:
        out.append("\nControl latency, one move (callbacks + Agg draw; goal p95 <= 50 ms; cpu: this process's"
                   " CPU time, which other users' load does not inflate)")
        out.append(f"{'app':<34}{'moves':>6}{'p50 ms':>9}{'p95 ms':>9}{'cpu p95':>9}  "
                   f"{'slowest control (p95 ms)':<28}ok")
        for r in lat:
            ok = "ok" if r["p95_ms"] <= r["goal"] else "MISS"
            out.append(f"{r['app']:<34}{r['moves']:>6}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['cpu_p95_ms']:>9.1f}  "
                       f"{r['slowest']:<28}{ok}")
    for r in rows:
        if r["bench"] == "search":
            out.append(f"\nNotebook 08 model search: {r['networks']} networks × {r['epochs']} epochs in "
                       f"{r['wall_s']:.1f} s; best {r['best']} (validation accuracy {r['best_val_acc']:.1%})")
    return "\n".join(out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=60, help="ticks per playing scene (default 60)")
    ap.add_argument("--moves", type=int, default=60, help="moves per control (default 60)")
    a = ap.parse_args()
    print(table(run(a.ticks, a.moves)))
