import subprocess
import sys
import textwrap
import tracemalloc

import pytest

from leaksleuth.capture import Capture
from leaksleuth.probe import BurstPlan, Probe, ProbeConfig
from leaksleuth.probe._signals import RssReader

_KEPT = []


def _leak() -> None:
    _KEPT.append(bytearray(512))


def test_probe_records_one_row_per_iteration_with_real_signals() -> None:
    probe = Probe()
    for _ in range(50):
        _leak()
        probe.tick()
    cap = probe.capture("t")
    probe.close()
    assert cap.iteration == list(range(1, 51))
    assert all(v > 0 for v in cap.signals["rss"])
    assert all(v > 0 for v in cap.signals["py_blocks"])
    assert cap.signals["wall"][0] >= 0
    assert cap.iterations_run == 50


class _SteppedClock:
    """Every reading advances 50 us (so a signal reading costs 50 us); the test adds
    each iteration's own time with ``work``."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 50e-6
        return self.now

    def work(self, seconds: float) -> None:
        self.now += seconds


def _budgeted_run(
    iterations: int, work: float, allowance: float, floor: int, closed: bool = False
) -> Capture:
    """A probe reading within 1% of the iterations' time, on a clock where each reading
    costs 50 us and each iteration ``work`` seconds. gc_budget=0: the gc object count
    (budgeted on its own) is taken once, at the start. ``closed``: the capture taken
    after the probe closed, as a watch's end takes it."""
    clock = _SteppedClock()
    config = ProbeConfig(
        record_budget=0.01, record_allowance=allowance, record_floor=floor, gc_budget=0
    )
    probe = Probe(config, clock=clock)
    for _ in range(iterations):
        clock.work(work)
        probe.tick()
    if closed:  # as a watch's end takes it
        probe.close()
        return probe.capture("t")
    cap = probe.capture("t")
    probe.close()
    return cap


def test_a_record_budget_reads_within_its_allowance_then_an_even_share_of_the_rest() -> None:
    cap = _budgeted_run(600, work=1e-3, allowance=0.005, floor=64)
    assert cap.iterations_run == 600
    # Readings of 50 us may take 5 ms plus 1% of the 0.6 s run: about 220 of them, the
    # first ones back to back, then one in five (1% of a 1 ms iteration is a fifth).
    assert cap.iteration[:100] == list(range(1, 101))
    assert 210 <= len(cap.iteration) <= 230
    tail = cap.iteration[-50:]
    assert {b - a for a, b in zip(tail, tail[1:])} <= {4, 5, 6}
    # A row's wall time is the mean over the iterations it stands for: 1 ms of work and
    # the clock's 50 us steps between ticks, never the cost of the readings skipped.
    assert all(abs(w - 1.05e-3) < 1e-4 for w in cap.signals["wall"][1:])


def test_a_record_budget_still_reads_every_floor_th_iteration_of_a_very_fast_loop() -> None:
    cap = _budgeted_run(320, work=1e-6, allowance=0.0, floor=16)
    assert len(cap.iteration) == 20
    assert {b - a for a, b in zip(cap.iteration, cap.iteration[1:])} == {16}


def test_closing_reads_the_last_iteration_that_the_budget_skipped() -> None:
    # Floor rows at 1, 17, ..., 321; the run ends at 330: the data must end there too,
    # with the mean time of the nine iterations the last row stands for.
    cap = _budgeted_run(330, work=1e-6, allowance=0.0, floor=16, closed=True)
    assert cap.iteration[-2:] == [321, 330]
    assert abs(cap.signals["wall"][-1] - (1e-6 + 50e-6)) < 1e-6


def test_burst_traces_only_its_window_and_restores_tracemalloc() -> None:
    assert not tracemalloc.is_tracing()
    probe = Probe()
    probe.start_burst(BurstPlan(windows=3, window=5))
    for _ in range(16):
        _leak()
        probe.tick()
    assert not probe.bursting
    assert not tracemalloc.is_tracing()
    cap = probe.capture("t")
    probe.close()
    (burst,) = cap.bursts
    assert burst.iterations == (1, 6, 11, 16)
    assert sum(cap.phase) == 16
    assert cap.segment[-1] == 0 and probe.capture("t").segment == cap.segment


def test_a_bursts_end_hook_runs_traced_and_its_after_hook_untraced_findings_merged() -> None:
    # The holder search needs tracemalloc's tracebacks; torch's snapshot call must not run
    # traced (on first use it imports much of torch: minutes under tracing on an H200).
    seen = []
    probe = Probe()

    def at_end(burst: object) -> dict:
        seen.append(("end", tracemalloc.is_tracing()))
        return {"holders": ["a"], "torch": {"tensor_groups": [1]}}

    def after() -> dict:
        seen.append(("after", tracemalloc.is_tracing()))
        return {"torch": {"gpu_window": {"iterations": 4}}}

    probe.on_burst_end = at_end
    probe.after_burst = after
    probe.start_burst(BurstPlan(windows=2, window=2))
    for _ in range(5):
        probe.tick()
    cap = probe.capture("t")
    probe.close()
    assert seen == [("end", True), ("after", False)]
    assert cap.retention == {
        "holders": ["a"],
        "torch": {"tensor_groups": [1], "gpu_window": {"iterations": 4}},
    }


def test_probe_leaves_a_programs_own_tracing_running() -> None:
    tracemalloc.start()
    try:
        probe = Probe()
        probe.start_burst(BurstPlan(windows=2, window=2))
        for _ in range(5):
            probe.tick()
        probe.close()
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_probe_failure_is_recorded_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: RssReader) -> float:
        raise OSError("statm vanished")

    probe = Probe()
    monkeypatch.setattr(RssReader, "__call__", broken)
    for _ in range(3):
        probe.tick()
    cap = probe.capture("t")
    probe.close()
    assert cap.iterations_run == 3
    assert cap.probe_errors == ["tick: OSError: statm vanished (x3)"]


def test_importing_and_watching_pulls_in_no_heavy_module() -> None:
    code = textwrap.dedent(
        """
        import sys, leaksleuth
        with leaksleuth.watch() as w:
            for _ in range(40):
                w.tick()
        w.report()
        heavy = [m for m in ("numpy", "rich", "jinja2", "psutil") if m in sys.modules]
        print(",".join(heavy))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
