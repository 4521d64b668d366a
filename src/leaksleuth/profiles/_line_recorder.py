"""What each line of one function allocates, recorded while it runs (the standard
library's tracemalloc and trace functions; nothing outside leaksleuth and the stdlib).

A line's figures come from tracemalloc's two counters, read at every line event of the
function: the bytes traced now and the highest they reached since the last reset. Each
line event closes the line that ran before it: what the line **allocated** is how far
the traced bytes rose above where the line started (its high-water mark), and its
**peak** is that high-water mark above where the *call* started. Then the peak is reset
for the next line. Only the function's own frame gets line events (and, with ``depth``,
the frames it calls directly, to that depth); everything it calls runs inside the line
that called it, so a helper's allocations count at the calling line.

What a line **retained** comes from the blocks traced after the last call and a full gc
pass that were not there before the first: every one that a line of the function
allocated (its traceback passes through that line) counts at that line. This
needs tracebacks deep enough to reach the function's frame from the allocation: blocks
allocated further down than the traceback limit are counted as unattributed.

Memory these figures cover: whatever tracemalloc traces, that is Python's allocators
and the libraries that report to it (numpy's array buffers do). With ``c_heap`` the C
heap's net change per line is read too (glibc's ``mallinfo2()``, Linux only): memory
allocated with plain ``malloc`` by C code, which tracemalloc does not see.

High-water marks tell a temporary made and dropped inside one line at its largest, not
the sum of every allocation: a line that makes a thousand 1 KiB strings one after the
other, dropping each, allocated about 1 KiB by this measure. The Python allocators have
no counter of allocations made that the standard library can read.
"""

from __future__ import annotations

import dis
import gc
import sys
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from tracemalloc import get_traced_memory as _traced
from tracemalloc import reset_peak as _reset_peak
from types import CodeType, FrameType
from typing import Any, Callable, Dict, List, Optional, Tuple

from leaksleuth.probe._frozen import OlderObjectsFrozen
from leaksleuth.probe._signals import MallocReader

# A line of the tree: the target's line, then the lines of the functions it called.
Key = Tuple[Tuple[str, int], ...]


@dataclass
class LineTally:
    """What one line of the tree did over all recorded calls."""

    allocated: int = 0  # sum of the line's high-water marks above its start
    peak: int = 0  # the highest traced bytes reached during it, above the call's start
    hits: int = 0
    net: int = 0  # the traced bytes' net change over the line
    c_heap: float = 0.0  # the C heap's net change over the line (with ``c_heap``)
    retained: float = 0.0  # bytes it allocated still alive after the last call
    retained_blocks: int = 0


@dataclass
class LineRecording:
    """Plain data: the tallies by line, for analysis to turn into a LineProfile."""

    file: str
    function: str
    first_line: int
    last_line: int
    calls: int = 0
    seconds: float = 0.0
    tallies: Dict[Key, LineTally] = field(default_factory=dict)
    unattributed_retained: float = 0.0
    traceback_limit: int = 0
    c_heap: bool = False
    notes: List[str] = field(default_factory=list)


@dataclass
class _Open:
    """A traced frame whose current line has not ended yet."""

    frame: FrameType
    prefix: Key
    line: int
    start: int  # traced bytes when the line began
    seen: int  # the highest traced bytes seen since the line began
    c_start: float


def _last_line(code: CodeType) -> int:
    return max((line for _, line in dis.findlinestarts(code) if line), default=code.co_firstlineno)


