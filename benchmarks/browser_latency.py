"""What a person sees: key press on an app's first slider -> changed pixels, in a real browser.

Every app of every notebook (an output holding a slider and an app's picture: browser_harness.APP)
runs in JupyterLab in headless Chromium (scripts/browser_harness.py). Its first slider gets N
single key presses (ArrowRight/ArrowLeft alternating: it moves between two values), each
followed by the wait for the change and a settle. Measured in the page: key -> pixels, from the
keydown event's timestamp to the first animation frame at which a fingerprint of the output's
canvases (each scaled down to at most 256 px and hashed, every frame) or SVG markup differs;
and the bytes the kernel websocket delivers per move (Playwright's ``framereceived`` payloads;
jupyter_server does not compress websockets by default, so that is what travels).

Beside each app, in the same run and interleaved press by press (app, floor, Label, app, ...,
so all three meet the same load on a shared machine), two floors from a notebook generated in a
temporary directory served by the same Lab: a bare ipympl figure of the app's size whose slider
moves one line (built as the apps build theirs: plt.ioff, no pyplot auto-draw, one draw_idle per
move), and a slider whose callback only sets a Label's text (one comm round trip, no picture).

At device pixel ratio 1 and 2 (the browser context's device_scale_factor), on a local link and
an emulated remote one, switched on after the notebook ran: Chromium's network emulation
throttles to 10 Mbit/s down, 5 up, but does not delay websocket messages, so the page's kernel
websocket holds each message 40 ms each way (80 ms round trip; see WS_DELAY_JS).

    .venv/bin/python benchmarks/browser_latency.py                    # everything (long)
    .venv/bin/python benchmarks/browser_latency.py --quick            # 02,07 at ratio 2, local
    .venv/bin/python benchmarks/browser_latency.py --notebooks 02,07 --dpr 1,2 --link local,remote \\
        --presses 24 --json benchmarks/results/browser_latency.json [--root OTHER_TREE]

Prints a markdown table, writes every row as JSON; stops its servers and kernels.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import browser_harness as harness  # noqa: E402
from browser_probe import (  # noqa: E402
    CHANGE_TIMEOUT_MS,
    QUIET_MS,
    REMOTE,
    WS_DELAY_JS,
    Target,
    WsMeter,
    forget_page,
    interleave,
    set_link,
)

DEFAULT_JSON = ROOT / "benchmarks" / "results" / "browser_latency.json"
LABEL_CLASS = "nnb-floor-label"

# Size (CSS px) and backing-store ratio of the largest canvas (ipympl's first) in an output.
CANVAS_INFO_JS = """el => {
  const cs = [...el.querySelectorAll('.jupyter-matplotlib-canvas-div canvas:first-child')];
  const all = cs.length ? cs : [...el.querySelectorAll('canvas')];
  let best = null;
  for (const c of all) { const a = c.clientWidth * c.clientHeight; if (!best || a > best.a) best = {c, a}; }
  if (!best) return null;
  const c = best.c;
  return {w: c.clientWidth, h: c.clientHeight, backing: c.clientWidth ? c.width / c.clientWidth : null,
          n_canvas: el.querySelectorAll('canvas').length, n_svg: el.querySelectorAll('svg').length,
          source: (el.closest('.jp-Cell')?.querySelector('.jp-InputArea-editor')?.innerText) || ''};
}"""


FLOOR_SETUP = """%matplotlib widget
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np


def ipympl_floor(w, h):
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(w / 100, h / 100), dpi=100)
    for attr in ('header_visible', 'footer_visible', 'toolbar_visible', 'resizable'):
        setattr(fig.canvas, attr, False)
    fig.stale_callback = None      # as the apps: one draw request per move
    x = np.linspace(0, 1, 200)
    line, = ax.plot(x, np.sin(6 * np.pi * x))
    s = widgets.IntSlider(value=0, min=0, max=20, description='phase')

    def move(change):
        line.set_ydata(np.sin(6 * np.pi * (x + change['new'] / 20)))
        fig.canvas.draw_idle()
        fig.stale = False

    s.observe(move, names='value')
    return widgets.VBox([s, fig.canvas])
