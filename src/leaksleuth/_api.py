"""The Python API: ``check(fn)`` calls a function repeatedly; ``watch()`` follows a loop.

Both drive the same probe and end in the same analysis, so they give the same answers.
"""

from __future__ import annotations

import gc
import math
import sys
import time
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Callable, Dict, Optional, Tuple, Type

from leaksleuth.analysis import AnalysisConfig, build_report
from leaksleuth.analysis._attribution import find_suspects
from leaksleuth.analysis._census import growing_types
from leaksleuth.analysis._combine import COUNT_ONLY
from leaksleuth.analysis._sources import SourceClassifier
from leaksleuth.analysis._verdict import VerdictConfig
from leaksleuth.capture import Burst, Capture
from leaksleuth.probe import BurstPlan, Probe, ProbeConfig
from leaksleuth.probe._frozen import OlderObjectsFrozen
from leaksleuth.probe._native import NativeUnavailable, native_stacks
from leaksleuth.probe._retention import as_plain, find_holders
from leaksleuth.probe._torch import BurstLook
from leaksleuth.probe._versions import imported_versions
from leaksleuth.report import Report, SignalTrend, Suspect, Verdict

ProgressCallback = Callable[[int, int, str], None]
# What an interim verdict costs before one has been timed (measured: 30 ms on 20 rows).
_FIRST_ANALYSIS_GUESS = 0.03
# watch() runs inside the program's own loop: the share of the loop's time that interim
# verdicts, and reading the signals, may take (check() reads every iteration and looks
# at the verdict as often as it likes: its iterations exist only to be measured).
_WATCH_ANALYSIS = 0.01
_WATCH_READS = 0.005
# watch() and run: the share of the loop's time that full gc passes may take, for the
# retained levels a leak verdict is judged on (check() takes one every max_iterations/50),
# plus an allowance that accrues over the loop's first seconds (a pass takes 1-20 ms on
# most heaps, and a short run needs a few levels to be judged at all). Accruing, it is
# spent evenly over those seconds, not on the first iterations.
SETTLE_BUDGET = 0.004
SETTLE_ACCRUAL = 2.0
# check(max_seconds=S): the share of S that measuring may take; the burst aims at a tenth.
_MEASURING_SHARE = 0.8


@dataclass(frozen=True)
class CheckOptions:
    """Tuning for ``check()`` and ``watch()``; the defaults suit most loops.

    ``min_iterations``: first look at the verdict. ``settle_iterations``: no verdict stops
    the run before this many iterations, and a leak never stops it before
    ``max_iterations``: growth that has lasted only N iterations cannot be told from a
    bounded cache of N entries still filling, so a leak is called on all the iterations
    the budget allows. ``settle_every``: ``check()`` runs a full gc pass every this many
    iterations and records the levels it leaves, the retained memory a leak verdict is
    judged on (None: ``max_iterations`` / 50, so about 50 levels); ``watch()`` takes them
    within 0.4% of the loop's time plus ``settle_allowance`` seconds accruing over its
    first 2 s. ``attribution``: run a
    tracemalloc burst to find the growing sites when memory grows. ``burst_seconds``: the
    time a burst aims to take; tracing slows code 10-200x, so the probe times the burst's
    first traced iteration and shortens the windows to fit (never under 3 iterations).
    ``analysis_budget``: interim verdicts run in the watched process, so one is taken only
    while their total time stays under this fraction of the time the loop has run. None
    means the front door's default: unlimited for ``check()``, whose iterations exist only
    to be measured (its checkpoints let it stop early), and 1% for ``watch()``, which runs
    inside the program's own loop. ``retention``: once the verdict says leak, look for
    what keeps the leaked objects alive, at the end of the burst, for the top
    ``retention_suspects`` sites and growing types, within ``retention_seconds``.
    ``redact``: mask what looks like a secret in the object descriptions of the report.
    ``malloc_trim``: when RSS grew or stays high while the bytes in use did not (the
    allocator keeping freed memory), call glibc's ``malloc_trim(0)`` once at the end and
    report how much RSS came back. ``native``: trace ``native_window`` and then twice as
    many more iterations with memray's native stacks (``check()`` only; needs memray,
    ``pip install 'leaksleuth[native]'``): True always, None (the default) when the growth
    is native, False never.
    """

    min_iterations: int = 20
    settle_iterations: int = 200
    settle_every: Optional[int] = None
    settle_allowance: float = 0.01
    checkpoint_growth: float = 1.5
    attribution: bool = True
    burst_windows: int = 4
    burst_window: int = 10
    burst_seconds: float = 4.0
    max_bursts: int = 1
    analysis_budget: Optional[float] = None
    retention: bool = True
    retention_seconds: float = 2.0
    retention_suspects: int = 3
    redact: bool = True
    malloc_trim: bool = True
    native: Optional[bool] = None
    native_window: int = 10
    probe: ProbeConfig = field(default_factory=ProbeConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)


