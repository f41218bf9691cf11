"""Drive the notebooks in a real browser: JupyterLab and Voila in Debian's headless Chromium.

Shared by the browser tests (tests/browser/) and the gallery (scripts/screenshots.py), so both
open, run and look at a notebook the same way:

    with lab_server(ROOT) as lab, chromium() as browser:
        nbp = run_in_lab(browser, lab, "notebooks/02_relu_tiling.ipynb")
        nbp.errors()                     # tracebacks, "Error displaying widget"
        for out in nbp.app_outputs():    # outputs holding an app's picture and a slider
            nudge_first_slider(nbp.page, out)   # -> SliderResult(changed, ...)
        nbp.close()                      # closes the page and shuts its kernel down

Pitfalls handled here: Playwright's own Chromium download does not work on this machine, so
Debian's /usr/bin/chromium is launched through executable_path; JupyterLab 4 leaves off-screen
cells unrendered (windowing mode turned off in a temporary settings dir); a restored workspace
can hide the notebook (a fresh workspace per notebook, with ?reset); autosave is turned off so
Run All never writes outputs into the committed notebooks; Run All is the menu command
'runmenu:run-all'; each notebook's kernel is shut down when its page closes.
"""
import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import present  # noqa: E402  (voila_command, voila_env, free_port, wait_for_port)

CHROMIUM = os.environ.get("NNBASICS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HOW_TO_ENABLE = ("install Debian's Chromium (sudo apt-get install chromium, giving /usr/bin/chromium; "
                 "or set NNBASICS_CHROMIUM to a Chromium binary) and the dev requirements "
                 "(pip install -r requirements-dev.txt, for playwright); .ci/run does both")
ERROR_MARKERS = ("Traceback", "Error displaying widget", "There was an error when executing cell")
KERNEL_DEATH = re.compile(r"restarting kernel|appears to have died|malloc\(\)|double free|Segmentation fault|"
                          r"core dumped|Fatal Python error|KernelRestarter")

# An "app": an output that holds a picture and a slider (ipywidgets 8 uses noUiSlider). The picture
# is the canvas the browser paints (nnbasics.apps.figure_view, class nnb-picture), or ipympl's
# canvas when NNBASICS_IPYMPL=1.
OUTPUT = ".jp-OutputArea-output"
CANVAS = ".jupyter-matplotlib-canvas-div canvas, canvas.nnb-picture"
SLIDER_HANDLE = ".noUi-handle"
APP = f"{OUTPUT}:has(.jupyter-matplotlib canvas, canvas.nnb-picture):has({SLIDER_HANDLE})"
WIDGET_OUTPUT = f"{OUTPUT}:has(.jupyter-widgets)"


