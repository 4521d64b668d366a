"""What a line-by-line memory profile costs: ``leaksleuth.line_profile`` against the
peers, each on the same functions in the same run: memory_profiler's line mode (RSS at
every line), tracemalloc with 25 frames (tracing alone, no per-line figures) and memray's
``Tracker`` (to a file; its Python-allocator mode too, which sees what a line profile
needs). ``python bench/lines.py [--quick] [--out FILE]``.

Rounds alternate the tools so that the machine's drift touches each alike; a tool's
ratio is the median of its per-round ratios to the bare function measured in the same
round. Each tool call profiles ``CALLS`` calls of a workload (fewer for the slowest), as
``leaksleuth lines`` does by default: its fixed costs (two snapshots, a gc pass over the
calls' objects) are shared by the calls.
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
from typing import Any, Callable, Dict, List

import numpy as np

from leaksleuth.profiles._lines import line_profile

CALLS = 10
CALLS_OF = {"small_objects": 3}  # 3 calls under memory_profiler take some 20 s here


def small_objects() -> int:
    """Allocation-heavy: 20,000 small dicts and strings, kept in a list."""
    out = []
    for i in range(20000):
        row = {"i": i, "name": str(i)}
        out.append(row)
    return len(out)


def buffers() -> int:
    """Allocation-heavy in bytes: 400 buffers of 64 KiB, joined, then dropped."""
    parts = [bytes(65536) for _ in range(400)]
    joined = b"".join(parts)
    del parts
    return len(joined)


def numpy_work() -> float:
    """numpy-heavy: a 400x400 matmul and an SVD, a few large temporaries."""
    a = np.random.default_rng(0).random((400, 400))
    b = a @ a.T
    s = np.linalg.svd(b[:150, :150], compute_uv=False)
    return float(b.sum() + s.sum())


WORKLOADS: Dict[str, Callable[[], Any]] = {
    "small_objects": small_objects,
    "buffers": buffers,
    "numpy": numpy_work,
}


def bare(fn: Callable[[], Any]) -> None:
    for _ in range(_calls):
        fn()


def leaksleuth_lines(fn: Callable[[], Any]) -> None:
    line_profile(fn, calls=_calls)


def memory_profiler_lines(fn: Callable[[], Any]) -> None:
    from memory_profiler import LineProfiler

    profiler = LineProfiler()
    wrapped = profiler(fn)
    for _ in range(_calls):
        wrapped()


def tracemalloc_25(fn: Callable[[], Any]) -> None:
    tracemalloc.start(25)
    try:
        for _ in range(_calls):
            fn()
        tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()


def _memray(fn: Callable[[], Any], python_allocators: bool) -> None:
    import memray

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "lines.bin")
        with memray.Tracker(path, trace_python_allocators=python_allocators):
            for _ in range(_calls):
                fn()


def memray_tracker(fn: Callable[[], Any]) -> None:
    _memray(fn, False)


def memray_python_allocators(fn: Callable[[], Any]) -> None:
    _memray(fn, True)


_calls = CALLS

TOOLS: Dict[str, Callable[[Callable[[], Any]], None]] = {
    "bare": bare,
    "leaksleuth lines": leaksleuth_lines,
    "memory_profiler line mode": memory_profiler_lines,
    "tracemalloc 25 frames": tracemalloc_25,
    "memray Tracker": memray_tracker,
    "memray Tracker, Python allocators": memray_python_allocators,
}


def _timed(tool: Callable[[Callable[[], Any]], None], fn: Callable[[], Any]) -> float:
    fn()  # untimed: BLAS threads and caches warm for every tool alike
    gc.collect()
    t0 = time.perf_counter()
    tool(fn)
    return (time.perf_counter() - t0) / _calls


def measure(rounds: int) -> Dict[str, Any]:
    global _calls
    results: Dict[str, Any] = {}
    for name, fn in WORKLOADS.items():
        _calls = CALLS_OF.get(name, CALLS)
        fn()  # warm: imports, caches
        ratios: Dict[str, List[float]] = {t: [] for t in TOOLS if t != "bare"}
        seconds: Dict[str, List[float]] = {t: [] for t in TOOLS}
        for _ in range(rounds):
            base = _timed(bare, fn)
            seconds["bare"].append(base)
            for tool_name, tool in TOOLS.items():
                if tool_name == "bare":
                    continue
                took = _timed(tool, fn)
                seconds[tool_name].append(took)
                ratios[tool_name].append(took / base)
        results[name] = {
            "calls": _calls,
            "bare_ms": statistics.median(seconds["bare"]) * 1000,
            "ratio": {t: statistics.median(r) for t, r in ratios.items()},
            "ms": {t: statistics.median(s) * 1000 for t, s in seconds.items()},
        }
    return results


def markdown(results: Dict[str, Any]) -> str:
    tools = [t for t in TOOLS if t != "bare"]
    lines = [
        "| function | calls | bare, per call | " + " | ".join(tools) + " |",
        "|---|---|---|" + "---|" * len(tools),
    ]
    for name, r in results.items():
        cells = [f"{r['ratio'][t]:.2f}x" for t in tools]
        lines.append(
            f"| {name} | {r['calls']} | {r['bare_ms']:.1f} ms | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 7")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    results: Dict[str, Any] = {"rounds": 3 if args.quick else 7}
    results["workloads"] = measure(int(results["rounds"]))
    print(markdown(results["workloads"]))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
