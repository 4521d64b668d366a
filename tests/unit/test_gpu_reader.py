"""The GPU readers without a GPU: NaN, and nothing imported."""

from __future__ import annotations

import math
import sys

from leaksleuth.probe._gpu import GpuReader


def test_without_cuda_in_use_the_gpu_signals_are_missing_and_nothing_is_imported() -> None:
    before = set(sys.modules)
    reader = GpuReader()
    allocated, reserved = reader.torch_memory()
    assert math.isnan(allocated) and math.isnan(reserved)
    assert math.isnan(reader.process_memory(elapsed=10.0))
    assert set(sys.modules) == before
