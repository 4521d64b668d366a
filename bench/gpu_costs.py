"""GPU diagnostics, for a machine with CUDA (about 2.5 minutes):

    PYTHONPATH=src python3 bench/gpu_costs.py [cuda|cpu]

What one probe reading costs, signal by signal, before and after the process starts
CUDA, and a whole ``Probe`` reading; then a stack-sampling profile of bench/gpu.py's
``kept`` case (where the check spends its time), written every 10 s to
``$OUT/profile.txt`` (or /tmp/profile.txt), so that a run stopped at its time limit
still leaves one. The costs go to ``costs.json`` beside it.
"""

from __future__ import annotations

import collections
import gc
import json
import os
import sys
import threading
import time
import traceback
from typing import Any, Callable, Dict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
sys.path.insert(0, HERE)
OUT = os.environ.get("OUT", "/tmp")


def per_call_us(fn: Callable[[], Any], n: int = 2000) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


def signal_costs() -> Dict[str, float]:
    from leaksleuth.probe._gpu import GpuReader
    from leaksleuth.probe._signals import MallocReader, RssReader

    gpu = GpuReader(per_iteration=float("inf"))
    return {
        "rss_us": per_call_us(RssReader()),
        "mallinfo2_us": per_call_us(MallocReader()),
        "getallocatedblocks_us": per_call_us(sys.getallocatedblocks),
        "listdir_fd_us": per_call_us(lambda: os.listdir("/proc/self/fd"), 200),
        "gc_get_count_us": per_call_us(gc.get_count),
        "gpu_torch_us": per_call_us(lambda: gpu.torch_memory(1)),
        "threads": threading.active_count(),
    }


def probe_reading_us(n: int = 2000) -> float:
    from leaksleuth.probe._probe import Probe

    probe = Probe()
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        probe._read(i, 0)
    cost = (time.perf_counter() - t0) / n * 1e6
    probe.close()
    return cost


class Sampler:
    """Every 50 ms, the stacks of the other threads: innermost lines and every function."""

    def __init__(self) -> None:
        self.leaf: collections.Counter[str] = collections.Counter()
        self.cumulative: collections.Counter[str] = collections.Counter()
        self.stop = threading.Event()
        self.main = threading.main_thread().ident
        self.threads = [
            threading.Thread(target=self._sample, daemon=True),
            threading.Thread(target=self._dump_every, args=(10.0,), daemon=True),
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        self.dump()

    def _sample(self) -> None:
        me = threading.get_ident()
        while not self.stop.wait(0.05):
            for tid, frame in sys._current_frames().items():
                stack = traceback.extract_stack(frame)
                if tid == me or not stack:
                    continue
                names = {f"{os.path.basename(f.filename)}:{f.name}" for f in stack}
                last = stack[-1]
                where = f"{os.path.basename(last.filename)}:{last.name}:{last.lineno}"
                self.leaf[f"[main={tid == self.main}] {where}"] += 1
                self.cumulative.update(names)

    def _dump_every(self, seconds: float) -> None:
        while not self.stop.wait(seconds):
            self.dump()

    def dump(self) -> None:
        with open(os.path.join(OUT, "profile.txt"), "w", encoding="utf-8") as f:
            f.write("LEAF\n")
            f.writelines(f"{c:6d} {k}\n" for k, c in self.leaf.most_common(40))
            f.write("CUMULATIVE\n")
            f.writelines(f"{c:6d} {k}\n" for k, c in self.cumulative.most_common(80))


def main() -> int:
    device = sys.argv[1] if len(sys.argv) > 1 else "cuda"
    os.environ.setdefault("LEAKSLEUTH_BENCH_DEVICE", device)
    import torch

    import gpu as bench_gpu
    import leaksleuth

    costs: Dict[str, Any] = {"before_cuda": signal_costs()}
    model = torch.nn.Linear(1024, 1024).to(device)
    x = torch.randn(128, 1024, device=device)
    for _ in range(50):
        model(x).pow(2).mean().backward()
    if device == "cuda":
        torch.cuda.synchronize()
    costs["after_cuda"] = signal_costs()
    costs["probe_reading_us"] = probe_reading_us()
    print(json.dumps(costs, indent=1), flush=True)
    with open(os.path.join(OUT, "costs.json"), "w", encoding="utf-8") as f:
        json.dump(costs, f, indent=1)

    sampler = Sampler()
    sampler.start()
    t0 = time.perf_counter()
    result = bench_gpu.case_kept(torch, leaksleuth)
    sampler.finish()
    seconds = time.perf_counter() - t0
    print("kept", round(seconds, 1), result["status"], result["kind"], result["ok"], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
