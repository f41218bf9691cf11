"""Feedback for every check: graded hints, code only on request, never an exception, one notation.

The per-check tables are in test_exercises_forward.py (00-03), test_exercises_backprop.py (04-06) and
test_exercises_training.py (07-08) and test_exercises_convolution.py (09); this file tests what all checks share.
"""
import inspect
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import test_exercises_backprop
import test_exercises_convolution
import test_exercises_forward
import test_exercises_training

import nnbasics as nb
from nnbasics import exercises
from nnbasics.exercises import CHECKS, Feedback, reset_tries, solution
from nnbasics.exercises.solutions import SOLUTIONS, reference_code

ROOT = Path(__file__).resolve().parents[1]
ALL_CHECKS = [c for checks in CHECKS.values() for c in checks]
ALL_TABLES = (test_exercises_forward.TABLES + test_exercises_backprop.TABLES + test_exercises_training.TABLES
              + test_exercises_convolution.TABLES)
IDS = [c.__name__ for c in ALL_CHECKS]


@pytest.fixture(autouse=True)
def _fresh():
    reset_tries()
    yield
    reset_tries()


def test_every_check_has_a_table_and_a_solution():
    assert sorted(t.check.__name__ for t in ALL_TABLES) == sorted(IDS)
    assert sorted(SOLUTIONS) == sorted(c.exercise for c in ALL_CHECKS)
    assert sorted(exercises.__all__) == sorted(["Feedback", "attempt", "reset_tries", "solution", "CHECKS"] + IDS)


@pytest.mark.parametrize("check", ALL_CHECKS, ids=IDS)
def test_the_reference_solution_passes_its_check(check):
    namespace = {"np": np, "nb": nb}
    exec(reference_code(check.exercise), namespace)
    fn = next(v for k, v in namespace.items() if inspect.isfunction(v))
    assert check(fn).status == "correct", str(check(fn))
    assert "reveal" in inspect.signature(check).parameters


# -- graded feedback ------------------------------------------------------------------------------------
def _wrong_one_hot(y, C):
    return np.eye(C)[y].T


def test_hint_first_then_a_pointer_then_the_code_on_request():
    first = exercises.check_one_hot(_wrong_one_hot)
    assert first.status == "wrong" and first.hint and first.tries == 1
    assert "reveal" not in str(first) and not first.solution
    second = exercises.check_one_hot(_wrong_one_hot)
    assert second.tries == 2
    assert "check_one_hot(_wrong_one_hot, reveal=True)" in str(second)
    assert "reveal=True" in second._repr_html_()
    assert "np.zeros((len(y), C))" not in str(second)
    shown = exercises.check_one_hot(_wrong_one_hot, reveal=True)
    assert shown.solution == reference_code("one_hot")
    assert "np.zeros((len(y), C))" in str(shown) and "still stuck" not in str(shown)
    assert "np.zeros((len(y), C))" in shown._repr_html_()
    # another exercise has its own count; a lambda is named "your_function"; a right answer carries no pointer
    assert "reveal" not in str(exercises.check_kink(lambda w, b: b / w))
    assert "check_kink(your_function, reveal=True)" in str(exercises.check_kink(lambda w, b: b / w))
    assert "reveal" not in str(exercises.check_one_hot(lambda y, C: np.eye(C)[y]))


def test_reveal_works_before_any_attempt():
    def one_hot(y, C):
        raise NotImplementedError

    fb = exercises.check_one_hot(one_hot, reveal=True)
    assert fb.status == "not attempted" and "Y[np.arange(len(y)), y] = 1" in str(fb)


def test_solution_helper():
    for name in SOLUTIONS:
        code = solution(name)
        assert code == reference_code(name) == solution("check_" + name)
        assert code.startswith("def ") and code.endswith("\n")
        assert repr(code) == str(code)
        assert "<pre><code>" in code._repr_html_()
    assert "&lt;" in solution("numerical_gradient")._repr_html_() or "<" not in solution("numerical_gradient")
    with pytest.raises(ValueError, match="one_hot"):
        solution("onehot")


def test_html_is_escaped():
    fb = Feedback("x", "wrong", "a < b & c", "use <b>", "values")
    html = fb._repr_html_()
    assert "a &lt; b &amp; c" in html and "use &lt;b&gt;" in html
    with pytest.raises(ValueError, match="status"):
        Feedback("x", "fine")


# -- never raises ---------------------------------------------------------------------------------------
class _Weird:
    def __array__(self, *a, **k):
        raise RuntimeError("no array for you")


JUNK = {
    "a string": lambda *a: "hello",
    "a dict": lambda *a: {"a": 1},
    "nan": lambda *a: np.nan,
    "an empty array": lambda *a: np.array([]),
    "a ragged list": lambda *a: [[1, 2], [3]],
    "complex": lambda *a: np.ones(3) * 1j,
    "a generator": lambda *a: (i for i in range(3)),
    "an object": lambda *a: _Weird(),
    "a tuple of junk": lambda *a: ("x", None, 3),
    "a huge number": lambda *a: 1e308,
    "an exception object": lambda *a: ValueError("x"),
    "prints and returns 0": lambda *a: print("debug") or 0,
}


@pytest.mark.parametrize("check", ALL_CHECKS, ids=IDS)
def test_no_answer_makes_a_check_raise(check, capsys):
    for name, fn in JUNK.items():
        fb = check(fn)
        assert isinstance(fb, Feedback), name
        assert fb.status in ("wrong", "not attempted"), f"{name}: {fb}"
        str(fb), fb._repr_html_()
    fb = check("not a function", reveal=True)
    assert fb.mistake == "not_callable" and fb.solution


# -- one notation, small modules, docs in sync -------------------------------------------------------
SOURCES = sorted((ROOT / "lib" / "nnbasics" / "exercises").glob("*.py"))


def test_P_means_only_the_number_of_training_examples():
    """No exercise is about the training set, so no check says P: the parameter count is |θ|."""
    for path in SOURCES:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not re.search(r"(?<![\w'\"])P(?![\w'\"(])", line), f"{path.name}:{n}: {line.strip()}"
    fb = exercises.check_wiggle_cost(lambda s: 1 + sum(s[l] * s[l - 1] + s[l] for l in range(1, len(s))) - 1)
    assert "|θ|" in fb.message


def test_modules_stay_small():
    for path in SOURCES:
        assert len(path.read_text(encoding="utf-8").splitlines()) < 500, path.name


GENERIC = {"raised", "not_callable", "unusable", "type", "shape", "transpose", "nonfinite", "values"}


def test_module_docstrings_list_the_codes_the_tables_test():
    for table in ALL_TABLES:
        doc = sys.modules[table.check.__module__].__doc__
        listed = set(re.findall(r"'(\w+)'", doc))
        tested = {w.mistake for w in table.wrong}
        missing = tested - listed - GENERIC
        assert not missing, f"{table.check.__name__}: codes tested but not documented: {missing}"
    documented = set().union(*(re.findall(r"'(\w+)'", sys.modules[c.__module__].__doc__) for c in ALL_CHECKS))
    tested_anywhere = {w.mistake for t in ALL_TABLES for w in t.wrong}
    assert documented - tested_anywhere - GENERIC == set(), "documented codes no table tests"


def test_notebooks_call_only_checks_that_exist():
    called = set()
    for nb_path in sorted((ROOT / "notebooks").glob("0[0-9]_*.ipynb")):
        for cell in json.loads(nb_path.read_text(encoding="utf-8"))["cells"]:
            called |= set(re.findall(r"\b(check_\w+)\(", "".join(cell["source"])))
    assert called == set(IDS)
