"""One training step of nnbasics against the same step in PyTorch (CPU, float64), and the matmul floor.

A step is what notebook 07 does on every tick:

    o, cache = fprop(params, X)            # x → z1 → h1 → … → o
    L, do    = softmax_loss(o, y)          # mean NLL, ∂L/∂o = (p − Y)/N
    grads    = bprop(do, cache, params)
    Momentum(lr, mu=0.9).step(params, grads)   # Δ ← μΔ + g ; θ ← θ − ηΔ

PyTorch does the same with ``F.linear``/``relu``, ``F.cross_entropy``, ``backward()`` and
``torch.optim.SGD(momentum=0.9)`` (the same rule: buf ← μ·buf + g, p ← p − η·buf). The floor is
the bare matrix multiplies of the nnbasics step, on arrays of the same shapes and layouts: the
forward ``h @ W.T`` of every layer and, backward, ``dz.T @ h`` (∂L/∂W) and ``dz @ W`` (∂L/∂h) of
every layer, including ∂L/∂x of the first layer, which ``bprop`` returns too (PyTorch skips it).

The three are timed interleaved in one run — each repetition times a block of numpy steps, a
block of torch steps and a block of floor matmuls, in rotating order — so that a drift in the
machine's speed hits all of them. The table reports the median time of each and, as ratios, the
median over repetitions of the ratio within a repetition.

Goals: numpy at most 0.5× PyTorch's time on every network, and at most 1.5× the floor on the
largest (64-128-128-10).

Threads: one for both by default. numpy's OpenBLAS is set to 1 thread (through OpenBLAS's own
``openblas_set_num_threads``) and PyTorch is given the same number with ``torch.set_num_threads``.
One, because the project's machine has 2 cores shared with everything else (notebook kernels,
browser tests), and because these matrices (at most 128×128) are too small for a second
thread to pay for its synchronisation. ``--threads n`` sets both to n; ``--threads 0`` leaves
numpy's OpenBLAS as it is and gives PyTorch the same count. torch is optional: without it the
torch column says so.

    .venv/bin/python benchmarks/train_step.py [--reps 200] [--threads 1]
"""
import argparse
import ctypes
import os
import statistics
import sys
import time

import numpy as np

import nnbasics as nb

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # torch is an optional extra, not a requirement
    torch = None

CONFIGS = [([2, 16, 16, 3], 256), ([2, 64, 64, 3], 256), ([64, 128, 128, 10], 128)]
GOAL_VS_TORCH = 0.5
GOAL_VS_FLOOR = 1.5
LR, MU = 0.01, 0.9
BLOCK_SECONDS = 2e-3  # each timed block runs about this long, so the timer's own cost is negligible


# ----------------------------------------------------------------------------- threads

def _openblas():
    """numpy's OpenBLAS as a ctypes library with its thread getter/setter names, or None."""
    try:
        with open("/proc/self/maps") as fh:
            paths = {line.split()[-1] for line in fh if "openblas" in line.lower() and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                get, set_ = f"{prefix}_get_num_threads{suffix}", f"{prefix}_set_num_threads{suffix}"
                if hasattr(lib, get) and hasattr(lib, set_):
                    return lib, get, set_
    return None


def numpy_threads(set_to=None):
    """The number of threads numpy's BLAS uses (setting it first if ``set_to`` is given)."""
    found = _openblas()
    if found is None:
        env = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        return int(env) if env else os.cpu_count()
    lib, get, set_ = found
    if set_to is not None:
        getattr(lib, set_)(int(set_to))
    return int(getattr(lib, get)())


# ----------------------------------------------------------------------------- the three steps

def make_problem(sizes, N, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, sizes[0]))
    y = rng.integers(0, sizes[-1], N)
    return nb.init_params(sizes, seed=seed), X, y


def numpy_stepper(sizes, N):
    params, X, y = make_problem(sizes, N)
    opt = nb.Momentum(lr=LR, mu=MU)

    def step():
        o, cache = nb.fprop(params, X)
        L, do = nb.softmax_loss(o, y)
        grads = nb.bprop(do, cache, params)
        opt.step(params, grads)
        return L

    return step


def torch_stepper(sizes, N):
    params, X, y = make_problem(sizes, N)
    L = len(sizes) - 1
    f64 = dict(dtype=torch.float64)
    Ws = [torch.tensor(params[f"W{l}"], **f64, requires_grad=True) for l in range(1, L + 1)]
    bs = [torch.tensor(params[f"b{l}"], **f64, requires_grad=True) for l in range(1, L + 1)]
    tX, ty = torch.tensor(X, **f64), torch.tensor(y)
    opt = torch.optim.SGD(Ws + bs, lr=LR, momentum=MU)

    def step():
        opt.zero_grad(set_to_none=True)
        h = tX
        for l in range(L):
            h = F.linear(h, Ws[l], bs[l])
            if l < L - 1:
                h = torch.relu(h)
        loss = F.cross_entropy(h, ty)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def floor_stepper(sizes, N):
    """The matrix multiplies of the nnbasics step alone, same shapes and memory layouts."""
    rng = np.random.default_rng(1)
    L = len(sizes) - 1
    Ws = [rng.standard_normal((sizes[l + 1], sizes[l])) for l in range(L)]
    hs = [rng.standard_normal((N, s)) for s in sizes[:-1]]       # x, h1, …, h_{L-1}
    dzs = [rng.standard_normal((N, s)) for s in sizes[1:]]        # dz1, …, dzL

    def step():
        for l in range(L):                                        # forward: z_l = h_{l-1} @ W_lᵀ
            hs[l] @ Ws[l].T
        for l in range(L - 1, -1, -1):                            # backward: dW_l and dh_{l-1}
            dzs[l].T @ hs[l]
            dzs[l] @ Ws[l]

    return step