def unavailable_reason():
    """Why the browser harness cannot run here (None when it can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"playwright (python) is not installed; to enable the browser tests, {HOW_TO_ENABLE}"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM}; to enable the browser tests, {HOW_TO_ENABLE}"
    return None


def _log(msg):
    if os.environ.get("NNBASICS_HARNESS_QUIET") != "1":
        print(f"[harness {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- servers -----------------------------------------------------------------------------------
@dataclass
class Server:
    url: str                          # base URL, ends with '/'
    token: str
    port: int
    proc: subprocess.Popen
    log: Path
    tmp: list = field(default_factory=list)

    def api(self, method, path, timeout=10):
        req = urllib.request.Request(self.url + path.lstrip("/"), method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def log_size(self):
        try:
            return self.log.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset):
        try:
            with open(self.log, "rb") as fh:
                fh.seek(offset)
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=3000):
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# The JupyterLab settings the suite ships (binder/postBuild installs them for Binder users):
# no widget comms over kernel subshells, whose threads make ipympl race cell execution.
SHIPPED_LAB_OVERRIDES = ROOT / "binder" / "jupyterlab_overrides.json"


def lab_settings_dir():
    """A temporary JupyterLab user settings dir: the shipped overrides, plus for the harness
    no windowing (off-screen cells rendered), no autosave, no news or update checks."""
    settings = Path(tempfile.mkdtemp(prefix="nnbasics-labsettings-"))
    plugins = {}
    if SHIPPED_LAB_OVERRIDES.exists():
        plugins.update(json.loads(SHIPPED_LAB_OVERRIDES.read_text()))
    for plugin, body in {
            "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
            "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
            "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    }.items():
        plugins.setdefault(plugin, {}).update(body)
    for plugin, body in plugins.items():
        package, name = plugin.split(":")
        d = settings / package
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.jupyterlab-settings").write_text(json.dumps(body))
    return settings


def _wait_http(server, path, timeout=120):
    t0 = time.time()
    last = None
    while time.time() - t0 < timeout:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited ({server.proc.returncode}):\n{server.log_tail()}")
        try:
            server.api("GET", path, timeout=5)
            return
        except Exception as e:  # not up yet
            last = e
            time.sleep(0.3)
    raise TimeoutError(f"{server.url}{path} did not answer in {timeout} s ({last}):\n{server.log_tail()}")


@contextlib.contextmanager
def lab_server(root=ROOT, log_dir=None):
    """JupyterLab on a free 127.0.0.1 port with a random token, serving ``root``."""
    port = present.free_port()
    token = secrets.token_hex(16)
    settings = lab_settings_dir()
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="nnbasics-lab-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "lab.log"
    jupyter = Path(sys.executable).parent / "jupyter"
    cmd = [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.root_dir={root}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(settings / "workspaces"))
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=root)
    server = Server(f"http://127.0.0.1:{port}/", token, port, proc, log, [settings])
    try:
        _wait_http(server, "api/status")
        _log(f"JupyterLab up on port {port}")
        yield server
    finally:
        _stop(proc)
        shutil.rmtree(settings, ignore_errors=True)


@contextlib.contextmanager
def voila_server(target, log_dir=None, template="projector"):
    """Voila (as `make present` starts it) on a free port: a notebook or a directory of them."""
    port = present.free_port()
    token = secrets.token_hex(16)
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="nnbasics-voila-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"voila-{port}.log"
    target = Path(target).resolve()
    cmd = present.voila_command(target, port, token, template=template)
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=present.voila_env(),
                                cwd=target if target.is_dir() else target.parent)
    server = Server(f"http://127.0.0.1:{port}/", token, port, proc, log)
    try:
        present.wait_for_port(port, proc, timeout=60)
        _log(f"Voila up on port {port} ({target.name})")
        yield server
    finally:
        _stop(proc)


@contextlib.contextmanager
def chromium():
    """One headless Debian Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


# -- a notebook in a page ----------------------------------------------------------------------
@dataclass
class NotebookPage:
    page: object
    kind: str                 # 'lab' or 'voila'
    name: str
    seconds: float = 0.0
    server: Server = None
    path: str = ""
    log_offset: int = 0       # where the server log stood when the page opened

    def kernel_deaths(self):
        """Signs that the kernel died: JupyterLab's dialog, or the server log's restarts/crashes."""
        signs = [t for t in self.page.locator(".jp-Dialog").all_inner_texts() if re.search(r"died|[Rr]estart", t)]
        if self.server is not None:
            log = self.server.log_since(self.log_offset)
            signs += [ln for ln in log.splitlines() if KERNEL_DEATH.search(ln)]
        return signs

    def outputs_text(self):
        return "\n".join(self.page.locator(OUTPUT).all_inner_texts())

    def errors(self, scope=None):
        """Snippets around every error marker in the outputs (or in ``scope``, a locator)."""
        text = "\n".join(scope.all_inner_texts()) if scope is not None else self.outputs_text()
        found = []
        for marker in ERROR_MARKERS:
            for m in re.finditer(re.escape(marker), text):
                found.append(text[max(0, m.start() - 300):m.start() + 1200])
        return found

    def app_outputs(self):
        """Locators of the outputs that hold an app's picture (see APP) and a slider, in page order."""
        loc = self.page.locator(APP)
        return [loc.nth(i) for i in range(loc.count())]

    def widget_outputs(self):
        loc = self.page.locator(WIDGET_OUTPUT)
        return [loc.nth(i) for i in range(loc.count())]

    def close(self):
        with contextlib.suppress(Exception):
            self.page.close()
        if self.kind == "lab" and self.server is not None:
            with contextlib.suppress(Exception):
                for s in self.server.api("GET", "api/sessions"):
                    if s.get("path") == self.path:
                        self.server.api("DELETE", f"api/sessions/{s['id']}")


