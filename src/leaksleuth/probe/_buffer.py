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

    def last(self) -> Dict[str, float]:
        """The newest row, by signal name ({} before the first)."""
        if not self._n:
            return {}
        i = self._n - 1
        return {name: col[i] for name, col in zip(SIGNALS, self._values)}

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


class LevelLog:
    """Up to ``capacity`` rows of floats in one preallocated array, spread evenly over the
    whole run, plus the latest row: when full, every other row is dropped and from then
    on only every other row is kept, as the sample buffer does. So the rows always reach
    from the run's start to its latest (a verdict compares windows across the run).
    Recording a row allocates nothing that outlives the call, so the log never shows up
    in the levels it records.
    """

    def __init__(self, width: int, capacity: int = 64) -> None:
        if capacity < 2 or width < 1:
            raise ValueError("need at least two rows of at least one column")
        self.width = width
        self.capacity = capacity
        self._n = 0
        self._seen = 0
        self._stride = 1
        self._latest_kept = False  # whether the latest row is also a kept row
        # ``capacity`` kept rows, then one slot for the latest row.
        self._rows = array("d", bytes(8 * width * (capacity + 1)))

    def __len__(self) -> int:
        return self._n + (0 if self._latest_kept or not self._seen else 1)

    def append(self, row: Sequence[float]) -> None:
        w, rows = self.width, self._rows
        latest = self.capacity * w
        for j in range(w):
            rows[latest + j] = row[j]
        on_stride = self._seen % self._stride == 0
        if on_stride and self._n == self.capacity:
            self._thin()
            on_stride = self._seen % self._stride == 0
        if on_stride:
            start = self._n * w
            for j in range(w):
                rows[start + j] = row[j]
            self._n += 1
        self._latest_kept = on_stride
        self._seen += 1

    def _thin(self) -> None:
        w, rows = self.width, self._rows
        kept = 0
        for i in range(0, self._n, 2):
            for j in range(w):
                rows[kept * w + j] = rows[i * w + j]
            kept += 1
        self._n = kept
        self._stride *= 2

    def rows(self) -> List[Tuple[float, ...]]:
        """The kept rows, and the latest one if it was not kept."""
        w = self.width
        kept = [tuple(self._rows[i * w : (i + 1) * w]) for i in range(self._n)]
        if self._seen and not self._latest_kept:
            last = self.capacity * w
            kept.append(tuple(self._rows[last : last + w]))
        return kept
