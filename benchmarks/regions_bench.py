"""Region enumeration and grid maps (nnbasics.regions): p50/p95 over repeated calls.

    region_map      a 200×200 grid, activation patterns hashed to region ids   goal 10 ms
    linear_regions  the exact polygons in the box [-3,3]×[-2,2.5]              goal 100 ms (2-16-16-3)

The deeper and wider nets have no goal of their own: they are what the tiling app's width and
depth sliders reach, and their times say how quickly it can answer there.

    .venv/bin/python benchmarks/regions_bench.py [--repeats 30]
"""
import argparse
import time

import numpy as np

import nnbasics as nb

BOX = (-3.0, 3.0, -2.0, 2.5)
REPEATS = 30


def _time(f, repeats):
    f()                                                  # warm up (imports, caches)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def run(repeats=REPEATS):
    """One row per case: name, regions found, p50_ms, p95_ms, goal_ms (None: no goal)."""
    cases = []
    for sizes, goal in [([2, 16, 16, 3], 10.0), ([2, 32, 32, 32, 3], None)]:
        params = nb.init_params(sizes, seed=0)
        arch = "-".join(map(str, sizes))
        cases.append((f"region_map 200x200 {arch}", goal,
                      lambda p=params: nb.region_map(p, BOX[:2], BOX[2:], 200)[1]))
    for sizes, goal in [([2, 16, 16, 3], 100.0), ([2, 32, 32, 32, 3], None), ([2, 16, 16, 16, 16, 3], None),
                        ([2, 32, 32, 32, 32, 3], None)]:
        params = nb.init_params(sizes, seed=0)
        arch = "-".join(map(str, sizes))
        cases.append((f"linear_regions {arch}", goal, lambda p=params: len(nb.linear_regions(p, BOX))))
    params = nb.init_params([2, 32, 3], seed=0)
    cases.append(("arrangement_count 32 lines", None,
                  lambda: nb.arrangement_count(params["W1"], params["b1"], BOX)))
    rows = []
    for name, goal, f in cases:
        p50, p95 = _time(f, repeats)
        rows.append(dict(name=name, regions=f(), p50_ms=round(p50, 2), p95_ms=round(p95, 2), goal_ms=goal))
    return rows


def table(rows):
    """The rows as a text table, with a verdict where there is a goal (met when p95 <= goal)."""
    lines = [f"{'case':42s} {'regions':>8s} {'p50 ms':>9s} {'p95 ms':>9s} {'goal ms':>8s}  verdict",
             "-" * 88]
    for r in rows:
        goal = "-" if r["goal_ms"] is None else f"{r['goal_ms']:.0f}"
        verdict = "" if r["goal_ms"] is None else ("ok" if r["p95_ms"] <= r["goal_ms"] else "MISSED")
        lines.append(f"{r['name']:42s} {r['regions']:>8d} {r['p50_ms']:>9.2f} {r['p95_ms']:>9.2f} "
                     f"{goal:>8s}  {verdict}")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=REPEATS, help="timed calls per case (default 30)")
    print(table(run(ap.parse_args().repeats)))
