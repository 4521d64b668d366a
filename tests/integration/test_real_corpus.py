"""The real-library corpus: correct code that uses real libraries is never called a leak,
and real leaks are, at their line.

The whole corpus (every workload, five times, each in a fresh interpreter, with the peers
beside it) is the benchmark's (``bench/realcorpus.py``, docs/benchmarks.md). Here, every
workload is checked for a well-formed, measured ground truth, and a fixed subset runs
under ``check()`` with its default options: false alarms issue 10 reported (a small
``asyncio.gather`` per ``asyncio.run``, 300 patterns through ``re.compile``), caches that
fill over hundreds of iterations (numpy shapes, lxml, regex, urllib), gc garbage, and
leaks of each kind (slow ones under 100 bytes per iteration, native ones, a library's
own: click's ``CliRunner``). The subset spans both sets (the held-out one is run here,
never tuned on) and keeps to workloads of a few seconds; the slow ones (matplotlib,
torch, pandas) run in the benchmark.
"""

from __future__ import annotations

import ast
import os

import pytest

from leaksleuth import Report
from tests.scenarios._corpus import (
    Scenario,
    explain,
    find_site_lines,
    load_scenarios,
    run_in_fresh_interpreters,
    site_matches,
)

CORPUS = {name: load_scenarios(name) for name in ("real", "real_heldout")}
ALL = [s for scenarios in CORPUS.values() for s in scenarios]
REPLAYS = os.path.join(os.path.dirname(__file__), os.pardir, "scenarios", "replays")

SUBSET = {
    "real": (
        "ok_std_asyncio_gather",
        "ok_std_re_compile_cycle",
        "ok_std_gc_tree_cycles",
        "ok_std_lru_cache_bounded",
        "ok_std_urlparse_config",
        "ok_lib_numpy_varying_shapes",
        "ok_lib_lxml_feed_xpath",
        "ok_lib_regex_redact",
        "leak_logger_per_request",
        "leak_warnings_registry",
        "leak_click_clirunner",
        "leak_recent_ids_deque",
        "leak_pillow_thumbnails",
    ),
    "real_heldout": (
        "ok_std_sqlite_bounded",
        "ok_lib_numpy_big_buffers",
        "leak_latency_list",
        "leak_numpy_view_base",
    ),
}
CHOSEN = [s for s in ALL if s.name in SUBSET[s.set_name]]
_REPORTS: dict[str, Report] = {}


def report_for(scenario: Scenario) -> Report:
    if not _REPORTS:  # all at first use, two interpreters at a time
        _REPORTS.update(run_in_fresh_interpreters(CHOSEN))
    return _REPORTS[scenario.id]


def test_the_corpus_is_as_large_and_varied_as_issue_10_asks() -> None:
    correct = [s for s in ALL if not s.is_leak]
    leaks = [s for s in ALL if s.is_leak]
    libraries = {lib for s in ALL for lib in s.libraries}
    assert len(correct) >= 60 and len(leaks) >= 20
    assert len(libraries) >= 25, sorted(libraries)
    held = CORPUS["real_heldout"]
    assert len(ALL) / 4 <= len(held) <= len(ALL) / 2
    assert any(s.is_leak for s in held) and any(not s.is_leak for s in held)


def test_every_subset_workload_exists() -> None:
    found = {(s.set_name, s.name) for s in CHOSEN}
    wanted = {(set_name, name) for set_name, names in SUBSET.items() for name in names}
    assert found == wanted


def test_every_replay_pins_a_leaking_and_a_fixed_release_and_links_its_tracker() -> None:
    names = [n for n in os.listdir(REPLAYS) if n.endswith(".py") and not n.startswith("_")]
    assert len(names) >= 8
    for name in names:
        path = os.path.join(REPLAYS, name)
        values = _constants(path)
        assert values.get("LEAKY") and values.get("FIXED"), name
        assert str(values.get("TRACKER", "")).startswith("https://"), name
        assert str(values.get("GROUND_TRUTH_LEAKY", "")).startswith("leak"), name
        assert str(values.get("GROUND_TRUTH_FIXED", "")).startswith("settled"), name
        assert len(find_site_lines(path)) == 1, name


def _constants(path: str) -> dict[str, object]:
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id
        in ("LEAKY", "FIXED", "TRACKER", "GROUND_TRUTH_LEAKY", "GROUND_TRUTH_FIXED")
    }


@pytest.mark.parametrize("scenario", CHOSEN, ids=lambda s: s.id)
def test_real_workload_verdict_matches_its_measured_truth(scenario: Scenario) -> None:
    report = report_for(scenario)
    assert report.verdict.status in scenario.expect, explain(report, scenario)


@pytest.mark.parametrize("scenario", [s for s in CHOSEN if s.is_leak], ids=lambda s: s.id)
def test_real_leak_top_suspect_is_the_marked_line(scenario: Scenario) -> None:
    report = report_for(scenario)
    assert site_matches(report, scenario), explain(report, scenario)
