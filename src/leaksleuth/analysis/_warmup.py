"""The shape of a memory series: where its warm-up ends, where a sawtooth resets it,
and how far each segment's level is shifted.

Warm-up: MSER-style truncation (the marginal standard error rule), with a line where
MSER has a level. For each cut ``d`` in the first half, fit least squares to ``y[d:]``
and score ``SSR / (n - d)^2``. A cut that removes a one-off step (a lazy import), a cache
filling up or the early reallocations of a growing list lowers the residuals far more
than it shortens the tail; a cut into a stable regime only shortens it. A line, not a
level, so that a steady leak is one regime (cut 0) rather than a warm-up that never ends.
All sums are suffix sums, so the whole search is O(n).

Three guards against cutting into noise. Spikes are replaced by a 5-point running median
first, so one RSS spike cannot buy itself a cut. The earliest cut whose score is within
two standard errors of the best wins, because noise alone makes the scores of cuts some
way apart differ by that much. And the cut stands only if the part it removes lies off
the stable part's line by more than 3 robust noise widths on average: without that test
MSER happily trims early points that happen to lie against a chance trend, and the trend
test on the rest then sees more growth than there is (in pure noise of 30 points it
doubled the false leak rate). Points just after the cut that are still off the line
(the last entries of a filling cache) are moved into the warm-up.

Sawtooth: recurring steps down far deeper than both the typical step and the noise, with
no matching steps up, and the level climbing back between them (a gc pass, a buffer
cleared every N iterations). Churn moves both ways and is not a sawtooth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from leaksleuth.analysis._trend import median, theil_sen

# Cuts whose score is within this many standard errors of the best are equally good: an
# SSR over k points has a relative standard error of sqrt(2 / k).
_SCORE_TOLERANCE = 2.0


def running_median(y: Sequence[float], half: int = 2) -> list[float]:
    """Median of each point's neighbourhood; windows shrink symmetrically at the ends.

    Symmetric windows keep a step at index 2 a step: an even window at index 1 would put
    a value halfway up it.

    >>> running_median([0, 0, 9, 0, 0, 0, 5, 5, 5])
    [0, 0, 0, 0, 0, 0, 5, 5, 5]
    """
    n = len(y)
    out: list[float] = []
    for i in range(n):
        h = min(half, i, n - 1 - i)
        out.append(median(y[i - h : i + h + 1]))
    return out


def despiked(y: Sequence[float]) -> list[float]:
    """``y`` with readings far (4 robust noise widths) off their running median replaced.

    Only spikes are touched: smoothing every point would bend the corners of a step.

    >>> despiked([5.0, 5.1, 4.9, 90.0, 5.0, 5.2, 4.8])
    [5.0, 5.1, 4.9, 5.1, 5.0, 5.2, 4.8]
    """
    smooth = running_median(y)
    # Noise from the steps, centred on the typical step so that a steady rise is not noise.
    steps = [b - a for a, b in zip(y, y[1:])]
    centre = median(steps)
    sigma = 1.4826 * median([abs(d - centre) for d in steps]) / math.sqrt(2)
    return [b if abs(a - b) > 4 * sigma else a for a, b in zip(y, smooth)]


def _mser_scores(xs: Sequence[float], ys: Sequence[float], last: int) -> list[float]:
    n = len(xs)
    # Centring first: RSS is ~1e8 bytes, and raw squared sums would lose the noise.
    mx = sum(xs) / n
    my = sum(ys) / n
    sx = sy = sxx = sxy = syy = 0.0
    scores = [0.0] * (last + 1)
    for d in range(n - 1, -1, -1):
        u, v = xs[d] - mx, ys[d] - my
        sx, sy, sxx, sxy, syy = sx + u, sy + v, sxx + u * u, sxy + u * v, syy + v * v
        if d <= last:
            k = n - d
            cxx, cxy, cyy = sxx - sx * sx / k, sxy - sx * sy / k, syy - sy * sy / k
            ssr = cyy - cxy * cxy / cxx if cxx > 0 else cyy
            scores[d] = max(ssr, 0.0) / (k * k)
    return scores


def detect_warmup(
    x: Sequence[float], y: Sequence[float], min_tail: int = 20, max_fraction: float = 0.5
) -> int:
    """Index of the first point of the stable regime (0 when there is no warm-up).

    The stable part keeps at least ``min_tail`` finite points and at least
    ``1 - max_fraction`` of them. NaN readings are skipped.

    >>> y = [100.0, 100.0] + [500.0] * 60
    >>> detect_warmup(range(1, 63), y)
    2
    """
    idx = [i for i in range(len(y)) if math.isfinite(x[i]) and math.isfinite(y[i])]
    n = len(idx)
    last = min(int(n * max_fraction), n - min_tail)
    if last <= 0:
        return 0
    xs = [float(x[i]) for i in idx]
    ys = despiked([float(y[i]) for i in idx])
    scores = _mser_scores(xs, ys, last)
    best = min(range(len(scores)), key=scores.__getitem__)
    spread = _SCORE_TOLERANCE * math.sqrt(2 / (n - best))
    good_enough = scores[best] * (1 + spread) + 1e-12 * scores[0]
    cut = next(d for d, s in enumerate(scores) if s <= good_enough)
    return idx[_settle(xs, [float(y[i]) for i in idx], cut, last)] if cut else 0


def _settle(xs: list[float], ys: list[float], cut: int, last: int) -> int:
    """Check a cut against the line through the points after it, and tidy it.

    The stable part reaches back over earlier points within one noise width of its line
    (MSER may cut after a harmless bump instead of at the real step); points just after
    the cut still off the line (the last entries of a filling cache) join the warm-up;
    and the cut is dropped (0) unless the points before it lie off the line by more than
    3 noise widths on average.
    """
    slope = theil_sen(xs[cut:], ys[cut:]).slope
    resid = [y - slope * x for x, y in zip(xs, ys)]
    centre = median(resid[cut:])
    off = [abs(r - centre) for r in resid]
    # The mean deviation backs up the median one: readings that are exact most of the time
    # (an allocator's deterministic steps) have a median deviation of 0, yet bumps.
    sigma = max(1.4826 * median(off[cut:]), 1.25 * sum(off[cut:]) / len(off[cut:]))
    # Off by more than the noise, and by more than three iterations of steady growth: a
    # 700-byte bump is no warm-up for a loop that leaks 160 KiB an iteration.
    growth = abs(slope) * (xs[-1] - xs[0]) / (len(xs) - 1)
    limit = max(3 * sigma, 3 * growth)
    while cut > 0 and off[cut - 1] <= max(sigma, 3 * growth):
        cut -= 1
    if cut == 0 or sum(off[:cut]) / cut <= limit or not any(off[:cut]):
        return 0
    while cut < last and off[cut] > 3 * sigma and sigma > 0:
        cut += 1
    return cut


def remove_level_shifts(
    x: Sequence[float], y: Sequence[float], segments: Sequence[int], slope: float, window: int
) -> list[float]:
    """``y`` with each segment's level shift against the one before it taken out.

    The shift is the difference of the detrended medians of ``window`` points on either
    side of the boundary, so growth that continues across it is kept. A shift within
    twice the two windows' spreads is not told apart from noise or a sawtooth's phase and
    is left alone: a boundary usually comes with a gc pass, which restarts a sawtooth at
    its floor, and removing that "shift" at every boundary would stack up into a rise.
    ``x`` sorted, values finite.

    >>> remove_level_shifts([1, 2, 3, 4], [5, 5, 9, 9], [0, 0, 1, 1], 0.0, 2)
    [5, 5, 5.0, 5.0]
    """
    out = list(y)
    b = 0.0 if math.isnan(slope) else slope
    offset = 0.0
    prev_start = start = 0
    n = len(y)
    for i in range(1, n + 1):
        if i < n and segments[i] == segments[i - 1]:
            continue
        if start > 0:
            before = [y[j] - b * x[j] for j in range(max(prev_start, start - window), start)]
            after = [y[j] - b * x[j] for j in range(start, min(i, start + window))]
            offset += _shift(before, after)
            for j in range(start, i):
                out[j] = y[j] - offset
        prev_start, start = start, i
    return out


def _shift(before: list[float], after: list[float]) -> float:
    def spread(v: list[float]) -> float:
        m = median(v)
        return 1.4826 * median([abs(a - m) for a in v])

    shift = median(after) - median(before)
    return shift if abs(shift) > 2 * (spread(before) + spread(after)) else 0.0


# A step down counts as a sawtooth reset when it is this many typical steps deep (resets
# shallower than that belong to periods under ~5 iterations, too short to fool the tests)
# and this many noise widths deep: in a noisy leak the typical step is mostly noise, and
# 4 of them is a dip that one series in twenty shows by chance.
_RESET_STEPS = 4.0
_RESET_NOISE = 6.0


@dataclass(frozen=True)
class Sawtooth:
    """Recurring resets (a gc pass, a buffer cleared) cutting a series into cycles."""

    period: int  # typical cycle length in iterations; 1 when there is no sawtooth
    longest: float  # longest stretch between resets, partial ones at the ends included
    cycles: tuple[tuple[int, int], ...]  # complete cycles as (first, last) indexes


NO_SAWTOOTH = Sawtooth(period=1, longest=0.0, cycles=())


def _runs(n: int, resets: list[int], segments: Sequence[int]) -> list[tuple[int, int, bool]]:
    """Stretches between resets and segment starts: (first, last, complete cycle?)."""
    after_reset = {i + 1 for i in resets}
    runs: list[tuple[int, int, bool]] = []
    start = 0
    for i in range(1, n + 1):
        if i == n or i in after_reset or segments[i] != segments[i - 1]:
            runs.append((start, i - 1, start in after_reset and i in after_reset))
            start = i
    return runs


def _rises_between(runs: list[tuple[int, int, bool]], y: Sequence[float], depth: float) -> bool:
    # In a sawtooth the level climbs back between resets; random dips in noise do not.
    long_runs = [(a, b) for a, b, _ in runs if b - a >= 2]
    climbing = 0
    for a, b in long_runs:
        t = max(1, (b - a + 1) // 3)
        if median(y[b - t + 1 : b + 1]) - median(y[a : a + t]) >= 0.3 * depth:
            climbing += 1
    return bool(long_runs) and climbing >= math.ceil(0.6 * len(long_runs))


def step_noise(y: Sequence[float], segments: Sequence[int]) -> float:
    """Noise sd from second differences, which a steady rise (a tooth, a leak) cancels."""
    second = [
        y[i + 1] - 2 * y[i] + y[i - 1]
        for i in range(1, len(y) - 1)
        if segments[i - 1] == segments[i] == segments[i + 1]
    ]
    return 1.4826 * median([abs(d) for d in second]) / math.sqrt(6) if second else 0.0


def detect_sawtooth(x: Sequence[float], y: Sequence[float], segments: Sequence[int]) -> Sawtooth:
    """Find recurring resets: steps down far deeper than the typical step, few such rises.

    ``x`` must be sorted and every value finite.

    >>> tooth = [float(i % 10) for i in range(60)]
    >>> detect_sawtooth(range(60), tooth, [0] * 60).period
    10
    """
    n = len(y)
    steps = [(i, y[i + 1] - y[i]) for i in range(n - 1) if segments[i] == segments[i + 1]]
    moving = [abs(d) for _, d in steps if d]
    if len(moving) < 4:
        return NO_SAWTOOTH
    depth = max(_RESET_STEPS * median(moving), _RESET_NOISE * step_noise(y, segments))
    resets = [i for i, d in steps if d < -depth]
    jumps = sum(1 for _, d in steps if d > depth)
    if not resets or jumps > len(resets) // 3:
        return NO_SAWTOOTH  # big moves both ways: churn, not a sawtooth
    runs = _runs(n, resets, segments)
    if not _rises_between(runs, y, median([y[i] - y[i + 1] for i in resets])):
        return NO_SAWTOOTH
    stride = median([x[i + 1] - x[i] for i in range(n - 1)])
    lengths = [x[b] - x[a] + stride for a, b, _ in runs]
    cycles = tuple((a, b) for a, b, full in runs if full)
    full_lengths = [x[b] - x[a] + stride for a, b in cycles]
    period = median(full_lengths) if full_lengths else max(lengths)
    return Sawtooth(period=max(2, round(period)), longest=max(lengths), cycles=cycles)


def block_floors(
    x: Sequence[float], y: Sequence[float], segments: Sequence[int], block: int
) -> tuple[list[float], list[float]]:
    """The minimum of each block of ``block`` points or a few more, inside segments.

    A leak raises the floors; a sawtooth, whose blocks each hold a reset, does not.
    Returns the x of each minimum and the minimum.

    >>> block_floors(range(6), [3, 1, 2, 5, 4, 6], [0] * 6, 3)
    ([1, 4], [1, 4])
    """
    fx: list[float] = []
    fy: list[float] = []
    n = len(y)
    start = 0
    for i in range(1, n + 1):
        if i < n and segments[i] == segments[i - 1]:
            continue
        # Equal blocks of at least ``block`` points: a short one could miss the reset
        # of a sawtooth, and the minimum of fewer points sits higher anyway.
        count = max(1, (i - start) // block)
        bounds = [start + round(j * (i - start) / count) for j in range(count + 1)]
        for a, b in zip(bounds, bounds[1:]):
            k = min(range(a, b), key=lambda j: y[j])
            fx.append(x[k])
            fy.append(y[k])
        start = i
    return fx, fy
