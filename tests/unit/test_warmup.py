"""Warm-up cut, sawtooth detection, block floors and segment level shifts."""

from __future__ import annotations

import math

import numpy as np

from leaksleuth.analysis._warmup import (
    NO_SAWTOOTH,
    block_floors,
    detect_sawtooth,
    detect_warmup,
    remove_level_shifts,
)

N = 200
X = [float(i) for i in range(1, N + 1)]


def _noise(seed: int, sd: float, n: int = N) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, sd, n)


def _list_capacity(length: int) -> int:
    # CPython's list over-allocation when appending one item at a time.
    cap = 0
    for size in range(1, length + 1):
        if size > cap:
            cap = (size + (size >> 3) + 6) & ~3
    return cap


def test_lazy_import_at_iteration_3_ends_the_warmup_there() -> None:
    y = np.where(np.array(X) >= 3, 41_000, 38_000) + _noise(0, 3)
    assert detect_warmup(X, list(y)) == X.index(3.0)


def test_bounded_lru_cache_warmup_ends_where_it_stops_filling() -> None:
    # One new entry per iteration until the cache holds 70, then a hit-only steady state.
    y = 1000 + 20 * np.minimum(np.arange(N), 70) + _noise(1, 5)
    assert 66 <= detect_warmup(X, list(y)) <= 76


def test_list_overallocation_steps_end_the_warmup_after_the_last_step() -> None:
    # 250 appends per iteration until the list holds 10 000 items, then a stable size.
    y = [8.0 * _list_capacity(min(250 * i, 10_000)) for i in range(N)]
    y = list(np.array(y) + _noise(2, 64))
    assert 38 <= detect_warmup(X, y) <= 46


def test_a_steady_leak_has_no_warmup() -> None:
    cuts = [detect_warmup(X, list(1000 + 2 * np.array(X) + _noise(s, 3))) for s in range(100)]
    assert sum(c <= 2 for c in cuts) >= 97


def test_pure_noise_has_no_warmup() -> None:
    cuts = [detect_warmup(X[:100], list(500 + _noise(s, 3, 100))) for s in range(100)]
    assert sum(c <= 2 for c in cuts) >= 97


def test_one_early_spike_does_not_buy_a_warmup() -> None:
    y = 500 + _noise(4, 3)
    y[30] += 150  # 50 noise widths
    assert detect_warmup(X, list(y)) <= 2


def test_warmup_skips_nan_and_answers_an_index_into_the_input() -> None:
    y = list(np.where(np.array(X) >= 11, 5000.0, 1000.0))
    y[3] = math.nan
    assert detect_warmup(X, y) == 10


def test_a_short_series_has_no_warmup() -> None:
    assert detect_warmup(X[:15], [1.0] * 5 + [9.0] * 10) == 0


def test_buffer_cleared_every_40_iterations_is_a_sawtooth_of_period_40() -> None:
    y = 1000 + 50 * (np.arange(N) % 40) + _noise(5, 2)
    saw = detect_sawtooth(X, list(y), [0] * N)
    assert saw.period == 40
    assert len(saw.cycles) == 3  # complete ones: the ends may be partial


def test_irregular_gc_sawtooth_is_found() -> None:
    rng = np.random.default_rng(6)
    level, y = 0, []
    for _ in range(400):
        level += int(rng.integers(5, 16))
        level = 0 if level > 400 else level
        y.append(5000.0 + level)
    saw = detect_sawtooth(X * 2, y, [0] * 400)
    assert 30 <= saw.period <= 50 and len(saw.cycles) >= 8


def test_noise_churn_and_noisy_leaks_are_not_sawtooths() -> None:
    for seed in range(30):
        rng = np.random.default_rng(seed)
        noise = 500 + rng.normal(0, 3, N)
        churn = 5e7 + rng.integers(0, 5, N) * 2**20
        leak = 1e6 + 100 * np.arange(N) + rng.normal(0, 300, N)
        for y in (noise, churn, leak):
            assert detect_sawtooth(X, list(y), [0] * N) is NO_SAWTOOTH


def test_an_intermittent_leak_staircase_is_not_a_sawtooth() -> None:
    y = 1000 + 30 * (np.arange(N) // 10) + _noise(7, 2)
    assert detect_sawtooth(X, list(y), [0] * N) is NO_SAWTOOTH


def test_block_floors_stay_inside_segments_and_share_out_the_leftover_points() -> None:
    x = list(range(11))
    y = [5, 3, 4, 9, 2, 8, 7, 6, 1, 0, 4]
    seg = [0] * 7 + [1] * 4
    # segment 0: [5,3,4,9] [2,8,7] (7 points make two blocks); segment 1: [6,1,0,4]
    assert block_floors(x, y, seg, 3) == ([1, 4, 9], [3, 2, 0])


def test_level_shifts_between_segments_are_removed_but_growth_is_kept() -> None:
    x = [float(i) for i in range(60)]
    seg = [i // 20 for i in range(60)]
    y = [2.0 * i + 1000 * s for i, s in enumerate(seg)]
    joined = remove_level_shifts(x, y, seg, 2.0, 10)
    assert np.allclose(joined, [2.0 * i for i in range(60)])
