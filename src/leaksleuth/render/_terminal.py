"""The terminal report: the verdict in plain words, a memory chart, signals and suspects.

Rendered by rich into a string, so the caller decides where it goes and tests can pin
the width::

    text = render(report, width=100, color=False)
"""

from __future__ import annotations

import io
import math
import os
from typing import Optional

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

from leaksleuth.render._chart import memory_chart
from leaksleuth.render._paths import short_path
from leaksleuth.render._suspects import holder_lines, suspects_section
from leaksleuth.render._units import (
    format_byte_range,
    format_quantity,
    format_quantity_range,
    plural,
)
from leaksleuth.report import Report, Verdict

EXTENSION = ".txt"
MIN_WIDTH = 20
MAX_FAILURE_LINES = 8

THEME = Theme(
    {
        "ls.leak": "bold red",
        "ls.plateau": "bold yellow",
        "ls.flat": "bold green",
        "ls.inconclusive": "bold magenta",
        "ls.heading": "bold",
        "ls.dim": "dim",
        "ls.warmup": "dim",
        "ls.series": "cyan",
        "ls.site": "bold cyan",
        "ls.source": "yellow",
        "ls.holder": "green",
        "ls.user": "bold",
        "ls.library": "dim",
        "ls.error": "bold red",
    }
)

HEADLINES: dict[str, str] = {
    "leak": "LEAK",
    "plateau": "NO LEAK (plateau)",
    "flat": "NO LEAK (flat)",
    "inconclusive": "INCONCLUSIVE",
}
MEANINGS: dict[str, str] = {
    "leak": "memory grows without bound",
    "plateau": "memory grew, then stopped growing",
    "flat": "memory did not grow",
    "inconclusive": "not enough evidence to decide yet",
}
BASIS_WORDS: dict[str, str] = {
    "rss": "process RSS",
    "py_blocks": "Python memory blocks",
    "malloc": "C heap (malloc)",
    "traced": "traced Python heap",
    "gc_objects": "gc-tracked objects",
}
SIGNAL_LABELS: dict[str, str] = {
    "rss": "RSS",
    "py_blocks": "Python blocks",
    "malloc": "C heap",
    "traced": "traced heap",
    "gc_objects": "gc objects",
    "fds": "open fds",
    "threads": "threads",
    "tasks": "asyncio tasks",
}
KIND_WORDS: dict[str, str] = {
    "python": "the Python heap (objects the program keeps)",
    "native": "native memory: the C heap grows beyond what Python allocated",
    "allocator": "allocator retention: RSS stays up while the bytes in use do not",
    "resource": "resources: descriptors, threads or tasks never closed, joined or awaited",
    "gpu": "GPU memory: bytes in live CUDA tensors grow (not the allocator's cache)",
}


def _ci_label(confidence: float) -> str:
    return f"{confidence:.0%} CI" if math.isfinite(confidence) and confidence > 0 else "CI"


def _growth(verdict: Verdict) -> str:
    if not math.isfinite(verdict.bytes_per_iteration):
        return "no byte figure: see the reason"
    growth = f"{format_quantity(verdict.bytes_per_iteration, 'bytes', signed=True)} per iteration"
    if math.isfinite(verdict.ci_low) and math.isfinite(verdict.ci_high):
        interval = format_byte_range(verdict.ci_low, verdict.ci_high)
        growth += f" ({_ci_label(verdict.confidence)} {interval})"
    return f"{growth}, basis: {BASIS_WORDS.get(verdict.basis, verdict.basis)}"


def _progress_facts(report: Report) -> str:
    verdict = report.verdict
    facts = [f"measured {plural(verdict.iterations_measured, 'iteration')}"]
    first = report.iterations[0] if report.iterations else 1
    if verdict.warmup_end > first:
        facts.append(f"warm-up ends at iteration {verdict.warmup_end}")
    else:
        facts.append("no warm-up")
    return "; ".join(facts)


def _more_iterations(verdict: Verdict) -> str:
    more = verdict.more_iterations_needed
    if more:
        return f"about {more:,} more iterations would likely decide"
    return "no estimate of how many more iterations would decide"


