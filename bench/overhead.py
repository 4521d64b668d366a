"""Overhead: a loop of ~1 ms iterations, bare and under each tool, interleaved in one run.

Modes: bare; ``leaksleuth.watch()`` with ``w.tick()``; tracemalloc on all the time at 25
frames; ``memray.Tracker``; ``memray.Tracker(native_traces=True)``. Two loops: one that does
not leak, and one that leaks 1 KiB per iteration (so leaksleuth's tracemalloc burst runs).

    python bench/overhead.py --out overhead.json [--quick]

Each round runs every tool once, each paired with a bare loop run right next to it, in a
rotated order; a round's ratio is the tool's time over its own pair's bare time, so slow
drifts of the machine cancel out. Figures are medians over rounds. The very slow
tracemalloc peer runs a shorter loop in the first round only.
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


def calibrate(target_s: float = 0.001, n: int = 1000, rounds: int = 4) -> int:
    """The work size whose call takes about ``target_s`` on this machine (now: the speed
    of a shared machine drifts, so each round of the bench calibrates again)."""
    for _ in range(rounds):
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
    the analysis that ``report()`` runs afterwards is timed on its own.

    ``tool_s`` is the time spent inside leaksleuth's calls (creating and entering the
    watch, every tick, leaving it), timed from the loop: the tool's own cost without the
    noise of the work around it, but also without any slowing of that work (caches).
    Timing the ticks adds two clock readings per iteration, counted as the tool's.
    """
    clock = time.perf_counter
    t0 = clock()
    ticks = 0.0
    with leaksleuth.watch("overhead loop") as w:
        entered = clock()
        for _ in range(iterations):
            work()
            a = clock()
            w.tick()
            ticks += clock() - a
        a = clock()
    end = clock()
    loop = end - t0
    parts = {"enter_s": entered - t0, "ticks_s": ticks, "exit_s": end - a}
    tool = sum(parts.values())
    t1, c1 = clock(), time.process_time()
    report = w.report()
    return {
        "loop_s": loop,
        "tool_s": tool,
        # the slowdown the tool's own time makes, were the work around it unchanged
        "tool_share": tool / (loop - tool),
        **parts,
        "report_s": clock() - t1,
        "report_cpu_s": time.process_time() - c1,
        "verdict": report.verdict.status,
        "traced_iterations": sum(report.phase),
        "rows_read": len(report.iterations),
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


# tracemalloc at 25 frames makes this loop a hundred times slower: it runs a shorter loop
# (``SLOW_ITERATIONS``) and its ratio is per iteration, against bare in the same round.
SLOW_MODES = ("tracemalloc(25 frames)",)
SLOW_ITERATIONS = 100


def _timed(mode: str, work: Work, iterations: int, tmp: str) -> dict[str, Any]:
    _KEPT.clear()
    gc.collect()
    c0 = time.process_time()
    out = MODES[mode](work, iterations, tmp)
    # CPU time of the whole mode (its report() excluded for watch): steadier than wall
    # time when other machines share the host.
    out["cpu_s"] = time.process_time() - c0 - out.get("report_cpu_s", 0.0)
    return out


def measure_loop(
    leak: bool, n: int, iterations: int, reps: int, slow_reps: int, tmp: str
) -> dict[str, Any]:
    """Each mode's slowdown against bare, over ``reps`` rounds.

    In every round each tool runs right after (or, in alternate rounds, right before) a
    bare loop of its own, and the round's ratio is the tool's time over that bare time:
    a pair run back to back shares the machine's state, so slow drifts and busy
    neighbours cancel out of the ratio. The figures are medians over rounds. Each round
    first sizes the work again so that a bare iteration takes about 1 ms just then.

    Each mode times its own loop, from switching the tool on to switching it off. A slow
    peer (``SLOW_MODES``) runs ``SLOW_ITERATIONS`` iterations in the first ``slow_reps``
    rounds only.
    """
    tools = [name for name in MODES if name != "bare"]
    ratios: dict[str, list[float]] = {name: [] for name in tools}
    cpu_ratios: dict[str, list[float]] = {name: [] for name in tools}
    times: dict[str, list[float]] = {name: [] for name in MODES}
    extra: dict[str, dict[str, Any]] = {}
    shares: dict[str, list[float]] = {}
    sizes: list[int] = []
    for rep in range(reps):
        n = calibrate(n=n, rounds=2)
        sizes.append(n)
        work = make_work(n, leak)
        order = tools[rep % len(tools) :] + tools[: rep % len(tools)]
        for name in order:
            slow = name in SLOW_MODES
            if slow and rep >= slow_reps:
                continue
            n = SLOW_ITERATIONS if slow else iterations
            pair = ["bare", name] if rep % 2 == 0 else [name, "bare"]
            got = {mode: _timed(mode, work, n, tmp) for mode in pair}
            bare, tool = got["bare"], got[name]
            ratios[name].append(tool["loop_s"] / bare["loop_s"])
            if "tool_share" in tool:
                shares.setdefault(name, []).append(tool.pop("tool_share"))
            cpu_ratios[name].append(tool["cpu_s"] / bare["cpu_s"])
            times[name].append(tool.pop("loop_s") * iterations / n)
            if not slow:
                times["bare"].append(bare["loop_s"])
            tool.pop("cpu_s")
            extra[name] = tool
    _KEPT.clear()
    bare_median = statistics.median(times["bare"])
    result: dict[str, Any] = {
        "bare": {
            "median_s": bare_median,
            "runs_s": times["bare"],
            "ratio": 1.0,
            "cpu_ratio": 1.0,
            "work_sizes": sizes,
        }
    }
    for name in tools:
        rs = sorted(ratios[name])
        median = statistics.median(rs)
        result[name] = {
            "median_s": statistics.median(times[name]),
            "runs_s": times[name],
            "ratio": median,
            "ratios": ratios[name],
            # the middle half of the rounds' ratios: how far one round can be trusted
            "ratio_q1": rs[len(rs) // 4],
            "ratio_q3": rs[(3 * len(rs)) // 4],
            "cpu_ratio": statistics.median(cpu_ratios[name]),
            "per_iteration_overhead_us": (median - 1.0) * bare_median / iterations * 1e6,
            **extra.get(name, {}),
        }
        if name in shares:
            ss = sorted(shares[name])
            result[name]["tool_share"] = statistics.median(ss)
            result[name]["tool_share_max"] = ss[-1]
            result[name]["tool_shares"] = shares[name]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    iterations = 1000
    reps, slow_reps = (4, 1) if args.quick else (16, 1)
    n = calibrate()
    per_call = min(timeit_call(make_work(n, leak=False)) for _ in range(5))
    result: dict[str, Any] = {
        "iterations": iterations,
        "repetitions": reps,
        "slow_mode_repetitions": slow_reps,
        "slow_mode_iterations": SLOW_ITERATIONS,
        "work_size": n,
        "bare_iteration_ms": per_call * 1e3,
    }
    with tempfile.TemporaryDirectory() as tmp:
        result["no_leak"] = measure_loop(False, n, iterations, reps, slow_reps, tmp)
        result["leak_1kib"] = measure_loop(True, n, iterations, reps, slow_reps, tmp)
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
