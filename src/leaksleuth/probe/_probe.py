"""The probe: records signals at iteration boundaries and runs tracemalloc bursts.

It lives in the watched process, so it never raises into the user's code: every
failure is caught, counted and recorded in the capture's ``probe_errors``.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
import traceback
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from leaksleuth.capture import Burst, Capture, RecordedError
from leaksleuth.probe._buffer import LevelLog, SampleBuffer
from leaksleuth.probe._gpu import GpuReader
from leaksleuth.probe._heap import PACKAGE_DIR
from leaksleuth.probe._signals import (
    GcObjectCounter,
    MallocReader,
    ResourceReader,
    RssReader,
    malloc_trim,
)
from leaksleuth.probe._tracer import BurstRecorder, full_pass

_MAX_PROBE_ERRORS = 20
_MAX_SETTLED = 256  # post-gc level records kept (the first and the latest)
T = TypeVar("T")


@dataclass(frozen=True)
class ProbeConfig:
    """How the probe samples. ``capacity`` bounds its memory (rows kept per run).

    ``record_budget``: a fraction of the watched iterations' time that reading the signals
    may take, beyond a first ``record_allowance`` seconds. A tick whose iteration was
    short next to the cost of a reading skips it (counting the iteration all the same),
    so the readings that are taken fall evenly over the run; at least every
    ``record_floor``-th iteration is read whatever it costs. None (the default) reads
    every iteration, and so does an infinite budget. Burst iterations are always read.
    ``gc_budget``: the gc object count's own budget (a heap walk can take longer than a
    whole reading allowance); None means half the reading budget, or 0.5% unbudgeted.
    """

    capacity: int = 4096
    record_budget: Optional[float] = None
    record_floor: int = 64
    record_allowance: float = 0.005
    nframes: int = 24
    gc_budget: Optional[float] = None
    collect_before_snapshot: bool = True
    census: bool = True  # count live objects by type at each burst snapshot


@dataclass(frozen=True)
class BurstPlan:
    """A burst: one settling iteration, then a snapshot every ``window`` iterations.

    ``seconds`` is the time the burst aims at: after timing its first traced iteration,
    the probe shortens ``window`` to fit (never below 3).
    """

    windows: int = 4
    window: int = 10
    seconds: float = math.inf

    @property
    def length(self) -> int:
        return 1 + self.windows * self.window


class Probe:
    """Call :meth:`tick` at the end of every iteration; :meth:`capture` freezes the data."""

    def __init__(
        self, config: ProbeConfig = ProbeConfig(), clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.config = config
        self._clock = clock
        self._buffer = SampleBuffer(config.capacity)
        self._rss = RssReader()
        self._malloc = MallocReader()
        self._gc_objects = GcObjectCounter(_gc_budget(config), clock)
        self._resources = ResourceReader()
        self._gpu = GpuReader(clock=clock)
        self._row_iteration, self._row_elapsed = 0, 0.0
        # When the next reading is due (see _record); unbudgeted, every tick reads.
        self._read_spent = 0.0
        self._read_at = -math.inf
        self._read_by = 0
        self._burst = BurstRecorder(config.nframes, config.collect_before_snapshot, config.census)
        # Called with each row the probe keeps (iteration, values, phase, segment): the
        # capture store of ``leaksleuth run`` streams them to disk.
        self.sink: Optional[Callable[[int, Tuple[float, ...], int, int], None]] = None
        # Called with the burst so far just before tracing stops; returns plain data.
        self.on_burst_end: Optional[Callable[[Burst], Optional[Dict[str, Any]]]] = None
        # Called once a burst's tracing has stopped; its findings join the retention's.
        self.after_burst: Optional[Callable[[], Dict[str, Any]]] = None
        self._retention: Optional[Dict[str, Any]] = None
        self._bursts: List[Burst] = []
        self._plan: Optional[BurstPlan] = None
        self._burst_start = 0
        self._segment = 0
        self._offset: Tuple[float, ...] = (0.0, 0.0, 0.0)
        self._bias: Dict[bool, Tuple[float, ...]] = {}
        self._settled = LevelLog(width=5, capacity=_MAX_SETTLED)
        self._errors: Dict[str, int] = {}
        self._target_error: Optional[RecordedError] = None
        self.iterations = 0
        self._elapsed = 0.0
        self._last = clock()
        self._baseline = self._read_baseline()

    # -- the hot path -----------------------------------------------------------------
    def tick(self) -> None:
        """End of one iteration: record its signals. Never raises."""
        now = self._clock()
        wall = now - self._last
        self.iterations += 1
        self._elapsed += wall
        # Most ticks of a budgeted probe read nothing: decide that in two comparisons.
        if (
            self._plan is not None
            or self._elapsed >= self._read_at
            or self.iterations >= self._read_by
        ):
            try:
                self._record(self.iterations)
                if self._plan is not None:
                    self._advance_burst(wall)
            except Exception as exc:  # the user's program must survive the probe
                self.note_error("tick", exc)
        self._last = self._clock()

    @property
    def elapsed(self) -> float:
        """Wall time of the watched iterations so far, the tool's own work excluded."""
        return self._elapsed

    def latest(self) -> Dict[str, float]:
        """The newest reading of each signal ({} before the first), offsets removed."""
        return self._buffer.last()

    def restart_clock(self) -> None:
        """Start timing the next iteration now (``with w.iteration():`` entry)."""
        self._last = self._clock()

    def _record(self, iteration: int) -> None:
        phase = 1 if self._burst.active else 0
        if not self._buffer.wants(iteration, phase):
            return
        budget = self.config.record_budget
        if budget is None or math.isinf(budget) or phase:
            self._read(iteration, phase)
            return
        started = self._clock()
        self._read(iteration, phase)
        # The readings may cost ``budget`` of the elapsed time beyond the allowance: the
        # next one is due once the iterations have run long enough to pay for this one,
        # or at the floor's iteration, whichever comes first.
        # The gc object count and the GPU readers keep their own budgets (a first count
        # of a big heap, or CUDA's and NVML's start-up, alone can take longer than this
        # whole allowance).
        own = self._gc_objects.last_cost + self._gpu.last_cost
        self._read_spent += self._clock() - started - own
        self._read_at = (self._read_spent - self.config.record_allowance) / budget
        self._read_by = iteration + self.config.record_floor

    def _read(self, iteration: int, phase: int) -> None:
        # A row's wall time is the mean of the iterations since the last row (the
        # iteration's own when none was skipped).
        wall = (self._elapsed - self._row_elapsed) / (iteration - self._row_iteration)
        self._row_iteration, self._row_elapsed = iteration, self._elapsed
        rss, blocks, malloc = self._levels()
        off = self._offset
        self._gpu.begin_row()
        values = (
            wall,
            rss - off[0],
            blocks - off[1],
            malloc - off[2],
            self._burst.traced() if phase else math.nan,
            self._gc_objects(self._elapsed),
            self._malloc.free,
            self._resources.fds(self._elapsed),
            self._resources.threads(),
            self._resources.tasks(),
            *self._gpu.torch_memory(iteration),
            self._gpu.process_memory(self._elapsed),
        )
        self._buffer.append(iteration, values, phase, self._segment)
        if self.sink is not None:
            self.sink(iteration, values, phase, self._segment)

    def _levels(self) -> Tuple[float, float, float]:
        return self._rss(), float(sys.getallocatedblocks()), self._malloc()

    def outside(self, work: Callable[[], T], collect: bool = False) -> T:
        """Run the tool's own work between iterations, keeping its footprint out of the data.

        No user code runs meanwhile, so whatever RSS, pymalloc blocks and C heap gain here
        is the tool's; later samples subtract it. With ``collect``, a gc pass before the
        window takes the program's pending garbage (as the gc would anyway), and one inside
        it takes the tool's garbage and empties CPython's free lists, which the tool's work
        fills and which would otherwise absorb the program's next allocations unseen.
        """
        if collect not in self._bias:
            # The measurement itself holds a few objects across its own window; measure
            # that on a no-op (twice: the first run may allocate for good) and discount it.
            self._measured(_nothing, collect)
            self._bias[collect] = self._measured(_nothing, collect)[1]
        result, delta = self._measured(work, collect)
        bias = self._bias[collect]
        self._offset = tuple(o + d - b for o, d, b in zip(self._offset, delta, bias))
        self._last = self._clock()  # the tool's time is not the next iteration's
        return result

    def _measured(self, work: Callable[[], T], collect: bool) -> Tuple[T, Tuple[float, ...]]:
        if collect:
            full_pass()
            self._note_settled()
        before = self._levels()
        result = work()
        if collect:
            full_pass()
        after = self._levels()
        return result, tuple(a - b for a, b in zip(after, before))

    def settle(self, collect: bool = True) -> None:
        """Run a full gc pass now and record the levels it leaves. Never raises.

        Levels right after a full collection hold only live memory, so comparing them
        across the run tells garbage that was merely waiting for the collector (which can
        pile up for thousands of iterations in the oldest generation) from a leak.
        Without ``collect`` the levels are recorded as they are.
        """
        try:
            if collect:
                full_pass()
            self._note_settled()
        except Exception as exc:
            self.note_error("settle", exc)
        self._last = self._clock()  # the tool's time is not the next iteration's

    @property
    def settled_count(self) -> int:
        """How many gc-settled level rows are kept now."""
        return len(self._settled)

    def settled_rows(self) -> List[Tuple[float, ...]]:
        """The gc-settled levels kept so far: (iteration, rss, py_blocks, malloc, segment)."""
        return self._settled.rows()

    def _note_settled(self) -> None:
        rss, blocks, malloc = self._levels()
        off = self._offset
        self._settled.append(
            (self.iterations, rss - off[0], blocks - off[1], malloc - off[2], self._segment)
        )

    # -- bursts -----------------------------------------------------------------------
    @property
    def bursts(self) -> List[Burst]:
        """The bursts finished so far (the probe's own list: do not change it)."""
        return self._bursts

    @property
    def bursting(self) -> bool:
        return self._plan is not None

    def start_burst(self, plan: BurstPlan) -> None:
        """Trace the next ``plan.length`` iterations. Never raises."""
        if self._plan is not None:
            return
        try:
            self._burst.start()
            self._plan = plan
            self._burst_start = self.iterations
        except Exception as exc:
            self.note_error("start_burst", exc)

    def _advance_burst(self, wall: float) -> None:
        assert self._plan is not None
        done = self.iterations - self._burst_start
        if done == 1:
            self._plan = self._fit(self._plan, wall)
        if done >= 1 and (done - 1) % self._plan.window == 0:
            self._burst.snapshot(self.iterations)
        if done >= self._plan.length:
            self.end_burst()

    @staticmethod
    def _fit(plan: BurstPlan, traced_wall: float) -> BurstPlan:
        if traced_wall <= 0 or math.isinf(plan.seconds):
            return plan
        affordable = int(plan.seconds / (plan.windows * traced_wall))
        return replace(plan, window=max(3, min(plan.window, affordable)))

    def end_burst(self) -> None:
        """Stop tracing (early if the loop ends mid-burst) and keep what was snapshotted."""
        if self._plan is None:
            return
        self._plan = None
        hook = self.on_burst_end
        if hook is not None:
            try:
                partial = self._burst.peek()
                found = self.outside(lambda: hook(partial))
                if found is not None:
                    self._retention = found
            except Exception as exc:
                self.note_error("retention", exc)
        try:
            burst = self._burst.stop()
            if len(burst.snapshots) >= 2:
                self._bursts.append(burst)
        except Exception as exc:
            self.note_error("end_burst", exc)
        after = self.after_burst
        if after is not None:
            try:
                self._add_findings(self.outside(after))
            except Exception as exc:
                self.note_error("after_burst", exc)
        self._segment += 1

    def _add_findings(self, found: Dict[str, Any]) -> None:
        """Merge ``found`` into the retention findings, one level deep."""
        if not found:
            return
        merged = dict(self._retention or {})
        for key, value in found.items():
            had = merged.get(key)
            if isinstance(had, dict) and isinstance(value, dict):
                value = {**had, **value}
            merged[key] = value
        self._retention = merged

    def new_segment(self) -> None:
        """Work outside the measured iterations shifted the levels: judge what follows as
        a new segment (level shifts between segments are taken out)."""
        self._segment += 1
        self._last = self._clock()

    # -- errors -----------------------------------------------------------------------
    def record_target_error(self, exc: BaseException) -> None:
        """The watched code raised (or called ``sys.exit()``) at the current iteration.
        The traceback starts at the first frame outside leaksleuth: the frames that
        called the target are the tool's, not the user's."""
        first = exc.__traceback__
        while first is not None and first.tb_frame.f_code.co_filename.startswith(PACKAGE_DIR):
            first = first.tb_next
        tb = traceback.format_exception(type(exc), exc, first or exc.__traceback__)
        message = str(exc)
        if isinstance(exc, SystemExit):
            message = f"sys.exit({exc.code!r})"
        self._target_error = RecordedError(
            iteration=self.iterations + 1,
            type=type(exc).__name__,
            message=_short(message),
            traceback=tuple(line.rstrip() for line in tb[-6:]),
        )

    def note_error(self, where: str, exc: BaseException) -> None:
        key = f"{where}: {type(exc).__name__}: {_short(str(exc))}"
        if key in self._errors or len(self._errors) < _MAX_PROBE_ERRORS:
            self._errors[key] = self._errors.get(key, 0) + 1

    # -- output -----------------------------------------------------------------------
    def capture(
        self, target: str, stop_reason: str = "", warmup_hint: Optional[int] = None
    ) -> Capture:
        """A plain-data copy of everything recorded so far (the probe keeps running)."""
        iteration, signals, phase, segment = self._buffer.columns()
        errors = [k if n == 1 else f"{k} (x{n})" for k, n in self._errors.items()]
        return Capture(
            target=target,
            iteration=iteration,
            signals=signals,
            phase=phase,
            segment=segment,
            baseline=dict(self._baseline),
            bursts=list(self._bursts),
            target_error=self._target_error,
            probe_errors=errors,
            warmup_hint=warmup_hint,
            iterations_run=self.iterations,
            stop_reason=stop_reason,
            settled=self.settled_rows(),
            retention=self._retention,
            meta=_meta(self._buffer.stride, self._elapsed),
        )

    def finish(self) -> None:
        """Read the last iteration and end a burst still running; the probe can still
        settle afterwards. Idempotent."""
        self._read_last()
        self.end_burst()

    def close(self) -> None:
        self.finish()
        self._rss.close()

    def _read_last(self) -> None:
        """Read the last iteration if the reading budget skipped it, so that the data ends
        where the run did: a long quiet tail read once or never would look like nothing."""
        if self.iterations == self._row_iteration or self._plan is not None:
            return
        try:
            self._read(self.iterations, 0)
        except Exception as exc:
            self.note_error("last row", exc)

    def malloc_trim(self) -> Optional[Dict[str, float]]:
        """Call glibc's ``malloc_trim(0)`` once and say how much RSS came back (None where
        there is no glibc, or on failure). Never raises."""
        rss = RssReader()  # its own: the probe's may be closed already
        try:
            before = rss()
            if not malloc_trim():
                return None
            after = rss()
            return {"rss_before": before, "rss_after": after, "released": before - after}
        except Exception as exc:
            self.note_error("malloc_trim", exc)
            return None
        finally:
            rss.close()

    def _read_baseline(self) -> Dict[str, float]:
        try:
            return {
                "rss": self._rss(),
                "py_blocks": float(sys.getallocatedblocks()),
                "malloc": self._malloc(),
            }
        except Exception as exc:
            self.note_error("baseline", exc)
            return {}


def _gc_budget(config: ProbeConfig) -> float:
    if config.gc_budget is not None:
        return config.gc_budget
    budget = config.record_budget
    return 0.005 if budget is None or math.isinf(budget) else budget / 2


def _nothing() -> None:
    return None


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _meta(stride: int, elapsed: float) -> Dict[str, object]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": sys.platform,
        "pid": os.getpid(),
        "stride": stride,
        "elapsed_s": elapsed,
    }
