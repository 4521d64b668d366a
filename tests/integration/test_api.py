"""The Python API end to end, on the real probe: check() and watch()."""

import gc
import math
from typing import List

import pytest

import leaksleuth
from leaksleuth import CheckOptions
from leaksleuth.probe import ProbeConfig

_KEPT: List[bytes] = []


def _leak() -> None:
    _KEPT.append(bytes(2048))


_LEAK_LINE = _leak.__code__.co_firstlineno + 1


@pytest.fixture(autouse=True)
def _clear() -> None:
    _KEPT.clear()


def test_check_calls_a_leak_and_names_its_line() -> None:
    report = leaksleuth.check(_leak, max_iterations=400)
    assert report.verdict.status == "leak"
    assert 1800 < report.verdict.bytes_per_iteration < 2600
    top = report.suspects[0]
    assert (top.file, top.line) == (__file__, _LEAK_LINE)
    assert top.share > 0.5


def test_check_of_a_steady_function_is_not_a_leak_and_stops_early() -> None:
    report = leaksleuth.check(lambda: sum(range(100)), max_iterations=1000)
    assert report.verdict.status in ("flat", "plateau")
    assert report.suspects == ()
    assert report.meta["iterations_run"] < 1000


def test_the_iterations_kept_for_a_burst_nothing_asks_for_are_measured() -> None:
    # 41 of 120 iterations are kept for the tracemalloc burst; a verdict that wants none
    # and has not settled (flat needs 200 iterations to stop early) measures them too.
    report = leaksleuth.check(lambda: None, max_iterations=120)
    assert report.verdict.status == "flat"
    assert report.meta["iterations_run"] == 120 == report.verdict.iterations_measured
    # Without attribution nothing is kept back: the same budget, measured whole.
    plain = leaksleuth.check(lambda: None, max_iterations=120,
                             options=CheckOptions(attribution=False))  # fmt: skip
    assert plain.meta["iterations_run"] == 120


def test_check_passes_arguments_through() -> None:
    seen: List[int] = []
    leaksleuth.check(seen.append, 7, max_iterations=30, options=CheckOptions(attribution=False))
    assert set(seen) == {7} and len(seen) == 30


def test_a_target_that_raises_keeps_the_iterations_measured_before() -> None:
    calls = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 25:
            raise ValueError("bad frame")

    report = leaksleuth.check(flaky, max_iterations=100)
    failure = report.target_failure
    assert failure is not None
    assert (failure.iteration, failure.type, failure.message) == (25, "ValueError", "bad frame")
    assert report.iterations[-1] == 24


# These loops do almost nothing, so no fraction of their time affords an interim analysis
# (the default is 1%) or reading the signals at every iteration (0.5%); unlimited budgets
# let them look at every checkpoint and read every iteration.
_EAGER = CheckOptions(analysis_budget=1e9, probe=ProbeConfig(record_budget=math.inf))


def test_watch_with_iteration_blocks_finds_the_leak_and_its_site() -> None:
    with leaksleuth.watch("loop", options=_EAGER) as w:
        for _ in range(400):
            with w.iteration():
                _leak()
    report = w.report()
    assert report.verdict.status == "leak"
    assert (report.suspects[0].file, report.suspects[0].line) == (__file__, _LEAK_LINE)


def test_a_short_fast_loop_cannot_afford_the_gc_passes_a_leak_verdict_needs() -> None:
    # 300 iterations of a few microseconds: 0.3% of that pays for one full gc pass at
    # most, so the retained levels cannot confirm the rise and the verdict waits. (On a
    # heap that earlier tests left bigger, each reading costs more and the budget's
    # readings run short first: the verdict waits for those then.)
    with leaksleuth.watch() as w:
        for _ in range(300):
            _leak()
            w.tick()
    report = w.report()
    assert report.verdict.status == "inconclusive"
    reason = report.verdict.reason
    assert "levels after full gc passes" in reason or "readings after warm-up" in reason
    assert report.suspects == ()


def test_watch_with_ticks_of_a_steady_loop_is_not_a_leak() -> None:
    # Iterations of microseconds: the reading budget reads every 64th (the floor), so
    # 3,000 of them give the verdict its readings whatever a reading costs on this heap.
    with leaksleuth.watch() as w:
        for i in range(3000):
            str(i) * 10
            w.tick()
    assert w.report().verdict.status in ("flat", "plateau")


def test_watch_survives_a_failing_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    import leaksleuth._api as api

    real = api.build_report
    calls = {"n": 0}

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("analysis bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "build_report", broken)
    with leaksleuth.watch(options=_EAGER) as w:
        for _ in range(60):
            w.tick()
    assert any("RuntimeError: analysis bug" in e for e in w.report().probe_errors)


def test_watch_leaves_a_disabled_gc_disabled() -> None:
    gc.disable()
    try:
        with leaksleuth.watch() as w:
            for _ in range(60):
                w.tick()
        assert not gc.isenabled()
        assert "disabled the gc" in " ".join(w.report().notes)
    finally:
        gc.enable()
