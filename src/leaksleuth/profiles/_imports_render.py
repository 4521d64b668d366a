"""``leaksleuth imports``' outputs: the indented terminal table and the HTML icicle page.

The terminal table is the import tree with the heaviest branches first::

    text = render_terminal(profile, sort="time", top=15, min_percent=1.0, depth=6)

A branch below ``min_percent`` of the total, past ``top`` at the top level, or deeper
than ``depth`` is folded: the folded siblings of a level become one ``+ N more`` line
telling what they cost together, where that is itself above ``min_percent`` (always at
the top level), so that nothing heavy goes unseen.

``render_html(profile)`` is one self-contained page (inline style and script, no
network) drawing the tree as an icicle of time or of memory, switched by buttons on the
page. The page writes every module name with ``textContent`` and ``title``, never as
markup, and the JSON it embeds has no ``<``.
"""

from __future__ import annotations

import html
import json
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from leaksleuth.profiles._imports import ImportProfile, ModuleCost
from leaksleuth.render._units import format_bytes, plural

SORT_KEYS: Dict[str, Callable[[ModuleCost], float]] = {
    "time": lambda m: m.cumulative_seconds,
    "memory": lambda m: float(m.cumulative_bytes or 0),
}
_HEADER = f"{'cumulative':>10} {'self':>9} {'cum. heap':>10} {'self heap':>10} {'cum. RSS':>10}"


def format_seconds(seconds: Optional[float]) -> str:
    """``format_seconds(0.0123) == "12.3 ms"``; seconds from 10 s on."""
    if seconds is None:
        return "-"
    if abs(seconds) < 10:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def _bytes(n: Optional[float]) -> str:
    return "-" if n is None else format_bytes(n)


def _summary(profile: ImportProfile) -> List[str]:
    totals = [
        f"Python heap {_bytes(profile.total('bytes'))}",
        f"RSS {_bytes(profile.total('rss_bytes'))}",
        f"C heap {_bytes(profile.total('c_heap_bytes'))}",
    ]
    own = profile.program_seconds - profile.total_seconds
    return [
        f"leaksleuth imports: {profile.target} (Python {profile.python})",
        f"{plural(len(profile.modules), 'import')} took "
        f"{format_seconds(profile.total_seconds)} and added: {', '.join(totals)}",
        f"the program ran {format_seconds(profile.program_seconds)} in all, "
        f"{format_seconds(own)} of it outside imports (counted as no module's)",
    ]


def _row(m: ModuleCost) -> str:
    notes = (f" (failed: {m.error})" if m.error else "") + ("" if m.main_thread else " [thread]")
    return (
        f"{format_seconds(m.cumulative_seconds):>10} {format_seconds(m.self_seconds):>9} "
        f"{_bytes(m.cumulative_bytes):>10} {_bytes(m.self_bytes):>10} "
        f"{_bytes(m.cumulative_rss_bytes):>10}  {'  ' * m.depth}{m.name}{notes}"
    )


def _folded(hidden: Sequence[ModuleCost], depth: int) -> str:
    seconds = sum(m.cumulative_seconds for m in hidden)
    heap = sum(m.cumulative_bytes or 0 for m in hidden)
    return (
        f"{'':>10} {'':>9} {'':>10} {'':>10} {'':>10}  {'  ' * depth}+ {len(hidden)} more "
        f"({format_seconds(seconds)}, {format_bytes(heap)})"
    )


class _Tree:
    """The profile's modules by parent, each level sorted heaviest first."""

    def __init__(
        self, profile: ImportProfile, key: Callable[[ModuleCost], float], floor: float
    ) -> None:
        self.key, self.floor = key, floor
        self.children: Dict[Optional[int], List[ModuleCost]] = {}
        for m in profile.modules:
            self.children.setdefault(m.parent_index, []).append(m)
        for level in self.children.values():
            level.sort(key=key, reverse=True)


