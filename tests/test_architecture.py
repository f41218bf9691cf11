"""The layering of docs/ARCHITECTURE.md, checked: what each part of nnbasics may import, module
sizes, one registration per app, and no forward pass re-typed above the core."""
import ast
import re
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "lib" / "nnbasics"
MODULES = sorted(p for p in PKG.rglob("*.py"))
CORE = sorted(p for p in PKG.glob("*.py"))                     # nnbasics/*.py: the numpy-only core
PLOTS = sorted((PKG / "plots").glob("*.py"))
APPS = sorted((PKG / "apps").glob("*.py"))
EXERCISES = sorted((PKG / "exercises").glob("*.py"))
MAX_LINES = 500


def _rel(p):
    return p.relative_to(PKG.parent).as_posix()


def _imports(path):
    """Absolute module names imported by ``path`` (relative imports resolved within nnbasics)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PKG.parent).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:               # from . import a, b
                    names += [f"{mod}.{a.name}" for a in node.names]
                    continue
            else:
                mod = node.module
            names.append(mod)
    return names


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_every_module_is_at_most_500_lines(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{_rel(path)} has {n} lines; split it along a real seam (at most {MAX_LINES})"


@pytest.mark.parametrize("path", CORE, ids=_rel)
def test_the_core_imports_numpy_and_itself_only(path):
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in ("matplotlib", "ipywidgets", "IPython", "ipympl"), f"{_rel(path)} imports {name}"
        assert not name.startswith(("nnbasics.plots", "nnbasics.apps", "nnbasics.exercises")), \
            f"{_rel(path)} (core) imports {name}"


@pytest.mark.parametrize("path", PLOTS, ids=_rel)
def test_plots_import_no_widgets_and_no_apps(path):
    for name in _imports(path):
        assert name.split(".")[0] not in ("ipywidgets", "IPython", "ipympl"), f"{_rel(path)} imports {name}"
        assert not name.startswith(("nnbasics.apps", "nnbasics.exercises")), f"{_rel(path)} imports {name}"


@pytest.mark.parametrize("path", EXERCISES, ids=_rel)
def test_exercises_use_the_core_only(path):
    for name in _imports(path):
        assert name.split(".")[0] not in ("matplotlib", "ipywidgets"), f"{_rel(path)} imports {name}"
        assert not name.startswith(("nnbasics.apps", "nnbasics.plots")), f"{_rel(path)} imports {name}"


SHARED_APP_MODULES = {"nnbasics.apps", "nnbasics.apps.base", "nnbasics.apps.probe", "nnbasics.apps.accessible",
                      "nnbasics.apps.figure_view"}


@pytest.mark.parametrize("path", [p for p in APPS if p.name != "__init__.py"], ids=_rel)
def test_no_app_module_imports_another_app_module(path):
    own = "nnbasics.apps." + path.stem
    for name in _imports(path):
        if name.startswith("nnbasics.apps"):
            assert name in SHARED_APP_MODULES or name == own, f"{_rel(path)} imports {name}"


# a forward pass or a softmax written out again: a ReLU, an exponential or a layer's matrix product
_REDONE = re.compile(r"np\.maximum\(|np\.exp\(|@\s*\w*W\w*\.T|\.T\s*\+\s*\w*b\b|np\.matmul\(")
#: the one deliberate exception: the naive softmax of notebook 03, exactly as the slide writes it
_ALLOWED = {("apps/softmax.py", "naive_softmax")}


@pytest.mark.parametrize("path", APPS + PLOTS, ids=_rel)
def test_apps_and_plots_call_the_core_instead_of_retyping_it(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines()
    where = path.relative_to(PKG).as_posix()
    allowed = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and (where, node.name) in _ALLOWED:
            allowed.update(range(node.lineno, node.end_lineno + 1))
    bad = [f"{where}:{i}: {line.strip()}" for i, line in enumerate(lines, 1)
           if _REDONE.search(line.split("#")[0]) and i not in allowed]
    assert not bad, "call the core (fprop, softmax, relu_fprop, ...) instead:\n" + "\n".join(bad)


def test_every_app_class_is_registered_once_in_notebook_order():
    from nnbasics.apps import ALL_APPS, App

    assert len(set(ALL_APPS)) == len(ALL_APPS)
    defined = set()
    for path in APPS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("App") and node.name != "App":
                defined.add(node.name)
    assert {c.__name__ for c in ALL_APPS} == defined
    assert all(issubclass(c, App) and c.controls for c in ALL_APPS)


def test_docstrings_point_inside_the_repository():
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        assert "DESIGN.md" not in text, f"{_rel(path)} points to DESIGN.md, which is not in the repository"
    assert (PKG.parents[1] / "docs" / "ARCHITECTURE.md").exists()
