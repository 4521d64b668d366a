"""Reading a capture file back and writing its reports: shared by ``run`` and ``report``."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
from dataclasses import dataclass
from typing import List, Optional, TextIO

from leaksleuth._errors import CaptureError, UsageError
from leaksleuth.analysis import build_report
from leaksleuth.capture import Capture
from leaksleuth.capture._store import is_store, read_store, write_suspects
from leaksleuth.render import render_html, render_json, render_terminal
from leaksleuth.report import Report


@dataclass(frozen=True)
class ProcessReport:
    """The report on one process of a run (the program's, or a forked child's)."""

    pid: Optional[int]
    capture: str
    report: Report
    child: bool = False


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write the JSON report (docs/json-schema.md) to FILE; without FILE, instead "
        "of the terminal report",
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="write a self-contained HTML report (opens offline) to FILE",
    )
    parser.add_argument(
        "--no-redact",
        action="store_true",
        help="show object descriptions as they are; by default what looks like a secret is masked",
    )


def analyse_run(path: str, redact: bool = True) -> List[ProcessReport]:
    """Reports on a capture file and on the forked processes it lists."""
    if not os.path.exists(path):
        raise CaptureError(f"no such capture file: {path}")
    if not is_store(path):
        capture = Capture.load(path)
        return [ProcessReport(capture.meta.get("pid"), path, build_report(capture))]
    stored = read_store(path)
    main = ProcessReport(stored.meta.get("pid"), path, build_report(stored.capture))
    _keep_suspects(path, main.report)
    out = [main]
    for pid, _parent, child_path in stored.processes:
        try:
            child = read_store(child_path).capture
        except CaptureError as exc:
            print(f"leaksleuth: process {pid}: {exc}", file=sys.stderr)
            continue
        report = build_report(child)
        _keep_suspects(child_path, report)
        out.append(ProcessReport(pid, child_path, report, child=True))
    return out


def _keep_suspects(path: str, report: Report) -> None:
    """Store the analysed suspects in the capture (best effort: it may be read-only)."""
    rows = [
        (
            i + 1,
            s.file,
            s.line,
            s.bytes_per_iteration,
            s.share,
            [f"{f.file}:{f.line}" for f in s.traceback],
        )
        for i, s in enumerate(report.suspects)
    ]
    with contextlib.suppress(Exception):
        write_suspects(path, rows)


def _numbered(path: str, pid: Optional[int]) -> str:
    stem, ext = os.path.splitext(path)
    return f"{stem}.{pid}{ext}"


def write_outputs(reports: List[ProcessReport], args: argparse.Namespace, stream: TextIO) -> None:
    """The terminal report (or JSON) to ``stream``; JSON and HTML files as asked."""
    if not reports:
        return
    for item in reports:
        header = f"process {item.pid} (forked)\n" if item.child else ""
        if args.json == "-":
            stream.write(render_json(item.report) + "\n")
        else:
            width, color = terminal_style(stream)
            stream.write(header + render_terminal(item.report, width=width, color=color))
        if args.json not in (None, "-"):
            path = args.json if not item.child else _numbered(args.json, item.pid)
            write_file(path, render_json(item.report) + "\n")
        if args.html:
            path = args.html if not item.child else _numbered(args.html, item.pid)
            write_file(path, render_html(item.report))
    stream.flush()


def write_file(path: str, text: str) -> None:
    """Write a report file, readable by its owner only (reports can hold secrets)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def terminal_style(stream: TextIO) -> tuple[int, bool]:
    """Width and colour for a report written to ``stream``, from the stream and
    NO_COLOR/FORCE_COLOR."""
    if not stream.isatty():
        return 100, bool(os.environ.get("FORCE_COLOR"))
    return shutil.get_terminal_size((100, 24)).columns, not os.environ.get("NO_COLOR")