def _branch_lines(
    tree: _Tree,
    parent: Optional[int],
    shown: Callable[[ModuleCost, int], bool],
    depth: int,
    out: List[str],
) -> None:
    level = tree.children.get(parent, [])
    kept = [m for rank, m in enumerate(level) if shown(m, rank)]
    for m in kept:
        out.append(_row(m))
        _branch_lines(tree, m.index, shown, depth + 1, out)
    kept_indexes = {m.index for m in kept}
    hidden = [m for m in level if m.index not in kept_indexes]
    if hidden and (parent is None or sum(map(tree.key, hidden)) >= tree.floor):
        out.append(_folded(hidden, depth))


def render_terminal(
    profile: ImportProfile,
    *,
    sort: str = "time",
    top: int = 15,
    min_percent: float = 1.0,
    depth: int = 6,
) -> str:
    """The summary and the import tree as an indented table, heaviest branches first."""
    key = SORT_KEYS[sort]
    total = sum(key(m) for m in profile.children(None))
    floor = abs(total) * min_percent / 100

    def shown(m: ModuleCost, rank: int) -> bool:
        within = rank < top if m.parent_index is None else m.depth < depth
        return within and key(m) >= floor

    lines = [*_summary(profile), "", f"{_HEADER}  module"]
    _branch_lines(_Tree(profile, key, floor), None, shown, 0, lines)
    sorted_by = "cumulative time" if sort == "time" else "cumulative Python heap"
    lines += [
        "",
        f"sorted by {sorted_by}; folded: the program's imports past the first {top}, and "
        f"imports under {min_percent:g}% of the total or below depth {depth}",
        f"{len(profile.preloaded)} modules loaded before the program started are not "
        "measured (--json lists them)",
    ]
    if profile.program_error or profile.program_status:
        ended = profile.program_error or f"exit status {profile.program_status}"
        lines.append(f"the program failed ({ended}): these are the imports made until then")
    return "\n".join(lines) + "\n"


def _page_data(profile: ImportProfile) -> Dict[str, object]:
    rows: List[Tuple[object, ...]] = [
        (
            m.name,
            -1 if m.parent_index is None else m.parent_index,
            m.cumulative_seconds,
            m.self_seconds,
            m.cumulative_bytes,
            m.self_bytes,
            m.cumulative_rss_bytes,
            m.self_rss_bytes,
            m.cumulative_c_heap_bytes,
            m.self_c_heap_bytes,
            m.error,
        )
        for m in profile.modules
    ]
    return {
        "target": profile.target,
        "python": profile.python,
        "program_seconds": profile.program_seconds,
        "program_error": profile.program_error,
        "program_status": profile.program_status,
        "preloaded": len(profile.preloaded),
        "modules": rows,
    }


def render_html(profile: ImportProfile) -> str:
    """One self-contained page: the import tree as an icicle of time or of memory."""
    payload = json.dumps(_page_data(profile), allow_nan=False, separators=(",", ":"))
    # Inside <script>, "<" could close the element or open a comment: none is left (each
    # one is in a JSON string, where \u003c reads back the same).
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        payload = payload.replace(char, escape)
    title = html.escape(f"leaksleuth imports: {profile.target}")
    return _PAGE.replace("{{TITLE}}", title).replace("{{DATA}}", payload)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2733; }
h1 { font-size: 20px; margin: 0 0 8px; }
#summary { margin: 0 0 12px; color: #44505c; }
#controls button { font: inherit; padding: 4px 12px; margin-right: 4px; cursor: pointer;
  border: 1px solid #9aa6b2; border-radius: 4px; background: #f4f6f8; }
