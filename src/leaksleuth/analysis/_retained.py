"""Does the memory left after full gc passes grow, at one rate, in every window?

The per-iteration readings locate and time growth, but they cannot make the call alone:
garbage waiting for the collector, a cache still filling and the interpreter's own drift
all rise between gc passes. What a leak cannot avoid is this: the levels left right after
a full collection (the probe records them, ``Capture.settled``) keep rising, and they rise
again in each of several disjoint windows, at a consistent rate. So a leak is growth of
the retained levels that

- is meaningful: at least the minimum rate, with its confidence interval above zero;
- reproduces: every disjoint window of the stable part rises by a third of that rate or
  more (a leak that pauses for a whole window is not yet shown to go on);
- does not slow down: the last third of the windows rises at least half as fast as the
  first third (within one standard error). A bounded cache still filling, or a library
  cache whose growth decays, fails here; with room left in the budget the measurement
  goes on, and the verdict waits.

Garbage fails the first condition: full gc passes take it back, so the retained levels
stay flat however the raw readings rise.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from leaksleuth.analysis._trend import SlopeEstimate, median, theil_sen

# Fewest retained levels in the stable part before growth can be confirmed: two
# disjoint windows, each rising on its own.
MIN_LEVELS = 3
# Disjoint windows: at most this many, with at least this many levels of their own each.
MAX_WINDOWS = 8
LEVELS_PER_WINDOW = 3
# A window counts against the rate only when even this many standard errors above its
# own rate stay below a third of the overall rate: noise alone never fails a leak.
_Z = 2.0


@dataclass(frozen=True)
class Window:
    """One disjoint window: growth per iteration between its end levels, and the
    standard error that the levels' own noise gives that figure."""

    start: float
    end: float
    rate: float
    error: float


@dataclass(frozen=True)
class Retained:
    """What the retained levels of one signal show over the stable part.

    ``status``: "grows" (a leak's growth, confirmed), "slowing" (grows, but a window
    clearly slower than the rest, or the later half slower than the earlier: a plateau
    may be forming), "not_kept" (the retained levels stay below the minimum rate:
    garbage, or nothing), "unclear" (neither, yet), or "too_few" (too few levels).
    """

    status: str
    trend: SlopeEstimate
    windows: tuple[Window, ...]
    levels: int


def level_noise(xs: Sequence[float], ys: Sequence[float], slope: float) -> float:
    """Robust standard deviation of one level, from the steps between consecutive levels
    once the trend is taken out (a knee or a cache's end moves few steps, so it does
    not inflate this the way it would the residuals around one line)."""
    steps = [(y1 - y0) - slope * (x1 - x0) for x0, x1, y0, y1 in zip(xs, xs[1:], ys, ys[1:])]
    centre = median(steps)
    return 1.4826 * median([abs(d - centre) for d in steps]) / math.sqrt(2)


def windows_of(
    xs: Sequence[float], ys: Sequence[float], count: int, noise: float
) -> tuple[Window, ...]:
    """``count`` disjoint spans of equal length, each from the last level at or before
    its start to the last level at or before its end (so no growth is counted twice).
    A span with no level of its own is skipped."""
    lo, hi = xs[0], xs[-1]
    edges = [lo + (hi - lo) * k / count for k in range(count + 1)]
    found = []
    for a, b in zip(edges, edges[1:]):
        i = max(bisect.bisect_right(xs, a) - 1, 0)
        j = bisect.bisect_right(xs, b) - 1
        if j > i and xs[j] > xs[i]:
            span = xs[j] - xs[i]
            error = noise * math.sqrt(2) / span
            found.append(Window(xs[i], xs[j], (ys[j] - ys[i]) / span, error))
    return tuple(found)


def retained_growth(
    levels: Sequence[tuple[float, float]],
    start: float,
    end: float,
    min_rate: float,
    confidence: float,
) -> Retained:
    """Judge the retained levels of the iterations from ``start`` to ``end``.

    Levels that cover less than the first half of that span are too few: growth the
    readings show later on is not yet known to be kept.

    >>> levels = [(i, 1000.0 + 50 * i) for i in range(0, 420, 20)]
    >>> retained_growth(levels, 0, 400, 16.0, 0.95).status
    'grows'
    >>> retained_growth([(i, 1000.0) for i in range(0, 420, 20)], 0, 400, 16.0, 0.95).status
    'not_kept'
    """
    pts = sorted((float(x), float(y)) for x, y in levels if x >= start and math.isfinite(y))
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    if len(pts) < MIN_LEVELS or xs[-1] <= xs[0] or xs[-1] < (start + end) / 2:
        nan = SlopeEstimate(math.nan, math.nan, math.nan, 0)
        return Retained("too_few", nan, (), len(pts))
    trend = theil_sen(xs, ys, None, confidence)
    count = max(2, min(MAX_WINDOWS, (len(pts) - 1) // LEVELS_PER_WINDOW))
    windows = windows_of(xs, ys, count, level_noise(xs, ys, trend.slope))
    status = "too_few" if len(windows) < 2 else _status(trend, windows, min_rate)
    return Retained(status, trend, windows, len(pts))


def _status(trend: SlopeEstimate, windows: tuple[Window, ...], min_rate: float) -> str:
    if trend.ci_high < min_rate:
        return "not_kept"
    if not (trend.ci_low > 0 and trend.slope >= min_rate):
        return "unclear"
    if any(w.rate + _Z * w.error < trend.slope / 3 for w in windows):
        # A window that clearly did not keep its share: decaying growth, or a pause.
        return "slowing"
    # The last third against the first: a cache filling at random (each new key one
    # entry, ever rarer) slows by more than half between them; a leak does not.
    third = max(len(windows) // 3, 1)
    early, late = _pooled(windows[:third]), _pooled(windows[-third:])
    return "slowing" if late.rate + late.error < 0.5 * early.rate else "grows"


def _pooled(windows: Sequence[Window]) -> Window:
    """Consecutive windows as one: from the first's start level to the last's end."""
    span = sum(w.end - w.start for w in windows)
    rate = sum(w.rate * (w.end - w.start) for w in windows) / span
    error = math.sqrt(sum((w.error * (w.end - w.start)) ** 2 for w in windows)) / span
    return Window(windows[0].start, windows[-1].end, rate, error)
