"""The suspects part of the terminal report: where the growing memory was allocated."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from rich.console import Group, RenderableType
from rich.text import Text

from leaksleuth.render._paths import short_path
from leaksleuth.render._units import format_bytes, format_count
from leaksleuth.report import Frame, Holder, Report, Suspect

MAX_FRAMES = 6
_INDENT = "     "


def visible_frames(frames: Sequence[Frame], limit: int = MAX_FRAMES) -> list[Frame]:
    """The innermost ``limit`` frames, always including the innermost user frame.

    A leak found inside a library is usually caused by the user's call into it, so
    that frame is kept even when it lies deeper than ``limit``.
    """
    shown = list(frames[:limit])
    user = next((f for f in frames if f.user), None)
    if user is not None and user not in shown and shown:
        shown[-1] = user
    return shown


def _frame_line(frame: Frame, *, first_user: bool, cwd: str) -> Text:
    line = Text(_INDENT, no_wrap=True, overflow="ellipsis")
    line.append("▸ " if first_user else "  ", style="ls.user")
    line.append(f"{short_path(frame.file, cwd)}:{frame.line}")
    line.stylize("ls.user" if frame.user else "ls.library", len(_INDENT))
    if frame.source:
        line.append(f"  {frame.source.strip()}", style="ls.dim")
    return line


def _traceback(suspect: Suspect, cwd: str) -> list[Text]:
    frames = visible_frames(suspect.traceback)
    if not frames:
        return []
    first_user = next((f for f in frames if f.user), None)
    lines = [Text(f"{_INDENT}traceback, innermost first (▸ first user frame):", style="ls.dim")]
    lines += [_frame_line(f, first_user=f is first_user, cwd=cwd) for f in frames]
    hidden = len(suspect.traceback) - len(frames)
    if hidden > 0:
        lines.append(Text(f"{_INDENT}  … {hidden} more frame{'s' * (hidden != 1)}", "ls.dim"))
    return lines


def _summary(rank: int, suspect: Suspect, cwd: str) -> Text:
    line = Text()
    line.append(f" #{rank}  ", style="ls.heading")
    line.append(f"{short_path(suspect.file, cwd)}:{suspect.line}", style="ls.site")
    line.append(f"  {format_bytes(suspect.bytes_per_iteration, signed=True)}/iteration")
    line.append(f" ({suspect.share:.0%} of growth)")
    return line


def _facts(suspect: Suspect) -> Text:
    allocations = format_count(suspect.allocations_per_iteration)
    facts = [
        f"{allocations} allocation{'' if allocations == '1' else 's'}/iteration",
        f"growing in {suspect.windows_growing}/{suspect.windows} windows",
    ]
    if suspect.variants > 1:
        facts.append(f"{suspect.variants} call paths merged")
    return Text(_INDENT + " · ".join(facts), style="ls.dim")


def holder_lines(holders: Sequence[Holder], limit: int = 2) -> list[Text]:
    """ "held by <root> -> ... -> <object>", then one example object, per holder."""
    lines: list[Text] = []
    for holder in holders[:limit]:
        line = Text(f"{_INDENT}held by ", style="ls.dim")
        line.append(" -> ".join(holder.path), style="ls.holder")
        if holder.objects_sampled > 1:
            line.append(f"  ({holder.objects_sampled} sampled objects)", style="ls.dim")
        lines.append(line)
        if holder.example:
            example = Text(f"{_INDENT}  e.g. ", style="ls.dim", no_wrap=True, overflow="ellipsis")
            example.append(holder.example)
            lines.append(example)
    return lines


def _suspect(rank: int, suspect: Suspect, cwd: str) -> Group:
    parts = [_summary(rank, suspect, cwd), _facts(suspect)]
    if suspect.source:
        source = Text(no_wrap=True, overflow="ellipsis")
        source.append(f"{_INDENT}{suspect.line} │ ", style="ls.dim")
        source.append(suspect.source.strip(), style="ls.source")
        parts.append(source)
    parts += holder_lines(suspect.holders)
    parts += _traceback(suspect, cwd)
    return Group(*parts)


def _heading(report: Report, limit: int) -> Text:
    total = len(report.suspects)
    heading = Text("Top suspects" if report.verdict.status == "leak" else "Suspects")
    heading.stylize("ls.heading")
    if total > limit:
        heading.append(f"  showing {limit} of {total} allocation sites", style="ls.dim")
    if report.verdict.status != "leak":
        heading.append(
            f"  (the verdict is {report.verdict.status}: these may be harmless)", style="ls.dim"
        )
    return heading


def suspects_section(report: Report, *, limit: int, cwd: str) -> Optional[Group]:
    """The top ``limit`` suspects with source line and traceback, or None if none to show.

    A leak without suspects says so, since the growth is then outside what tracemalloc
    attributes (C extensions, fragmentation).
    """
    if not report.suspects:
        if report.verdict.status != "leak":
            return None
        return Group(
            Text("Top suspects", style="ls.heading"),
            Text("  no allocation site grew in every measured window", style="ls.dim"),
        )
    parts: list[RenderableType] = [_heading(report, limit)]
    for rank, suspect in enumerate(report.suspects[: max(limit, 0)], start=1):
        if rank > 1:
            parts.append(Text(""))
        parts.append(_suspect(rank, suspect, cwd))
    return Group(*parts)
