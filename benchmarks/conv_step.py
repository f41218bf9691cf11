"""The convolution layer step of nnbasics against the same step in PyTorch (CPU, float64, one thread each).

The step is the first block of notebook 09's CNN on a mini-batch of 128 digits (8×8, one channel):

    z, cz  = conv_fprop(x, W, b, pad=1)        # conv 1 → 16, 3×3, 'same' padding: (128, 16, 8, 8)
    h, _   = relu_fprop(z)
    p, cp  = maxpool_fprop(h, 2)               # (128, 16, 4, 4)
    dh     = maxpool_bprop(G, cp)              # G = ∂L/∂p, a fixed array
    dz     = relu_bprop(dh, z)
    _, dW, db = conv_bprop(dz, cz, need_dx=False)   # the input needs no gradient

PyTorch does the same with ``F.conv2d(x, W, b, padding=1)``, ``relu``, ``F.max_pool2d(·, 2)`` and
``p.backward(G)`` (x without ``requires_grad``). Before timing, the two gradients are compared
(they must agree to 1e-10 relative). The steps are timed interleaved, as in ``train_step.py``:
each repetition times a block of numpy steps and a block of torch steps in rotating order, and the
table reports the median time of each and the median over repetitions of the ratio within one.

Goals: numpy at most 2× PyTorch's time (must), at most 1× (goal). One BLAS thread for numpy
(OpenBLAS's own setter) and ``torch.set_num_threads(1)``: the project's machine has 2 shared
cores, and these matrices are too small for a second thread to pay. torch is optional: without
it the torch column says so.

    .venv/bin/python benchmarks/conv_step.py [--reps 100]
"""
import argparse
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from train_step import measure, median_ratio, numpy_threads  # noqa: E402

import nnbasics as nb  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # torch is an optional extra, not a requirement
    torch = None

N, FILTERS, KERNEL, POOL = 128, 16, 3, 2
MUST, GOAL = 2.0, 1.0


def make_problem(seed=0):
    """128 digits as (N, 1, 8, 8), a kernel bank (16, 1, 3, 3), biases and a fixed ∂L/∂p."""
    X, _ = nb.load_digits()
    x = nb.as_images(X[:N])
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((FILTERS, 1, KERNEL, KERNEL)) * np.sqrt(2 / KERNEL ** 2)
    b = rng.uniform(-1 / KERNEL, 1 / KERNEL, FILTERS)
    G = rng.standard_normal((N, FILTERS, 8 // POOL, 8 // POOL))
    return x, W, b, G


def numpy_stepper():
    x, W, b, G = make_problem()

    def step():
        z, cz = nb.conv_fprop(x, W, b, stride=1, pad=KERNEL // 2)
        h, _ = nb.relu_fprop(z)
        _, cp = nb.maxpool_fprop(h, POOL)
        dz = nb.relu_bprop(nb.maxpool_bprop(G, cp), z)
        _, dW, db = nb.conv_bprop(dz, cz, need_dx=False)
        return dW, db

    return step


def torch_stepper():
    x, W, b, G = make_problem()
    f64 = dict(dtype=torch.float64)
    tx, tG = torch.tensor(x, **f64), torch.tensor(G, **f64)
    tW = torch.tensor(W, **f64, requires_grad=True)
    tb = torch.tensor(b, **f64, requires_grad=True)

    def step():
        tW.grad = tb.grad = None
        p = F.max_pool2d(torch.relu(F.conv2d(tx, tW, tb, padding=KERNEL // 2)), POOL)
        p.backward(tG)
        return tW.grad, tb.grad

    return step


def run(reps=100, use_torch=True):
    """Time both steps (one thread each); returns one row (dict)."""
    before = numpy_threads(), torch.get_num_threads() if torch is not None else None
    try:
        n_threads = numpy_threads(set_to=1)
        steppers = {"numpy": numpy_stepper()}
        have_torch = torch is not None and use_torch
        if have_torch:
            torch.set_num_threads(1)
            steppers["torch"] = torch_stepper()
            (dW, db), (tdW, tdb) = steppers["numpy"](), steppers["torch"]()
            err = max(nb.rel_error(dW, tdW.numpy()), nb.rel_error(db, tdb.numpy()))
            if err > 1e-10:
                raise RuntimeError(f"numpy and torch disagree on the conv step's gradients: rel. error {err:.2e}")
        t = measure(steppers, reps)
        row = {"step": f"conv 1→{FILTERS} {KERNEL}×{KERNEL} pad {KERNEL // 2} + ReLU + maxpool {POOL}", "N": N,
               "threads": n_threads, "numpy_us": 1e6 * statistics.median(t["numpy"]),
               "torch_us": 1e6 * statistics.median(t["torch"]) if have_torch else None}
        row["numpy/torch"] = median_ratio(t["numpy"], t["torch"]) if have_torch else None
        row["must"] = None if not have_torch else row["numpy/torch"] <= MUST
        row["goal"] = None if not have_torch else row["numpy/torch"] <= GOAL
        return [row]
    finally:  # leave the process as it was for the benchmarks that run after this one
        numpy_threads(set_to=before[0])
        if torch is not None:
            torch.set_num_threads(before[1])


def table(rows):
    r = rows[0]
    lines = [f"one conv layer step (fprop and bprop, float64, {r['N']} digits of 8×8); {r['threads']} BLAS thread "
             "for numpy, 1 thread for torch; medians over interleaved repetitions (ratio: median of the "
             "per-repetition ratio)",
             f"{'step':>40} {'numpy µs':>9} {'torch µs':>9} {'numpy/torch':>11}  must ≤{MUST:g}×, goal ≤{GOAL:g}×"]
    if r["torch_us"] is None:
        lines.append(f"{r['step']:>40} {r['numpy_us']:9.1f} {'-':>9} {'-':>11}")
        lines.append("PyTorch column skipped: torch is not installed (pip install torch to compare; it is optional)"
                     if torch is None else "PyTorch column skipped (--no-torch)")
    else:
        verdict = ("goal met" if r["goal"] else "must met, goal missed") if r["must"] else "MISS (over 2×)"
        lines.append(f"{r['step']:>40} {r['numpy_us']:9.1f} {r['torch_us']:9.1f} {r['numpy/torch']:11.2f}  {verdict}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=100, help="interleaved repetitions")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    args = ap.parse_args(argv)
    print(table(run(reps=args.reps, use_torch=not args.no_torch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
