"""Probe memory flatness: watch a no-op loop for 100,000 iterations; the probe must not grow.

Evidence without tracemalloc (which would itself allocate): RSS from /proc/self/statm and
``sys.getallocatedblocks()``, read at fixed iteration counts. Two runs in one process: the
bare ``Probe`` ticking alone (what lives in the loop), then ``leaksleuth.watch()``, which
adds the verdict checkpoints. The probe's sample table is preallocated; the rows it keeps
are read from the report at the end.

    python bench/probe_memory.py --out probe_memory.json [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from typing import Any

import leaksleuth
from leaksleuth.probe import Probe, ProbeConfig

CHECKPOINTS = (1_000, 10_000, 50_000, 100_000)


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def reading(iteration: int) -> dict[str, int]:
    # Read the block count first: reading RSS allocates a little.
    blocks = sys.getallocatedblocks()
    return {"iteration": iteration, "py_blocks": blocks, "rss_bytes": rss_bytes()}


def probe_alone(checkpoints: tuple[int, ...]) -> dict[str, Any]:
    """The bare probe ticking ``max(checkpoints)`` times: no analysis, no bursts."""
    gc.collect()
    readings = [reading(0)]
    probe = Probe()
    for i in range(1, max(checkpoints) + 1):
        probe.tick()
        if i in checkpoints:
            readings.append(reading(i))
    probe.close()
    return {"readings": readings}


def watch_noop(checkpoints: tuple[int, ...]) -> dict[str, Any]:
    """Tick a watch ``max(checkpoints)`` times over a no-op and read memory at checkpoints."""
    readings = []
    gc.collect()
    before = reading(0)
    t0 = time.perf_counter()
    with leaksleuth.watch("no-op") as w:
        stop = max(checkpoints)
        for i in range(1, stop + 1):
            w.tick()
            if i in checkpoints:
                readings.append(reading(i))
    wall = time.perf_counter() - t0
    report = w.report()
    gc.collect()
    after = reading(stop)
    first, last = readings[0], readings[-1]
    return {
        "before": before,
        "readings": readings,
        "after_close_and_gc": after,
        "growth_from_first_checkpoint": {
            "py_blocks": last["py_blocks"] - first["py_blocks"],
            "rss_bytes": last["rss_bytes"] - first["rss_bytes"],
        },
        "rows_kept": len(report.iterations),
        "row_capacity": ProbeConfig().capacity,
        "stride": report.meta.get("stride"),
        "traced_iterations": sum(report.phase),
        "verdict": report.verdict.status,
        "verdict_reason": report.verdict.reason,
        "wall_s": wall,
        "us_per_tick": wall / stop * 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--quick", action="store_true", help="stop at 50,000 iterations")
    args = parser.parse_args(argv)
    checkpoints = CHECKPOINTS[:3] if args.quick else CHECKPOINTS
    alone = probe_alone(checkpoints)
    result = watch_noop(checkpoints)
    result["probe_alone"] = alone
    result["pid"] = os.getpid()
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
