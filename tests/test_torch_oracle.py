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


# -- notebook 09: convolution and max-pooling against torch.nn.functional ------------------------------
CONV_TOL = 1e-10
CONV_SHAPES = [  # (N, C, H, W, F, K, stride, pad)
    (2, 1, 8, 8, 16, 3, 1, 1), (3, 2, 7, 6, 4, 3, 2, 1), (2, 3, 9, 9, 2, 5, 1, 2), (1, 4, 6, 7, 3, 2, 3, 0),
    (4, 1, 5, 5, 2, 1, 1, 0), (2, 2, 6, 6, 3, 3, 1, 0)]


@pytest.mark.parametrize("shape", CONV_SHAPES, ids=lambda s: "N{}-C{}-{}x{}-F{}-k{}-s{}-p{}".format(*s))
def test_conv_fprop_and_bprop_match_torch_conv2d(shape):
    N, C, H, W, F, K, s, p = shape
    rng = np.random.default_rng(sum(shape))
    x, Wk, b = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, K, K)), rng.standard_normal(F)
    out, cache = nb.conv_fprop(x, Wk, b, stride=s, pad=p)
    R = rng.standard_normal(out.shape)
    dx, dW, db = nb.conv_bprop(R, cache)

    tx, tW, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, Wk, b))
    to = torch.nn.functional.conv2d(tx, tW, tb, stride=s, padding=p)
    to.backward(torch.tensor(R))
    assert nb.rel_error(out, to.detach().numpy()) < CONV_TOL
    for mine, theirs in ((dx, tx), (dW, tW), (db, tb)):
        assert nb.rel_error(mine, theirs.grad.numpy()) < CONV_TOL


@pytest.mark.parametrize("shape, size, stride", [((2, 3, 8, 8), 2, 2), ((1, 2, 6, 6), 3, 3), ((2, 1, 7, 7), 3, 2),
                                                 ((1, 2, 5, 5), 2, 1), ((2, 16, 8, 8), 2, 2)])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
def test_maxpool_matches_torch_max_pool2d_including_ties(shape, size, stride, ties):
    rng = np.random.default_rng(size * 10 + stride)
    x = rng.integers(-2, 3, shape).astype(float) if ties else rng.standard_normal(shape)  # ties: many equal maxima
    out, cache = nb.maxpool_fprop(x, size, stride)
    R = rng.standard_normal(out.shape)
    dx = nb.maxpool_bprop(R, cache)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    to = torch.nn.functional.max_pool2d(tx, size, stride)
    to.backward(torch.tensor(R))
    np.testing.assert_array_equal(out, to.detach().numpy())
    assert nb.rel_error(dx, tx.grad.numpy()) < CONV_TOL          # the same arg-max gets the gradient


@pytest.mark.parametrize("arch", [((4,), ()), ((3, 5), (6,))], ids=str)
def test_cnn_loss_and_gradients_match_torch(arch):
    filters, hidden = arch
    rng = np.random.default_rng(9)
    params = nb.init_cnn(filters, hidden, image=(1, 8, 8), n_classes=10, seed=2)
    x, y = rng.random((6, 1, 8, 8)), rng.integers(0, 10, 6)
    o, cache = nb.cnn_fprop(params, x)
    L, do = nb.softmax_loss(o, y)
    grads = nb.cnn_bprop(do, cache, params)

    F_ = torch.nn.functional
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    h = torch.tensor(x)
    for l in range(1, len(filters) + 1):
        h = F_.max_pool2d(torch.relu(F_.conv2d(h, tp[f"W{l}"], tp[f"b{l}"], padding=1)), 2)
    h = h.reshape(len(x), -1)
    for l in range(len(filters) + 1, len(params) // 2 + 1):
        h = F_.linear(h, tp[f"W{l}"], tp[f"b{l}"])
        if l < len(params) // 2:
            h = torch.relu(h)
    tL = F_.cross_entropy(h, torch.tensor(y))
    tL.backward()
    assert nb.rel_error(o, h.detach().numpy()) < CONV_TOL
    assert L == pytest.approx(tL.item(), rel=CONV_TOL)
    for k in params:
        assert nb.rel_error(grads[k], tp[k].grad.numpy()) < CONV_TOL, k
