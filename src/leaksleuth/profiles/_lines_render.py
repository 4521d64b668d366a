"""A line profile as a table (plain text with no rendering library, so that
``@profile_lines`` prints it inside the user's program without importing anything), as
JSON and as a page."""

from __future__ import annotations

import html
import json
import os
from dataclasses import asdict
from typing import Any, Dict, Iterator, List, Optional, Tuple

from leaksleuth.profiles._lines import LineProfile, LineStat
from leaksleuth.render._units import format_bytes

JSON_SCHEMA = 1
_SOURCE_WIDTH = 60


def _amount(v: Optional[float]) -> str:
    if v is None:
        return "-"
    return "0" if abs(v) < 0.5 else format_bytes(v)


def _count(v: float) -> str:
    return "0" if v < 0.05 else (f"{v:,.0f}" if v >= 10 else f"{v:.1f}")


def _rows(stat: LineStat, indent: int) -> Iterator[Tuple[LineStat, int]]:
    yield stat, indent
    for child in stat.children:
        yield from _rows(child, indent + 1)


def _where(stat: LineStat, profile: LineProfile, indent: int) -> str:
    if indent == 0 and stat.file == profile.file:
        return str(stat.line)
    return f"{'  ' * indent}{os.path.basename(stat.file)}:{stat.line}"


def render_lines_text(profile: LineProfile) -> str:
    """The familiar table: line, hits, allocated, retained, peak, allocations, source;
    the heaviest lines marked with ``>``."""
    heads = ["", "Line", "Hits", "Allocated", "Retained", "Peak", "Allocs"]
    if profile.c_heap:
        heads += ["C heap", "Untraced"]
    rows: List[List[str]] = []
    sources: List[str] = []
    for top in profile.lines:
        for stat, indent in _rows(top, 0):
            row = [
                ">" if stat.heavy else "",
                _where(stat, profile, indent),
                _count(stat.hits_per_call),
                _amount(stat.allocated_bytes_per_call),
                _amount(stat.retained_bytes_per_call),
                _amount(stat.peak_increment_bytes),
                _count(stat.allocations_per_call),
            ]
            if profile.c_heap:
                row += [_amount(stat.c_heap_bytes_per_call), _amount(stat.untraced_bytes_per_call)]
            rows.append(row)
            source = ("  " * indent) + stat.source
            sources.append(source if len(source) <= _SOURCE_WIDTH else source[:57] + "...")
    widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(len(heads))]

    def line(cells: List[str], source: str) -> str:
        first = cells[0].ljust(widths[0])
        cols = [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([first, *cols, source]).rstrip()

    out = [
        f"{profile.target}: {profile.calls} calls, "
        f"{profile.seconds_per_call * 1000:.2f} ms per call (profiled)",
        "Per call: allocated = how far each line's memory rose above its start, summed over "
        "its runs; retained = still alive after the last call; peak = highest above the "
        "call's start; allocs = blocks retained.",
        f"Covers: {profile.covers}.",
        "",
        line(heads, "Source"),
    ]
    out += [line(r, s) for r, s in zip(rows, sources)]
    out += [
        "",
        f"Total per call: allocated {_amount(profile.allocated_bytes_per_call)}, retained "
        f"{_amount(profile.retained_bytes_per_call)}, peak "
        f"{_amount(profile.peak_increment_bytes)} above the call's start.",
    ]
    out += [f"Note: {n}" for n in profile.notes]
    return "\n".join(out) + "\n"


def _stat_json(stat: LineStat) -> Dict[str, Any]:
    d = asdict(stat)
    d["children"] = [_stat_json(c) for c in stat.children]
    return d


def render_lines_json(profile: LineProfile) -> str:
    """The documented JSON (docs/lines.md): ``lines`` in source order, each with its
    per-call figures and, with ``--depth``, its ``children``."""
    d = asdict(profile)
    d["lines"] = [_stat_json(s) for s in profile.lines]
    d["notes"] = list(profile.notes)
    return json.dumps({"schema": JSON_SCHEMA, **d}, indent=2)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1b1b}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:2px 8px;text-align:right;white-space:nowrap}