def _describe(fn: Callable[..., Any]) -> str:
    module = getattr(fn, "__module__", None) or "?"
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return f"{module}:{name}"


class _Session:
    """One measured run: the probe plus the decisions taken between iterations."""

    def __init__(
        self,
        target: str,
        options: CheckOptions,
        warmup: Optional[int],
        default_budget: float,
        record_budget: Optional[float] = None,
    ) -> None:
        self.target = target
        budget = options.analysis_budget
        self.budget = default_budget if budget is None else budget
        self.options = options
        self.warmup = warmup
        self.gc_enabled_at_start = gc.isenabled()
        probe = options.probe
        if probe.record_budget is None and record_budget is not None:
            probe = replace(probe, record_budget=record_budget)
        self.probe = Probe(probe)
        # Garbage from before the run would otherwise be freed by the first interim
        # collection and show as a drop inside the measurement, hiding a warm-up; the
        # levels it leaves are the live baseline that later post-gc levels compare with.
        self.settle()
        self.next_checkpoint = max(options.min_iterations, (warmup or 0) + 10)
        self.bursts_started = 0
        self.settle_spent = 0.0
        self.last: Optional[Verdict] = None
        self.tool_seconds = 0.0
        self.last_cost = _FIRST_ANALYSIS_GUESS
        # Bound once: a fresh bound method per checkpoint would count as a tool footprint.
        self._judge = self._interim_verdict
        self.probe.on_burst_end = self._holders
        self.probe.after_burst = self._after_burst
        self.native: Optional[Dict[str, Any]] = None
        # The growing sites the last interim look saw (from the bursts so far).
        self.last_suspects: Tuple[Suspect, ...] = ()
        # Set when a verdict taken elsewhere (``leaksleuth run``'s parent) said leak.
        self.leak_said = False
        # torch's side of the burst, when the program uses torch (see start_burst).
        self._torch = BurstLook()
        # Called right before the holder search (check() thaws the objects it froze).
        self.before_holders: Callable[[], None] = _nothing

    def settle(self) -> None:
        """A full gc pass and the levels it leaves. A program that disabled the gc gets
        no pass (that would hide its cycles): its levels are recorded as they are."""
        self.probe.settle(collect=gc.isenabled())

    def settle_within_budget(self) -> bool:
        """A full gc pass and its levels, while such passes stay within ``SETTLE_BUDGET``
        of the loop's time (so they fall evenly over the run). Never during a burst."""
        if self.probe.bursting or not self.settle_affordable():
            return False
        self.settle_counted()
        return True

    def settle_counted(self) -> None:
        """``settle()``, its time counted against the gc passes' budget."""
        started = time.perf_counter()
        self.settle()
        self.settle_spent += time.perf_counter() - started

    def settle_affordable(self) -> bool:
        """Whether the gc passes so far leave room for one more."""
        elapsed = self.probe.elapsed
        allowance = self.options.settle_allowance * min(1.0, elapsed / SETTLE_ACCRUAL)
        return self.settle_spent <= allowance + SETTLE_BUDGET * elapsed

    def settle_every(self, max_iterations: int) -> int:
        """Iterations between the retained levels ``check()`` records."""
        every = self.options.settle_every
        return max(1, every if every is not None else math.ceil(max_iterations / 50))

    def capture(self, stop_reason: str = "") -> Capture:
        cap = self.probe.capture(self.target, stop_reason, self.warmup)
        cap.native = self.native
        cap.meta["gc_disabled"] = not (self.gc_enabled_at_start and gc.isenabled())
        return cap

    def trace_native(self, call: Callable[[], object]) -> None:
        """The memray window, when asked for or when the growth so far is native."""
        opts = self.options
        if opts.native is False:
            return
        if opts.native is None:
            if self.last is None or self.last.status != "leak":
                return
            if build_report(self.capture(), opts.analysis).verdict.kind != "native":
                return
        found: Dict[str, Any]
        try:
            found = native_stacks(call, n=opts.native_window)
        except NativeUnavailable as exc:
            found = {"unavailable": str(exc)}
        except (Exception, SystemExit) as exc:  # the target raised inside the window
            self.probe.note_error("native", exc)
            return
        finally:
            self.probe.new_segment()  # memray's own memory shifts the levels
        self.native = found

    def final_report(self, capture: Capture) -> Report:
        """The analysis; when RSS stays high over a quiet heap, one ``malloc_trim(0)``
        shows how much of it the allocator was only keeping."""
        opts = self.options
        report = build_report(capture, opts.analysis)
        kept = report.verdict.kind == "allocator"
        if opts.malloc_trim and kept and "malloc_trim" not in capture.meta:
            trimmed = self.probe.malloc_trim()
            if trimmed is not None:
                capture.meta["malloc_trim"] = trimmed
                report = build_report(capture, opts.analysis)
        return report

    def due(self) -> bool:
        if self.probe.iterations < self.next_checkpoint or self.probe.bursting:
            return False
        if math.isinf(self.budget):
            return True
        # Predict the next analysis from the last one: it must fit the budget before it runs.
        spent = self.tool_seconds + self.last_cost
        return spent <= self.budget * self.probe.elapsed

    def interim(self) -> Verdict:
        """The verdict on what has been measured so far; schedules the next look."""
        growth = self.options.checkpoint_growth
        self.next_checkpoint = math.ceil(self.probe.iterations * growth)
        started = time.perf_counter()
        # Never collect for a program that disabled the gc: that would hide its cycles.
        self.last = verdict = self.probe.outside(self._judge, collect=gc.isenabled())
        self.last_cost = time.perf_counter() - started
        self.tool_seconds += self.last_cost
        return verdict

    def _interim_verdict(self) -> Verdict:
        # Only the new verdict outlives this, and the old one dies inside it, so the
        # probe's measured offset is exactly the tool's residue.
        self.last = None
        self.last_suspects = ()
        report = build_report(self.capture(), self.options.analysis)
        self.last_suspects = report.suspects
        return report.verdict

    def _searching(self) -> bool:
        """Whether the holders are searched at the end of the burst: a leak was said."""
        said_leak = self.leak_said or (self.last is not None and self.last.status == "leak")
        return self.options.retention and said_leak

    def _holders(self, burst: Burst) -> Optional[Dict[str, Any]]:
        """At the end of a burst, with tracing still on: what keeps the leak alive."""
        torch_found = self._torch_findings()  # before any thaw: torch's look began frozen
        found = None
        if self._searching():
            self.before_holders()
            found = self._python_holders(burst)
        if torch_found:
            found = dict(found or {}, torch=torch_found)
        return found

    def _torch_findings(self) -> Dict[str, Any]:
        """The burst seen from torch: what grew between the look at its start and now
        (the allocator history's blocks come after tracing stops: ``_after_burst``)."""
        opts = self.options
        try:
            return self._torch.finish(self.probe.iterations, opts.retention_seconds, opts.redact)
        except Exception as exc:
            self.probe.note_error("torch", exc)
            return {}

    def _after_burst(self) -> Dict[str, Any]:
        """Once tracing has stopped: the libraries' versions (so that a diagnosis can
        name the release that leaks) and the CUDA blocks torch's allocator history saw."""
        found: Dict[str, Any] = {"versions": imported_versions()}
        try:
            window = self._torch.finish_history(self.probe.iterations)
        except Exception as exc:
            self.probe.note_error("torch", exc)
            return found
        if window:
            found["torch"] = window
        return found

    def _python_holders(self, burst: Burst) -> Optional[Dict[str, Any]]:
        opts = self.options
        analysis = opts.analysis
        classifier = SourceClassifier(analysis.user_files)
        top = opts.retention_suspects
        every = find_suspects([burst], classifier, analysis.attribution)
        suspects = every[:top]
        growing = [g.type for g in growing_types([burst], limit=1000)]
        types = growing[:top]
        if not suspects and not types:
            return None
        sites = [(s.file, s.line) for s in suspects]
        found = find_holders(
            sites, types, opts.retention_seconds, redact=opts.redact, growing=growing,
            parts=[(s.file, s.line) for s in every],
        )  # fmt: skip
        plain = as_plain(found, opts.retention_seconds)
        plain["sites_searched"] = len(sites)
        return plain

    def burst_plan(self, verdict: Verdict) -> BurstPlan:
        return self.plan_for(burst_period(verdict))

    def plan_for(self, period: int) -> BurstPlan:
        """Windows at least as long as a detected sawtooth period (up to 200 iterations)."""
        opts = self.options
        window = max(opts.burst_window, min(period, 200))
        return BurstPlan(windows=opts.burst_windows, window=window, seconds=opts.burst_seconds)

    def wants_burst(self, verdict: Verdict) -> bool:
        if not self.options.attribution or self.bursts_started >= self.options.max_bursts:
            return False
        return growth_worth_a_burst(verdict, self.options.analysis.verdict)

    def start_burst(self, plan: BurstPlan, kind: str = "") -> None:
        """Start a burst; when the program uses torch, look at its tensors first (the
        look at the burst's end tells what grew), and record CUDA allocations when the GPU
        grows (``kind``, else the last verdict's)."""
        self.bursts_started += 1
        if self.options.retention and "torch" in sys.modules:
            gpu = (kind or (self.last.kind if self.last is not None else "")) == "gpu"
            try:
                self.probe.outside(lambda: self._torch.start(self.probe.iterations, gpu))
            except Exception as exc:
                self.probe.note_error("torch", exc)
        self.probe.start_burst(plan)

    def settled(self, verdict: Verdict) -> bool:
        """A verdict confident enough to stop measuring: no growth. A leak is judged on
        every iteration the budget allows, since a cache of N entries filling looks like
        one until N iterations have passed."""
        settled = verdict.status in ("flat", "plateau")
        return settled and self.probe.iterations >= self.options.settle_iterations


