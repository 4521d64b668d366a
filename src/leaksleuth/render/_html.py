"""The HTML report: one self-contained file that opens offline.

It embeds the JSON report (``Report.to_dict()``, the same data as ``--json``) and a small
hand-written script that draws one SVG chart per signal from it: the series, the
warm-up region, the trend line after warm-up and the verdict, with the value under the
pointer. No library and no CDN: a few hundred lines of plain script are smaller than
any charting library and cannot fail to load. Series longer than ``MAX_POINTS`` are
reduced to each bucket's first, lowest and highest points, so spikes survive and the
file stays small for any run length.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any, Dict, List, Sequence

from leaksleuth.report import Report

EXTENSION = ".html"
MAX_POINTS = 2000


def _reduce(xs: Sequence[int], ys: Sequence[Any], limit: int) -> List[int]:
    """Indexes to keep: all when few, else per bucket the first, min and max points."""
    n = len(xs)
    if n <= limit:
        return list(range(n))
    buckets = max(1, limit // 3)
    size = n / buckets
    keep: List[int] = []
    for b in range(buckets):
        lo, hi = int(b * size), min(n, int((b + 1) * size))
        idx = [i for i in range(lo, hi) if isinstance(ys[i], (int, float))]
        if not idx:
            continue
        chosen = {idx[0], min(idx, key=lambda i: ys[i]), max(idx, key=lambda i: ys[i])}
        keep.extend(sorted(chosen))
    return keep


def _data(report: Report) -> Dict[str, Any]:
    data = report.to_dict()
    xs = list(report.iterations)
    charts: Dict[str, Any] = {}
    for name, values in report.series.items():
        ys = [None if (v is None or math.isnan(v)) else v for v in values]
        if all(y is None for y in ys):
            continue
        keep = _reduce(xs, ys, MAX_POINTS)
        charts[name] = {"x": [xs[i] for i in keep], "y": [ys[i] for i in keep]}
    data.pop("series", None)
    data.pop("iterations", None)
    data.pop("phase", None)
    data["charts"] = charts
    return data


def render(report: Report) -> str:
    """The report as one HTML page."""
    payload = json.dumps(_data(report), allow_nan=False, separators=(",", ":"))
    payload = payload.replace("</", "<\\/")  # never closes the script element early
    title = html.escape(f"leaksleuth: {report.target}")
    return _PAGE.replace("{{TITLE}}", title).replace("{{DATA}}", payload)


def embed(report: Report, *, height: int = 640) -> str:
    """The same page inside an iframe, for a notebook's output: its style and script
    stay inside the frame, and the page sizes the frame to itself where the notebook
    lets it (else the frame scrolls, ``height`` pixels tall)."""
    page = html.escape(render(report), quote=True)
    return (
        f'<iframe srcdoc="{page}" title="{html.escape(f"leaksleuth: {report.target}")}" '
        f'style="width: 100%; height: {height}px; border: 1px solid #d7dde4; '
        'border-radius: 4px;"></iframe>'
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{{TITLE}}</title>
<style>
:root { --fg:#1d232b; --muted:#5d6875; --line:#d7dde4; --leak:#c0392b; --ok:#2e7d32;
        --warn:#b26a00; --accent:#1f5fa8; --bg:#fff; --band:#f3f5f8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; padding: 24px 32px 48px; max-width: 1180px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.muted { color: var(--muted); } code, pre { font: 12.5px/1.4 ui-monospace, Menlo, monospace; }
.verdict { border-left: 6px solid var(--muted); background: var(--band); padding: 12px 16px;
           margin: 16px 0; border-radius: 4px; }
.verdict.leak { border-color: var(--leak); } .verdict.flat, .verdict.plateau { border-color: var(--ok); }
.verdict.inconclusive { border-color: var(--warn); }
.status { font-weight: 700; letter-spacing: .04em; text-transform: uppercase; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px; }
.chart { border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px 4px; }
.chart h3 { font-size: 13px; margin: 0 0 2px; display: flex; justify-content: space-between; }
.chart svg { width: 100%; height: 150px; display: block; }
.chart .readout { font-size: 12px; color: var(--muted); height: 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.suspect { border: 1px solid var(--line); border-radius: 4px; padding: 10px 14px; margin: 10px 0; }
.suspect pre { background: var(--band); padding: 6px 8px; overflow-x: auto; margin: 6px 0; }
.path { font-family: ui-monospace, Menlo, monospace; font-size: 12.5px; }
ul.notes li { margin: 2px 0; }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div class="muted" id="subtitle"></div>
</header>
<section id="verdict" class="verdict"></section>
<div id="diagnoses"></div>
<div id="leaks"></div>
<div id="routes"></div>
<h2>Signals per iteration</h2>
<p class="muted">Shaded: warm-up. Dashed: the trend after warm-up. Move the pointer over a chart to
read values.</p>
<div class="charts" id="charts"></div>
<h2>Which memory grows</h2>
<div id="memory"></div>
<h2>Suspects</h2>
<div id="suspects"></div>
<div id="native"></div>
<div id="gpu"></div>
<div id="types"></div>
<h2>Notes</h2>
<ul class="notes" id="notes"></ul>
<script type="application/json" id="report-data">{{DATA}}</script>
<script>
"use strict";
(function () {
  const R = JSON.parse(document.getElementById("report-data").textContent);
  const el = (tag, attrs, ...kids) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const kid of kids) node.append(kid instanceof Node ? kid : String(kid));
    return node;
  };
  const SVG = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs) => {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    return node;
  };
  const UNITS = { bytes: ["B", "KiB", "MiB", "GiB", "TiB"] };
  function fmt(v, unit) {
    if (v === null || v === undefined || Number.isNaN(v)) return "n/a";
    if (unit === "bytes") {
      let a = Math.abs(v), i = 0;
      while (a >= 1024 && i < 4) { a /= 1024; i++; }
      const s = (v < 0 ? -a : a);
      return (i === 0 ? s.toFixed(0) : s.toFixed(a < 10 ? 2 : 1)) + " " + UNITS.bytes[i];
    }
    if (unit === "seconds") return (v * 1000).toFixed(v < 0.01 ? 3 : 1) + " ms";
    const r = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
    return Number(r).toLocaleString("en") + (unit ? " " + unit : "");
  }
  const LABELS = { wall: ["iteration time", "seconds"], rss: ["RSS", "bytes"],
    py_blocks: ["pymalloc blocks", "blocks"], malloc: ["C heap in use", "bytes"],
    traced: ["traced Python bytes", "bytes"], gc_objects: ["gc objects", "objects"],
    malloc_free: ["allocator free (retained)", "bytes"], fds: ["open descriptors", "descriptors"],
    threads: ["live threads", "threads"], tasks: ["asyncio tasks", "tasks"],
    gpu_allocated: ["GPU allocated", "bytes"], gpu_reserved: ["GPU reserved", "bytes"],
    gpu_process: ["GPU (process, NVML)", "bytes"] };
  const trends = {};
  for (const t of (R.verdict.signals || [])) trends[t.signal] = t;

  // -- header and verdict ------------------------------------------------------------
  document.getElementById("title").textContent = "leaksleuth: " + R.target;
  const v = R.verdict;
  const meta = R.meta || {};
  document.getElementById("subtitle").textContent =
    [meta.program ? "program " + meta.program : "", meta.python ? "Python " + meta.python : "",
     meta.host ? "host " + meta.host : "", v.iterations_measured + " iterations measured"]
      .filter(Boolean).join(" · ");
  const box = document.getElementById("verdict");
  box.classList.add(v.status);
  const rate = !Number.isFinite(v.bytes_per_iteration) || (v.status === "inconclusive" && !v.bytes_per_iteration) ? "" :
    " " + (v.bytes_per_iteration >= 0 ? "+" : "") + fmt(v.bytes_per_iteration, "bytes") +
    " per iteration (" + Math.round(v.confidence * 100) + "% CI " + fmt(v.ci_low, "bytes") +
    " to " + fmt(v.ci_high, "bytes") + ")";
  box.append(el("div", {}, el("span", { class: "status", id: "verdict-status" }, v.status), rate));
  box.append(el("div", {}, v.reason));
  if (v.kind) box.append(el("div", { class: "muted" }, "which memory: " + v.kind));
  if (v.warmup_end > 1) box.append(el("div", { class: "muted" }, "warm-up ends at iteration " + v.warmup_end));
  if (v.more_iterations_needed) box.append(el("div", { class: "muted" },
    "about " + v.more_iterations_needed + " more iterations would likely decide"));

  // -- charts -----------------------------------------------------------------------
  const W = 360, H = 150, PAD = { l: 8, r: 8, t: 8, b: 16 };
  function chart(name, series) {
    const [label, unit] = LABELS[name] || [name, ""];
    const xs = series.x, ys = series.y;
    const pts = xs.map((x, i) => [x, ys[i]]).filter(p => p[1] !== null);
    if (pts.length < 2) return null;
    const x0 = pts[0][0], x1 = pts[pts.length - 1][0];
    let lo = Math.min(...pts.map(p => p[1])), hi = Math.max(...pts.map(p => p[1]));
    if (hi === lo) { hi += 1; lo -= 1; }
    const sx = x => PAD.l + (x - x0) / Math.max(1, x1 - x0) * (W - PAD.l - PAD.r);
    const sy = y => H - PAD.b - (y - lo) / (hi - lo) * (H - PAD.t - PAD.b);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none",
                              role: "img", "aria-label": label, "data-signal": name });
    const t = trends[name];
    if (t && t.warmup_end > x0) {
      root.append(svg("rect", { x: sx(x0), y: PAD.t, width: Math.max(0, sx(Math.min(t.warmup_end, x1)) - sx(x0)),
                                height: H - PAD.t - PAD.b, fill: "#eef1f5" }));
    }
    const d = pts.map((p, i) => (i ? "L" : "M") + sx(p[0]).toFixed(1) + " " + sy(p[1]).toFixed(1)).join("");
    root.append(svg("path", { d, fill: "none", stroke: "#1f5fa8", "stroke-width": 1.4,
                              "vector-effect": "non-scaling-stroke", class: "series" }));
    if (t && Number.isFinite(t.slope)) {
      const after = pts.filter(p => p[0] >= t.warmup_end);
      if (after.length >= 2) {
        const mid = after[Math.floor(after.length / 2)];
        const yAt = x => mid[1] + t.slope * (x - mid[0]);
        const a = after[0][0], b = after[after.length - 1][0];
        root.append(svg("line", { x1: sx(a), y1: sy(yAt(a)), x2: sx(b), y2: sy(yAt(b)),
          stroke: t.status === "leak" ? "#c0392b" : "#2e7d32", "stroke-dasharray": "5 4",
          "stroke-width": 1.2, "vector-effect": "non-scaling-stroke", class: "trend" }));
      }
    }
    const cursor = svg("line", { y1: PAD.t, y2: H - PAD.b, stroke: "#888", "stroke-width": 0.8,
                                 visibility: "hidden", "vector-effect": "non-scaling-stroke" });
    root.append(cursor);
    const readout = el("div", { class: "readout" }, "");
    root.addEventListener("mousemove", ev => {
      const box = root.getBoundingClientRect();
      const x = x0 + (ev.clientX - box.left) / box.width * W / (W - PAD.l - PAD.r) * (x1 - x0)
                - PAD.l / (W - PAD.l - PAD.r) * (x1 - x0);
      let best = pts[0];
      for (const p of pts) if (Math.abs(p[0] - x) < Math.abs(best[0] - x)) best = p;
      cursor.setAttribute("x1", sx(best[0])); cursor.setAttribute("x2", sx(best[0]));
      cursor.setAttribute("visibility", "visible");
      readout.textContent = "iteration " + best[0] + ": " + fmt(best[1], unit);
    });
    root.addEventListener("mouseleave", () => { cursor.setAttribute("visibility", "hidden");
                                                 readout.textContent = ""; });
    const status = t ? t.status + (Number.isFinite(t.slope) ? ", " + fmt(t.slope, unit) + "/iteration" : "") : "";
    return el("div", { class: "chart" },
      el("h3", {}, el("span", {}, label), el("span", { class: "muted" }, status)),
      root, el("div", { class: "muted", style: "font-size:12px" },
        fmt(pts[0][1], unit) + " → " + fmt(pts[pts.length - 1][1], unit) +
        " over iterations " + x0 + "–" + x1), readout);
  }
  const charts = document.getElementById("charts");
  const order = ["rss", "py_blocks", "malloc", "traced", "gc_objects", "malloc_free", "fds",
                 "threads", "tasks", "gpu_allocated", "gpu_reserved", "gpu_process", "wall"];
  for (const name of order) if (R.charts[name]) { const c = chart(name, R.charts[name]); if (c) charts.append(c); }

  // -- memory decomposition -----------------------------------------------------------
  const mem = R.memory || [];
  if (mem.length) {
    const table = el("table", {}, el("tr", {}, el("th", {}, "memory"), el("th", {}, "status"),
      el("th", {}, "per iteration"), el("th", {}, "share of RSS growth")));
    for (const m of mem) table.append(el("tr", {}, el("td", {}, m.label), el("td", {}, m.status || "-"),
      el("td", { class: "num" }, fmt(m.per_iteration, m.unit)),
      el("td", { class: "num" }, m.share_of_rss === null || m.share_of_rss === undefined ? "" :
        Math.round(m.share_of_rss * 100) + "%")));
    document.getElementById("memory").append(table);
  } else document.getElementById("memory").append(el("p", { class: "muted" }, "no decomposition"));

  // -- suspects, holders -----------------------------------------------------------------
  const sus = document.getElementById("suspects");
  if (!(R.suspects || []).length) sus.append(el("p", { class: "muted" }, "no allocation site grew in every measured window"));
  (R.suspects || []).forEach((s, i) => {
    const card = el("div", { class: "suspect" });
    card.append(el("div", {}, el("b", {}, "#" + (i + 1) + " " + s.file + ":" + s.line), " ",
      el("span", { class: "muted" }, "+" + fmt(s.bytes_per_iteration, "bytes") + " per iteration, " +
        Math.round(s.share * 100) + "% of the traced growth")));
    if (s.source) card.append(el("pre", {}, s.source));
    const tb = el("details", {}, el("summary", {}, "traceback (" + (s.traceback || []).length + " frames, innermost first)"));
    const list = el("pre", {});
    list.textContent = (s.traceback || []).map(f => (typeof f === "string" ? f : f.file + ":" + f.line +
      (f.source ? "    " + f.source : ""))).join("\\n");
    tb.append(list); card.append(tb);
    for (const h of (s.holders || [])) {
      card.append(el("div", { class: "path" }, "held by " + h.root + ": " + (h.path || []).join(" → ")));
      if (h.example) card.append(el("div", { class: "muted" }, "example: " + h.example));
    }
    sus.append(card);
  });
  const nat = R.native || [];
  if (nat.length) {
    const box = document.getElementById("native");
    box.append(el("h2", {}, "Native stacks"));
    for (const n of nat) box.append(el("div", { class: "suspect" },
      el("div", {}, el("b", {}, n.python_function || "native"), " +" + fmt(n.bytes_per_iteration, "bytes") + " per iteration"),
      el("pre", {}, (n.native || []).join("\\n"))));
  }
  const gpu = R.gpu || [];
  if (gpu.length) {
    const box = document.getElementById("gpu");
    box.append(el("h2", {}, "CUDA allocations that stay alive"));
    for (const g of gpu) box.append(el("div", { class: "suspect" },
      el("div", {}, el("b", {}, g.file + ":" + g.line), " +" + fmt(g.bytes_per_iteration, "bytes") + " per iteration"),
      el("pre", {}, g.source || "")));
  }
  const diag = R.diagnosis || [];
  if (diag.length) {
    const box = document.getElementById("diagnoses");
    box.append(el("h2", {}, "Diagnosis"));
    for (const d of diag) {
      const card = el("div", { class: "suspect", "data-pattern": d.pattern }, el("div", {}, el("b", {}, d.summary)));
      if (d.where) card.append(el("div", {}, "at " + d.where));
      card.append(el("div", { class: "muted" }, "evidence: " + d.evidence));
      card.append(el("div", {}, "fix: " + d.fix));
      box.append(card);
    }
  }
  const leaks = R.leaks || [];
  if (R.verdict.status === "leak" && leaks.length) {
    const box = document.getElementById("leaks");
    box.append(el("h2", {}, "Leaks"));
    for (const g of leaks) {
      const sites = el("ul", {});
      for (const s of g.suspects || []) sites.append(el("li", {},
        el("span", { class: "path" }, s.file + ":" + s.line), " " + Math.round(100 * s.share) + "% ",
        el("code", {}, s.source || "")));
      const card = el("details", { class: "suspect leak", "data-site": g.site },
        el("summary", {}, el("b", {}, g.headline)));
      if (g.holder && g.holder.root_kind !== "unknown")  // native: "held outside ..." itself
        card.append(el("div", { class: "path" }, (g.holder.root_kind === "native" ? "" : "held by ") +
          g.holder.path.join(" \u2192 ")));
      card.append(sites);
      box.append(card);
    }
  }
  const routes = R.routes || [];
  if (routes.length) {
    const box = document.getElementById("routes");
    box.append(el("h2", {}, "Routes"));
    const table = el("table", {}, el("tr", {}, el("th", {}, "route"), el("th", {}, "requests"),
                                      el("th", {}, "verdict"), el("th", {}, "per request"), el("th", {}, "where")));
    for (const r of routes) {
      const v = r.verdict;
      const where = (r.suspects || []).slice(0, 2).map(s => s.file + ":" + s.line).join(", ");
      table.append(el("tr", { "data-route": r.route, "data-status": v.status }, el("td", {}, r.route),
        el("td", { class: "num" }, String(r.requests)), el("td", { class: "status-" + v.status }, v.status),
        el("td", { class: "num" }, v.status === "leak" ? "+" + fmt(v.bytes_per_iteration, "bytes") : ""),
        el("td", {}, where)));
    }
    box.append(table);
    for (const r of routes) if (r.verdict.status === "leak" || r.verdict.status === "inconclusive")
      box.append(el("div", { class: "muted" }, r.route + ": " + r.attribution));
  }
  const types = R.growing_types || [];
  if (types.length) {
    const box = document.getElementById("types");
    box.append(el("h2", {}, "Growing types"));
    const table = el("table", {}, el("tr", {}, el("th", {}, "type"), el("th", {}, "objects per iteration"),
                                      el("th", {}, "bytes per iteration")));
    for (const t of types) table.append(el("tr", {}, el("td", {}, t.type),
      el("td", { class: "num" }, fmt(t.objects_per_iteration, "")), el("td", { class: "num" }, fmt(t.bytes_per_iteration, "bytes"))));
    box.append(table);
  }
  const notes = document.getElementById("notes");
  for (const n of [...(R.notes || []), ...(R.probe_errors || [])]) notes.append(el("li", {}, n));
  if (R.target_failure) notes.append(el("li", {}, (R.target_failure.type === "SystemExit"
    ? "the target ended with " + R.target_failure.message
    : "the target raised " + R.target_failure.type + ": " + R.target_failure.message) +
    " at iteration " + R.target_failure.iteration));
  document.body.setAttribute("data-rendered", "yes");
  // Shown in a notebook (an iframe of the output, see embed()): the frame fits the page.
  let frame = null;
  try { frame = window.frameElement; } catch (e) { frame = null; }
  if (frame) {
    document.body.style.padding = "12px 16px 16px";
    const fit = () => { frame.style.height = (document.documentElement.scrollHeight + 4) + "px"; };
    fit();
    if (window.ResizeObserver) new ResizeObserver(fit).observe(document.body);
  }
})();
</script>
</body>
</html>
"""
