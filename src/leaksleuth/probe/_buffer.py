"""A fixed-size sample table, so the probe's own memory stays flat for any run length."""

from __future__ import annotations

from array import array
from typing import Any, Dict, List, Sequence, Tuple

from leaksleuth.capture import SIGNALS


class SampleBuffer:
    """Rows of (iteration, signals..., phase, segment) in preallocated arrays.

    When full, every other ordinary row is dropped and the stride doubles, so a run of any
    length keeps at most ``capacity`` rows spread evenly over it. Rows taken while
    tracemalloc was on (phase 1) are always kept: bursts are few and short.
    """

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 64:
            raise ValueError("capacity must be at least 64")
        self.capacity = capacity
        self.stride = 1
        self._n = 0
        self._iteration = array("q", bytes(8 * capacity))
        self._phase = array("b", bytes(capacity))
        self._segment = array("i", bytes(4 * capacity))
        self._values = [array("d", bytes(8 * capacity)) for _ in SIGNALS]

    def __len__(self) -> int:
        return self._n

    def wants(self, iteration: int, phase: int) -> bool:
        """Whether a row for this iteration would be kept (skip reading signals if not)."""
        return phase == 1 or iteration % self.stride == 0

    def append(self, iteration: int, values: Sequence[float], phase: int, segment: int) -> None:
        if self._n == self.capacity:
            self._compact()
        i = self._n
        self._iteration[i] = iteration
        self._phase[i] = phase
        self._segment[i] = segment
        for col, v in zip(self._values, values):
            col[i] = v
        self._n = i + 1

    def _compact(self) -> None:
        self.stride *= 2
        keep = 0
        for i in range(self._n):
            if self._phase[i] == 1 or self._iteration[i] % self.stride == 0:
                self._iteration[keep] = self._iteration[i]
                self._phase[keep] = self._phase[i]
                self._segment[keep] = self._segment[i]
                for col in self._values:
                    col[keep] = col[i]
                keep += 1
        if keep == self._n:  # only burst rows: drop the oldest half rather than overflow
            keep = self._drop_oldest_half()
        self._n = keep

    def _drop_oldest_half(self) -> int:
        half = self._n // 2
        arrays: List[array[Any]] = [self._iteration, self._phase, self._segment, *self._values]
        for arr in arrays:
            arr[: self._n - half] = arr[half : self._n]
        return self._n - half

    def columns(self) -> Tuple[List[int], Dict[str, List[float]], List[int], List[int]]:
        """Copies of the kept rows as plain lists: iteration, signals, phase, segment."""
        n = self._n
        signals = {name: col[:n].tolist() for name, col in zip(SIGNALS, self._values)}
        return (
            self._iteration[:n].tolist(),
            signals,
            self._phase[:n].tolist(),
            self._segment[:n].tolist(),
        )
