"""The watched side of ``leaksleuth run``: the program runs here, as Python would run it.

The CLI (the parent process) starts ``python -c "...main()"`` with the run's settings in
the ``LEAKSLEUTH_RUN`` environment variable (removed at once, so the program's own
subprocesses never see it). This process runs the program as ``__main__`` with its own
``sys.argv``, with stdin, stdout and stderr untouched, under a ``watch()`` whose rows
stream to the capture file. Iterations come from ``--iterate-on`` calls, else from the
program's ``leaksleuth.tick()`` calls, else from time windows (a daemon thread ticks
every ``--interval`` seconds until a better source ticks). The exit status is the
program's. Analysis happens in the parent, from the capture file: the interim verdicts
too, and when one says memory grows the parent asks, over a pipe, for the tracemalloc
burst (and the holder search), the two things that must run here.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import functools
import importlib.util
import json
import os
import platform
import runpy
import signal
import socket
import sys
import threading
import time
import traceback
import types
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from leaksleuth._api import CheckOptions, Watch
from leaksleuth.capture._store import CaptureWriter, add_process
from leaksleuth.probe import ProbeConfig
from leaksleuth.probe._frozen import STARTUP
from leaksleuth.profiles._imports_child import exit_status
from leaksleuth.runner import _state
from leaksleuth.runner._hooks import IterateOn, compile_with_iterations

ENV = "LEAKSLEUTH_RUN"
EXIT_USAGE = 2
FLUSH_SECONDS = 1.0
READ_BUDGET = 0.002  # of the program's time, for reading the signals
READ_ALLOWANCE = 0.05  # seconds of readings before the budget applies
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class ProgramRun:
    """One process's watch, capture writer and iteration sources."""

    def __init__(self, settings: Dict[str, Any], capture_path: str) -> None:
        self.settings = settings
        self.interval = float(settings.get("interval") or 1.0)
        self.preferred = "iterate-on" if settings.get("iterate_on") else "tick"
        self._lock = threading.RLock()  # re-entered only by a signal handler mid-tick
        # The tool's own time in the program's threads: starting up, then every tick.
        self.tool_seconds = 0.0
        self._depth = 0  # 1 while a tick runs (under the lock)
        self._source: Optional[str] = None
        self.sources: List[Tuple[int, str]] = []  # (first iteration, source)
        self._stop = threading.Event()
        self._flush_due = time.perf_counter() + FLUSH_SECONDS
        self._finished = False
        self._settled_written: Tuple[float, ...] = ()  # the last level row written
        # With a control channel, the CLI's process takes the interim looks (from the
        # capture file) and asks for the burst: this process only reads and writes.
        self.control_fd: Optional[int] = settings.get("control_fd")
        # The CLI's requests (a burst, a gc pass), run at the next tick, in order.
        self._requests: Deque[Callable[[], object]] = collections.deque()
        options = self._options()
        self.watch = Watch(settings["target"], None, options)
        self._probe = self.watch.probe
        self._looks_here = self.control_fd is None
        self.writer = CaptureWriter(capture_path, _facts(settings))
        self.watch.probe.sink = self.writer.add
        self.hook: Optional[IterateOn] = None
        # The holder search must see the containers frozen at start-up (``STARTUP``).
        self.watch.set_before_holders(STARTUP.thaw)

    def _options(self) -> CheckOptions:
        """The watch's options: a whole program's defaults."""
        settings = self.settings
        return CheckOptions(
            redact=not settings.get("no_redact", False),
            analysis_budget=0.0 if self.control_fd is not None else None,
            # A program is judged on the levels of full gc passes; a run of a few seconds
            # affords a few only with more than watch()'s first allowance.
            settle_allowance=0.04,
            # A whole program runs for long: 0.2% of its time still reads thousands of
            # rows an hour, and keeps the program's cost within 2%. The first 50 ms of
            # readings are free of it (``READ_ALLOWANCE``): a program of slow steps (a
            # training step of 20 ms, whose heap makes a reading cost 0.2-0.4 ms) gets
            # its first hundred-odd iterations read one by one, as the verdict needs.
            # At least every 256th iteration (fast loops): the budget governs otherwise.
            probe=ProbeConfig(
                record_budget=READ_BUDGET, record_floor=256, record_allowance=READ_ALLOWANCE
            ),
        )

    # -- iterations ---------------------------------------------------------------------
    def tick(self, source: str) -> None:
        """End of one iteration from ``source`` (iterate-on, tick, interval). Never raises.

        Kept short: right after the program's own work the caches are cold, and each
        call and attribute here costs more than it would in a tight loop.
        """
        clock = time.perf_counter
        started = clock()
        lock = self._lock
        lock.acquire()
        if self._depth:  # re-entered (a signal handler during a tick): already counted
            lock.release()
            return
        self._depth = 1
        try:
            if self._finished or (source != self._source and not self._accepts(source)):
                return
            probe = self._probe
            if self._looks_here:
                self.watch.tick()  # interim looks and gc passes here (forked children)
            else:
                probe.tick()
                # The full gc passes a leak verdict needs, within their budget.
                self.watch.settle_within_budget()
            while self._requests:
                self._requests.popleft()()
            if len(probe.bursts) > self.writer.bursts_written:
                probe.outside(self._write_bursts)
            if clock() >= self._flush_due:
                probe.outside(self._flush_now)
        except Exception as exc:  # the program must survive the tool
            self._probe.note_error("run tick", exc)
        finally:
            self._depth = 0
            lock.release()
            self.tool_seconds += clock() - started

    def _accepts(self, source: str) -> bool:
        if source == self._source:
            return True
        if source == "interval" and self._source is not None:
            return False  # a better source has taken over
        if source == "tick" and self.preferred == "iterate-on":
            return False  # --iterate-on was asked for: its calls are the iterations
        if self._source == "interval":
            # Time windows stood in until now: what follows is judged on its own.
            self.watch.probe.new_segment()
        self._source = source
        self.sources.append((self.watch.probe.iterations + 1, source))
        return True

    def _write_bursts(self) -> None:
        self.writer.add_bursts(self._probe.bursts)

    def _flush_now(self) -> None:
        self.writer.flush()
        rows = self._probe.settled_rows()
        if rows and rows[-1] != self._settled_written:
            self.writer.set_settled(rows)
            self._settled_written = rows[-1]
        self._flush_due = time.perf_counter() + FLUSH_SECONDS

    def start_threads(self) -> None:
        threading.Thread(target=self._windows, name="leaksleuth-interval", daemon=True).start()
        threading.Thread(target=self._flusher, name="leaksleuth-flush", daemon=True).start()
        if self.control_fd is not None:
            threading.Thread(target=self._control, name="leaksleuth-control", daemon=True).start()

    def _control(self) -> None:
        """Requests from the CLI's process, one line each: ``burst LEAK PERIOD [KIND]``,
        or ``settle`` (a full gc pass and its levels at the next tick)."""
        assert self.control_fd is not None
        with os.fdopen(self.control_fd, "r", encoding="ascii", errors="replace") as lines:
            for line in lines:
                words = line.split()
                if words == ["settle"]:
                    self._requests.append(self._settle)
                if len(words) in (3, 4) and words[0] == "burst":
                    with contextlib.suppress(ValueError):
                        kind = words[3] if len(words) == 4 and words[3] != "-" else ""
                        burst = (words[1] == "1", int(words[2]), kind)
                        self._requests.append(functools.partial(self.watch.start_burst, *burst))

    def _settle(self) -> None:
        self.watch.settle_now()
        self._flush_due = 0.0  # the CLI's next look reads the new level

    def _windows(self) -> None:
        while not self._stop.wait(self.interval):
            if self._source not in (None, "interval"):
                return
            self.tick("interval")

    def _flusher(self) -> None:
        # Rows wait for the next tick's flush; when the program stops ticking, this
        # thread writes them, so a kill loses at most the last second.
        while not self._stop.wait(FLUSH_SECONDS / 2):
            if time.perf_counter() < self._flush_due:
                continue
            try:
                with self._lock:
                    if not self._finished:
                        self._flush_now()
            except Exception as exc:
                self.watch.probe.note_error("flush", exc)

    # -- the end --------------------------------------------------------------------------
    def finish(self, exc: Optional[BaseException] = None, stop_reason: str = "") -> None:
        """Close the watch and write everything to the capture. Runs once; never raises."""
        self._stop.set()
        with self._lock:
            if self._finished:
                return
            self._finished = True
            try:
                capture = self.watch.close(exc, stop_reason)
                # The verdict is taken later, in the CLI's process: measure now, while
                # the program's memory is still here, how much RSS the allocator only
                # keeps. The report speaks of it when the growth is the allocator's.
                trimmed = self._probe.malloc_trim()
                if trimmed is not None:
                    capture.meta["malloc_trim"] = trimmed
                capture.meta["iteration_sources"] = self.sources
                capture.meta["tool_s"] = self.tool_seconds
                capture.meta["interval_s"] = self.interval
                if self.hook is not None:
                    capture.meta["iterate_on"] = self.hook.spec
                    capture.meta["iterate_on_found"] = self.hook.found
                self.writer.finish(capture)
            except Exception as exc2:
                print(f"leaksleuth: could not finish the capture: {exc2}", file=sys.stderr)


