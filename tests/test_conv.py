"""The convolution and max-pooling layers: their formulas, their gradients, their bad input.

Every backward pass is checked with the library's own ``grad_check`` (central differences in
float64, error < 1e-7 required; about 1e-10 is typical) through the scalar ``L = Σ out · R`` for a
fixed random ``R``, so that ``∂L/∂out = R``: several shapes, strides, paddings and channel counts.
The forward passes are checked against the definitions written as plain loops.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnbasics as nb

TOL = 1e-7


def conv_loops(x, W, b, stride, pad):
    """The definition: out[n, f, i, j] = b[f] + Σ_c Σ_u Σ_v W[f, c, u, v] x_pad[n, c, i·s + u, j·s + v]."""
    N, C, H, Wd = x.shape
    F, _, KH, KW = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = (H + 2 * pad - KH) // stride + 1, (Wd + 2 * pad - KW) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = b[f] + np.sum(W[f] * xp[n, :, i * stride:i * stride + KH,
                                                               j * stride:j * stride + KW])
    return out


def pool_loops(x, size, stride):
    N, C, H, W = x.shape
    Ho, Wo = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))
    return out


# (N, C, H, W, F, K, stride, pad): one channel and many, square and not, strides 1-3, pads 0-2
CONV_CASES = [(2, 1, 5, 5, 2, 3, 1, 0), (2, 1, 8, 8, 3, 3, 1, 1), (1, 3, 6, 5, 2, 3, 2, 1),
              (2, 2, 7, 7, 3, 2, 3, 2), (1, 2, 4, 6, 1, 1, 1, 0), (1, 1, 3, 3, 2, 5, 1, 1),
              (3, 4, 5, 4, 2, 3, 1, 2)]
IDS = ["N{}-C{}-{}x{}-F{}-k{}-s{}-p{}".format(*c) for c in CONV_CASES]


def conv_problem(case, seed=0):
    N, C, H, Wd, F, K, s, p = case
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, C, H, Wd)), rng.standard_normal((F, C, K, K)), rng.standard_normal(F), s, p)


@pytest.mark.parametrize("case", CONV_CASES, ids=IDS)
def test_conv_fprop_is_the_definition(case):
    x, W, b, s, p = conv_problem(case)
    out, _ = nb.conv_fprop(x, W, b, stride=s, pad=p)
    N, C, H, Wd, F, K, _, _ = case
    assert out.shape == (N, F, nb.conv_output_size(H, K, s, p), nb.conv_output_size(Wd, K, s, p))
    np.testing.assert_allclose(out, conv_loops(x, W, b, s, p), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CONV_CASES, ids=IDS)
def test_conv_bprop_passes_grad_check(case):
    x, W, b, s, p = conv_problem(case, seed=1)
    out, cache = nb.conv_fprop(x, W, b, stride=s, pad=p)
    R = np.random.default_rng(2).standard_normal(out.shape)
    dx, dW, db = nb.conv_bprop(R, cache)
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)
    f = lambda q: float(np.sum(nb.conv_fprop(q["x"], q["W"], q["b"], stride=s, pad=p)[0] * R))
    report = nb.grad_check(f, {"x": x, "W": W, "b": b}, {"x": dx, "W": dW, "b": db}, eps=1e-6, tol=TOL)
    assert report.ok, str(report)
    assert report.max_error < 1e-8, str(report)                    # typically 1e-10
    _, dW2, db2 = nb.conv_bprop(R, cache, need_dx=False)     # the first layer skips ∂L/∂x, nothing else
    assert np.array_equal(dW2, dW) and np.array_equal(db2, db)


def test_conv_is_a_cross_correlation_and_the_true_convolution_flips_the_kernel():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 1, 6, 6)), rng.standard_normal((1, 1, 3, 3))
    corr, _ = nb.conv_fprop(x, w, np.zeros(1))
    # the convolution of signal processing: (x ∗ w)[i, j] = Σ_{u,v} w[u, v] x[i + 2 − u, j + 2 − v] (valid part)
    true = np.array([[sum(w[0, 0, u, v] * x[0, 0, i + 2 - u, j + 2 - v] for u in range(3) for v in range(3))
                      for j in range(4)] for i in range(4)])
    assert not np.allclose(corr[0, 0], true)                            # not the same thing …
    flipped, _ = nb.conv_fprop(x, w[:, :, ::-1, ::-1], np.zeros(1))
    np.testing.assert_allclose(flipped[0, 0], true, rtol=1e-12)        # … unless the kernel is flipped


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_dx_is_the_full_convolution_of_dout_with_the_kernel(pad):
    """Stride 1: ∂L/∂x = correlation of ∂L/∂out, zero-padded by K − 1 − pad, with the flipped kernel
    (input and output channels swapped)."""
    rng = np.random.default_rng(pad)
    x, W = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 3))
    out, cache = nb.conv_fprop(x, W, np.zeros(4), pad=pad)
    R = rng.standard_normal(out.shape)
    dx, _, _ = nb.conv_bprop(R, cache)
    W_flip = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)                 # (C, F, 3, 3)
    full, _ = nb.conv_fprop(R, W_flip, np.zeros(3), pad=3 - 1 - pad)
    np.testing.assert_allclose(dx, full, rtol=1e-12, atol=1e-12)


def test_dW_is_the_correlation_of_the_input_with_dout():
    rng = np.random.default_rng(4)
    x, W = rng.standard_normal((2, 1, 6, 6)), rng.standard_normal((3, 1, 3, 3))
    out, cache = nb.conv_fprop(x, W, np.zeros(3), pad=1)
    R = rng.standard_normal(out.shape)
    _, dW, db = nb.conv_bprop(R, cache)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for f in range(3):
        for u in range(3):
            for v in range(3):
                assert dW[f, 0, u, v] == pytest.approx(np.sum(R[:, f] * xp[:, 0, u:u + 6, v:v + 6]), rel=1e-12)
    np.testing.assert_allclose(db, R.sum(axis=(0, 2, 3)), rtol=1e-12)


def test_im2col_makes_the_convolution_one_matrix_multiply():
    x, W, b, s, p = conv_problem(CONV_CASES[2], seed=5)
    cols = nb.im2col(x, 3, 3, s, p)
    N, F = x.shape[0], W.shape[0]
    Ho, Wo = nb.conv_output_size(x.shape[2], 3, s, p), nb.conv_output_size(x.shape[3], 3, s, p)
    assert cols.shape == (N * Ho * Wo, x.shape[1] * 9)
    z = cols @ W.reshape(F, -1).T + b                      # the affine layer on every window
    out, _ = nb.conv_fprop(x, W, b, stride=s, pad=p)
    np.testing.assert_allclose(z.reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2), out, rtol=1e-12, atol=1e-12)


@given(st.integers(1, 2), st.integers(1, 3), st.integers(3, 7), st.integers(3, 7), st.integers(1, 3),
       st.integers(1, 3), st.integers(0, 2), st.integers(0, 10**6))
def test_col2im_is_the_adjoint_of_im2col(N, C, H, W, K, stride, pad, seed):
    """⟨im2col(x), D⟩ = ⟨x, col2im(D)⟩ for every x and D: col2im sends each entry back where it came from."""
    if K > min(H, W) + 2 * pad:
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    cols = nb.im2col(x, K, K, stride, pad)
    D = rng.standard_normal(cols.shape)
    assert np.sum(cols * D) == pytest.approx(np.sum(x * nb.col2im(D, x.shape, K, K, stride, pad)), rel=1e-10, abs=1e-10)


@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3))
def test_output_size_formula_matches_the_windows_that_fit(H, K, stride, pad):
    if K > H + 2 * pad:
        with pytest.raises(ValueError, match="larger than the padded input"):
            nb.conv_output_size(H, K, stride, pad)
        return
    n = nb.conv_output_size(H, K, stride, pad)
    starts = [i for i in range(0, H + 2 * pad) if i % stride == 0 and i + K <= H + 2 * pad]
    assert n == len(starts)
    out, _ = nb.conv_fprop(np.zeros((1, 1, H, 1)), np.zeros((1, 1, K, 1)), np.zeros(1), stride=stride, pad=pad)
    assert out.shape[2] == n


@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from([1, 3, 5]), st.integers(5, 9), st.integers(0, 10**6))
def test_weight_sharing_makes_the_layer_translation_equivariant(C, F, K, H, seed):
    """Shift the image one pixel to the right (its last column is 0, so nothing falls off): the
    'same' convolution's maps shift with it — one kernel for every window."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, C, H, H + 1))
    x[..., -1] = 0.0
    W, b = rng.standard_normal((F, C, K, K)), rng.standard_normal(F)
    z, _ = nb.conv_fprop(x, W, b, pad=K // 2)
    z_shifted, _ = nb.conv_fprop(np.roll(x, 1, axis=3), W, b, pad=K // 2)
    np.testing.assert_allclose(z_shifted[..., 1:], z[..., :-1], rtol=1e-12, atol=1e-12)


# -- max-pooling ---------------------------------------------------------------------------------
POOL_CASES = [((2, 3, 8, 8), 2, None), ((1, 2, 6, 6), 3, None), ((2, 1, 7, 5), 3, 2), ((1, 2, 5, 5), 3, 1),
              ((2, 2, 4, 6), 2, 2), ((1, 1, 9, 9), 3, 3), ((1, 2, 7, 7), 2, 5)]


@pytest.mark.parametrize("shape, size, stride", POOL_CASES)
def test_maxpool_is_the_max_of_each_window_and_passes_grad_check(shape, size, stride):
    rng = np.random.default_rng(size)
    x = rng.permutation(np.prod(shape)).reshape(shape) / 7.0 - 3.0     # all different: no ties, no kinks
    out, cache = nb.maxpool_fprop(x, size, stride)
    s = size if stride is None else stride
    np.testing.assert_array_equal(out, pool_loops(x, size, s))
    R = rng.standard_normal(out.shape)
    dx = nb.maxpool_bprop(R, cache)
    report = nb.grad_check(lambda q: float(np.sum(nb.maxpool_fprop(q["x"], size, stride)[0] * R)), {"x": x},
                           {"x": dx}, eps=1e-6, tol=TOL)
    assert report.ok and report.max_error < 1e-8, str(report)
    assert np.count_nonzero(dx) <= out.size                            # one entry per window at most
    assert dx.sum() == pytest.approx(R.sum())                         # nothing lost, nothing doubled


def test_maxpool_gradient_goes_to_the_first_max_of_a_tie_and_nowhere_else():
    x = np.array([[[[1.0, 3.0, 0.0, 0.0],
                    [3.0, 2.0, 0.0, 0.0],
                    [5.0, 1.0, -1.0, -2.0],
                    [0.0, 5.0, -3.0, -1.0]]]])
    out, cache = nb.maxpool_fprop(x, 2)
    np.testing.assert_array_equal(out[0, 0], [[3.0, 0.0], [5.0, -1.0]])
    dx = nb.maxpool_bprop(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0, 10, 20, 0], [0, 0, 0, 0], [30, 0, 40, 0], [0, 0, 0, 0]])