class LineRecorder:
    """Records the lines of ``code`` (and of the frames it calls, to ``depth``) in the
    calling thread, between ``start()`` and ``stop()``.

    >>> def work():
    ...     return [0] * 1000
    >>> recorder = LineRecorder(work.__code__)
    >>> recorder.start()
    >>> _ = recorder.call(work)
    >>> recording = recorder.stop()
    >>> recording.calls
    1
    """

    def __init__(
        self, code: CodeType, *, depth: int = 0, c_heap: bool = False, frames: int = 64
    ) -> None:
        self._code = code
        self._depth = max(0, depth)
        self._frames = max(1, frames)
        self._malloc = MallocReader() if c_heap else None
        self._stack: List[_Open] = []
        self._lines: Dict[int, LineTally] = {}  # the function's own lines, by number
        self._by_frame: Dict[Key, Dict[int, LineTally]] = {}  # called functions' lines
        self._local = self._on_event
        self._own = 0  # what reading the counters itself adds to each line (calibrated)
        self._call_start = 0
        self._call_began = 0.0
        self._started_tracing = False  # this recorder's start began tracemalloc's tracing
        self._counted = False  # a user of the tracing the recorders started
        self._frozen: Optional[OlderObjectsFrozen] = None
        self._paused_other = False
        self._busy = threading.Lock()
        self._before: Optional[tracemalloc.Snapshot] = None
        self.recording = LineRecording(
            file=code.co_filename,
            function=code.co_name,
            first_line=code.co_firstlineno,
            last_line=_last_line(code),
            c_heap=self._malloc is not None and self._malloc.available,
        )

    # -- starting and stopping -----------------------------------------------------------

    def start(self, *, freeze_older: bool = False) -> None:
        """Begin tracing allocations (unless the program already does): the baseline.

        ``freeze_older`` moves the objects that exist now out of the gc's reach until
        ``stop()`` (``gc.freeze()``), so that its full pass walks only what the calls
        made: with numpy imported that is tens of milliseconds less. For a short profile
        of calls in a row, not a running program's."""
        if freeze_older:
            self._frozen = OlderObjectsFrozen()
            self._frozen.freeze()
        self._started_tracing, self._counted = _TRACING.enter(self._frames)
        self.recording.traceback_limit = tracemalloc.get_traceback_limit()
        self._own = _own_bytes_per_line(self._malloc is not None)
        self._before = tracemalloc.take_snapshot()  # no gc first: it holds only new traces

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``fn`` with line events on: only while it runs, so that the rest of the
        program runs at full speed between calls."""
        # One call at a time: a call the function makes of itself, or one from another
        # thread meanwhile, runs untouched (its allocations count at the calling line).
        if not self._busy.acquire(blocking=False):
            return fn(*args, **kwargs)
        try:
            previous = sys.gettrace()
            if previous is not None and not self._paused_other:
                self._paused_other = True
                self.recording.notes.append(
                    "another trace function (a debugger or coverage) was paused during the calls"
                )
            self._stack.clear()
            sys.settrace(self._on_call)
            try:
                return fn(*args, **kwargs)
            finally:
                sys.settrace(previous)
                self._stack.clear()
        finally:
            self._busy.release()

    def stop(self) -> LineRecording:
        """Attribute what is still alive, stop tracing if no other recorder needs it and
        it was not the program's, thaw the gc, and return the recording."""
        try:
            self._gather()
            gc.collect()
            if self._before is not None and tracemalloc.is_tracing():
                self._attribute_retained(self._alive_since_start())
            elif self._before is not None:
                self.recording.notes.append(
                    "tracemalloc was stopped before the profile ended: nothing is retained"
                )
        finally:
            self._before = None
            _TRACING.leave(self._counted)
            self._started_tracing = self._counted = False
            if self._frozen is not None:
                self._frozen.thaw()
                self._frozen = None
        return self.recording

    # -- the trace functions ---------------------------------------------------------------

    def _on_call(self, frame: FrameType, event: str, arg: Any) -> Optional[Callable[..., Any]]:
        stack = self._stack
        if not stack:
            if frame.f_code is not self._code:
                return None
            self._begin_call()
        elif len(stack) > self._depth or frame.f_back is not stack[-1].frame:
            return None
        self._push(frame)
        return self._local

    def _begin_call(self) -> None:
        self._call_began = time.perf_counter()
        self._call_start = tracemalloc.get_traced_memory()[0] + self._own

    def _push(self, frame: FrameType) -> None:
        stack = self._stack
        prefix: Key = ()
        if stack:
            parent = stack[-1]
            prefix = (*parent.prefix, (parent.frame.f_code.co_filename, parent.line))
        # The open lines learn the peak so far before it is reset for the new frame.
        now, peak = _traced()
        for open_ in stack:
            if peak > open_.seen:
                open_.seen = peak
        _reset_peak()
        c_now = self._malloc() if self._malloc is not None else 0.0
        stack.append(_Open(frame, prefix, 0, now, now, c_now))

    def _on_event(self, frame: FrameType, event: str, arg: Any) -> Optional[Callable[..., Any]]:
        # The hot path: every allocation made here is traced too, with its traceback, so
        # it reads the counters once and allocates as little as it can.
        now, peak = _traced()
        stack = self._stack
        for open_ in stack:
            if peak > open_.seen:
                open_.seen = peak
        if not stack:
            return self._local
        top = stack[-1]
        if event == "line":
            if top.frame is frame:
                if top.line:
                    self._close(top, now)
                top.line = frame.f_lineno
                _reset_peak()
                top.seen = now
                top.start = now + self._own  # the reading's own bytes are not the line's
                if self._malloc is not None:
                    top.c_start = self._malloc()
        elif event == "return" and top.frame is frame:
            stack.pop()
            if top.line:
                self._close(top, now)
            _reset_peak()
            if not stack:
                self.recording.calls += 1
                self.recording.seconds += time.perf_counter() - self._call_began
        # The same bound method each time: a new one would be an allocation inside the
        # line that runs next.
        return self._local

    def _close(self, open_: _Open, now: int) -> None:
        tallies = self._lines if not open_.prefix else self._nested(open_)
        tally = tallies.get(open_.line)
        if tally is None:
            tally = tallies[open_.line] = LineTally()
        # Each subtraction makes an int, and each int is a traced allocation: the fewest.
        if open_.seen > open_.start:
            tally.allocated += open_.seen - open_.start
        high = open_.seen - self._call_start
        if high > tally.peak:
            tally.peak = high
        tally.hits += 1
        if self._malloc is not None:
            tally.net += now - open_.start
            tally.c_heap += self._malloc() - open_.c_start

    def _nested(self, open_: _Open) -> Dict[int, LineTally]:
        key = (*open_.prefix, (open_.frame.f_code.co_filename, 0))
        found = self._by_frame.get(key)
        if found is None:
            found = self._by_frame[key] = {}
        return found

    def _gather(self) -> None:
        """The tallies under their tree keys, in the recording."""
        tallies = self.recording.tallies
        for line, tally in self._lines.items():
            tallies[((self.recording.file, line),)] = tally
        for key, by_line in self._by_frame.items():
            for line, tally in by_line.items():
                tallies[(*key[:-1], (key[-1][0], line))] = tally
        self._lines, self._by_frame = {}, {}

    # -- what stayed alive ---------------------------------------------------------------

    def _alive_since_start(self) -> List[Tuple[int, int, Tuple[Tuple[str, int], ...], int]]:
        """(bytes, blocks, traceback oldest frame first, frames before truncation) of
        each group of blocks alive now and not at the baseline.

        When the recorder started tracing, every block traced is newer than the baseline
        (which held only its own calibration's), so the raw traces are read as they are:
        grouping a snapshot by traceback in Python costs ten times more. When the program
        was tracing already, the snapshots are compared."""
        raw = getattr(tracemalloc, "_get_traces", None)
        if self._started_tracing and raw is not None:
            # Raw frames come most recent first.
            return [(size, 1, tuple(reversed(frames)), total)
                    for _, size, frames, total in raw()]  # fmt: skip
        assert self._before is not None
        diff = tracemalloc.take_snapshot().compare_to(self._before, "traceback")
        return [
            (d.size_diff, max(0, d.count_diff),
             tuple((f.filename, f.lineno) for f in d.traceback),
             getattr(d.traceback, "total_nframe", None) or len(d.traceback))
            for d in diff
            if d.size_diff > 0
        ]  # fmt: skip

    def _key_of(self, frames: Tuple[Tuple[str, int], ...]) -> Optional[Key]:
        """The tree line a traceback (oldest frame first) passes through: the outermost
        frame of the function, then the frames it called, as deep as the recording goes."""
        rec = self.recording
        for i, (file, line) in enumerate(frames):
            if file == rec.file and rec.first_line <= line <= rec.last_line:
                if any(f == __file__ for f, _ in frames[i + 1 :]):
                    return None  # the recorder's own bookkeeping, inside the traced frame
                return tuple(frames[i : i + 1 + self._depth])
        return None

    def _attribute_retained(
        self, alive: List[Tuple[int, int, Tuple[Tuple[str, int], ...], int]]
    ) -> None:
        rec = self.recording
        for size, blocks, frames, total in alive:
            key = self._key_of(frames)
            if key is None:
                if total > len(frames):  # cut short by the traceback limit: maybe its own
                    rec.unattributed_retained += size
                continue
            # Each line of the path counts it: a caller's line holds what its callee kept.
            for n in range(1, len(key) + 1):
                tally = rec.tallies.get(key[:n])
                if tally is None:
                    break
                tally.retained += size
                tally.retained_blocks += blocks


