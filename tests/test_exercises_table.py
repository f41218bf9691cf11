"""The table pattern every exercise check is tested with, and the tests of the pattern itself.

A :class:`Table` lists, for one ``check_*``:

- ``right``: at least two correct solutions written differently (plain ``def`` functions, so
  their source can be read); each must get 'correct';
- ``wrong``: at least five typical mistakes, each a :class:`Wrong` row with the mistake code it
  must get and words its message must contain.

``table_tests(TABLES)`` turns a list of tables into pytest tests. Besides the rows it checks that
a stub is "not attempted", a crash is named, nothing raises, and that no message or hint of a
wrong answer contains solution code: every sub-expression (and statement) of at least
:data:`MIN_FRAGMENT` characters of the reference solution and of every right variant is looked
for in the message and hint, spaces ignored. ``reveal=True`` must show the reference code.

A new check (say notebook 09's ``check_conv2d``) gets its tests with::

    from test_exercises_table import Table, Wrong, table_tests

    def conv_loops(x, k): ...            # two or more correct ways
    def conv_einsum(x, k): ...

    TABLES = [Table(check_conv2d, right=[conv_loops, conv_einsum], wrong=[
        Wrong("kernel not flipped", lambda x, k: ..., "flipped", says="kernel"),
        ...                              # five or more typical mistakes
    ])]
    test_right, test_wrong, test_rules, test_stub_and_crash = table_tests(TABLES)

and its reference code goes into ``nnbasics.exercises.solutions.SOLUTIONS``.
"""
import ast
import inspect
import re
import textwrap
from dataclasses import dataclass, field

import numpy as np
import pytest

from nnbasics.exercises.feedback import STATUSES, reset_tries
from nnbasics.exercises.solutions import reference_code

MIN_FRAGMENT = 5          # characters, spaces ignored: "x@W.T" counts, "z>0" does not
MIN_RIGHT, MIN_WRONG = 2, 5


@dataclass
class Wrong:
    """A typical mistake: ``fn`` must get status 'wrong', code ``mistake``, and every string of ``says``."""

    name: str
    fn: object
    mistake: str
    says: tuple | str = ()

    def __post_init__(self):
        if isinstance(self.says, str):
            self.says = (self.says,)


@dataclass
class Table:
    check: object
    right: list
    wrong: list = field(default_factory=list)

    @property
    def exercise(self):
        return self.check.exercise


# -- what counts as solution code -----------------------------------------------------------------
_CODE_NODES = (ast.Call, ast.BinOp, ast.Subscript, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Tuple, ast.IfExp,
               ast.ListComp, ast.GeneratorExp)


