"""The ``make demo`` workload: a small frame-processing loop with one real leak.

Each call makes a 64x64 greyscale frame, runs a toy blob detector behind a bounded LRU
cache (bounded, so not a leak), and records the result. The recording is the leak: every
frame's detections plus a 1 KiB thumbnail go into a module-level history that nothing
ever trims, about 1.3 KiB per frame.

    leaksleuth check examples/frames.py:process_frame --setup examples/frames.py:setup

Only the standard library is used.
"""

from __future__ import annotations

import random
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

SIDE = 64  # frames are SIDE x SIDE bytes, one byte per pixel
TILE = 16  # the detector looks at TILE x TILE tiles
SCENES = 24  # distinct backgrounds the fake camera cycles through

# Every processed frame's result, for a "debug timeline" nobody ever reads. The leak.
_HISTORY: list[dict[str, Any]] = []


class Detector:
    """Finds bright tiles in a frame; remembers the results of the last frames it saw."""

    def __init__(self, cache_size: int = 16) -> None:
        self.cache_size = cache_size
        self._cache: OrderedDict[int, list[tuple[int, int, int]]] = OrderedDict()
        self.hits = 0

    def detect(self, frame: bytes) -> list[tuple[int, int, int]]:
        key = zlib.crc32(frame)
        found = self._cache.get(key)
        if found is not None:
            self.hits += 1
            self._cache.move_to_end(key)
            return found
        found = self._bright_tiles(frame)
        self._cache[key] = found
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)  # bounded: the oldest result goes
        return found

    @staticmethod
    def _bright_tiles(frame: bytes) -> list[tuple[int, int, int]]:
        tiles = []
        for ty in range(0, SIDE, TILE):
            for tx in range(0, SIDE, TILE):
                starts = ((ty + y) * SIDE + tx for y in range(TILE))
                level = sum(max(frame[s : s + TILE]) for s in starts)
                if level > 3850:  # a tile whose rows are nearly all saturated
                    tiles.append((tx, ty, level))
        return tiles


@dataclass
class Pipeline:
    """The camera, the detector and a frame counter."""

    detector: Detector = field(default_factory=Detector)
    rng: random.Random = field(default_factory=lambda: random.Random(2024))
    scenes: list[bytes] = field(default_factory=list)
    frame_no: int = 0

    def next_frame(self) -> bytes:
        self.frame_no += 1
        return self.scenes[self.rng.randrange(len(self.scenes))]


def setup() -> Pipeline:
    """Build the pipeline once, before the measured loop."""
    pipeline = Pipeline()
    pipeline.scenes = [pipeline.rng.randbytes(SIDE * SIDE) for _ in range(SCENES)]
    return pipeline


def process_frame(pipeline: Pipeline) -> int:
    """One unit of work: grab a frame, detect, record. Returns the number of detections."""
    frame = pipeline.next_frame()
    detections = pipeline.detector.detect(frame)
    thumbnail = frame[::4]  # 1 KiB, kept for the timeline
    _HISTORY.append({"frame": pipeline.frame_no, "detections": detections, "thumb": thumbnail})
    return len(detections)


if __name__ == "__main__":
    p = setup()
    for _ in range(100):
        process_frame(p)
    print(f"{len(_HISTORY)} frames recorded, {p.detector.hits} detector cache hits")
