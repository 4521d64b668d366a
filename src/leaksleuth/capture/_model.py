"""The capture: what one watched run recorded, as plain data with save/load."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from leaksleuth._errors import CaptureError

# Per-iteration signals, in the order the probe records them.
#   wall: seconds the iteration took          rss: resident set size, bytes
#   py_blocks: pymalloc blocks in use          malloc: bytes in use in the C heap (mallinfo2)
#   traced: tracemalloc bytes (NaN when off)   gc_objects: gc-tracked objects (NaN when not sampled)
#   malloc_free: bytes the C allocator holds free (mallinfo2 fordblks): retained, not in use
#   fds: open file descriptors (sampled)       threads: live Python threads
#   tasks: live asyncio tasks (NaN until the program imports asyncio)
#   gpu_allocated / gpu_reserved: torch's CUDA allocator, bytes in tensors / held (NaN
#   unless the program uses CUDA through torch)   gpu_process: NVML's bytes for the process
# Signals the probe cannot read on a platform are NaN.
SIGNALS: Tuple[str, ...] = (
    "wall", "rss", "py_blocks", "malloc", "traced", "gc_objects",
    "malloc_free", "fds", "threads", "tasks",
    "gpu_allocated", "gpu_reserved", "gpu_process",
)  # fmt: skip

# One traceback frame: (filename, line number). Tracebacks are innermost first.
FrameKey = Tuple[str, int]
# Levels right after a full gc pass: (iteration, rss, py_blocks, malloc, segment), on the
# same scale as the signals (the tool's own footprint subtracted); ``segment`` is the
# samples' segment at the time, so a level shift the readings take out (a burst's end)
# is taken out of the levels too. Rows written before the segment existed have 4 columns.
SETTLED_COLUMNS: Tuple[str, ...] = ("iteration", "rss", "py_blocks", "malloc", "segment")
# The signals whose levels are recorded.
SETTLED_SIGNALS: Tuple[str, ...] = SETTLED_COLUMNS[1:4]
# Per snapshot of a burst: traceback -> (bytes, allocation count).
SiteTable = Dict[Tuple[FrameKey, ...], Tuple[int, int]]

FORMAT = "leaksleuth-capture"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RecordedError:
    """An exception raised by the watched code (or swallowed by the probe)."""

    iteration: int
    type: str
    message: str
    traceback: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Burst:
    """A short window with tracemalloc on: snapshots taken at iteration boundaries.

    ``snapshots[j]`` was taken after iteration ``iterations[j]`` finished; each maps a
    filtered traceback to the bytes and allocation count alive there.
    """

    iterations: Tuple[int, ...]
    snapshots: Tuple[SiteTable, ...]
    nframes: int
    gc_collected: bool
    # Per snapshot: type name -> (live gc-tracked objects, mean shallow size in bytes).
    censuses: Tuple[Dict[str, Tuple[int, float]], ...] = ()


@dataclass
class Capture:
    """Everything a run recorded. ``iteration`` numbers each sample row (1-based).

    ``phase[i]`` is 0 for an ordinary iteration and 1 for one measured while
    tracemalloc was on (its RSS and heap readings include tracemalloc's own memory).
    ``segment[i]`` increases after each burst, because stopping tracemalloc can shift
    the level of RSS and heap signals. ``settled`` holds the levels measured right after
    the full gc passes the tool made (columns in ``SETTLED_COLUMNS``).
    """

    target: str
    iteration: List[int] = field(default_factory=list)
    signals: Dict[str, List[float]] = field(default_factory=lambda: {s: [] for s in SIGNALS})
    phase: List[int] = field(default_factory=list)
    segment: List[int] = field(default_factory=list)
    baseline: Dict[str, float] = field(default_factory=dict)
    bursts: List[Burst] = field(default_factory=list)
    target_error: Optional[RecordedError] = None
    probe_errors: List[str] = field(default_factory=list)
    warmup_hint: Optional[int] = None
    iterations_run: int = 0
    stop_reason: str = ""
    settled: List[Tuple[float, ...]] = field(default_factory=list)
    retention: Optional[Dict[str, Any]] = None  # the holder search, as plain data
    native: Optional[Dict[str, Any]] = None  # the memray window, as plain data
    meta: Dict[str, Any] = field(default_factory=dict)

    def settled_levels(self, name: str) -> List[Tuple[int, float, int]]:
        """(iteration, level, segment) right after each full gc pass, for rss, py_blocks
        or malloc."""
        col = SETTLED_COLUMNS.index(name)
        return [(int(row[0]), row[col], int(row[4]) if len(row) > 4 else 0) for row in self.settled]

    def series(self, name: str) -> List[float]:
        """The recorded values of one signal, aligned with ``iteration``."""
        return self.signals[name]

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict (NaN becomes null)."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "target": self.target,
            "iteration": self.iteration,
            "signals": {k: [_nan_to_none(v) for v in vs] for k, vs in self.signals.items()},
            "phase": self.phase,
            "segment": self.segment,
            "baseline": self.baseline,
            "bursts": [_burst_to_dict(b) for b in self.bursts],
            "target_error": None
            if self.target_error is None
            else _error_to_dict(self.target_error),
            "probe_errors": self.probe_errors,
            "warmup_hint": self.warmup_hint,
            "iterations_run": self.iterations_run,
            "stop_reason": self.stop_reason,
            "settled": [list(row) for row in self.settled],
            "retention": self.retention,
            "native": self.native,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Capture:
        """Rebuild a capture from :meth:`to_dict` output; raises CaptureError if malformed."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CaptureError("not a leaksleuth capture")
        if data.get("version") != FORMAT_VERSION:
            raise CaptureError(f"unsupported capture version {data.get('version')!r}")
        try:
            err = data["target_error"]
            return cls(
                target=str(data["target"]),
                iteration=[int(i) for i in data["iteration"]],
                signals=_signals_from(data["signals"], len(data["iteration"])),
                phase=[int(p) for p in data["phase"]],
                segment=[int(s) for s in data["segment"]],
                baseline={k: float(v) for k, v in data["baseline"].items()},
                bursts=[_burst_from_dict(b) for b in data["bursts"]],
                target_error=None
                if err is None
                else RecordedError(
                    iteration=int(err["iteration"]),
                    type=str(err["type"]),
                    message=str(err["message"]),
                    traceback=tuple(err["traceback"]),
                ),
                probe_errors=[str(e) for e in data["probe_errors"]],
                warmup_hint=data["warmup_hint"],
                iterations_run=int(data["iterations_run"]),
                stop_reason=str(data["stop_reason"]),
                settled=[tuple(float(v) for v in row) for row in data.get("settled", [])],
                retention=data.get("retention"),
                native=data.get("native"),
                meta=dict(data["meta"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CaptureError(f"malformed capture: {exc!r}") from None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the capture as JSON, readable by its owner only."""
        p = Path(path)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Capture:
        """Read a capture written by :meth:`save`."""
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            raise CaptureError(f"no such capture file: {path}") from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise CaptureError(
                f"{path} is not a leaksleuth capture (neither an SQLite capture nor JSON)"
            ) from None
        except OSError as exc:
            raise CaptureError(f"cannot read capture {path}: {exc.strerror or exc}") from None
        return cls.from_dict(data)


def _nan_to_none(v: float) -> Optional[float]:
    return None if math.isnan(v) else v


def _signals_from(raw: Dict[str, Any], rows: int) -> Dict[str, List[float]]:
    """The signal columns of a saved capture; one saved before a signal existed reads NaN."""
    signals = {str(k): [_none_to_nan(v) for v in vs] for k, vs in raw.items()}
    for name in SIGNALS:
        signals.setdefault(name, [math.nan] * rows)
    return signals


def _none_to_nan(v: Optional[float]) -> float:
    return math.nan if v is None else float(v)


def _error_to_dict(e: RecordedError) -> Dict[str, Any]:
    return {
        "iteration": e.iteration,
        "type": e.type,
        "message": e.message,
        "traceback": list(e.traceback),
    }


def _burst_to_dict(b: Burst) -> Dict[str, Any]:
    return {
        "iterations": list(b.iterations),
        "nframes": b.nframes,
        "gc_collected": b.gc_collected,
        "censuses": [[[name, n, size] for name, (n, size) in c.items()] for c in b.censuses],
        "snapshots": [
            [[[list(f) for f in tb], size, count] for tb, (size, count) in snap.items()]
            for snap in b.snapshots
        ],
    }


def _burst_from_dict(d: Dict[str, Any]) -> Burst:
    snaps: List[SiteTable] = []
    for rows in d["snapshots"]:
        table: SiteTable = {}
        for tb, size, count in rows:
            table[tuple((str(f), int(n)) for f, n in tb)] = (int(size), int(count))
        snaps.append(table)
    return Burst(
        iterations=tuple(int(i) for i in d["iterations"]),
        snapshots=tuple(snaps),
        nframes=int(d["nframes"]),
        gc_collected=bool(d["gc_collected"]),
        censuses=tuple(
            {str(name): (int(n), float(size)) for name, n, size in c} for c in d.get("censuses", [])
        ),
    )