th{border-bottom:1px solid #999;position:sticky;top:0;background:#fff}
td.src{text-align:left;font-family:ui-monospace,monospace;white-space:pre}
tr.heavy td{background:#fff1e6;font-weight:600}
tr.child{display:none;color:#555}
tr.child.open{display:table-row}
.bar{display:inline-block;height:9px;background:#e4572e;vertical-align:middle;margin-right:4px}
.bar.kept{background:#4062bb}
button.toggle{font:inherit;border:0;background:none;cursor:pointer;padding:0 4px}
p.note{color:#8a4b00}
"""

_JS = """
function fold(row,open){
  var b=document.querySelector('button.toggle[data-row="'+row+'"]');
  if(b){b.setAttribute('aria-expanded',open?'true':'false');b.textContent=open?'\\u25be':'\\u25b8';}
  document.querySelectorAll('tr[data-parent="'+row+'"]').forEach(function(r){
    r.classList.toggle('open',open);
    if(!open){fold(r.id,false);}  /* a closed row hides its whole subtree */
  });
}
document.querySelectorAll('button.toggle').forEach(function(b){
  b.addEventListener('click',function(){fold(b.dataset.row,b.getAttribute('aria-expanded')!=='true');});
});
"""


def _bar(v: float, most: float, kind: str) -> str:
    width = 0 if most <= 0 else max(0, min(120, round(120 * v / most)))
    return f'<span class="bar {kind}" style="width:{width}px"></span>'


def _html_rows(profile: LineProfile) -> List[str]:
    every = [s for top in profile.lines for s, _ in _rows(top, 0)]
    most_alloc = max((s.allocated_bytes_per_call for s in every), default=0.0)
    most_kept = max((s.retained_bytes_per_call for s in every), default=0.0)
    out: List[str] = []
    counter = 0

    def add(stat: LineStat, indent: int, parent: str) -> None:
        nonlocal counter
        counter += 1
        row_id = f"r{counter}"
        toggle = (
            f'<button class="toggle" aria-expanded="false" data-row="{row_id}">&#9656;</button>'
            if stat.children
            else ""
        )
        classes = " ".join(
            c for c in ("heavy" if stat.heavy else "", "child" if parent else "") if c
        )
        cells = [
            toggle + html.escape(_where(stat, profile, indent).strip()),
            _count(stat.hits_per_call),
            _bar(stat.allocated_bytes_per_call, most_alloc, "")
            + _amount(stat.allocated_bytes_per_call),
            _bar(stat.retained_bytes_per_call, most_kept, "kept")
            + _amount(stat.retained_bytes_per_call),
            _amount(stat.peak_increment_bytes),
            _count(stat.allocations_per_call),
        ]
        if profile.c_heap:
            cells += [_amount(stat.c_heap_bytes_per_call), _amount(stat.untraced_bytes_per_call)]
        tds = "".join(f"<td>{c}</td>" for c in cells)
        src = html.escape(("  " * indent) + stat.source)
        attrs = f' class="{classes}"' if classes else ""
        attrs += f' data-parent="{parent}"' if parent else ""
        out.append(f'<tr id="{row_id}"{attrs}>{tds}<td class="src">{src}</td></tr>')
        for child in stat.children:
            add(child, indent + 1, row_id)

    for top in profile.lines:
        add(top, 0, "")
    return out


def render_lines_html(profile: LineProfile) -> str:
    """A self-contained page (no network): the table with bars, the heaviest lines
    marked, called functions' lines folded under the line that called them."""
    heads = ["Line", "Hits", "Allocated", "Retained", "Peak", "Allocs"]
    heads += ["C heap", "Untraced"] if profile.c_heap else []
    th = "".join(f"<th>{h}</th>" for h in [*heads, "Source"])
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in profile.notes)
    title = html.escape(f"leaksleuth lines: {profile.target}")
    summary = html.escape(
        f"{profile.calls} calls, {profile.seconds_per_call * 1000:.2f} ms per call (profiled). "
        f"Per call: allocated {_amount(profile.allocated_bytes_per_call)}, retained "
        f"{_amount(profile.retained_bytes_per_call)}, peak "
        f"{_amount(profile.peak_increment_bytes)} above the call's start."
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f'<h1>{title}</h1><p id="summary">{summary}</p>'
        f"<p>Covers: {html.escape(profile.covers)}.</p>{notes}"
        f'<table id="lines"><thead><tr>{th}</tr></thead><tbody>'
        + "".join(_html_rows(profile))
        + f"</tbody></table><script>{_JS}</script></body></html>\n"
    )


__all__ = ["JSON_SCHEMA", "render_lines_html", "render_lines_json", "render_lines_text"]