def _nothing() -> None:
    pass


def burst_period(verdict: Verdict) -> int:
    """The longest sawtooth period any signal showed (1: none)."""
    return max((t.period for t in verdict.signals), default=1)


_DEFAULT_VERDICT = VerdictConfig()


def growth_worth_a_burst(verdict: Verdict, config: VerdictConfig = _DEFAULT_VERDICT) -> bool:
    """Memory grows, or may: a leak, or an undecided verdict with a signal whose growth
    is clear of zero and at least the minimum rate, and, where full gc passes left levels
    of that signal, those levels rising too. A burst slows the program several times over
    while it lasts, so drift, noise and garbage waiting for the collector (a rising
    sawtooth whose post-gc levels stay flat, or are too few or too noisy to tell) must not
    start one: ``needs_levels`` asks for the passes that decide first.

    Where the C heap is read, RSS does not start one on its own: what tracemalloc can
    attribute shows in the pymalloc blocks or the C heap, and RSS rising over flat heaps
    is the allocator keeping pages (a correct program's garbage warming it up). Levels
    that rise ever slower (``slowing``: a plateau forming, or a leak that paused) start
    none either; a leak verdict, once the rise holds, starts its burst."""
    if verdict.status == "leak":
        return True
    # The C heap read, and moving (not a glibc arena left idle under a preloaded jemalloc).
    c_heap = any(t.signal == "malloc" and t.ci_high > t.ci_low for t in verdict.signals)
    skip = _RSS_AND_COUNTS if c_heap else COUNT_ONLY
    return verdict.status == "inconclusive" and any(
        _rises(t, config) and t.retained in _RISING_LEVELS and t.signal not in skip
        for t in verdict.signals
    )


