"""Does each signal leak, plateau, stay flat, or is it too early to say; then one verdict.

"Mann-Kendall says it grows" is not enough: a buffer cleared every 40 iterations rises
inside each tooth, so every within-tooth pair is concordant and S is huge; a gc sawtooth
does the same on a smaller scale. So the stable tail (after the warm-up cut) is a leak
only when four things hold, each one ruling out a known impostor:

(a) a significant trend: Theil-Sen CI above 0 and a one-sided p < alpha / signals
    (Bonferroni). Where a sawtooth is found (recurring resets far deeper than the
    typical step), the evidence is the mean of each complete cycle, not the points, so
    rises inside a tooth do not count; p is then a t-test on those few means, because a
    rank test on fewer than 7 values cannot reach alpha / 4 however steep the trend.
    Without a sawtooth, p is Mann-Kendall's on the points.
(b) rising floors: the minima of blocks at least one sawtooth period (and n/8 points)
    long climb at half the slope or more (Mann-Kendall p < 0.05 on them). A sawtooth's
    floors stay put whatever S says. Under a sawtooth the lowest reading of the later
    half must also sit above that of the earlier half: the gc's full passes grow rarer as
    the heap grows, so a block can miss one, but not half the run.
(c) a meaningful rate: at least the per-unit minimum in ``VerdictConfig``.
(d) still growing: the CI of the later half's slope reaches half the overall slope, no
    disjoint window of the readings grows clearly slower than a third of the rate, and
    the trend is still significant without its first eighth. Growth that stopped is a
    plateau the warm-up cut missed, and the tail is judged again from its midpoint (and
    again, while what is left is long enough to judge).
(e) retained: where the levels left by full gc passes are recorded (rss, py_blocks,
    malloc), they must grow too, in every disjoint window and no slower later
    (``_retained``): that is what rules out garbage, drift and caches still filling. A
    leak seen only over the last third of the run, after a long warm-up, is not yet one.

These rules locate and time growth on the readings; (e) makes the call.

Flat needs evidence too: enough points and sawtooth periods, and a slope CI or a floor
CI wholly below the minimum rate (or, under a sawtooth, lows of the later half no higher
than before). Plateau is such a tail after a warm-up that gained more than 4 noise
widths and more than the minimum rate would over ``plateau_horizon`` iterations.
Anything else is inconclusive, with the iterations likely to settle it: a slope's CI
shrinks like n^-1.5, and a sawtooth needs ``min_periods`` complete cycles.

The per-signal statuses are combined into one verdict in ``_combine``.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Optional

from leaksleuth.analysis._retained import MAX_WINDOWS, MIN_LEVELS, Retained, retained_growth
from leaksleuth.analysis._trend import (
    SlopeEstimate,
    mann_kendall,
    median,
    slope_t_test,
    theil_sen,
)
from leaksleuth.analysis._warmup import (
    NO_SAWTOOTH,
    Sawtooth,
    block_floors,
    detect_sawtooth,
    detect_warmup,
    remove_level_shifts,
    step_noise,
)
from leaksleuth.analysis._wording import LABELS, amount, per_iteration
from leaksleuth.report._model import SignalTrend

NO_ESTIMATE = SlopeEstimate(math.nan, math.nan, math.nan, 0)
# The floors only confirm a trend already significant at alpha / signals; a loose level
# keeps an 8-step staircase callable yet still halves the false leaks in short noise.
_FLOORS_ALPHA = 0.05
_MORE = re.compile(r"about (\d+) more iterations")


@dataclass(frozen=True)
class VerdictConfig:
    """Thresholds of the verdict. ``alpha`` is family-wise over ``signals`` signals."""

    alpha: float = 0.01  # one-sided; each signal is tested at alpha / signals
    confidence: float = 0.95  # of the reported intervals
    min_points: int = 20  # after warm-up, before anything but "inconclusive"
    min_periods: int = 3  # complete sawtooth cycles, likewise
    signals: int = 4  # rss, py_blocks, malloc, gc_objects
    # The smallest growth per iteration worth calling a leak. Every leak of 64 B per
    # iteration must be called; its estimate spreads by up to a quarter, so 48 B. Below
    # that, library caches that fill over thousands of iterations (matplotlib's text-layout
    # cache, per-shape caches) rise at 20-40 B per iteration for longer than a default run
    # lasts, and cannot be told from a leak within it.
    # Half a block or object per iteration: CPython's and the libraries' own caches
    # (interned strings, type caches, free lists) creep by 0.01-0.3 per iteration in
    # correct code, with no bytes behind them that matter; a leak of 64 bytes or more in
    # small objects keeps at least one block per iteration.
    min_bytes: float = 48.0
    min_blocks: float = 0.5
    min_objects: float = 0.5
    # Descriptors, threads and tasks do not creep like caches: one every 20 iterations.
    min_resources: float = 0.05
    # A one-off gain is a plateau worth reporting only if a leak at the minimum rate would
    # take this many iterations (or the whole run, if longer) to gain as much.
    plateau_horizon: int = 1000

    @property
    def signal_alpha(self) -> float:
        """The level each signal is tested at (Bonferroni)."""
        return self.alpha / max(self.signals, 1)

    def min_rate(self, unit: str) -> float:
        """The smallest meaningful growth per iteration in ``unit``."""
        rates = {"bytes": self.min_bytes, "blocks": self.min_blocks, "objects": self.min_objects}
        return rates.get(unit, self.min_resources)


# (iteration, level, segment) right after each full gc pass.
Levels = Sequence[tuple[int, float, int]]


@dataclass(frozen=True)
class _Series:
    """The finite readings of one signal, sorted by iteration, level shifts removed."""

    x: list[float]
    y: list[float]
    seg: list[int]
    joined: list[float]  # y with per-segment level shifts taken out

    def shift_of(self) -> dict[int, float]:
        """Each segment's level shift that ``joined`` takes out."""
        diffs: dict[int, list[float]] = {}
        for s, y, j in zip(self.seg, self.y, self.joined):
            diffs.setdefault(s, []).append(y - j)
        return {s: median(d) for s, d in diffs.items()}

    def joined_levels(self, levels: Levels) -> list[tuple[float, float]]:
        """gc-settled levels on the scale of ``joined``: each less its segment's shift.
        A level of a segment with no readings (taken while tracing) has no scale: dropped.
        """
        shift = self.shift_of()
        return [(x, y - shift[s]) for x, y, s in levels if s in shift]

    @property
    def stride(self) -> float:
        steps = [b - a for a, b in zip(self.x, self.x[1:])]
        s = median(steps)
        return s if s > 0 else 1.0


