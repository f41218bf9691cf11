// FigureView (nnbasics/apps/figure_view.py): an app's picture, painted by the browser.
//
// A frame from the kernel: {type: "frame", bg: key, bg_ops?: [op], glyphs: [[{n: {v, c}}, buffer]],
// ops: [op | {op: "same"}]}, each op's arrays in binary buffer op.b. The background (the frozen
// parts of the figure) is kept by key and painted once per pixel ratio into an off-screen canvas;
// each frame's ops are drawn over it in display pixels (origin bottom-left, the figure's dpi),
// scaled to the canvas. Ops and arrays: nnbasics/plots/record.py. One frame, one paint, in the
// next animation frame.

const DTYPES = { i2: Int16Array, f4: Float32Array, u1: Uint8Array, u2: Uint16Array, u4: Uint32Array };
const MAX_BACKGROUNDS = 6;

function copy(dv) {           // buffers arrive as DataViews at any offset: an aligned copy
  return dv.buffer.slice(dv.byteOffset, dv.byteOffset + dv.byteLength);
}

function array(buf, ref) {
  if (!ref) return null;
  const [offset, dtype, shape] = ref;
  const n = shape.reduce((a, b) => a * b, 1);
  return new DTYPES[dtype](buf, offset, n);
}

function css(c, i = 0) {
  return `rgba(${c[4 * i]},${c[4 * i + 1]},${c[4 * i + 2]},${c[4 * i + 3] / 255})`;
}

// a Path2D from matplotlib vertices and codes (1 move, 2 line, 3 quadratic, 4 cubic, 79 close)
function path(v, c, from, to, q, dx = 0, dy = 0, p = new Path2D()) {
  for (let k = from; k < to; k++) {
    const code = c[k], x = v[2 * k] / q + dx, y = v[2 * k + 1] / q + dy;
    if (code === 1) p.moveTo(x, y);
    else if (code === 2) p.lineTo(x, y);
    else if (code === 3) {
      p.quadraticCurveTo(x, y, v[2 * k + 2] / q + dx, v[2 * k + 3] / q + dy); k += 1;
    } else if (code === 4) {
      p.bezierCurveTo(x, y, v[2 * k + 2] / q + dx, v[2 * k + 3] / q + dy,
                      v[2 * k + 4] / q + dx, v[2 * k + 5] / q + dy); k += 2;
    } else if (code === 79) p.closePath();
  }
  return p;
}

function hatchPattern(ctx, h) {      // matplotlib's hatch letters as a repeating tile (in display pixels)
  const tile = document.createElement("canvas");
  tile.width = tile.height = 12;
  const t = tile.getContext("2d"), s = tile.width;
  t.strokeStyle = `rgba(${h.color[0]},${h.color[1]},${h.color[2]},${h.color[3] / 255})`;
  t.lineWidth = h.lw;
  const count = (ch) => h.pattern.split(ch).length - 1;
  t.beginPath();
  for (let i = 0, m = count("/") + count("x"); i < m; i++) {
    for (let k = -1; k <= 1; k++) { t.moveTo((k + i / m) * s, s); t.lineTo((k + 1 + i / m) * s, 0); }
  }
  for (let i = 0, m = count("\\") + count("x"); i < m; i++) {
    for (let k = -1; k <= 1; k++) { t.moveTo((k + i / m) * s, 0); t.lineTo((k + 1 + i / m) * s, s); }
  }
  for (let i = 0, m = count("-") + count("+"); i < m; i++) { t.moveTo(0, (i + 0.5) / m * s); t.lineTo(s, (i + 0.5) / m * s); }
  for (let i = 0, m = count("|") + count("+"); i < m; i++) { t.moveTo((i + 0.5) / m * s, 0); t.lineTo((i + 0.5) / m * s, s); }
  t.stroke();
  return ctx.createPattern(tile, "repeat");
}