_RSS_AND_COUNTS = COUNT_ONLY | {"rss"}


def _rises(t: SignalTrend, config: VerdictConfig) -> bool:
    """A rise clear of zero, at the minimum rate or more."""
    return t.ci_low > 0 and t.slope >= config.min_rate(t.unit)


# Post-gc level statuses that let a rise start a burst; "" where none are recorded (the
# resources, the GPU). Not "slowing": levels that rise ever slower are a plateau forming
# (on a correct program, the allocator's pages warming up under its garbage), and a leak
# verdict asks for its burst anyway.
_RISING_LEVELS = ("", "grows")


def needs_levels(verdict: Verdict, config: VerdictConfig = _DEFAULT_VERDICT) -> bool:
    """An undecided verdict that more post-gc levels would decide: a signal rises clear
    of zero at the minimum rate or more, with too few levels of full gc passes to tell
    retained growth from garbage. (A program pays for such passes only within a budget;
    on a big heap, a torch program's, one pass can cost 0.2 s.)"""
    return verdict.status == "inconclusive" and any(
        t.retained == "too_few" and _rises(t, config) for t in verdict.signals
    )


def _call(session: _Session, call: Callable[[], object]) -> bool:
    """One iteration. False if the target raised (the error is recorded)."""
    try:
        call()
    except (Exception, SystemExit) as exc:  # sys.exit() in the target ends the run, not us
        session.probe.record_target_error(exc)
        return False
    session.probe.tick()
    return True


