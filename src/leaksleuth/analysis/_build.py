"""From a capture to the Report: each step a small function, composed in build_report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from leaksleuth.analysis._attribution import AttributionConfig, find_suspects
from leaksleuth.analysis._sources import SourceClassifier
from leaksleuth.analysis._trend import SlopeEstimate, theil_sen
from leaksleuth.analysis._verdict import VerdictConfig, analyse_signal, combine_verdict
from leaksleuth.capture import Capture
from leaksleuth.report import Report, SignalTrend, Suspect, TargetFailure, Verdict

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


def signal_trends(capture: Capture, config: AnalysisConfig) -> List[SignalTrend]:
    """Classify each verdict signal over the ordinary (untraced) iterations."""
    rows = [i for i, p in enumerate(capture.phase) if p == 0]
    x = [capture.iteration[i] for i in rows]
    seg = [capture.segment[i] for i in rows]
    floor = capture.warmup_hint or 0
    trends = []
    for name, unit in VERDICT_SIGNALS:
        y = [capture.signals[name][i] for i in rows]
        if sum(1 for v in y if not math.isnan(v)) < 3:
            continue
        trends.append(analyse_signal(name, unit, x, y, seg, config.verdict, warmup_floor=floor))
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
    if capture.meta.get("gc_disabled"):
        notes.append("the program disabled the gc: uncollected cycles count as live memory")
    return tuple(notes)


def target_failure(capture: Capture) -> TargetFailure | None:
    err = capture.target_error
    if err is None:
        return None
    return TargetFailure(
        iteration=err.iteration, type=err.type, message=err.message, traceback=err.traceback
    )


def build_report(capture: Capture, config: AnalysisConfig = AnalysisConfig()) -> Report:
    """Analyse a capture into a Report.

    >>> from leaksleuth.capture import Capture
    >>> build_report(Capture(target="noop")).verdict.status
    'inconclusive'
    """
    trends = signal_trends(capture, config)
    measured = sum(1 for p in capture.phase if p == 0)
    verdict = combine_verdict(
        trends, measured, traced_rate(capture, config.verdict.confidence), config.verdict
    )
    suspects = suspects_for(verdict, capture, config)
    return Report(
        target=capture.target,
        verdict=verdict,
        suspects=suspects,
        iterations=tuple(capture.iteration),
        series={k: tuple(v) for k, v in capture.signals.items()},
        phase=tuple(capture.phase),
        target_failure=target_failure(capture),
        probe_errors=tuple(capture.probe_errors),
        notes=notes_for(capture, verdict, suspects),
        meta=dict(capture.meta, iterations_run=capture.iterations_run),
    )
