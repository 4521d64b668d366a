"""The progress display on stderr, shown only when stderr is a terminal.

::

    with progress_display("app.py:work", enabled=True) as progress:
        report = check(fn, progress=progress)   # progress is None when not shown

Piped or redirected stderr gets nothing at all, so logs and pipes stay clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable, Optional, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

ProgressCallback = Callable[[int, int, str], None]

# Redraw at most this often. The display lives in the measured process, so it must not
# allocate on every iteration: updating per call would grow rich's sample history in
# step with the iterations and look like a leak.
REFRESH_SECONDS = 0.1


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # closed stream
        return False


def _progress_bar(stream: TextIO) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("iterations  {task.fields[status]}"),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=True,
        # No refresh thread: it would allocate in the measured process at random times.
        auto_refresh=False,
        # Leave sys.stdout alone: the watched code and --json output own it.
        redirect_stdout=False,
        redirect_stderr=False,
        speed_estimate_period=1.0,
    )


def _callback(progress: Progress, task: TaskID) -> ProgressCallback:
    last_refresh = 0.0

    def update(done: int, total: int, status: str) -> None:
        nonlocal last_refresh
        now = time.monotonic()
        if now - last_refresh < REFRESH_SECONDS and done < total:
            return
        last_refresh = now
        progress.update(task, completed=done, total=total, status=status)
        progress.refresh()

    return update


@contextmanager
def progress_display(
    target: str, *, enabled: bool, stream: Optional[TextIO] = None
) -> Iterator[Optional[ProgressCallback]]:
    """Yield a ``progress(done, total, status)`` callback, or None when nothing is shown.

    A display is shown only if ``enabled`` and ``stream`` (default: stderr) is a terminal.
    It is removed when the block ends, before the report is printed.
    """
    stream = sys.stderr if stream is None else stream
    if not enabled or not _is_terminal(stream):
        yield None
        return
    progress = _progress_bar(stream)
    with progress:
        task = progress.add_task(target, total=None, status="starting")
        yield _callback(progress, task)