# ----------------------------------------------------------------------------- timing

def _block_size(step):
    """How many calls make one block of about BLOCK_SECONDS."""
    for _ in range(20):
        step()
    t0 = time.perf_counter()
    for _ in range(20):
        step()
    per = (time.perf_counter() - t0) / 20
    return max(1, int(BLOCK_SECONDS / max(per, 1e-9)))


def measure(steppers, reps):
    """Seconds per call of each stepper, one value per repetition, timed in interleaved blocks.

    Every repetition times one block of each stepper back to back (in rotating order), so the
    ratio of two steppers within one repetition compares them under the same machine load.
    """
    names = list(steppers)
    sizes = {k: _block_size(s) for k, s in steppers.items()}
    times = {k: [] for k in names}
    for r in range(reps):
        for k in names[r % len(names):] + names[:r % len(names)]:
            step, n = steppers[k], sizes[k]
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            times[k].append((time.perf_counter() - t0) / n)
    return times


def median_ratio(a, b):
    """Median over repetitions of a[r] / b[r]: robust to load that drifts during the run."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def run(reps=200, threads=1, use_torch=True):
    """Time the three steps on every network; returns one row (dict) per network.

    ``threads``: BLAS threads for numpy and torch alike (0 or None: keep numpy's, match torch).
    """
    before = numpy_threads(), torch.get_num_threads() if torch is not None else None
    try:
        return _run(reps, threads, use_torch)
    finally:  # leave the process as it was for the benchmarks that run after this one
        numpy_threads(set_to=before[0])
        if torch is not None:
            torch.set_num_threads(before[1])


def _run(reps, threads, use_torch):
    n_threads = numpy_threads(set_to=threads or None)
    have_torch = torch is not None and use_torch
    if have_torch:
        torch.set_num_threads(n_threads)
    rows = []
    for sizes, N in CONFIGS:
        steppers = {"numpy": numpy_stepper(sizes, N), "floor": floor_stepper(sizes, N)}
        if have_torch:
            steppers["torch"] = torch_stepper(sizes, N)
            L_np, L_t = numpy_stepper(sizes, N)(), torch_stepper(sizes, N)()
            if abs(L_np - L_t) > 1e-9 * max(1.0, abs(L_np)):
                raise RuntimeError(f"numpy and torch steps disagree on {sizes}: loss {L_np} vs {L_t}")
        t = measure(steppers, reps)
        med = {k: 1e6 * statistics.median(v) for k, v in t.items()}
        row = {"net": "-".join(map(str, sizes)), "N": N, "threads": n_threads,
               "numpy_us": med["numpy"], "torch_us": med["torch"] if have_torch else None,
               "floor_us": med["floor"]}
        row["numpy/torch"] = median_ratio(t["numpy"], t["torch"]) if have_torch else None
        row["numpy/floor"] = median_ratio(t["numpy"], t["floor"])
        row["goal_torch"] = None if not have_torch else row["numpy/torch"] <= GOAL_VS_TORCH
        row["goal_floor"] = row["numpy/floor"] <= GOAL_VS_FLOOR if sizes == CONFIGS[-1][0] else None
        rows.append(row)
    return rows


def table(rows):
    """The rows as a printed table, with the goals and what was skipped."""
    have_torch = any(r["torch_us"] is not None for r in rows)
    fmt_us = lambda v: f"{v:9.1f}" if v is not None else "        -"
    ok = lambda v: "" if v is None else ("ok" if v else "MISS")
    lines = [f"one training step (fprop, softmax_loss, bprop, Momentum step), float64; "
             f"{rows[0]['threads']} BLAS thread(s) for numpy" + (" and torch" if have_torch else "")
             + "; medians over interleaved repetitions (ratios: median of the per-repetition ratio)",
             f"{'network':>16} {'N':>4} {'numpy µs':>9} {'torch µs':>9} {'floor µs':>9} "
             f"{'numpy/torch':>11} {'numpy/floor':>11}  goals (≤{GOAL_VS_TORCH}× torch, ≤{GOAL_VS_FLOOR}× floor)"]
    for r in rows:
        nt = f"{r['numpy/torch']:11.2f}" if r["numpy/torch"] is not None else f"{'-':>11}"
        goals = " ".join(g for g in (ok(r["goal_torch"]) and f"torch {ok(r['goal_torch'])}",
                                     ok(r["goal_floor"]) and f"floor {ok(r['goal_floor'])}") if g)
        lines.append(f"{r['net']:>16} {r['N']:>4} {fmt_us(r['numpy_us'])} {fmt_us(r['torch_us'])} "
                     f"{fmt_us(r['floor_us'])} {nt} {r['numpy/floor']:11.2f}  {goals}")
    if not have_torch:
        lines.append("PyTorch column skipped: torch is not installed (pip install torch to compare; "
                     "it is optional)" if torch is None else "PyTorch column skipped (--no-torch)")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=200, help="interleaved repetitions per network")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS threads for numpy and torch (default 1; 0: keep numpy's, match torch)")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
    args = ap.parse_args(argv)
    print(table(run(reps=args.reps, threads=args.threads, use_torch=not args.no_torch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
