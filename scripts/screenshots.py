"""The README gallery: one PNG of each notebook's main app, written to docs/gallery/NN_name.png.

    make screenshots                       # every notebooks/*.ipynb
    .venv/bin/python scripts/screenshots.py 02 07 [--out docs/gallery]

Each notebook runs in JupyterLab in headless Chromium through the same harness as the browser
tests (scripts/browser_harness.py). The picture is the output of the cell tagged "gallery" if
a cell has that tag, else the notebook's main app (MAIN_APP below, or --app NN=K: the K-th
output holding an ipympl canvas and a slider, counted from 0; by default the first), else the
first widget output. It is cropped to what the output draws and kept under 300 KB (quantized
with Pillow when needed).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import browser_harness as harness

ROOT = harness.ROOT
MAX_BYTES = 300_000
# Where the first app is not the one that shows what the notebook is about:
# 02's first app is the 1-D warm-up, its second the 2-D tiling; 07's first app starts untrained,
# its second is the prepared SGD-vs-momentum scene.
MAIN_APP = {"02": 1, "07": 1}


def gallery_cell_index(nb_path):
    """Index of the first cell tagged 'gallery' (None when no cell is)."""
    cells = json.loads(Path(nb_path).read_text(encoding="utf-8"))["cells"]
    for i, cell in enumerate(cells):
        if "gallery" in cell.get("metadata", {}).get("tags", []):
            return i
    return None


def main_output(nbp, nb_path, main_app=MAIN_APP):
    i = gallery_cell_index(nb_path)
    if i is not None:
        out = nbp.page.locator(".jp-Notebook .jp-Cell").nth(i).locator(harness.OUTPUT).first
        if out.count():
            return out, "cell tagged gallery"
    apps = nbp.app_outputs()
    k = main_app.get(Path(nb_path).name[:2], 0)
    if apps:
        return (apps[k], f"app #{k}") if k < len(apps) else (apps[0], f"first app (no app #{k})")
    widgets = nbp.widget_outputs()
    if widgets:
        return widgets[0], "first widget output"
    return None, "no widget output"


def select(specs, notebooks):
    if not specs:
        return notebooks
    chosen = []
    for s in specs:
        p = Path(s)
        if p.suffix == ".ipynb":
            chosen.append(p.resolve())
            continue
        hits = [nb for nb in notebooks if nb.name.startswith(f"{int(s):02d}_" if s.isdigit() else s)]
        if not hits:
            raise SystemExit(f"screenshots: no notebook matches {s!r}")
        chosen += hits
    return chosen


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", help="numbers (02), name prefixes or paths; default: all")
    ap.add_argument("--out", default=str(ROOT / "docs" / "gallery"))
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--height", type=int, default=1000)
    ap.add_argument("--root", default=str(ROOT), help="the tree JupyterLab serves (holds notebooks/)")
    ap.add_argument("--app", action="append", default=[], metavar="NN=K",
                    help="use notebook NN's K-th app (from 0) instead of MAIN_APP's choice")
    a = ap.parse_args(argv)
    reason = harness.unavailable_reason()
    if reason:
        print(f"screenshots: cannot run: {reason}", file=sys.stderr)
        return 2
    main_app = dict(MAIN_APP)
    for spec in a.app:
        nn, _, k = spec.partition("=")
        main_app[f"{int(nn):02d}"] = int(k)
    root = Path(a.root).resolve()
    notebooks = select(a.notebooks, sorted((root / "notebooks").glob("[0-9]*.ipynb")))
    if not notebooks:
        print("screenshots: notebooks/ holds no notebook", file=sys.stderr)
        return 1
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    failed = []
    t0 = time.time()
    with harness.lab_server(root) as lab, harness.chromium() as browser:
        for nb in notebooks:
            nbp = harness.run_in_lab(browser, lab, nb.relative_to(root), width=a.width, height=a.height)
            try:
                errors = nbp.errors()
                out, what = main_output(nbp, nb, main_app)
                if out is None:
                    print(f"{nb.name}: {what}; no picture")
                    failed.append(nb.name)
                    continue
                harness.wait_stable_picture(out)
                png = out_dir / f"{nb.stem}.png"
                size = harness.screenshot_output(out, png, max_bytes=MAX_BYTES)
                note = f"  (but the notebook shows {len(errors)} error(s))" if errors else ""
                print(f"{png.relative_to(ROOT) if png.is_relative_to(ROOT) else png}: {what}, "
                      f"{size / 1000:.0f} KB{note}")
                if size > MAX_BYTES or errors:
                    failed.append(nb.name)
            finally:
                nbp.close()
    print(f"screenshots: {len(notebooks)} notebooks in {time.time() - t0:.0f} s"
          + (f"; problems: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
