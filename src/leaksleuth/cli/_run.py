"""``leaksleuth run [options] script.py [args...]`` and ``... -m module [args...]``.

The program runs in a child process (``leaksleuth.runner._child``) with the probe
inside, streaming to an SQLite capture file; this process waits, optionally shows the
live view, and analyses the capture once the program ends, however it ends (a normal
exit, ``sys.exit``, an exception, Ctrl-C, or a kill). Its exit status is the program's.
The report goes to stderr, so the program's stdout stays its own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from leaksleuth._errors import LeaksleuthError, UsageError
from leaksleuth.cli._reporting import add_output_options, analyse_run, write_outputs
from leaksleuth.runner._child import ENV

EXIT_USAGE = 2

DESCRIPTION = """\
Run a whole program under leaksleuth, as `python script.py` or `python -m module`
would run it, and report whether its memory leaks, where, and why. Iterations are
the calls of --iterate-on's function, else the program's leaksleuth.tick() calls,
else windows of --interval seconds. Everything is written as it happens to an SQLite
capture file (--capture), which `leaksleuth report` reads again at any time; the
report is printed to stderr when the program ends, and the program's exit status
is passed through."""

EXAMPLES = """\
examples:
  leaksleuth run video.py --camera 0
  leaksleuth run --iterate-on face01lib.Core:Core.frame_pre_processing main.py
  leaksleuth run --interval 5 --html report.html -m myservice.worker
  leaksleuth report leaksleuth-video.1234.db --json
  leaksleuth live leaksleuth-video.1234.db       (in another terminal, while it runs)
"""

# Options of `run` that take a value (the rest are flags); the program starts at the
# first argument that is neither.
_VALUED = ("--iterate-on", "--interval", "--capture", "--json", "--html", "--prometheus")
_FLAGS = ("--follow-fork", "--live", "--no-redact", "-h", "--help")


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "run",
        help="run a whole program under leaksleuth and report on it",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="leaksleuth run [options] (script.py | -m module) [args...]",
    )
    parser.add_argument(
        "--iterate-on",
        metavar="MODULE:QUALNAME",
        help="each call of this function is one iteration (also when its module is "
        "imported later); for the program's own script use __main__:func",
    )
    parser.add_argument(
        "--interval",
        type=_positive_float,
        default=1.0,
        metavar="SECONDS",
        help="length of a time window when nothing else marks iterations (default 1)",
    )
    parser.add_argument(
        "--capture",
        metavar="PATH",
        help="the capture file to write (default leaksleuth-NAME.PID.db here); never overwritten",
    )
    parser.add_argument(
        "--follow-fork",
        action="store_true",
        help="also watch processes the program forks (multiprocessing workers too); "
        "each gets its own capture file and report",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="show the live view at the bottom of the terminal while the program runs "
        "(when stderr is a terminal); the program's output scrolls above it",
    )
    parser.add_argument(
        "--prometheus",
        metavar="HOST:PORT",
        help="serve the run's metrics for Prometheus on this loopback address while the "
        "program runs, such as 127.0.0.1:9108 (needs leaksleuth[prometheus]; "
        "docs/prometheus.md)",
    )
    add_output_options(parser)
    parser.set_defaults(run=run, script=None, module=None, program_args=[])


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def split_program(
    argv: Sequence[str],
) -> Tuple[List[str], Optional[str], Optional[str], List[str]]:
    """``run``'s own options, then the script or ``-m`` module, then the program's args."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "-m":
            if i + 1 >= len(argv):
                raise UsageError("-m needs a module name")
            return list(argv[:i]), None, argv[i + 1], list(argv[i + 2 :])
        if token in _VALUED:
            i += 2
        elif token in _FLAGS or token.split("=", 1)[0] in _VALUED:
            i += 1
        elif token.startswith("-") and token != "-":
            i += 1  # unknown: argparse names it
        else:
            return list(argv[:i]), token, None, list(argv[i + 1 :])
    return list(argv), None, None, []


def default_capture(name: str) -> str:
    stem = os.path.splitext(os.path.basename(name))[0] or "program"
    return os.path.abspath(f"leaksleuth-{stem}.{os.getpid()}.db")


