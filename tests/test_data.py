"""Data sets: shapes, dtypes, class balance, one seed one data set, the shipped digits, splits."""
import numpy as np
import pytest

import nnbasics as nb

CLASSES = {"spiral": 3, "circles": 2, "xor": 2, "moons": 2, "gaussians": 3}


@pytest.mark.parametrize("name", sorted(nb.DATASETS))
def test_generator_shapes_dtypes_and_balance(name):
    make = nb.DATASETS[name]
    X, y = make(n_per_class=37, seed=0)
    C = CLASSES[name]
    assert X.shape == (37 * C, 2) and y.shape == (37 * C,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [37] * C)
    np.testing.assert_array_equal(y, np.repeat(np.arange(C), 37))  # classes in order
    assert np.all(np.isfinite(X))
    assert np.max(np.abs(X)) < 3


@pytest.mark.parametrize("name", sorted(nb.DATASETS))
def test_generator_is_deterministic_per_seed_and_seeds_differ(name):
    make = nb.DATASETS[name]
    X1, y1 = make(seed=3)
    X2, y2 = make(seed=3)
    X3, _ = make(seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name, C", [("spiral", 5), ("circles", 4), ("gaussians", 6)])
def test_generators_with_more_classes(name, C):
    X, y = nb.DATASETS[name](n_per_class=10, n_classes=C, seed=0)
    assert X.shape == (10 * C, 2)
    np.testing.assert_array_equal(np.bincount(y), [10] * C)


def test_xor_labels_are_the_quadrants_without_noise():
    X, y = nb.make_xor(n_per_class=200, noise=0.0, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert np.all(np.abs(X) <= 1)


def test_circles_are_rings_by_class_without_noise():
    X, y = nb.make_circles(n_per_class=50, n_classes=2, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 0.5)
    np.testing.assert_allclose(r[y == 1], 1.0)


def test_spiral_radius_within_unit_disc():
    X, _ = nb.make_spiral(noise=0.5, seed=1)
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1 + 1e-12)


def test_gaussian_class_means_sit_on_the_unit_circle():
    X, y = nb.make_gaussians(n_per_class=2000, n_classes=4, noise=0.1, seed=0)
    for c in range(4):
        centre = [np.cos(2 * np.pi * c / 4), np.sin(2 * np.pi * c / 4)]
        np.testing.assert_allclose(X[y == c].mean(axis=0), centre, atol=0.01)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_per_class=0), ValueError, r"n_per_class must be at least 1, got 0"),
    (dict(n_classes=1), ValueError, r"n_classes must be at least 2, got 1"),
    (dict(n_per_class=2.5), TypeError, r"n_per_class must be a whole number, got float \(2\.5\)"),
    (dict(noise=-0.1), ValueError, r"noise must be a finite number >= 0; got -0\.1"),
])
def test_generator_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        nb.make_spiral(**kwargs)


def test_xor_and_moons_have_exactly_two_classes():
    with pytest.raises(ValueError, match=r"make_xor has exactly 2 classes, got n_classes=3"):
        nb.make_xor(n_classes=3)
    with pytest.raises(ValueError, match=r"make_moons has exactly 2 classes, got n_classes=3"):
        nb.make_moons(n_classes=3)


# ----------------------------------------------------------------------------- digits

@pytest.fixture(scope="module")
def digits():
    return nb.load_digits()


def test_load_digits_shape_range_and_labels(digits):
    X, y = digits
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(X * 16), np.arange(17))  # pixel counts 0..16, over 16
    counts = np.bincount(y)
    assert len(counts) == 10
    assert np.all((counts >= 170) & (counts <= 190)), counts  # about 180 of each digit
    assert counts.sum() == 1797


def test_load_digits_images_look_like_digits(digits):
    """Class means differ: a 0 has a hole in the middle, a 1 does not."""
    X, y = digits
    zero, one = X[y == 0].mean(axis=0).reshape(8, 8), X[y == 1].mean(axis=0).reshape(8, 8)
    assert zero[3:5, 3:5].mean() < 0.25 < one[3:5, 3:5].mean()


def test_load_digits_returns_fresh_arrays(digits):
    X, y = nb.load_digits()
    X[:] = -1
    y[:] = -1
    X2, y2 = nb.load_digits()
    assert X2.min() == 0.0 and y2.min() == 0


# ----------------------------------------------------------------------------- train_val_split

def test_train_val_split_is_a_stratified_partition(digits):
    X, y = digits
    Xt, yt, Xv, yv = nb.train_val_split(X, y, val_fraction=0.2, seed=0)
    assert len(yt) + len(yv) == len(y)
    assert Xt.shape == (len(yt), 64) and Xv.shape == (len(yv), 64)
    # every class keeps its share: about 20 % of each goes to validation
    for c in range(10):
        n_c = np.sum(y == c)
        assert np.sum(yv == c) == round(0.2 * n_c)
    # a partition of the rows: no example in both parts, none lost
    rows = {r.tobytes() + bytes([int(c)]) for r, c in zip(X, y, strict=True)}
    got = [r.tobytes() + bytes([int(c)]) for r, c in zip(np.r_[Xt, Xv], np.r_[yt, yv], strict=True)]
    assert set(got) == rows
    # shuffled, not in class order
    assert not np.all(np.diff(yt) >= 0)


def test_train_val_split_is_deterministic_per_seed():
    X, y = nb.make_spiral(n_per_class=50)
    a = nb.train_val_split(X, y, seed=1)
    b = nb.train_val_split(X, y, seed=1)
    c = nb.train_val_split(X, y, seed=2)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("frac", [0.0, 1.0, -0.5])
def test_train_val_split_rejects_a_bad_fraction(frac):
    X, y = nb.make_xor(n_per_class=10)
    with pytest.raises(ValueError, match=r"val_fraction must be between 0 and 1"):
        nb.train_val_split(X, y, val_fraction=frac)


def test_train_val_split_rejects_mismatched_lengths():
    X, y = nb.make_xor(n_per_class=10)
    with pytest.raises(ValueError, match=r"X must be \(N, D\) and y \(N,\); got X \(20, 2\) and y \(19,\)"):
        nb.train_val_split(X, y[:-1])
