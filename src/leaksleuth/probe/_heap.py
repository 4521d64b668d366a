"""The heap as tracemalloc and the gc see it: allocation tracebacks of live objects,
type names and counts, the order objects arrived in.

Everything here runs inside the watched process, often while tracemalloc traces (where
each allocation is slow), so the per-object loops are written to allocate nothing for an
object they pass over, and bulk lookups run in C through ``map``.
"""

from __future__ import annotations

import gc
import os
import sys
import sysconfig
import threading
import tracemalloc
from itertools import compress
from typing import (
    AbstractSet,
    Any,
    Callable,
    Dict,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

FrameKey = Tuple[str, int]
Traceback = Tuple[FrameKey, ...]

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def type_name(obj: Any) -> str:
    return type_name_of(type(obj))


def type_name_of(t: type) -> str:
    """``module.QualName``, or the bare name of a builtin type."""
    module = getattr(t, "__module__", "")
    name = getattr(t, "__qualname__", t.__name__)
    return name if module in ("builtins", "", None) else f"{module}.{name}"


T = TypeVar("T")


def in_fresh_thread(work: Callable[[], T], name: str) -> T:
    """``work()`` run in a thread of its own, the caller waiting: its result, or what
    it raised.

    While tracemalloc traces, each allocation captures the allocating thread's stack,
    recomputing the line of every frame: from the bottom of a fresh thread that costs a
    fifth of what it costs at the end of a deep stack (3 against 17 us per allocation on
    CPython 3.11, at the end of ``check()`` inside pytest), and the heap walks of a
    burst allocate at every step. With no thread to be had, it runs here.
    """
    out: List[Any] = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as exc:  # handed to the caller
            out.append(exc)

    try:
        helper = threading.Thread(target=run, name=name, daemon=True)
        helper.start()
    except RuntimeError:  # no more threads
        run()
    else:
        helper.join()
    result = out.pop()
    if isinstance(result, BaseException):
        raise result
    return result  # type: ignore[no-any-return]


def type_census() -> Dict[str, int]:
    """Live gc-tracked objects per type (one pass over the gc's lists)."""
    return {name: n for name, (n, _) in sized_census(samples=0).items()}


def sized_census(samples: int = 16) -> Dict[str, Tuple[int, float]]:
    """Live gc-tracked objects per type, with the mean shallow size of the first few.

    It runs while tracemalloc traces, where every allocation is slow, so the walk itself
    allocates nothing per object: objects are sorted into per-type lists (appending
    rarely allocates) and counted by length, instead of incrementing counters.
    """
    buckets: Dict[type, List[Any]] = {}
    for obj in gc.get_objects():
        t = type(obj)
        bucket = buckets.get(t)
        if bucket is None:
            bucket = buckets[t] = []
        bucket.append(obj)
    out: Dict[str, Tuple[int, float]] = {}
    for t, bucket in buckets.items():
        sampled = bucket[:samples]
        size = sum(sizeof(o) for o in sampled) / max(len(sampled), 1)
        key = type_name_of(t)
        old_n, old_size = out.get(key, (0, 0.0))
        out[key] = (old_n + len(bucket), max(old_size, size))
        bucket.clear()
    buckets.clear()
    return out


def traceback_of(obj: Any) -> Optional[Traceback]:
    """Where tracemalloc saw ``obj`` allocated, innermost frame first, or None.

    The private C function returns plain (file, line) tuples; the public one wraps each
    frame in Python objects, which is ten times slower over a whole heap.
    """
    try:
        tb = _get_traceback(obj)
        if tb is None and _MANAGED_DICT_LOOKUP is not None and _managed_dict(type(obj)):
            tb = _MANAGED_DICT_LOOKUP(0, id(obj) - _MANAGED_DICT_OFFSET)
        return None if tb is None else tuple(tb)
    except Exception:
        return None


_MANAGED: Dict[type, bool] = {}


def _managed_dict(t: type) -> bool:
    """Whether instances of ``t`` keep their attributes inline (cached: computing it
    allocates, which is slow while tracing)."""
    known = _MANAGED.get(t)
    if known is None:
        if len(_MANAGED) > 4096:
            _MANAGED.clear()
        known = _MANAGED[t] = bool(t.__flags__ & _TPFLAGS_MANAGED_DICT)
    return known


def _public_traceback(obj: Any) -> Optional[Traceback]:
    tb = tracemalloc.get_object_traceback(obj)
    return None if tb is None else tuple((f.filename, f.lineno) for f in reversed(tb))


try:
    from _tracemalloc import _get_object_traceback as _get_traceback
except ImportError:  # another implementation: the public API, slower
    _get_traceback = _public_traceback

# CPython 3.11 puts two pointers in front of the gc header of instances whose attributes
# live inline (most user classes), and its get_object_traceback looks in the wrong place
# for them (fixed in 3.12). Ask tracemalloc's C lookup at the block's real start instead.
_TPFLAGS_MANAGED_DICT = 1 << 4
_MANAGED_DICT_OFFSET = 0
_MANAGED_DICT_LOOKUP: Optional[Callable[[int, int], Any]] = None
if sys.version_info[:2] == (3, 11) and sys.implementation.name == "cpython":
    try:
        import ctypes

        _lookup = ctypes.pythonapi._PyTraceMalloc_GetTraceback
        _lookup.restype = ctypes.py_object
        _lookup.argtypes = [ctypes.c_uint, ctypes.c_size_t]
        _MANAGED_DICT_OFFSET = 4 * ctypes.sizeof(ctypes.c_void_p)  # gc header + pre-header
        _MANAGED_DICT_LOOKUP = _lookup
    except (ImportError, AttributeError, OSError):
        pass


_STDLIB = tuple(
    {os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")}
)


def program_made(tb: Sequence[FrameKey]) -> bool:
    """Whether an allocation traceback is the program's rather than this tool's.

    The first frame outside the standard library, innermost first, decides: the tool's
    own objects (and linecache entries it caused) are not the program's leak.
    """
    for filename, _ in tb:
        if filename.startswith("<frozen") or filename.startswith(_STDLIB):
            continue
        return not filename.startswith(PACKAGE_DIR)
    return False


def newest_first() -> List[Any]:
    """Every gc-tracked object, roughly newest first.

    The young generations hold what was born since the last collection; the oldest
    generation keeps its objects in order of arrival, so reading it backwards meets the
    survivors of the latest iterations first.
    """
    objs = gc.get_objects(generation=0)
    objs += gc.get_objects(generation=1)
    old = gc.get_objects(generation=2)
    old.reverse()
    objs += old
    return objs


Inline = Union[bool, AbstractSet[type]]


def tracebacks(objs: Sequence[Any], inline: Inline = True) -> List[Optional[Traceback]]:
    """``traceback_of`` for many objects at once, the lookups running in C.

    On CPython 3.11 an instance that keeps its attributes inline needs a second lookup
    through ctypes, which allocates and so costs tens of microseconds while tracing.
    ``inline`` says for which instances to make it: all (True), none (False), or those
    of the given classes; the others then read as untraced.
    """
    tbs: List[Any] = list(map(_get_traceback, objs))
    if inline and _MANAGED_DICT_LOOKUP is not None:
        present = set(map(type, objs))
        if inline is not True:
            present.intersection_update(inline)
        kinds = [t for t in present if _managed_dict(t)]
        if kinds:
            # No per-object allocation here (no indices, no tuples kept): while tracing,
            # each one would cost a traceback capture.
            wanted = set(kinds)
            flags = [type(o) in wanted for o in objs]
            fixed = iter(
                [
                    traceback_of(o) if tb is None else tb
                    for o, tb in zip(compress(objs, flags), compress(tbs, flags))
                ]
            )
            tbs = [next(fixed) if f else tb for tb, f in zip(tbs, flags)]
    return tbs


def traced(objs: Sequence[Any], inline: Inline = True) -> List[Tuple[Any, Traceback]]:
    """The objects tracemalloc saw allocated, with their tracebacks."""
    tbs = tracebacks(objs, inline)
    return list(zip(compress(objs, tbs), filter(None, tbs)))


def forget_types() -> None:
    """Drop the cached facts about classes: the program's must not outlive a search."""
    _MANAGED.clear()


def user_frames(tb: Optional[Traceback]) -> Traceback:
    """A traceback (innermost first) without the tool's own frames."""
    return () if tb is None else tuple(f for f in tb if not f[0].startswith(PACKAGE_DIR))


def buffer_base(obj: Any) -> Any:
    t = type(obj)
    try:
        if t is memoryview:
            return obj.obj
        if getattr(t, "__module__", "") == "numpy" and t.__name__ == "ndarray":
            return obj.base
    except Exception:
        pass
    return None


def sizeof(obj: Any) -> int:
    try:
        return int(sys.getsizeof(obj))
    except Exception:
        return 0