def _call_until(
    session: _Session,
    call: Callable[[], object],
    stop_at: int,
    progress: Optional[ProgressCallback],
    total: int,
    deadline: float = math.inf,
) -> bool:
    """Run iterations until ``stop_at``, a settled verdict or the ``deadline`` (a
    ``time.perf_counter()`` value). False if the target raised."""
    probe = session.probe
    every = session.settle_every(total)
    while probe.iterations < stop_at and time.perf_counter() < deadline:
        if not _call(session, call):
            return False
        if probe.iterations % every == 0:
            session.settle()
        if progress is not None:
            progress(probe.iterations, total, session.last.status if session.last else "measuring")
        # After a leak, only the budget's end is looked at (a leak never stops the run).
        said_leak = session.last is not None and session.last.status == "leak"
        if not said_leak and session.due() and session.settled(session.interim()):
            break
    return True


def _burst(session: _Session, call: Callable[[], object], verdict: Verdict) -> bool:
    """Trace a few windows of iterations; the probe ends the burst when its plan is done.
    False if the target raised (or ended) meanwhile."""
    session.start_burst(session.burst_plan(verdict))
    ok = True
    while session.probe.bursting and ok:
        ok = _call(session, call)
    session.probe.end_burst()
    return ok


def check(
    fn: Callable[..., Any],
    *args: Any,
    max_iterations: int = 1000,
    warmup: Optional[int] = None,
    progress: Optional[ProgressCallback] = None,
    target_name: Optional[str] = None,
    options: Optional[CheckOptions] = None,
    max_seconds: Optional[float] = None,
    **kwargs: Any,
) -> Report:
    """Call ``fn(*args, **kwargs)`` repeatedly and report whether memory leaks, and where.

    Stops early once the verdict is confident. ``warmup`` forces at least that many
    iterations to count as warm-up (it is also detected automatically). ``max_seconds``
    bounds the run's time as well as its iterations: measuring stops at 80% of it, and
    the burst that finds the growing sites aims to fit the rest (a slow function may
    then get an inconclusive verdict, with the iterations that would decide).

    >>> import leaksleuth
    >>> leaksleuth.check(lambda: None, max_iterations=150).verdict.status in ("flat", "plateau")
    True
    """
    opts = options or CheckOptions()
    deadline = math.inf
    if max_seconds is not None:
        deadline = time.perf_counter() + _MEASURING_SHARE * max_seconds
        opts = replace(opts, burst_seconds=min(opts.burst_seconds, max_seconds / 10))
    burst = BurstPlan(opts.burst_windows, opts.burst_window)
    reserve = burst.length if opts.attribution else 0
    measure_until = max(opts.min_iterations, max_iterations - reserve)

    def call() -> object:
        return fn(*args, **kwargs)

    # Frozen first, so that neither the session's first gc pass nor any later one walks
    # the objects the program had already (garbage among them stays out of the run).
    frozen = OlderObjectsFrozen()
    frozen.freeze()
    session: Optional[_Session] = None
    try:
        session = _Session(target_name or _describe(fn), opts, warmup, default_budget=math.inf)
        session.before_holders = frozen.thaw  # the holder search must see every container
        if _call_until(session, call, measure_until, progress, max_iterations, deadline):
            verdict = session.interim()
            went_on = True
            if not (session.wants_burst(verdict) or session.settled(verdict)):
                # The iterations kept for a burst that nothing asks for measure on: an
                # unsettled verdict gets the whole budget before it is given.
                went_on = _call_until(
                    session, call, max_iterations, progress, max_iterations, deadline
                )
                verdict = session.interim()
            if went_on and session.wants_burst(verdict):
                went_on = _burst(session, call, verdict)
                frozen.freeze()  # thawed for the holder search at the burst's end
            if went_on:  # a target that raised or ended is not called again
                session.trace_native(call)
        session.settle()
        stop_reason = _stop_reason(session, max_iterations, deadline)
        return session.final_report(session.capture(stop_reason))
    finally:
        frozen.thaw()
        if session is not None:
            session.probe.close()


def _stop_reason(session: _Session, max_iterations: int, deadline: float = math.inf) -> str:
    n = session.probe.iterations
    if n < max_iterations and session.last is not None and session.settled(session.last):
        return f"stopped early after {n} of at most {max_iterations} iterations: verdict settled"
    if n < max_iterations and time.perf_counter() >= deadline:
        return f"stopped at the time limit after {n} of at most {max_iterations} iterations"
    return ""


