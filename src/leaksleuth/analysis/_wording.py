"""How the verdict engine words amounts and rates: one unit per phrase, no "-0"."""

from __future__ import annotations

import math

from leaksleuth.analysis._trend import SlopeEstimate

LABELS = {
    "rss": "RSS",
    "py_blocks": "the pymalloc block count",
    "malloc": "the C heap",
    "gc_objects": "the gc object count",
    "traced": "traced memory",
    "malloc_free": "the allocator's free memory",
    "fds": "the open file descriptor count",
    "threads": "the thread count",
    "tasks": "the asyncio task count",
    "gpu_allocated": "GPU tensor memory",
    "gpu_reserved": "the GPU allocator's cache",
    "gpu_process": "the process's GPU memory",
}


def number(v: float) -> str:
    if not math.isfinite(v):
        return "n/a"
    a = abs(v)
    if a < 0.0005:
        return "0"  # not "-0" or "1e-09"
    if a >= 100:
        return f"{v:.0f}"
    return f"{v:.1f}" if a >= 10 else (f"{v:.2f}" if a >= 0.995 else f"{v:.2g}")


def scale_for(v: float, unit: str) -> tuple[float, str]:
    """The divisor and unit name to show amounts of the size of ``v`` in."""
    if unit != "bytes":
        return 1.0, f" {unit}"
    for name, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(v) >= scale:
            return float(scale), f" {name}"
    return 1.0, " B"


def amount(v: float, unit: str) -> str:
    """``v`` with its unit: bytes in B, KiB, MiB or GiB; blocks and objects as counts."""
    scale, name = scale_for(v, unit)
    return f"{number(v / scale)}{name}"


def per_iteration(est: SlopeEstimate, unit: str, confidence: float) -> str:
    """Like 2.00 blocks per iteration (95% CI 1.90 to 2.10 blocks): one unit throughout."""
    size = max(abs(est.slope), abs(est.half_width))
    scale, name = scale_for(size if math.isfinite(size) else 0.0, unit)
    lo, hi = number(est.ci_low / scale), number(est.ci_high / scale)
    ci = f"{confidence:.0%} CI {lo} to {hi}{name}"
    return f"{number(est.slope / scale)}{name} per iteration ({ci})"
