"""Line by line: what each line of a function allocates, keeps and peaks at, per call.

``line_profile(fn, calls=N)`` calls a function N times under a ``LineRecorder`` and
returns a ``LineProfile``; ``@profile_lines`` does the same for the first calls a
running program makes, and prints the table when it has them (or at exit)::

    >>> def work():
    ...     return bytearray(1 << 20)
    >>> profile = line_profile(work, calls=3)
    >>> profile.calls
    3

The figures (``_line_recorder`` says how each is taken):
- allocated: how far the traced bytes rose above where the line started, summed over
  the times the line ran in a call (a line in a loop counts each time);
- retained: the bytes the line allocated still alive after the last call, per call;
- peak increment: the highest the traced bytes reached while the line ran, above where
  the call started (the most over all calls);
- allocations: the memory blocks the line allocated that were still alive after the
  last call, per call (tracemalloc counts live blocks, not every allocation made);
- C heap (with ``c_heap``): the C heap's net change over the line, and what of it the
  Python allocators did not trace (``untraced``): ``malloc`` in C extensions.
"""

from __future__ import annotations

import atexit
import functools
import inspect
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from leaksleuth._errors import TargetNotCallable
from leaksleuth.analysis._sources import source_line
from leaksleuth.profiles._line_recorder import Key, LineRecorder, LineRecording, LineTally

F = TypeVar("F", bound=Callable[..., Any])
HEAVY_SHARE = 0.2  # a line with this share of the function's allocated or retained bytes


@dataclass(frozen=True)
class LineStat:
    """One line of the function (or, in ``children``, of a function it called)."""

    file: str
    line: int
    source: str
    hits_per_call: float
    allocated_bytes_per_call: float
    retained_bytes_per_call: float
    peak_increment_bytes: float
    allocations_per_call: float
    c_heap_bytes_per_call: Optional[float]
    untraced_bytes_per_call: Optional[float]
    heavy: bool = False
    children: Tuple[LineStat, ...] = ()


@dataclass(frozen=True)
class LineProfile:
    """The profile of one function over ``calls`` calls."""

    target: str
    file: str
    function: str
    first_line: int
    calls: int
    seconds_per_call: float
    lines: Tuple[LineStat, ...]  # every line of the function, in source order
    allocated_bytes_per_call: float
    retained_bytes_per_call: float
    peak_increment_bytes: float
    unattributed_retained_bytes_per_call: float
    traceback_limit: int
    c_heap: bool
    covers: str
    notes: Tuple[str, ...] = ()


COVERS = (
    "Python heap: what tracemalloc traces (Python objects, and the buffers of libraries "
    "that report to it, such as numpy's arrays)"
)
COVERS_C = "; C heap: glibc's in-use bytes (mallinfo2), net per line"


def _stat(key: Key, tally: LineTally, by_key: Dict[Key, LineTally], rec: LineRecording,
          share: Tuple[float, float]) -> LineStat:  # fmt: skip
    n = max(rec.calls, 1)
    file, line = key[-1]
    kids = sorted((k for k in by_key if len(k) == len(key) + 1 and k[:-1] == key),
                  key=lambda k: -by_key[k].allocated)  # fmt: skip
    # The recording holds called functions' lines only as deep as it was asked to go.
    children = tuple(_stat(k, by_key[k], by_key, rec, share) for k in kids[:10])
    c_heap = tally.c_heap / n if rec.c_heap else None
    allocated, retained = tally.allocated / n, tally.retained / n
    return LineStat(
        file=file,
        line=line,
        source=source_line(file, line),
        hits_per_call=tally.hits / n,
        allocated_bytes_per_call=allocated,
        retained_bytes_per_call=retained,
        peak_increment_bytes=float(max(0, tally.peak)),
        allocations_per_call=tally.retained_blocks / n,
        c_heap_bytes_per_call=c_heap,
        untraced_bytes_per_call=None if c_heap is None else c_heap - tally.net / n,
        heavy=len(key) == 1
        and (allocated >= HEAVY_SHARE * share[0] > 0 or retained >= HEAVY_SHARE * share[1] > 0),
        children=children,
    )


def build_profile(rec: LineRecording, target: str) -> LineProfile:
    """The recording as a profile: every line of the function in source order, the
    lines it never ran included (with zeros), per call."""
    n = max(rec.calls, 1)
    top: Dict[Key, LineTally] = {k: t for k, t in rec.tallies.items() if len(k) == 1}
    total_alloc = sum(t.allocated for t in top.values()) / n
    total_kept = sum(t.retained for t in top.values()) / n
    lines = []
    for line in _code_lines(rec):
        key: Key = ((rec.file, line),)
        tally = top.get(key) or LineTally()
        lines.append(_stat(key, tally, rec.tallies, rec, (total_alloc, total_kept)))
    return LineProfile(
        target=target,
        file=rec.file,
        function=rec.function,
        first_line=rec.first_line,
        calls=rec.calls,
        seconds_per_call=rec.seconds / n,
        lines=tuple(lines),
        allocated_bytes_per_call=total_alloc,
        retained_bytes_per_call=total_kept,
        peak_increment_bytes=float(max((t.peak for t in top.values()), default=0)),
        unattributed_retained_bytes_per_call=rec.unattributed_retained / n,
        traceback_limit=rec.traceback_limit,
        c_heap=rec.c_heap,
        covers=COVERS + (COVERS_C if rec.c_heap else ""),
        notes=tuple(rec.notes) + _notes(rec),
    )


