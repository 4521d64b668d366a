"""The memory chart of the terminal report: one sparkline per memory signal."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from rich.console import Group
from rich.text import Text

from leaksleuth.render._spark import Sparkline, sparkline
from leaksleuth.render._units import format_count, format_quantity, plural
from leaksleuth.report import Report

# (series name, label, unit); RSS first because it is what the operating system sees.
CHART_SIGNALS: Tuple[Tuple[str, str, str], ...] = (
    ("rss", "RSS", "bytes"),
    ("py_blocks", "Python blocks", "blocks"),
)
_INDENT = "  "
_LABEL_WIDTH = max(len(label) for _, label, _ in CHART_SIGNALS) + 2


def _span(line: Sparkline, unit: str) -> str:
    if line.first is None or line.last is None:
        return "no samples"
    return f"{format_quantity(line.first, unit)} → {format_quantity(line.last, unit)}"


def _row(label: str, line: Sparkline, unit: str) -> Text:
    row = Text(_INDENT + label.ljust(_LABEL_WIDTH), no_wrap=True, overflow="ellipsis")
    row.append(line.text[: line.warmup_columns], style="ls.warmup")
    row.append(line.text[line.warmup_columns :], style="ls.series")
    row.append(f"  {_span(line, unit)}", style="ls.dim")
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
    heading = Text("Memory per iteration", style="ls.heading")
    if iterations:
        heading.append(f"  iterations {iterations[0]}-{iterations[-1]}", style="ls.dim")
    if columns and len(iterations) > columns:
        per_column = format_count(len(iterations) / columns)
        heading.append(f", about {per_column} per column", style="ls.dim")
    return heading


def memory_chart(report: Report, *, width: int) -> Optional[Group]:
    """Sparklines of RSS and Python blocks with the warm-up marked, or None without data.

    Iterations measured with tracemalloc on (``phase == 1``) are left out: tracemalloc's
    own memory would show up as a bump that is not the target's.
    """
    present = [(name, label, unit) for name, label, unit in CHART_SIGNALS if name in report.series]
    if not present or not report.iterations:
        return None
    skip = [p == 1 for p in report.phase]
    # Room for the label in front and a "12.1 MiB → 14.3 MiB" span behind.
    spark_width = max(8, width - len(_INDENT) - _LABEL_WIDTH - 26)
    warmup_end = report.verdict.warmup_end
    lines = [
        (
            label,
            sparkline(
                report.series[name],
                width=spark_width,
                iterations=report.iterations,
                warmup_end=warmup_end,
                skip=skip,
            ),
            unit,
        )
        for name, label, unit in present
    ]
    columns = len(lines[0][1].text)
    parts: List[Text] = [_heading(report.iterations, columns)]
    parts += [_row(label, line, unit) for label, line, unit in lines]
    parts.append(_warmup_marker(lines[0][1].warmup_columns, warmup_end, report.iterations[0]))
    skipped = sum(skip)
    if skipped:
        left_out = f"left out: {plural(skipped, 'iteration')} measured with tracemalloc on"
        parts.append(Text(_INDENT + left_out, style="ls.dim"))
    return Group(*parts)
