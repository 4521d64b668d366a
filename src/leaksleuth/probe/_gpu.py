"""GPU memory: what torch's CUDA allocator holds, and what the driver says the process uses.

Nothing here imports anything. The readers look only at modules the program already
imported: torch, once the program has initialised CUDA (``torch.cuda.is_initialized()``),
and NVML through ``pynvml`` (nvidia-ml-py), once the program imported it or CUDA is in use
and it is installed. Without a GPU, or without torch, every reading is NaN and costs a
dictionary lookup.

- ``gpu_allocated``: bytes in live tensors. This grows when tensors are kept: a GPU leak.
- ``gpu_reserved``: bytes the caching allocator holds. It grows to a high-water mark and
  stays there: that is the cache, not a leak.
- ``gpu_process``: bytes NVML reports for this process on its devices (includes the CUDA
  context and other libraries' allocations), sampled within a time budget.

What the readings cost (measured on an H100): ``torch.cuda.memory_allocated()`` 136 us and
``memory_reserved()`` 92 us, because each flattens torch's whole statistics dictionary
into a new one; NVML's per-process list 31 us. So the two torch figures come from one call
of the nested statistics (no flattening), and each reader keeps its own allowance: torch's
``TORCH_PER_ITERATION`` seconds per iteration, amortised (a reading is skipped, NaN, while
the readings so far cost more than that), NVML a fraction of the elapsed time. The first
reading of each pays a one-off start-up (CUDA's statistics, ``nvmlInit``): it is never
charged to the steady allowance. ``last_cost`` tells the probe what the last call took, so
that the probe's own reading budget does not pay for the GPU either.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import Any, Callable, Optional, Tuple

from leaksleuth.probe._signals import TimeBudget

TORCH_PER_ITERATION = 10e-6  # seconds of torch statistics per iteration, amortised
_NAN2 = (math.nan, math.nan)


def _cuda_in_use() -> Any:
    """torch.cuda, if the program imported torch and initialised CUDA; else None."""
    cuda = getattr(sys.modules.get("torch"), "cuda", None)
    return cuda if cuda is not None and cuda.is_initialized() else None


def _nested_reader(cuda: Any) -> Optional[Callable[[], Tuple[float, float]]]:
    """A reader of (allocated, reserved) from one call of torch's nested statistics, or
    None where this torch has no such call."""
    stats = getattr(getattr(sys.modules.get("torch"), "_C", None), "_cuda_memoryStats", None)
    if stats is None:
        return None

    def read() -> Tuple[float, float]:
        s = stats(cuda.current_device())
        return float(s["allocated_bytes"]["all"]["current"]), float(
            s["reserved_bytes"]["all"]["current"]
        )

    return read


def _public_reader(cuda: Any) -> Callable[[], Tuple[float, float]]:
    return lambda: (float(cuda.memory_allocated()), float(cuda.memory_reserved()))


class GpuReader:
    """Reads the GPU signals; NaN for each one that cannot be read now."""

    def __init__(
        self,
        budget: float = 0.002,
        per_iteration: float = TORCH_PER_ITERATION,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._budget = TimeBudget(budget)
        self._per_iteration = per_iteration
        self._clock = clock
        self._nvml: Any = None  # the pynvml module once initialised, False if it failed
        self._handles: Tuple[Any, ...] = ()
        self._read: Optional[Callable[[], Tuple[float, float]]] = None
        self._torch_spent = 0.0  # steady cost of the torch readings (start-up excluded)
        self.torch_reads = 0
        self.last_cost = 0.0  # seconds the GPU readings of the last row took, all told

    def begin_row(self) -> None:
        """A new row of readings starts: ``last_cost`` counts from zero."""
        self.last_cost = 0.0

    def torch_memory(self, iteration: int) -> Tuple[float, float]:
        """(allocated, reserved) bytes on the current CUDA device, or NaN: no CUDA in use,
        or the readings so far already cost their allowance for ``iteration`` iterations."""
        cuda = _cuda_in_use()
        if cuda is None:
            return _NAN2
        if self.torch_reads and self._torch_spent > self._per_iteration * iteration:
            return _NAN2
        t0 = self._clock()
        try:
            if self._read is None:
                self._read = _nested_reader(cuda) or _public_reader(cuda)
            try:
                values = self._read()
            except (KeyError, TypeError, AttributeError):  # another layout: the public calls
                self._read = _public_reader(cuda)
                values = self._read()
        finally:
            cost = self._clock() - t0
            self.last_cost += cost
            if self.torch_reads:
                self._torch_spent += cost
            self.torch_reads += 1
        return values

    @property
    def torch_cost(self) -> float:
        """Seconds the torch readings cost after the first one (the start-up)."""
        return self._torch_spent

    def process_memory(self, elapsed: float) -> float:
        """Bytes NVML reports for this process over all devices, or NaN."""
        if self._nvml is False or not self._budget.allows(elapsed):
            return math.nan
        if self._nvml is None and "pynvml" not in sys.modules and _cuda_in_use() is None:
            return math.nan  # no GPU in use (yet): nothing to time
        t0 = self._clock()
        starting = self._nvml is None
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
            cost = self._clock() - t0
            self.last_cost += cost
            if not starting:  # nvmlInit and the device handles are a one-off
                self._budget.spend(cost)

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
