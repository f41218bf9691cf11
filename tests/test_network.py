"""The whole network: init_params, fprop as on the slides, and bprop against central differences.

Every gradient bprop returns is checked numerically in float64 (relative error < 1e-7): the
parameters through ``nb.grad_check``, the exposed ``∂L/∂x`` by perturbing the input, and the
exposed ``∂L/∂h_l`` and ``∂L/∂z_l`` through the loss as a function of ``h_l`` (or ``z_l``), i.e.
running the rest of the network from there.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nnbasics as nb
from nnbasics.layers import ACTIVATIONS

TOL = 1e-7
EPS = 1e-6

SIZES = {1: [3, 4], 2: [3, 5, 4], 3: [3, 6, 5, 4], 4: [2, 7, 6, 5, 3]}


def make_loss(kind, o_shape, seed=0):
    """A loss of the network output: ``softmax`` (random labels) or ``mse`` (random targets)."""
    rng = np.random.default_rng(seed)
    if kind == "softmax":
        C = o_shape[-1]
        y = rng.integers(0, C, size=o_shape[0] if len(o_shape) == 2 else 1)
        y = y if len(o_shape) == 2 else int(y[0])
        return lambda o: nb.softmax_loss(o, y)
    target = rng.standard_normal(o_shape)
    return lambda o: nb.mse_loss(o, target)


def data(D, N, seed=1):
    """A batch (N, D), or a single example (D,) when N is None."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(D if N is None else (N, D))


def pre_activations(params, x, output_relu):
    """Every pre-activation that passes through a ReLU (a kink detector for grad_check)."""
    _, cache = nb.fprop(params, x, output_relu=output_relu)
    L = cache["L"]
    zs = [cache[f"z{l}"] > 0 for l in range(1, L if not output_relu else L + 1)]
    return np.concatenate([np.ravel(z) for z in zs]) if zs else np.zeros(0, dtype=bool)


def run_rest(params, start, l, act, output_relu):
    """The output ``o`` computed from ``h_l`` (``start='h'``) or from ``z_l`` (``start='z'``)."""
    a_fprop, _ = ACTIVATIONS[act]
    L = nb.n_layers(params)

    def rest(t):
        if start == "z":
            if l == L:
                return np.maximum(t, 0) if output_relu else t
            h = a_fprop(t)[0]
        else:
            h = t
        z = None
        for k in range(l + 1, L + 1):
            z = h @ params[f"W{k}"].T + params[f"b{k}"]
            if k < L:
                h = a_fprop(z)[0]
        return np.maximum(z, 0) if output_relu else z

    return rest


CASES = [(depth, N, out_relu, act, loss)
         for depth in (1, 2, 3, 4)
         for N in (None, 1, 6)
         for out_relu in (False, True)
         for act in ("relu", "tanh")
         for loss in ("softmax", "mse")
         if not (depth == 1 and act == "tanh")]  # one layer has no hidden activation


def case_id(c):
    depth, N, out_relu, act, loss = c
    return f"depth{depth}-{'single' if N is None else f'N{N}'}-{act}{'-outrelu' if out_relu else ''}-{loss}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_bprop_matches_central_differences(case):
    depth, N, out_relu, act, loss_kind = case
    sizes = SIZES[depth]
    params = nb.init_params(sizes, seed=depth)
    x = data(sizes[0], N, seed=depth + 10)
    o, cache = nb.fprop(params, x, output_relu=out_relu, activation=act)
    loss = make_loss(loss_kind, o.shape, seed=depth)
    L, do = loss(o)
    grads = nb.bprop(do, cache, params)

    # every parameter, through grad_check (kinks would be flagged; there must be none here)
    f = lambda p: loss(nb.fprop(p, x, output_relu=out_relu, activation=act)[0])[0]
    pattern = (lambda p: pre_activations(p, x, out_relu)) if act == "relu" else None
    report = nb.grad_check(f, params, grads, eps=EPS, tol=TOL, pattern=pattern)
    assert report.kinks == [], f"a kink within eps of the data: pick another seed\n{report}"
    assert report.ok, str(report)
    assert report.max_error < TOL
    for k in params:
        assert grads[k].shape == params[k].shape

    # ∂L/∂x, by perturbing the input
    fx = lambda p: loss(nb.fprop(params, p["x"], output_relu=out_relu, activation=act)[0])[0]
    num_x = nb.numerical_gradient(fx, {"x": x.copy()}, eps=EPS)["x"]
    assert grads["x"].shape == x.shape
    assert nb.rel_error(grads["x"], num_x) < TOL

    # ∂L/∂h_l and ∂L/∂z_l, by running the rest of the network from h_l (or z_l)
    nl = cache["L"]
    for l in range(1, nl + 1):
        for start in ("h", "z") if l < nl else ("z",):
            name = f"{start}{l}"
            rest = run_rest(params, start, l, act, out_relu)
            fl = lambda p, rest=rest: loss(rest(p["t"]))[0]
            num = nb.numerical_gradient(fl, {"t": np.array(cache[name], dtype=float)}, eps=EPS)["t"]
            assert grads[name].shape == np.shape(cache[name]), name
            assert nb.rel_error(grads[name], num) < TOL, name
    np.testing.assert_array_equal(grads["o"], do)


