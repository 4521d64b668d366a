"""Overhead: a loop of ~1 ms iterations, bare and under each tool, interleaved in one run.

Modes: bare; ``leaksleuth.watch()`` with ``w.tick()``; tracemalloc on all the time at 25
frames; ``memray.Tracker``; ``memray.Tracker(native_traces=True)``. Two loops: one that does
not leak, and one that leaks 1 KiB per iteration (so leaksleuth's tracemalloc burst runs).

    python bench/overhead.py --out overhead.json [--quick]

Each repetition runs every mode once (the very slow tracemalloc peer only in the first
few), in a rotated order, so slow drifts of the machine hit every mode alike. Figures are
medians over repetitions; ratios are against bare.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from typing import Any, Callable

import memray

import leaksleuth

Work = Callable[[], float]
_KEPT: list[bytearray] = []


def mixed_work(n: int) -> float:
    """About half small-object allocation, half float arithmetic; nothing survives the call."""
    rows = [{"id": i, "score": i * 0.37} for i in range(n // 8)]
    names = "".join([f"r{row['id']}" for row in rows[: n // 32]])
    total = float(len(names))
    x = 0.5
    for _ in range(n):
        x = x * 1.0000001 + 0.25
        total += x * 0.5 - x * 0.25
    return total + sum(row["score"] for row in rows)


def calibrate(target_s: float = 0.001) -> int:
    """The work size whose call takes about ``target_s`` on this machine."""
    n = 1000
    for _ in range(4):
        mixed_work(n)
        t0 = time.perf_counter()
        for _ in range(50):
            mixed_work(n)
        per_call = (time.perf_counter() - t0) / 50
        n = max(8, round(n * target_s / per_call))
    return n


def make_work(n: int, leak: bool) -> Work:
    if not leak:
        return lambda: mixed_work(n)

    def leaking() -> float:
        _KEPT.append(bytearray(1024))
        return mixed_work(n)

    return leaking


def run_bare(work: Work, iterations: int, _tmp: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    for _ in range(iterations):
        work()
    return {"loop_s": time.perf_counter() - t0}


def run_watch(work: Work, iterations: int, _tmp: str) -> dict[str, Any]:
    """The loop under watch() (ticks, checkpoints, bursts, the gc passes at entry and exit);
    the analysis that ``report()`` runs afterwards is timed on its own."""
    t0 = time.perf_counter()
    with leaksleuth.watch("overhead loop") as w:
        for _ in range(iterations):
            work()
            w.tick()
    loop = time.perf_counter() - t0
    t1, c1 = time.perf_counter(), time.process_time()
    report = w.report()
    return {
        "loop_s": loop,
        "report_s": time.perf_counter() - t1,
        "report_cpu_s": time.process_time() - c1,
        "verdict": report.verdict.status,
        "traced_iterations": sum(report.phase),
    }


def run_tracemalloc(work: Work, iterations: int, _tmp: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    tracemalloc.start(25)
    try:
        for _ in range(iterations):
            work()
    finally:
        tracemalloc.stop()
    return {"loop_s": time.perf_counter() - t0}


def _memray(native: bool) -> Callable[[Work, int, str], dict[str, Any]]:
    def run(work: Work, iterations: int, tmp: str) -> dict[str, Any]:
        path = os.path.join(tmp, f"memray-{time.perf_counter_ns()}.bin")
        t0 = time.perf_counter()
        with memray.Tracker(path, native_traces=native):
            for _ in range(iterations):
                work()
        loop = time.perf_counter() - t0
        size = os.path.getsize(path)
        os.remove(path)
        return {"loop_s": loop, "capture_bytes": size}

    return run


MODES: dict[str, Callable[[Work, int, str], dict[str, Any]]] = {
    "bare": run_bare,
    "leaksleuth.watch": run_watch,
    "tracemalloc(25 frames)": run_tracemalloc,
    "memray.Tracker": _memray(native=False),
    "memray.Tracker(native_traces)": _memray(native=True),
}


# tracemalloc at 25 frames makes this loop tens of times slower; a few runs show that.
SLOW_MODES = ("tracemalloc(25 frames)",)


def measure_loop(
    work: Work, iterations: int, reps: int, slow_reps: int, tmp: str
) -> dict[str, Any]:
    """Seconds per loop of each mode, interleaved over ``reps`` rounds.

    Each mode times its own loop, from switching the tool on to switching it off.

    A slow peer (``SLOW_MODES``) runs only in the first ``slow_reps`` rounds.
    """
    names = list(MODES)
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    extra: dict[str, dict[str, Any]] = {}
    for rep in range(reps):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            if name in SLOW_MODES and rep >= slow_reps:
                continue
            _KEPT.clear()
            gc.collect()
            c0 = time.process_time()
            extra[name] = MODES[name](work, iterations, tmp)
            # CPU time of the whole mode (its report() included for watch): steadier than
            # wall time when other machines share the host.
            cpu[name].append(time.process_time() - c0 - extra[name].get("report_cpu_s", 0.0))
            times[name].append(extra[name].pop("loop_s"))
    _KEPT.clear()
    bare = statistics.median(times["bare"])
    bare_cpu = statistics.median(cpu["bare"])
    return {
        name: {
            "median_s": statistics.median(ts),
            "runs_s": ts,
            "ratio": statistics.median(ts) / bare,
            "cpu_median_s": statistics.median(cpu[name]),
            "cpu_ratio": statistics.median(cpu[name]) / bare_cpu,
            "per_iteration_overhead_us": (statistics.median(ts) - bare) / iterations * 1e6,
            **extra.get(name, {}),
        }
        for name, ts in times.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    iterations = 1000
    reps, slow_reps = (3, 1) if args.quick else (7, 1)
    n = calibrate()
    per_call = min(timeit_call(make_work(n, leak=False)) for _ in range(5))
    result: dict[str, Any] = {
        "iterations": iterations,
        "repetitions": reps,
        "slow_mode_repetitions": slow_reps,
        "work_size": n,
        "bare_iteration_ms": per_call * 1e3,
    }
    with tempfile.TemporaryDirectory() as tmp:
        result["no_leak"] = measure_loop(make_work(n, leak=False), iterations, reps, slow_reps, tmp)
        result["leak_1kib"] = measure_loop(
            make_work(n, leak=True), iterations, reps, slow_reps, tmp
        )
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


def timeit_call(work: Work, calls: int = 200) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        work()
    return (time.perf_counter() - t0) / calls


if __name__ == "__main__":
    sys.exit(main())
