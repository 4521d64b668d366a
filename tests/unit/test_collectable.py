"""Growth that full gc passes take back (cyclic garbage in the oldest generation)."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import List, Tuple

from leaksleuth.analysis import build_report
from leaksleuth.capture import Capture

N = 300


def _capture(blocks_rate: float, live_rate: float, rss_rate: float = 0.0) -> Capture:
    """Blocks climb at ``blocks_rate``; a full gc pass would leave ``live_rate`` of it."""
    rng = random.Random(7)
    cap = Capture(target="synthetic")
    cap.iteration = list(range(1, N + 1))
    cap.phase = [0] * N
    cap.segment = [0] * N
    cap.signals["wall"] = [0.001] * N
    cap.signals["rss"] = [50e6 + rss_rate * i + rng.choice((0, 4096)) for i in cap.iteration]
    cap.signals["py_blocks"] = [1e5 + blocks_rate * i + rng.randint(-3, 3) for i in cap.iteration]
    cap.signals["malloc"] = [8e6 + rng.randint(-64, 64) for _ in cap.iteration]
    cap.signals["traced"] = [math.nan] * N
    cap.signals["gc_objects"] = [math.nan] * N
    settled: List[Tuple[float, ...]] = []
    for it in (0, 20, 40, 80, 160, N):
        settled.append((float(it), 50e6 + rss_rate * it, 1e5 + live_rate * it, 8e6))
    cap.settled = settled
    return cap


def test_growth_that_full_gc_passes_free_is_not_a_leak() -> None:
    report = build_report(_capture(blocks_rate=2.0, live_rate=0.0))
    assert report.verdict.status == "flat"
    assert "garbage waiting for the collector" in report.verdict.reason


def test_growth_that_survives_full_gc_passes_stays_a_leak() -> None:
    report = build_report(_capture(blocks_rate=2.0, live_rate=2.0))
    assert report.verdict.status == "leak"


def test_growth_half_kept_after_gc_passes_stays_a_leak() -> None:
    report = build_report(_capture(blocks_rate=2.0, live_rate=1.2))
    assert report.verdict.status == "leak"


def test_rss_rise_larger_than_the_garbage_could_hold_stays_a_leak() -> None:
    # 2 blocks of garbage per iteration can occupy at most 1 KiB; RSS climbs 8 KiB.
    report = build_report(_capture(blocks_rate=2.0, live_rate=0.0, rss_rate=8192.0))
    assert report.verdict.status == "leak"


def test_growth_no_post_gc_level_covers_is_not_yet_a_leak() -> None:
    cap = _capture(blocks_rate=2.0, live_rate=2.0)
    cap.settled = cap.settled[:3]  # levels up to iteration 40 of 300
    verdict = build_report(cap).verdict
    assert verdict.status == "inconclusive"
    assert "levels after full gc passes" in verdict.reason


def test_post_gc_levels_survive_a_save_and_load(tmp_path: Path) -> None:
    cap = _capture(blocks_rate=2.0, live_rate=0.0)
    cap.save(tmp_path / "c.json")
    assert Capture.load(tmp_path / "c.json").settled == cap.settled
