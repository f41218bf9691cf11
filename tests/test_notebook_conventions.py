"""What the notebooks' text keeps to, read straight from the .ipynb files (nothing is run):

- one meaning per symbol: P is the number of training examples, never the parameter count
  (|θ|, ``count_params``, ``n_params``) nor a matrix of probabilities (``p``, row n = p(c|xⁿ));
- lecture mode: exercises, their checks and assert-only cells carry the tag ``lecture-hide``
  (the Voila projector template leaves them out), while apps, summaries and titles never do;
- the static figures the notebooks embed exist next to them, with alt text, and
  scripts/figures.py draws every one of them.
"""
import ast
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
LIBRARY = sorted((ROOT / "lib" / "nnbasics").rglob("*.py"))
TESTS = sorted(p for p in (ROOT / "tests").rglob("*.py") if p.name != Path(__file__).name)
TAG = "lecture-hide"


def cells(nb_path):
    return json.loads(nb_path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


# -- one meaning for P ---------------------------------------------------------------------------
# P as a parameter count or a probability matrix, in the ways the notebooks once wrote it.
MISUSES = {
    "P set to a parameter count": r"(?<![\w.])P(?:_\w+)?\s*=\s*(?:\w+\.)?count_params\b",
    "P set to a sum over layer sizes": r"(?<![\w.\\])P\s*=\s*(?:sum\(\s*sizes|\\sum_l\s*N_l)",
    "P + 1 (the wiggle cost is |θ| + 1)": r"(?<![\w\\])P\s*\+\s*1(?!\d)",
    "P parameters / parameters P": r"(?<![\w\\])P\$?\s+parameters\b|\bparameters\s+\$?P(?![\w])",
    "P as a dict key or column of parameter counts": r"""\[\s*["']P["']\s*\]|\bdict\([^)]*(?<![\w.])P=""",
    "P − Y (the probability matrix is p)": r"(?<![\w\\])P\s*[−-]\s*Y(?![\w])",
    "P set to probabilities": r"(?<![\w.])P\s*=\s*(?:\w+\.)?softmax\(",
}
# A standalone P, as a word (not part of a name, not a LaTeX command's argument such as \mathbf{P}).
STANDALONE_P = re.compile(r"(?<![A-Za-z0-9_\\{])P(?![A-Za-z0-9_])")
ABOUT_EXAMPLES = re.compile(r"training\s+(?:examples?|set|data|points?)", re.IGNORECASE)


def misuses(text):
    """The names of the MISUSES that ``text`` commits."""
    return [name for name, rx in MISUSES.items() if re.search(rx, text)]


def stray_p(text, window=None):
    """Standalone P's with no mention of the training examples nearby: in the whole ``text`` (a
    notebook cell) or, with ``window``, within that many characters (a module)."""
    out = []
    for m in STANDALONE_P.finditer(text):
        near = text if window is None else text[max(0, m.start() - window):m.end() + window]
        if not ABOUT_EXAMPLES.search(near):
            out.append(text[max(0, m.start() - 40):m.end() + 40].replace("\n", " "))
    return out


# What the old notebooks, apps and tests said (verbatim); each must be caught by a MISUSE.
BEFORE = [
    'P = nb.count_params(params)\nprint(f"P = {P} parameters, L(θ) = {f(params):.6f}")',
    "**How many parameters?** Layer $l$ has $N_l \\times N_{l-1}$ weights and $N_l$ biases:\n"
    "$P = \\sum_l N_l (N_{l-1} + 1)$.",
    "P = sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, len(sizes)))",
    "- train a tiny network by wiggling every parameter, and count what that costs: **P + 1 loss evaluations per "
    "update**;",
    'print(f"{evals} loss evaluations for 10 steps = 10 × (P + 1) = 10 × {P + 1}")',
    "rows.append(dict(H=H, P=P_H, evals=P_H + 1, t_eval=t_eval))",
    'Ps = np.array([r["P"] for r in rows])',
    'ax.set_xlabel("number of parameters P")',
    "cost.append(dict(width=width, P=nb.count_params(p), fprop=t_f, bprop=t_b, ratio=t_b / t_f))",
    "the mean loss brings a $1/N$ into\n$\\partial L/\\partial o = (P - Y)/N$.",
    "| **04 wiggle** | \"wiggle to decrease loss\" | count what it costs (P + 1 evaluations per step) |",
    "P = nb.softmax(o)",
]
# Right uses of P (the slides' training set), and near misses that are not P at all.
FINE = [
    "a training set $\\{(\\mathbf{x}^i, y^i),\\ i = 1 \\dots P\\}$ — $P$ the number of training examples",
    'print(f"P = {len(X_train)} training examples x^i of shape {X_train.shape[1:]}")',
    "over the whole training set, $\\theta^* = \\arg\\min_\\theta \\sum_{n=1}^P L(x^n, y^n; \\theta)$",
    "$$\\frac{1}{P} \\sum_{n=1}^{P} L(x^n, y^n; \\theta)$$ over the training examples",
    "n_params = nb.count_params(params)   # |θ| + 1 evaluations",
    "$\\partial L/\\partial o = (p - Y)/N$, row $n$ of $p$ is $p(c|x^n)$",
    "PASS, FAIL, Pascanu et al., np.log(p), P2 = nb.init_params([2, 3, 1])",
]


@pytest.mark.parametrize("text", BEFORE)
def test_every_old_misuse_of_P_is_caught(text):
    assert misuses(text), f"no MISUSE pattern catches: {text!r}"


@pytest.mark.parametrize("text", FINE)
def test_P_for_the_training_examples_and_other_names_pass(text):
    assert misuses(text) == [] and stray_p(text) == [], text


def test_a_P_far_from_the_training_examples_is_stray():
    assert stray_p("We count P = 47 numbers in this network.")
    assert stray_p("x " * 200 + "P" + " y" * 200, window=120)            # training examples too far away
    assert not stray_p("P training examples " + "x " * 20 + "P", window=120)


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_use_P_only_for_the_training_examples(nb_path):
    bad = []
    for i, cell in enumerate(cells(nb_path)):
        text = source(cell)
        bad += [f"cell {i}: {m}" for m in misuses(text)]
        bad += [f"cell {i}: P without the training examples: …{s}…" for s in stray_p(text)]
    assert not bad, f"{nb_path.name}: P is the number of training examples only\n" + "\n".join(bad)


def test_library_docstrings_and_app_texts_use_P_only_for_the_training_examples():
    bad = []
    for path in LIBRARY:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        bad += [f"{rel}: {m}" for m in misuses(text)]
        bad += [f"{rel}: P without the training examples: …{s}…" for s in stray_p(text, window=300)]
    assert not bad, "\n".join(bad)


def test_tests_do_not_call_the_parameter_count_P():
    bad = []
    for path in TESTS:
        text = path.read_text(encoding="utf-8")
        bad += [f"{path.relative_to(ROOT)}: {m}" for m in misuses(text)]
        for name in re.findall(r"def (test_\w+)", text):
            if re.search(r"(?:^|_)P(?:_|$)", name) and "training" not in name:
                bad.append(f"{path.relative_to(ROOT)}: {name}")
    assert not bad, "\n".join(bad)


# -- lecture mode --------------------------------------------------------------------------------
def statements(code):
    """Top-level statements of a code cell (IPython magics left out); None if it does not parse."""
    try:
        return ast.parse("\n".join(ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!")))).body
    except SyntaxError:
        return None


def lecture_role(cell, next_cell=None):
    """'hide' for what a lecture does not show, 'show' for what it must show, else None."""
    text = source(cell)
    if cell["cell_type"] == "markdown":
        if re.search(r"^#+\s*Your turn", text, re.M) or (next_cell is not None
                                                        and "raise NotImplementedError" in source(next_cell)):
            return "hide"                                         # an exercise and its statement
        if text.lstrip().startswith(("# ", "## Summary")):
            return "show"                                         # the title, the summary
        return None
    if "raise NotImplementedError" in text or re.search(r"^\s*check_\w+\(", text, re.M):
        return "hide"                                             # an exercise stub or its check
    body = statements(text)
    if body and all(isinstance(s, ast.Assert) for s in body):
        return "hide"                                             # assert-only
    if body and isinstance(body[-1], ast.Expr) and re.search(r"\b[A-Z]\w*App\(", ast.unparse(body[-1])):
        return "show"                                             # an app
    return None


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lecture_hide_marks_exercises_checks_and_asserts_but_never_apps_or_summaries(nb_path):
    cs = cells(nb_path)
    wrong = []
    for i, cell in enumerate(cs):
        role = lecture_role(cell, cs[i + 1] if i + 1 < len(cs) else None)
        hidden = TAG in tags(cell)
        if role == "hide" and not hidden:
            wrong.append(f"cell {i} (id {cell.get('id')}) should carry {TAG!r}: {source(cell)[:70]!r}")
        if role == "show" and hidden:
            wrong.append(f"cell {i} (id {cell.get('id')}) is an app, a title or a summary; a lecture shows it")
    assert not wrong, f"{nb_path.name}:\n" + "\n".join(wrong)


def test_the_lecture_rule_is_not_empty():
    """Every notebook with exercises hides some cells, and every notebook keeps most of its text."""
    for nb_path in NOTEBOOKS:
        cs = cells(nb_path)
        roles = [lecture_role(c, cs[i + 1] if i + 1 < len(cs) else None) for i, c in enumerate(cs)]
        if "hide" in roles:
            assert any(TAG in tags(c) for c in cs), nb_path.name
        shown_md = [c for c in cs if c["cell_type"] == "markdown" and TAG not in tags(c)]
        assert len(shown_md) >= 5, f"{nb_path.name}: a lecture page needs its narrative"


def test_the_projector_template_honours_the_tag():
    tpl = (ROOT / "scripts/jupyter/voila/templates/projector/index.html.j2").read_text(encoding="utf-8")
    block = re.search(r"\{%-? block any_cell scoped -?%\}(.*?)\{%-? endblock any_cell -?%\}", tpl, re.S)
    assert block, "the projector template must override Voila's any_cell block (its cell loop)"
    assert f"'{TAG}'" in block.group(1) and "super()" in block.group(1)


# -- static figures ------------------------------------------------------------------------------
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")


def embedded_images():
    for nb_path in NOTEBOOKS:
        for cell in cells(nb_path):
            if cell["cell_type"] == "markdown":
                for alt, src in IMAGE.findall(source(cell)):
                    yield nb_path, alt, src


def test_embedded_figures_exist_next_to_the_notebooks_with_alt_text():
    seen = list(embedded_images())
    assert any(nb.name.startswith("05_") for nb, _, _ in seen), "05 embeds its static network diagram"
    notebooks = (ROOT / "notebooks").resolve()
    for nb_path, alt, src in seen:
        assert len(alt.split()) >= 8, f"{nb_path.name}: {src} needs alt text that says what it shows"
        assert not re.match(r"[a-z]+:|/", src), f"{nb_path.name}: {src} must be a relative path"
        target = (nb_path.parent / src).resolve()
        # Voila inlines a markdown image only from inside the directory it serves (notebooks/)
        assert target.is_relative_to(notebooks), f"{nb_path.name}: {src} lies outside notebooks/"
        assert target.is_file(), f"{nb_path.name}: {src} does not exist"


def test_scripts_figures_draws_every_committed_figure(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import figures

    assert figures.main(["--out", str(tmp_path)]) == 0
    from PIL import Image

    for name in figures.FIGURES:
        committed = ROOT / "notebooks" / "figures" / name
        assert committed.is_file(), f"run scripts/figures.py and commit notebooks/figures/{name}"
        with Image.open(committed) as a, Image.open(tmp_path / name) as b:
            assert a.size == b.size, f"notebooks/figures/{name} is out of date: run scripts/figures.py"
    used = {Path(src).name for _, _, src in embedded_images()}
    assert set(figures.FIGURES) <= used, "every figure the script draws is used by a notebook"
