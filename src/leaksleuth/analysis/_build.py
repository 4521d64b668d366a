"""From a capture to the Report: each step a small function, composed in build_report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Dict, List, Sequence, Tuple

from leaksleuth.analysis._attribution import AttributionConfig, find_suspects
from leaksleuth.analysis._census import growing_types
from leaksleuth.analysis._combine import combine_verdict
from leaksleuth.analysis._groups import leak_groups
from leaksleuth.analysis._holders import attach_holders
from leaksleuth.analysis._memory import (
    ALLOCATOR_ADVICE,
    GPU_EXTRA,
    GPU_SIGNALS,
    RESOURCE_SIGNALS,
    memory_parts,
    with_kind,
)
from leaksleuth.analysis._routes import route_reports
from leaksleuth.analysis._sources import SourceClassifier
from leaksleuth.analysis._torch import gpu_sites, torch_diagnoses, with_story
from leaksleuth.analysis._trend import SlopeEstimate, theil_sen
from leaksleuth.analysis._verdict import VerdictConfig, analyse_signal
from leaksleuth.analysis._wording import amount
from leaksleuth.analysis.diagnosis import diagnose
from leaksleuth.capture import Capture
from leaksleuth.capture._model import SETTLED_SIGNALS
from leaksleuth.report import (
    NativeStack,
    Report,
    SignalTrend,
    Suspect,
    TargetFailure,
    Verdict,
)

# Signals the verdict is judged on, with their units. "traced" only supplies byte rates.
VERDICT_SIGNALS: Tuple[Tuple[str, str], ...] = (
    ("py_blocks", "blocks"),
    ("malloc", "bytes"),
    ("rss", "bytes"),
    ("gc_objects", "objects"),
)


@dataclass(frozen=True)
class AnalysisConfig:
    """Every threshold the analysis uses, in one place."""

    verdict: VerdictConfig = field(default_factory=VerdictConfig)
    attribution: AttributionConfig = field(default_factory=AttributionConfig)
    user_files: Tuple[str, ...] = ()


def signal_trends(
    capture: Capture,
    config: AnalysisConfig,
    signals: Sequence[Tuple[str, str]] = VERDICT_SIGNALS + GPU_SIGNALS + RESOURCE_SIGNALS,
) -> List[SignalTrend]:
    """Classify each verdict signal over the ordinary (untraced) iterations.

    Resources are judged like memory, each at the same level as a memory signal.
    """
    rows = [i for i, p in enumerate(capture.phase) if p == 0]
    x = [capture.iteration[i] for i in rows]
    seg = [capture.segment[i] for i in rows]
    floor = capture.warmup_hint or 0
    trends = []
    for name, unit in signals:
        column = capture.signals.get(name)
        if column is None or len(column) != len(capture.iteration):
            continue  # not recorded by whatever made this capture
        y = [column[i] for i in rows]
        if sum(1 for v in y if not math.isnan(v)) < 3:
            continue
        levels = capture.settled_levels(name) if name in SETTLED_SIGNALS else None
        trends.append(
            analyse_signal(name, unit, x, y, seg, config.verdict, warmup_floor=floor, levels=levels)
        )
    return trends


def traced_rate(capture: Capture, confidence: float) -> Dict[str, SlopeEstimate]:
    """Bytes per iteration of the program's traced memory across burst snapshots.

    Snapshots are taken after a gc pass and exclude the tool's own allocations, so they
    are cleaner than the per-iteration traced total. Each burst is its own segment.
    """
    x: List[float] = []
    y: List[float] = []
    seg: List[int] = []
    for n, burst in enumerate(capture.bursts):
        for it, table in zip(burst.iterations, burst.snapshots):
            x.append(float(it))
            y.append(float(sum(size for size, _ in table.values())))
            seg.append(n)
    if len(x) < 3:
        return {}
    return {"traced": theil_sen(x, y, seg, confidence=confidence)}


def suspects_for(verdict: Verdict, capture: Capture, config: AnalysisConfig) -> Tuple[Suspect, ...]:
    """Suspects matter when memory grows; for plateau and flat there is nothing to chase."""
    if verdict.status not in ("leak", "inconclusive"):
        return ()
    classifier = SourceClassifier(config.user_files)
    return find_suspects(capture.bursts, classifier, config.attribution)


def notes_for(capture: Capture, verdict: Verdict, suspects: Sequence[Suspect]) -> Tuple[str, ...]:
    notes = []
    if capture.stop_reason:
        notes.append(capture.stop_reason)
    if verdict.status == "leak" and not capture.bursts:
        notes.append("no tracemalloc burst ran, so no allocation site could be attributed")
    elif verdict.status == "leak" and not suspects:
        notes.append(
            "the Python heap sites were stable during the traced window: the growth is "
            "likely outside tracemalloc's view (native memory) or slower than the window"
        )
    retention = capture.retention or {}
    if retention.get("cut_short"):
        notes.append(
            f"the search for what holds the leaked objects stopped at its "
            f"{retention.get('budget_s', 0):g} s budget after {retention.get('searched', 0)} "
            "objects: some holders may be missing (CheckOptions.retention_seconds, "
            "--retention-seconds)"
        )
    if verdict.kind == "allocator":
        notes.append(ALLOCATOR_ADVICE)
    native = capture.native or {}
    if native.get("unavailable"):
        notes.append(str(native["unavailable"]))
    elif native.get("stacks") == [] and verdict.kind == "native":
        notes.append(
            f"memray traced {native.get('iterations', 0)} more iterations and found no native "
            "stack whose surviving bytes grow with them: the growth may be slower than the "
            "window, or made by memory memray cannot see (a custom allocator)"
        )
    elif verdict.kind == "native" and not native:
        notes.append(
            "the growth is native: run with --native (CheckOptions(native=True)) and "
            "memray installed to trace which native stack allocates it"
        )
    trim = capture.meta.get("malloc_trim")
    if verdict.kind == "allocator" and isinstance(trim, dict) and trim.get("released") is not None:
        released = float(trim["released"])
        notes.append(
            f"malloc_trim(0) at the end gave back {amount(max(released, 0.0), 'bytes')} of RSS"
            + (": memory the allocator was keeping, not the program's" if released > 0 else "")
        )
    if capture.meta.get("gc_disabled"):
        notes.append("the program disabled the gc: uncollected cycles count as live memory")
    return tuple(notes)


def native_stacks(capture: Capture) -> Tuple[NativeStack, ...]:
    """The memray window's growing stacks, as report data."""
    stacks = (capture.native or {}).get("stacks") or []
    return tuple(
        NativeStack(
            bytes_per_iteration=float(s["bytes_per_iteration"]),
            allocations_per_iteration=float(s["allocations_per_iteration"]),
            python=tuple(str(f) for f in s["python"]),
            python_function=str(s["python_function"]),
            native=tuple(str(f) for f in s["native"]),
        )
        for s in stacks
    )


