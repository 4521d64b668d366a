"""Which memory grows: the Python heap, native memory, pages the allocator keeps, or
resources (file descriptors, threads, asyncio tasks).

The probe records, per iteration, RSS, pymalloc blocks, the C heap's bytes in use and
bytes held free (glibc ``mallinfo2``), and counts of descriptors, threads and tasks;
tracemalloc bursts add the bytes Python itself allocated and kept. Reading them side by
side tells the kinds apart:

- **python**: objects the program keeps. The pymalloc block count grows, or the traced
  bytes do (big Python objects go to malloc, but tracemalloc sees them).
- **native**: the C heap's bytes in use grow beyond what tracemalloc saw Python allocate:
  an extension or a library keeps memory that Python never knew about.
- **allocator**: RSS grows, or stays high, while the bytes in use do not: the allocator
  keeps freed pages (fragmentation, per-thread arenas). Not the program's data, and
  ``malloc_trim(0)``, ``MALLOC_ARENA_MAX`` or jemalloc are the remedies.
- **resource**: descriptors, threads or tasks that are never closed, joined or awaited.
- **gpu**: bytes in live CUDA tensors grow (torch). What the caching allocator reserves
  rises to a high-water mark and stays: that is its cache, shown but never a leak.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from leaksleuth.analysis._trend import SlopeEstimate
from leaksleuth.analysis._wording import amount
from leaksleuth.report import MemoryPart, SignalTrend, Verdict

# Counted resources, judged like the memory signals; the unit names the thing counted.
RESOURCE_SIGNALS: Tuple[Tuple[str, str], ...] = (
    ("fds", "descriptors"),
    ("threads", "threads"),
    ("tasks", "tasks"),
)
# GPU memory in live tensors is judged like the other memory; what torch's caching
# allocator reserves, and what NVML reports, only inform the table.
GPU_SIGNALS: Tuple[Tuple[str, str], ...] = (("gpu_allocated", "bytes"),)
GPU_EXTRA: Tuple[Tuple[str, str], ...] = (("gpu_reserved", "bytes"), ("gpu_process", "bytes"))
RESOURCE_LABELS = {
    "fds": "open file descriptors",
    "threads": "live threads",
    "tasks": "live asyncio tasks",
}
_HIGH = ("leak", "inconclusive", "plateau")  # RSS growth worth sharing out
# Share of the C heap's growth that the traced bytes must leave unexplained before the
# rest is called native: tracemalloc counts requested bytes, malloc its chunks.
_NATIVE_SHARE = 0.5

ALLOCATOR_ADVICE = (
    "the allocator keeps memory the program freed: call ctypes.CDLL('libc.so.6')."
    "malloc_trim(0) after big batches, cap glibc's arenas with MALLOC_ARENA_MAX=2, or run "
    "with jemalloc (LD_PRELOAD=libjemalloc.so)"
)


def _leaking(t: Optional[SignalTrend]) -> bool:
    return t is not None and t.status == "leak"


def _quiet(t: Optional[SignalTrend]) -> bool:
    """Measured and not growing (a missing signal says nothing)."""
    return t is not None and t.status in ("flat", "plateau")


def native_rate(
    trends: Mapping[str, SignalTrend], byte_rates: Mapping[str, SlopeEstimate]
) -> Optional[float]:
    """Bytes per iteration of C heap growth that Python's traced bytes do not explain.

    None when the C heap was not read. Without a tracemalloc burst, the whole C heap
    growth counts when the Python heap (pymalloc blocks) stays quiet, else none of it.
    """
    c_heap = trends.get("malloc")
    if c_heap is None or not math.isfinite(c_heap.slope):
        return None
    traced = byte_rates.get("traced")
    if traced is not None and math.isfinite(traced.slope):
        return max(c_heap.slope - max(traced.slope, 0.0), 0.0)
    return c_heap.slope if _quiet(trends.get("py_blocks")) else 0.0


def memory_kind(
    verdict: Verdict, trends: Sequence[SignalTrend], byte_rates: Mapping[str, SlopeEstimate]
) -> str:
    """The kind of growth that explains it, or "" when nothing grows.

    Leaking resources come first: the fix (close, join, await) is what matters, even when
    the objects behind them also fill the heap. Then the larger of the Python and the
    native byte growth; then RSS growing over a quiet heap, the allocator's doing.
    """
    by = {t.signal: t for t in trends}
    c_heap, blocks, rss = by.get("malloc"), by.get("py_blocks"), by.get("rss")
    if verdict.status != "leak":
        return "allocator" if _kept_by_allocator(rss, c_heap, blocks) else ""
    if any(_leaking(by.get(name)) for name, _ in RESOURCE_SIGNALS):
        return "resource"
    if _leaking(by.get("gpu_allocated")):
        return "gpu"  # what fills the device; the Python side holds only small handles
    rates: Dict[str, float] = {}
    native = native_rate(by, byte_rates)
    if c_heap is not None and native is not None and _leaking(c_heap):
        # Most of the C heap's growth must be beyond what Python allocated.
        rates.update({"native": native} if native >= _NATIVE_SHARE * c_heap.slope else {})
    traced = byte_rates.get("traced")
    if traced is not None and traced.ci_low > 0:
        rates["python"] = traced.slope
    elif _leaking(blocks) or _leaking(by.get("gc_objects")):
        rates["python"] = 0.0  # no byte figure, but the Python heap grows
    if rates:
        return max(rates, key=lambda k: rates[k])
    if _leaking(rss) and _quiet(c_heap) and _quiet(blocks):
        return "allocator"
    return ""


_BLOCK_BYTES = 64  # a typical pymalloc block, to put the block count's rise in bytes
_KEPT_MIN = 2**20  # RSS kept high by less than this is not worth a remedy


def _kept_by_allocator(
    rss: Optional[SignalTrend], c_heap: Optional[SignalTrend], blocks: Optional[SignalTrend]
) -> bool:
    """RSS rose during warm-up and stayed, and at most half of that rise is data in use.

    A warm-up that filled a cache or imported a module raises the heap as much as RSS:
    that is the program's data, not memory the allocator merely keeps.
    """
    if rss is None or rss.status != "plateau" or not (_quiet(c_heap) and _quiet(blocks)):
        return False
    assert c_heap is not None and blocks is not None  # _quiet says so
    in_use = max(c_heap.warmup_growth, 0.0) + max(blocks.warmup_growth, 0.0) * _BLOCK_BYTES
    return rss.warmup_growth >= _KEPT_MIN and rss.warmup_growth > 2 * in_use


def with_kind(
    verdict: Verdict, trends: Sequence[SignalTrend], byte_rates: Mapping[str, SlopeEstimate]
) -> Verdict:
    """The verdict with its kind, and for resource and allocator growth the words for it."""
    kind = memory_kind(verdict, trends, byte_rates)
    reason = verdict.reason
    by = {t.signal: t for t in trends}
    if kind == "resource":
        grown = [
            f"{RESOURCE_LABELS[name]} +{t.slope:.2g} per iteration"
            for name, _ in RESOURCE_SIGNALS
            if (t := by.get(name)) is not None and t.status == "leak"
        ]
        if verdict.status == "leak" and grown:
            reason = f"resources leak ({', '.join(grown)}); {reason}"
    elif kind == "allocator" and verdict.status == "leak":
        reason = (
            f"RSS grows while the bytes in use stay flat: the allocator keeps freed memory "
            f"(fragmentation), not the program's data; {reason}"
        )
    elif kind == "native" and verdict.status == "leak":
        native = native_rate(by, byte_rates) or 0.0
        reason = (
            f"native memory leaks ({amount(native, 'bytes')} per iteration in the C heap "
            f"that Python did not allocate); {reason}"
        )
    return replace(verdict, kind=kind, reason=reason)


def _part(
    name: str, label: str, t: Optional[SignalTrend], rss_rate: Optional[float]
) -> Optional[MemoryPart]:
    if t is None:
        return None
    share = _share(t.slope, rss_rate) if t.unit == "bytes" else None
    return MemoryPart(name, label, t.status, t.slope, t.unit, share)


def _share(rate: float, rss_rate: Optional[float]) -> Optional[float]:
    if rss_rate is None or not math.isfinite(rate) or rss_rate <= 0:
        return None
    return rate / rss_rate


def memory_parts(
    trends: Sequence[SignalTrend],
    byte_rates: Mapping[str, SlopeEstimate],
    extra: Mapping[str, SignalTrend],
) -> Tuple[MemoryPart, ...]:
    """The "which memory grows" table: one row per signal that was read.

    ``extra`` holds trends that inform the table but not the verdict (allocator free).
    """
    by: Dict[str, SignalTrend] = {t.signal: t for t in trends}
    rss = by.get("rss")
    rss_rate = rss.slope if rss is not None and rss.status in _HIGH else None
    rows: List[Optional[MemoryPart]] = [_part("rss", "RSS", rss, rss_rate)]
    traced = byte_rates.get("traced")
    if traced is not None and math.isfinite(traced.slope):
        status = "leak" if traced.ci_low > 0 else "flat"
        rows.append(
            MemoryPart(
                "python",
                "Python heap (traced)",
                status,
                traced.slope,
                "bytes",
                _share(traced.slope, rss_rate),
            )
        )
    rows.append(_part("py_blocks", "pymalloc blocks", by.get("py_blocks"), rss_rate))
    rows.append(_part("c_heap", "C heap in use", by.get("malloc"), rss_rate))
    native = native_rate(by, byte_rates)
    if native is not None:
        status = "leak" if _leaking(by.get("malloc")) and native > 0 else ""
        rows.append(
            MemoryPart(
                "native",
                "native (C heap not from Python)",
                status,
                native,
                "bytes",
                _share(native, rss_rate),
            )
        )
    free = extra.get("malloc_free")
    rows.append(_part("allocator_free", "allocator free (retained)", free, rss_rate))
    rows.append(_part("gpu_allocated", "GPU tensors (allocated)", by.get("gpu_allocated"), None))
    rows.append(_part("gpu_reserved", "GPU cache (reserved)", extra.get("gpu_reserved"), None))
    rows.append(_part("gpu_process", "GPU, whole process (NVML)", extra.get("gpu_process"), None))
    for name, _ in RESOURCE_SIGNALS:
        rows.append(_part(name, RESOURCE_LABELS[name], by.get(name), None))
    return tuple(r for r in rows if r is not None)