@pytest.mark.parametrize("sizes", [[1, 1, 1], [2, 1, 3], [5, 32, 2], [3, 2, 40, 4], [64, 8, 10]],
                         ids=lambda s: "-".join(map(str, s)))
def test_bprop_matches_central_differences_for_narrow_and_wide_layers(sizes):
    params = nb.init_params(sizes, seed=5)
    x = data(sizes[0], 4, seed=6)
    y = np.arange(4) % sizes[-1]
    f = lambda p: nb.softmax_loss(nb.fprop(p, x)[0], y)[0]
    o, cache = nb.fprop(params, x)
    grads = nb.bprop(nb.softmax_loss(o, y)[1], cache, params)
    report = nb.grad_check(f, params, grads, eps=EPS, tol=TOL, pattern=lambda p: pre_activations(p, x, False))
    assert report.kinks == [] and report.ok, str(report)


@settings(max_examples=30)
@given(depth=st.integers(1, 3), width=st.integers(1, 6), N=st.one_of(st.none(), st.integers(1, 4)),
       output_relu=st.booleans(), activation=st.sampled_from(["relu", "tanh"]), seed=st.integers(0, 2**16))
def test_bprop_matches_central_differences_on_random_networks(depth, width, N, output_relu, activation, seed):
    """Any depth, width, batch size and seed (away from ReLU kinks): bprop is the derivative.

    The bound is the relative error of 1e-7, or, where a whole parameter's gradient is tiny (a
    saturated tanh), the noise floor of a central difference, about 1e-16·max(1, L)/ε absolute.
    """
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(1, 5))] + [width] * (depth - 1) + [int(rng.integers(2, 5))]
    params = nb.init_params(sizes, seed=seed)
    x = rng.standard_normal(sizes[0] if N is None else (N, sizes[0]))
    o, cache = nb.fprop(params, x, output_relu=output_relu, activation=activation)
    through_relu = [f"z{l}" for l in range(1, depth) if activation == "relu"] + ([f"z{depth}"] * output_relu)
    assume(all(np.min(np.abs(cache[k])) > 1e-4 for k in through_relu))  # no kink within reach of ε
    loss = make_loss("softmax", o.shape, seed=seed)
    L, do = loss(o)
    grads = nb.bprop(do, cache, params)
    f = lambda p: loss(nb.fprop(p, x, output_relu=output_relu, activation=activation)[0])[0]
    num = nb.numerical_gradient(f, params, eps=EPS)
    for k in params:
        err, diff = nb.rel_error(grads[k], num[k]), np.max(np.abs(grads[k] - num[k]))
        assert err < TOL or diff < 1e-9 * max(1.0, L), (k, err, diff)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_fprop_is_the_slide_formulas_one_column_at_a_time(depth):
    """h1 = max(0, W1 x + b1), h2 = max(0, W2 h1 + b2), o = W3 h2 + b3 (or max(0, ·) on the slide)."""
    sizes = SIZES[depth]
    params = nb.init_params(sizes, seed=0)
    X = data(sizes[0], 5)
    for output_relu in (False, True):
        O, cache = nb.fprop(params, X, output_relu=output_relu)
        for n in range(5):
            h = X[n]
            for l in range(1, depth + 1):
                z = params[f"W{l}"] @ h + params[f"b{l}"]
                np.testing.assert_allclose(cache[f"z{l}"][n], z, rtol=1e-12, atol=1e-12)
                h = np.maximum(0, z) if (l < depth or output_relu) else z
                if l < depth:
                    np.testing.assert_allclose(cache[f"h{l}"][n], h, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(O[n], h, rtol=1e-12, atol=1e-12)
            # the single-example column form gives the same numbers, in 1-D shapes
            o1, c1 = nb.fprop(params, X[n], output_relu=output_relu)
            assert o1.shape == (sizes[-1],) and c1["x"].shape == (sizes[0],)
            np.testing.assert_allclose(o1, O[n], rtol=1e-12, atol=1e-12)


def test_fprop_cache_holds_the_slide_names():
    params = nb.init_params([2, 16, 16, 3])
    o, cache = nb.fprop(params, data(2, 4))
    for k in ("x", "z1", "h1", "z2", "h2", "z3", "o"):
        assert k in cache
    assert cache["h1"].shape == (4, 16) and cache["o"].shape == (4, 3)
    np.testing.assert_array_equal(cache["o"], o)


def test_batch_gradient_is_the_mean_of_single_example_gradients():
    """softmax_loss averages over the batch, so bprop's grads are the mean of per-example grads."""
    params = nb.init_params([3, 5, 4, 3], seed=2)
    X, y = data(3, 6), np.array([0, 1, 2, 2, 1, 0])
    o, cache = nb.fprop(params, X)
    g = nb.bprop(nb.softmax_loss(o, y)[1], cache, params)
    singles = []
    for n in range(6):
        o1, c1 = nb.fprop(params, X[n])
        singles.append(nb.bprop(nb.softmax_loss(o1, int(y[n]))[1], c1, params))
    for k in params:
        np.testing.assert_allclose(g[k], np.mean([s[k] for s in singles], axis=0), rtol=1e-12, atol=1e-14)


def test_init_params_shapes_are_out_by_in_and_seeded():
    p = nb.init_params([2, 16, 16, 3], seed=0)
    assert sorted(p) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert p["W1"].shape == (16, 2) and p["b1"].shape == (16,)
    assert p["W2"].shape == (16, 16) and p["W3"].shape == (3, 16) and p["b3"].shape == (3,)
    assert all(v.dtype == np.float64 for v in p.values())
    q = nb.init_params([2, 16, 16, 3], seed=0)
    r = nb.init_params([2, 16, 16, 3], seed=1)
    assert all(np.array_equal(p[k], q[k]) for k in p)
    assert not np.array_equal(p["W1"], r["W1"])
    assert nb.count_params(p) == 16 * 2 + 16 + 16 * 16 + 16 + 3 * 16 + 3
    assert nb.n_layers(p) == 3
    assert nb.init_params([2, 3], dtype=np.float32)["W1"].dtype == np.float32


def test_init_params_is_he_scaled():
    p = nb.init_params([400, 300, 10], seed=0)
    assert np.std(p["W1"]) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert np.std(p["W2"]) == pytest.approx(np.sqrt(2 / 300), rel=0.1)
    assert np.max(np.abs(p["b1"])) <= 1 / np.sqrt(400)


def test_predict_is_argmax_of_o():
    params = nb.init_params([2, 8, 3], seed=0)
    X = data(2, 10)
    np.testing.assert_array_equal(nb.predict(params, X), np.argmax(nb.fprop(params, X)[0], axis=1))
    assert nb.predict(params, X[0]) == np.argmax(nb.fprop(params, X[0])[0])


def test_fprop_accepts_lists_and_int_inputs():
    params = nb.init_params([2, 4, 3], seed=0)
    o_list, _ = nb.fprop(params, [[1, 2], [3, 4]])
    o_arr, _ = nb.fprop(params, np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(o_list, o_arr)
