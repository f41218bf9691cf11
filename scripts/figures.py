"""Static figures that notebooks embed, so a reader without a running kernel (GitHub, a PDF, a
page not yet run) still sees them: notebooks/figures/*.png, committed.

    .venv/bin/python scripts/figures.py [--out notebooks/figures]

They live next to the notebooks because Voila (``make present``) inlines a markdown image only
when it lies inside the directory it serves (the notebooks' own); ``figures/name.png`` then
works the same in JupyterLab, Voila and on GitHub. Each figure is drawn from the library with
the same data and seeds as its notebook, so it shows exactly what the notebook computes.
"""
import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

import nnbasics as nb  # noqa: E402
from nnbasics.plots import NetworkDiagram  # noqa: E402

OUT = ROOT / "notebooks" / "figures"


def backprop_example():
    """Notebook 05's example: the slides' [2, 4, 4, 3] network (seed 21) on spiral point 12."""
    X, Y = nb.make_spiral(n_per_class=8, n_classes=3, noise=0.2, seed=2)
    params = nb.init_params([2, 4, 4, 3], seed=21)
    x, y = X[12], int(Y[12])
    o, cache = nb.fprop(params, x)
    L, do = nb.softmax_loss(o, y)
    return params, x, y, cache, nb.bprop(do, cache, params), L


def fprop_bprop(path):
    """05: the forward pass (weights on the edges, activations on the nodes) above the backward
    pass of the same example (∂L/∂W on the edges, ∂L/∂h on the nodes)."""
    params, x, y, cache, grads, L = backprop_example()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9.0, 8.6))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.04, top=0.95, hspace=0.16)
    fwd = NetworkDiagram(top, [2, 4, 4, 3], probs=True)
    fwd.update(params, acts={**cache, "p": nb.softmax(cache["o"])})
    top.set_title(f"FPROP, left to right: edges = weights $W^l$, nodes = $x, h^1, h^2, o, p(c|x)$"
                  f"   ($L$ = {L:.3f})", fontsize=12)
    labels = ["x", r"\partial L/\partial h^1", r"\partial L/\partial h^2", r"\partial L/\partial o"]
    bwd = NetworkDiagram(bottom, [2, 4, 4, 3], labels=labels, value_fmt="{:+.3f}")
    bottom.set_xlim(top.get_xlim())                  # the same layers one above the other
    bwd.update(edge_values={k: grads[k] for k in ("W1", "W2", "W3")},
               node_values=[cache["x"], grads["h1"], grads["h2"], grads["o"]])
    bwd.nodes.set_array(np.concatenate([np.full(2, np.nan)] + [np.abs(grads[k]) / max(np.abs(grads[k]).max(), 1e-12)
                                                             for k in ("h1", "h2", "o")]))
    bwd.nodes.set_cmap(bwd.cmap.with_extremes(bad=(0.86, 0.86, 0.86, 1.0)))
    for t in bwd.value_texts[:2]:
        t.set_text("")
    for l, t in enumerate(bwd.weight_labels, start=1):
        below = "x" if l == 1 else "{h^{" + str(l - 1) + "}}"
        t.set_text(r"$\partial L/\partial W^{" + str(l) + r"} = \partial L/\partial z^{" + str(l) + r"}\;"
                   + below + "^{T}$")
    bottom.set_title(r"BPROP, right to left: edges = $\partial L/\partial W^l$, nodes = $\partial L/\partial h^l$"
                     r"   ($\partial L/\partial o = p(c|x) - y$)", fontsize=12)
    fig.text(0.5, 0.012, "edge width ∝ |value|, blue +, orange −;  node colour ∝ |value| within its column "
             "(yellow = largest)", ha="center", fontsize=10, color="0.3")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


FIGURES = {"05_fprop_bprop.png": fprop_bprop}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(OUT))
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in FIGURES.items():
        path = draw(out / name)
        print(f"figures: {path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