def _reference(node):
    """A name, a constant, an attribute or an index of those: it names a thing, it computes nothing."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return _reference(node.value)
    if isinstance(node, ast.Subscript):
        return _reference(node.value) and _reference(node.slice)
    return False


def squeeze(text):
    return re.sub(r"\s+", "", text)


def code_fragments(source):
    """Every statement and compound expression of the functions in ``source``, spaces removed."""
    tree = ast.parse(textwrap.dedent(source))
    frags = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Lambda, ast.Module, ast.arguments, ast.arg)):
            continue
        if isinstance(node, ast.Tuple) and all(_reference(e) for e in node.elts) or _reference(node):
            continue          # "(A, c)", "params[name][index]": names of things, as the task uses them
        if isinstance(node, ast.stmt) or isinstance(node, _CODE_NODES):
            s = squeeze(ast.unparse(node))
            if len(s) >= MIN_FRAGMENT:
                frags.add(s)
    return frags


def solution_fragments(table):
    frags = code_fragments(reference_code(table.exercise))
    for fn in table.right:
        frags |= code_fragments(inspect.getsource(fn))
    return frags


def leaked_code(fb, frags):
    """The solution fragments found in the message, hint and printed text of ``fb`` (reveal off)."""
    text = squeeze(" ".join([fb.message, fb.hint, str(fb), fb._repr_html_()]))
    return sorted(f for f in frags if f in text)


# -- the tests a list of tables gets ------------------------------------------------------------------
def _stub(*args):
    raise NotImplementedError


def _crash(*args):
    raise KeyError("oops")


def table_tests(tables):
    """Four pytest test functions for ``tables``; assign them to module-level ``test_*`` names."""
    rights = [(t, fn) for t in tables for fn in t.right]
    wrongs = [(t, w) for t in tables for w in t.wrong]
    ids = [t.check.__name__ for t in tables]

    @pytest.mark.parametrize("table, fn", rights, ids=[f"{t.check.__name__}-{fn.__name__}" for t, fn in rights])
    def test_right(table, fn):
        reset_tries()
        fb = table.check(fn)
        assert fb.status == "correct", str(fb)
        assert fb.passed and bool(fb) and fb.message
        shown = table.check(fn, reveal=True)
        assert shown.passed and shown.solution == reference_code(table.exercise)

    @pytest.mark.parametrize("table, row", wrongs, ids=[f"{t.check.__name__}-{w.name}" for t, w in wrongs])
    def test_wrong(table, row):
        reset_tries()
        fb = table.check(row.fn)
        assert fb.status == "wrong", f"{row.name}: expected mistake {row.mistake!r}, got {fb}"
        assert fb.mistake == row.mistake, f"{row.name}: expected mistake {row.mistake!r}, got {fb.mistake!r}: {fb}"
        for words in row.says:
            assert words in fb.message, f"{row.name}: {words!r} not in the message {fb.message!r}"
        assert fb.message and fb.hint, "a wrong answer says what is off and gives a hint"
        assert not fb.solution and "reference solution" not in str(fb), "no code unless asked (first try)"
        assert leaked_code(fb, solution_fragments(table)) == [], f"the feedback gives code away: {fb}"
        shown = table.check(row.fn, reveal=True)
        assert shown.mistake == row.mistake and shown.solution == reference_code(table.exercise)
        assert reference_code(table.exercise).strip().splitlines()[1].strip() in str(shown)

    @pytest.mark.parametrize("table", tables, ids=ids)
    def test_rules(table):
        """At least two right variants and five mistakes; every right variant is written differently."""
        assert len(table.right) >= MIN_RIGHT, f"{table.check.__name__}: {len(table.right)} right variants"
        assert len(table.wrong) >= MIN_WRONG, f"{table.check.__name__}: {len(table.wrong)} mistakes"
        bodies = [squeeze(inspect.getsource(fn).split(":", 1)[1]) for fn in table.right]
        assert len(set(bodies)) == len(bodies), "two right variants have the same code"
        names = [w.name for w in table.wrong]
        assert len(set(names)) == len(names), "two mistakes have the same name"

    @pytest.mark.parametrize("table", tables, ids=ids)
    def test_stub_and_crash(table):
        reset_tries()
        for fn in (_stub, lambda *a: None, None):
            fb = table.check(fn)
            assert fb.status == "not attempted", str(fb)
            assert not fb.passed
            assert leaked_code(fb, solution_fragments(table)) == []
        assert "not attempted" in str(table.check(_stub))
        fb = table.check(_crash)
        assert fb.status == "wrong" and "KeyError" in fb.message and fb.mistake == "raised"
        fb = table.check(np.zeros(3))                      # the result passed instead of the function
        assert fb.status == "wrong" and fb.mistake == "not_callable", str(fb)
        shown = table.check(_stub, reveal=True)
        assert shown.status == "not attempted" and shown.solution == reference_code(table.exercise)

    return test_right, test_wrong, test_rules, test_stub_and_crash


# -- tests of the pattern itself ----------------------------------------------------------------------
def test_fragments_find_the_code_of_a_solution():
    frags = code_fragments("def f(x, W, b):\n    z = x @ W.T + b\n    return np.maximum(0, z)\n")
    assert {"x@W.T+b", "x@W.T", "z=x@W.T+b", "np.maximum(0,z)", "returnnp.maximum(0,z)"} <= frags
    assert "z>0" not in code_fragments("def f(z):\n    return z > 0\n")          # too short to be code
    assert "params[name][index]" not in code_fragments("def f(params, name, index):\n    params[name][index] += 1\n")


def test_a_hint_with_code_is_caught():
    from nnbasics.exercises import Feedback

    frags = code_fragments("def f(x, W, b):\n    return np.maximum(0, x @ W.T + b)\n")
    leaky = Feedback("layer", "wrong", "no ReLU.", "try np.maximum(0, x @ W.T + b)", "no_relu")
    assert {"np.maximum(0,x@W.T+b)", "x@W.T+b", "x@W.T"} <= set(leaked_code(leaky, frags))
    idea = Feedback("layer", "wrong", "no ReLU.", "h = max(0, W x + b), entry by entry: np.maximum", "no_relu")
    assert leaked_code(idea, frags) == []


def test_a_weak_table_fails_its_rules():
    from nnbasics.exercises import check_kink

    def kink(w, b):
        return -b / w

    weak = Table(check_kink, right=[kink], wrong=[Wrong("sign", lambda w, b: b / w, "sign")])
    _, test_wrong, test_rules, _ = table_tests([weak])
    with pytest.raises(AssertionError, match="right variants"):
        test_rules(weak)
    with pytest.raises(AssertionError, match="expected mistake"):
        test_wrong(weak, Wrong("mislabelled", lambda w, b: b / w, "inverted"))


def test_statuses_are_the_three():
    assert STATUSES == ("correct", "wrong", "not attempted")
