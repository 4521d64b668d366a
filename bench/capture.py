"""The capture store and ``leaksleuth run``: size, reporting time, and what ``run`` costs.

1. A capture of 10^6 iterations: rows as the probe writes them (every iteration read,
   flushed every 1000 rows as a run flushes each second), through the real writer.
   File size per iteration, then ``leaksleuth report``'s work on it (read + analyse)
   and the HTML report's size.
2. ``leaksleuth run`` against ``python script.py``: a program of 5000 iterations of
   about 1 ms of mixed work, calling ``leaksleuth.tick()`` each iteration; the program
   times its own loop. Rounds alternate which runs first; ratios are per round.

    python bench/capture.py --out capture.json [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Any

from leaksleuth.capture import SIGNALS
from leaksleuth.capture._store import CaptureWriter, read_store
from leaksleuth.cli._reporting import analyse_run
from leaksleuth.render import _html

PROGRAM = """\
import sys, time
import leaksleuth

def mixed_work(n):
    rows = [{"id": i, "score": i * 0.37} for i in range(n // 8)]
    total = float(len("".join([f"r{row['id']}" for row in rows[: n // 32]])))
    x = 0.5
    for _ in range(n):
        x = x * 1.0000001 + 0.25
        total += x * 0.5 - x * 0.25
    return total

n, iterations = int(sys.argv[1]), int(sys.argv[2])
t0 = time.perf_counter()
for _ in range(iterations):
    mixed_work(n)
    leaksleuth.tick()
print(time.perf_counter() - t0)
"""


def capture_size(iterations: int, tmp: str) -> dict[str, Any]:
    path = os.path.join(tmp, "big.db")
    writer = CaptureWriter(path, {"program": "bench", "argv": []})
    row = [0.0] * len(SIGNALS)
    t0 = time.perf_counter()
    for i in range(1, iterations + 1):
        # A slowly leaking program's readings, a few signals NaN as when not sampled.
        row[0] = 0.001
        row[1] = 50e6 + 1024.0 * i
        row[2] = 70000 + i * 0.1
        row[3] = 8e6 + 1000.0 * i
        row[4] = math.nan
        row[5] = math.nan if i % 50 else 40000 + i * 0.01
        row[6] = 300000.0 + (i % 97)
        row[7] = 12.0
        row[8] = 1.0
        writer.add(i, row, 0, 0)
        if i % 1000 == 0:
            writer.flush()
    writer.flush()
    writer.record("target", "bench")
    writer.record("iterations_run", iterations)
    writer.record("finished", True)
    writer.close()
    write_s = time.perf_counter() - t0
    size = sum(
        os.path.getsize(path + suffix)
        for suffix in ("", "-wal", "-shm")
        if os.path.exists(path + suffix)
    )
    t1 = time.perf_counter()
    reports = analyse_run(path)
    report_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    page = _html.render(reports[0].report)
    html_s = time.perf_counter() - t2
    return {
        "iterations": iterations,
        "file_bytes": size,
        "bytes_per_iteration": size / iterations,
        "write_us_per_row": write_s / iterations * 1e6,
        "report_s": report_s,
        "rows_analysed": len(reports[0].report.iterations),
        "verdict": reports[0].report.verdict.status,
        "html_bytes": len(page.encode()),
        "html_s": html_s,
    }


def run_overhead(rounds: int, iterations: int, tmp: str) -> dict[str, Any]:
    script = os.path.join(tmp, "program.py")
    with open(script, "w", encoding="utf-8") as fh:
        fh.write(textwrap.dedent(PROGRAM))
    n = _calibrate(script)
    ratios, wall_ratios, bare_loops, run_loops, shares, per_iteration = [], [], [], [], [], []
    for r in range(rounds):
        # The machine's speed drifts: size the work to 1 ms again before each round.
        n = _calibrate(script, n, steps=1)
        bare_cmd = [sys.executable, script, str(n), str(iterations)]
        capture = os.path.join(tmp, f"run{r}.db")
        run_cmd = [
            sys.executable, "-m", "leaksleuth", "run", "--capture", capture,
            script, str(n), str(iterations),
        ]  # fmt: skip
        pair = [("bare", bare_cmd), ("run", run_cmd)]
        if r % 2:
            pair.reverse()
        got, wall = {}, {}
        for name, cmd in pair:
            t0 = time.perf_counter()
            got[name] = _loop_seconds(cmd)
            wall[name] = time.perf_counter() - t0
        ratios.append(got["run"] / got["bare"])
        meta = read_store(capture).capture.meta
        shares.append(meta["tool_s"] / (got["run"] - meta["tool_s"]))
        per_iteration.append(meta["tool_s"] / iterations * 1e6)
        wall_ratios.append(wall["run"] / wall["bare"])
        bare_loops.append(got["bare"])
        run_loops.append(got["run"])
    return {
        "iterations": iterations,
        "bare_iteration_ms": statistics.median(bare_loops) / iterations * 1e3,
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        # leaksleuth's own time in the program (start-up and every tick) over the rest
        # of the program's loop, as the child records it
        "tool_share": statistics.median(shares),
        "tool_shares": shares,
        "tool_us_per_iteration": statistics.median(per_iteration),
        # the whole command: interpreter start, the child process, the report at the end
        "wall_ratio": statistics.median(wall_ratios),
        "wall_ratios": wall_ratios,
        "bare_loop_s": bare_loops,
        "run_loop_s": run_loops,
    }


def _loop_seconds(cmd: list[str]) -> float:
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[0])


def _calibrate(script: str, n: int = 2000, steps: int = 3) -> int:
    for _ in range(steps):
        per = _loop_seconds([sys.executable, script, str(n), "1000"]) / 1000
        n = max(8, round(n * 0.001 / per))
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = {
            "capture": capture_size(100_000 if args.quick else 1_000_000, tmp),
            "run": run_overhead(3 if args.quick else 8, 5000, tmp),
        }
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