def verdict_section(report: Report) -> Text:
    """The target, the verdict with its numbers, the reason and what was measured."""
    verdict = report.verdict
    text = Text()
    text.append(f"leaksleuth  {report.target}\n", style="ls.heading")
    text.append(HEADLINES.get(verdict.status, verdict.status.upper()), f"ls.{verdict.status}")
    text.append(f"  {_growth(verdict)}\n")
    text.append(f"{MEANINGS.get(verdict.status, verdict.status)}: {verdict.reason}\n")
    if verdict.kind:
        text.append(f"which memory: {KIND_WORDS.get(verdict.kind, verdict.kind)}\n")
    text.append(_progress_facts(report), style="ls.dim")
    if verdict.status == "inconclusive":
        text.append(f"\n{_more_iterations(verdict)}")
    return text


def failure_section(report: Report) -> Optional[Text]:
    """What the target raised and which iterations the report still covers."""
    failure = report.target_failure
    if failure is None:
        return None
    before = failure.iteration - 1
    covered = (
        f"the report covers the {plural(before, 'iteration')} before it"
        if before > 0
        else "no iteration finished before it"
    )
    what = (
        f"the target ended with {failure.message}"
        if failure.type == "SystemExit"
        else f"the target raised {failure.type}({failure.message!r})"
    )
    text = Text()
    text.append(f"{what} at iteration {failure.iteration}; {covered}", style="ls.error")
    for line in _traceback_lines(failure.traceback)[-MAX_FAILURE_LINES:]:
        text.append(f"\n    {line}", style="ls.dim")
    return text


def _traceback_lines(traceback: tuple[str, ...]) -> list[str]:
    # Entries may be formatted frames that span several lines ("File ..., line 3\n  code").
    lines = [line.rstrip() for entry in traceback for line in entry.splitlines()]
    return [line for line in lines if line.strip() and not line.startswith("Traceback (")]


def signals_table(report: Report) -> Optional[Group]:
    """One row per analysed signal: status, slope per iteration and its interval."""
    signals = report.verdict.signals
    if not signals:
        return None
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="ls.dim")
    table.add_column("signal")
    table.add_column("status")
    table.add_column("per iteration", justify="right")
    table.add_column(_ci_label(report.verdict.confidence), justify="right")
    table.add_column("warm-up ends", justify="right")
    table.add_column("samples", justify="right")
    for s in signals:
        table.add_row(
            SIGNAL_LABELS.get(s.signal, s.signal),
            Text(s.status, style=f"ls.{s.status}"),
            format_quantity(s.slope, s.unit, signed=True),
            format_quantity_range(s.ci_low, s.ci_high, s.unit),
            f"{s.warmup_end:,}",
            f"{s.points:,}",
        )
    return Group(Text("Signals after warm-up", style="ls.heading"), table)


def memory_section(report: Report) -> Optional[Group]:
    """Which memory grows: each kind's growth per iteration and its share of RSS growth."""
    parts = [p for p in report.memory if p.name not in ("rss", "py_blocks")]
    if not parts or not any(p.status in ("leak", "plateau", "inconclusive") for p in parts):
        return None
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="ls.dim")
    table.add_column("memory")
    table.add_column("status")
    table.add_column("per iteration", justify="right")
    table.add_column("share of RSS growth", justify="right")
    for p in report.memory:
        share = "" if p.share_of_rss is None else f"{p.share_of_rss:.0%}"
        table.add_row(
            p.label,
            Text(p.status, style=f"ls.{p.status}") if p.status else Text("-", style="ls.dim"),
            format_quantity(p.per_iteration, p.unit, signed=True),
            share,
        )
    return Group(Text("Which memory grows", style="ls.heading"), table)


def _rate_head(n: int, bytes_per_iteration: float, count: float, what: str) -> Text:
    """ " #1  +1.0 MiB/iteration  3 blocks/iteration": the head line of a ranked stack."""
    rate = format_quantity(bytes_per_iteration, "bytes", signed=True)
    head = Text(f" #{n}  {rate}/iteration", style="ls.site")
    head.append(f"  {count:.2g} {what}/iteration", "ls.dim")
    return head


def native_section(report: Report, *, cwd: str, limit: int = 3) -> Optional[Group]:
    """The native stacks whose surviving bytes grew with the iterations (memray window)."""
    if not report.native:
        return None
    parts: list[RenderableType] = [Text("Native allocations that grow", style="ls.heading")]
    for n, stack in enumerate(report.native[:limit], start=1):
        parts.append(
            _rate_head(n, stack.bytes_per_iteration, stack.allocations_per_iteration, "allocations")
        )
        if stack.python:
            file, _, line = stack.python[0].rpartition(":")
            where = f"{short_path(file, cwd)}:{line}"
            parts.append(Text(f"     called from Python: {stack.python_function} at {where}"))
        for frame in stack.native:
            parts.append(Text(f"     {frame}", style="ls.dim"))
    return Group(*parts)


