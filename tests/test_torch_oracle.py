"""An independent oracle: fprop, softmax_loss, mse_loss and bprop against PyTorch autograd in float64.

Optional: torch is not a requirement of the project (``pip install torch`` to run it).
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch to run the oracle test")

import nnbasics as nb  # noqa: E402

TOL = 1e-12


def torch_forward(tp, x, L, output_relu, activation):
    act = torch.relu if activation == "relu" else torch.tanh
    h = x
    for l in range(1, L + 1):
        z = h @ tp[f"W{l}"].T + tp[f"b{l}"]
        h = act(z) if l < L else z
    return torch.relu(h) if output_relu else h


@pytest.mark.parametrize("sizes", [[3, 4], [2, 16, 16, 3], [5, 8, 7, 6, 4]], ids=lambda s: "-".join(map(str, s)))
@pytest.mark.parametrize("output_relu", [False, True])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("loss", ["softmax", "mse"])
def test_fprop_loss_and_bprop_match_torch_autograd(sizes, output_relu, activation, loss):
    rng = np.random.default_rng(len(sizes))
    params = nb.init_params(sizes, seed=7)
    X = rng.standard_normal((9, sizes[0]))
    y = rng.integers(0, sizes[-1], 9)
    T = rng.standard_normal((9, sizes[-1]))

    o, cache = nb.fprop(params, X, output_relu=output_relu, activation=activation)
    L, do = nb.softmax_loss(o, y) if loss == "softmax" else nb.mse_loss(o, T)
    grads = nb.bprop(do, cache, params)

    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    tx = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    to = torch_forward(tp, tx, len(sizes) - 1, output_relu, activation)
    to.retain_grad()
    if loss == "softmax":
        tL = torch.nn.functional.cross_entropy(to, torch.tensor(y))  # mean NLL of softmax
    else:
        tL = 0.5 * ((to - torch.tensor(T)) ** 2).sum() / X.shape[0]
    tL.backward()

    np.testing.assert_allclose(o, to.detach().numpy(), rtol=TOL, atol=TOL)
    assert L == pytest.approx(tL.item(), rel=TOL, abs=TOL)
    assert nb.rel_error(do, to.grad.numpy()) < TOL
    for k in params:
        assert nb.rel_error(grads[k], tp[k].grad.numpy()) < TOL, k
    assert nb.rel_error(grads["x"], tx.grad.numpy()) < TOL


def test_softmax_matches_torch_at_extreme_logits():
    o = np.array([[1e4, -1e4, 0.0], [3.0, 3.0, 3.0], [-1e4, -1e4 + 1, -1e4 + 2]])
    np.testing.assert_allclose(nb.softmax(o), torch.softmax(torch.tensor(o), dim=1).numpy(), rtol=1e-14, atol=0)
    L, _ = nb.softmax_loss(o, np.array([1, 0, 2]))
    tL = torch.nn.functional.cross_entropy(torch.tensor(o), torch.tensor([1, 0, 2]))
    assert L == pytest.approx(tL.item(), rel=1e-14)