def new_page(browser, width=1280, height=900, device_scale_factor=1):
    """A page in a browser context of its own (``page.context``; closing the page closes it) at
    ``device_scale_factor`` (a HiDPI screen: 2)."""
    page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=device_scale_factor)
    page.set_default_timeout(60_000)
    return page


def run_in_lab(browser, lab, relpath, timeout=600, width=1280, height=900):
    """Open ``relpath`` (relative to the Lab root) in a fresh workspace, Run All, wait until idle.

    Raises TimeoutError when the kernel is still busy after ``timeout`` seconds.
    """
    return run_page_in_lab(new_page(browser, width, height), lab, relpath, timeout)


def run_page_in_lab(page, lab, relpath, timeout=600):
    """:func:`run_in_lab` in a page the caller made (e.g. :func:`new_page` at another pixel
    ratio, with its listeners already attached)."""
    relpath = Path(relpath).as_posix()
    name = Path(relpath).stem
    nbp = NotebookPage(page, "lab", name, server=lab, path=relpath, log_offset=lab.log_size())
    t0 = time.time()
    page.goto(f"{lab.url}lab/workspaces/t-{name}-{secrets.token_hex(3)}/tree/{relpath}?reset&token={lab.token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    time.sleep(1)
    if page.locator(".jp-Dialog .jp-mod-accept").count():
        page.click(".jp-Dialog .jp-mod-accept")       # e.g. a kernel choice
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-item[data-command='runmenu:run-all']")
    time.sleep(1.5)
    idle_since = None
    while True:
        busy = page.locator(".jp-InputArea-prompt:has-text('[*]')").count()
        idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count()
        if not busy and idle:
            idle_since = idle_since or time.time()
            if time.time() - idle_since > 1.0:     # idle twice, a second apart
                break
        else:
            idle_since = None
        if time.time() - t0 > timeout:
            nbp.seconds = time.time() - t0
            raise TimeoutError(f"{relpath}: kernel still busy after {timeout} s in JupyterLab")
        time.sleep(0.5)
    nbp.seconds = time.time() - t0
    _settle_widgets(page)
    _log(f"lab: {relpath} ran in {nbp.seconds:.0f} s")
    return nbp


def open_in_voila(browser, voila, relpath=None, timeout=600, width=1280, height=900):
    """Open a notebook in Voila (``relpath`` under its root dir, or None when Voila serves one
    notebook) and wait until every cell has run and the widgets are drawn."""
    page = new_page(browser, width, height)
    name = Path(relpath).stem if relpath else "voila"
    nbp = NotebookPage(page, "voila", name, server=voila, path=relpath or "", log_offset=voila.log_size())
    url = f"{voila.url}voila/render/{Path(relpath).as_posix()}" if relpath else voila.url
    t0 = time.time()
    page.goto(f"{url}?token={voila.token}", timeout=timeout * 1000, wait_until="commit")
    # voila_finish() shows #rendered_cells once the last cell has run.
    page.wait_for_selector("#rendered_cells", state="visible", timeout=timeout * 1000)
    page.wait_for_load_state("load", timeout=timeout * 1000)
    nbp.seconds = time.time() - t0
    _settle_widgets(page)
    _log(f"voila: {name} rendered in {nbp.seconds:.0f} s")
    return nbp


def _settle_widgets(page, timeout=30):
    """Wait until no widget is still 'Loading widget...' and every ipympl canvas has a picture."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        pending = page.evaluate("""() => {
            const loading = [...document.querySelectorAll('.jp-OutputArea-output')]
                .filter(e => /Loading widget\\.\\.\\./.test(e.innerText)).length;
            const blank = [...document.querySelectorAll('.jupyter-matplotlib-canvas-div canvas:first-child')]
                .filter(c => c.width === 0 || c.height === 0).length;
            return loading + blank;
        }""")
        if not pending:
            return
        time.sleep(0.3)


# -- pictures and sliders ----------------------------------------------------------------------
_PICTURE_JS = """els => els.map(c => {
    const d = c.toDataURL('image/png'); let h = 0;
    for (let i = 0; i < d.length; i++) { h = (Math.imul(h, 31) + d.charCodeAt(i)) | 0; }
    return c.width + 'x' + c.height + ':' + d.length + ':' + h;
}).join('|')"""


def picture(output):
    """A fingerprint of the pixels of every ipympl canvas inside ``output`` (via toDataURL)."""
    return output.locator(CANVAS).evaluate_all(_PICTURE_JS)


def wait_stable_picture(output, timeout=20, quiet=1.0):
    """The fingerprint once it stopped changing for ``quiet`` seconds (the figure is drawn)."""
    t0 = time.time()
    last, since = picture(output), time.time()
    while time.time() - t0 < timeout:
        time.sleep(0.25)
        now = picture(output)
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= quiet:
            break
    return last


@dataclass
class SliderResult:
    changed: bool
    key: str                  # the arrow key that changed the picture (or the last one tried)
    readout_before: str
    readout_after: str
    seconds: float            # from the first key press to the changed picture (presses 80 ms apart)
    errors: list


def nudge_first_slider(page, output, presses=3, timeout=20):
    """Focus the first slider in ``output``, press ArrowRight ``presses`` times; if the picture
    did not change (a slider already at its maximum), press ArrowLeft twice as often.
    Returns a SliderResult; errors lists error markers that appeared in the output."""
    output.scroll_into_view_if_needed()
    before = wait_stable_picture(output)
    handle = output.locator(SLIDER_HANDLE).first
    readout = output.locator(".widget-readout").first
    read = (lambda: readout.inner_text()) if readout.count() else (lambda: "")
    r0 = read()
    t0 = time.time()
    key = "ArrowRight"
    changed = False
    for key, n in (("ArrowRight", presses), ("ArrowLeft", 2 * presses)):
        handle.focus()
        t0 = time.time()
        for _ in range(n):
            page.keyboard.press(key)
            time.sleep(0.08)
        while time.time() - t0 < timeout:
            if picture(output) != before:
                changed = True
                break
            time.sleep(0.2)
        if changed:
            break
    seconds = time.time() - t0
    if changed:
        wait_stable_picture(output, timeout=timeout)
    text = "\n".join(output.all_inner_texts())
    errors = [m for m in ERROR_MARKERS if m in text]
    return SliderResult(changed, key, r0, read(), seconds, errors)


def screenshot_output(output, path, max_bytes=300_000, pad=12):
    """A PNG of ``output`` (an output area element) cropped to what it draws (the blank right
    part of a wide output is cut off); quantized with Pillow if over ``max_bytes``. Its size."""
    output.scroll_into_view_if_needed()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    output.screenshot(path=str(path), animations="disabled")
    autocrop(path, pad)
    return shrink_png(path, max_bytes)


def autocrop(path, pad=12):
    """Crop the PNG at ``path`` to the box of pixels that differ from its corner colour, plus ``pad``."""
    from PIL import Image, ImageChops

    img = Image.open(path).convert("RGB")
    bg = Image.new("RGB", img.size, img.getpixel((img.width - 1, img.height - 1)))
    diff = ImageChops.difference(img, bg).convert("L").point(lambda v: 255 if v > 8 else 0)
    box = diff.getbbox()
    if box:
        box = (max(0, box[0] - pad), max(0, box[1] - pad), min(img.width, box[2] + pad),
               min(img.height, box[3] + pad))
        img.crop(box).save(path, optimize=True)


def shrink_png(path, max_bytes=300_000):
    """Make the PNG at ``path`` smaller than ``max_bytes`` (optimise, then fewer colours); its size."""
    path = Path(path)
    if path.stat().st_size <= max_bytes:
        return path.stat().st_size
    from PIL import Image

    img = Image.open(path).convert("RGB")
    for colors in (256, 128, 64, 32):
        img.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, optimize=True)
        if path.stat().st_size <= max_bytes:
            break
    return path.stat().st_size
