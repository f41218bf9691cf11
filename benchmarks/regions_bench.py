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
    """p50 and p95 of the wall time and p50 of the CPU time of this process, in ms."""
    f()                                                  # warm up (imports, caches)
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        f()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return float(np.percentile(wall, 50)), float(np.percentile(wall, 95)), float(np.median(cpu))


def run(repeats=REPEATS):
    """One row per case: name, regions found, p50_ms, p95_ms (wall clock), goal_ms (None: no goal)
    and cpu_p50_ms (CPU time of this process: well below the wall time when the machine is busy)."""
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
        p50, p95, cpu = _time(f, repeats)
        rows.append(dict(name=name, regions=f(), p50_ms=round(p50, 2), p95_ms=round(p95, 2), goal_ms=goal,
                         cpu_p50_ms=round(cpu, 2)))
    return rows


def table(rows):
    """The rows as a text table, with a verdict where there is a goal (met when the wall-clock p95
    is at most the goal)."""
    lines = [f"{'case':42s} {'regions':>8s} {'p50 ms':>9s} {'p95 ms':>9s} {'goal ms':>8s} {'cpu p50':>8s}"
             "  verdict", "-" * 97]
    for r in rows:
        goal = "-" if r["goal_ms"] is None else f"{r['goal_ms']:.0f}"
        verdict = "" if r["goal_ms"] is None else ("ok" if r["p95_ms"] <= r["goal_ms"] else "MISSED")
        lines.append(f"{r['name']:42s} {r['regions']:>8d} {r['p50_ms']:>9.2f} {r['p95_ms']:>9.2f} "
                     f"{goal:>8s} {r['cpu_p50_ms']:>8.2f}  {verdict}")
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=REPEATS, help="timed calls per case (default 30)")
    print(table(run(ap.parse_args().repeats)))