def run(args: argparse.Namespace) -> int:
    """Run the program; report; return the program's exit status."""
    script, module = args.script, args.module
    if script is None and module is None:
        raise UsageError("name a script to run (leaksleuth run script.py) or -m module")
    if script is not None and not os.path.isfile(script):
        raise UsageError(f"no such script: {script}")
    target = script if script is not None else f"-m {module}"
    capture = os.path.abspath(args.capture or default_capture(script or module))
    if os.path.exists(capture):
        raise UsageError(f"capture file {capture} already exists; choose another --capture")
    directory = os.path.dirname(capture)
    if not os.path.isdir(directory):
        raise UsageError(f"no such directory for the capture: {directory}")
    settings: Dict[str, Any] = {
        "script": script,
        "module": module,
        "argv": list(args.program_args),
        "target": target,
        "capture": capture,
        "iterate_on": args.iterate_on,
        "interval": args.interval,
        "follow_fork": args.follow_fork,
        "no_redact": args.no_redact,
    }
    if args.iterate_on:
        from leaksleuth.runner._hooks import parse_spec

        parse_spec(args.iterate_on)  # a malformed spec is a usage error before starting
    if args.prometheus:
        from leaksleuth.cli._metrics import serve

        serve(args.prometheus, capture, args.iterate_on)
    status = _run_child(settings, live=args.live)
    if not os.path.exists(capture):
        return status  # the child refused to start (its one-line error is printed)
    try:
        write_outputs(analyse_run(capture, redact=not args.no_redact), args, stream=sys.stderr)
    except LeaksleuthError as exc:  # the program's status still passes through
        print(f"leaksleuth: error: {' '.join(str(exc).split())}", file=sys.stderr)
    print(f"leaksleuth: capture written to {capture}", file=sys.stderr)
    return status


def _run_child(settings: Dict[str, Any], live: bool = False) -> int:
    env = dict(os.environ)
    control_read, control_write = os.pipe()
    env[ENV] = json.dumps({**settings, "control_fd": control_read})
    cmd = [sys.executable, "-c", "from leaksleuth.runner._child import main; main()"]
    view = None
    if live and sys.stderr.isatty():
        from leaksleuth.cli._live import LiveRun

        view = LiveRun(settings["capture"])
    elif live:
        print("leaksleuth: --live needs stderr to be a terminal; running without", file=sys.stderr)
    streams = view.child_streams() if view is not None else {}
    # Ctrl-C reaches the program (same process group) and ends it with a report; this
    # process only waits. A SIGTERM sent to this process is passed on.
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    proc = subprocess.Popen(cmd, env=env, pass_fds=(control_read,), **streams)  # type: ignore[call-overload]
    os.close(control_read)
    # This process only waits and analyses the capture: where both compete for a CPU,
    # the program goes first.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    previous_term = signal.signal(signal.SIGTERM, lambda s, f: proc.send_signal(signal.SIGTERM))
    looks = threading.Thread(
        target=_interim_looks,
        args=(settings["capture"], control_write, lambda: proc.poll() is not None),
        name="leaksleuth-looks",
        daemon=True,
    )
    looks.start()
    try:
        if view is not None:
            view.watch(done=lambda: proc.poll() is not None)
        code = int(proc.wait())
    finally:
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)
        with contextlib.suppress(OSError):
            os.close(control_write)
    return code if code >= 0 else 128 - code  # killed by signal N: 128 + N, as a shell says


_LEVEL_LOOK_S = 0.7  # the next look after asking for a full gc pass


def _interim_looks(capture: str, control: int, done: Callable[[], bool]) -> None:
    """Take the interim verdicts here, from the capture file, so the program's process
    pays nothing for them; when memory grows, ask it for its tracemalloc burst (once).

    Looks come at growing intervals (2 s, then 1.5 times longer each, at most 30 s). The
    burst is asked for on a leak verdict (then the holders are searched too), or, from
    the second look on (about 5 s), on an undecided verdict with a signal whose growth is
    clear of zero, at least the minimum rate, and not taken back by full gc passes
    (``growth_worth_a_burst``). A leak verdict needs the levels of full gc passes, which
    the program affords only within a budget: when a rise needs more of them to decide,
    the program is asked for one pass and the next look comes within a second, so that
    the sites are found before a short program ends.
    """
    from leaksleuth._api import burst_period, growth_worth_a_burst, needs_levels
    from leaksleuth.analysis import build_report
    from leaksleuth.capture._store import read_store

    wait, looks, burst_asked = 2.0, 0, False
    next_look = time.monotonic() + wait
    while not done():
        time.sleep(0.2)
        if time.monotonic() < next_look:
            continue
        wait = min(wait * 1.5, 30.0)
        next_look = time.monotonic() + wait
        looks += 1
        try:
            verdict = build_report(read_store(capture).capture).verdict
            leak = verdict.status == "leak"
            if not burst_asked and (leak or (looks >= 2 and growth_worth_a_burst(verdict))):
                line = f"burst {int(leak)} {burst_period(verdict)} {verdict.kind or '-'}\n"
                os.write(control, line.encode("ascii"))
                burst_asked = True
            if leak:
                return
            if needs_levels(verdict):
                # One more full gc pass, and a look again soon: the burst waits for the
                # levels that tell a leak from garbage, and a short program ends soon.
                os.write(control, b"settle\n")
                next_look = time.monotonic() + _LEVEL_LOOK_S
        except Exception:  # not written yet, or the program is gone: look again later
            continue