def diagnosis_section(report: Report) -> Optional[Group]:
    """The recognised causes: what keeps the memory, the evidence, the fix."""
    if not report.diagnoses:
        return None
    parts: list[RenderableType] = [Text("Diagnosis", style="ls.heading")]
    for d in report.diagnoses:
        parts.append(Text(f"  {d.summary}", style="ls.site"))
        if d.where:
            parts.append(Text(f"     at {d.where}"))
        parts.append(Text(f"     evidence: {d.evidence}", style="ls.dim"))
        parts.append(Text(f"     fix: {d.fix}"))
    return Group(*parts)


def leaks_section(report: Report, *, cwd: str, limit: int = 4, sites: int = 5) -> Optional[Group]:
    """One story per leaked object graph: its headline, what holds it, and its sites
    folded under it (the details are in the suspects below). Shown when the sites of
    a leak make more than one story's worth: several sites, or several groups."""
    groups = report.leaks
    if report.verdict.status != "leak" or not groups:
        return None
    if len(groups) == 1 and len(groups[0].suspects) == 1:
        return None  # the one suspect below tells it
    parts: list[RenderableType] = [Text("Leaks", style="ls.heading")]
    for n, group in enumerate(groups[:limit], start=1):
        parts.append(Text(f"  {n}. {group.headline}", style="ls.site"))
        holder = group.holder
        if holder is not None and holder.root_kind != "unknown":
            # A native "holder" says "held outside Python-visible references" itself.
            held = "" if holder.root_kind == "native" else "held by "
            parts.append(Text(f"     {held}{' -> '.join(holder.path)}", style="ls.dim"))
        for suspect in group.suspects[:sites]:
            where = f"{short_path(suspect.file, cwd)}:{suspect.line}"
            parts.append(
                Text(f"     {suspect.share:4.0%}  {where}  {suspect.source}", style="ls.dim")
            )
        if len(group.suspects) > sites:
            parts.append(Text(f"     and {len(group.suspects) - sites} more sites", style="ls.dim"))
    if len(groups) > limit:
        rest = sum(g.share for g in groups[limit:])
        parts.append(Text(f"  and {len(groups) - limit} smaller ones ({rest:.0%} of the growth)"))
    return Group(*parts)


def gpu_section(report: Report, *, cwd: str, limit: int = 3) -> Optional[Group]:
    """The lines whose CUDA allocations stayed alive over torch's allocator history."""
    if not report.gpu:
        return None
    parts: list[RenderableType] = [Text("CUDA allocations that stay alive", style="ls.heading")]
    for n, site in enumerate(report.gpu[:limit], start=1):
        parts.append(_rate_head(n, site.bytes_per_iteration, site.blocks_per_iteration, "blocks"))
        where = f"{short_path(site.file, cwd)}:{site.line}"
        parts.append(Text(f"     {where}  {site.source}  (in {site.function})".rstrip()))
    return Group(*parts)


def routes_section(report: Report, *, cwd: str) -> Optional[Group]:
    """A web service's routes: each one's verdict, growth per request and leaking lines."""
    if not report.routes:
        return None
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="ls.dim")
    table.add_column("route")
    table.add_column("requests", justify="right")
    table.add_column("verdict")
    table.add_column("per request", justify="right")
    table.add_column("where")
    for r in report.routes:
        v = r.verdict
        per = format_quantity(v.bytes_per_iteration, "bytes", signed=True)
        where = ", ".join(f"{short_path(s.file, cwd)}:{s.line}" for s in r.suspects[:2])
        requests = f"{r.requests:,}" + (f" ({r.errors:,} failed)" if r.errors else "")
        table.add_row(
            r.route,
            requests,
            Text(v.status, style=f"ls.{v.status}"),
            per if v.status == "leak" else "",
            where,
        )
    parts: list[RenderableType] = [Text("Routes", style="ls.heading"), table]
    for r in report.routes:
        if r.verdict.status in ("leak", "inconclusive"):
            parts.append(Text(f"  {r.route}: {r.attribution}", style="ls.dim"))
        if r.verdict.status == "leak" and r.holders:
            parts += holder_lines(r.holders[:1], limit=1)
    return Group(*parts)