class Watch:
    """Watches a loop the program already has. Use via :func:`watch`."""

    def __init__(self, target: str, warmup: Optional[int], options: CheckOptions) -> None:
        self._session = _Session(
            target, options, warmup, default_budget=_WATCH_ANALYSIS, record_budget=_WATCH_READS
        )
        self._frozen: Optional[Capture] = None
        self._final: Optional[Report] = None

    def tick(self) -> None:
        """Mark the end of one iteration. Never raises into the caller."""
        session = self._session
        session.probe.tick()
        if not session.due():
            session.settle_within_budget()
            return
        try:
            verdict = session.interim()
            if session.wants_burst(verdict):
                session.start_burst(session.burst_plan(verdict))
            elif needs_levels(verdict):
                # Too few post-gc levels to decide: one more pass now, as the CLI asks a
                # ``run`` program for one (the interim looks' budget paces these).
                session.settle_counted()
        except Exception as exc:  # the probe must never break the watched loop
            session.probe.note_error("checkpoint", exc)

    def settle_now(self) -> None:
        """A full gc pass and the levels it leaves, now (outside a burst): asked for by a
        verdict taken elsewhere that needs more levels to decide. Never raises."""
        if not self._session.probe.bursting:
            self._session.settle_counted()

    def start_burst(self, leak: bool, period: int = 1, kind: str = "") -> bool:
        """Start the tracemalloc burst now, on a verdict taken outside this process
        (``leak``: it said leak, so the holders are searched at the burst's end; ``kind``:
        the kind of memory it said grows). False if a burst runs or the allowed bursts
        were spent. Never raises."""
        session = self._session
        opts = session.options
        if session.probe.bursting or session.bursts_started >= opts.max_bursts:
            return False
        try:
            session.leak_said = session.leak_said or leak
            session.start_burst(session.plan_for(period), kind)
            return True
        except Exception as exc:
            session.probe.note_error("burst", exc)
            return False

    def set_before_holders(self, thaw: Callable[[], None]) -> None:
        """Called right before the holder search (``leaksleuth run`` thaws the objects
        it froze at start-up, which ``gc.get_referrers`` would not see)."""
        self._session.before_holders = thaw

    def iteration(self) -> _IterationContext:
        """``with w.iteration():`` times exactly the block as one iteration."""
        return _IterationContext(self)

    def report(self) -> Report:
        """The report on what has been measured so far (final once the ``with`` exits).

        The analysis runs here, not in the loop, so the loop pays only for sampling.
        """
        if self._final is not None:
            return self._final
        session = self._session
        if self._frozen is None:
            session.settle()
        report = session.final_report(self._frozen or session.capture())
        if self._frozen is not None:
            self._final = report
        return report

    def close(self, exc: Optional[BaseException] = None, stop_reason: str = "") -> Capture:
        """End the watch (as leaving the ``with`` block does) and return its capture;
        ``exc`` is what the watched code raised, if anything. Idempotent."""
        if self._frozen is None:
            session = self._session
            if exc is not None and isinstance(exc, Exception):
                session.probe.record_target_error(exc)
            session.probe.finish()
            session.settle()  # before the RSS reader closes, so the last level has RSS
            session.probe.close()
            self._frozen = session.capture(stop_reason)
        return self._frozen

    def settle_within_budget(self) -> bool:
        """A full gc pass and the levels it leaves, if the loop's time affords one now
        (see ``SETTLE_BUDGET``). Never raises."""
        return self._session.settle_within_budget()

    @property
    def probe(self) -> Probe:
        return self._session.probe

    def __enter__(self) -> Watch:
        self._session.probe.restart_clock()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close(exc)


class _IterationContext:
    def __init__(self, watch: Watch) -> None:
        self._watch = watch

    def __enter__(self) -> None:
        self._watch._session.probe.restart_clock()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        if exc is None:
            self._watch.tick()


def watch(
    name: str = "watched loop",
    *,
    warmup: Optional[int] = None,
    options: Optional[CheckOptions] = None,
) -> Watch:
    """Watch a loop you already have.

    >>> import leaksleuth
    >>> with leaksleuth.watch() as w:
    ...     for _ in range(50):
    ...         with w.iteration():
    ...             pass
    >>> w.report().verdict.iterations_measured >= 50
    True
    """
    return Watch(name, warmup, options or CheckOptions())


__all__ = ["CheckOptions", "Watch", "check", "watch"]
