import subprocess
import sys
import textwrap
import tracemalloc

import pytest

from leaksleuth.probe import BurstPlan, Probe
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