def _window_meta(capture: Capture) -> Dict[str, Dict[str, float]]:
    """What the memray window cost, when one ran."""
    native = capture.native or {}
    if "seconds" not in native:
        return {}
    window = {"iterations": float(native["iterations"]), "seconds": float(native["seconds"])}
    return {"native_window": window}


def target_failure(capture: Capture) -> TargetFailure | None:
    err = capture.target_error
    if err is None:
        return None
    return TargetFailure(
        iteration=err.iteration, type=err.type, message=err.message, traceback=err.traceback
    )


def _iterations_read(capture: Capture) -> int:
    """The iterations the untraced readings cover: each row stands for the iterations
    since the row before it (``watch()`` and ``run`` read within a time budget, and a long
    run's table is thinned, so a row may stand for many)."""
    covered, previous = 0, 0
    for number, phase in zip(capture.iteration, capture.phase):
        if phase == 0:
            covered += number - previous
        previous = number
    return covered


def build_report(capture: Capture, config: AnalysisConfig = AnalysisConfig()) -> Report:
    """Analyse a capture into a Report.

        >>> from leaksleuth.capture import Capture
    from leaksleuth.capture._model import SETTLED_SIGNALS
        >>> build_report(Capture(target="noop")).verdict.status
        'inconclusive'
    """
    trends = signal_trends(capture, config)
    measured = _iterations_read(capture)
    byte_rates = traced_rate(capture, config.verdict.confidence)
    verdict = combine_verdict(trends, measured, byte_rates, config.verdict)
    verdict = with_kind(verdict, trends, byte_rates)
    informing = (("malloc_free", "bytes"), *GPU_EXTRA)
    extra = {t.signal: t for t in signal_trends(capture, config, informing)}
    suspects = suspects_for(verdict, capture, config)
    types = growing_types(capture.bursts) if verdict.status in ("leak", "inconclusive") else ()
    suspects, loose = attach_holders(suspects, capture.retention, types)
    classifier = SourceClassifier(config.user_files)
    leaks = leak_groups(suspects, capture.retention, classifier)
    by_signal = {t.signal: t for t in trends}
    diagnoses = torch_diagnoses(capture, verdict, {**by_signal, **extra}, classifier)
    verdict = with_story(verdict, diagnoses)
    report = Report(
        target=capture.target,
        verdict=verdict,
        suspects=suspects,
        iterations=tuple(capture.iteration),
        series={k: tuple(v) for k, v in capture.signals.items()},
        phase=tuple(capture.phase),
        target_failure=target_failure(capture),
        probe_errors=tuple(capture.probe_errors),
        notes=notes_for(capture, verdict, suspects),
        growing_types=types,
        holders=loose,
        memory=memory_parts(trends, byte_rates, extra),
        native=native_stacks(capture),
        gpu=gpu_sites(capture, classifier),
        diagnoses=diagnoses,
        leaks=leaks,
        meta=dict(capture.meta, iterations_run=capture.iterations_run, **_window_meta(capture)),
    )
    retention = capture.retention or {}
    complete = "objects" in retention and not retention.get("cut_short", True)
    searched = int(retention.get("sites_searched") or 0)
    found = diagnose(report, retention.get("versions") or {}, diagnoses, complete, searched)
    if found:
        report = replace(report, diagnoses=(*diagnoses, *found))
    book = capture.meta.get("routes")
    if book:  # a web service's process: a verdict per route (leaksleuth.web)
        report = replace(report, routes=route_reports(report.verdict, report.suspects, book))
    return report
