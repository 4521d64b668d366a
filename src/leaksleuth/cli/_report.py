"""``leaksleuth report CAPTURE``: analyse a capture file again, at any time."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from leaksleuth.analysis._routes import merge_processes
from leaksleuth.cli._check import EXIT_CODES, EXIT_INCONCLUSIVE
from leaksleuth.cli._reporting import (
    ProcessReport,
    add_output_options,
    analyse_run,
    write_outputs,
)

DESCRIPTION = """\
Analyse a capture file written by `leaksleuth run` (an SQLite file) or saved from the
Python API (a JSON capture), also while the program is still running or after it was
killed: the verdict, the suspects, what holds them and which memory grows. The exit
status is the verdict's, as for `leaksleuth check` (of the program's own process)."""


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "report",
        help="analyse a capture file again",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "capture",
        metavar="CAPTURE",
        nargs="+",
        help="the capture file; several (the worker processes of one service, "
        "leaksleuth-web.PID.db) are merged into one report, by route",
    )
    add_output_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    reports = [r for path in args.capture for r in analyse_run(path, redact=not args.no_redact)]
    if len(args.capture) > 1:
        processes = [r.report for r in reports]
        target = f"{processes[0].target}, {len(processes)} processes"
        merged = merge_processes(processes, target)
        reports = [ProcessReport(None, args.capture[0], merged)]
    write_outputs(reports, args, stream=sys.stdout)
    return EXIT_CODES.get(reports[0].report.verdict.status, EXIT_INCONCLUSIVE)