def _facts(settings: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "program": settings["target"],
        "argv": settings["argv"],
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "parent_pid": os.getppid(),
        "started": time.time(),
        "cwd": os.getcwd(),
    }


# -- following forks ------------------------------------------------------------------------
_INHERITED: List[Any] = []  # writers inherited over a fork: never closed in the child
# The program's module (or globals): kept until the process ends, as Python keeps
# __main__, so the levels measured at the end still include what the program holds.
_KEEP_ALIVE: List[Any] = []


def _after_fork_in_child() -> None:
    run = _state.ACTIVE
    if run is None:
        return
    _INHERITED.append(run.writer)  # an SQLite connection must not be used after a fork
    if not run.settings.get("follow_fork"):
        _state.ACTIVE = None
        run.watch.probe.sink = None
        run._finished = True
        return
    base = run.settings["capture"]
    path = f"{base[:-3] if base.endswith('.db') else base}.{os.getpid()}.db"
    try:
        # The control channel is the parent process's: a forked one looks for itself.
        child = ProgramRun({**run.settings, "control_fd": None}, path)
        child.hook = run.hook
        child.preferred = run.preferred
        _state.ACTIVE = child
        add_process(base, os.getpid(), os.getppid(), path)
        child.start_threads()
        atexit.register(child.finish, None, "the process exited")
        mp_util = sys.modules.get("multiprocessing.util")
        if mp_util is not None:
            _finish_before(mp_util, child)
    except Exception as exc:
        _state.ACTIVE = None
        print(f"leaksleuth: not following forked process {os.getpid()}: {exc}", file=sys.stderr)


