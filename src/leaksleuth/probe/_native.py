"""Where native memory leaks: a short window of iterations traced by memray.

tracemalloc sees only what Python allocates. When the C heap grows beyond that, the
iterations are run again under ``memray.Tracker(native_traces=True)``, twice: a window of
``n`` iterations and one of ``2n``. The allocations still alive at the end of each window
are grouped by stack, and a stack counts only if what survives of it doubles with the
window: a leak grows with the iterations, a one-off cache or a buffer that grew once does
not. memray is optional (``pip install leaksleuth[native]``) and imported only here, only
when a window runs; without it the report says how to get it.

The result is plain data (strings and numbers), like every probe output.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from typing import Any, Callable, Dict, List, Sequence, Tuple

from leaksleuth.probe._heap import PACKAGE_DIR

Frame = Tuple[str, str, int]  # (function, file, line) as memray gives them
_NATIVE_SHOWN = 4  # native frames kept per stack, innermost first
# Frames of the interpreter itself: where the C stack goes back into Python.
_INTERPRETER = ("Objects/", "Python/", "Modules/", "./Objects/", "./Python/", "./Modules/")
_MIN_RATE = 16.0  # bytes per iteration: glibc's allocation granularity


class NativeUnavailable(Exception):
    """memray is missing or cannot trace native stacks on this platform."""


def _memray() -> Any:
    try:
        import memray
    except ImportError as exc:
        raise NativeUnavailable(
            "native attribution needs memray: pip install 'leaksleuth[native]'"
        ) from exc
    return memray


def _window(memray: Any, call: Callable[[], object], n: int, path: str) -> List[Any]:
    """Run ``n`` iterations under a native tracker; the records still alive at its end."""
    with memray.Tracker(path, native_traces=True, follow_fork=False):
        for _ in range(n):
            call()
    reader = memray.FileReader(path)
    try:
        return list(reader.get_leaked_allocation_records(merge_threads=True))
    finally:
        reader.close()


def _python_frames(record: Any) -> Tuple[Frame, ...]:
    frames = tuple((str(f), str(p), int(n)) for f, p, n in record.stack_trace())
    return tuple(f for f in frames if not f[1].startswith(PACKAGE_DIR))


def _native_frames(record: Any) -> Tuple[Frame, ...]:
    """The native frames above the interpreter: the library code that allocated."""
    out: List[Frame] = []
    for func, path, line in record.native_stack_trace():
        if str(path).startswith(_INTERPRETER) or str(func).startswith(("_Py", "Py")):
            break
        out.append((str(func), str(path), int(line)))
    return tuple(out)


Key = Tuple[Tuple[Frame, ...], Tuple[Frame, ...]]


def _by_stack(records: Sequence[Any]) -> Dict[Key, Tuple[int, int]]:
    """(python frames, native frames) -> (surviving bytes, surviving allocations)."""
    out: Dict[Key, Tuple[int, int]] = {}
    for r in records:
        key = (_python_frames(r), _native_frames(r)[:8])
        size, count = out.get(key, (0, 0))
        out[key] = (size + int(r.size), count + int(r.n_allocations))
    return out


def _frame_text(frame: Frame) -> str:
    func, path, line = frame
    return f"{func} ({path}:{line})" if path else func


def native_stacks(call: Callable[[], object], n: int = 10, limit: int = 5) -> Dict[str, Any]:
    """Trace windows of ``n`` and ``2n`` calls; the stacks whose surviving bytes scale.

    Returns plain data: ``stacks`` (bytes and allocations per iteration, the innermost
    Python frame and the top native frames), the iterations run and the seconds spent.
    Raises NativeUnavailable when memray is missing or fails to trace.
    """
    memray = _memray()
    folder = tempfile.mkdtemp(prefix="leaksleuth-native-")  # private: mode 0700
    started = time.perf_counter()
    try:
        try:
            short = _by_stack(_window(memray, call, n, os.path.join(folder, "a.bin")))
            long = _by_stack(_window(memray, call, 2 * n, os.path.join(folder, "b.bin")))
        except NativeUnavailable:
            raise
        except (OSError, RuntimeError) as exc:  # memray's own failures
            raise NativeUnavailable(f"memray could not trace native stacks: {exc}") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    stacks: List[Dict[str, Any]] = []
    for key, (size_b, count_b) in long.items():
        size_a, _ = short.get(key, (0, 0))
        # A leak's survivors double with the window; a one-off's do not.
        if size_b < 1.5 * size_a or size_b - size_a < _MIN_RATE * n:
            continue
        python, native = key
        stacks.append(
            {
                "bytes_per_iteration": (size_a + size_b) / (3 * n),
                "allocations_per_iteration": count_b / (2 * n),
                "python": [f"{p}:{line}" for _, p, line in python],
                "python_function": python[0][0] if python else "",
                "native": [_frame_text(f) for f in native[:_NATIVE_SHOWN]],
            }
        )
    stacks.sort(key=lambda s: -s["bytes_per_iteration"])
    return {
        "stacks": stacks[:limit],
        "iterations": 3 * n,
        "seconds": time.perf_counter() - started,
    }
