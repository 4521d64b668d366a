"""What each per-iteration signal costs, and the whole tick, against a 1 ms iteration.

Times every reader the probe uses at an iteration boundary (median of 7 rounds of
20,000 calls each), then a bare ``Probe.tick()`` on a 1 ms busy iteration against the
same loop without the probe. The file-descriptor count is shown both as one listing and
as what the probe pays per tick (it samples the listing within a time budget).

    python bench/signals.py --out signals.json [--quick]
"""

from __future__ import annotations

import argparse
import asyncio  # so that the task count is read, as in a program that uses asyncio
import json
import statistics
import sys
import time
from typing import Any, Callable

from leaksleuth._api import _WATCH_READS as WATCH_READS
from leaksleuth.probe import Probe, ProbeConfig
from leaksleuth.probe._gpu import GpuReader
from leaksleuth.probe._signals import MallocReader, ResourceReader, RssReader

assert asyncio  # imported for its effect


def per_call(fn: Callable[[], object], calls: int, rounds: int = 7) -> float:
    """Median seconds per call."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t0) / calls)
    return statistics.median(times)


def busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def tick_cost(iterations: int, rounds: int, config: ProbeConfig) -> dict[str, float]:
    """A 1 ms iteration with and without ``Probe.tick()``, interleaved rounds."""
    bare, probed, rows = [], [], 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(iterations):
            busy(0.001)
        bare.append(time.perf_counter() - t0)
        probe = Probe(config)
        t0 = time.perf_counter()
        for _ in range(iterations):
            busy(0.001)
            probe.tick()
        probed.append(time.perf_counter() - t0)
        rows = len(probe.capture("tick cost").iteration)
        probe.close()
    b, p = statistics.median(bare), statistics.median(probed)
    return {
        "bare_s": b,
        "probe_s": p,
        "ratio": p / b,
        "us_per_tick": (p - b) / iterations * 1e6,
        "rows_read": rows,
        "iterations": iterations,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    calls = 2_000 if args.quick else 20_000
    rss, malloc, resources, gpu = RssReader(), MallocReader(), ResourceReader(), GpuReader()
    readers: dict[str, Callable[[], object]] = {
        "rss": rss,
        "py_blocks": sys.getallocatedblocks,
        "malloc and malloc_free (one mallinfo2 call)": malloc,
        "fds (one listing)": lambda: resources.fds(float("inf")),
        "threads": resources.threads,
        "tasks": resources.tasks,
        "gpu_allocated and gpu_reserved (no CUDA in use)": lambda: gpu.torch_memory(1),
        "gpu_process (no CUDA in use)": lambda: gpu.process_memory(float("inf")),
    }
    costs = {name: per_call(fn, calls) * 1e6 for name, fn in readers.items()}
    sampled = ResourceReader()
    elapsed = [0.0]

    def fds_as_sampled() -> None:
        elapsed[0] += 0.001  # as if each tick followed a 1 ms iteration
        sampled.fds(elapsed[0])

    costs["fds (as sampled per 1 ms tick)"] = per_call(fds_as_sampled, calls) * 1e6
    iterations, rounds = (200, 3) if args.quick else (1000, 5)
    result: dict[str, Any] = {
        "us_per_call": costs,
        # every iteration read (check()), and as watch() reads (within its budget)
        "tick": tick_cost(iterations, rounds, ProbeConfig()),
        "tick_watch": tick_cost(iterations, rounds, ProbeConfig(record_budget=WATCH_READS)),
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
