"""Training a network: the loop of the Optimization slide, one mini-batch at a time.

    θ* = argmin_θ Σ_n L(x^n, y^n; θ)          (learning = minimising the loss)

    repeat:
        B            ← the next mini-batch of examples (shuffled, one epoch after another)
        o, cache     = fprop(θ, X_B)                 forward propagation
        L, ∂L/∂o     = softmax_loss(o, y_B)           how good is the network on B?
        ∂L/∂θ        = bprop(∂L/∂o, cache, θ)         backward propagation
        (+ λ W for every weight matrix W: the weight decay term (λ/2) Σ‖W‖², when λ > 0)
        θ ← θ − η ∂L/∂θ                              SGD
        (or  Δ ← μ Δ + ∂L/∂θ ;  θ ← θ − η Δ)         SGD with momentum

A :class:`Trainer` holds θ, the optimiser and the data, runs that loop ``k`` steps at a time
(an app calls :meth:`Trainer.run` between two redraws), writes down the loss and accuracy on
the training and validation parts every few steps (``history``), keeps copies of θ to go back
in time (``snapshots``) and stops, with a message, when the loss blows up (``diverged``).

    tr = Trainer(X, y, hidden=[16, 16], optimizer="momentum", lr=0.1, seed=0)
    tr.run(500)
    tr.history["train_loss"][-1], tr.history["val_acc"][-1]

Numpy only: the widgets in ``nnbasics.apps.training`` draw what this computes.
"""
import copy
import math
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import _checks
from .data import DATASETS, digits_split, train_val_split
from .losses import l2_penalty, softmax_loss
from .network import bprop, count_params, fprop, init_params
from .optim import SGD, Momentum, iterate_minibatches

__all__ = ["Trainer", "Snapshot", "SearchResult", "grid_search", "accuracy", "evaluate", "digits_model",
           "toy_model"]

OPTIMIZERS = ("sgd", "momentum")


def evaluate(params, X, y):
    """Mean loss and accuracy of the network on ``(X, y)``: X (N, D), y (N,) -> (L, acc).

        L   = (1/N) Σ_n − log p(c_{y_n} | x_n)
        acc = (1/N) Σ_n [argmax_k o_k(x_n) = y_n]
    Returns ``(nan, nan)`` for an empty set.
    """
    if len(y) == 0:
        return math.nan, math.nan
    o, _ = fprop(params, X)
    L, _ = softmax_loss(o, y)
    return L, float(np.mean(np.argmax(o, axis=1) == y))


def accuracy(params, X, y):
    """Fraction of examples whose predicted class ``argmax_k o_k`` is the label: a float in [0, 1]."""
    return evaluate(params, X, y)[1]


@dataclass
class Snapshot:
    """The state of training after ``step`` updates: a copy of θ and the numbers at that time."""

    step: int
    params: dict
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float


