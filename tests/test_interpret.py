"""nnbasics.interpret and the digits split: codes, sharing, confusion, hidden activations."""
import numpy as np
import pytest

import nnbasics as nb
from nnbasics.data import digits_split
from nnbasics.interpret import code_text, confusion_matrix, hidden_activations, shared_units, unit_codes


def test_digits_split_is_disjoint_stratified_and_fixed():
    X_train, y_train, X_val, y_val, X_test, y_test = digits_split(0)
    assert len(y_train) + len(y_val) + len(y_test) == 1797
    assert abs(len(y_test) / 1797 - 0.2) < 0.01
    for part in (y_train, y_val, y_test):
        assert set(np.unique(part)) == set(range(10))
    rows = {r.tobytes() for r in X_test}
    assert not any(r.tobytes() in rows for r in X_train[:200])    # digits rows do repeat rarely; spot check
    assert digits_split(0)[0] is X_train                           # cached: the same split everywhere


def test_unit_codes_and_sharing_by_hand():
    H = np.array([[1.0, 0, 2], [0.5, 0, 0], [0, 3, 1], [0, 1, 1]])
    y = np.array([0, 0, 1, 1])
    frac, code = unit_codes(H, y, 2, threshold=0.5)
    np.testing.assert_array_equal(frac, [[1, 0, 0.5], [0, 1, 1]])
    np.testing.assert_array_equal(code, [[True, False, False], [False, True, True]])
    np.testing.assert_array_equal(shared_units(code), [[1, 0], [0, 2]])


def test_confusion_matrix_rows_are_the_truth():
    M = confusion_matrix([0, 0, 1, 2], [0, 1, 1, 1], 3)
    np.testing.assert_array_equal(M, [[1, 1, 0], [0, 1, 0], [0, 1, 0]])


def test_hidden_activations_are_the_forward_cache():
    p = nb.init_params([3, 4, 5, 2], seed=0)
    X = np.random.default_rng(0).standard_normal((6, 3))
    H = hidden_activations(p, X)
    _, cache = nb.fprop(p, X)
    assert len(H) == 2 and H[0].shape == (6, 4) and H[1].shape == (6, 5)
    np.testing.assert_array_equal(H[1], cache["h2"])


def test_unit_codes_use_more_than_not_at_least():
    # a unit on for exactly half of a class's examples is not in its code at threshold 0.5
    H = np.array([[1.0], [0.0], [1.0], [1.0]])
    frac, code = unit_codes(H, np.array([0, 0, 1, 1]), 2, threshold=0.5)
    np.testing.assert_array_equal(frac[:, 0], [0.5, 1.0])
    np.testing.assert_array_equal(code[:, 0], [False, True])
    assert code_text(code[:, 0]) == "[0 1]"


@pytest.mark.parametrize("call, error, match", [
    (lambda: unit_codes(np.ones(3), [0, 1, 0], 2), ValueError, r"H must be \(N, U\)"),
    (lambda: unit_codes(np.ones((3, 2)), [0, 1], 2), ValueError, r"y has 2 labels; expected 3"),
    (lambda: unit_codes(np.ones((2, 2)), [0, 2], 2), ValueError, r"y contains label 2"),
    (lambda: unit_codes(np.ones((2, 2)), [0, 1], 2, threshold=1.0), ValueError, r"threshold must be a number in"),
    (lambda: confusion_matrix([0, 1], [0, 3], 3), ValueError, r"y_pred contains label 3"),
    (lambda: confusion_matrix([0, 1], [0], 3), ValueError, r"y_pred has 1 labels; expected 2"),
    (lambda: shared_units(np.ones(3)), ValueError, r"codes must be a \(C, U\) array"),
    (lambda: hidden_activations(nb.init_params([2, 3, 2]), np.ones(2)), ValueError, r"X must be a batch"),
])
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
