"""The scenario corpus: every scenario's verdict, for leaks the top-1 allocation site, and
for Python-level leaks the object that holds them.

Two sets, scored apart: thresholds may be tuned on "tuning"; nobody tunes on "heldout",
which measures how the tuning generalises (docs/benchmarks.md gives both). Each set runs
once, in a fresh interpreter, as the benchmark runs it: the heap this test process has
grown over the whole suite (hundreds of thousands of objects) belongs to no scenario, and
the holder search's time budget would be spent on it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.scenarios._corpus import Scenario, load_scenarios

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Each set's least size: (scenarios, leaks, non-leaks, leaks with a declared holder).
SIZES = {"tuning": (22, 10, 9, 10), "heldout": (20, 10, 8, 10)}
CORPUS = {set_name: load_scenarios(set_name) for set_name in SIZES}
SCENARIOS = [s for scenarios in CORPUS.values() for s in scenarios]
LEAKS = [s for s in SCENARIOS if s.is_leak]
_SCORES: dict[str, dict[str, dict[str, Any]]] = {}


def scores(set_name: str) -> dict[str, dict[str, Any]]:
    """Every scenario of the set, run and judged in a fresh interpreter, by id."""
    if set_name not in _SCORES:
        done = subprocess.run(
            [sys.executable, "-m", "tests.scenarios._corpus", set_name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        # A scenario may print too: the scores are the lines that are JSON objects.
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        _SCORES[set_name] = {row["id"]: row for row in rows}
    return _SCORES[set_name]


def score_of(scenario: Scenario) -> dict[str, Any]:
    return scores(scenario.set_name)[scenario.id]


@pytest.mark.parametrize("set_name", SIZES)
def test_each_set_covers_leaks_and_non_leaks(set_name: str) -> None:
    scenarios, leaks, non_leaks, held = SIZES[set_name]
    found = CORPUS[set_name]
    found_leaks = [s for s in found if s.is_leak]
    assert len(found) >= scenarios
    assert len(found_leaks) >= leaks
    assert len(found) - len(found_leaks) >= non_leaks
    assert len([s for s in found_leaks if s.holder is not None]) >= held


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_verdict_matches_ground_truth(scenario: Scenario) -> None:
    row = score_of(scenario)
    assert row["verdict_ok"], row["explanation"]


@pytest.mark.parametrize("scenario", LEAKS, ids=lambda s: s.id)
def test_leak_top_suspect_is_the_marked_site(scenario: Scenario) -> None:
    row = score_of(scenario)
    assert row["site_ok"], row["explanation"]


@pytest.mark.parametrize("set_name", SIZES)
def test_each_set_names_the_holder_of_its_python_level_leaks(set_name: str) -> None:
    # The target of issue 3: the holder is named for at least 90% of the Python-level leaks
    # of each set. Each miss is listed; docs/benchmarks.md gives the per-scenario table.
    held = [s for s in CORPUS[set_name] if s.is_leak and s.holder is not None]
    misses = [score_of(s)["explanation"] for s in held if not score_of(s)["holder_ok"]]
    assert len(misses) <= 0.1 * len(held), "\n\n".join(misses)
