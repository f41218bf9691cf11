"""The training loop of notebooks 07–08 (nnbasics.trainer): it learns, it stops when it diverges,
its snapshots are exact copies, SGD and momentum start alike, and the model search works."""
import copy

import numpy as np
import pytest

import nnbasics as nb
from nnbasics.trainer import Trainer, accuracy, evaluate, grid_search


@pytest.fixture(scope="module")
def spiral():
    return nb.make_spiral()                     # the default: 3 classes, 100 each, noise 0.2


def test_default_spiral_reaches_97_percent_training_accuracy(spiral):
    X, y = spiral
    tr = Trainer(X, y)                          # [2, 16, 16, 3], momentum, η = 0.1, batch 32
    tr.run(1500)
    assert tr.diverged is None
    assert tr.history["train_acc"][-1] >= 0.97
    assert accuracy(tr.params, tr.X, tr.y) == tr.history["train_acc"][-1]
    assert tr.history["train_loss"][-1] < 0.3 * tr.history["train_loss"][0]     # the loss fell


def first_batch_loss_and_grads(tr, params, seed, batch_size):
    """The loss and gradients at ``params`` on the first mini-batch a Trainer made with ``seed`` and
    ``batch_size`` takes, computed here from fprop, softmax_loss and bprop."""
    rng = np.random.default_rng([seed, 1])      # the trainer's mini-batch order
    B = next(nb.iterate_minibatches(len(tr.y), batch_size, rng))
    o, cache = nb.fprop(params, tr.X[B])
    L, do = nb.softmax_loss(o, tr.y[B])
    return L, nb.bprop(do, cache, params)


def test_one_step_is_the_slides_update(spiral):
    X, y = spiral
    tr = Trainer(X, y, optimizer="sgd", lr=0.5, batch_size=8, seed=3)
    before = copy.deepcopy(tr.params)
    _, g = first_batch_loss_and_grads(tr, before, seed=3, batch_size=8)
    tr.train_step()
    for k in before:
        np.testing.assert_allclose(tr.params[k], before[k] - 0.5 * g[k], rtol=0, atol=1e-12)


def test_sgd_and_momentum_with_one_seed_start_alike_and_see_the_same_batches(spiral):
    X, y = spiral
    a = Trainer(X, y, optimizer="sgd", seed=5)
    b = Trainer(X, y, optimizer="momentum", seed=5)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert [a.next_batch().tolist() for _ in range(12)] == [b.next_batch().tolist() for _ in range(12)]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_a_huge_learning_rate_stops_with_a_message_and_finite_parameters(spiral, optimizer):
    X, y = spiral
    tr = Trainer(X, y, optimizer=optimizer, lr=30.0)
    with np.errstate(all="raise"):              # no numpy warning escapes either
        done = tr.run(200)
    assert done < 200
    assert tr.diverged and "diverged" in tr.diverged and "η = 30" in tr.diverged
    assert all(np.all(np.isfinite(p)) for p in tr.params.values())
    assert all(np.all(np.isfinite(v)) for k, v in tr.history.items() if k.startswith("train"))
    assert tr.run(10) == 0                      # stays stopped


def test_snapshots_are_copies_and_scrubbing_finds_the_right_one(spiral):
    X, y = spiral
    tr = Trainer(X, y, record_every=5)
    tr.run(100)
    steps = [s.step for s in tr.snapshots]
    assert steps == list(range(0, 101, 5))
    s40 = tr.snapshot_at(40)
    assert s40.step == 40 and tr.snapshot_at(44).step == 40 and tr.snapshot_at(-3).step == 0
    kept = copy.deepcopy(s40.params)
    tr.run(50)                                  # training on must not touch a stored snapshot
    for k in kept:
        np.testing.assert_array_equal(tr.snapshot_at(40).params[k], kept[k])
    L, acc = evaluate(kept, tr.X, tr.y)
    assert (L, acc) == (s40.train_loss, s40.train_acc)
    h = tr.curves(until=40)
    assert h["step"][-1] == 40 and len(h["step"]) == 9