def test_overlapping_windows_add_up_at_a_shared_max():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 9.0                              # the centre is the max of all four 2×2 windows
    out, cache = nb.maxpool_fprop(x, 2, stride=1)
    assert np.all(out == 9.0)
    dx = nb.maxpool_bprop(np.ones((1, 1, 2, 2)), cache)
    assert dx[0, 0, 1, 1] == 4.0 and dx.sum() == 4.0


def test_layers_keep_float32_and_backward_passes_keep_the_forward_layout():
    rng = np.random.default_rng(6)
    x32 = rng.standard_normal((2, 1, 6, 6)).astype(np.float32)
    W32 = rng.standard_normal((3, 1, 3, 3)).astype(np.float32)
    out, cache = nb.conv_fprop(x32, W32, np.zeros(3, np.float32), pad=1)
    assert out.dtype == np.float32
    h, pcache = nb.maxpool_fprop(out, 2)
    assert h.dtype == np.float32
    dh = nb.maxpool_bprop(np.ones(h.shape, np.float32), pcache)
    assert dh.dtype == np.float32 and dh.strides == out.strides        # the conv output's own layout
    dx, dW, _ = nb.conv_bprop(dh, cache)
    assert dx.dtype == dW.dtype == np.float32
    # any layout of the upstream gradient gives the same numbers
    R = rng.standard_normal(out.shape)
    a = nb.conv_bprop(np.ascontiguousarray(R), cache)
    b = nb.conv_bprop(np.asfortranarray(R), cache)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


