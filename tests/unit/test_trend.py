"""Theil-Sen, Mann-Kendall and the t-test on hand-built series."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from leaksleuth.analysis._trend import (
    MAX_PAIRS,
    _t_two_sided,
    kendall_variance,
    mann_kendall,
    slope_t_test,
    theil_sen,
)


def _noisy_line(seed: int, n: int, slope: float, sd: float) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(seed)
    x = np.arange(1, n + 1, dtype=float)
    return list(x), list(1000 + slope * x + rng.normal(0, sd, n))


def test_theil_sen_recovers_an_exact_line() -> None:
    est = theil_sen([1, 2, 3, 4, 5, 6], [7, 10, 13, 16, 19, 22])
    assert est.slope == 3.0
    assert est.ci_low == est.ci_high == 3.0
    assert est.pairs == 15


def test_theil_sen_is_the_median_of_all_pairwise_slopes_for_short_series() -> None:
    x, y = _noisy_line(3, 60, 0.7, 4.0)
    pairs = [(y[j] - y[i]) / (x[j] - x[i]) for i in range(len(x)) for j in range(i + 1, len(x))]
    assert theil_sen(x, y).slope == pytest.approx(float(np.median(pairs)))


def test_theil_sen_interval_covers_the_true_slope_about_95_percent_of_the_time() -> None:
    hits = 0
    for seed in range(300):
        x, y = _noisy_line(seed, 40, 0.5, 5.0)
        est = theil_sen(x, y)
        hits += est.ci_low <= 0.5 <= est.ci_high
    assert 0.91 <= hits / 300 <= 0.99


def test_theil_sen_sampled_pairs_still_cover_the_true_slope() -> None:
    n = 1500
    assert n * (n - 1) // 2 > MAX_PAIRS
    hits = 0
    for seed in range(60):
        x, y = _noisy_line(seed, n, 0.5, 5.0)
        est = theil_sen(x, y)
        hits += est.ci_low <= 0.5 <= est.ci_high
    assert hits >= 52  # 95% nominal; 52/60 is within two standard errors


def test_theil_sen_on_4096_points_is_fast_and_deterministic() -> None:
    x, y = _noisy_line(1, 4096, 2.0, 30.0)
    start = time.perf_counter()
    first = theil_sen(x, y)
    elapsed = time.perf_counter() - start
    assert first == theil_sen(x, y)
    assert first.slope == pytest.approx(2.0, abs=0.01)
    assert first.pairs <= MAX_PAIRS * 1.01
    assert elapsed < 0.25  # about 20 ms on an idle machine; generous for shared ones


def test_theil_sen_ignores_nan_readings() -> None:
    x, y = _noisy_line(2, 80, 1.5, 1.0)
    y_gaps = [math.nan if i % 7 == 0 else v for i, v in enumerate(y)]
    est = theil_sen(x, y_gaps)
    assert est.slope == pytest.approx(1.5, abs=0.05)
    assert math.isfinite(est.ci_low) and math.isfinite(est.ci_high)


def test_theil_sen_uses_only_pairs_within_a_segment() -> None:
    # Flat inside each segment, but each segment sits 500 higher (tracemalloc on/off).
    x = list(range(1, 91))
    seg = [i // 30 for i in range(90)]
    y = [1000.0 + 500 * s + (i % 3) for i, s in enumerate(seg)]
    assert theil_sen(x, y).slope > 5
    assert theil_sen(x, y, seg).slope == pytest.approx(0.0, abs=0.05)


def test_theil_sen_with_fewer_than_two_points_is_nan() -> None:
    est = theil_sen([1.0], [5.0])
    assert math.isnan(est.slope) and est.pairs == 0


def test_mann_kendall_statistic_matches_brute_force_with_ties() -> None:
    rng = np.random.default_rng(5)
    y = [float(v) for v in rng.integers(0, 15, 250)]
    x = list(range(250))
    brute = sum(np.sign(y[j] - y[i]) for i in range(250) for j in range(i + 1, 250))
    mk = mann_kendall(x, y)
    assert mk.s == brute
    assert mk.var_s == pytest.approx(kendall_variance(y))
    assert mk.var_s < 250 * 249 * 505 / 18  # ties shrink the variance


def test_kendall_variance_subtracts_tied_groups() -> None:
    # n = 5 with one pair tied: (5*4*15 - 2*1*9) / 18
    assert kendall_variance([1, 2, 2, 3, 4]) == pytest.approx((300 - 18) / 18)


def test_mann_kendall_sums_statistic_and_variance_over_segments() -> None:
    a = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
    b = [5.0, 3.0, 5.0, 8.0, 9.0, 7.0]
    both = mann_kendall(list(range(14)), a + b, [0] * 8 + [1] * 6)
    one, two = mann_kendall(range(8), a), mann_kendall(range(6), b)
    assert both.s == one.s + two.s
    assert both.var_s == pytest.approx(one.var_s + two.var_s)


def test_mann_kendall_false_positive_rate_matches_its_level() -> None:
    hits = 0
    for seed in range(400):
        rng = np.random.default_rng(seed)
        hits += mann_kendall(range(50), list(rng.normal(0, 1, 50))).p_increasing < 0.05
    assert 0.025 <= hits / 400 <= 0.08


def test_mann_kendall_of_a_constant_series_says_nothing() -> None:
    mk = mann_kendall(range(30), [7.0] * 30)
    assert (mk.s, mk.z, mk.p_increasing) == (0.0, 0.0, 0.5)


def test_mann_kendall_finds_a_rising_series() -> None:
    x, y = _noisy_line(9, 40, 1.0, 3.0)
    assert mann_kendall(x, y).p_increasing < 1e-6


def test_student_t_matches_tabulated_values() -> None:
    # P(|T| < t) for the 97.5% quantiles: 12.706 (1 df), 4.303 (2), 2.571 (5), 2.042 (30)
    for t, df in ((12.706, 1), (4.303, 2), (2.571, 5), (2.042, 30)):
        assert _t_two_sided(t, df) == pytest.approx(0.95, abs=5e-4)


def test_slope_t_test_finds_a_steep_trend_in_four_cycle_means() -> None:
    assert slope_t_test([40, 80, 120, 160], [1000.0, 1041.0, 1079.0, 1121.0]) < 0.0025
    assert mann_kendall([40, 80, 120, 160], [1000.0, 1041.0, 1079.0, 1121.0]).p_increasing > 0.02


def test_slope_t_test_on_flat_means_is_not_significant() -> None:
    assert slope_t_test([1, 2, 3, 4, 5], [10.0, 11.0, 9.0, 10.5, 9.5]) > 0.3
