"""Which memory grows, on real workloads: native malloc, allocator retention, resources.

Each test runs a real leak (or a real non-leak) through ``check()`` and asserts the
verdict, the kind of growth and, where Python made the leaked objects, the site.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Coroutine, List

import pytest

import leaksleuth
from leaksleuth import Report

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="glibc's mallinfo2 and /proc are Linux's"
)

_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None)
_LIBC.malloc.restype = ctypes.c_void_p
_LIBC.malloc.argtypes = [ctypes.c_size_t]
_LIBC.free.argtypes = [ctypes.c_void_p]
_NATIVE: List[int] = []  # addresses only: Python holds no object for the memory


def _malloc_never_freed() -> None:
    size = 16 * 1024
    address = _LIBC.malloc(size)
    ctypes.memset(address, 1, size)  # touched, so RSS sees it too
    _NATIVE.append(address)


def _resource_leak(report: Report, name: str) -> None:
    """The verdict is a resource leak, and ``name`` grows by one per iteration."""
    v = report.verdict
    assert (v.status, v.kind) == ("leak", "resource"), v.reason
    part = {p.name: p for p in report.memory}[name]
    assert part.status == "leak" and 0.9 < part.per_iteration < 1.1


def _site(report: Report) -> tuple[str, int]:
    top = report.suspects[0]
    return top.file, top.line


def test_malloc_never_freed_is_a_native_leak() -> None:
    try:
        report = leaksleuth.check(_malloc_never_freed, max_iterations=300)
    finally:
        for address in _NATIVE:
            _LIBC.free(address)
        _NATIVE.clear()
    v = report.verdict
    assert (v.status, v.kind) == ("leak", "native"), v.reason
    native = {p.name: p for p in report.memory}["native"]
    assert 14 * 1024 < native.per_iteration < 18 * 1024
    assert "native memory leaks" in v.reason


FRAGMENTATION = """\
_held = []
_calls = 0


def work():
    # For 20 calls keep 2,000 blocks of 1 KiB (glibc's heap: too big for pymalloc), then
    # free 15 of every 16: the bytes in use fall, the pages between the kept ones stay.
    global _calls
    _calls += 1
    if _calls <= 20:
        _held.extend(bytes(1000) for _ in range(2000))
    elif _calls == 21:
        _held[:] = _held[::16]
"""


def test_fragmentation_is_not_a_leak_and_malloc_trim_shows_it(tmp_path: Path) -> None:
    # A fresh process: in this one, earlier tests left free memory that would absorb
    # the workload without RSS rising at all.
    target = tmp_path / "fragmentation.py"
    target.write_text(FRAGMENTATION)
    argv = ["-m", "leaksleuth", "check", f"{target}:work", "--max-iterations", "300", "--json"]
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr  # not a leak
    report = json.loads(done.stdout)
    v = report["verdict"]
    assert v["status"] in ("flat", "plateau"), v["reason"]
    assert v["kind"] == "allocator", v["reason"]
    assert report["meta"]["malloc_trim"]["released"] > 8 * 2**20  # most of ~37 MiB freed
    assert any("malloc_trim(0) at the end gave back" in n for n in report["notes"])
    assert any("MALLOC_ARENA_MAX" in n for n in report["notes"])


_STOP = threading.Event()


def _start_a_thread() -> None:
    worker = threading.Thread(target=_STOP.wait, daemon=True)
    worker.start()


def test_threads_started_and_never_joined_are_a_resource_leak() -> None:
    try:
        report = leaksleuth.check(_start_a_thread, max_iterations=260)
    finally:
        _STOP.set()
    _resource_leak(report, "threads")
    assert "live threads" in report.verdict.reason
    first = _start_a_thread.__code__.co_firstlineno
    assert _site(report) in {(__file__, first + 1), (__file__, first + 2)}


_FILES: List[Any] = []


def _open_a_file() -> None:
    _FILES.append(open(os.devnull, "rb"))  # noqa: SIM115 - the leak under test


def test_files_never_closed_are_a_resource_leak() -> None:
    try:
        report = leaksleuth.check(_open_a_file, max_iterations=300)
    finally:
        for f in _FILES:
            f.close()
        _FILES.clear()
    _resource_leak(report, "fds")
    line = _open_a_file.__code__.co_firstlineno + 1
    assert _site(report) == (__file__, line)


class _Server:
    """An event loop kept across requests, as a server has; each request spawns a task
    that waits on an event nobody ever sets."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.never = self.loop.run_until_complete(self._make_event())

    @staticmethod
    async def _make_event() -> asyncio.Event:
        return asyncio.Event()

    async def _handle(self) -> None:
        asyncio.ensure_future(self.never.wait())  # noqa: RUF006 - never awaited: the leak

    def request(self) -> None:
        self.loop.run_until_complete(self._handle())

    def close(self) -> None:
        for task in asyncio.all_tasks(self.loop):
            task.cancel()
        pending: Coroutine[Any, Any, Any] = asyncio.sleep(0)
        self.loop.run_until_complete(pending)
        self.loop.close()


def test_tasks_never_awaited_are_a_resource_leak() -> None:
    server = _Server()
    try:
        report = leaksleuth.check(server.request, max_iterations=300)
    finally:
        server.close()
    _resource_leak(report, "tasks")
    assert report.suspects, report.verdict.reason


def test_a_python_leak_is_of_the_python_kind() -> None:
    kept: List[bytearray] = []
    report = leaksleuth.check(lambda: kept.append(bytearray(4096)), max_iterations=300)
    assert (report.verdict.status, report.verdict.kind) == ("leak", "python")
    parts = {p.name: p for p in report.memory}
    assert parts["python"].status == "leak"
    assert parts["native"].per_iteration < 0.5 * parts["python"].per_iteration
