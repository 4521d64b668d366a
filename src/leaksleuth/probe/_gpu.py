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
from typing import Any, Optional, Tuple


class GpuReader:
    """Reads the GPU signals; NaN for each one that cannot be read now."""

    def __init__(self, budget: float = 0.002) -> None:
        self._budget = budget
        self._spent = 0.0
        self._nvml: Any = None  # the pynvml module once initialised, False if it failed
        self._handles: Tuple[Any, ...] = ()

    def torch_memory(self) -> Tuple[float, float]:
        """(allocated, reserved) bytes on the current CUDA device, or NaN."""
        torch = sys.modules.get("torch")
        cuda = getattr(torch, "cuda", None)
        if cuda is None or not cuda.is_initialized():
            return math.nan, math.nan
        return float(cuda.memory_allocated()), float(cuda.memory_reserved())

    def process_memory(self, elapsed: float) -> float:
        """Bytes NVML reports for this process over all devices, or NaN."""
        if self._nvml is False or self._spent > self._budget * elapsed:
            return math.nan
        t0 = time.perf_counter()
        try:
            nvml = self._nvml or self._start_nvml()
            if nvml is None:
                return math.nan
            pid, used = os.getpid(), 0.0
            for handle in self._handles:
                for proc in nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                    if proc.pid == pid and proc.usedGpuMemory is not None:
                        used += float(proc.usedGpuMemory)
            return used
        except Exception:  # a driver error: stop asking
            self._nvml = False
            return math.nan
        finally:
            self._spent += time.perf_counter() - t0

    def _start_nvml(self) -> Optional[Any]:
        """pynvml, if the program imported it or uses CUDA and it is installed."""
        nvml: Any = sys.modules.get("pynvml")
        torch = sys.modules.get("torch")
        cuda_in_use = getattr(getattr(torch, "cuda", None), "is_initialized", lambda: False)()
        if nvml is None and not cuda_in_use:
            return None  # ask again later: the program may start using the GPU
        if nvml is None:
            try:
                import pynvml as nvml  # type: ignore[import-not-found, no-redef]
            except ImportError:
                self._nvml = False
                return None
        nvml.nvmlInit()
        count = nvml.nvmlDeviceGetCount()
        self._handles = tuple(nvml.nvmlDeviceGetHandleByIndex(i) for i in range(count))
        self._nvml = nvml
        return nvml
