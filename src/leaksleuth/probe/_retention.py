"""Why is it still alive: find leaked objects and the reference path that holds them.

This runs inside the watched process, because it needs the live objects. It uses the
stdlib only, stops at a deadline, and returns plain data (strings and numbers): once a
search returns, it holds no reference to any object of the program, so the program's
memory falls back when the leak is fixed or the report dropped.

The search walks *up*: from a few sampled objects to the objects that refer to them, one
``gc.get_referrers`` pass per level for all of them at once, until each reaches a root:
a module's globals, a class's attributes, a live frame, a thread, ``sys.modules`` or
``gc.garbage``. Objects whose referrers run out before any root are held by references
that only C code can see.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import tracemalloc
import types
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from leaksleuth.probe._saferepr import safe_repr

FrameKey = Tuple[str, int]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_MAX_DEPTH = 12
_MAX_FRONTIER = 256  # referrers followed per level: a shortest path needs only one
_CONTAINERS = (list, tuple, dict, set, frozenset)


@dataclass(frozen=True)
class PathStep:
    """One object on a retention path, root first. ``label`` is how its parent holds it."""

    label: str  # "global _RESULTS", "[3]", "['key']", ".attr", "local frames", ...
    type: str  # qualified type name
    length: int = -1  # len() of a container, else -1


@dataclass(frozen=True)
class HeldObject:
    """A sampled leaked object, where it was allocated and what keeps it alive."""

    type: str
    size: int  # sys.getsizeof, bytes
    repr: str  # safe: truncated, and redacted unless asked otherwise
    traceback: Tuple[FrameKey, ...]  # allocation, innermost first; () if unknown
    root: str  # "module app.service", "class app.Model", "thread worker", "" if none found
    root_kind: str  # module | class | frame | thread | sys.modules | gc.garbage | native | unknown
    path: Tuple[PathStep, ...]  # root first, the object last


@dataclass(frozen=True)
class RetentionResult:
    objects: Tuple[HeldObject, ...]
    searched: int  # sampled objects whose paths were searched
    seconds: float
    cut_short: bool  # the time budget ended the search


def type_name(obj: Any) -> str:
    t = type(obj)
    module = getattr(t, "__module__", "")
    name = getattr(t, "__qualname__", t.__name__)
    return name if module in ("builtins", "", None) else f"{module}.{name}"


def type_census() -> Dict[str, int]:
    """Live gc-tracked objects per type (one pass over the gc's lists)."""
    counts: Dict[type, int] = {}
    for obj in gc.get_objects():
        t = type(obj)
        counts[t] = counts.get(t, 0) + 1
    out: Dict[str, int] = {}
    for t, n in counts.items():
        module = getattr(t, "__module__", "")
        name = getattr(t, "__qualname__", t.__name__)
        key = name if module in ("builtins", "", None) else f"{module}.{name}"
        out[key] = out.get(key, 0) + n
    return out


def _is_tool_frame(frame: types.FrameType) -> bool:
    return frame.f_code.co_filename.startswith(_PACKAGE_DIR)


def _user_frames(tb: Optional[Tuple[FrameKey, ...]]) -> Tuple[FrameKey, ...]:
    """A traceback (innermost first) without the tool's own frames."""
    return () if tb is None else tuple(f for f in tb if not f[0].startswith(_PACKAGE_DIR))


class _Roots:
    """What counts as a root, indexed by object id."""

    def __init__(self) -> None:
        self.module_dicts: Dict[int, str] = {}
        self.modules: Dict[int, str] = {}
        for name, mod in list(sys.modules.items()):
            d = getattr(mod, "__dict__", None)
            if isinstance(d, dict):
                self.module_dicts.setdefault(id(d), name)
                self.modules.setdefault(id(mod), name)
        self.threads: Dict[int, str] = {id(t): t.name for t in threading.enumerate()}
        self.frames: Dict[int, str] = {}
        for top in sys._current_frames().values():
            f: Optional[types.FrameType] = top
            while f is not None:
                if not _is_tool_frame(f):
                    code = f.f_code
                    self.frames[id(f)] = f"{code.co_name} ({code.co_filename}:{f.f_lineno})"
                f = f.f_back
        # Frame ids stay valid: the frames are alive while their calls run below us.
        # A running frame does not show its locals to the gc, so index them here.
        self.locals: Dict[int, Tuple[str, str]] = {}
        for top in sys._current_frames().values():
            f = top
            while f is not None:
                if not _is_tool_frame(f) and f.f_code.co_name != "<module>":
                    where = self.frames.get(id(f), f.f_code.co_name)
                    for name, value in list(f.f_locals.items()):
                        self.locals.setdefault(id(value), (where, name))
                f = f.f_back
        self.garbage = id(gc.garbage)
        self.sys_modules = id(sys.modules)

    def local(self, obj: Any) -> Optional[Tuple[str, str, str]]:
        """("frame", description, "local NAME") if a running frame holds ``obj``."""
        hit = self.locals.get(id(obj))
        return None if hit is None else ("frame", f"frame {hit[0]}", f"local {hit[1]}")

    def describe(self, obj: Any) -> Optional[Tuple[str, str]]:
        """(kind, description) if ``obj`` is a root."""
        i = id(obj)
        if i in self.module_dicts:
            return "module", f"module {self.module_dicts[i]}"
        if i in self.modules:
            return "module", f"module {self.modules[i]}"
        if isinstance(obj, type):
            return "class", f"class {obj.__module__}.{obj.__qualname__}"
        if i in self.frames:
            return "frame", f"frame {self.frames[i]}"
        if i in self.threads:
            return "thread", f"thread {self.threads[i]!r}"
        if i == self.garbage:
            return "gc.garbage", "gc.garbage"
        if i == self.sys_modules:
            return "sys.modules", "sys.modules"
        return None


def _edge(parent: Any, child: Any) -> str:
    """How ``parent`` holds ``child``, in a few characters."""
    try:
        if isinstance(parent, dict):
            for k, v in parent.items():
                if v is child:
                    return f"[{_short_key(k)}]"
                if k is child:
                    return "(key)"
        elif isinstance(parent, (list, tuple)):
            for i, v in enumerate(parent):
                if v is child:
                    return f"[{i}]"
        elif isinstance(parent, (set, frozenset)):
            return "{item}"
        elif isinstance(parent, types.FunctionType):
            if parent.__defaults__ is child:
                return ".__defaults__"
            if parent.__kwdefaults__ is child:
                return ".__kwdefaults__"
            if parent.__closure__ is child:
                return ".__closure__"
            if parent.__globals__ is child:
                return ".__globals__"
        elif isinstance(parent, types.CellType):
            return ".cell_contents"
        elif isinstance(parent, types.FrameType):
            for name, v in parent.f_locals.items():
                if v is child:
                    return f"local {name}"
        elif isinstance(parent, types.MethodType):
            return ".__self__" if parent.__self__ is child else ".__func__"
        else:
            attrs = getattr(parent, "__dict__", None)
            if isinstance(attrs, dict):
                if attrs is child:
                    return ".__dict__"
                for k, v in attrs.items():
                    if v is child:
                        return f".{k}"
            for slot in _slots(type(parent)):
                if getattr(parent, slot, None) is child:
                    return f".{slot}"
    except Exception:  # a hostile __eq__ or __getattr__: fall back to a plain arrow
        pass
    return "->"


def _slots(t: type) -> Iterable[str]:
    for klass in t.__mro__:
        s = klass.__dict__.get("__slots__", ())
        yield from (s,) if isinstance(s, str) else s


def _short_key(k: Any) -> str:
    if isinstance(k, str):
        return repr(k if len(k) <= 40 else k[:37] + "...")
    if isinstance(k, (int, float, bool)) or k is None:
        return repr(k)
    return type_name(k)


def _length(obj: Any) -> int:
    if isinstance(obj, (*_CONTAINERS, bytes, bytearray, str)):
        return len(obj)
    return -1


class _Search:
    """Level-wise search from many objects up to roots, sharing each referrer pass."""

    def __init__(self, roots: _Roots, deadline: float) -> None:
        self.roots = roots
        self.deadline = deadline
        self.cut_short = False

    def paths(self, targets: Sequence[Any]) -> List[Optional[Tuple[str, str, List[Any], str]]]:
        """For each target: (root kind, root description, [root, ..., target], label of
        the first object, "" for a root object) or None."""
        parent: Dict[int, Any] = {}  # id(referrer) -> the object it was reached from
        keep: Dict[int, Any] = {id(t): t for t in targets}  # alive until we return
        # target id -> (kind, description, first object on the path, its label or "")
        found: Dict[int, Tuple[str, str, Any, str]] = {}
        for t in targets:
            held = self.roots.local(t)
            if held is not None:
                found[id(t)] = (held[0], held[1], t, held[2])
        owner: Dict[int, Set[int]] = {id(t): {id(t)} for t in targets}  # node -> targets
        frontier: List[Any] = list(targets)
        mine: Set[int] = {id(parent), id(keep), id(found), id(owner), id(targets)}
        for depth in range(_MAX_DEPTH):
            if not frontier or len(found) == len(targets):
                break
            if time.perf_counter() > self.deadline:
                self.cut_short = True
                break
            mine.add(id(frontier))
            ids = {id(o) for o in frontier}
            mine.add(id(ids))
            refs = gc.get_referrers(*frontier)
            mine.add(id(refs))
            nxt: List[Any] = []
            for r in refs:
                ri = id(r)
                if ri in mine or ri in parent or (ri in keep and depth > 0):
                    continue
                if isinstance(r, types.FrameType) and _is_tool_frame(r):
                    continue
                if type(r) is tuple and len(r) == len(frontier) and r[0] is frontier[0]:
                    continue  # the argument tuple of our own get_referrers call
                children = [c for c in gc.get_referents(r) if id(c) in ids]
                if not children:
                    continue
                child = children[0]
                owners = set().union(*(owner.get(id(c), set()) for c in children))
                owners -= set(found)
                if not owners:
                    continue
                parent[ri] = child
                keep[ri] = r
                owner[ri] = owners
                held = self.roots.local(r)
                if held is not None:
                    for t in owners:
                        found[t] = (held[0], held[1], r, held[2])
                    continue
                root = self.roots.describe(r)
                if root is not None:
                    for t in owners:
                        found[t] = (root[0], root[1], r, "")
                    continue
                if len(nxt) < _MAX_FRONTIER:
                    nxt.append(r)
            del refs
            frontier = nxt
        out: List[Optional[Tuple[str, str, List[Any], str]]] = []
        for t in targets:
            hit = found.get(id(t))
            if hit is None:
                out.append(None)
                continue
            kind, desc, node, label = hit
            chain = [node]
            while id(node) != id(t) and id(node) in parent:
                node = parent[id(node)]
                chain.append(node)
            out.append((kind, desc, chain, label))
        parent.clear()
        keep.clear()
        found.clear()
        frontier = []
        return out


def _steps(kind: str, chain: List[Any], first_label: str) -> Tuple[PathStep, ...]:
    """The path as steps, root first: "global _RESULTS (list) -> [3] dict -> ..."."""
    if kind in ("module", "class") and len(chain) >= 2:
        # A module's or class's own namespace dict is a detail: name the variable instead.
        if isinstance(chain[0], (types.ModuleType, type)) and isinstance(chain[1], dict):
            chain = chain[1:]
        if isinstance(chain[0], dict) and len(chain) >= 2:
            key = _edge(chain[0], chain[1])
            name = key[2:-2] if key.startswith("['") else key
            first_label = f"{'global' if kind == 'module' else 'attribute'} {name}"
            chain = chain[1:]
    steps = []
    for i, obj in enumerate(chain):
        label = (first_label or kind) if i == 0 else _edge(chain[i - 1], obj)
        steps.append(PathStep(label=label, type=type_name(obj), length=_length(obj)))
    return tuple(steps)


def _site_of(tb: Tuple[FrameKey, ...], sites: Dict[FrameKey, int]) -> int:
    """Index of the first of ``sites`` the traceback passes through, else -1."""
    for frame in tb:
        k = sites.get(frame)
        if k is not None:
            return k
    return -1


def _raw_traceback(obj: Any) -> Optional[Tuple[FrameKey, ...]]:
    """Where tracemalloc saw ``obj`` allocated, innermost frame first, or None.

    The private C function returns plain (file, line) tuples; the public one wraps each
    frame in Python objects, which is ten times slower over a whole heap.
    """
    try:
        tb = _get_traceback(obj)
        managed = type(obj).__flags__ & _TPFLAGS_MANAGED_DICT
        if tb is None and managed and _MANAGED_DICT_LOOKUP is not None:
            tb = _MANAGED_DICT_LOOKUP(0, id(obj) - _MANAGED_DICT_OFFSET)
        return None if tb is None else tuple(tb)
    except Exception:
        return None


def _public_traceback(obj: Any) -> Optional[Tuple[FrameKey, ...]]:
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


def _newest_first() -> Iterator[Any]:
    """Every gc-tracked object, roughly newest first.

    The young generations hold what was born since the last collection; the oldest
    generation keeps its objects in order of arrival, so reading it backwards meets the
    survivors of the latest iterations first.
    """
    yield from gc.get_objects(generation=0)
    yield from gc.get_objects(generation=1)
    yield from reversed(gc.get_objects(generation=2))


def sample_objects(
    sites: Sequence[FrameKey],
    types_wanted: Sequence[str],
    per_group: int,
    deadline: float,
) -> Tuple[List[Any], bool]:
    """Live objects allocated at one of ``sites`` (while tracemalloc traced them) or of a
    growing type, newest first, at most ``per_group`` per site and per type.

    Objects the gc does not track (bytes, str, numbers) are found through the containers
    that refer to them. Also says whether the deadline ended the walk.
    """
    index = {site: k for k, site in enumerate(sites)}
    by_site = [0] * len(sites)
    by_type: Dict[str, int] = {t: 0 for t in types_wanted}
    names: Dict[type, str] = {}
    picked: List[Any] = []
    seen: Set[int] = set()
    wanted = len(sites) + len(by_type)
    full = 0
    get_tb = _raw_traceback
    for n, obj in enumerate(_newest_first()):
        if n % 512 == 0 and time.perf_counter() > deadline:
            return picked, True
        if by_type:
            t = type(obj)
            name = names.get(t)
            if name is None:
                name = names[t] = type_name(obj)
            got = by_type.get(name)
            if got is not None and got < per_group and id(obj) not in seen:
                by_type[name] = got + 1
                full += got + 1 == per_group
                seen.add(id(obj))
                picked.append(obj)
        if not index:
            continue
        for c in (obj, *gc.get_referents(obj)):
            tb = get_tb(c)
            if tb is None or id(c) in seen:
                continue
            k = _site_of(tb, index)
            if k >= 0 and by_site[k] < per_group and (c is obj or not gc.is_tracked(c)):
                by_site[k] += 1
                full += by_site[k] == per_group
                seen.add(id(c))
                picked.append(c)
        if full >= wanted:
            break
    return picked, False


def find_holders(
    sites: Sequence[FrameKey],
    types_wanted: Sequence[str],
    budget_s: float,
    per_group: int = 3,
    redact: bool = True,
) -> RetentionResult:
    """Sample leaked objects and find the shortest path from a root to each."""
    start = time.perf_counter()
    deadline = start + budget_s
    picked, sampling_cut = sample_objects(sites, types_wanted, per_group, start + budget_s / 2)
    roots = _Roots()
    search = _Search(roots, deadline)
    results = search.paths(picked)
    held: List[HeldObject] = []
    obj: Any = None
    for obj, hit in zip(picked, results):
        tb = _user_frames(_raw_traceback(obj))
        if hit is None:
            kind = "unknown" if search.cut_short else "native"
            root = ""
            path: Tuple[PathStep, ...] = (PathStep("?", type_name(obj), _length(obj)),)
        else:
            kind, root, chain, label = hit
            path = _steps(kind, chain, label)
            del chain
        held.append(
            HeldObject(
                type=type_name(obj),
                size=_sizeof(obj),
                repr=safe_repr(obj, redact=redact),
                traceback=tb,
                root=root,
                root_kind=kind,
                path=path,
            )
        )
    searched = len(picked)
    del picked, results, obj
    return RetentionResult(
        objects=tuple(held),
        searched=searched,
        seconds=time.perf_counter() - start,
        cut_short=search.cut_short or sampling_cut,
    )


def _sizeof(obj: Any) -> int:
    try:
        return int(sys.getsizeof(obj))
    except Exception:
        return 0
