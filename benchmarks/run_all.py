"""`make bench`: every benchmark of the suite in one run, each printing its table.

    train_step   one training step vs. PyTorch (CPU, float64) and the matmul floor
    conv_step    notebook 09's conv layer step (conv + ReLU + max-pool, fprop and bprop) vs. PyTorch
    regions      region enumeration (exact) and grid maps
    latency      p50/p95 of one slider move, every app
    training     steps/s and redraws/s of the training app, notebook 08's model search
    resources    peak kernel memory and wall time of every notebook, size of the Binder env
    browser      key press -> pixels and bytes per move of every app in JupyterLab + Chromium,
                 at pixel ratio 1 and 2, local and remote link, beside the ipympl and Label
                 floors (long: run `benchmarks/browser_latency.py --quick` for a short look)

Run one with `benchmarks/run_all.py latency` (names as above). Not run as tests.
"""
import importlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `make`: steady timings for small matrices
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHES = [("train_step", "train_step"), ("conv_step", "conv_step"), ("regions", "regions_bench"),
           ("latency", "latency"), ("training", "training_bench"), ("resources", "resources"),
           ("browser", "browser_latency")]


def generic_table(rows):
    if not rows:
        return "(no rows)"
    cols = list(rows[0])
    fmt = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)
    widths = [max(len(c), *(len(fmt(r.get(c, ""))) for r in rows)) for c in cols]
    lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(fmt(r.get(c, "")).rjust(w) for c, w in zip(cols, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def main(selected):
    failed = []
    for name, module in BENCHES:
        if selected and name not in selected:
            continue
        print(f"\n=== {name} ({module}.py) ===", flush=True)
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(module)
            rows = mod.run()
            print(mod.table(rows) if hasattr(mod, "table") else generic_table(rows))
        except Exception as e:  # keep going: one broken benchmark must not hide the others
            failed.append(name)
            print(f"FAILED: {type(e).__name__}: {e}")
        print(f"({time.perf_counter() - t0:.1f} s)", flush=True)
    if failed:
        print(f"\nbenchmarks that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
