"""The memray window's cost, next to memray's own whole-run cost, on a real native leak.

Builds the tests' small C extension with gcc (it keeps a malloc'd buffer per call),
then times, in one process: the bare loop; ``check(native=True)``, whose memray window
(10 + 20 iterations with native stacks, and reading them back) is timed on its own; and
the same loop under ``memray.Tracker(native_traces=True)`` from start to end.

    python bench/native_window.py --out native_window.json [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from importlib import import_module
from pathlib import Path
from typing import Any, Callable

import memray

import leaksleuth
from leaksleuth import CheckOptions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build(folder: str) -> Any:
    """The tests' leaking extension (``tests/integration/_leakyext.py``), built here."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    return import_module("tests.integration._leakyext").build(Path(folder))


def loop_time(fn: Callable[[], object], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 5
    n = 300
    with tempfile.TemporaryDirectory() as folder:
        ext = build(folder)

        def step() -> None:
            ext.process(8192)
            sum(range(2000))  # some Python work around the native call

        bare = statistics.median(loop_time(step, n) for _ in range(rounds))
        whole = []
        for r in range(rounds):
            path = os.path.join(folder, f"whole{r}.bin")
            t0 = time.perf_counter()
            with memray.Tracker(path, native_traces=True):
                loop_time(step, n)
            whole.append(time.perf_counter() - t0)
            os.remove(path)
        report = leaksleuth.check(step, max_iterations=300, options=CheckOptions(native=True))
        window = report.meta.get("native_window", {})
    result = {
        "bare_s": bare,
        "iterations": n,
        "memray_whole_run_s": statistics.median(whole),
        "memray_ratio": statistics.median(whole) / bare,
        "window_s": window.get("seconds"),
        "window_iterations": window.get("iterations"),
        "verdict": report.verdict.status,
        "kind": report.verdict.kind,
        "top_native_frame": report.native[0].native[0] if report.native else "",
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
