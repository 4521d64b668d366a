"""``leaksleuth lines TARGET``: what each line of a function allocates, keeps and peaks at."""

from __future__ import annotations

import argparse
import sys

from leaksleuth._errors import LeaksleuthError, TargetError
from leaksleuth.cli._check import _non_negative_int, _positive_int
from leaksleuth.cli._reporting import write_file
from leaksleuth.cli._target import TARGET_FORMS, _describe, load_target, run_setup
from leaksleuth.profiles._lines import line_profile
from leaksleuth.profiles._lines_render import (
    render_lines_html,
    render_lines_json,
    render_lines_text,
)

DESCRIPTION = """\
Call TARGET --calls times and show, for each of its lines, per call: the bytes it
allocated (how far memory rose above where the line started, each time it ran), the
bytes it retained (still alive after the last call), the peak above the call's start,
and the memory blocks it kept. What the functions it calls allocate counts at the
line that called them; --depth opens their lines as a tree. The figures cover the
Python heap as tracemalloc traces it (numpy's buffers included); --c-heap adds the C
heap's net change per line (Linux, glibc).

TARGET is path/to/file.py:function, package.module:function or
module:Class.method, as for `leaksleuth check`."""

EXAMPLES = """\
examples:
  leaksleuth lines app.py:handle_request --calls 20
  leaksleuth lines examples/frames.py:process_frame --setup make_frames --depth 1
  leaksleuth lines mypkg.etl:load --json | jq '.lines[] | select(.heavy)'

exit codes:
  0    the profile was printed
  2    usage or target error, or the target raised during a call (nothing is printed)
  130  interrupted (Ctrl-C)
"""


def _frames(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:  # tracemalloc's own bound
        raise argparse.ArgumentTypeError(f"must be at most 65535, not {value}")
    return value


def add_parser(subcommands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subcommands.add_parser(
        "lines",
        help="what each line of a function allocates and keeps",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", metavar="TARGET", help=TARGET_FORMS)
    parser.add_argument("--calls", type=_positive_int, default=10,
                        help="calls to profile; figures are per call (default 10)")  # fmt: skip
    parser.add_argument("--setup", metavar="FUNC",
                        help="called once first; its result, unless None, is TARGET's "
                        "argument")  # fmt: skip
    parser.add_argument("--depth", type=_non_negative_int, default=0,
                        help="open the lines of called functions to this depth")  # fmt: skip
    parser.add_argument("--c-heap", action="store_true",
                        help="also read the C heap at every line (Linux; slower)")  # fmt: skip
    parser.add_argument("--frames", type=_frames, default=64,
                        help="tracemalloc's traceback limit: enough frames to reach TARGET "
                        "from what the functions it calls allocate (default 64)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print JSON (docs/lines.md)")
    parser.add_argument("--html", metavar="FILE", help="also write a self-contained page")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    target = load_target(args.target, args.setup)
    arguments = run_setup(target)
    try:
        profile = line_profile(target.function, *arguments, calls=args.calls,
                               depth=args.depth, c_heap=args.c_heap, frames=args.frames,
                               name=args.target)  # fmt: skip
    except LeaksleuthError:
        raise
    except SystemExit as exc:  # the target's own sys.exit(): not this command's status
        raise TargetError(f"{args.target} called sys.exit({exc.code!r})") from None
    except Exception as exc:
        raise TargetError(f"{args.target} raised {_describe(exc)}") from None
    sys.stdout.write(render_lines_json(profile) + "\n" if args.json else render_lines_text(profile))
    if args.html:
        write_file(args.html, render_lines_html(profile))
    return 0
