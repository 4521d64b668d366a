"""Cheap readers for the per-iteration signals: stdlib (and psutil as a fallback) only."""

from __future__ import annotations

import ctypes
import gc
import math
import os
import sys
import threading
import time
from typing import Any, Callable, Optional


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def _glibc(name: str) -> Any:
    """A function of the C library on Linux, or None (another platform, an older glibc).

    A fresh handle each time, so that setting one function's types never touches
    another caller's. The process's own symbols come first: ``find_library`` would
    start a subprocess (``ldconfig``) inside the watched program.
    """
    if not sys.platform.startswith("linux"):
        return None
    for lib in (None, "libc.so.6"):
        try:
            return getattr(ctypes.CDLL(lib), name)
        except (OSError, AttributeError):
            continue
    return None


def _load_mallinfo2() -> Optional[Callable[[], Any]]:
    """glibc >= 2.33 has mallinfo2(); elsewhere the malloc signal is NaN (documented)."""
    func = _glibc("mallinfo2")
    if func is None:
        return None
    func.restype = _MallInfo2
    func.argtypes = []
    return func  # type: ignore[no-any-return]


class TimeBudget:
    """Whether a costly reading may be taken now: while the readings' total cost stays
    under ``fraction`` of the time the watched iterations took, and, with ``floor``, at
    least every ``floor``-th time it is asked (so that very fast loops still get a
    series). The caller times each reading it takes with ``spend``."""

    def __init__(self, fraction: float, floor: int = 0) -> None:
        self._fraction = fraction
        self._floor = floor
        self._spent = 0.0
        self._skipped = 0

    def allows(self, elapsed: float) -> bool:
        if self._spent <= self._fraction * elapsed or 0 < self._floor <= self._skipped + 1:
            self._skipped = 0
            return True
        self._skipped += 1
        return False

    def spend(self, seconds: float) -> None:
        self._spent += seconds


class RssReader:
    """Current RSS in bytes: a kept-open /proc/self/statm read with pread (about 1-3 us).

    Falls back to psutil where /proc is absent. Reopens after a fork, because the
    kept-open file would otherwise describe the parent.
    """

    def __init__(self) -> None:
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self._pid = -1
        self._fd: Optional[int] = None
        self._psutil_proc: Any = None

    def __call__(self) -> float:
        if self._pid != os.getpid():
            self._reopen()
        if self._fd is not None:
            fields = os.pread(self._fd, 128, 0).split()
            return float(int(fields[1]) * self._page)
        if self._psutil_proc is not None:
            return float(self._psutil_proc.memory_info().rss)
        return math.nan

    def _reopen(self) -> None:
        self.close()
        self._pid = os.getpid()
        try:
            self._fd = os.open("/proc/self/statm", os.O_RDONLY)
        except OSError:
            import psutil  # only where /proc is missing (macOS, Windows)

            self._psutil_proc = psutil.Process()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class MallocReader:
    """Bytes in use in the C heap (mallinfo2 uordblks + hblkhd), NaN where unavailable.

    The same call tells the bytes the allocator holds free (``fordblks``): memory freed
    by the program but kept by malloc, which RSS still counts. It is left in ``free``.
    """

    def __init__(self) -> None:
        self._func = _load_mallinfo2()
        self.free = math.nan

    @property
    def available(self) -> bool:
        return self._func is not None

    def __call__(self) -> float:
        if self._func is None:
            return math.nan
        info = self._func()
        self.free = float(info.fordblks)
        return float(info.uordblks + info.hblkhd)


def malloc_trim() -> bool:
    """Ask glibc to give freed heap memory back to the system; False where there is no
    glibc ``malloc_trim``."""
    func = _glibc("malloc_trim")
    if func is None:
        return False
    func.restype = ctypes.c_int
    func.argtypes = [ctypes.c_size_t]
    func(0)
    return True


def _fd_dir() -> Optional[str]:
    for path in ("/proc/self/fd", "/dev/fd"):
        if os.path.isdir(path):
            return path
    return None


class ResourceReader:
    """Open file descriptors, live Python threads and live asyncio tasks.

    Listing the descriptors costs about 5 us (more with many open), so it is sampled
    within a small time budget (0.1% of the loop), but at least every ``floor``-th
    call, so that a loop of very fast iterations still gets a series to judge. Threads
    are ``threading.active_count()`` (threads a C library starts on its own are not
    counted). Tasks are read only once the program has imported asyncio, from the
    registry of live tasks asyncio keeps (done tasks leave it when nothing refers to
    them); NaN before that, or where the registry is not found.
    """

    def __init__(self, budget: float = 0.001, floor: int = 8) -> None:
        self._budget = TimeBudget(budget, floor)
        self._dir = _fd_dir()

    def fds(self, elapsed: float) -> float:
        if self._dir is None or not self._budget.allows(elapsed):
            return math.nan
        t0 = time.perf_counter()
        n = len(os.listdir(self._dir)) - 1  # the listing's own descriptor
        self._budget.spend(time.perf_counter() - t0)
        return float(n)

    @staticmethod
    def threads() -> float:
        return float(threading.active_count())

    @staticmethod
    def tasks() -> float:
        tasks = sys.modules.get("asyncio.tasks")
        if tasks is None:
            return math.nan
        live = getattr(tasks, "_all_tasks", None)  # 3.9-3.11
        if live is None:  # 3.12+: scheduled tasks, plus eager ones
            live = getattr(tasks, "_scheduled_tasks", None)
            if live is None:
                return math.nan
            return float(len(live) + len(getattr(tasks, "_eager_tasks", ())))
        return float(len(live))


class GcObjectCounter:
    """``len(gc.get_objects())`` costs 0.1-1 ms, so it is sampled within a time budget.

    It is taken when its total cost so far stays under ``budget`` (a fraction) of the
    time the watched iterations took; other iterations record NaN.
    """

    def __init__(
        self, budget: float = 0.005, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self._budget = TimeBudget(budget)
        self._clock = clock
        self.last_cost = 0.0  # seconds the last call took to count (0 when it skipped)

    def __call__(self, elapsed: float) -> float:
        self.last_cost = 0.0
        if not self._budget.allows(elapsed):
            return math.nan
        t0 = self._clock()
        n = len(gc.get_objects())
        self.last_cost = self._clock() - t0
        self._budget.spend(self.last_cost)
        return float(n)
