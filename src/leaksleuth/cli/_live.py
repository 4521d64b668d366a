"""``leaksleuth live CAPTURE``: follow a capture file while its program runs.

Every second it reads the file (read-only: the program's process is the only writer),
analyses what is there and redraws the report: the verdict so far, every signal
against iterations, which memory grows and the suspects found so far. It ends when the
run is finished (or on Ctrl-C), leaving the last report on screen.
"""

from __future__ import annotations

import argparse
import os
import pty
import shutil
import sys
import time
from typing import Any, Callable, Optional, TextIO

from leaksleuth._errors import CaptureError, UsageError
from leaksleuth.analysis import build_report
from leaksleuth.capture._store import read_store
from leaksleuth.render import render_terminal
from leaksleuth.report import Report

DESCRIPTION = """\
Follow a capture file of `leaksleuth run` while the program runs (in another
terminal), redrawing every second: the running verdict, every signal against
iterations and the top suspects. Ends when the program's run finishes."""


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "live",
        help="follow a capture file while its program runs",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("capture", metavar="CAPTURE", help="the capture file being written")
    parser.add_argument(
        "--once", action="store_true", help="draw one frame and exit (no screen control)"
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for the capture file to appear (default 10)",
    )
    parser.set_defaults(run=run)


def _analysed(path: str) -> tuple[Report, bool]:
    """The report on what the capture holds now, and whether the run has finished."""
    stored = read_store(path)
    return build_report(stored.capture), stored.finished


def frame(path: str, width: int, color: bool) -> tuple[str, bool]:
    """One frame of the view, and whether the run has finished."""
    report, finished = _analysed(path)
    state = "finished" if finished else "running"
    head = f"leaksleuth live  {path}  ({state}, {time.strftime('%H:%M:%S')})\n"
    return head + render_terminal(report, width=width, color=color, max_suspects=3), finished


def compact(path: str, width: int) -> tuple[Any, bool]:
    """A short frame for ``run --live``: the verdict so far and the signals' chart."""
    from rich.console import Group
    from rich.text import Text

    from leaksleuth.render._chart import memory_chart
    from leaksleuth.render._terminal import verdict_section

    report, finished = _analysed(path)
    state = "finished" if finished else "running"
    parts: list[Any] = [Text(f"leaksleuth live · {state} · {path}", style="bold")]
    parts.append(verdict_section(report))
    chart = memory_chart(report, width=width)
    if chart is not None:
        parts.append(chart)
    if report.suspects:
        top = report.suspects[0]
        parts.append(Text(f"top suspect: {top.file}:{top.line}  {top.source.strip()}"))
    return Group(*parts), finished


def follow(
    path: str,
    until: Callable[[], bool] = lambda: False,
    stream: Optional[TextIO] = None,
    wait: float = 10.0,
) -> None:
    """Redraw ``path``'s report on ``stream`` every second until the run finishes or
    ``until()`` says so. Never raises for a capture that is not there yet."""
    out = stream or sys.stderr
    deadline = time.monotonic() + wait
    finished = False
    while not finished and not until():
        try:
            width = shutil.get_terminal_size((100, 30)).columns
            text, finished = frame(path, width, color=True)
        except CaptureError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
            continue
        # Home and clear, then the frame: one write, so the screen never shows half.
        out.write("\x1b[H\x1b[2J" + text)
        out.flush()
        if not finished:
            time.sleep(1.0)


def run(args: argparse.Namespace) -> int:
    if args.once:
        text, _ = frame(args.capture, 100, color=False)
        sys.stdout.write(text)
        return 0
    if not sys.stdout.isatty():
        raise UsageError("live needs a terminal on stdout; use --once, or `leaksleuth report`")
    follow(args.capture, stream=sys.stdout, wait=args.wait)
    return 0


class LiveRun:
    """``run --live``: the live view at the bottom of the terminal (stderr), and the
    program's output passed through above it.

    The program writes to pseudo-terminals (so it still sees a terminal, with this
    terminal's size); a thread copies each line above the live view. A stream that is
    not a terminal (stdout redirected to a file) stays the program's own, untouched.
    """

    def __init__(self, capture: str) -> None:
        self.capture = capture
        self.fds: dict[str, tuple[int, int]] = {}
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream.isatty():
                master, slave = pty.openpty()
                _copy_size(stream.fileno(), slave)
                self.fds[name] = (master, slave)

    def child_streams(self) -> dict[str, int]:
        return {name: slave for name, (_, slave) in self.fds.items()}

    def watch(self, done: Callable[[], bool]) -> None:
        """Show the view until ``done()``; then copy what is left of the output."""
        import threading

        from rich.console import Console
        from rich.live import Live

        console = Console(file=sys.stderr)
        for _, slave in self.fds.values():
            os.close(slave)  # the child holds them now
        with Live(console=console, refresh_per_second=2, transient=True) as live:
            threads = [
                threading.Thread(target=self._copy, args=(master, live), daemon=True)
                for master, _ in self.fds.values()
            ]
            for t in threads:
                t.start()
            while not done():
                try:
                    view, _ = compact(self.capture, console.width)
                    live.update(view)
                except CaptureError:
                    pass
                time.sleep(1.0)
            for t in threads:
                t.join(timeout=2.0)

    def _copy(self, master: int, live: Any) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the program closed its end
                chunk = b""
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                live.console.print(
                    line.decode("utf-8", "replace"), markup=False, highlight=False, soft_wrap=True
                )
        if pending:
            live.console.print(pending.decode("utf-8", "replace"), markup=False, highlight=False)
        os.close(master)


def _copy_size(from_fd: int, to_fd: int) -> None:
    import fcntl
    import termios

    try:
        size = fcntl.ioctl(from_fd, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(to_fd, termios.TIOCSWINSZ, size)
    except OSError:
        pass