def test_snapshots_stay_bounded_by_thinning(spiral):
    X, y = spiral
    tr = Trainer(X, y, record_every=1, max_snapshots=20)
    tr.run(200)
    assert len(tr.snapshots) <= 20
    assert tr.snapshots[0].step == 0
    assert all(s.step % tr.snapshot_every == 0 for s in tr.snapshots)
    assert len(tr.history["step"]) == 201       # the curves keep every record


def test_configure_changes_lr_and_batch_size_on_the_fly(spiral):
    X, y = spiral
    tr = Trainer(X, y, batch_size=32)
    tr.run(3)
    tr.configure(lr=0.02, mu=0.5, batch_size=4)
    assert tr.optimizer.lr == 0.02 and tr.optimizer.mu == 0.5
    assert len(tr.next_batch()) == 4


def test_momentum_reaches_a_target_loss_in_fewer_steps_than_sgd(spiral):
    X, y = spiral
    runs = {}
    for opt in ("sgd", "momentum"):
        tr = Trainer(X, y, optimizer=opt, lr=0.05, seed=0)
        tr.run(1500)
        runs[opt] = tr.steps_to_loss(0.5)
    assert runs["momentum"] is not None
    assert runs["sgd"] is None or runs["momentum"] < runs["sgd"]


def test_no_validation_part_when_asked(spiral):
    X, y = spiral
    tr = Trainer(X[:7], y[:7], val_fraction=0.2)        # too few examples to hold any out
    assert len(tr.y_val) == 0 and np.isnan(tr.history["val_loss"][0])
    assert tr.run(5) == 5 and tr.step == 5 and tr.diverged is None
    assert tr.history["step"][-1] == 5 and np.isnan(tr.history["val_acc"][-1])   # still no validation part
    assert len(tr.y) == 7


def test_bad_arguments_are_named():
    X, y = nb.make_moons(n_per_class=10)
    with pytest.raises(ValueError, match="optimizer"):
        Trainer(X, y, optimizer="adam")
    with pytest.raises(ValueError, match="no training examples"):
        Trainer(np.zeros((0, 2)), np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match=r"y has 19 labels; expected 20"):
        Trainer(X, y[:-1])
    with pytest.raises(ValueError, match=r"batch_size must be at least 1, got 0"):
        Trainer(X, y, batch_size=0)
    with pytest.raises(ValueError, match="give both X_val and y_val"):
        Trainer(X, y, X_val=X)


def test_fractional_labels_are_an_error_not_truncated():
    # y + 0.5 once trained silently on int(y + 0.5) = the labels 0 and 1 again
    X, y = nb.make_moons(n_per_class=10)
    with pytest.raises(ValueError, match=r"y must be whole numbers \(class indices\); got 0\.5"):
        Trainer(X, y + 0.5)
    with pytest.raises(ValueError, match=r"y_val must be whole numbers"):
        Trainer(X, y, X_val=X[:3], y_val=[0.0, 1.5, 1.0])
    tr = Trainer(X, y.astype(float))                       # whole numbers stored as floats are fine
    assert tr.y.dtype == np.int64


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_a_negative_learning_rate_is_refused_in_the_constructor_and_in_configure(optimizer):
    X, y = nb.make_moons(n_per_class=10)
    with pytest.raises(ValueError, match=r"lr \(the learning rate η\) must be a finite number > 0; got -1"):
        Trainer(X, y, optimizer=optimizer, lr=-1)
    tr = Trainer(X, y, optimizer=optimizer, lr=0.1)
    with pytest.raises(ValueError, match=r"lr \(the learning rate η\) must be a finite number > 0; got -1"):
        tr.configure(lr=-1)
    with pytest.raises(ValueError, match=r"batch_size must be at least 1"):
        tr.configure(batch_size=0)
    assert tr.optimizer.lr == 0.1 and tr.batch_size == 32       # a refused change changes nothing
    if optimizer == "momentum":
        with pytest.raises(ValueError, match=r"mu \(the momentum μ\) must be a number in \[0, 1\)"):
            tr.configure(mu=1.0)
        tr.configure(lr=0.2, mu=0.5)
        assert (tr.optimizer.lr, tr.optimizer.mu) == (0.2, 0.5)


