"""Which memory grows, from hand-built trends: the rules of analysis._memory."""

from __future__ import annotations

from typing import Any

from leaksleuth.analysis._memory import memory_kind, memory_parts, native_rate, with_kind
from leaksleuth.analysis._trend import SlopeEstimate
from leaksleuth.report import SignalTrend, Verdict


def trend(signal: str, status: str, slope: float, **changes: Any) -> SignalTrend:
    unit = {"py_blocks": "blocks", "gc_objects": "objects", "fds": "descriptors"}.get(
        signal, "bytes"
    )
    values: dict[str, Any] = dict(
        signal=signal, unit=unit, status=status, slope=slope, ci_low=slope * 0.9,
        ci_high=slope * 1.1, p_value=0.001, warmup_end=21, warmup_growth=0.0, period=1,
        points=180, reason="",
    )  # fmt: skip
    values.update(changes)
    return SignalTrend(**values)


def verdict(status: str) -> Verdict:
    return Verdict(status, 1000.0, 900.0, 1100.0, 0.95, "malloc", 21, 200, None, "why")


QUIET = [trend("py_blocks", "flat", 0.0), trend("gc_objects", "flat", 0.0)]
TRACED_NONE = {"traced": SlopeEstimate(3.0, -5.0, 10.0, 4)}


def test_c_heap_growth_that_python_did_not_allocate_is_native() -> None:
    trends = [*QUIET, trend("malloc", "leak", 16384.0), trend("rss", "leak", 16384.0)]
    assert memory_kind(verdict("leak"), trends, TRACED_NONE) == "native"
    assert native_rate({t.signal: t for t in trends}, TRACED_NONE) == 16381.0


def test_c_heap_growth_that_tracemalloc_saw_is_python() -> None:
    # Big Python objects live in the C heap, but tracemalloc sees them allocated.
    trends = [
        trend("py_blocks", "leak", 1.0),
        trend("malloc", "leak", 4200.0),
        trend("rss", "leak", 4300.0),
    ]
    traced = {"traced": SlopeEstimate(4150.0, 4100.0, 4200.0, 4)}
    assert memory_kind(verdict("leak"), trends, traced) == "python"


def test_without_a_burst_the_python_heap_decides() -> None:
    trends = [trend("py_blocks", "leak", 2.0), trend("malloc", "leak", 100.0)]
    assert memory_kind(verdict("leak"), trends, {}) == "python"
    quiet = [*QUIET, trend("malloc", "leak", 100.0)]
    assert memory_kind(verdict("leak"), quiet, {}) == "native"


def test_leaking_resources_come_first() -> None:
    trends = [trend("py_blocks", "leak", 9.0), trend("fds", "leak", 1.0)]
    assert memory_kind(verdict("leak"), trends, {}) == "resource"
    worded = with_kind(verdict("leak"), trends, {})
    assert worded.reason.startswith("resources leak (open file descriptors +1 per iteration)")


def test_rss_growing_over_a_quiet_heap_is_the_allocator() -> None:
    trends = [*QUIET, trend("malloc", "flat", 0.0), trend("rss", "leak", 8192.0)]
    assert memory_kind(verdict("leak"), trends, {}) == "allocator"
    assert "allocator keeps freed memory" in with_kind(verdict("leak"), trends, {}).reason


def test_rss_held_high_after_warm_up_is_the_allocator_not_a_leak() -> None:
    trends = [
        *QUIET,
        trend("malloc", "plateau", 0.0, warmup_growth=1e6),
        trend("rss", "plateau", 0.0, warmup_growth=4e7),
    ]
    assert memory_kind(verdict("plateau"), trends, {}) == "allocator"
    assert memory_kind(verdict("flat"), [*QUIET, trend("rss", "flat", 0.0)], {}) == ""


def test_a_warm_up_that_filled_the_heap_is_not_the_allocator() -> None:
    # A lazy import or a cache filling up: RSS rose, and the bytes in use rose as much.
    trends = [
        trend("py_blocks", "plateau", 0.0, warmup_growth=20_000),
        trend("gc_objects", "flat", 0.0),
        trend("malloc", "plateau", 0.0, warmup_growth=1.5e6),
        trend("rss", "plateau", 0.0, warmup_growth=3e6),
    ]
    assert memory_kind(verdict("plateau"), trends, {}) == ""


def test_nothing_grows_nothing_named() -> None:
    trends = [*QUIET, trend("malloc", "flat", 0.0), trend("rss", "flat", 0.0)]
    assert memory_kind(verdict("flat"), trends, {}) == ""


def test_parts_share_out_rss_growth() -> None:
    trends = [*QUIET, trend("malloc", "leak", 3000.0), trend("rss", "leak", 4000.0)]
    parts = {p.name: p for p in memory_parts(trends, TRACED_NONE, {})}
    assert parts["c_heap"].share_of_rss == 0.75
    assert parts["native"].per_iteration == 2997.0 and parts["native"].status == "leak"
    assert parts["python"].status == "flat"
    assert parts["rss"].share_of_rss == 1.0
    assert "fds" not in parts  # not read: no row


def test_gpu_tensors_that_grow_are_a_gpu_leak() -> None:
    trends = [*QUIET, trend("gpu_allocated", "leak", 2**20), trend("rss", "flat", 0.0)]
    assert memory_kind(verdict("leak"), trends, {}) == "gpu"


def test_the_gpu_cache_filling_up_is_shown_but_judged_by_nobody() -> None:
    cache = trend("gpu_reserved", "plateau", 0.0, warmup_growth=2**30)
    parts = {p.name: p for p in memory_parts(QUIET, {}, {"gpu_reserved": cache})}
    assert parts["gpu_reserved"].status == "plateau"
    assert memory_kind(verdict("flat"), QUIET, {}) == ""
