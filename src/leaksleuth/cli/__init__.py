"""The command line: ``leaksleuth check TARGET``, ``run PROGRAM``, ``report CAPTURE``,
``live``, and the profiles ``lines TARGET`` and ``imports SCRIPT``.

``main(argv)`` returns the exit status instead of exiting, so tests can call it::

    >>> main(["check", "app.py:handle", "--json"])  # doctest: +SKIP
    1
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, Optional

from leaksleuth import __version__
from leaksleuth._errors import LeaksleuthError
from leaksleuth.cli import _check, _imports, _lines, _live, _report, _run

EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe


def build_parser() -> argparse.ArgumentParser:
    """The ``leaksleuth`` parser with one sub-parser per subcommand."""
    parser = argparse.ArgumentParser(
        prog="leaksleuth",
        description="Does your loop leak memory, where, and why.",
        epilog=_check.EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _check.add_parser(subcommands)
    _run.add_parser(subcommands)
    _report.add_parser(subcommands)
    _live.add_parser(subcommands)
    _lines.add_parser(subcommands)
    _imports.add_parser(subcommands)
    return parser


def _error(message: str) -> None:
    one_line = " ".join(message.split())
    print(f"leaksleuth: error: {one_line}", file=sys.stderr)


def _silence_stdout() -> None:
    # After a closed pipe, Python's final flush of stdout would fail again and print a
    # traceback; point stdout at /dev/null instead.
    devnull = os.open(os.devnull, os.O_WRONLY)
    # A stdout without a file descriptor (replaced in-process) has nothing to flush.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the status.

    Errors leaksleuth raises on purpose become one line on stderr and status 2.
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    program = None
    if argv[:1] == ["run"]:
        # The program's own arguments follow its name untouched: split them off first.
        try:
            options, script, module, program_args = _run.split_program(argv[1:])
        except LeaksleuthError as exc:
            _error(str(exc))
            return 2
        argv, program = ["run", *options], (script, module, program_args)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors (status 2)
        return exc.code if isinstance(exc.code, int) else 2
    if program is not None:
        args.script, args.module, args.program_args = program
    try:
        return int(args.run(args))
    except LeaksleuthError as exc:
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        print("leaksleuth: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def entry_point() -> NoReturn:
    """The ``leaksleuth`` console script."""
    sys.exit(main())


__all__ = ["build_parser", "entry_point", "main"]
