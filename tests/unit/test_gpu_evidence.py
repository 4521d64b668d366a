"""Series recorded on a real GPU (tests/data/gpu, see its README), judged again today.

The kept-tensors program keeps one 1 MiB CUDA tensor per iteration. On an H100 two fresh
runs of it produced the two reports below: one was called a leak, the other a plateau
("garbage waiting for the collector") although its own ``gpu_allocated`` row rose
1.00 MiB per iteration. Both series must now give the same answer: a GPU leak.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from leaksleuth.analysis import build_report
from leaksleuth.capture import Capture

DATA = Path(__file__).resolve().parent.parent / "data" / "gpu"
MIB = 2**20


def _replay(name: str) -> Capture:
    data = json.loads((DATA / name).read_text())
    cap = Capture(target=data["target"])
    cap.iteration = list(data["iterations"])
    cap.phase = list(data["phase"])
    cap.segment = [0] * len(cap.iteration)
    for signal, values in data["series"].items():
        cap.signals[signal] = [math.nan if v is None else float(v) for v in values]
    return cap


@pytest.mark.parametrize(
    "name", ["kept-tensors-called-plateau.json", "kept-tensors-called-leak.json"]
)
def test_kept_cuda_tensors_are_a_gpu_leak_in_both_recorded_runs(name: str) -> None:
    report = build_report(_replay(name))
    verdict = report.verdict
    assert verdict.status == "leak", verdict.reason
    assert verdict.kind == "gpu"
    assert verdict.basis == "gpu_allocated"
    assert 0.99 * MIB <= verdict.bytes_per_iteration <= 1.01 * MIB
    assert "garbage" not in verdict.reason
    gpu = {p.name: p for p in report.memory}["gpu_allocated"]
    assert gpu.status == "leak"