async function decode(op, buf) {            // arrays of one op, and its image decoded
  const d = { op };
  for (const key of ["v", "c", "s", "f", "e", "w", "mv", "mc", "ms", "mi", "p", "g", "gt", "rv", "rc", "rgba"]) {
    if (Array.isArray(op[key]) && Array.isArray(op[key][2])) d[key] = array(buf, op[key]);
  }
  if (op.op === "text") d.fill = op.f;                                     // one colour
  if (op.op === "image") {
    if (op.png) {
      d.image = await createImageBitmap(new Blob([array(buf, op.png)], { type: "image/png" }));
    } else {
      const [h, w] = op.rgba[2], c = document.createElement("canvas");
      c.width = w; c.height = h;
      c.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(d.rgba), w, h), 0, 0);
      d.image = c;
    }
  }
  return d;
}

export default {
  render({ model, el }) {
    const canvas = document.createElement("canvas");
    canvas.className = model.get("picture_class");
    canvas.style.display = "block";
    el.appendChild(canvas);
    const backgrounds = new Map();      // key -> {ops, canvas, scale}: the frozen parts, the last few
    const glyphs = new Map();           // number -> Path2D in font units
    let ops = [], bg = null, scheduled = false, queue = Promise.resolve();
    const stats = (window.__nnbFigureView = window.__nnbFigureView || { frames: 0, paints: 0, paintMs: 0 });

    function size() {
      const w = model.get("width"), h = model.get("height"), dpr = window.devicePixelRatio || 1;
      const W = Math.round(w * dpr), H = Math.round(h * dpr);
      if (canvas.width !== W || canvas.height !== H) { canvas.width = W; canvas.height = H; }
      canvas.style.width = w + "px";      // at most the output's width, the aspect kept
      canvas.style.maxWidth = "100%";
      canvas.style.height = "auto";
      return [W / w, H];
    }

    function clip(ctx, box) {
      if (!box) return;
      ctx.beginPath();
      ctx.rect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
      ctx.clip();
    }

    function style(ctx, op) {
      ctx.lineCap = op.cap || "butt";
      ctx.lineJoin = op.join || "miter";
      ctx.setLineDash(op.dash ? op.dash[1] : []);
      ctx.lineDashOffset = op.dash ? op.dash[0] : 0;
      if (op.hatch) op._hatch = op._hatch || hatchPattern(ctx, op.hatch);
    }

    function draw(ctx, d) {
      const op = d.op;
      ctx.save();
      clip(ctx, op.clip);
      style(ctx, op);
      if (op.op === "paths") {
        for (let i = 0; i < op.n; i++) {
          const p = path(d.v, d.c, d.s[i], d.s[i + 1], op.qv);
          if (d.f && d.f[4 * i + 3]) { ctx.fillStyle = css(d.f, i); ctx.fill(p); }
          if (op._hatch) { ctx.fillStyle = op._hatch; ctx.fill(p); }
          if (d.e && d.e[4 * i + 3] && d.w[i] > 0) { ctx.strokeStyle = css(d.e, i); ctx.lineWidth = d.w[i]; ctx.stroke(p); }
        }
      } else if (op.op === "markers") {
        const n = d.p.length / 2;
        for (let i = 0; i < n; i++) {
          const k = d.mi ? d.mi[i] : 0;
          const p = path(d.mv, d.mc, d.ms[k], d.ms[k + 1], 1, d.p[2 * i] / op.qp, d.p[2 * i + 1] / op.qp);
          if (d.f && d.f[4 * i + 3]) { ctx.fillStyle = css(d.f, i); ctx.fill(p); }
          if (d.e && d.e[4 * i + 3] && d.w[i] > 0) { ctx.strokeStyle = css(d.e, i); ctx.lineWidth = d.w[i]; ctx.stroke(p); }
        }
      } else if (op.op === "text") {
        const all = new Path2D();
        for (let i = 0; i < d.g.length; i++) {
          const g = glyphs.get(d.g[i]);
          const [x, y, sc, a] = [d.gt[4 * i], d.gt[4 * i + 1], d.gt[4 * i + 2], d.gt[4 * i + 3]];
          const cs = sc * Math.cos(a), sn = sc * Math.sin(a);
          if (g) all.addPath(g, new DOMMatrix([cs, sn, -sn, cs, x, y]));
        }
        if (d.rv) path(d.rv, d.rc, 0, d.rc.length, 1, 0, 0, all);
        ctx.fillStyle = css(d.fill);
        ctx.fill(all);
      } else if (op.op === "image") {
        ctx.transform(...op.t);
        ctx.imageSmoothingEnabled = !!op.smooth;
        ctx.globalAlpha = op.alpha;
        ctx.drawImage(d.image, 0, 0, 1, 1);
      }
      ctx.restore();
    }

    function background(b, W, H, s) {   // the frozen parts, painted once per size into their canvas
      if (!b.canvas || b.canvas.width !== W || b.canvas.height !== H) {
        b.canvas = document.createElement("canvas");
        b.canvas.width = W; b.canvas.height = H;
        const c = b.canvas.getContext("2d");
        c.setTransform(s, 0, 0, -s, 0, H);
        for (const d of b.ops) draw(c, d);
      }
      return b.canvas;
    }

    function paint() {
      scheduled = false;
      const t0 = performance.now();
      const [s, H] = size();
      const ctx = canvas.getContext("2d");
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      if (bg) ctx.drawImage(background(bg, canvas.width, canvas.height, s), 0, 0);
      ctx.setTransform(s, 0, 0, -s, 0, H);      // display pixels, y up, at the screen's pixel ratio
      for (const d of ops) draw(ctx, d);
      stats.paints++; stats.paintMs += performance.now() - t0;
    }

    function schedule() {
      if (!scheduled) { scheduled = true; requestAnimationFrame(paint); }
    }

    async function onFrame(msg, buffers) {
      for (const [table, i] of msg.glyphs) {
        const buf = copy(buffers[i]);
        for (const [n, g] of Object.entries(table)) {
          glyphs.set(Number(n), path(array(buf, g.v), array(buf, g.c), 0, g.c[2][0], 1));
        }
      }
      if (msg.bg_ops) {
        const bops = [];
        for (const op of msg.bg_ops) bops.push(await decode(op, copy(buffers[op.b])));
        backgrounds.delete(msg.bg);
        backgrounds.set(msg.bg, { ops: bops, canvas: null });
        while (backgrounds.size > MAX_BACKGROUNDS) backgrounds.delete(backgrounds.keys().next().value);
      }
      const next = [];
      for (let i = 0; i < msg.ops.length; i++) {
        const op = msg.ops[i];
        next.push(op.op === "same" ? ops[i] : await decode(op, copy(buffers[op.b])));
      }
      const b = backgrounds.get(msg.bg);
      if (!b) { model.send({ type: "need", bg: msg.bg }); return; }   // evicted: ask again
      bg = b;
      ops = next;
      stats.frames++;
      schedule();
    }

    const onMsg = (msg, buffers) => {
      if (msg && msg.type === "frame") queue = queue.then(() => onFrame(msg, buffers)).catch((e) => console.error(e));
    };
    model.on("msg:custom", onMsg);
    canvas.addEventListener("pointerdown", (e) => {
      const r = canvas.getBoundingClientRect();
      model.send({ type: "click", x: (e.clientX - r.left) * model.get("width") / r.width,
                   y: (e.clientY - r.top) * model.get("height") / r.height, button: e.button + 1 });
    });
    let mq = null;
    const watchDpr = () => {            // a move to another screen, or a browser zoom: repaint sharp
      if (mq) mq.removeEventListener("change", onDprChange);
      mq = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
      mq.addEventListener("change", onDprChange);
    };
    const onDprChange = () => { schedule(); watchDpr(); };
    watchDpr();
    model.on("change:width change:height", schedule);
    size();
    model.send({ type: "hello" });
    return () => {
      model.off("msg:custom", onMsg);
      if (mq) mq.removeEventListener("change", onDprChange);
    };
  },
};
