"""Robust trend statistics for short, noisy, segmented memory series.

Theil-Sen slope with Sen's rank-based confidence interval, and the Mann-Kendall test.
Both count only pairs of points inside the same segment: a segment boundary may shift
the level of a signal (tracemalloc switched on or off), and a pair straddling it would
read that shift as growth. NaN readings (signals sampled only now and then) are ignored.

Both are rank based, so one RSS spike of a few megabytes moves them no more than any
other point above the line, and neither assumes normal noise.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Optional

# Past this many within-segment pairs (about 200 points) the slopes come from a seeded
# sample of this many pairs: the median of 20k random pairs adds about 15% to the
# estimator's own variance at 4096 points and keeps one call near 20 ms in CPython.
MAX_PAIRS = 20_000
_SEED = 0x1EA5

# One segment's points, sorted by x: (xs, ys).
Group = tuple[list[float], list[float]]


@dataclass(frozen=True)
class SlopeEstimate:
    """A Theil-Sen slope (units per iteration) with its confidence interval."""

    slope: float
    ci_low: float
    ci_high: float
    pairs: int  # pairwise slopes the estimate was taken from

    @property
    def half_width(self) -> float:
        """Half the width of the confidence interval."""
        return (self.ci_high - self.ci_low) / 2


@dataclass(frozen=True)
class MannKendall:
    """The Mann-Kendall statistic S, its variance (ties accounted), z and one-sided p."""

    s: float
    var_s: float
    z: float
    p_increasing: float  # probability of an S this large if the series has no trend


def segment_groups(
    x: Sequence[float], y: Sequence[float], segments: Optional[Sequence[int]] = None
) -> list[Group]:
    """Finite points grouped by segment id (first-seen order), each group sorted by x."""
    by_seg: dict[int, list[tuple[float, float]]] = {}
    for i, (xi, yi) in enumerate(zip(x, y)):
        if math.isfinite(xi) and math.isfinite(yi):
            seg = 0 if segments is None else segments[i]
            by_seg.setdefault(seg, []).append((float(xi), float(yi)))
    groups: list[Group] = []
    for pts in by_seg.values():
        pts.sort()
        groups.append(([p[0] for p in pts], [p[1] for p in pts]))
    return groups


def median(values: Sequence[float]) -> float:
    """The median, NaN for an empty sequence."""
    s = sorted(values)
    n = len(s)
    if n == 0:
        return math.nan
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _all_slopes(xs: list[float], ys: list[float], out: list[float]) -> None:
    # Comprehensions, not appends: this is the analysis's innermost loop.
    for i in range(len(xs) - 1):
        xi, yi = xs[i], ys[i]
        out.extend([(yj - yi) / (xj - xi) for xj, yj in zip(xs[i + 1 :], ys[i + 1 :]) if xj != xi])


def _sampled_slopes(xs: list[float], ys: list[float], k: int, rng: random.Random) -> list[float]:
    n = len(xs)
    rnd = rng.random
    pairs = [(int(rnd() * n), int(rnd() * n)) for _ in range(k)]
    return [(ys[j] - ys[i]) / (xs[j] - xs[i]) for i, j in pairs if xs[j] != xs[i]]


def _pair_slopes(groups: list[Group]) -> list[float]:
    counts = [len(g[0]) * (len(g[0]) - 1) // 2 for g in groups]
    total = sum(counts)
    slopes: list[float] = []
    if total <= MAX_PAIRS:
        for xs, ys in groups:
            _all_slopes(xs, ys, slopes)
        return slopes
    rng = random.Random(_SEED)
    for (xs, ys), c in zip(groups, counts):
        # Sampling i and j independently wastes the i == j draws; draw a little more.
        k = round(MAX_PAIRS * c / total * len(xs) / max(len(xs) - 1, 1))
        slopes.extend(_sampled_slopes(xs, ys, k, rng))
    return slopes


def kendall_variance(ys: Sequence[float]) -> float:
    """Var(S) of the Mann-Kendall statistic for one segment, corrected for tied values."""
    n = len(ys)
    ties = sum(t * (t - 1) * (2 * t + 5) for t in Counter(ys).values() if t > 1)
    return (n * (n - 1) * (2 * n + 5) - ties) / 18


def theil_sen(
    x: Sequence[float],
    y: Sequence[float],
    segments: Optional[Sequence[int]] = None,
    confidence: float = 0.95,
) -> SlopeEstimate:
    """Median of the pairwise slopes within each segment, with Sen's confidence interval.

    >>> est = theil_sen([1, 2, 3, 4, 5], [10, 12, 14, 16, 18])
    >>> est.slope, est.pairs
    (2.0, 10)
    """
    groups = segment_groups(x, y, segments)
    slopes = _pair_slopes(groups)
    if not slopes:
        return SlopeEstimate(math.nan, math.nan, math.nan, 0)
    slopes.sort()
    m = len(slopes)
    total = sum(len(g[0]) * (len(g[0]) - 1) / 2 for g in groups)
    var_s = sum(kendall_variance(g[1]) for g in groups)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    # Sen's ranks M1 = (N - C) / 2 and M2 = (N + C) / 2 (+1), as fractions of all pairs so
    # they apply to a sample too; floor/ceil keep the interval on the conservative side.
    reach = z * math.sqrt(var_s) / (2 * total)
    if total > MAX_PAIRS:
        # A sampled median wanders too: add its spread, sqrt(1 / 4m), in quadrature.
        reach = math.sqrt(reach**2 + z * z / (4 * m))
    lo = math.floor((0.5 - reach) * m) - 1
    hi = math.ceil((0.5 + reach) * m)
    return SlopeEstimate(
        slope=median(slopes),
        ci_low=slopes[min(max(lo, 0), m - 1)],
        ci_high=slopes[min(max(hi, 0), m - 1)],
        pairs=m,
    )


def _kendall_s(xs: list[float], ys: list[float]) -> int:
    # O(n log n): each point is compared with the earlier ones through a sorted list.
    seen: list[float] = []
    s = 0
    i = 0
    n = len(xs)
    while i < n:
        j = i
        while j < n and xs[j] == xs[i]:
            j += 1
        for k in range(i, j):  # points sharing an x are not ordered against each other
            below = bisect.bisect_left(seen, ys[k])
            s += below - (len(seen) - bisect.bisect_right(seen, ys[k]))
        for k in range(i, j):
            bisect.insort(seen, ys[k])
        i = j
    return s


def mann_kendall(
    x: Sequence[float], y: Sequence[float], segments: Optional[Sequence[int]] = None
) -> MannKendall:
    """Mann-Kendall trend test, S and Var(S) summed over segments; one-sided p for growth.

    >>> mk = mann_kendall(range(10), [0, 1, 3, 2, 4, 6, 5, 7, 9, 8])
    >>> mk.s, mk.p_increasing < 0.01
    (39.0, True)
    """
    groups = segment_groups(x, y, segments)
    s = float(sum(_kendall_s(xs, ys) for xs, ys in groups))
    var_s = sum(kendall_variance(ys) for _, ys in groups)
    if var_s <= 0:
        return MannKendall(s=s, var_s=0.0, z=0.0, p_increasing=0.5)
    # Continuity correction: S moves in steps of 2.
    z = (s - math.copysign(1.0, s)) / math.sqrt(var_s) if s else 0.0
    return MannKendall(s=s, var_s=var_s, z=z, p_increasing=0.5 * math.erfc(z / math.sqrt(2)))


def _t_two_sided(t: float, df: int) -> float:
    """P(|T| < t) for Student's t with integer ``df`` (Abramowitz & Stegun 26.7.3-4)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    term, total = 1.0, 0.0
    if df % 2:
        for k in range(1, (df - 1) // 2 + 1):
            total += term
            term *= c2 * (2 * k) / (2 * k + 1)
        return 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total)
    for k in range(1, df // 2 + 1):
        total += term
        term *= c2 * (2 * k - 1) / (2 * k)
    return math.sin(theta) * total


def slope_t_test(
    x: Sequence[float], y: Sequence[float], segments: Optional[Sequence[int]] = None
) -> float:
    """One-sided p that the least-squares slope (one intercept per segment) is positive.

    For a handful of averaged points, such as the means of sawtooth cycles: fewer than 7
    values can never reach p < 0.0025 in a rank test, however steep the trend.

    >>> slope_t_test([1, 2, 3, 4], [1.0, 2.1, 2.9, 4.0]) < 0.01
    True
    """
    groups = segment_groups(x, y, segments)
    sxx = sxy = 0.0
    for xs, ys in groups:
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx += sum((a - mx) ** 2 for a in xs)
        sxy += sum((a - mx) * (b - my) for a, b in zip(xs, ys))
    df = sum(len(g[0]) for g in groups) - len(groups) - 1
    if df < 1 or sxx <= 0:
        return 0.5
    b = sxy / sxx
    sse = 0.0
    for xs, ys in groups:
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sse += sum((v - my - b * (u - mx)) ** 2 for u, v in zip(xs, ys))
    if sse <= 0:
        return 0.5 if b == 0 else (0.0 if b > 0 else 1.0)
    t = b / math.sqrt(sse / df / sxx)
    inside = _t_two_sided(abs(t), df)
    return (1 - inside) / 2 if t > 0 else (1 + inside) / 2
