"""One verdict from the per-signal trends.

Any leak wins, then any plateau, then flat when every signal is. Two exceptions, both
about what a signal can know: a sparsely sampled signal short of readings (gc_objects)
does not hold back a verdict the dense ones agree on, and an RSS plateau while the C
heap and pymalloc stay flat is the allocator keeping freed pages, not memory the program
holds, so it counts as flat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Optional

from leaksleuth.analysis._trend import SlopeEstimate
from leaksleuth.analysis._verdict import NO_ESTIMATE, VerdictConfig, more_iterations_needed
from leaksleuth.analysis._wording import LABELS, amount, per_iteration
from leaksleuth.report._model import SignalTrend, Verdict

# Signals that locate and time growth but never decide a verdict (nor start a burst): the
# gc object count has no levels of full gc passes of its own (see _deciding).
COUNT_ONLY = frozenset({"gc_objects"})


def _deciding(trends: Sequence[SignalTrend], config: VerdictConfig) -> list[SignalTrend]:
    """The trends that decide the verdict.

    A sparsely sampled signal that lacks readings does not hold back a verdict the densely
    sampled ones agree on. The gc object count never calls a leak nor holds a verdict
    back: it has no levels of full gc passes of its own, so its rise may be garbage
    waiting for the collector, and a leak is retained memory. Every object it counts
    lives in the Python heap (or, when big, the C heap), whose signals are judged on
    their post-gc levels and decide; the count still locates and times the growth.
    """
    most = max((t.points for t in trends), default=0)
    return [
        t
        for t in trends
        if not (t.status == "inconclusive" and t.points < min(config.min_points, most / 2))
        and not (t.signal in COUNT_ONLY and t.status in ("leak", "inconclusive"))
    ]


def _byte_figure(
    trends: Sequence[SignalTrend],
    byte_rates: Mapping[str, SlopeEstimate],
    status: str,
    min_bytes: float,
) -> tuple[str, SlopeEstimate]:
    """The largest significant byte growth; else (and for no growth) the tightest byte
    estimate available.

    A leak states only a rate whose interval excludes zero and reaches the minimum: when
    only a count (pymalloc blocks, gc objects) grows, it has no byte figure at all.
    """
    rates = {
        t.signal: SlopeEstimate(t.slope, t.ci_low, t.ci_high, t.points)
        for t in trends
        if t.unit == "bytes"
    }
    rates.update(byte_rates)  # the caller's own estimates win
    usable = {k: v for k, v in rates.items() if math.isfinite(v.slope) and math.isfinite(v.ci_low)}
    # No growth: the tightest estimate, not a rise that the verdict found to be no leak.
    growing = [k for k, v in usable.items() if v.ci_low > 0 and status not in ("flat", "plateau")]
    if status == "leak":
        growing = [k for k in growing if usable[k].slope >= min_bytes]
    if growing:
        best = max(growing, key=lambda k: usable[k].slope)
    elif usable and status != "leak":
        best = min(usable, key=lambda k: usable[k].ci_high - usable[k].ci_low)
    else:
        return "none", NO_ESTIMATE
    return best, usable[best]


def _telling(trends: Sequence[SignalTrend], status: str) -> Sequence[SignalTrend]:
    """The trends that carry the overall status, or all of them when none does."""
    return [t for t in trends if t.status == status] or trends


def _allocator_retention(trends: Sequence[SignalTrend]) -> Optional[SignalTrend]:
    """An RSS plateau while the heap signals stay flat: pages the allocator kept, not data.

    glibc keeps freed pages mapped, so a loop churning big temporaries raises RSS in its
    first iterations and then holds it; the bytes in use (malloc, py_blocks) show nothing.
    """
    heap = [t for t in trends if t.signal in ("malloc", "py_blocks")]
    rss = [t for t in trends if t.signal == "rss" and t.status == "plateau"]
    others = [t for t in trends if t.status == "plateau" and t.signal != "rss"]
    if rss and heap and not others and all(t.status == "flat" for t in heap):
        return rss[0]
    return None


def _overall_status(trends: Sequence[SignalTrend], config: VerdictConfig) -> str:
    """Any leak wins; then a plateau, unless an undecided signal still rises at a rate
    that matters, or what full gc passes leave of it does (a plateau elsewhere does not
    show that this one stopped)."""
    statuses = {t.status for t in trends}
    if "leak" in statuses:
        return "leak"
    rising = any(
        t.status == "inconclusive"
        and ((t.ci_low > 0 and t.slope >= config.min_rate(t.unit)) or t.retained == "grows")
        for t in trends
    )
    if "plateau" in statuses and not rising:
        return "plateau"
    return "flat" if statuses == {"flat"} else "inconclusive"


def _names(trends: Sequence[SignalTrend]) -> str:
    labels = [LABELS.get(t.signal, t.signal) for t in trends]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _warmup_phrase(warmup_end: int) -> str:
    return f"a {warmup_end - 1}-iteration warm-up" if warmup_end > 1 else "no warm-up"


def _trendrate(t: SignalTrend, confidence: float) -> str:
    return per_iteration(SlopeEstimate(t.slope, t.ci_low, t.ci_high, t.points), t.unit, confidence)


def _verdict_reason(
    status: str, trends: Sequence[SignalTrend], basis: str, est: SlopeEstimate, v: Verdict
) -> str:
    mine = [t for t in trends if t.status == status]
    if status == "inconclusive":
        if not mine:
            return "cannot tell yet: no memory signal had enough readings"
        worst = max(mine, key=lambda t: more_iterations_needed(t) or 0)
        return f"cannot tell yet after {v.iterations_measured} iterations: {worst.reason}"
    rate = per_iteration(est, "bytes", v.confidence) if basis != "none" else ""
    names = _names(mine) + (" both" if len(mine) == 2 else " all" if len(mine) > 2 else "")
    warmup = _warmup_phrase(v.warmup_end)
    if status == "leak":
        if est.ci_low > 0:
            lead = f"grows {rate}"
        else:  # no byte-valued signal is significant: lead with the one that leaks
            first = mine[0]
            label = LABELS.get(first.signal, first.signal)
            lead = f"{label} grows {_trendrate(first, v.confidence)}"
        since = f"after {warmup}" if v.warmup_end > 1 else "from the first iteration"
        rise = "rises" if len(mine) == 1 else "rise"
        if any(t.retained == "grows" for t in mine):
            rise += ", and so do the levels full gc passes leave, in every disjoint window"
        else:
            rise += " steadily"
        return f"{lead} {since}; {names} {rise}"
    if status == "plateau":
        top = max(mine, key=lambda t: (t.unit == "bytes", t.warmup_growth))
        since = f": {rate} since" if rate else ""
        gained = amount(top.warmup_growth, top.unit)
        verb = "levels" if len(mine) == 1 else "level"
        return (
            f"grew {gained} during {warmup}, then stopped{since}; {names} {verb} off"
            + _rising_anyway(mine)
        )
    flat = f"{names} {'stays' if len(mine) == 1 else 'stay'} flat"
    return (
        f"no growth over {v.iterations_measured} iterations: {rate or 'no byte figure'}; {flat}"
        + _rising_anyway(mine)
    )


def _rising_anyway(trends: Sequence[SignalTrend]) -> str:
    """Why a signal whose readings rise is no leak all the same (garbage, a sawtooth)."""
    rising = [t for t in trends if t.ci_low > 0]
    return f"; {rising[0].reason}" if rising else ""


def combine_verdict(
    trends: Sequence[SignalTrend],
    iterations_measured: int,
    byte_rates: Mapping[str, SlopeEstimate],
    config: VerdictConfig,
) -> Verdict:
    """One verdict from the per-signal trends: any leak wins, then any plateau, then flat.

    ``byte_rates`` adds byte-per-iteration estimates (e.g. "traced" from tracemalloc
    bursts) to those of the byte-valued trends; the verdict's figure is the largest that
    is significant, else the tightest.

    >>> combine_verdict([], 0, {}, VerdictConfig()).status
    'inconclusive'
    """
    deciding = _deciding(trends, config)
    kept = _allocator_retention(deciding)
    if kept is not None:
        deciding = [replace(t, status="flat") if t is kept else t for t in deciding]
    status = _overall_status(deciding, config)
    basis, est = _byte_figure(deciding, byte_rates, status, config.min_bytes)
    more = [more_iterations_needed(t) for t in deciding if t.status == "inconclusive"]
    verdict = Verdict(
        status=status,
        bytes_per_iteration=est.slope,
        ci_low=est.ci_low,
        ci_high=est.ci_high,
        confidence=config.confidence,
        basis=basis,
        warmup_end=max((t.warmup_end for t in _telling(deciding, status)), default=0),
        iterations_measured=iterations_measured,
        more_iterations_needed=None
        if status != "inconclusive"
        else max([m for m in more if m is not None], default=config.min_points),
        reason="",
        signals=tuple(trends),
    )
    reason = _verdict_reason(status, deciding, basis, est, verdict)
    if kept is not None:
        settled = amount(kept.warmup_growth, "bytes")
        reason += f"; RSS settled {settled} higher early on, pages the allocator kept"
    return replace(verdict, reason=reason)
