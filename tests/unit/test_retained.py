"""The retained levels (left after full gc passes) decide whether growth is a leak."""

from __future__ import annotations

import math
import random

from leaksleuth.analysis._retained import retained_growth, windows_of
from leaksleuth.analysis._verdict import VerdictConfig, analyse_signal

EVERY = 20
N = 600


def _levels(level_at, n: int = N, every: int = EVERY) -> list[tuple[int, float]]:
    return [(i, float(level_at(i))) for i in range(0, n + 1, every)]


def _segment0(levels: list[tuple[int, float]]) -> list[tuple[int, float, int]]:
    return [(x, y, 0) for x, y in levels]


def _judge(level_at, start: float = 0, end: float = N, min_rate: float = 16.0) -> str:
    return retained_growth(_levels(level_at), start, end, min_rate, 0.95).status


def test_steady_growth_in_every_window_grows() -> None:
    rng = random.Random(1)
    assert _judge(lambda i: 1e6 + 64 * i + rng.randint(-200, 200)) == "grows"


def test_levels_that_stay_put_keep_nothing() -> None:
    rng = random.Random(2)
    assert _judge(lambda i: 1e6 + rng.randint(-200, 200)) == "not_kept"


def test_a_cache_filling_ever_slower_is_slowing_not_growing() -> None:
    # Fills towards 200 KB with a time constant of 300 iterations: every window grows,
    # each less than the one before.
    assert _judge(lambda i: 1e6 + 200_000 * (1 - math.exp(-i / 300))) == "slowing"


def test_a_cache_that_fills_then_stops_is_slowing() -> None:
    assert _judge(lambda i: 1e6 + 300 * min(i, 350)) == "slowing"


def test_growth_that_pauses_for_a_whole_window_is_not_confirmed() -> None:
    # Grows, pauses over iterations 150-300, grows again: not shown to go on steadily.
    assert _judge(lambda i: 1e6 + 100 * (min(i, 150) + max(i - 300, 0))) == "slowing"


def test_intermittent_leak_every_eighth_iteration_still_grows() -> None:
    assert _judge(lambda i: 1e6 + 800 * (i // 8)) == "grows"


def test_too_few_levels_cannot_confirm() -> None:
    few = [(0, 1e6), (600, 1.04e6)]
    assert retained_growth(few, 0, N, 16.0, 0.95).status == "too_few"


def test_levels_that_stop_before_half_the_span_cannot_confirm() -> None:
    early = [(i, 1e6 + 64.0 * i) for i in range(0, 260, 20)]
    assert retained_growth(early, 0, N, 16.0, 0.95).status == "too_few"


def test_growth_below_the_minimum_rate_is_not_kept() -> None:
    assert _judge(lambda i: 1e6 + 2 * i) == "not_kept"


def test_windows_are_disjoint_and_skip_spans_without_a_level() -> None:
    xs = [0.0, 10.0, 20.0, 100.0]
    ys = [0.0, 10.0, 20.0, 100.0]
    windows = windows_of(xs, ys, 4, noise=0.0)
    # The second and third quarters hold no level of their own: skipped, not repeated.
    assert [(w.start, w.end) for w in windows] == [(0.0, 20.0), (20.0, 100.0)]
    assert all(w.rate == 1.0 for w in windows)


def test_a_cache_full_near_the_end_of_a_short_run_is_slowing() -> None:
    # Levels every 3 iterations; 2 blocks per iteration until iteration 60 of 69.
    levels = [(i, 100.0 + 2 * min(i, 60)) for i in range(0, 70, 3)]
    assert retained_growth(levels, 0, 69, 0.5, 0.95).status == "slowing"


def test_noisy_levels_of_a_steady_leak_still_grow() -> None:
    rng = random.Random(5)
    # 64 B per iteration under +-4 KiB of RSS-like noise, 50 levels over 1000 iterations.
    levels = [(i, 5e7 + 64 * i + rng.choice((-4096, 0, 4096))) for i in range(0, 1001, 20)]
    assert retained_growth(levels, 0, 1000, 16.0, 0.95).status == "grows"


def test_readings_rising_while_full_gc_passes_take_it_back_is_no_leak() -> None:
    xs = [float(i) for i in range(1, N + 1)]
    ys = [1e5 + 2.0 * i for i in range(1, N + 1)]  # raw blocks climb steadily...
    levels = _segment0(_levels(lambda i: 1e5))  # ...but every full gc pass returns to the start
    trend = analyse_signal("py_blocks", "blocks", xs, ys, None, VerdictConfig(), levels=levels)
    assert trend.status == "flat"
    assert "garbage waiting for the collector" in trend.reason


def test_readings_and_retained_levels_rising_together_are_a_leak() -> None:
    xs = [float(i) for i in range(1, N + 1)]
    ys = [1e5 + 2.0 * i for i in range(1, N + 1)]
    levels = _segment0(_levels(lambda i: 1e5 + 2.0 * i))
    trend = analyse_signal("py_blocks", "blocks", xs, ys, None, VerdictConfig(), levels=levels)
    assert trend.status == "leak"
    assert "what full gc passes leave rises in each of 8 windows" in trend.reason


def test_a_rise_whose_retained_levels_slow_down_is_not_called_a_leak() -> None:
    xs = [float(i) for i in range(1, N + 1)]
    fill = [1e5 + 400 * (1 - math.exp(-i / 250)) for i in range(1, N + 1)]
    levels = _segment0(_levels(lambda i: 1e5 + 400 * (1 - math.exp(-i / 250))))
    trend = analyse_signal("py_blocks", "blocks", xs, fill, None, VerdictConfig(), levels=levels)
    assert trend.status != "leak"


def test_levels_after_a_burst_are_judged_net_of_the_shift_the_readings_show() -> None:
    # A steady leak; from iteration 300 on (after a tracing burst) every reading and every
    # level sits 50,000 blocks higher: a shift, not growth.
    xs = [float(i) for i in range(1, N + 1)]
    seg = [0 if i < 300 else 1 for i in range(1, N + 1)]
    ys = [1e5 + 2.0 * i + (5e4 if i >= 300 else 0) for i in range(1, N + 1)]
    levels = [
        (i, 1e5 + 2.0 * i + (5e4 if i >= 300 else 0), 0 if i < 300 else 1)
        for i in range(0, N + 1, EVERY)
    ]
    trend = analyse_signal("py_blocks", "blocks", xs, ys, seg, VerdictConfig(), levels=levels)
    assert trend.status == "leak", trend.reason
    assert 1.9 < trend.slope < 2.1
    flat = [
        (i, 1e5 + (5e4 if i >= 300 else 0), 0 if i < 300 else 1) for i in range(0, N + 1, EVERY)
    ]
    flat_ys = [1e5 + (5e4 if i >= 300 else 0) for i in range(1, N + 1)]
    trend = analyse_signal("py_blocks", "blocks", xs, flat_ys, seg, VerdictConfig(), levels=flat)
    assert trend.status == "flat", trend.reason