# -- receptive field -------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", [[(3, 1)], [(3, 1), (2, 2)], [(3, 1), (2, 2), (3, 1)],
                                   [(3, 1), (2, 2), (3, 1), (2, 2), (3, 1)], [(5, 2), (3, 1)]])
def test_receptive_field_formula_matches_the_pixels_a_unit_can_see(stack):
    """Union over random inputs of the pixels with a non-zero gradient of one unit = the formula's square."""
    r, j = nb.receptive_field(stack)[-1]
    size = 34                                                          # every pooling tiles its input
    rng = np.random.default_rng(7)
    seen = np.zeros((size, size), dtype=bool)
    for _ in range(300):                                             # every arg-max wins sometimes
        h = rng.random((1, 1, size, size))
        caches = []
        for k, s in stack:
            if k == s == 2:
                h, c = nb.maxpool_fprop(h, 2)
                caches.append(("pool", c))
            else:
                h, c = nb.conv_fprop(h, np.ones((1, 1, k, k)), np.zeros(1), stride=s)
                caches.append(("conv", c))
        d = np.zeros(h.shape)
        d[0, 0, 0, 0] = 1.0                                           # one unit of the top layer
        for kind, c in reversed(caches):
            d = nb.maxpool_bprop(d, c) if kind == "pool" else nb.conv_bprop(d, c)[0]
        seen |= d[0, 0] != 0
    rows, cols = np.nonzero(seen)
    assert (rows.max() + 1, cols.max() + 1) == (r, r) and rows.min() == cols.min() == 0
    assert j == int(np.prod([s for _, s in stack]))


