"""SGD and momentum, step by step against values computed by hand from the slide's rules.

    SGD:       θ ← θ − η ∂L/∂θ
    Momentum:  Δ ← μ Δ + ∂L/∂θ ;  θ ← θ − η Δ   (Δ starts at 0)
"""
import numpy as np
import pytest

import nnbasics as nb


def test_sgd_three_steps_by_hand():
    params = {"w": np.array([1.0, -2.0]), "b": np.array([0.5])}
    opt = nb.SGD(lr=0.1)
    gs = [{"w": np.array([1.0, 0.0]), "b": np.array([2.0])},
          {"w": np.array([-3.0, 4.0]), "b": np.array([0.0])},
          {"w": np.array([0.5, 0.5]), "b": np.array([-1.0])}]
    expected_w = [[0.9, -2.0], [1.2, -2.4], [1.15, -2.45]]
    expected_b = [[0.3], [0.3], [0.4]]
    for g, ew, eb in zip(gs, expected_w, expected_b, strict=True):
        opt.step(params, g)
        np.testing.assert_allclose(params["w"], ew, rtol=0, atol=1e-15)
        np.testing.assert_allclose(params["b"], eb, rtol=0, atol=1e-15)


def test_momentum_three_steps_by_hand():
    """η = 0.1, μ = 0.9, θ₀ = 1, gradients 1, 1, −2:
        Δ₁ = 1              θ₁ = 1 − 0.1·1       = 0.9
        Δ₂ = 0.9 + 1 = 1.9  θ₂ = 0.9 − 0.1·1.9   = 0.71
        Δ₃ = 1.71 − 2 = −0.29  θ₃ = 0.71 + 0.029 = 0.739
    """
    params = {"w": np.array([1.0, 1.0])}
    opt = nb.Momentum(lr=0.1, mu=0.9)
    for g, delta, theta in [(1.0, 1.0, 0.9), (1.0, 1.9, 0.71), (-2.0, -0.29, 0.739)]:
        opt.step(params, {"w": np.array([g, g])})
        np.testing.assert_allclose(opt.delta["w"], [delta, delta], rtol=0, atol=1e-15)
        np.testing.assert_allclose(params["w"], [theta, theta], rtol=0, atol=1e-15)


def test_momentum_default_mu_is_the_slides_0_9():
    assert nb.Momentum(lr=0.1).mu == 0.9


def test_momentum_with_mu_zero_is_sgd():
    rng = np.random.default_rng(0)
    a = nb.init_params([3, 4, 2], seed=0)
    b = {k: v.copy() for k, v in a.items()}
    sgd, mom = nb.SGD(lr=0.05), nb.Momentum(lr=0.05, mu=0.0)
    for _ in range(3):
        g = {k: rng.standard_normal(v.shape) for k, v in a.items()}
        sgd.step(a, g)
        mom.step(b, g)
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def test_momentum_reset_forgets_the_velocity():
    params = {"w": np.zeros(2)}
    opt = nb.Momentum(lr=1.0, mu=0.5)
    opt.step(params, {"w": np.ones(2)})
    opt.reset()
    opt.step(params, {"w": np.ones(2)})
    np.testing.assert_array_equal(params["w"], [-2.0, -2.0])  # not −1 − 1.5


def test_step_updates_in_place_and_ignores_extra_grads_from_bprop():
    params = nb.init_params([2, 3, 2], seed=0)
    arrays = {k: v for k, v in params.items()}
    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    o, cache = nb.fprop(params, X)
    grads = nb.bprop(nb.softmax_loss(o, y)[1], cache, params)  # also holds 'x', 'h1', 'z1', …
    before = {k: v.copy() for k, v in params.items()}
    nb.Momentum(lr=0.1).step(params, grads)
    for k in params:
        assert params[k] is arrays[k]
        np.testing.assert_allclose(params[k], before[k] - 0.1 * grads[k], rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("make", [lambda: nb.SGD(lr=0.5), lambda: nb.Momentum(lr=0.05, mu=0.9)],
                         ids=["sgd", "momentum"])
def test_training_lowers_the_loss(make):
    X, y = nb.make_gaussians(n_per_class=30, seed=0)
    params = nb.init_params([2, 16, 3], seed=0)
    opt = make()
    losses = []
    for _ in range(60):
        o, cache = nb.fprop(params, X)
        L, do = nb.softmax_loss(o, y)
        losses.append(L)
        opt.step(params, nb.bprop(do, cache, params))
    assert losses[-1] < 0.5 * losses[0]


def test_momentum_beats_sgd_at_the_same_small_learning_rate():
    X, y = nb.make_spiral(n_per_class=40, seed=0)
    final = {}
    for name, opt in [("sgd", nb.SGD(lr=0.05)), ("momentum", nb.Momentum(lr=0.05, mu=0.9))]:
        params = nb.init_params([2, 32, 3], seed=1)
        for _ in range(100):
            o, cache = nb.fprop(params, X)
            L, do = nb.softmax_loss(o, y)
            opt.step(params, nb.bprop(do, cache, params))
        final[name] = L
    assert final["momentum"] < final["sgd"]


def test_iterate_minibatches_covers_every_example_once():
    rng = np.random.default_rng(0)
    batches = list(nb.iterate_minibatches(10, 4, rng))
    assert [len(b) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(10))
