"""Slider latency of every app: p50/p95 of one move (the callbacks plus a canvas draw, Agg).

A move sets a control to a neighbouring value, as a dragged slider does; every slider of every
app in ``nnbasics.apps.ALL_APPS`` is moved back and forth across its range. Goal: p95 at most
50 ms per app on the project's 2-core machine.

    .venv/bin/python benchmarks/latency.py [--moves 60] [AppName ...]
"""
import argparse
import os
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from nnbasics.apps import ALL_APPS  # noqa: E402
from nnbasics.apps.probe import is_slider, sweep_values  # noqa: E402

GOAL_MS = 50.0


def _moves(control, n):
    """A back-and-forth walk over ``n`` neighbouring values of the slider's range."""
    values = sweep_values(control, n=12)
    if len(values) < 2:
        return []
    walk = values + values[-2:0:-1]
    return [walk[i % len(walk)] for i in range(1, n + 1)]


def measure_app(cls, moves=60):
    """Per-slider and overall latencies (ms) of one app."""
    app = cls()
    per_control, all_times = {}, []
    try:
        for name, control in app.control_widgets().items():
            if not is_slider(control):
                continue
            times = []
            start = control.value
            for v in _moves(control, moves):
                t0 = time.perf_counter()
                control.value = v  # observers run synchronously; Agg's draw_idle draws at once
                times.append((time.perf_counter() - t0) * 1e3)
            control.value = start
            if app.last_error is not None:
                raise RuntimeError(f"{cls.__name__}.{name}: {app.last_error!r}")
            per_control[name] = times
            all_times += times
    finally:
        app.close()
    return per_control, all_times


def run(moves=60, names=None):
    rows = []
    for cls in ALL_APPS:
        if names and cls.__name__ not in names:
            continue
        per_control, times = measure_app(cls, moves)
        if not times:
            continue
        worst = max(per_control, key=lambda n: np.percentile(per_control[n], 95))
        rows.append({"app": cls.__name__, "moves": len(times),
                     "p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)),
                     "slowest_control": worst, "slowest_p95_ms": float(np.percentile(per_control[worst], 95)),
                     "goal_ms": GOAL_MS})
    return rows


def table(rows):
    lines = [f"{'app':<22}{'moves':>6}{'p50 ms':>9}{'p95 ms':>9}  {'slowest slider (p95 ms)':<30}{'goal':>6}",
             "-" * 84]
    for r in rows:
        ok = "ok" if r["p95_ms"] <= r["goal_ms"] else "MISS"
        slowest = f"{r['slowest_control']} ({r['slowest_p95_ms']:.1f})"
        lines.append(f"{r['app']:<22}{r['moves']:>6}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}  "
                     f"{slowest:<30}{ok:>6}")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=60, help="moves per slider (default 60)")
    ap.add_argument("apps", nargs="*", help="only these app classes")
    a = ap.parse_args()
    rows = run(a.moves, a.apps)
    print("Slider latency (callbacks + Agg draw), per app over all its sliders")
    print(table(rows))
    sys.exit(0)