"""
LABEL_FLOOR = f"""s = widgets.IntSlider(value=0, min=0, max=100, description='n')
lab = widgets.Label('value 0')
lab.add_class('{LABEL_CLASS}')
s.observe(lambda c: setattr(lab, 'value', f"value {{c['new']}}"), names='value')
widgets.VBox([s, lab])"""


def floor_notebook(sizes):
    """The floors as a notebook: cell 1 the Label floor, then one ipympl floor per (w, h) in CSS px."""
    import nbformat

    cells = [nbformat.v4.new_code_cell(FLOOR_SETUP), nbformat.v4.new_code_cell(LABEL_FLOOR)]
    cells += [nbformat.v4.new_code_cell(f"ipympl_floor({w}, {h})") for w, h in sizes]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _open(browser, lab, relpath, dpr):
    page = harness.new_page(browser, 1400, 1000, device_scale_factor=dpr)
    page.context.add_init_script(WS_DELAY_JS)
    meter = WsMeter(page)     # before the page opens its websockets
    try:
        return harness.run_page_in_lab(page, lab, relpath), meter
    except Exception:
        page.close()          # and its context
        raise


def _close(nbp):
    forget_page(nbp.page)
    nbp.close()               # the page, its context and its kernel


def measure_notebook(browser, lab, relpath, floor_dir, dpr, links, presses, log=print):
    """Rows for every app of one notebook at every link, interleaved with its floors (the ipympl one
    of its size, the Label one; generated notebook in a second page): app, floor, Label, app, ..."""
    import nbformat

    nb = Path(relpath).name[:2]
    nbp, meter = _open(browser, lab, relpath, dpr)
    rows, fnbp = [], None
    try:
        errors = nbp.errors()
        apps = [(out, out.evaluate(CANVAS_INFO_JS) or {}) for out in nbp.app_outputs()]
        sizes = sorted({(i["w"], i["h"]) for _, i in apps if i.get("w")})
        if not apps:      # a notebook that stopped early (an error) shows none: say so, with the error
            log(f"{relpath}: no app found" + (f"; the notebook shows an error: {errors[0][:300]}" if errors else ""))
            return [{"kind": "app", "notebook": nb, "app": "(no app found)", "dpr": dpr, "link": "-",
                     "error": ("notebook error: " + errors[0][-300:]) if errors else "no output with a slider and a "
                     "picture"}]
        path = floor_dir / f"floors_{nb}_dpr{dpr}.ipynb"
        nbformat.write(floor_notebook(sizes), path)
        fnbp, fmeter = _open(browser, lab, path.relative_to(floor_dir.parent), dpr)
        cells = fnbp.page.locator(".jp-Notebook .jp-Cell")
        label_out = cells.nth(1).locator(harness.OUTPUT).first
        floor_outs = {s: cells.nth(2 + i).locator(harness.OUTPUT).first for i, s in enumerate(sizes)}
        for k, (out, info) in enumerate(apps):
            size = (info.get("w"), info.get("h"))
            names = re.findall(r"\b([A-Z][A-Za-z0-9_]*)\(", info.get("source", ""))   # the cell's last class
            app = {"kind": "app", "notebook": nb, "app": f"{names[-1] if names else 'app'} #{k}",
                   "dpr": dpr, "fig_css": list(size), "backing_ratio": info.get("backing"),
                   "n_canvas": info.get("n_canvas"), "n_svg": info.get("n_svg"), "notebook_errors": len(errors)}
            floor = {"kind": "ipympl floor", "notebook": "floor", "paired": app["app"], "dpr": dpr,
                     "app": f"ipympl floor {size[0]}x{size[1]}", "fig_css": list(size)}
            label = {"kind": "label floor", "notebook": "floor", "paired": app["app"], "dpr": dpr,
                     "app": "label floor", "fig_css": None}
            for link in links:
                set_link(nbp.page, link)
                set_link(fnbp.page, link)
                load = round(os.getloadavg()[0], 2)
                targets = [Target("app", nbp.page, meter, out)]
                if size in floor_outs:
                    targets.append(Target("floor", fnbp.page, fmeter, floor_outs[size]))
                targets.append(Target("label", fnbp.page, fmeter, label_out, f".{LABEL_CLASS}"))
                got = interleave(targets, presses)
                found = [dict(base, link=link, load_avg_1min=load, **res)
                         for base, res in zip([app, floor][:len(targets) - 1] + [label], got, strict=True)]
                add_ratios(found[0], found[1] if len(found) == 3 else None, found[-1])
                rows += found
                for r in found:
                    log(_line(r))
            set_link(nbp.page, "local")
        deaths = nbp.kernel_deaths() + (fnbp.kernel_deaths() if fnbp else [])
        for r in rows:
            r["kernel_deaths"] = len(deaths)
    finally:
        _close(nbp)
        if fnbp is not None:
            _close(fnbp)
    return rows


def add_ratios(app, floor, label):
    """The app row gets the floors measured beside it: ipympl floor p50/p95, kB/move, the ratios."""
    if "p50_ms" not in app:
        return
    if floor is not None and "p50_ms" in floor:
        app.update(floor_p50_ms=floor["p50_ms"], floor_p95_ms=floor["p95_ms"], floor_kb_per_move=floor["kb_per_move"],
                   ratio_p50=app["p50_ms"] / floor["p50_ms"], ratio_p95=app["p95_ms"] / floor["p50_ms"])
    if "p50_ms" in label:
        app.update(label_floor_p50_ms=label["p50_ms"], label_floor_p95_ms=label["p95_ms"])


def run(notebooks=None, dprs=(1, 2), links=("local", "remote"), presses=24, root=ROOT, json_path=DEFAULT_JSON,
        log=None):
    """Measure; return the rows (also written to ``json_path`` unless it is None)."""
    reason = harness.unavailable_reason()
    if reason:
        raise RuntimeError(f"browser_latency cannot run: {reason}")
    log = log or (lambda s: print(s, flush=True))
    root = Path(root).resolve()
    all_nbs = sorted((root / "notebooks").glob("[0-9]*.ipynb"))
    chosen = [p for p in all_nbs if notebooks is None or p.name[:2] in {f"{int(n):02d}" for n in notebooks}]
    if notebooks is not None and len(chosen) != len(set(notebooks)):
        raise ValueError(f"--notebooks {','.join(notebooks)}: found only {[p.name for p in chosen]} "
                         f"in {root}/notebooks")
    t0 = time.time()
    rows = []
    with tempfile.TemporaryDirectory(prefix="nnbasics-browser-latency-") as tmp:
        serve = Path(tmp)
        (serve / "notebooks").symlink_to(root / "notebooks", target_is_directory=True)
        (serve / "floors").mkdir()
        env_before = os.environ.get("PYTHONPATH")
        if (root / "lib" / "nnbasics").is_dir() and root != ROOT:   # kernels import that tree's library
            os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "lib"), env_before]))
        try:
            with harness.lab_server(serve, log_dir=serve / "logs") as lab, harness.chromium() as browser:
                for dpr in dprs:
                    for nb in chosen:
                        try:
                            rows += measure_notebook(browser, lab, Path("notebooks") / nb.name, serve / "floors",
                                                     dpr, links, presses, log)
                        except Exception as e:    # one notebook that cannot run must not hide the others
                            rows.append({"kind": "app", "notebook": nb.name[:2], "app": "(notebook failed)",
                                         "dpr": dpr, "link": "-", "error": f"{type(e).__name__}: {e}"[:500]})
                            log(f"{nb.name} at dpr {dpr}: FAILED {rows[-1]['error']}")
        finally:
            if env_before is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = env_before
    if json_path is not None:
        write_json(rows, json_path, dict(notebooks=[p.name for p in chosen], dprs=list(dprs), links=list(links),
                                         presses=presses, root=str(root), seconds=round(time.time() - t0)))
    return rows


def write_json(rows, path, config):
    import ipympl
    import matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "-C", config["root"], "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or None
    meta = dict(config, commit=commit, when=time.strftime("%Y-%m-%d %H:%M"), cpus=os.cpu_count(),
                load_avg=[round(v, 2) for v in os.getloadavg()], python=platform.python_version(),
                ipympl=ipympl.__version__, matplotlib=matplotlib.__version__,
                remote_link=REMOTE, change_timeout_ms=CHANGE_TIMEOUT_MS, quiet_ms=QUIET_MS)
    path.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")


def _line(r):
    head = f"{r['notebook']} {r['app']} dpr {r['dpr']} {r['link']}: "
    if "p50_ms" not in r:
        return head + f"no picture change ({r['missed']} missed)"
    return head + (f"p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, {r['kb_per_move']:.1f} kB/move "
                   f"({r['moves']} moves, {r['missed']} missed, probe {r['probe_ms_per_frame']:.2f} ms/frame, "
                   f"{r['frames_per_s']:.0f} fps, pictures/move <= {max(r.get('pictures_per_move') or [0])}, "
                   f"load {r['load_avg_1min']})")


def table(rows):
    """A markdown table: each app beside the floors measured with it (floors' own rows are in the JSON)."""
    lines = ["| app | nb | dpr | link | p50 ms | p95 ms | ipympl floor p50 / p95 | × floor (p50, p95) | "
             "Label floor p50 | kB/move (floor) | moves |", "|" + "---|" * 11]
    for r in sorted((r for r in rows if r["kind"] == "app"), key=lambda r: (r["dpr"], r["link"] != "local")):
        if "p50_ms" not in r:
            what = " ".join((r.get("error") or "no picture change").replace("|", "/").split())[:160]
            lines.append(f"| {r['app']} | {r['notebook']} | {r['dpr']} | {r['link']} | {what} | | | | | | 0 |")
            continue
        floor = f"{r['floor_p50_ms']:.0f} / {r['floor_p95_ms']:.0f}" if "floor_p50_ms" in r else ""
        ratio = f"{r['ratio_p50']:.2f}×, {r['ratio_p95']:.2f}×" if "ratio_p50" in r else ""
        label = f"{r['label_floor_p50_ms']:.0f}" if "label_floor_p50_ms" in r else ""
        kb = f"{r['kb_per_move']:.0f}" + (f" ({r['floor_kb_per_move']:.0f})" if "floor_kb_per_move" in r else "")
        lines.append(f"| {r['app']} | {r['notebook']} | {r['dpr']} | {r['link']} | {r['p50_ms']:.0f} | "
                     f"{r['p95_ms']:.0f} | {floor} | {ratio} | {label} | {kb} | {r['moves']} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", help="comma-separated numbers, e.g. 02,07 (default: all)")
    ap.add_argument("--dpr", default="1,2", help="device pixel ratios (default 1,2)")
    ap.add_argument("--link", default="local,remote", help="local and/or remote (default both)")
    ap.add_argument("--presses", type=int, default=24, help="key presses per app and link (default 24)")
    ap.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the rows ('' for nowhere)")
    ap.add_argument("--root", default=str(ROOT), help="the tree whose notebooks/ (and lib/) are measured")
    ap.add_argument("--quick", action="store_true", help="02,07 at ratio 2, local, 12 presses")
    a = ap.parse_args(argv)
    if a.quick:
        a.notebooks, a.dpr, a.link, a.presses = a.notebooks or "02,07", "2", "local", 12
    if a.presses < 2:
        ap.error(f"--presses must be at least 2, got {a.presses}")
    try:
        dprs = [float(v) if "." in v else int(v) for v in a.dpr.split(",")]
    except ValueError:
        ap.error(f"--dpr takes numbers like 1,2; got {a.dpr!r}")
    links = a.link.split(",")
    if not set(links) <= {"local", "remote"}:
        ap.error(f"--link takes local and/or remote; got {a.link!r}")
    nbs = a.notebooks.split(",") if a.notebooks else None
    rows = run(nbs, dprs, links, a.presses, a.root, a.json or None)
    print(table(rows))
    if a.json:
        print(f"\nwritten: {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
