"""``leaksleuth report CAPTURE``: analyse a capture file again, at any time."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from leaksleuth.cli._check import EXIT_CODES, EXIT_INCONCLUSIVE
from leaksleuth.cli._reporting import add_output_options, analyse_run, write_outputs

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
    parser.add_argument("capture", metavar="CAPTURE", help="the capture file")
    add_output_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    reports = analyse_run(args.capture, redact=not args.no_redact)
    write_outputs(reports, args, stream=sys.stdout)
    return EXIT_CODES.get(reports[0].report.verdict.status, EXIT_INCONCLUSIVE)
