"""Corpus accuracy: every scenario of one set under ``leaksleuth.check``, scored on its truth.

Per set: verdict accuracy, top-1 site accuracy (leaks only), iterations to a correct
verdict (median and max) and wall time. The held-out set is scored the same way but is
never used to tune thresholds.

    python bench/corpus.py --set heldout --out heldout.json
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import time
from types import ModuleType
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def corpus_module() -> ModuleType:
    """``tests.scenarios._corpus``, importable once the repository root is on the path."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    return importlib.import_module("tests.scenarios._corpus")


def score_one(corpus: ModuleType, scenario: Any) -> dict[str, Any]:
    t0 = time.perf_counter()
    report = corpus.run_scenario(scenario)
    wall = time.perf_counter() - t0
    verdict = report.verdict
    top = report.suspects[0] if report.suspects else None
    return {
        "name": scenario.name,
        "expect": "|".join(scenario.expect),
        "status": verdict.status,
        "verdict_ok": verdict.status in scenario.expect,
        "site_ok": corpus.site_matches(report, scenario) if scenario.is_leak else None,
        "expected_holder": scenario.holder,
        "holder_ok": corpus.holder_matches(report, scenario) if scenario.holder else None,
        "top_holder": corpus.top_holder(report) if scenario.is_leak else None,
        "expected_site": scenario.site_line,
        "top_site": f"{os.path.relpath(top.file, ROOT)}:{top.line}" if top else None,
        "bytes_per_iteration": verdict.bytes_per_iteration,
        "iterations_measured": verdict.iterations_measured,
        "iterations_run": report.meta.get("iterations_run"),
        "wall_s": wall,
        "reason": verdict.reason,
    }


def _spread(values: list[int]) -> dict[str, Any]:
    return {"median": statistics.median(values), "max": max(values)} if values else {}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    leaks = [r for r in rows if r["expect"] == "leak"]
    correct = [r for r in rows if r["verdict_ok"]]
    held = [r for r in rows if r.get("expected_holder")]
    return {
        "scenarios": len(rows),
        "verdict_correct": len(correct),
        "verdict_accuracy": len(correct) / len(rows),
        "leaks": len(leaks),
        "site_correct": sum(1 for r in leaks if r["site_ok"]),
        "site_accuracy": sum(1 for r in leaks if r["site_ok"]) / len(leaks) if leaks else None,
        "holders": len(held),
        "holder_correct": sum(1 for r in held if r["holder_ok"]),
        "holder_accuracy": sum(1 for r in held if r["holder_ok"]) / len(held) if held else None,
        "iterations_measured_when_correct": _spread([r["iterations_measured"] for r in correct]),
        "iterations_run_when_correct": _spread([r["iterations_run"] for r in correct]),
        "wall_s": sum(r["wall_s"] for r in rows),
        "slowest": max(rows, key=lambda r: r["wall_s"])["name"],
    }


def score_set(set_name: str) -> dict[str, Any]:
    corpus = corpus_module()
    rows = [score_one(corpus, s) for s in corpus.load_scenarios(set_name)]
    return {"set": set_name, "summary": summarise(rows), "scenarios": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", required=True, choices=("tuning", "heldout"))
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    args = parser.parse_args(argv)
    result = score_set(args.set)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