@dataclass(frozen=True)
class _Tail:
    """Everything measured on the stable part of one signal."""

    start: int  # index into the series
    n: int
    stride: float
    span: float  # iterations covered
    saw: Sawtooth
    trend: SlopeEstimate  # on the points, or on cycle means under a sawtooth
    p: float  # one-sided: Mann-Kendall on points, a t-test on cycle means
    units: int  # points or complete cycles behind ``trend``
    floors: SlopeEstimate
    floors_p: float  # Mann-Kendall on the floors
    lows_rise: float  # lowest reading of the later half minus that of the earlier half
    lows_noise: float  # noise of single readings, sawtooth excluded
    evidence: tuple[list[float], list[float], list[int]]  # what ``trend`` was fitted to
    noise: float  # robust sd of the residuals, sawtooth included
    growth: float  # gained during warm-up
    retained: Optional[Retained]  # the gc-settled levels over this part, when recorded


def _series(x: Sequence[float], y: Sequence[float], segments: Sequence[int]) -> _Series:
    rows = sorted(
        (float(x[i]), float(y[i]), int(segments[i]))
        for i in range(len(y))
        if math.isfinite(x[i]) and math.isfinite(y[i])
    )
    xs, ys, seg = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    if len(xs) < 3:
        return _Series(xs, ys, seg, ys)
    # Only needed to carry growth across segment boundaries.
    slope = theil_sen(xs, ys, seg).slope if len(set(seg)) > 1 else 0.0
    saw = detect_sawtooth(xs, ys, seg)
    stride = median([b - a for a, b in zip(xs, xs[1:])]) or 1.0
    window = max(10, 2 * math.ceil(saw.longest / stride))
    return _Series(xs, ys, seg, remove_level_shifts(xs, ys, seg, slope, window))


