"""The IPython extension: ``%load_ext leaksleuth``, then ``%%leaksleuth`` on a cell.

``%%leaksleuth [-n N] [--warmup W] [--max-seconds S]`` runs the cell's code up to N times
in the notebook's namespace, the way ``check()`` calls a function, and returns the
``Report``: Jupyter shows it as the HTML report, IPython's terminal as the text report,
and ``_`` holds it. ``%leaksleuth_last`` returns the last report again.

The cell is compiled once, under the name IPython gives cells, so the suspects and
tracebacks name its lines (``<ipython-input-4-...>:3``, or ipykernel's file) with their
source. Top-level ``await`` is not supported in a checked cell.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
from typing import Any, List, Optional

from leaksleuth._api import CheckOptions, check
from leaksleuth.analysis import AnalysisConfig
from leaksleuth.report import Report

USAGE = "%%leaksleuth [-n N] [--warmup W] [--max-seconds S] [--no-redact]"


class _Discard:
    """A stream that keeps nothing."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


_DISCARD: Any = _Discard()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, not argparse's exit
        raise ValueError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="%%leaksleuth", add_help=False, usage=USAGE)
    parser.add_argument("-n", "--iterations", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=None)
    parser.add_argument("--no-redact", action="store_true")
    return parser


class Extension:
    """The magics of one IPython shell, and the last report they made."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.last: Optional[Report] = None

    def cell(self, line: str, cell: str) -> Optional[Report]:
        """``%%leaksleuth``: check the cell; the report is the cell's value."""
        args = self._arguments(line)
        shell = self.shell
        number = getattr(shell, "execution_count", 0)
        source = shell.transform_cell(cell)
        name = shell.compile.cache(source, number, raw_code=cell)
        code = shell.compile(source, name, "exec")
        namespace = shell.user_ns
        runs = [0]

        def run_cell() -> None:
            runs[0] += 1
            if runs[0] == 1:
                exec(code, namespace)
                return
            # What the cell prints shows once, from its first run, not N times.
            with contextlib.redirect_stdout(_DISCARD), contextlib.redirect_stderr(_DISCARD):
                exec(code, namespace)

        options = CheckOptions(
            redact=not args.no_redact, analysis=AnalysisConfig(user_files=(name,))
        )
        self.last = check(
            run_cell,
            max_iterations=args.iterations,
            warmup=args.warmup,
            max_seconds=args.max_seconds,
            target_name=_cell_name(cell),
            options=options,
        )
        return self.last

    def last_report(self, line: str = "") -> Optional[Report]:
        """``%leaksleuth_last``: the last report again (None before the first)."""
        if self.last is None:
            print("leaksleuth: no cell has been checked yet; use %%leaksleuth on a cell")
        return self.last

    def _arguments(self, line: str) -> argparse.Namespace:
        from IPython.core.error import UsageError

        try:
            args = _parser().parse_args(_split(line))
        except ValueError as exc:
            raise UsageError(f"{exc}; usage: {USAGE}") from None
        if args.iterations < 1:
            raise UsageError(f"-n must be at least 1, not {args.iterations}")
        if args.warmup is not None and not 0 <= args.warmup < args.iterations:
            raise UsageError("--warmup must be 0 or more and smaller than -n")
        if args.max_seconds is not None and not args.max_seconds > 0:
            raise UsageError("--max-seconds must be more than 0")
        return args


def _cell_name(cell: str) -> str:
    """The report's target: the cell's first line of code."""
    lines = [
        ln.strip() for ln in cell.splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]
    first = lines[0] if lines else ""
    if len(first) > 60:
        first = first[:59] + "…"
    more = " …" if len(lines) > 1 else ""
    return f"cell: {first}{more}" if first else "empty cell"


def _split(line: str) -> List[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def load(shell: Any) -> None:
    """Register the magics on ``shell`` (``%load_ext leaksleuth``)."""
    extension = Extension(shell)
    shell.register_magic_function(extension.cell, magic_kind="cell", magic_name="leaksleuth")
    shell.register_magic_function(
        extension.last_report, magic_kind="line", magic_name="leaksleuth_last"
    )