def _finish_before(mp_util: Any, child: ProgramRun) -> None:
    """multiprocessing's workers leave through ``os._exit()`` (no atexit) after calling
    ``util._exit_function()``, and clear the finalizers registered before they start:
    finish the capture first thing in that function."""
    original = mp_util._exit_function

    def exit_function(*args: Any, **kwargs: Any) -> Any:
        child.finish(None, "the worker exited")
        return original(*args, **kwargs)

    mp_util._exit_function = exit_function


def _tick_active(source: str) -> None:
    run = _state.ACTIVE
    if run is not None:
        run.tick(source)


# -- running the program ----------------------------------------------------------------
def _user_traceback(exc: BaseException) -> None:
    """Print the exception as Python would, without leaksleuth's and runpy's frames."""
    tb = exc.__traceback__
    while tb is not None and _tool_frame(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    exc.__traceback__ = tb  # the report records it without the tool's frames too
    traceback.print_exception(type(exc), exc, tb)


def _tool_frame(filename: str) -> bool:
    if filename.startswith(_PACKAGE_DIR) or filename in ("<frozen runpy>", "<string>"):
        return True
    return os.path.basename(filename) == "runpy.py"


def _run_script(path: str, hook: Optional[IterateOn]) -> None:
    """Run the file as ``__main__``, as ``python path`` does: a real module in
    ``sys.modules`` (so its globals are named as such in holder paths), compiled with
    the iteration decorator when ``--iterate-on`` names one of its functions."""
    if os.path.isdir(path) or not path.endswith(".py"):
        # A directory or zip with __main__.py; its globals stay alive to the end.
        _KEEP_ALIVE.append(runpy.run_path(path, run_name="__main__"))
        return
    with open(path, "rb") as fh:
        source = fh.read()
    main_names = ("__main__", os.path.splitext(os.path.basename(path))[0])
    if hook is not None and hook.module in main_names:
        code = compile_with_iterations(source, path, hook.path)[0]
    else:
        code = compile(source, path, "exec", dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__dict__.update({"__file__": path, "__builtins__": __builtins__, "__cached__": None})
    # Like `python path`, the program's module stays __main__ to the end: what its
    # globals hold is still alive when the run's last levels are measured.
    sys.modules["__main__"] = module
    _KEEP_ALIVE.append(module)
    exec(code, module.__dict__)


def execute(settings: Dict[str, Any]) -> int:
    """Run the program described by ``settings``; return its exit status."""
    script: Optional[str] = settings.get("script")
    module: Optional[str] = settings.get("module")
    args: List[str] = list(settings["argv"])
    if module is not None:
        sys.path[0] = os.getcwd()
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            print(f"leaksleuth: error: no module named {module!r}", file=sys.stderr)
            return EXIT_USAGE
    else:
        assert script is not None
        sys.path[0] = os.path.dirname(os.path.abspath(script))
    started = time.perf_counter()
    run = ProgramRun(settings, settings["capture"])
    _state.ACTIVE = run
    if settings.get("iterate_on"):
        run.hook = IterateOn(settings["iterate_on"], lambda: _tick_active("iterate-on"))
        names = ("__main__", os.path.splitext(os.path.basename(script))[0]) if script else ()
        run.hook.install(names)
    os.register_at_fork(after_in_child=_after_fork_in_child)
    run.start_threads()
    STARTUP.freeze()
    run.tool_seconds += time.perf_counter() - started
    code, error, stop = 0, None, "the program exited"
    try:
        if module is not None:
            sys.argv = [module, *args]
            _KEEP_ALIVE.append(runpy.run_module(module, run_name="__main__", alter_sys=True))
        else:
            assert script is not None
            sys.argv = [script, *args]
            _run_script(script, run.hook)
    except SystemExit as exc:
        code = exit_status(exc.code)
        stop = f"the program exited with status {code}"
    except KeyboardInterrupt as exc:
        _user_traceback(exc)
        code, stop = 130, "interrupted (Ctrl-C)"
    except BaseException as exc:
        _user_traceback(exc)
        code, error, stop = 1, exc, f"the program raised {type(exc).__name__}"
    finally:
        if _state.ACTIVE is not None:
            _state.ACTIVE.finish(error, stop)
        _state.ACTIVE = None
        if run.hook is not None:
            run.hook.uninstall()
    return code


def main() -> None:
    raw = os.environ.pop(ENV, None)
    if raw is None:
        print("leaksleuth: error: this entry point is started by `leaksleuth run`", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    # The CLI waits with SIGINT ignored, and an ignored signal stays ignored across exec:
    # give the program Python's usual Ctrl-C (KeyboardInterrupt).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    settings = json.loads(raw)
    sys.exit(execute(settings))
