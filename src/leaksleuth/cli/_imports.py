"""``leaksleuth imports (script.py | -m module) [args...]``: what each import costs.

The program runs twice in fresh interpreters (``leaksleuth.profiles._imports``); this
process renders what they measured: the terminal table on stdout, or the JSON document
(``--json``), and the HTML page (``--html``). The program's own output goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from leaksleuth._errors import UsageError
from leaksleuth.cli._check import _positive_int
from leaksleuth.cli._reporting import write_file
from leaksleuth.profiles._imports import ImportProfile, ImportTarget, profile_imports
from leaksleuth.profiles._imports_render import SORT_KEYS, render_html, render_terminal

EXIT_OK = 0
EXIT_PROGRAM_FAILED = 1
EXIT_USAGE = 2

DESCRIPTION = """\
Profile a program's imports: which modules cost its start-up time and memory. Each
import is listed with the time it took and the memory it added (Python heap, RSS, C
heap), both on its own (self) and with what it imported (cumulative), as a tree of who
imported whom, heaviest branches first. The program runs twice in fresh interpreters:
once under tracemalloc for the Python heap, once without it for the times, RSS and the C
heap. Everything imported while it runs is counted (also imports inside functions); the
program's own work beside imports is not counted as any module's. See docs/imports.md."""

EPILOG = """\
examples:
  leaksleuth imports tool.py --input data.csv
  leaksleuth imports --sort memory --html imports.html -m mypackage.cli
  leaksleuth imports --json -m mypackage > imports.json

exit codes:
  0    the program ran and ended with status 0
  1    the program failed (raised, or exited with a non-zero status): the report is
       still written and covers what it imported until then
  2    usage error, or the script or module cannot be found
  130  interrupted (Ctrl-C)
"""


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "imports",
        help="profile what each import costs a program's start-up",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="leaksleuth imports [options] (script.py | -m module) [args...]",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the JSON document (docs/imports.md) instead of the table",
    )
    parser.add_argument("--html", metavar="FILE", help="write the icicle page to FILE")
    parser.add_argument(
        "--sort",
        choices=sorted(SORT_KEYS),
        default="time",
        help="order the table by cumulative time or cumulative Python heap (default time)",
    )
    parser.add_argument(
        "--top",
        type=_positive_int,
        default=15,
        metavar="N",
        help="show the N heaviest of the program's own imports (default 15)",
    )
    parser.add_argument(
        "--depth",
        type=_positive_int,
        default=6,
        metavar="N",
        help="fold imports nested deeper than N levels (default 6)",
    )
    parser.add_argument(
        "--min-percent",
        type=float,
        default=1.0,
        metavar="P",
        help="fold imports that cost under P%% of the total (default 1)",
    )
    parser.add_argument(
        "-m",
        dest="module",
        nargs=argparse.REMAINDER,
        metavar="MODULE [ARGS]",
        help="run a module as python -m does; what follows is its arguments",
    )
    parser.add_argument(
        "program",
        nargs=argparse.REMAINDER,
        metavar="script.py [args...]",
        help="the script to run; what follows is its arguments",
    )
    parser.set_defaults(run=run)


def target_from(args: argparse.Namespace) -> ImportTarget:
    """The script or module ``args`` name, with its arguments."""
    if args.module is not None:
        if not args.module:
            raise UsageError("-m needs a module name")
        if args.program:
            raise UsageError("name either a script or -m MODULE, not both")
        return ImportTarget(module=args.module[0], args=tuple(args.module[1:]))
    if not args.program:
        raise UsageError("name a script to run (leaksleuth imports app.py) or -m MODULE")
    return ImportTarget(script=args.program[0], args=tuple(args.program[1:]))


def run(args: argparse.Namespace) -> int:
    """Profile the program's imports and write the outputs; see the exit codes above."""
    profile = profile_imports(target_from(args))
    if args.html:
        write_file(args.html, render_html(profile))
    if args.json:
        sys.stdout.write(json.dumps(profile.to_dict(), indent=2) + "\n")
    else:
        text = render_terminal(
            profile, sort=args.sort, top=args.top, min_percent=args.min_percent, depth=args.depth
        )
        sys.stdout.write(text)
    sys.stdout.flush()
    return _status(profile)


def _status(profile: ImportProfile) -> int:
    if profile.program_error is None and profile.program_status == 0:
        return EXIT_OK
    ended = profile.program_error or f"exited with status {profile.program_status}"
    print(
        f"leaksleuth: the program failed ({ended}); the report covers what it imported until then",
        file=sys.stderr,
    )
    return EXIT_PROGRAM_FAILED