#controls button[aria-pressed="true"] { background: #1d2733; color: #fff; }
#controls button:disabled { opacity: 0.4; cursor: default; }
#where { margin: 10px 0 6px; color: #44505c; }
#icicle { position: relative; width: 100%; }
.node { position: absolute; height: 22px; box-sizing: border-box; overflow: hidden;
  white-space: nowrap; text-overflow: ellipsis; padding: 2px 4px; cursor: pointer;
  font: 12px/18px ui-monospace, monospace; border: 1px solid #fff; border-radius: 2px; }
.node.root { background: #d7dde4; }
.node.thin { padding: 0; border-width: 0 1px 0 0; color: transparent; }
.node:hover { border-color: #1d2733; }
table { border-collapse: collapse; margin-top: 16px; }
th, td { text-align: left; padding: 2px 12px 2px 0; font: 12px ui-monospace, monospace; }
td.num { text-align: right; }
</style>
</head>
<body>
<h1>Imports of <span id="target"></span></h1>
<p id="summary"></p>
<div id="controls" role="group" aria-label="what the widths show">
<button type="button" data-metric="seconds">Time</button>
<button type="button" data-metric="bytes">Python heap</button>
<button type="button" data-metric="rss_bytes">RSS</button>
<button type="button" data-metric="c_heap_bytes">C heap</button>
</div>
<p id="where"></p>
<div id="icicle"></div>
<table id="heaviest"><thead><tr><th>module</th><th>self</th><th>cumulative</th></tr></thead>
<tbody></tbody></table>
<script id="import-data" type="application/json">{{DATA}}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("import-data").textContent);
  var mods = data.modules;  // [name, parent, cum s, self s, heap, self, rss, self, c, self, error]
  var FIELDS = {seconds: [2, 3], bytes: [4, 5], rss_bytes: [6, 7], c_heap_bytes: [8, 9]};
  var NAMES = {seconds: "time", bytes: "Python heap", rss_bytes: "RSS", c_heap_bytes: "C heap"};
  var ROW = 24, SHOWN = 20;
  var state = {metric: "seconds", root: -1};
  var kids = {};
  mods.forEach(function (m, i) { (kids[m[1]] = kids[m[1]] || []).push(i); });

  function fmt(metric, v) {
    if (v === null || v === undefined) { return "n/a"; }
    if (metric === "seconds") {
      return Math.abs(v) < 10 ? (v * 1e3).toFixed(1) + " ms" : v.toFixed(2) + " s";
    }
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], u = 0, x = v;
    while (Math.abs(x) >= 1024 && u < units.length - 1) { x /= 1024; u += 1; }
    return (u === 0 ? x.toFixed(0) : x.toFixed(1)) + " " + units[u];
  }

  // A node is as wide as its cumulative figure, never narrower than its children
  // together (a module may free memory its imports took) and never below zero.
  function widths(metric) {
    var cum = FIELDS[metric][0], w = [], below = [];
    for (var i = mods.length - 1; i >= 0; i -= 1) {
      w[i] = Math.max(mods[i][cum] || 0, 0, below[i] || 0);
      if (mods[i][1] >= 0) { below[mods[i][1]] = (below[mods[i][1]] || 0) + w[i]; }
    }
    return w;
  }

  function details(i) {
    var m = mods[i], lines = [m[0]];
    Object.keys(FIELDS).forEach(function (k) {
      var f = FIELDS[k];
      lines.push(NAMES[k] + ": " + fmt(k, m[f[0]]) + " cumulative, " + fmt(k, m[f[1]]) + " self");
    });
    lines.push("imported by " + (m[1] >= 0 ? mods[m[1]][0] : "the program"));
    if (m[10]) { lines.push("the import failed: " + m[10]); }
    return lines.join("\\n");
  }

  function colour(i) {
    if (mods[i][10]) { return "#c9ced4"; }
    var top = mods[i][0].split(".")[0], h = 0;
    for (var c = 0; c < top.length; c += 1) { h = (h * 31 + top.charCodeAt(c)) % 360; }
    return "hsl(" + h + ", 60%, 78%)";
  }

  function bar(box, left, width, depth, text, tip) {
    var el = document.createElement("div");
    el.className = "node";
    el.style.left = left + "%";
    el.style.width = width + "%";
    el.style.top = depth * ROW + "px";
    el.textContent = text;
    el.title = tip;
    box.appendChild(el);
    return el;
  }

  function draw() {
    var metric = state.metric, w = widths(metric), cum = FIELDS[metric][0];
    var box = document.getElementById("icicle"), pixels = box.clientWidth || 1000;
    var top = state.root < 0 ? (kids[-1] || []) : [state.root];
    var total = top.reduce(function (s, i) { return s + w[i]; }, 0), deepest = 0;
    box.textContent = "";
    var rootText = state.root < 0 ? "all imports" : "up: " + (
      mods[state.root][1] >= 0 ? mods[mods[state.root][1]][0] : "all imports");
    var root = bar(box, 0, 100, 0, rootText + " (" + fmt(metric, total) + ")", rootText);
    root.classList.add("root");
    root.addEventListener("click", function () {
      state.root = state.root < 0 ? -1 : mods[state.root][1];
      draw();
    });
    function place(i, left, depth) {
      var width = total > 0 ? w[i] / total * 100 : 0;
      if (width * pixels / 100 < 1) { return; }
      deepest = Math.max(deepest, depth);
      var el = bar(box, left, width, depth, mods[i][0] + " " + fmt(metric, mods[i][cum]),
        details(i));
      el.dataset.index = String(i);
      el.dataset.name = mods[i][0];
      el.style.background = colour(i);
      if (width * pixels / 100 < 12) { el.classList.add("thin"); }  // no room for padding
      el.addEventListener("click", function () { state.root = i; draw(); });
      var x = left;
      (kids[i] || []).slice().sort(function (a, b) { return w[b] - w[a]; }).forEach(
        function (c) { place(c, x, depth + 1); x += total > 0 ? w[c] / total * 100 : 0; });
    }
    var x = 0;
    top.slice().sort(function (a, b) { return w[b] - w[a]; }).forEach(function (i) {
      place(i, x, 1);
      x += total > 0 ? w[i] / total * 100 : 0;
    });
    box.style.height = (deepest + 1) * ROW + "px";
    document.getElementById("where").textContent = "widths: " + NAMES[metric] +
      (state.root < 0 ? "" : ", inside " + mods[state.root][0]) +
      ". Click a module to zoom into it, the top bar to zoom out; hover for details.";
    document.querySelectorAll("#controls button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.metric === metric));
    });
    document.body.dataset.metric = metric;
    heaviest(metric);
  }

  function heaviest(metric) {
    var f = FIELDS[metric], body = document.querySelector("#heaviest tbody");
    body.textContent = "";
    mods.map(function (m, i) { return i; })
      .filter(function (i) { return mods[i][f[1]] !== null; })
      .sort(function (a, b) { return mods[b][f[1]] - mods[a][f[1]]; })
      .slice(0, SHOWN).forEach(function (i) {
        var row = body.insertRow();
        row.insertCell().textContent = mods[i][0];
        [f[1], f[0]].forEach(function (k) {
          var cell = row.insertCell();
          cell.className = "num";
          cell.textContent = fmt(metric, mods[i][k]);
        });
      });
    document.querySelector("#heaviest th").textContent = "heaviest by self " + NAMES[metric];
  }

  document.getElementById("target").textContent = data.target;
  var total = (kids[-1] || []).reduce(function (s, i) { return s + mods[i][2]; }, 0);
  document.getElementById("summary").textContent = mods.length + " imports took " +
    fmt("seconds", total) + "; the program ran " + fmt("seconds", data.program_seconds) +
    " (Python " + data.python + "). " + data.preloaded + " modules loaded before it " +
    "started are not measured." + (data.program_error || data.program_status ?
    " The program failed (" + (data.program_error || "exit status " + data.program_status) +
    "): these are the imports made until then." : "");
  document.querySelectorAll("#controls button").forEach(function (b) {
    var f = FIELDS[b.dataset.metric][0];
    b.disabled = !mods.some(function (m) { return m[f] !== null; });
    b.addEventListener("click", function () { state.metric = b.dataset.metric; draw(); });
  });
  window.addEventListener("resize", draw);
  draw();
  document.body.dataset.rendered = "yes";
})();
</script>
</body>
</html>
"""
