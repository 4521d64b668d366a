"""How many measured iterations before a leak of 1, 4 or 64 KiB per iteration is called.

Two figures per size, both honest about what they count:

* ``first_leak_at``: the verdict engine alone. One probe records 120 untraced iterations;
  ``build_report`` is then run on the first n rows for n = 3..120. The figure is the first n
  whose verdict is "leak" and the first n from which every later prefix says "leak". This
  is what the analysis could say if it were asked after every iteration.
* ``check``: what ``leaksleuth.check`` does with its checkpoint schedule (first look at
  ``CheckOptions.min_iterations``, then every 25% more). ``measured`` is the untraced
  iterations the verdict rests on; ``run`` adds the tracemalloc burst that follows it.

    python bench/latency.py --out latency.json [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import statistics
import sys
from typing import Any, Optional

import leaksleuth
from leaksleuth.analysis import build_report
from leaksleuth.capture import Capture
from leaksleuth.probe import Probe

SIZES_KIB = (1, 4, 64)
RECORDED = 120
_KEPT: list[bytearray] = []


def leak(size: int) -> None:
    _KEPT.append(bytearray(size))


def truncated(capture: Capture, n: int) -> Capture:
    """The capture as it would have been after its first ``n`` rows."""
    return dataclasses.replace(
        capture,
        iteration=capture.iteration[:n],
        signals={k: v[:n] for k, v in capture.signals.items()},
        phase=capture.phase[:n],
        segment=capture.segment[:n],
        iterations_run=capture.iteration[n - 1],
    )


def prefix_verdicts(size: int, recorded: int = RECORDED) -> list[str]:
    """The verdict after each prefix of one untraced run; index 0 is n = 1."""
    _KEPT.clear()
    gc.collect()
    probe = Probe()
    for _ in range(recorded):
        leak(size)
        probe.tick()
    capture = probe.capture("latency")
    probe.close()
    _KEPT.clear()
    return [build_report(truncated(capture, n)).verdict.status for n in range(1, recorded + 1)]


def first_leak(verdicts: list[str], start: int = 3) -> tuple[Optional[int], Optional[int]]:
    """(first n saying leak, first n from which all later prefixes say leak)."""
    first = next((n for n in range(start, len(verdicts) + 1) if verdicts[n - 1] == "leak"), None)
    stable = None
    for n in range(len(verdicts), start - 1, -1):
        if verdicts[n - 1] != "leak":
            break
        stable = n
    return first, stable


def check_once(size: int) -> dict[str, Any]:
    _KEPT.clear()
    gc.collect()
    report = leaksleuth.check(leak, size, max_iterations=2000)
    _KEPT.clear()
    return {
        "status": report.verdict.status,
        "measured": report.verdict.iterations_measured,
        "run": report.meta["iterations_run"],
        "top_site_is_leak_line": bool(report.suspects)
        and report.suspects[0].line == leak.__code__.co_firstlineno + 1,
    }


def _summary(values: list[Optional[int]]) -> dict[str, Any]:
    found = [v for v in values if v is not None]
    return {
        "values": values,
        "median": statistics.median(found) if found else None,
        "max": max(found) if len(found) == len(values) else None,
        "missed": len(values) - len(found),
    }


def measure(size_kib: int, reps: int) -> dict[str, Any]:
    firsts, stables = [], []
    for _ in range(reps):
        first, stable = first_leak(prefix_verdicts(size_kib * 1024))
        firsts.append(first)
        stables.append(stable)
    checks = [check_once(size_kib * 1024) for _ in range(reps)]
    measured = [c["measured"] if c["status"] == "leak" else None for c in checks]
    return {
        "first_leak_at": _summary(firsts),
        "leak_from_then_on": _summary(stables),
        "check_measured": _summary(measured),
        "check_run": _summary([c["run"] for c in checks]),
        "check_runs": checks,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    reps = 2 if args.quick else 5
    result = {
        "recorded_iterations": RECORDED,
        "repetitions": reps,
        "sizes": {f"{k} KiB": measure(k, reps) for k in SIZES_KIB},
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
