"""When a rise is worth a tracemalloc burst (which slows the program while it lasts)."""

from __future__ import annotations

from typing import Any

import pytest

from leaksleuth._api import growth_worth_a_burst
from leaksleuth.report import SignalTrend, Verdict


def _signal(retained: str, slope: float = 17.6, ci_low: float = 9.7, **kw: Any) -> SignalTrend:
    values: dict[str, Any] = dict(
        signal="py_blocks", unit="blocks", status="inconclusive", slope=slope, ci_low=ci_low,
        ci_high=31.0, p_value=0.001, warmup_end=1, warmup_growth=0.0, period=12, points=130,
        reason="rises, but the lows between its peaks do not", retained=retained,
    )  # fmt: skip
    values.update(kw)
    return SignalTrend(**values)


def _verdict(status: str, *signals: SignalTrend) -> Verdict:
    return Verdict(
        status=status, bytes_per_iteration=float("nan"), ci_low=float("nan"),
        ci_high=float("nan"), confidence=0.95, basis="", warmup_end=1,
        iterations_measured=130, more_iterations_needed=400, reason="", signals=signals,
    )  # fmt: skip


@pytest.mark.parametrize("retained", ["grows", ""])
def test_a_rise_whose_post_gc_levels_rise_or_were_not_recorded_starts_a_burst(
    retained: str,
) -> None:
    assert growth_worth_a_burst(_verdict("inconclusive", _signal(retained)))


@pytest.mark.parametrize("retained", ["not_kept", "too_few", "unclear", "slowing"])
def test_a_sawtooth_whose_post_gc_levels_do_not_show_a_rise_starts_none(retained: str) -> None:
    # An object graph left to the gc: the readings rise between passes, the levels don't
    # (or are too few to tell yet: then the CLI asks for more passes, not for a burst).
    # Levels that rise ever slower are a plateau forming: the allocator's pages warming
    # up under a program's garbage (its RSS after gc passes) started bursts on correct
    # object-graph programs, 2 of 3 runs, each twice as slow.
    assert not growth_worth_a_burst(_verdict("inconclusive", _signal(retained)))


def test_a_rise_under_the_minimum_rate_or_not_clear_of_zero_starts_none() -> None:
    assert not growth_worth_a_burst(_verdict("inconclusive", _signal("grows", slope=0.3)))
    assert not growth_worth_a_burst(_verdict("inconclusive", _signal("grows", ci_low=0.0)))


def test_a_leak_always_starts_one_and_a_flat_verdict_never() -> None:
    assert growth_worth_a_burst(_verdict("leak", _signal("not_kept")))
    assert not growth_worth_a_burst(_verdict("flat", _signal("grows")))


def test_a_rise_with_too_few_post_gc_levels_asks_for_a_full_gc_pass() -> None:
    from leaksleuth._api import needs_levels

    assert needs_levels(_verdict("inconclusive", _signal("too_few")))
    # Levels that already tell, a rise that is not clear, or a verdict taken: no pass.
    assert not needs_levels(_verdict("inconclusive", _signal("not_kept")))
    assert not needs_levels(_verdict("inconclusive", _signal("grows")))
    assert not needs_levels(_verdict("inconclusive", _signal("too_few", ci_low=0.0)))
    assert not needs_levels(_verdict("leak", _signal("too_few")))


def test_the_gc_object_count_alone_starts_no_burst() -> None:
    # It has no post-gc levels of its own: an object graph left to the gc raises it.
    count = _signal("", signal="gc_objects", unit="objects")
    assert not growth_worth_a_burst(_verdict("inconclusive", count))


def test_rss_over_a_flat_c_heap_starts_no_burst_but_rss_alone_does() -> None:
    # The allocator's pages warming up under a correct program's garbage: RSS after gc
    # passes rises while the heaps it reads stay flat. tracemalloc could not attribute it.
    rss = _signal("grows", signal="rss", unit="bytes", slope=4000.0, ci_low=2600.0, ci_high=5900.0)
    flat_heap = _signal("not_kept", signal="malloc", unit="bytes", slope=-4.6, ci_low=-70.0)
    assert not growth_worth_a_burst(_verdict("inconclusive", rss, flat_heap))
    rising_heap = _signal("grows", signal="malloc", unit="bytes", slope=4000.0, ci_low=2600.0)
    assert growth_worth_a_burst(_verdict("inconclusive", rss, rising_heap))
    # Where the C heap cannot be read (no mallinfo2), or reads an arena left idle (glibc's,
    # under a preloaded jemalloc: never moving), RSS is all there is to go on.
    assert growth_worth_a_burst(_verdict("inconclusive", rss))
    idle = _signal("not_kept", signal="malloc", unit="bytes", slope=0.0, ci_low=0.0, ci_high=0.0)
    assert growth_worth_a_burst(_verdict("inconclusive", rss, idle))
