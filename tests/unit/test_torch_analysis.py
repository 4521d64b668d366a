"""torch's memory told apart, from recorded data: the CUDA allocator history's snapshot
(in the layout torch documents for ``torch.cuda.memory._snapshot()``) and the
``gpu_allocated``/``gpu_reserved`` series."""

from __future__ import annotations

import math
import random
from typing import Any, Dict, List

from leaksleuth.analysis import build_report
from leaksleuth.capture import Capture
from leaksleuth.probe._torch import alive_by_stack

MIB = 2**20
TORCH = "/usr/lib/python3/site-packages/torch/nn/modules/linear.py"
USER = "/home/me/train.py"


def _block(size: int, frames: List[Dict[str, Any]], state: str = "active_allocated") -> Dict:
    return {"size": size, "requested_size": size, "address": 0, "state": state, "frames": frames}


def _snapshot(window: int) -> Dict[str, Any]:
    forward = [
        {"filename": TORCH, "line": 125, "name": "forward"},
        {"filename": USER, "line": 20, "name": "train_step"},
        {"filename": USER, "line": 40, "name": "main"},
    ]
    keep = [{"filename": USER, "line": 24, "name": "train_step"}]
    blocks = [_block(MIB, forward) for _ in range(window)]  # one kept per iteration
    blocks += [_block(4096, keep) for _ in range(2 * window)]
    blocks.append(_block(8 * MIB, [{"filename": USER, "line": 31, "name": "setup"}]))  # once
    blocks.append(_block(MIB, forward, state="inactive"))  # freed, cached
    blocks.append(_block(64 * MIB, []))  # allocated before the history started
    return {"segments": [{"device": 0, "blocks": blocks}], "device_traces": []}


def _capture(n: int = 300) -> Capture:
    rng = random.Random(3)
    cap = Capture(target="synthetic")
    cap.iteration = list(range(1, n + 1))
    cap.phase = [0] * n
    cap.segment = [0] * n
    cap.signals["wall"] = [0.02] * n
    cap.signals["rss"] = [2e9 + rng.choice((0, 4096)) for _ in range(n)]
    cap.signals["py_blocks"] = [3e5 + rng.randint(-3, 3) for _ in range(n)]
    cap.signals["malloc"] = [4e8 + rng.randint(-64, 64) for _ in range(n)]
    for name in ("traced", "gc_objects", "gpu_process"):
        cap.signals[name] = [math.nan] * n
    return cap


def test_alive_blocks_are_grouped_by_stack_and_only_those_the_history_saw() -> None:
    stacks = alive_by_stack(_snapshot(20))
    assert [(s["blocks"], s["bytes"]) for s in stacks] == [
        (20, 20 * MIB),
        (1, 8 * MIB),
        (40, 40 * 4096),
    ]
    assert stacks[0]["frames"][0] == [TORCH, 125, "forward"]


def test_gpu_sites_name_the_users_line_at_bytes_per_iteration() -> None:
    cap = _capture()
    cap.retention = {
        "torch": {"gpu_window": {"iterations": 20, "stacks": alive_by_stack(_snapshot(20))}}
    }
    sites = build_report(cap).gpu
    # The one-off 8 MiB buffer is no leak: fewer blocks than half the window's iterations.
    assert [(s.file, s.line) for s in sites] == [(USER, 20), (USER, 24)]
    assert sites[0].bytes_per_iteration == MIB
    assert sites[0].blocks_per_iteration == 1.0
    assert sites[0].function == "train_step"
    assert sites[0].python == (f"{USER}:20", f"{USER}:40")
    assert sites[1].bytes_per_iteration == 2 * 4096


def test_a_reserve_that_keeps_growing_over_flat_tensors_is_fragmentation() -> None:
    cap = _capture()
    cap.signals["gpu_allocated"] = [500.0 * MIB] * len(cap.iteration)
    cap.signals["gpu_reserved"] = [600.0 * MIB + 2 * MIB * i for i in cap.iteration]
    report = build_report(cap)
    assert report.verdict.status != "leak"  # the program's tensors do not grow
    (story,) = report.diagnoses
    assert story.pattern == "allocator_fragmentation"
    assert "expandable_segments" in story.fix
    assert "2.00 MiB per iteration" in story.evidence


def test_a_reserve_that_filled_once_is_the_allocators_cache() -> None:
    cap = _capture()
    cap.signals["gpu_allocated"] = [500.0 * MIB] * len(cap.iteration)
    cap.signals["gpu_reserved"] = [600.0 * MIB + 4 * MIB * min(i, 50) for i in cap.iteration]
    report = build_report(cap)
    assert report.verdict.status in ("flat", "plateau")
    (story,) = report.diagnoses
    assert story.pattern == "allocator_cache"
    assert "not a leak" in story.summary


def test_growing_tensors_are_no_allocator_story() -> None:
    cap = _capture()
    cap.signals["gpu_allocated"] = [500.0 * MIB + MIB * i for i in cap.iteration]
    cap.signals["gpu_reserved"] = [600.0 * MIB + MIB * i for i in cap.iteration]
    report = build_report(cap)
    assert report.verdict.status == "leak" and report.verdict.kind == "gpu"
    assert report.diagnoses == ()


def test_kept_cuda_tensors_are_told_at_the_line_whose_blocks_stay_alive() -> None:
    cap = _capture()
    cap.signals["gpu_allocated"] = [500.0 * MIB + MIB * i for i in cap.iteration]
    cap.signals["gpu_reserved"] = [600.0 * MIB + MIB * i for i in cap.iteration]
    group = {"group": "float32[262144] on cuda:0", "before": 100, "after": 120,
             "bytes_each": MIB, "with_graph": False}  # fmt: skip
    cpu = dict(group, group="float32[262144] on cpu", before=5, after=25)
    cap.retention = {
        "torch": {
            "iterations": 20,
            "tensor_groups": [group, cpu],
            "gpu_window": {"iterations": 20, "stacks": alive_by_stack(_snapshot(20))},
        }
    }
    report = build_report(cap)
    assert report.verdict.status == "leak"
    kept = [d for d in report.diagnoses if d.pattern == "kept_tensors"]
    # 1 MiB per iteration of CUDA tensors: line 20's blocks, not line 24's 8 KiB.
    assert [d.where for d in kept] == ["train.py:20", ""]  # no CUDA history for CPU ones
