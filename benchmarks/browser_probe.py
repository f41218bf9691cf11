"""The in-page instrument of benchmarks/browser_latency.py: key press -> changed pixels, bytes per move.

    meter = WsMeter(page)                    # before the page opens its kernel websocket
    page.context.add_init_script(WS_DELAY_JS)   # lets set_link(page, "remote") delay its messages
    t = Target("app", page, meter, output)    # a probe on the output's canvases / SVGs / text
    interleave([t, ...], presses=24)          # -> one result dict per target (latencies, bytes)

A Target presses its output's first slider (ArrowRight, ArrowLeft, ... so it moves between two
values) and times, in the page, from the keydown event to the first animation frame at which
a fingerprint of the watched elements differs: every frame, each canvas is scaled down to at
most 256 px and hashed (about 1-2 ms per frame at pixel ratio 2); SVG markup and text are
hashed only when the DOM changed. Bytes per move: the payloads of the kernel websocket between
one press and the end of its settle (Playwright's framereceived).
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from browser_harness import SLIDER_HANDLE  # noqa: E402

REMOTE = {"offline": False, "latency": 80, "downloadThroughput": 10e6 / 8, "uploadThroughput": 5e6 / 8}
LOCAL = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
CHANGE_TIMEOUT_MS = 8000
QUIET_MS, QUIET_MAX_MS, AFTER_MS = 200, 4000, 100

# The in-page probe: one requestAnimationFrame loop that fingerprints the watched elements.
PROBE_JS = """([name, root, selector, maxDim]) => {
  const all = window.__nnbProbes = window.__nnbProbes || {};
  if (all[name]) all[name].stop();
  const smalls = new Map(), mix = (h, v) => Math.imul(h ^ v, 16777619);
  let domDirty = true, domHash = 0;
  const P = {armed: false, base: 0, last: 0, tKey: null, tChange: null, lastChangeAt: performance.now(), changes: 0,
             frames: 0, cost: 0, t0: performance.now(), running: true, waiters: []};
  const mo = new MutationObserver(() => { domDirty = true; });
  mo.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
  function fingerprint() {
    const els = root.querySelectorAll(selector);
    if (domDirty) {            // SVG markup and text: hashed only when the DOM changed
      domHash = 0;
      for (const el of els) {
        if (el instanceof HTMLCanvasElement || (el instanceof SVGElement && el.ownerSVGElement)) continue;
        const s = el instanceof SVGElement ? el.outerHTML : el.textContent;
        for (let i = 0; i < s.length; i++) domHash = mix(domHash, s.charCodeAt(i));
      }
      domDirty = false;
    }
    let h = mix(0x811c9dc5 | 0, domHash);
    for (const el of els) {    // each canvas scaled down to at most maxDim px, then hashed
      if (!(el instanceof HTMLCanvasElement)) continue;
      const w = el.width, hh = el.height;
      h = mix(mix(h, w), hh);
      if (!w || !hh) continue;
      const k = Math.max(1, Math.max(w, hh) / maxDim);
      const sw = Math.max(1, Math.round(w / k)), sh = Math.max(1, Math.round(hh / k)), key = sw + 'x' + sh;
      let c = smalls.get(key);
      if (!c) {
        const cv = document.createElement('canvas'); cv.width = sw; cv.height = sh;
        c = cv.getContext('2d', {willReadFrequently: true}); c.imageSmoothingQuality = 'medium';
        smalls.set(key, c);
      }
      c.clearRect(0, 0, sw, sh);
      c.drawImage(el, 0, 0, sw, sh);
      const d = new Int32Array(c.getImageData(0, 0, sw, sh).data.buffer);
      for (let i = 0; i < d.length; i++) h = mix(h, d[i]);
    }
    return h;
  }
  function frame(ts) {
    if (!P.running) return;
    const c0 = performance.now(), h = fingerprint();
    P.cost += performance.now() - c0; P.frames++;
    if (h !== P.last) {
      P.last = h; P.lastChangeAt = ts; P.changes++;
      if (P.armed && P.tChange === null && P.tKey !== null && h !== P.base) P.tChange = ts;
    }
    P.waiters = P.waiters.filter(w => !w(ts));
    requestAnimationFrame(frame);
  }
  const onKey = e => { if (P.armed && P.tKey === null) P.tKey = e.timeStamp; };
  document.addEventListener('keydown', onKey, true);
  P.stop = () => { P.running = false; mo.disconnect(); document.removeEventListener('keydown', onKey, true); };
  P.arm = () => { P.base = P.last = fingerprint(); P.tKey = P.tChange = null; P.changes = 0; P.armed = true; };
  // resolves once the frame-loop predicate holds, or after maxMs (also by a timer, should frames stall)
  const until = (pred, maxMs) => new Promise(res => {
    const start = performance.now();
    const check = ts => {
      if (!pred(ts) && ts - start <= maxMs) return false;
      clearTimeout(timer); res(); return true;
    };
    const timer = setTimeout(() => { P.waiters = P.waiters.filter(w => w !== check); res(); }, maxMs + 1000);
    P.waiters.push(check);
  });
  P.quiet = async (quietMs, maxMs) => {
    await until(ts => ts - P.lastChangeAt >= quietMs, maxMs);
    return performance.now() - P.lastChangeAt >= quietMs;
  };
  // after a key press: the first changed frame, then quiet again
  P.result = async (timeoutMs, quietMs, maxMs) => {
    await until(() => P.tChange !== null, timeoutMs);
    P.armed = false;
    const r = {changed: P.tChange !== null, tKey: P.tKey, tChange: P.tChange};
    if (r.changed) r.quiet = await P.quiet(quietMs, maxMs);
    r.pictures = P.changes;        // distinct pictures shown for this move (1: no flicker)
    return r;
  };
  P.stats = () => ({frames: P.frames, costMs: P.cost, seconds: (performance.now() - P.t0) / 1000});
  P.last = fingerprint();
  all[name] = P;
  requestAnimationFrame(frame);
  return true;
}"""

# The remote link's latency (Chromium's emulation does not delay websocket frames: the Label floor took
# 26 ms locally, 34 ms with 80 ms "latency"): kernel websocket messages held half the round trip each way.
WS_DELAY_JS = """(() => {
  const Native = window.WebSocket;
  window.__nnbWsDelay = 0;           // one-way delay (ms) of kernel websocket messages
  const isKernel = url => /\\/api\\/kernels\\//.test(String(url));
  class DelayedWebSocket extends Native {
    constructor(url, protocols) { super(url, protocols); this.__kernel = isKernel(url); this.__wrapped = new Map(); }
    __later(fn) { const d = this.__kernel ? window.__nnbWsDelay : 0; if (d > 0) setTimeout(fn, d); else fn(); }
    send(data) { this.__later(() => { if (this.readyState === 1) super.send(data); }); }
    set onmessage(fn) {
      this.__onmessage = fn; super.onmessage = fn ? ev => this.__later(() => fn.call(this, ev)) : null;
    }
    get onmessage() { return this.__onmessage || null; }
    addEventListener(type, fn, opts) {
      if (type !== 'message' || !fn) return super.addEventListener(type, fn, opts);
      const w = ev => this.__later(() => (typeof fn === 'function' ? fn.call(this, ev) : fn.handleEvent(ev)));
      this.__wrapped.set(fn, w);
      return super.addEventListener(type, w, opts);
    }
    removeEventListener(type, fn, opts) {
      return super.removeEventListener(type, (type === 'message' && this.__wrapped.get(fn)) || fn, opts);
    }
  }
  window.WebSocket = DelayedWebSocket;
})()"""

class WsMeter:
    """Bytes and frames the page's kernel websockets deliver (and send), counted as they pass."""

    def __init__(self, page):
        self.bytes_in = self.frames_in = self.bytes_out = 0
        page.on("websocket", lambda ws: "/api/kernels/" in ws.url and (ws.on("framereceived", self._rx),
                                                                        ws.on("framesent", self._tx)))

    def _rx(self, payload):
        self.bytes_in += len(payload) if isinstance(payload, bytes) else len(payload.encode("utf-8"))
        self.frames_in += 1

    def _tx(self, payload):
        self.bytes_out += len(payload) if isinstance(payload, bytes) else len(payload.encode("utf-8"))

    def snapshot(self):
        return self.bytes_in, self.frames_in, self.bytes_out


