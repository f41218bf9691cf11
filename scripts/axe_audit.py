"""axe-core on the suite's pages: the WCAG 2.0/2.1 A and AA rules, in headless Chromium.

Used by the browser tests (tests/browser/test_lab.py audits the output areas of every notebook
after Run All; tests/browser/test_voila.py every notebook's Voila page as `make present` serves
it) and on its own, to see the violations of every page at once:

    .venv/bin/python scripts/axe_audit.py                  # every notebook, Voila and JupyterLab
    .venv/bin/python scripts/axe_audit.py 02 07 --voila    # two notebooks, Voila only

axe-core itself comes bundled in the `axe-playwright-python` package (requirements-dev.txt), so
nothing is downloaded. A violation is "serious" or "critical" by axe's own impact rating; the
tests fail on those and print the rest.
"""
import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: the axe rule sets run: WCAG 2.0 and 2.1, levels A and AA
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: the impacts that fail a test
BLOCKING = ("serious", "critical")
#: JupyterLab: only the notebook's outputs are ours (the rest is JupyterLab's own interface)
LAB_OUTPUTS = ".jp-OutputArea-output"

_RUN_JS = """async ([include, tags]) => {
    const context = include ? {include: include} : document;
    if (include && !include.some(s => document.querySelector(s))) return [];
    const r = await axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                                  summary: (n.failureSummary || '').slice(0, 400)}))}));
}"""


