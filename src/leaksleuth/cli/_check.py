"""``leaksleuth check TARGET``: call a function repeatedly and say whether memory leaks."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

from leaksleuth._api import CheckOptions, check
from leaksleuth._errors import UsageError
from leaksleuth.cli._progress import progress_display
from leaksleuth.cli._reporting import terminal_style, write_file
from leaksleuth.cli._target import TARGET_FORMS, load_target, run_setup
from leaksleuth.render import render_html, render_json, render_terminal, render_verdict
from leaksleuth.report import Report

EXIT_NO_LEAK = 0
EXIT_LEAK = 1
EXIT_ERROR = 2
EXIT_INCONCLUSIVE = 3
EXIT_CODES = {"flat": EXIT_NO_LEAK, "plateau": EXIT_NO_LEAK, "leak": EXIT_LEAK}

EXIT_CODES_HELP = """\
exit codes:
  0    no leak: memory is flat, or grew and then stopped (plateau)
  1    leak: memory grows with every iteration
  2    usage or target error; also when the target raised while being measured
       (the report is still printed and covers the iterations before the error)
  3    inconclusive: not enough evidence yet; try a larger --max-iterations
  130  interrupted (Ctrl-C)
"""

DESCRIPTION = """\
Call TARGET repeatedly, watch the process's memory, and tell whether it leaks: a
verdict with the growth per iteration and its confidence interval, and the
allocation sites that grow. Measuring stops early once nothing grows; a leak is judged
on every iteration --max-iterations allows.

TARGET is path/to/file.py:function, package.module:function or
module:Class.method. A file is imported with its directory first on sys.path; a
module is also looked for in the working directory, as `python -m` does."""

EXAMPLES = """\
examples:
  leaksleuth check app.py:handle_request
  leaksleuth check examples/frames.py:process_frame --setup make_frames
  leaksleuth check mypkg.cache:Cache.put --json | jq .verdict.status
"""


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of 0 or more, not {text}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``check`` and its options on the top-level parser's subcommands."""
    parser = subparsers.add_parser(
        "check",
        help="call a function repeatedly and tell whether it leaks memory",
        description=DESCRIPTION,
        epilog=f"{EXAMPLES}\n{EXIT_CODES_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", metavar="TARGET", help=TARGET_FORMS)
    _add_measuring_options(parser)
    _add_output_options(parser)
    parser.set_defaults(run=run)


def _add_measuring_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-iterations",
        type=_positive_int,
        default=1000,
        metavar="N",
        help="call the target at most N times (default: %(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=_non_negative_int,
        metavar="N",
        help="count at least the first N iterations as warm-up (default: detected)",
    )
    parser.add_argument(
        "--setup",
        metavar="FUNC",
        help="call FUNC once before measuring; a value it returns is passed to the target "
        "on every call. FUNC is a name in TARGET's file or module, or a TARGET itself",
    )
    parser.add_argument(
        "--retention-seconds",
        type=_non_negative_float,
        default=2.0,
        metavar="S",
        help="time allowed to find what keeps leaked objects alive; 0 skips the search "
        "(default: %(default)s)",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the report as JSON on stdout, and nothing else there",
    )
    parser.add_argument(
        "--html",
        metavar="FILE",
        help="also write a self-contained HTML report (opens offline) to FILE",
    )
    native = parser.add_mutually_exclusive_group()
    native.add_argument(
        "--native",
        action="store_const",
        const=True,
        default=None,
        help="trace a window of iterations with memray's native stacks to find which native "
        "code allocates the growth (default: only when the growth is native; needs "
        "pip install 'leaksleuth[native]')",
    )
    native.add_argument(
        "--no-native",
        dest="native",
        action="store_const",
        const=False,
        help="never trace native stacks",
    )
    parser.add_argument(
        "--no-redact",
        action="store_true",
        help="show object descriptions as they are; by default what looks like a secret "
        "(passwords, tokens, keys) is masked",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only the verdict; no progress display"
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress display (it is shown on stderr only when that is a terminal)",
    )


def exit_code(report: Report) -> int:
    """The process exit status for a report: see ``EXIT_CODES_HELP``."""
    if report.target_failure is not None:
        return EXIT_ERROR
    return EXIT_CODES.get(report.verdict.status, EXIT_INCONCLUSIVE)


@contextlib.contextmanager
def _stdout_kept_for_report(json_output: bool) -> Iterator[None]:
    # With --json, stdout must hold only the JSON: what the target prints goes to stderr.
    if not json_output:
        yield
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield


def measure(args: argparse.Namespace) -> Report:
    """Load the target, run its setup, and check it with the options in ``args``."""
    if args.warmup is not None and args.warmup >= args.max_iterations:
        raise UsageError("--warmup must be smaller than --max-iterations")
    with _stdout_kept_for_report(args.json):
        target = load_target(args.target, args.setup)
        arguments = run_setup(target)
        show = not (args.quiet or args.no_progress)
        with progress_display(args.target, enabled=show) as progress:
            return check(
                target.function,
                *arguments,
                max_iterations=args.max_iterations,
                warmup=args.warmup,
                progress=progress,
                target_name=args.target,
                options=CheckOptions(
                    retention=args.retention_seconds > 0,
                    retention_seconds=args.retention_seconds,
                    redact=not args.no_redact,
                    native=args.native,
                ),
            )


def print_report(report: Report, *, json_output: bool, quiet: bool) -> None:
    """Write the report to stdout: JSON, the verdict only (quiet), or the full report."""
    if json_output:
        text = render_json(report) + "\n"
    else:
        width, color = terminal_style(sys.stdout)
        render = render_verdict if quiet else render_terminal
        text = render(report, width=width, color=color)
    sys.stdout.write(text)
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    """Run ``leaksleuth check`` and return its exit status."""
    report = measure(args)
    print_report(report, json_output=args.json, quiet=args.quiet)
    if args.html:
        write_file(args.html, render_html(report))
    return exit_code(report)