class _Tracing:
    """Who needs tracemalloc on: the recorders that started it, counted, so that one
    ending does not stop it under another (``@profile_lines`` on two functions); tracing
    the program started itself is never stopped."""

    def __init__(self) -> None:
        self.users = 0
        self.ours = False
        self._lock = threading.Lock()

    def enter(self, frames: int) -> Tuple[bool, bool]:
        """Start tracing unless on: (whether this call began it, whether it counts as a
        user of the tracing the recorders started)."""
        with self._lock:
            began = False
            if not tracemalloc.is_tracing():
                tracemalloc.start(frames)
                self.ours, self.users, began = True, 0, True
            if self.ours:
                self.users += 1
            return began, self.ours

    def leave(self, counted: bool) -> None:
        with self._lock:
            if not (counted and self.ours):
                return
            self.users -= 1
            if self.users <= 0:
                self.ours, self.users = False, 0
                if tracemalloc.is_tracing():
                    tracemalloc.stop()


_TRACING = _Tracing()


def _empty_lines() -> int:
    x = 0
    x = 1
    x = 2
    return x


def _own_bytes_per_line(c_heap: bool) -> int:
    """What the counters' own reading leaves in a line's high-water mark (the reading's
    result objects, some 64 bytes), measured on lines that allocate nothing: once per
    process (it depends on the interpreter alone; measuring took 2.5 ms of every
    profile, a twentieth of ten numpy calls of 5 ms)."""
    found = _OWN_BYTES.get(c_heap)
    if found is None:
        probe = LineRecorder(_empty_lines.__code__, c_heap=c_heap)
        for _ in range(5):
            probe.call(_empty_lines)
        per_line = sorted(t.allocated / t.hits for t in probe._lines.values() if t.hits)
        found = int(per_line[len(per_line) // 2]) if per_line else 0
        if found <= _OWN_PLAUSIBLE:  # not inflated by another thread's allocations
            _OWN_BYTES[c_heap] = found
    return found


_OWN_BYTES: Dict[bool, int] = {}
_OWN_PLAUSIBLE = 256  # bytes: a tuple and two integers, with room


__all__ = ["Key", "LineRecorder", "LineRecording", "LineTally"]