@dataclass
class AxeReport:
    """The violations axe found on one page (or in part of it)."""

    page: str
    violations: list          # [{id, impact, help, nodes: [{target, html, summary}]}]

    def blocking(self):
        """The serious and critical violations."""
        return [v for v in self.violations if v["impact"] in BLOCKING]

    def others(self):
        return [v for v in self.violations if v["impact"] not in BLOCKING]

    def counts(self, violations=None):
        """``{rule id: number of elements}`` of ``violations`` (default: the blocking ones)."""
        vs = self.blocking() if violations is None else violations
        return {v["id"]: len(v["nodes"]) for v in vs}

    def line(self):
        """One line: the page, its serious/critical violations and the rest (rule × elements)."""
        fmt = lambda c: ", ".join(f"{k} × {n}" for k, n in c.items()) or "none"   # noqa: E731
        return (f"axe {self.page}: serious/critical: {fmt(self.counts())}; "
                f"minor/moderate: {fmt(self.counts(self.others()))}")

    def details(self, violations=None, per_rule=4):
        """A readable report of ``violations`` (default: the blocking ones), a few elements each."""
        out = []
        for v in self.blocking() if violations is None else violations:
            out.append(f"- {v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
            for n in v["nodes"][:per_rule]:
                out.append(f"    {n['target']}: {n['html']}")
                if n["summary"]:
                    out.append("      " + n["summary"].replace("\n", "\n      "))
        return "\n".join(out)


# What axe cannot know about our apps: each (an element with the class nnb-app) shows its live text
# summary, names every slider handle and button, gives each picture role=img and the summary as its
# name, and its keyboard focus order follows the page (no positive tabindex, no jump back up and left).
_APPS_JS = """() => {
  const problems = [], apps = [...document.querySelectorAll('.nnb-app')];
  const shown = e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
                     && !e.closest('[aria-hidden="true"]');
  const nameOf = e => (e.getAttribute('aria-label') || e.textContent || e.getAttribute('title') || '').trim();
  apps.forEach((app, i) => {
    const summary = ((app.querySelector('.nnb-summary') || {}).textContent || '').trim();
    if (!summary) problems.push(`app #${i}: no live text summary`);
    for (const s of app.querySelectorAll('[role="slider"]'))
      if (!(s.getAttribute('aria-label') || '').trim()) problems.push(`app #${i}: a slider handle has no name`);
    for (const b of app.querySelectorAll('button'))
      if (shown(b) && !nameOf(b)) problems.push(`app #${i}: a button has no name: ${b.outerHTML.slice(0, 120)}`);
    const pics = [...app.querySelectorAll('.jupyter-matplotlib-canvas-div, .nnb-picture')];
    if (!pics.length) problems.push(`app #${i}: no picture`);
    for (const p of pics)
      if (p.getAttribute('role') !== 'img' || !(p.getAttribute('aria-label') || '').trim())
        problems.push(`app #${i}: a picture without role=img and a text alternative`);
    const tabbable = [...app.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
      .filter(e => e.tabIndex >= 0 && !e.disabled && shown(e));
    for (const e of tabbable) if (e.tabIndex > 0) problems.push(`app #${i}: tabindex ${e.tabIndex} > 0`);
    for (let k = 1; k < tabbable.length; k++) {
      const a = tabbable[k - 1].getBoundingClientRect(), b = tabbable[k].getBoundingClientRect();
      if (b.bottom < a.top - 4 && b.right < a.left - 4)
        problems.push(`app #${i}: focus goes back up and left from ${nameOf(tabbable[k - 1]).slice(0, 40)} `
                      + `to ${nameOf(tabbable[k]).slice(0, 40)}`);
    }
  });
  return {apps: apps.length, problems: problems,
          summaries: apps.map(a => ((a.querySelector('.nnb-summary') || {}).textContent || '').trim()),
          labels: apps.map(a => { const p = a.querySelector('[role="img"]');
                                  return p ? p.getAttribute('aria-label') : ''; })};
}"""


def app_problems(page):
    """``(number of apps, [problem, …], [summary of each app])`` of the apps in ``page``: what axe
    cannot check (see _APPS_JS). The summary shown lags the kernel by up to a second, so a picture
    whose name differs from its app's shown summary is only a problem if it stays so for 3 s."""
    t0 = time.time()
    while True:
        r = page.evaluate(_APPS_JS)
        stale = [i for i, (s, lab) in enumerate(zip(r["summaries"], r["labels"], strict=True)) if s != lab]
        if not stale or time.time() - t0 > 3:
            break
        time.sleep(0.3)
    problems = r["problems"] + [f"app #{i}: its picture's text alternative is not its live summary" for i in stale]
    return r["apps"], problems, r["summaries"]


def run_axe(page, include=None, name=""):
    """axe-core's WCAG A/AA rules on ``page`` (a Playwright page), or only inside the elements
    matching the CSS selectors ``include`` (a list); an :class:`AxeReport`."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    violations = page.evaluate(_RUN_JS, [list(include) if include else None, WCAG_TAGS])
    return AxeReport(name or page.url.split("?")[0], violations)


def audit_lab_outputs(nbp):
    """axe on the output areas of a notebook run in JupyterLab (a harness NotebookPage)."""
    return run_axe(nbp.page, include=[LAB_OUTPUTS], name=f"lab {nbp.name} (output areas)")


def audit_voila(nbp):
    """axe on the whole Voila page of a notebook (a harness NotebookPage)."""
    return run_axe(nbp.page, name=f"voila {nbp.name}")


def main(argv=None):
    import browser_harness as harness
    import present

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", help="numbers or names (default: every notebook)")
    ap.add_argument("--voila", action="store_true", help="only Voila pages")
    ap.add_argument("--lab", action="store_true", help="only JupyterLab output areas")
    ap.add_argument("--details", action="store_true", help="print every blocking violation's elements")
    args = ap.parse_args(argv)
    nbs = ([present.resolve_notebook(s) for s in args.notebooks] if args.notebooks
           else sorted(present.NOTEBOOKS.glob("[0-9]*.ipynb")))
    kinds = [k for k, on in (("voila", args.voila), ("lab", args.lab)) if on] or ["voila", "lab"]
    reports = []
    with harness.chromium() as browser:
        if "voila" in kinds:
            for nb in nbs:
                with harness.voila_server(nb) as voila:
                    nbp = harness.open_in_voila(browser, voila)
                    nbp.name = nb.stem
                    reports.append(audit_voila(nbp))
                    nbp.close()
                print(reports[-1].line(), flush=True)
        if "lab" in kinds:
            with harness.lab_server(present.ROOT) as lab:
                for nb in nbs:
                    nbp = harness.run_in_lab(browser, lab, nb.relative_to(present.ROOT))
                    reports.append(audit_lab_outputs(nbp))
                    nbp.close()
                    print(reports[-1].line(), flush=True)
    if args.details:
        for r in reports:
            if r.blocking():
                print(f"\n{r.page}:\n{r.details()}")
    return 1 if any(r.blocking() for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