def growth_section(report: Report, limit: int = 8) -> Optional[Group]:
    """The types whose live count grew, and what holds those no suspect allocated."""
    types = report.growing_types[:limit]
    if not types and not report.holders:
        return None
    parts: list[RenderableType] = []
    if types:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="ls.dim")
        table.add_column("type")
        table.add_column("objects/iteration", justify="right")
        table.add_column("bytes/iteration", justify="right")
        table.add_column("live now", justify="right")
        for t in types:
            table.add_row(
                t.type,
                f"+{t.objects_per_iteration:.3g}",
                format_quantity(t.bytes_per_iteration, "bytes", signed=True),
                f"{t.count:,}",
            )
        parts += [Text("Growing object types", style="ls.heading"), table]
    if report.holders:
        parts.append(Text("What holds them", style="ls.heading"))
        for holder in report.holders[:3]:
            parts.append(Text(f"  {holder.object_type}", style="ls.site"))
            parts += holder_lines((holder,), limit=1)
    return Group(*parts)


def _bullets(title: str, lines: tuple[str, ...]) -> Optional[Group]:
    if not lines:
        return None
    # A grid, so that long lines wrap under their text rather than under the bullet.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column()
    for line in lines:
        grid.add_row("•", line)
    return Group(Text(title, style="ls.heading"), grid)


def notes_section(report: Report) -> Optional[Group]:
    """The analysis notes and the errors the probe caught and carried on after."""
    parts = [
        _bullets("Notes", report.notes),
        _bullets("Probe errors (caught; measuring went on)", report.probe_errors),
    ]
    shown = [p for p in parts if p is not None]
    return Group(*shown) if shown else None


def _console(buffer: io.StringIO, width: int, color: bool) -> Console:
    # Every setting is explicit so that neither the environment (COLUMNS, FORCE_COLOR,
    # NO_COLOR) nor the real terminal changes the output.
    return Console(
        file=buffer,
        width=max(width, MIN_WIDTH),
        height=25,
        force_terminal=color,
        force_jupyter=False,
        force_interactive=False,
        color_system="standard" if color else None,
        no_color=not color,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
        theme=THEME,
    )


def _print(sections: list[Optional[RenderableType]], width: int, color: bool) -> str:
    buffer = io.StringIO()
    console = _console(buffer, width, color)
    for index, section in enumerate(s for s in sections if s is not None):
        if index:
            console.print()
        console.print(section)
    text = buffer.getvalue()
    if color:
        return text
    # rich pads table cells to the column width; plain text should not end in blanks.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def render_verdict(report: Report, *, width: int = 100, color: bool = False) -> str:
    """Only the verdict and the target's failure, for ``--quiet``."""
    return _print([verdict_section(report), failure_section(report)], width, color)


def render_brief(report: Report, *, width: int = 100, color: bool = False) -> str:
    """The verdict, a recognised cause with its fix, and the top suspect with its source
    line and holder: what a failing test or a notebook cell's summary shows."""
    cwd = os.getcwd()
    sections: list[Optional[RenderableType]] = [
        verdict_section(report),
        failure_section(report),
        diagnosis_section(report),
        suspects_section(report, limit=1, cwd=cwd),
        native_section(report, cwd=cwd, limit=1),
        gpu_section(report, cwd=cwd, limit=1),
    ]
    return _print(sections, width, color)


def render(report: Report, *, width: int = 100, color: bool = False, max_suspects: int = 5) -> str:
    """The full terminal report as text; ANSI styles only when ``color`` is true.

    >>> print(render(report, width=80))  # doctest: +SKIP
    leaksleuth  app.py:handle
    LEAK  +1.0 KiB per iteration (95% CI 1.0-1.0 KiB), basis: traced Python heap
    """
    sections: list[Optional[RenderableType]] = [
        verdict_section(report),
        failure_section(report),
        diagnosis_section(report),
        leaks_section(report, cwd=os.getcwd()),
        routes_section(report, cwd=os.getcwd()),
        memory_chart(report, width=width),
        memory_section(report),
        signals_table(report),
        suspects_section(report, limit=max_suspects, cwd=os.getcwd()),
        native_section(report, cwd=os.getcwd()),
        gpu_section(report, cwd=os.getcwd()),
        growth_section(report),
        notes_section(report),
    ]
    return _print(sections, width, color)