def _evidence(
    x: list[float], y: list[float], seg: list[int], saw: Sawtooth
) -> tuple[list[float], list[float], list[int]]:
    if saw is NO_SAWTOOTH:
        return x, y, seg
    # One point per complete cycle: its mean holds the same share of every tooth.
    ex = [sum(x[a : b + 1]) / (b - a + 1) for a, b in saw.cycles]
    ey = [sum(y[a : b + 1]) / (b - a + 1) for a, b in saw.cycles]
    return ex, ey, [seg[a] for a, _ in saw.cycles]


def _noise(x: list[float], y: list[float], seg: list[int], slope: float) -> float:
    b = slope if math.isfinite(slope) else 0.0
    resid = [yi - b * xi for xi, yi in zip(x, y)]
    by_seg = {s: median([r for r, t in zip(resid, seg) if t == s]) for s in set(seg)}
    centred = [r - by_seg[s] for r, s in zip(resid, seg)]
    return 1.4826 * median([abs(c) for c in centred]) if centred else 0.0


def _tail(
    series: _Series, start: int, config: VerdictConfig, unit: str, levels: Optional[Levels]
) -> _Tail:
    x, y, seg = series.x[start:], series.y[start:], series.seg[start:]
    n, stride = len(x), series.stride
    span = x[-1] - x[0] + stride if x else 0.0
    saw = detect_sawtooth(x, y, seg) if n >= 3 else NO_SAWTOOTH
    ex, ey, es = _evidence(x, y, seg, saw)
    block = max(math.ceil(n / 8), math.ceil(saw.longest / stride))
    fx, fy = block_floors(x, series.joined[start:], seg, max(block, 1))
    width = max(5, math.ceil(saw.longest / stride))
    trend = theil_sen(ex, ey, es, config.confidence)
    return _Tail(
        start=start,
        n=n,
        stride=stride,
        span=span,
        saw=saw,
        trend=trend,
        p=mann_kendall(ex, ey, es).p_increasing if saw is NO_SAWTOOTH else slope_t_test(ex, ey, es),
        units=len(ex),
        floors=theil_sen(fx, fy, None, config.confidence) if len(fx) >= 3 else NO_ESTIMATE,
        floors_p=mann_kendall(fx, fy).p_increasing if len(fx) >= 3 else 1.0,
        lows_rise=_lows_rise(series.joined[start:]),
        lows_noise=step_noise(y, seg),
        evidence=(ex, ey, es),
        noise=_noise(x, y, seg, trend.slope),
        growth=_warmup_growth(series.joined, start, width),
        retained=None
        if levels is None or not x
        else retained_growth(
            series.joined_levels(levels), x[0], x[-1], config.min_rate(unit), config.confidence
        ),
    )


def _lows_rise(joined: list[float]) -> float:
    half = len(joined) // 2
    return min(joined[half:]) - min(joined[:half]) if half else math.nan