def test_receptive_field_grows_faster_after_pooling():
    plain = nb.receptive_field([(3, 1)] * 3)
    pooled = nb.receptive_field([(3, 1), (2, 2), (3, 1), (2, 2), (3, 1)])
    assert [r for r, _ in plain] == [3, 5, 7]
    assert [r for r, _ in pooled] == [3, 4, 8, 10, 18]


# -- bad input ------------------------------------------------------------------------------------
def _ok():
    rng = np.random.default_rng(8)
    return rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), np.zeros(4)


@pytest.mark.parametrize("change, error, words", [
    (lambda x, W, b: (x[0], W, b, {}), ValueError, ("x must be a 4-D", "3-D")),
    (lambda x, W, b: (x.reshape(2, -1), W, b, {}), ValueError, ("x must be a 4-D", "as_images")),
    (lambda x, W, b: (x[:0], W, b, {}), ValueError, ("empty batch",)),
    (lambda x, W, b: (x[:, :2], W, b, {}), ValueError, ("x has 2 channels", "W expects 3")),
    (lambda x, W, b: (x, W[0], b, {}), ValueError, ("W must be a 4-D",)),
    (lambda x, W, b: (x, W, b[:3], {}), ValueError, ("b has shape (3,)", "(4,)")),
    (lambda x, W, b: (x[:, :, :2, :2], W, b, {}), ValueError, ("kernel (3×3) is larger than the padded input (2×2",)),
    (lambda x, W, b: (x, W, b, {"stride": 0}), ValueError, ("stride must be at least 1",)),
    (lambda x, W, b: (x, W, b, {"stride": 1.5}), TypeError, ("stride must be a whole number",)),
    (lambda x, W, b: (x, W, b, {"pad": -1}), ValueError, ("pad must be at least 0",)),
    (lambda x, W, b: (x, W, b, {"pad": 0.5}), TypeError, ("pad must be a whole number",)),
    (lambda x, W, b: (np.where(x > 1, np.nan, x), W, b, {}), ValueError, ("x contains NaN",)),
    (lambda x, W, b: ("x", W, b, {}), TypeError, ("x must be an array of numbers",)),
])
def test_conv_fprop_names_bad_input(change, error, words):
    x, W, b, kw = change(*_ok())
    with pytest.raises(error) as e:
        nb.conv_fprop(x, W, b, **kw)
    for w in words:
        assert w in str(e.value), str(e.value)


def test_backward_passes_name_an_upstream_gradient_of_the_wrong_shape():
    x, W, b = _ok()
    out, cache = nb.conv_fprop(x, W, b, pad=1)
    with pytest.raises(ValueError, match=r"dout has shape \(2, 4, 6, 5\); expected \(2, 4, 6, 6\)"):
        nb.conv_bprop(np.zeros((2, 4, 6, 5)), cache)
    _, pcache = nb.maxpool_fprop(out, 2)
    with pytest.raises(ValueError, match=r"dout has shape \(2, 4, 6, 6\); expected \(2, 4, 3, 3\)"):
        nb.maxpool_bprop(np.zeros(out.shape), pcache)


@pytest.mark.parametrize("shape, size, stride, words", [
    ((1, 1, 7, 8), 2, None, "do not tile the input's height 7"),
    ((1, 1, 8, 5), 2, None, "do not tile the input's width 5"),
    ((1, 1, 8, 8), 3, 2, "do not tile the input's height 8"),
    ((1, 1, 2, 2), 3, None, "do not tile"),
])
def test_maxpool_windows_must_tile_the_input(shape, size, stride, words):
    with pytest.raises(ValueError, match=words):
        nb.maxpool_fprop(np.zeros(shape), size, stride)


def test_maxpool_and_helpers_name_other_bad_input():
    with pytest.raises(ValueError, match="x must be a 4-D"):
        nb.maxpool_fprop(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="size .* must be at least 1"):
        nb.maxpool_fprop(np.zeros((1, 1, 4, 4)), 0)
    with pytest.raises(ValueError, match="stride must be at least 1"):
        nb.maxpool_fprop(np.zeros((1, 1, 4, 4)), 2, 0)
    with pytest.raises(ValueError, match="not side × side"):
        nb.as_images(np.zeros((3, 10)))
    assert nb.as_images(np.arange(64.0)).shape == (1, 1, 8, 8)
    assert nb.as_images(np.zeros((5, 16)), side=4).shape == (5, 1, 4, 4)
    with pytest.raises(ValueError, match="not side × side = 3×3"):
        nb.as_images(np.zeros((5, 16)), side=3)
    with pytest.raises(ValueError, match="pair"):
        nb.receptive_field([(3, 1), 3])
    with pytest.raises(ValueError, match="kernel must be at least 1"):
        nb.receptive_field([(0, 1)])