class Trainer:
    """Mini-batch SGD or momentum on a fully connected ReLU network with a softmax output.

    X (N, D), y (N,) int labels. Unless ``X_val, y_val`` are given, a stratified
    ``val_fraction`` of the examples is held out for validation (``val_fraction=0``: none).

    hidden      widths of the hidden layers, e.g. ``[16, 16]`` → sizes ``[D, 16, 16, C]``
    optimizer   ``'sgd'`` (θ ← θ − η ∂L/∂θ) or ``'momentum'`` (Δ ← μΔ + ∂L/∂θ ; θ ← θ − ηΔ)
    lr, mu      η and μ;   batch_size: examples per step (the last of an epoch may be smaller)
    weight_decay    λ ≥ 0: training minimises L + (λ/2) Σ_l ‖W^l‖² (the slide's "plus some
                    regularization term", :func:`nnbasics.losses.l2_penalty`); 0 = none.
                    ``history`` records the data loss L alone, so runs with different λ compare.
    seed        one seed for the initial θ and for the order of the mini-batches, so two
                trainers with the same seed (say one SGD, one momentum) start from the same θ
                and see the same mini-batches
    record_every    steps between two entries of ``history``
    max_snapshots   snapshots kept; when full, every other one is dropped and the interval
                    between snapshots doubles (memory stays bounded however long it runs)
    explode     the run stops when a mini-batch loss exceeds ``explode`` times the starting loss
    """

    def __init__(self, X, y, hidden=(16, 16), n_classes=None, optimizer="momentum", lr=0.1, mu=0.9,
                 batch_size=32, seed=0, val_fraction=0.2, X_val=None, y_val=None, params=None,
                 record_every=5, max_snapshots=400, explode=20.0, weight_decay=0.0):
        X = _checks.as_float_array(X, "X").astype(np.float64, copy=False)
        if X.ndim != 2:
            raise ValueError(f"X must be (N, D), one row per example; got shape {X.shape}")
        if len(X) == 0:
            raise ValueError("there are no training examples (X is empty)")
        if n_classes is not None:
            n_classes = _checks.whole(n_classes, "n_classes", lo=2)
        # labels: whole numbers 0..C-1 (a fractional label is an error, never silently truncated)
        y = _checks.labels(y, "y", len(X), n_classes or np.iinfo(np.int64).max)
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        if X_val is not None:
            X_val = _checks.as_float_array(X_val, "X_val").astype(np.float64, copy=False).reshape(-1, X.shape[1])
            y_val = _checks.labels(y_val, "y_val", len(X_val), n_classes or np.iinfo(np.int64).max)
        val_fraction = _checks.fraction(val_fraction, "val_fraction")
        if X_val is None and val_fraction > 0 and len(y) >= 10:
            X, y, X_val, y_val = train_val_split(X, y, val_fraction, seed=seed)
        if X_val is None:
            X_val, y_val = np.zeros((0, X.shape[1])), np.zeros(0, dtype=np.int64)
        self.X, self.y = X, y
        self.X_val, self.y_val = X_val, y_val
        labels = np.concatenate([self.y, self.y_val])
        self.n_classes = n_classes if n_classes is not None else max(int(labels.max()) + 1, 2)
        self.sizes = [X.shape[1], *[_checks.whole(h, f"hidden[{i}]", lo=1) for i, h in enumerate(hidden)],
                      self.n_classes]
        self.seed = seed
        self.params = copy.deepcopy(params) if params is not None else init_params(self.sizes, seed=seed)
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
        self.optimizer_name = optimizer
        self.optimizer = SGD(lr) if optimizer == "sgd" else Momentum(lr, mu)
        self.batch_size = _checks.whole(batch_size, "batch_size", lo=1)
        self.weight_decay = _checks.positive(weight_decay, "weight_decay (the λ of L2 weight decay)",
                                             allow_zero=True)
        self._rng = np.random.default_rng([seed, 1])   # the mini-batch order
        self._batches = iter(())
        self.step = 0
        self.epoch = 0
        self.record_every = int(record_every)
        self.max_snapshots = int(max_snapshots)
        self.snapshot_every = self.record_every
        self.explode = float(explode)
        self.diverged = None          # None while all is well, else a message for the student
        self.history = {k: [] for k in ("step", "train_loss", "train_acc", "val_loss", "val_acc")}
        self.snapshots = []
        self.seconds = 0.0            # time spent in run()
        self.record()
        self.start_loss = self.history["train_loss"][0]

    # -- the training loop ---------------------------------------------------------------------
    def next_batch(self):
        """Indices of the next mini-batch (a new shuffled epoch when the last one is used up)."""
        batch = next(self._batches, None)
        if batch is None:
            self._batches = iterate_minibatches(len(self.y), self.batch_size, self._rng)
            self.epoch += 1
            batch = next(self._batches)
        return batch

    def train_step(self):
        """One step of the slide's loop on one mini-batch; returns its loss L (before the update;
        the data loss alone: with weight decay the step also follows ∂/∂θ of (λ/2) Σ‖W‖²)."""
        B = self.next_batch()
        o, cache = fprop(self.params, self.X[B])
        L, do = softmax_loss(o, self.y[B])
        grads = bprop(do, cache, self.params)
        if self.weight_decay:
            _, dR = l2_penalty(self.params, self.weight_decay)     # ∂/∂W of (λ/2) Σ‖W‖² = λ W
            grads = {k: g + dR[k] if k in dR else g for k, g in grads.items()}
        self.optimizer.step(self.params, grads)       # θ ← θ − η ∂L/∂θ   (or with Δ)
        self.step += 1
        return L

    def run(self, n_steps):
        """Up to ``n_steps`` training steps; stops early if training diverges. Returns steps done."""
        if self.diverged:
            return 0
        t0 = time.perf_counter()
        done = 0
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(int(n_steps)):
                try:
                    L = self.train_step()
                except ValueError as e:                # NaN or inf in o or in a gradient
                    self._stop(f"a NaN or inf appeared ({e})")
                    break
                done += 1
                if not math.isfinite(L) or L > self.explode * max(self.start_loss, 0.1):
                    self._stop(f"the mini-batch loss reached {L:.3g}, more than {self.explode:g}× "
                               f"the starting loss {self.start_loss:.3g}")
                    break
                if not all(np.all(np.isfinite(p)) for p in self.params.values()):
                    self._stop("the parameters overflowed to inf")
                    break
                if self.step % self.record_every == 0:
                    if not self.record():
                        break
        self.seconds += time.perf_counter() - t0
        return done

    def fit(self, epochs):
        """Train for ``epochs`` passes over the training examples (or until it diverges)."""
        steps_per_epoch = -(-len(self.y) // self.batch_size)
        return self.run(epochs * steps_per_epoch)

    # -- what is written down ------------------------------------------------------------------
    def record(self):
        """Append loss and accuracy (train and validation) to ``history``; maybe keep a snapshot.

        Returns False (and stops) if the loss is no longer finite.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                tl, ta = evaluate(self.params, self.X, self.y)
                vl, va = evaluate(self.params, self.X_val, self.y_val)
            except ValueError as e:
                self._stop(f"the loss is no longer finite ({e})")
                return False
        if not math.isfinite(tl):
            self._stop("the loss is no longer finite")
            return False
        for k, v in zip(self.history, (self.step, tl, ta, vl, va), strict=True):
            self.history[k].append(v)
        if self.step % self.snapshot_every == 0 and (not self.snapshots or self.snapshots[-1].step != self.step):
            self.snapshots.append(Snapshot(self.step, copy.deepcopy(self.params), tl, ta, vl, va))
            if len(self.snapshots) > self.max_snapshots:
                self.snapshot_every *= 2
                self.snapshots = [s for s in self.snapshots if s.step % self.snapshot_every == 0]
        return True

    def _stop(self, why):
        """Divergence: restore the last good snapshot and say what happened (training stops)."""
        last = self.snapshots[-1] if self.snapshots else None
        if last is not None and not all(np.all(np.isfinite(p)) for p in self.params.values()):
            self.params = copy.deepcopy(last.params)
        self.diverged = (f"Training diverged at step {self.step}: {why}. The learning rate "
                         f"η = {self.optimizer.lr:g} is too large for this problem"
                         + (f" with momentum μ = {self.optimizer.mu:g}" if self.optimizer_name == "momentum" else "")
                         + ". Lower it and start again (reset).")

    def snapshot_at(self, step):
        """The last stored snapshot taken at or before ``step`` (the first one for earlier steps)."""
        steps = [s.step for s in self.snapshots]
        i = max(int(np.searchsorted(steps, step, side="right")) - 1, 0)
        return self.snapshots[i]

    def curves(self, until=None):
        """``history`` as arrays, only up to step ``until`` (all of it when None)."""
        h = {k: np.asarray(v, dtype=float) for k, v in self.history.items()}
        if until is not None:
            keep = h["step"] <= until
            h = {k: v[keep] for k, v in h.items()}
        return h

    def steps_to_loss(self, target):
        """The first recorded step at which the training loss is ≤ ``target`` (None if never)."""
        for s, L in zip(self.history["step"], self.history["train_loss"], strict=True):
            if L <= target:
                return s
        return None

    # -- changing settings while training ------------------------------------------------------
    def configure(self, lr=None, mu=None, batch_size=None, weight_decay=None):
        """Change η, μ, the batch size or the weight decay λ from the next step on (θ and Δ kept)."""
        if lr is not None:
            self.optimizer.lr = _checks.positive(lr, "lr (the learning rate η)")
        if mu is not None and isinstance(self.optimizer, Momentum):
            self.optimizer.mu = _checks.fraction(mu, "mu (the momentum μ)")
        if batch_size is not None and batch_size != self.batch_size:
            self.batch_size = _checks.whole(batch_size, "batch_size", lo=1)
            self._batches = iter(())                   # start a new epoch with the new size
        if weight_decay is not None:
            self.weight_decay = _checks.positive(weight_decay, "weight_decay (the λ of L2 weight decay)",
                                                 allow_zero=True)

    def __repr__(self):
        return (f"Trainer(sizes={self.sizes}, {self.optimizer!r}, batch_size={self.batch_size}, "
                + (f"weight_decay={self.weight_decay:g}, " if self.weight_decay else "")
                + f"step={self.step}{', diverged' if self.diverged else ''})")


@dataclass
class SearchResult:
    """Validation accuracy over a grid of widths × depths (the slide: "cross-validation")."""

    widths: list
    depths: list
    val_acc: np.ndarray          # (len(depths), len(widths))
    train_acc: np.ndarray        # (len(depths), len(widths))
    best: tuple                  # (width, depth) with the highest validation accuracy
    seconds: float
    trainers: dict = field(default_factory=dict, repr=False)   # (width, depth) -> Trainer


def grid_search(X_train, y_train, X_val, y_val, widths=(16, 64), depths=(1, 2), epochs=20,
                lr=0.05, mu=0.9, batch_size=32, seed=0, on_result=None):
    """Train one network per (width, depth) and compare them on the validation data.

    "How many layers? How many hidden units? Cross-validation or hyper-parameter search
    methods are the answer." Each network has ``depth`` hidden layers of ``width`` units and
    is trained with momentum for ``epochs`` epochs on the training part only; the best is the
    one with the highest validation accuracy (ties: the smaller network). The test data is
    not touched here: it is kept for the one final measurement of the chosen model.

    ``on_result(i, n, width, depth, val_acc)`` is called after each network (for a progress bar).
    """
    t0 = time.perf_counter()
    widths, depths = [int(w) for w in widths], [int(d) for d in depths]
    val = np.zeros((len(depths), len(widths)))
    train = np.zeros_like(val)
    trainers = {}
    n = len(widths) * len(depths)
    i = 0
    for a, d in enumerate(depths):
        for b, w in enumerate(widths):
            tr = Trainer(X_train, y_train, hidden=[w] * d, optimizer="momentum", lr=lr, mu=mu,
                         batch_size=batch_size, seed=seed, X_val=X_val, y_val=y_val,
                         record_every=10**9, max_snapshots=1)
            tr.fit(epochs)
            train[a, b] = accuracy(tr.params, X_train, y_train)
            val[a, b] = accuracy(tr.params, X_val, y_val)
            trainers[(w, d)] = tr
            i += 1
            if on_result is not None:
                on_result(i, n, w, d, val[a, b])
    # best validation accuracy; among ties, the fewest parameters |θ|
    order = sorted(((-val[a, b], count_params(trainers[(w, d)].params), w, d) for a, d in enumerate(depths)
                    for b, w in enumerate(widths)))
    best = (order[0][2], order[0][3])
    return SearchResult(widths, depths, val, train, best, time.perf_counter() - t0, trainers)


@lru_cache(maxsize=8)
def digits_model(width=32, depth=2, seed=0, epochs=30):
    """A digits network ``[64, width × depth, 10]`` trained with momentum on the training part of
    :func:`nnbasics.data.digits_split` (validated on its validation part): a :class:`Trainer`.

    Cached: the same arguments give the same (already trained) Trainer.
    """
    X_train, y_train, X_val, y_val, _, _ = digits_split(seed)
    tr = Trainer(X_train, y_train, hidden=[width] * depth, optimizer="momentum", lr=0.05, batch_size=32,
                 seed=seed, X_val=X_val, y_val=y_val, record_every=50)
    tr.fit(epochs)
    return tr


@lru_cache(maxsize=8)
def toy_model(dataset, width, depth, seed=0, steps=1500):
    """A network ``[2, width × depth, C]`` trained with momentum for ``steps`` steps on a 2-D data
    set of :data:`nnbasics.data.DATASETS` (its defaults, that seed): ``(trainer, X, y)``. Cached."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {sorted(DATASETS)}, got {dataset!r}")
    X, y = DATASETS[dataset](seed=seed)
    tr = Trainer(X, y, hidden=[width] * depth, optimizer="momentum", lr=0.1, seed=seed, record_every=100)
    tr.run(steps)
    return tr, X, y
