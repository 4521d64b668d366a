"""Ground truth of one corpus workload, measured by a long run: does it leak or settle?

Runs the workload's ``step()`` many times (default 5,000, or until ``--seconds``) in this
process, with no leaksleuth machinery in the loop. Every ``--every`` iterations it runs a
full gc pass and records the levels left: pymalloc blocks, the C heap's bytes in use
(glibc mallinfo2) and RSS. Those are retained memory only. The run is then cut into
four equal windows by iteration, and each window's growth per iteration is the
difference of its end levels (medians of the three nearest post-gc readings).

    python bench/groundtruth.py tests/scenarios/real/ok_json_roundtrip.py
    python bench/groundtruth.py FILE --iterations 20000 --json out.json

The truth it prints:
- "leak": every window, the last included, grows at least half a block or 16 B per iteration
  and the last window keeps at least a third of the first's rate;
- "settled": the last two windows grow less than 0.02 blocks and 1 B per iteration;
- "unclear" otherwise (run longer).
A workload enters the corpus as a leak or a non-leak only when its truth is measured
so; the figures go into its ``GROUND_TRUTH`` line.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import sys
import time
from array import array
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from leaksleuth.probe._signals import MallocReader, RssReader  # noqa: E402

WINDOWS = 4
SIGNALS = ("py_blocks", "malloc", "rss")


def load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("groundtruth_workload", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def measure(path: str, iterations: int, every: int, seconds: float) -> dict[str, Any]:
    module = load(path)
    setup = getattr(module, "setup", None)
    state = setup() if setup is not None else None
    args = () if state is None else (state,)
    step = module.step
    rss, malloc = RssReader(), MallocReader()
    # Preallocated: the tool's own rows must not grow the levels they record.
    log = array("d", bytes(8 * 4 * (iterations // every + 3)))
    count = [0]

    def settled(i: int) -> None:
        gc.collect()
        at = 4 * count[0]
        log[at] = i
        log[at + 1] = sys.getallocatedblocks()
        log[at + 2] = malloc()
        log[at + 3] = rss()
        count[0] += 1

    settled(0)
    started = time.perf_counter()
    done = 0
    for i in range(1, iterations + 1):
        step(*args)
        done = i
        if i % every == 0:
            settled(i)
            if time.perf_counter() - started > seconds:
                break
    if log[4 * (count[0] - 1)] != done:
        settled(done)
    rows = [
        (int(log[4 * k]), log[4 * k + 1], log[4 * k + 2], log[4 * k + 3]) for k in range(count[0])
    ]
    teardown = getattr(module, "teardown", None)
    if teardown is not None:
        teardown()
    return {"rows": rows, "iterations": done, "seconds": time.perf_counter() - started}


def _level(rows: list[tuple[int, float, float, float]], at: int, col: int) -> float:
    near = sorted(rows, key=lambda r: abs(r[0] - at))[:3]
    return statistics.median(r[col] for r in near)


def window_rates(rows: list[tuple[int, float, float, float]], n: int) -> dict[str, list[float]]:
    """Growth per iteration of each signal in each of ``WINDOWS`` equal windows."""
    edges = [round(n * k / WINDOWS) for k in range(WINDOWS + 1)]
    rates: dict[str, list[float]] = {}
    for col, name in enumerate(SIGNALS, start=1):
        levels = [_level(rows, e, col) for e in edges]
        rates[name] = [
            (b - a) / max(e1 - e0, 1) for a, b, e0, e1 in zip(levels, levels[1:], edges, edges[1:])
        ]
    return rates


def truth(rates: dict[str, list[float]]) -> str:
    blocks, c_heap = rates["py_blocks"], rates["malloc"]

    def leaks(series: list[float], least: float) -> bool:
        return all(r >= least for r in series) and series[-1] >= series[0] / 3

    if leaks(blocks, 0.5) or leaks(c_heap, 16.0):
        return "leak"
    if all(abs(r) < 0.02 for r in blocks[-2:]) and all(abs(r) < 1.0 for r in c_heap[-2:]):
        return "settled"
    return "unclear"


def summary_line(result: dict[str, Any]) -> str:
    r = result["rates"]
    fmt = lambda xs, d: "/".join(f"{x:+.{d}f}" for x in xs)  # noqa: E731
    return (
        f"{result['truth']} over {result['iterations']} iterations "
        f"(gc every {result['every']}); per-window growth per iteration: "
        f"blocks {fmt(r['py_blocks'], 2)}, C heap {fmt(r['malloc'], 1)} B, "
        f"RSS {fmt(r['rss'], 0)} B"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--every", type=int, default=0, help="gc-settled reading spacing")
    parser.add_argument("--seconds", type=float, default=600.0, help="stop after this long")
    parser.add_argument("--json", help="also write the rows and rates here")
    args = parser.parse_args(argv)
    every = args.every or max(1, args.iterations // 100)
    result = measure(args.path, args.iterations, every, args.seconds)
    result["every"] = every
    result["rates"] = window_rates(result["rows"], result["iterations"])
    result["truth"] = truth(result["rates"])
    print(f"{os.path.basename(args.path)}: {summary_line(result)}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
