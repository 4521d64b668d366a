"""Short tracemalloc bursts: snapshots reduced at once to small per-traceback tables."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
import sysconfig
import tracemalloc
from typing import Any, Dict, Iterable, List, Optional, Tuple

from leaksleuth.capture import Burst, FrameKey, SiteTable
from leaksleuth.probe._heap import in_fresh_thread, sized_census

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
# Allocations made by these modules are the snapshot machinery itself, not the program.
_NOISE_FILES = ("tracemalloc.py", "linecache.py")


@functools.cache
def _stdlib_prefixes() -> Tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths[k] for k in ("stdlib", "platstdlib") if k in paths}
    return tuple(sorted(os.path.join(d, "") for d in dirs))


class BurstRecorder:
    """Switches tracemalloc on for a few iterations and keeps compact snapshots.

    If the program already traces, its tracing is reused and left running.
    """

    def __init__(self, nframes: int = 24, collect: bool = True, census: bool = True) -> None:
        self.nframes = nframes
        self.collect = collect
        self.census = census
        self._censuses: List[Dict[str, Tuple[int, float]]] = []
        self._stdlib = _stdlib_prefixes()
        self._stdlib_files: Dict[str, bool] = {}
        self._owned = False
        self._iterations: List[int] = []
        self._snapshots: List[SiteTable] = []
        self._collected = False
        self.own_bytes = 0
        self.active = False

    def start(self) -> None:
        self._iterations, self._snapshots, self._censuses = [], [], []
        self.own_bytes = 0
        self._owned = not tracemalloc.is_tracing()
        if self._owned:
            tracemalloc.start(self.nframes)
        self.active = True

    def snapshot(self, iteration: int) -> None:
        """Record what is alive now; collects cyclic garbage first unless gc is disabled.

        The census and the snapshot allocate at every step while tracing: they run in a
        thread of their own, where each allocation's traceback is short
        (``in_fresh_thread``); 0.47 against 0.07 s a census inside pytest."""
        in_fresh_thread(lambda: self._snapshot(iteration), "leaksleuth-snapshot")

    def _snapshot(self, iteration: int) -> None:
        # A program that disabled the gc keeps its cycles: collecting would hide that leak.
        collect = self.collect and gc.isenabled()
        if collect:
            full_pass()
            self._collected = True
        before = tracemalloc.get_traced_memory()[0]
        if self.census:
            # Before the snapshot, so the snapshot's own tuples are not counted; the only
            # tracked objects the recorder keeps are one table and one census per snapshot.
            census = sized_census()
            n, size = census.get("dict", (0, 0.0))
            census["dict"] = (n - 2 * len(self._snapshots), size)
            self._censuses.append(census)
        snap = tracemalloc.take_snapshot()
        table = self._reduce(_raw_traces(snap))
        del snap
        if collect:
            # The snapshot's tuples now sit in CPython's free lists with our traceback;
            # the program would reuse them unseen. A full collection empties the lists.
            full_pass()
        self._iterations.append(iteration)
        self._snapshots.append(table)
        # The kept tables are traced too; remember their size so "traced" excludes them.
        self.own_bytes += tracemalloc.get_traced_memory()[0] - before

    def traced(self) -> float:
        """Bytes traced now, less the burst's own snapshot tables."""
        return float(tracemalloc.get_traced_memory()[0] - self.own_bytes)

    def peek(self) -> Burst:
        """What the burst recorded so far (tracing stays on)."""
        return Burst(
            iterations=tuple(self._iterations),
            snapshots=tuple(self._snapshots),
            nframes=self.nframes,
            gc_collected=self._collected,
            censuses=tuple(self._censuses) if len(self._censuses) == len(self._snapshots) else (),
        )

    def stop(self) -> Burst:
        if self._owned and tracemalloc.is_tracing():
            tracemalloc.stop()
        self.active = False
        burst = self.peek()
        self._iterations, self._snapshots, self._censuses = [], [], []
        return burst

    def _reduce(self, traces: Iterable[Tuple[int, Tuple[FrameKey, ...]]]) -> SiteTable:
        # tracemalloc hands out one tuple per distinct traceback, so summing by identity
        # first lets the (slow) filtering run once per traceback instead of once per trace.
        by_identity: Dict[int, List[Any]] = {}
        for size, frames in traces:
            entry = by_identity.get(id(frames))
            if entry is None:
                by_identity[id(frames)] = [frames, size, 1]
            else:
                entry[1] += size
                entry[2] += 1
        table: Dict[Tuple[FrameKey, ...], Tuple[int, int]] = {}
        for frames, size, count in by_identity.values():
            key = self._filter(frames)
            if key is not None:
                old = table.get(key, (0, 0))
                table[key] = (old[0] + size, old[1] + count)
        return table

    def _filter(self, frames: Tuple[FrameKey, ...]) -> Optional[Tuple[FrameKey, ...]]:
        """Drop the tool's and the snapshot machinery's own allocations; cut the harness.

        Frames from the first tool frame outward (``check()``'s loop, the CLI, whoever
        called them) say nothing about the leak, so the traceback ends before them.
        """
        if not frames or frames[0][0].endswith(_NOISE_FILES):
            return None
        for i, (filename, _) in enumerate(frames):
            if filename.startswith(_PACKAGE_DIR):
                inner = frames[:i]
                return inner if any(not self._is_stdlib(f) for f, _ in inner) else None
        return frames

    def _is_stdlib(self, filename: str) -> bool:
        known = self._stdlib_files.get(filename)
        if known is None:
            known = filename.startswith(self._stdlib) or filename.startswith("<frozen")
            self._stdlib_files[filename] = known
        return known


def _raw_traces(snap: tracemalloc.Snapshot) -> Iterable[Tuple[int, Tuple[FrameKey, ...]]]:
    """(size, frames innermost first) per trace; uses the raw tuples when present (fast)."""
    raw = getattr(snap.traces, "_traces", None)
    if isinstance(raw, list) and (not raw or len(raw[0]) >= 3):
        return ((t[1], t[2]) for t in raw)
    return (
        (t.size, tuple((f.filename, f.lineno) for f in reversed(t.traceback))) for t in snap.traces
    )


# 3.13+ clears the type cache among its internal caches; 3.14 deprecates the older name.
_clear_type_cache = getattr(sys, "_clear_internal_caches", None) or getattr(
    sys, "_clear_type_cache", None
)


def full_pass() -> None:
    """A full gc pass that also empties CPython's method cache of the types: its 4,096
    slots keep a reference to each attribute name looked up (matplotlib builds names such
    as ``f"set_{key}"`` per call), so it fills over thousands of iterations and then
    stops, a bounded cache that traced and retained levels would otherwise show as
    growth. It refills at the cost of a few slower lookups."""
    if _clear_type_cache is not None:
        # A deprecation warning turned into an error must not stop the gc pass.
        with contextlib.suppress(Exception):
            _clear_type_cache()
    gc.collect()