def _code_lines(rec: LineRecording) -> List[int]:
    """The function's lines from its ``def`` to its last, blank and comment lines left out
    unless they ran (a decorator's lines before the ``def`` are left out too)."""
    ran = {k[0][1] for k in rec.tallies}
    out = []
    for line in range(rec.first_line, rec.last_line + 1):
        text = source_line(rec.file, line)
        if line in ran or (text and not text.startswith(("#", "@"))):
            out.append(line)
    return out


def _notes(rec: LineRecording) -> Tuple[str, ...]:
    notes = []
    if rec.unattributed_retained > 0:
        notes.append(
            f"{rec.unattributed_retained / max(rec.calls, 1):,.0f} bytes per call were kept "
            f"by allocations deeper than the traceback limit ({rec.traceback_limit} frames) "
            "below the function, which may be its own: raise it with --frames"
        )
    if rec.calls == 0:
        notes.append("the function was never called")
    return tuple(notes)


_SUSPENDING = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def _code_of(fn: Callable[..., Any]) -> Any:
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if code is None:
        raise TargetNotCallable(f"{fn!r} has no Python code to profile line by line")
    if code.co_flags & _SUSPENDING:
        # A call only makes the generator or coroutine: its lines run later, elsewhere.
        raise TargetNotCallable(
            f"{code.co_name} is a generator or coroutine function: profile the function "
            "that iterates or awaits it"
        )
    return code


def _name(fn: Callable[..., Any]) -> str:
    code = _code_of(fn)
    return f"{os.path.basename(code.co_filename)}:{getattr(fn, '__qualname__', code.co_name)}"


def line_profile(
    fn: Callable[..., Any],
    *args: Any,
    calls: int = 10,
    depth: int = 0,
    c_heap: bool = False,
    frames: int = 64,
    name: Optional[str] = None,
    **kwargs: Any,
) -> LineProfile:
    """Call ``fn(*args, **kwargs)`` ``calls`` times and profile its lines.

    ``depth`` opens the lines of the functions it calls, to that depth; ``c_heap`` reads
    the C heap at every line too (Linux); ``frames`` is tracemalloc's traceback limit,
    enough to reach the function from the allocations of what it calls; ``name`` names
    it in the profile. What ``fn`` raises propagates, and nothing is reported.
    """
    recorder = LineRecorder(_code_of(fn), depth=depth, c_heap=c_heap, frames=frames)
    try:
        recorder.start(freeze_older=True)
        for _ in range(calls):
            recorder.call(fn, *args, **kwargs)
    finally:
        recording = recorder.stop()
    return build_profile(recording, name or _name(fn))


class _Decorated:
    """The state behind ``@profile_lines``: records the first ``calls`` calls, then
    reports once and lets the function run untouched."""

    def __init__(self, fn: Callable[..., Any], calls: int, depth: int, c_heap: bool,
                 stream: Optional[Any]) -> None:  # fmt: skip
        self.fn, self.calls, self.stream = fn, calls, stream
        self.recorder: Optional[LineRecorder] = LineRecorder(_code_of(fn), depth=depth,
                                                             c_heap=c_heap)  # fmt: skip
        self.started = False
        self.profile: Optional[LineProfile] = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        recorder = self.recorder
        if recorder is not None and recorder.recording.calls >= self.calls:
            # Reported at the next call, not inside the last recorded one: by now the
            # caller has dropped that call's result, unless it keeps it.
            self.finish()
            recorder = None
        if recorder is None:
            return self.fn(*args, **kwargs)
        if not self.started:
            self.started = True
            recorder.start()
            atexit.register(self.finish)
        return recorder.call(self.fn, *args, **kwargs)

    def finish(self) -> Optional[LineProfile]:
        """Report now, with the calls recorded so far (the first time only)."""
        recorder, self.recorder = self.recorder, None
        if recorder is not None and self.started:
            self.profile = build_profile(recorder.stop(), _name(self.fn))
            from leaksleuth.profiles._lines_render import render_lines_text

            print(render_lines_text(self.profile), file=self.stream or sys.stderr)
        return self.profile


def profile_lines(
    fn: Optional[F] = None, *, calls: int = 100, depth: int = 0, c_heap: bool = False,
    stream: Optional[Any] = None,
) -> Any:  # fmt: skip
    """``@leaksleuth.profile_lines``: profile the first ``calls`` calls of a function in a
    running program, print the table to ``stream`` (stderr) at the next call or at exit,
    and run the later calls untouched. ``wrapper.line_profile()`` reports at once.

    tracemalloc traces the whole program from the first call until the report (that is
    how what the calls kept is known); the line events are on only during the calls.

    >>> @profile_lines(calls=2)
    ... def work(n):
    ...     return [0] * n
    """

    def wrap(func: F) -> F:
        state = _Decorated(func, calls, depth, c_heap, stream)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return state(*args, **kwargs)

        wrapper.line_profile = state.finish  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return wrap(fn) if fn is not None else wrap


__all__ = ["LineProfile", "LineStat", "build_profile", "line_profile", "profile_lines"]
