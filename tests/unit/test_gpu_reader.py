"""The GPU readers: NaN without a GPU, and on a (stand-in) CUDA device, cheap readings
whose one-off start-up never starves the probe's other readings.

No GPU is at hand in CI, so the device is a stand-in module registered as ``torch``: it
answers ``torch.cuda.is_initialized()`` and ``torch._C._cuda_memoryStats()`` (the nested
layout torch returns) and advances a fake clock by what the call costs on a real GPU. The
figures (a first call of half a second, 100 us after it) are of the order measured on an
H100 (tests/data/gpu/README.md). The real device is exercised by bench/gpu.py.
"""

from __future__ import annotations

import math
import sys
import types
from typing import Any, Dict, List

import pytest

from leaksleuth.probe import Probe, ProbeConfig
from leaksleuth.probe._gpu import TORCH_PER_ITERATION, GpuReader

MIB = 2**20


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class StandInCuda:
    """torch.cuda and torch._C as far as the readers use them."""

    def __init__(self, clock: Clock, first: float = 0.5, each: float = 100e-6) -> None:
        self.clock, self.first, self.each = clock, first, each
        self.calls = 0
        self.allocated = 0

    def is_initialized(self) -> bool:
        return True

    def current_device(self) -> int:
        return 0

    def memory_stats(self, device: int) -> Dict[str, Any]:
        self.clock.now += self.first if self.calls == 0 else self.each
        self.calls += 1
        return {
            "allocated_bytes": {"all": {"current": self.allocated}},
            "reserved_bytes": {"all": {"current": 2 * MIB + self.allocated}},
        }


@pytest.fixture
def device(monkeypatch: pytest.MonkeyPatch) -> StandInCuda:
    clock = Clock()
    cuda = StandInCuda(clock)
    torch = types.ModuleType("torch")
    torch.cuda = cuda  # type: ignore[attr-defined]
    torch._C = types.SimpleNamespace(_cuda_memoryStats=cuda.memory_stats)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.delitem(sys.modules, "pynvml", raising=False)
    return cuda


def test_without_cuda_in_use_the_gpu_signals_are_missing_and_nothing_is_imported() -> None:
    before = set(sys.modules)
    reader = GpuReader()
    allocated, reserved = reader.torch_memory(1)
    assert math.isnan(allocated) and math.isnan(reserved)
    assert math.isnan(reader.process_memory(elapsed=10.0))
    assert set(sys.modules) == before


def test_torch_readings_come_from_one_nested_statistics_call(device: StandInCuda) -> None:
    device.allocated = 3 * MIB
    reader = GpuReader(clock=device.clock)
    assert reader.torch_memory(1) == (3.0 * MIB, 5.0 * MIB)
    assert device.calls == 1  # both figures from one call, no flattened dictionary


def test_torch_readings_cost_ten_microseconds_per_iteration_amortised(
    device: StandInCuda,
) -> None:
    reader = GpuReader(clock=device.clock)
    n = 2000
    read = [not math.isnan(reader.torch_memory(i)[0]) for i in range(1, n + 1)]
    # The start-up (half a second) is not charged; the rest stays within the allowance.
    assert reader.torch_cost <= TORCH_PER_ITERATION * n + device.each
    assert reader.torch_cost >= TORCH_PER_ITERATION * n - device.each
    # The readings that are taken fall evenly: one every 10 iterations at 100 us each.
    taken = [i for i, ok in enumerate(read, 1) if ok]
    gaps = {b - a for a, b in zip(taken[2:], taken[3:])}
    assert gaps == {10}


def _rows(probe: Probe, clock: Clock, n: int, device: StandInCuda | None) -> List[int]:
    for _ in range(n):
        clock.now += 0.020  # a 20 ms training step
        if device is not None:
            device.allocated += MIB  # each step keeps a 1 MiB tensor
        probe.tick()
    return probe.capture("t").iteration


def test_a_gpu_program_is_read_as_densely_as_a_cpu_one(device: StandInCuda) -> None:
    # Budgeted as watch() and run read: the GPU's start-up must not spend the budget.
    config = ProbeConfig(record_budget=0.005)
    cpu_clock = Clock()
    sys.modules["torch"].cuda.is_initialized = lambda: False  # type: ignore[attr-defined]
    cpu_rows = _rows(Probe(config, cpu_clock), cpu_clock, 300, None)
    sys.modules["torch"].cuda.is_initialized = lambda: True  # type: ignore[attr-defined]
    probe = Probe(config, device.clock)
    gpu_rows = _rows(probe, device.clock, 300, device)
    assert len(gpu_rows) >= 290
    assert len(gpu_rows) >= len(cpu_rows) - 2
    cap = probe.capture("t")
    gpu = [(it, v) for it, v in zip(cap.iteration, cap.signals["gpu_allocated"]) if v == v]
    assert len(gpu) >= 30  # 100 us each within 10 us per iteration: one in ten steps
    # Each reading is the device's figure at that step: 1 MiB kept per step.
    assert all(v == it * MIB for it, v in gpu)
