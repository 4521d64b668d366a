"""GPU memory: what torch's CUDA allocator holds, and what the driver says the process uses.

Nothing here imports anything. The readers look only at modules the program already
imported: torch, once the program has initialised CUDA (``torch.cuda.is_initialized()``),
and NVML through ``pynvml`` (nvidia-ml-py), once the program imported it or CUDA is in use
and it is installed. Without a GPU, or without torch, every reading is NaN and costs a
dictionary lookup.

- ``gpu_allocated``: bytes in live tensors (``torch.cuda.memory_allocated()``). This grows
  when tensors are kept: a GPU leak.
- ``gpu_reserved``: bytes the caching allocator holds (``torch.cuda.memory_reserved()``).
  It grows to a high-water mark and stays there: that is the cache, not a leak.
- ``gpu_process``: bytes NVML reports for this process on its devices (includes the CUDA
  context and other libraries' allocations), sampled within a time budget.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import Any, Tuple

from leaksleuth.probe._signals import TimeBudget


def _cuda_in_use() -> Any:
    """torch.cuda, if the program imported torch and initialised CUDA; else None."""
    cuda = getattr(sys.modules.get("torch"), "cuda", None)
    return cuda if cuda is not None and cuda.is_initialized() else None


class GpuReader:
    """Reads the GPU signals; NaN for each one that cannot be read now."""

    def __init__(self, budget: float = 0.002) -> None:
        self._budget = TimeBudget(budget)
        self._nvml: Any = None  # the pynvml module once initialised, False if it failed
        self._handles: Tuple[Any, ...] = ()

    def torch_memory(self) -> Tuple[float, float]:
        """(allocated, reserved) bytes on the current CUDA device, or NaN."""
        cuda = _cuda_in_use()
        if cuda is None:
            return math.nan, math.nan
        return float(cuda.memory_allocated()), float(cuda.memory_reserved())

    def process_memory(self, elapsed: float) -> float:
        """Bytes NVML reports for this process over all devices, or NaN."""
        if self._nvml is False or not self._budget.allows(elapsed):
            return math.nan
        if self._nvml is None and "pynvml" not in sys.modules and _cuda_in_use() is None:
            return math.nan  # no GPU in use (yet): nothing to time
        t0 = time.perf_counter()
        try:
            nvml = self._nvml or self._start_nvml()
            pid, used = os.getpid(), 0.0
            for handle in self._handles:
                for proc in nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                    if proc.pid == pid and proc.usedGpuMemory is not None:
                        used += float(proc.usedGpuMemory)
            return used
        except Exception:  # no pynvml, or a driver error: stop asking
            self._nvml = False
            return math.nan
        finally:
            self._budget.spend(time.perf_counter() - t0)

    def _start_nvml(self) -> Any:
        """pynvml, initialised: the program imported it, or it uses CUDA and pynvml is
        installed. Raises when it cannot be had: the caller then stops asking."""
        nvml: Any = sys.modules.get("pynvml")
        if nvml is None:
            import pynvml as nvml  # type: ignore[import-not-found, no-redef]
        nvml.nvmlInit()
        count = nvml.nvmlDeviceGetCount()
        self._handles = tuple(nvml.nvmlDeviceGetHandleByIndex(i) for i in range(count))
        self._nvml = nvml
        return nvml