def test_grid_search_breaks_ties_by_the_parameter_count(monkeypatch):
    # (8 units, depth 2) has 2·8 + 8 + 8·8 + 8 + 8·2 + 2 = 114 parameters and (16, 1) has 82. Let
    # both tie for the best validation accuracy: the tie goes to the fewest parameters |θ|, (16, 1)
    # (the old rule d·w² + w ranked (8, 2) first: 136 < 272)
    X, y = nb.make_gaussians(n_per_class=20, n_classes=2, noise=0.3)
    Xtr, ytr, Xv, yv = nb.train_val_split(X, y, 0.3, seed=0)
    scripted = {(8, 1): 0.5, (16, 1): 1.0, (8, 2): 1.0, (16, 2): 0.9}

    def fake_accuracy(params, X, y):                       # the validation accuracy we want per net
        width, depth = params["W1"].shape[0], len(params) // 2 - 1
        return scripted[(width, depth)]

    monkeypatch.setattr("nnbasics.trainer.accuracy", fake_accuracy)
    res = grid_search(Xtr, ytr, Xv, yv, widths=(8, 16), depths=(1, 2), epochs=1)
    counts = {k: nb.count_params(tr.params) for k, tr in res.trainers.items()}
    assert counts[(8, 2)] == 114 and counts[(16, 1)] == 82
    assert res.best == (16, 1)


def test_weight_decay_adds_lambda_w_to_the_weight_gradients_only(spiral):
    X, y = spiral
    lam = 0.05
    tr = Trainer(X, y, optimizer="sgd", lr=0.5, batch_size=8, seed=3, weight_decay=lam)
    before = copy.deepcopy(tr.params)
    L, g = first_batch_loss_and_grads(tr, before, seed=3, batch_size=8)
    assert tr.train_step() == pytest.approx(L, abs=1e-12)        # the data loss is reported
    for k in before:
        decay = lam * before[k] if k.startswith("W") else 0.0     # biases are not decayed
        np.testing.assert_allclose(tr.params[k], before[k] - 0.5 * (g[k] + decay), rtol=0, atol=1e-12)


def test_weight_decay_shrinks_the_weights_and_configure_changes_it(spiral):
    X, y = spiral
    runs = {lam: Trainer(X, y, seed=0, weight_decay=lam) for lam in (0.0, 0.01)}
    for tr in runs.values():
        tr.run(600)
    norm = {lam: sum(np.sum(v ** 2) for k, v in tr.params.items() if k.startswith("W")) for lam, tr in runs.items()}
    assert norm[0.01] < 0.5 * norm[0.0]
    assert runs[0.01].history["train_acc"][-1] > 0.8              # it still learns
    tr = runs[0.0]
    tr.configure(weight_decay=0.1)
    assert tr.weight_decay == 0.1 and "weight_decay=0.1" in repr(tr)
    with pytest.raises(ValueError, match=r"weight_decay \(the λ of L2 weight decay\) must be a finite number >= 0"):
        tr.configure(weight_decay=-1)
    assert tr.weight_decay == 0.1
    with pytest.raises(ValueError, match=r"weight_decay \(the λ of L2 weight decay\) must be a finite number >= 0"):
        Trainer(X, y, weight_decay=-0.5)
    with pytest.raises(TypeError, match=r"weight_decay \(the λ of L2 weight decay\) must be a number"):
        Trainer(X, y, weight_decay="0.1")