def _warmup_growth(joined: list[float], start: int, width: int) -> float:
    """The level the stable part starts at, less the first readings' level.

    Its level is also read off its low end (5th percentile), so that a stable part that
    keeps dropping back to where the run began (RSS under churn) has gained nothing.
    """
    if start == 0:
        return 0.0
    tail = sorted(joined[start:])
    low_end = tail[len(tail) // 20]
    head = median(joined[: min(3, start)])
    return min(median(joined[start : start + width]), low_end) - head


def _significant(t: _Tail, config: VerdictConfig) -> bool:
    return t.trend.ci_low > 0 and t.p < config.signal_alpha


def _floors_rise(t: _Tail) -> bool:
    # Block floors, and the lowest reading of each half: a sawtooth whose deepest resets
    # (full gc passes) come rarely can leave a block without one, never a half.
    blocks = t.floors_p < _FLOORS_ALPHA and t.floors.slope >= 0.5 * t.trend.slope
    halves = t.saw.period == 1 or t.lows_rise >= 0.5 * t.trend.slope * t.span / 2
    return blocks and halves


def _lows_level(t: _Tail, min_rate: float) -> bool:
    """Under a sawtooth, the deepest resets of the later half are no higher than before."""
    return t.saw.period > 1 and t.lows_rise + 2 * t.lows_noise <= min_rate * t.span / 2


def _still_growing(t: _Tail, config: VerdictConfig) -> bool:
    """Still growing late on, and not only because of the first few readings (the last
    entries of a cache that the warm-up cut missed)."""
    ex, ey, es = t.evidence
    eighth = math.ceil(len(ex) / 8)
    # The later half of the iterations, not of the readings (a budgeted probe reads the
    # first iterations densely), with the reading just before it: its growth since then.
    middle = (ex[0] + ex[-1]) / 2 if ex else 0.0
    half = max(bisect.bisect_left(ex, middle) - 1, 0)
    late = theil_sen(ex[half:], ey[half:], es[half:], config.confidence)
    if not late.ci_high >= 0.5 * t.trend.slope:
        return False
    if not _every_window_grows(t, config):
        return False
    return theil_sen(ex[eighth:], ey[eighth:], es[eighth:], config.confidence).ci_low > 0


# Disjoint windows of the readings: each at least this many points, at most as many
# windows as the retained levels are cut into.
_WINDOW_POINTS = 8


def _every_window_grows(t: _Tail, config: VerdictConfig) -> bool:
    """No disjoint window of the readings grows clearly slower than a third of the rate.

    A cache full at iteration 60 of 69 looks like a leak on the whole; its last window
    is flat. A window whose interval is wide (noise) does not count against the rate.
    """
    ex, ey, es = t.evidence
    k = min(MAX_WINDOWS, len(ex) // _WINDOW_POINTS)
    if k < 2:
        return True
    lo, hi = ex[0], ex[-1]
    edges = [lo + (hi - lo) * j / k for j in range(k + 1)]
    edges[-1] = math.inf
    for a, b in zip(edges, edges[1:]):
        i, j = bisect.bisect_left(ex, a), bisect.bisect_left(ex, b)
        if j - i < 3:
            continue
        window = theil_sen(ex[i:j], ey[i:j], es[i:j], config.confidence)
        if window.ci_high < t.trend.slope / 3:
            return False
    return True


def _judge(t: _Tail, series: _Series, config: VerdictConfig, min_rate: float) -> str:
    """leak, plateau, flat, inconclusive, "stopped" (grew, then stopped or slowed), or
    "short" (grows, but only over the last third of the run or less)."""
    if t.n < config.min_points or (t.saw.period > 1 and len(t.saw.cycles) < config.min_periods):
        return "inconclusive"
    if _significant(t, config) and _floors_rise(t) and t.trend.slope >= min_rate:
        if not _still_growing(t, config):
            return "stopped"
        kept = "grows" if t.retained is None else t.retained.status
        if kept == "grows":
            # After a warm-up of two thirds of the run, a library cache that fills ever
            # slower looks steady over what is left; the rest must be a third at least.
            return "short" if 3 * t.span < _whole_run(series) else "leak"
        if kept == "slowing":
            return "stopped"
        if kept != "not_kept":
            return "inconclusive"
        # Full gc passes take the growth back: garbage waiting for the collector.
    elif not (
        t.trend.ci_high < min_rate
        or t.floors.ci_high < min_rate
        or _lows_level(t, min_rate)
        or (t.retained is not None and t.retained.status == "not_kept")
    ):
        # No evidence of flatness: neither the readings, their lows, nor what full gc
        # passes leave are known to stay below the minimum rate.
        return "inconclusive"
    whole_run = _whole_run(series)
    gained = t.growth > max(4 * t.noise, min_rate * max(whole_run, config.plateau_horizon))
    return "plateau" if gained else "flat"


def _whole_run(series: _Series) -> float:
    return series.x[-1] - series.x[0] + series.stride


def _classify(
    series: _Series, start: int, config: VerdictConfig, unit: str, levels: Optional[Levels]
) -> tuple[str, _Tail]:
    rate = config.min_rate(unit)
    tail = _tail(series, start, config, unit, levels)
    status = _judge(tail, series, config, rate)
    # Growth that stopped (or slowed) is a warm-up the cut missed: judge what follows it,
    # halving the part looked at while it stays long enough to judge.
    while status == "stopped" and tail.n // 2 >= config.min_points:
        start += tail.n // 2
        tail = _tail(series, start, config, unit, levels)
        status = _judge(tail, series, config, rate)
    return status, tail


def _iterations_to_decide(t: _Tail, config: VerdictConfig, min_rate: float) -> int:
    needs = [0.0]
    if t.n < config.min_points:
        needs.append((config.min_points - t.n) * t.stride)
    if t.saw.period > 1 and len(t.saw.cycles) < config.min_periods:
        # min_periods complete cycles need about one more period for the partial ends.
        needs.append((config.min_periods + 1) * t.saw.longest - t.span)
    b, h = t.trend.slope, t.trend.half_width
    if t.units >= 3 and math.isfinite(b) and math.isfinite(h) and h > 0:
        z_ci = NormalDist().inv_cdf(0.5 + config.confidence / 2)
        z_alpha = NormalDist().inv_cdf(1 - config.signal_alpha)
        # The usual sample size rule, for an 80% chance (z = 0.84) of deciding: a leak
        # needs the slope z_alpha + 0.84 standard errors clear of 0; flat needs the
        # minimum rate z_ci + 0.84 standard errors above the slope.
        if b >= min_rate:
            target = z_ci * b / (max(z_ci, z_alpha) + 0.84)
        else:
            target = z_ci * max(min_rate - b, min_rate / 10) / (z_ci + 0.84)
        if h > target:
            needs.append(t.span * ((h / target) ** (2 / 3) - 1))
    if b >= min_rate and t.saw is NO_SAWTOOTH:
        # Block minima of noisy readings rise clearly once the run has grown by about four
        # noise widths (measured: a 30 B/iteration leak in 2 KB noise, 75% found at 150
        # iterations and 99% at 300).
        needs.append(4 * t.noise / b - t.span)
    need = max(needs)
    if need <= 0:  # the slope is settled but floors or late growth disagree: run as long again
        need = t.span
    return max(1, min(math.ceil(need), 1_000_000))


def more_iterations_needed(trend: SignalTrend) -> Optional[int]:
    """How many more iterations would likely decide an inconclusive signal, else None.

    >>> t = SignalTrend("rss", "bytes", "inconclusive", 1.0, -1.0, 3.0, 0.2, 1, 0.0, 1, 12,
    ...                 "RSS: only 12 points after warm-up (need 20); about 8 more iterations")
    >>> more_iterations_needed(t)
    8
    """
    found = _MORE.search(trend.reason)
    return int(found.group(1)) if trend.status == "inconclusive" and found else None


def analyse_signal(
    name: str,
    unit: str,
    x: Sequence[float],
    y: Sequence[float],
    segments: Optional[Sequence[int]],
    config: VerdictConfig,
    warmup_floor: int = 0,
    levels: Optional[Levels] = None,
) -> SignalTrend:
    """Classify one signal's stable part as leak, plateau, flat or inconclusive.

    ``x`` are iteration numbers (gaps allowed), ``y`` the readings (NaN skipped) and
    ``segments`` the segment of each row. The warm-up never ends before ``warmup_floor``.
    ``levels`` are the signal's (iteration, level, segment) right after full gc passes:
    where given, a leak needs them to grow in every window (``_retained``), not only the
    readings.

    >>> xs = list(range(1, 61))
    >>> analyse_signal("py_blocks", "blocks", xs, [1000 + 2 * i for i in xs], None,
    ...                VerdictConfig()).status
    'leak'
    """
    series = _series(x, y, [0] * len(y) if segments is None else segments)
    start = _warmup_start(series, config, warmup_floor)
    status, tail = _classify(series, start, config, unit, levels)
    if status == "short":
        status = "inconclusive"
        whole = _whole_run(series)
        more = max(1, math.ceil((whole - 3 * tail.span) / 2))
        rate = per_iteration(tail.trend, unit, config.confidence)
        why = (
            f"grows {rate}, but only over the last {tail.span:.0f} of {whole:.0f} iterations, "
            f"after a long warm-up: a cache may still be filling; about {more} more "
            "iterations should decide"
        )
    elif status in ("inconclusive", "stopped"):
        status = "inconclusive"
        more = _iterations_to_decide(tail, config, config.min_rate(unit))
        why = f"{_why_inconclusive(tail, config, unit)}; about {more} more iterations should decide"
    else:
        why = _why_decided(status, tail, config, unit)
    return SignalTrend(
        signal=name,
        unit=unit,
        status=status,
        slope=tail.trend.slope,
        ci_low=tail.trend.ci_low,
        ci_high=tail.trend.ci_high,
        p_value=tail.p,
        warmup_end=int(series.x[tail.start]) if tail.n else 0,
        warmup_growth=tail.growth,
        period=tail.saw.period,
        points=tail.n,
        reason=f"{LABELS.get(name, name)} {why}",
        retained="" if tail.retained is None else tail.retained.status,
    )


def _warmup_start(series: _Series, config: VerdictConfig, warmup_floor: int) -> int:
    n = len(series.x)
    floor = next((i for i, xi in enumerate(series.x) if xi >= warmup_floor), n)
    cut = detect_warmup(series.x, series.joined, min_tail=config.min_points)
    return min(max(cut, floor), max(n - 1, 0))


def _why_inconclusive(t: _Tail, config: VerdictConfig, unit: str) -> str:
    if t.n < config.min_points:
        return f"has only {t.n} readings after warm-up (needs {config.min_points})"
    if t.saw.period > 1 and len(t.saw.cycles) < config.min_periods:
        return (
            f"shows only {len(t.saw.cycles)} complete sawtooth periods of ~{t.saw.period} "
            f"iterations (needs {config.min_periods})"
        )
    rate = per_iteration(t.trend, unit, config.confidence)
    if _significant(t, config):
        if t.trend.slope < config.min_rate(unit):
            return f"rises slowly, {rate}, not yet known to stay below what matters"
        if not _floors_rise(t):
            return f"rises {rate}, but the lows between its peaks do not rise with it"
        if t.retained is not None and _still_growing(t, config):
            return f"rises {rate}, but {_why_retained(t.retained, unit, config)}"
        return f"rose {rate}, then levelled off, with too few readings since to tell"
    return f"moves {rate}, p={t.p:.2g}, neither a clear rise nor clearly flat"


def _why_retained(r: Retained, unit: str, config: VerdictConfig) -> str:
    """Why the gc-settled levels do not (yet) confirm a rise of the readings."""
    kept = per_iteration(r.trend, unit, config.confidence)
    if r.status == "too_few":
        return (
            f"only {r.levels} levels after full gc passes cover it (needs {MIN_LEVELS} "
            "spread over it to confirm)"
        )
    if r.status == "slowing":
        steps = ", ".join(amount(w.rate, unit) for w in r.windows)
        return (
            f"what full gc passes leave grows ever slower ({steps} per iteration, window by "
            "window): a cache may still be filling"
        )
    return f"what full gc passes leave grows {kept}: not yet clear of the minimum rate"


def _why_decided(status: str, t: _Tail, config: VerdictConfig, unit: str) -> str:
    rate = per_iteration(t.trend, unit, config.confidence)
    saw = f" through a ~{t.saw.period}-iteration sawtooth" if t.saw.period > 1 else ""
    r = t.retained
    if status == "leak":
        if r is not None:
            kept = per_iteration(r.trend, unit, config.confidence)
            return (
                f"grows {rate}{saw}, p={t.p:.2g}, and what full gc passes leave rises in "
                f"each of {len(r.windows)} windows ({kept})"
            )
        return f"grows {rate}{saw}, p={t.p:.2g}, and its lows rise with it"
    if r is not None and r.status == "not_kept" and _significant(t, config):
        kept = per_iteration(r.trend, unit, config.confidence)
        if r.trend.ci_low > 0:
            least = amount(config.min_rate(unit), unit)
            return (
                f"rises {rate}, and what full gc passes leave only {kept}, below the "
                f"{least} per iteration that matters (the interpreter's and libraries' "
                "own caches creep like this)"
            )
        return (
            f"rises {rate} between gc passes, but full gc passes take it back (they leave "
            f"{kept}): garbage waiting for the collector"
        )
    if status == "plateau":
        return f"gained {amount(t.growth, unit)} during warm-up, then stayed flat at {rate}{saw}"
    if t.trend.ci_high < config.min_rate(unit):
        return f"is flat at {rate}{saw}"
    swing = amount(t.noise, unit)
    if t.floors.ci_high < config.min_rate(unit):
        lows = per_iteration(t.floors, unit, config.confidence)
        return f"is flat: its lows move {lows} while readings swing by ~{swing}"
    if not _lows_level(t, config.min_rate(unit)) and r is not None:
        kept = per_iteration(r.trend, unit, config.confidence)
        return f"is flat: what full gc passes leave moves {kept} while readings swing by ~{swing}"
    change = f"{amount(abs(t.lows_rise), unit)} {'higher' if t.lows_rise > 0 else 'lower'}"
    return f"is flat: the lowest reading of its later half is {change} than before{saw}"
