"""The GPU signals on a real CUDA device: one short script for a machine with a GPU.

    PYTHONPATH=src python3 bench/gpu.py [--out gpu.json]

Needs torch with CUDA (and, for the per-process reading, nvidia-ml-py); leaksleuth itself
needs only psutil, so it runs from the source tree. Three checks, about a minute in all:

1. CUDA tensors kept per iteration (1 MiB each) -> ``leak`` of kind ``gpu``, growth near
   1 MiB per iteration, the suspect at the line that keeps the tensor.
2. The caching allocator filling up: a tensor of a growing size made and dropped each
   iteration, up to 32 MiB -> what torch reserves grows and stays, the bytes in tensors
   stay flat -> not called a GPU leak (the verdict may still see the CPU side move).
3. NVML's per-process reading (``gpu_process``) has values once CUDA is in use, when
   nvidia-ml-py is installed.

Prints one JSON object; exit status 0 when every expectation held, 1 when one did not,
4 when there is no CUDA device here (nothing was checked).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
from typing import Any, Dict, List, Tuple

import leaksleuth

MIB = 2**20
_KEPT: List[Any] = []


def _keep(torch: Any) -> None:
    _KEPT.append(torch.empty(MIB // 4, dtype=torch.float32, device="cuda"))  # the leak


class _Fill:
    """A scratch tensor of a growing size, dropped at once: the allocator's cache grows."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, torch: Any) -> None:
        self.calls += 1
        size = min(self.calls, 32) * MIB // 4
        scratch = torch.ones(size, dtype=torch.float32, device="cuda")
        float(scratch.sum())  # used, then dropped


def _values(report: leaksleuth.Report, signal: str) -> List[float]:
    series = report.to_dict()["series"].get(signal) or []
    return [x for x in series if x is not None and not math.isnan(x)]


def _tensors_kept(torch: Any) -> Tuple[Dict[str, Any], leaksleuth.Report]:
    try:
        report = leaksleuth.check(_keep, torch, max_iterations=400)
    finally:
        _KEPT.clear()
    v = report.verdict
    line = _keep.__code__.co_firstlineno + 1
    top = report.suspects[0] if report.suspects else None
    gpu = {p.name: p.per_iteration for p in report.memory}.get("gpu_allocated", math.nan)
    return {
        "status": v.status,
        "kind": v.kind,
        "bytes_per_iteration": v.bytes_per_iteration,
        "gpu_allocated_per_iteration": gpu,
        "top_suspect": f"{top.file}:{top.line}" if top else None,
        "iterations": v.iterations_measured,
        "ok": v.status == "leak"
        and v.kind == "gpu"
        and 0.8 * MIB <= gpu <= 1.2 * MIB
        and top is not None
        and (top.file, top.line) == (__file__, line),
    }, report


def _cache_fill(torch: Any) -> Dict[str, Any]:
    report = leaksleuth.check(_Fill(), torch, max_iterations=400)
    v = report.verdict
    reserved = _values(report, "gpu_reserved")
    allocated = _values(report, "gpu_allocated")
    parts = {p.name: p.status for p in report.memory}
    return {
        "status": v.status,
        "kind": v.kind,
        "reason": v.reason,
        "parts": parts,
        "reserved_first_last": [reserved[0], reserved[-1]] if reserved else None,
        "allocated_max": max(allocated) if allocated else None,
        "ok": v.kind != "gpu"
        and parts.get("gpu_allocated") in ("flat", "plateau")
        and parts.get("gpu_reserved") in ("flat", "plateau")
        and len(reserved) > 1
        and reserved[-1] - reserved[0] >= 16 * MIB,  # the cache did grow meanwhile
    }


def _nvml(report: leaksleuth.Report) -> Dict[str, Any]:
    """NVML's readings in a run that used CUDA (the tensors-kept one)."""
    installed = importlib.util.find_spec("pynvml") is not None
    values = _values(report, "gpu_process")
    return {
        "pynvml_installed": installed,
        "readings": len(values),
        "last_bytes": values[-1] if values else None,
        "ok": (not installed) or (len(values) > 0 and values[-1] > 0),
    }


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print(json.dumps({"cuda": False, "why": "torch is not installed"}))
        return 4
    if not torch.cuda.is_available():
        print(json.dumps({"cuda": False, "why": "torch sees no CUDA device"}))
        return 4
    torch.cuda.init()  # type: ignore[no-untyped-call]
    kept, report = _tensors_kept(torch)
    result: Dict[str, Any] = {
        "cuda": True,
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "tensors_kept": kept,
        "nvml": _nvml(report),
        "cache_fill": _cache_fill(torch),
    }
    result["ok"] = all(result[k]["ok"] for k in ("tensors_kept", "cache_fill", "nvml"))
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
