"""The memory chart of the terminal report: one sparkline per memory signal."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional

from rich.console import Group
from rich.text import Text

from leaksleuth.render._spark import Sparkline, sparkline, usable
from leaksleuth.render._units import format_bytes, format_count, plural
from leaksleuth.report import Report

# (series name, label, unit); RSS first because it is what the operating system sees.
CHART_SIGNALS: tuple[tuple[str, str, str], ...] = (
    ("rss", "RSS", "bytes"),
    ("py_blocks", "Python blocks", "blocks"),
    ("malloc", "C heap", "bytes"),
    ("malloc_free", "alloc. free", "bytes"),
    ("fds", "open fds", "descriptors"),
    ("threads", "threads", "threads"),
    ("tasks", "asyncio tasks", "tasks"),
)
# Drawn whenever read; the others only when they changed during the run.
_ALWAYS = ("rss", "py_blocks")
_INDENT = "  "
_LABEL_WIDTH = max(len(label) for _, label, _ in CHART_SIGNALS) + 2


def _span(samples: Sequence[float], unit: str) -> str:
    if not samples:
        return "no samples"
    if unit == "bytes":
        return f"{format_bytes(samples[0])} → {format_bytes(samples[-1])}"
    return f"{format_count(samples[0])} → {format_count(samples[-1])} {unit}"


def _row(label: str, line: Sparkline, span: str) -> Text:
    row = Text(_INDENT + label.ljust(_LABEL_WIDTH), no_wrap=True, overflow="ellipsis")
    row.append(line.text[: line.warmup_columns], style="ls.warmup")
    row.append(line.text[line.warmup_columns :], style="ls.series")
    row.append(f"  {span}", style="ls.dim")
    return row


def _warmup_marker(columns: int, warmup_end: int, first_iteration: int) -> Text:
    marker = Text(_INDENT + " " * _LABEL_WIDTH, no_wrap=True, overflow="ellipsis")
    if warmup_end <= first_iteration:
        marker.append("no warm-up: every iteration counts", style="ls.dim")
        return marker
    marker.append("─" * max(columns - 1, 0) + "┘", style="ls.warmup")
    marker.append(f" warm-up ends at iteration {warmup_end}")
    return marker


def _heading(iterations: Sequence[int], columns: int) -> Text:
    heading = Text()
    heading.append("Memory per iteration", style="ls.heading")
    if iterations:
        heading.append(f"  iterations {iterations[0]}-{iterations[-1]}", style="ls.dim")
    if columns and len(iterations) >= 1.5 * columns:
        per_column = format_count(len(iterations) / columns)
        heading.append(f", about {per_column} iterations per column", style="ls.dim")
    return heading


def _worth_drawing(name: str, values: list[float]) -> bool:
    return name in _ALWAYS or len({v for v in values if math.isfinite(v)}) > 1


def memory_chart(report: Report, *, width: int) -> Optional[Group]:
    """Sparklines of RSS and Python blocks with the warm-up marked, or None without data.

    Iterations measured with tracemalloc on (``phase == 1``) are left out: tracemalloc's
    own memory would show up as a bump that is not the target's.
    """
    skip = [p == 1 for p in report.phase]
    present = [
        (name, label, unit)
        for name, label, unit in CHART_SIGNALS
        if name in report.series and _worth_drawing(name, usable(report.series[name], skip))
    ]
    if not present or not report.iterations:
        return None
    spans = [_span(usable(report.series[name], skip), unit) for name, _, unit in present]
    # The blocks get what the label in front and the "from → to" span behind leave over.
    room = width - len(_INDENT) - _LABEL_WIDTH - 2 - max(len(span) for span in spans)
    warmup_end = report.verdict.warmup_end
    lines = [
        sparkline(
            report.series[name],
            width=max(room, 8),
            iterations=report.iterations,
            warmup_end=warmup_end,
            skip=skip,
        )
        for name, _, _ in present
    ]
    parts: list[Text] = [_heading(report.iterations, len(lines[0].text))]
    parts += [_row(label, line, span) for (_, label, _), line, span in zip(present, lines, spans)]
    parts.append(_warmup_marker(lines[0].warmup_columns, warmup_end, report.iterations[0]))
    skipped = sum(skip)
    if skipped:
        left_out = f"left out: {plural(skipped, 'iteration')} measured with tracemalloc on"
        parts.append(Text(_INDENT + left_out, style="ls.dim"))
    return Group(*parts)
