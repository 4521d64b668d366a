"""``leaksleuth live CAPTURE``: follow a capture file while its program runs.

Every second it reads the file (read-only: the program's process is the only writer),
analyses what is there and redraws the report: the verdict so far, every signal
against iterations, which memory grows and the suspects found so far. It ends when the
run is finished (or on Ctrl-C), leaving the last report on screen.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from typing import Any, Callable, Optional, TextIO

from leaksleuth._errors import CaptureError, UsageError
from leaksleuth.analysis import build_report
from leaksleuth.capture._store import read_store
from leaksleuth.render import render_terminal

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


def frame(path: str, width: int, color: bool) -> tuple[str, bool]:
    """One frame of the view, and whether the run has finished."""
    stored = read_store(path)
    report = build_report(stored.capture)
    state = "finished" if stored.finished else "running"
    head = f"leaksleuth live  {path}  ({state}, {time.strftime('%H:%M:%S')})\n"
    return head + render_terminal(report, width=width, color=color, max_suspects=3), stored.finished


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