_CDP = {}     # id(page) -> its CDP session (dropped by forget_page when the page closes)


def forget_page(page):
    _CDP.pop(id(page), None)


def set_link(page, link):
    """Switch the page's network emulation to ``link`` ('local' or 'remote')."""
    if link not in ("local", "remote"):
        raise ValueError(f"link must be 'local' or 'remote', got {link!r}")
    cdp = _CDP.get(id(page))
    if cdp is None:
        cdp = _CDP[id(page)] = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", REMOTE if link == "remote" else LOCAL)
    page.evaluate(f"() => {{ window.__nnbWsDelay = {REMOTE['latency'] / 2 if link == 'remote' else 0}; }}")


class Target:
    """One thing whose first slider gets pressed: an output in a page, watched by a named probe."""

    def __init__(self, name, page, meter, output, selector="canvas, svg", max_dim=256):
        self.name, self.page, self.meter, self.output = name, page, meter, output
        self.js = f"window.__nnbProbes[{json.dumps(name)}]"
        output.scroll_into_view_if_needed()
        self.handle = output.locator(SLIDER_HANDLE).first
        page.evaluate(PROBE_JS, [name, output.element_handle(), selector, max_dim])
        self.quiet_before = page.evaluate(f"() => {self.js}.quiet(1000, {QUIET_MAX_MS * 2})")
        now, hi = (float(self.handle.get_attribute(a) or 0) for a in ("aria-valuenow", "aria-valuemax"))
        self.keys = ["ArrowLeft", "ArrowRight"] if now >= hi else ["ArrowRight", "ArrowLeft"]
        self.lat, self.bytes_in, self.frames_in, self.bytes_out, self.pictures = [], [], [], [], []
        self.missed = self.not_quiet = 0

    def press(self, i):
        """Press once (ArrowRight and ArrowLeft alternate), wait for the picture and a settle."""
        if self.missed >= 3 and not self.lat:
            return            # the slider does not change the picture: stop trying
        self.handle.focus()
        self.page.evaluate(f"() => {self.js}.arm()")
        b0, f0, s0 = self.meter.snapshot()
        self.page.keyboard.press(self.keys[i % 2])
        r = self.page.evaluate(f"() => {self.js}.result({CHANGE_TIMEOUT_MS}, {QUIET_MS}, {QUIET_MAX_MS})")
        self.page.wait_for_timeout(AFTER_MS)     # trailing messages (kernel idle) belong to this move
        b1, f1, s1 = self.meter.snapshot()
        if not r["changed"]:
            self.missed += 1
            return
        self.not_quiet += not r["quiet"]
        self.lat.append(r["tChange"] - r["tKey"])
        self.bytes_in.append(b1 - b0)
        self.frames_in.append(f1 - f0)
        self.bytes_out.append(s1 - s0)
        self.pictures.append(r["pictures"])

    def result(self):
        stats = self.page.evaluate(f"() => {{ const s = {self.js}.stats(); {self.js}.stop(); return s; }}")
        out = {"moves": len(self.lat), "missed": self.missed, "quiet_before": bool(self.quiet_before),
               "not_quiet_after": self.not_quiet, "probe_ms_per_frame": stats["costMs"] / max(1, stats["frames"]),
               "frames_per_s": stats["frames"] / max(1e-9, stats["seconds"]),
               "latency_ms": [round(v, 1) for v in self.lat], "bytes_in": self.bytes_in,
               "ws_frames_in": self.frames_in, "bytes_out": self.bytes_out, "pictures_per_move": self.pictures}
        if self.lat:
            out.update(p50_ms=float(np.percentile(self.lat, 50)), p95_ms=float(np.percentile(self.lat, 95)),
                       kb_per_move=float(np.median(self.bytes_in)) / 1000, kb_max=max(self.bytes_in) / 1000)
        return out


def interleave(targets, presses):
    """Press each target in turn, ``presses`` rounds, so all of them meet the same machine load."""
    for i in range(presses):
        for t in targets:
            t.press(i)
    return [t.result() for t in targets]
