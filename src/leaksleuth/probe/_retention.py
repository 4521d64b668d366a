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

import collections
import gc
import os
import sys
import sysconfig
import threading
import time
import tracemalloc
import types
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from leaksleuth.probe._saferepr import redact_text, safe_repr

FrameKey = Tuple[str, int]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_MAX_DEPTH = 12
_MAX_FRONTIER = 256  # referrers followed per level: a shortest path needs only one
_CONTAINERS = (list, tuple, dict, set, frozenset, collections.deque)


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
    root_kind: str  # module|class|frame|thread|sys.modules|gc.garbage|native|cycle|unknown
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
        size = sum(_sizeof(o) for o in sampled) / max(len(sampled), 1)
        module = getattr(t, "__module__", "")
        name = getattr(t, "__qualname__", t.__name__)
        key = name if module in ("builtins", "", None) else f"{module}.{name}"
        old_n, old_size = out.get(key, (0, 0.0))
        out[key] = (old_n + len(bucket), max(old_size, size))
        bucket.clear()
    buckets.clear()
    return out


def as_plain(result: RetentionResult, budget_s: float) -> Dict[str, Any]:
    """The search as JSON-ready data for the capture."""
    data = asdict(result)
    data["budget_s"] = budget_s
    return data


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
        if isinstance(obj, type) and _module_level(obj):
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


def _module_level(cls: type) -> bool:
    """A class its module names (a root); a class made at run time is an ordinary object."""
    try:
        node: Any = sys.modules.get(cls.__module__)
        for part in cls.__qualname__.split("."):
            namespace = getattr(node, "__dict__", None)
            if namespace is None:
                return False
            node = namespace.get(part)
        return node is cls
    except Exception:
        return False


def _edge(parent: Any, child: Any, redact: bool = True) -> str:
    """How ``parent`` holds ``child``, in a few characters."""
    try:
        if isinstance(parent, dict):
            for k, v in parent.items():
                if v is child:
                    return f"[{_short_key(k, redact)}]"
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
        elif isinstance(parent, BaseException):
            for name in ("__traceback__", "__context__", "__cause__", "args"):
                if getattr(parent, name, None) is child:
                    return f".{name}"
        elif isinstance(parent, types.TracebackType):
            return ".tb_frame" if parent.tb_frame is child else ".tb_next"
        elif _buffer_base(parent) is child:
            return ".base" if type(parent) is not memoryview else ".obj"
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
    return "(internal)"


def _slots(t: type) -> Iterable[str]:
    for klass in t.__mro__:
        s = klass.__dict__.get("__slots__", ())
        yield from (s,) if isinstance(s, str) else s


def _short_key(k: Any, redact: bool = True) -> str:
    if isinstance(k, str):
        k = redact_text(k) if redact else k
        return repr(k if len(k) <= 40 else k[:37] + "...")
    if isinstance(k, (int, float, bool)) or k is None:
        return repr(k)
    return type_name(k)


def _length(obj: Any) -> int:
    if isinstance(obj, (*_CONTAINERS, bytes, bytearray, str)):
        return len(obj)
    return -1


class _Search:
    """Level-wise search from many objects up to roots, sharing each referrer pass.

    Every level asks the gc once for the referrers of the whole frontier and records each
    "child is held by referrer" edge, also to objects already seen (several leaked
    objects usually share their holders). At the end, a breadth-first walk over those
    recorded edges gives each object its shortest path to a root.
    """

    def __init__(self, roots: _Roots, deadline: float) -> None:
        self.roots = roots
        self.deadline = deadline
        self.cut_short = False

    def paths(
        self, targets: Sequence[Any], ignore: Iterable[int] = ()
    ) -> List[Optional[Tuple[str, str, List[Any], str]]]:
        """For each target: (root kind, root description, [root, ..., target], label of
        the first object, "" for a root object) or None."""
        keep: Dict[int, Any] = {id(t): t for t in targets}  # alive until we return
        up: Dict[int, List[int]] = {}  # id(child) -> ids of the objects that refer to it
        # id(node) -> (kind, description, label of the node on the path, "" for a root)
        roots: Dict[int, Tuple[str, str, str]] = {}
        for t in targets:
            self._classify(t, roots)
        frontier: List[Any] = [t for t in targets if id(t) not in roots]
        mine: Set[int] = {id(keep), id(up), id(roots), id(targets), *ignore}
        for _ in range(_MAX_DEPTH):
            if not frontier or self._all_resolved(targets, up, roots):
                break
            if time.perf_counter() > self.deadline:
                self.cut_short = True
                break
            mine.add(id(frontier))
            ids = {id(o) for o in frontier}
            mine.add(id(ids))
            # Called with an exact tuple, CPython hands this very tuple to the function as
            # its arguments, so the one referrer the call itself adds is known.
            args = tuple(frontier)
            mine.add(id(args))
            refs = gc.get_referrers(*args)
            mine.add(id(refs))
            nxt: List[Any] = []
            for r in refs:
                ri = id(r)
                if ri in mine or (isinstance(r, types.FrameType) and _is_tool_frame(r)):
                    continue
                for c in gc.get_referents(r):
                    if id(c) in ids:
                        up.setdefault(id(c), []).append(ri)
                if ri in keep:
                    continue
                keep[ri] = r
                if not self._classify(r, roots) and len(nxt) < _MAX_FRONTIER:
                    nxt.append(r)
            del refs, args
            frontier = nxt
        out = [self._path(t, up, roots, keep) for t in targets]
        keep.clear()
        up.clear()
        frontier = []
        return out

    def _classify(self, obj: Any, roots: Dict[int, Tuple[str, str, str]]) -> bool:
        """Record ``obj`` as a root if it is one (or a running frame's local)."""
        held = self.roots.local(obj)
        if held is not None:
            roots[id(obj)] = held
            return True
        root = self.roots.describe(obj)
        if root is not None:
            roots[id(obj)] = (root[0], root[1], "")
            return True
        return False

    @staticmethod
    def _nearest_root(
        start: int, up: Dict[int, List[int]], roots: Dict[int, Tuple[str, str, str]]
    ) -> Optional[List[int]]:
        """Ids from ``start`` up to the nearest root over the recorded edges."""
        came: Dict[int, int] = {start: start}
        level = [start]
        while level:
            nxt = []
            for node in level:
                if node in roots:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(came[chain[-1]])
                    return chain  # root first
                for ref in up.get(node, ()):
                    if ref not in came:
                        came[ref] = node
                        nxt.append(ref)
            level = nxt
        return None

    def _all_resolved(
        self,
        targets: Sequence[Any],
        up: Dict[int, List[int]],
        roots: Dict[int, Tuple[str, str, str]],
    ) -> bool:
        return all(self._nearest_root(id(t), up, roots) is not None for t in targets)

    def _path(
        self,
        target: Any,
        up: Dict[int, List[int]],
        roots: Dict[int, Tuple[str, str, str]],
        keep: Dict[int, Any],
    ) -> Optional[Tuple[str, str, List[Any], str]]:
        chain = self._nearest_root(id(target), up, roots)
        if chain is None:
            return None
        kind, desc, label = roots[chain[0]]
        return kind, desc, [keep[i] for i in chain], label


def _steps(kind: str, chain: List[Any], first_label: str, redact: bool) -> Tuple[PathStep, ...]:
    """The path as steps, root first: "global _RESULTS (list) -> [3] dict -> ..."."""
    if kind in ("module", "class") and len(chain) >= 2:
        # A module's or class's own namespace dict is a detail: name the variable instead.
        if isinstance(chain[0], (types.ModuleType, type)) and isinstance(chain[1], dict):
            chain = chain[1:]
        if isinstance(chain[0], dict) and len(chain) >= 2:
            key = _edge(chain[0], chain[1], redact)
            name = key[2:-2] if key.startswith("['") else key
            first_label = f"{'global' if kind == 'module' else 'attribute'} {name}"
            chain = chain[1:]
    steps = []
    for i, obj in enumerate(chain):
        label = (first_label or kind) if i == 0 else _edge(chain[i - 1], obj, redact)
        steps.append(PathStep(label=label, type=type_name(obj), length=_length(obj)))
    return tuple(steps)


def _site_of(tb: Sequence[FrameKey], sites: Dict[FrameKey, int]) -> int:
    """Index of the first of ``sites`` the traceback passes through, else -1."""
    if sites.keys().isdisjoint(tb):  # in C: most tracebacks miss every site
        return -1
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
        if tb is None and _MANAGED_DICT_LOOKUP is not None and _managed_dict(type(obj)):
            tb = _MANAGED_DICT_LOOKUP(0, id(obj) - _MANAGED_DICT_OFFSET)
        return None if tb is None else tuple(tb)
    except Exception:
        return None


_MANAGED: Dict[type, bool] = {}


def _managed_dict(t: type) -> bool:
    """Whether instances of ``t`` keep their attributes inline (cached: it is asked per
    object, and computing it allocates, which is slow while tracing)."""
    known = _MANAGED.get(t)
    if known is None:
        if len(_MANAGED) > 4096:
            _MANAGED.clear()
        known = _MANAGED[t] = bool(t.__flags__ & _TPFLAGS_MANAGED_DICT)
    return known


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


_STDLIB = tuple(
    {os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")}
)


def _program_made(tb: Sequence[FrameKey]) -> bool:
    """Whether an allocation traceback is the program's rather than this tool's.

    The first frame outside the standard library, innermost first, decides: the tool's
    own objects (and linecache entries it caused) are not the program's leak.
    """
    for filename, _ in tb:
        if filename.startswith("<frozen") or filename.startswith(_STDLIB):
            continue
        return not filename.startswith(_PACKAGE_DIR)
    return False


def _newest_first() -> List[Any]:
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


@dataclass
class _Sample:
    """A sampled object, the object the search starts from (itself, or the buffer view
    that keeps it alive) and the objects between the two."""

    obj: Any
    anchor: Any
    tail: Tuple[Any, ...]  # from just below the anchor down to obj; () when obj is the anchor


def _buffer_base(obj: Any) -> Any:
    t = type(obj)
    try:
        if t is memoryview:
            return obj.obj
        if getattr(t, "__module__", "") == "numpy" and t.__name__ == "ndarray":
            return obj.base
    except Exception:
        pass
    return None


_CHUNK = 256  # objects per step of the walk: the deadline is checked between steps


def sample_objects(
    sites: Sequence[FrameKey],
    types_wanted: Sequence[str],
    per_group: int,
    deadline: float,
) -> Tuple[List[_Sample], bool]:
    """Live objects allocated at one of ``sites`` (while tracemalloc traced them) or of a
    growing type, newest first, at most ``per_group`` per site and per type.

    Objects the gc does not track (bytes, str, arrays) are found among the referents of
    the tracked ones. The walk runs while tracemalloc traces, where each allocation is
    slow, so its inner loop allocates nothing for an object that is not a candidate. On
    CPython 3.11 the slower traceback lookup for instances with inline attributes is
    made only for the ``types_wanted`` (new objects from a site are of a growing type).
    Also says whether the deadline ended the walk.
    """
    index = {site: k for k, site in enumerate(sites)}
    by_site = [0] * len(sites)
    pools: List[List[_Sample]] = [[] for _ in sites]
    pool_size = max(per_group, _POOL)
    by_type: Dict[str, int] = {t: 0 for t in types_wanted}
    names: Dict[type, str] = {}
    picked: List[_Sample] = []
    seen: Set[int] = set()
    full_sites = 0  # site pools filled
    open_types = len(by_type)  # types still short of samples
    get_tb = _get_traceback
    tracked = gc.is_tracked
    # Buffer views whose base the gc cannot see. numpy only if the program imported it.
    views = (memoryview, getattr(sys.modules.get("numpy"), "ndarray", memoryview))

    def take(c: Any, tb: Optional[Sequence[FrameKey]], anchor: Any, tail: Tuple[Any, ...]) -> int:
        if tb is None:
            return 0
        k = _site_of(tb, index)
        if k < 0 or by_site[k] >= pool_size or id(c) in seen:
            return 0
        by_site[k] += 1
        seen.add(id(c))
        pools[k].append(_Sample(c, anchor, tail))
        return 1 if by_site[k] == pool_size else 0

    objs = _newest_first()
    try:
        for start in range(0, len(objs), _CHUNK):
            if time.perf_counter() > deadline:
                return picked, True
            chunk = objs[start : start + _CHUNK]
            # A traceback costs dearly while tracing (its frames are allocated, and traced):
            # ask for one only while some group still wants objects.
            sites_open = full_sites < len(sites)
            tb: Optional[Sequence[FrameKey]]
            for obj in chunk:
                got = None
                name = ""
                if open_types:
                    t = type(obj)
                    known = names.get(t)
                    if known is None:
                        known = names[t] = type_name(obj)
                    name = known
                    got = by_type.get(name)
                if got is not None and got < per_group and id(obj) not in seen:
                    tb = _raw_traceback(obj)  # with the 3.11 lookup, for wanted types only
                    if tb is not None and _program_made(tb):
                        by_type[name] = got + 1
                        if got + 1 == per_group:
                            open_types -= 1
                        seen.add(id(obj))
                        picked.append(_Sample(obj, obj, ()))
                elif sites_open:
                    tb = _raw_traceback(obj)  # the 3.11 lookup too: sites make instances
                else:
                    continue
                if sites_open and tb is not None:
                    full_sites += take(obj, tb, obj, ())
            if sites_open:
                referents = gc.get_referents(*chunk)
                # One chunk can refer to a huge container's worth of objects: keep checking
                # the deadline inside it too.
                for part in range(0, len(referents), _CHUNK * 4):
                    if time.perf_counter() > deadline:
                        return picked, True
                    for c in referents[part : part + _CHUNK * 4]:
                        if tracked(c):
                            continue
                        tb = get_tb(c)
                        if tb is not None:
                            full_sites += take(c, tb, c, ())
                        if type(c) in views:  # type identity: __name__ would allocate
                            base = _buffer_base(c)
                            if base is not None:
                                full_sites += take(base, get_tb(base), c, (base,))
                del referents
            del chunk
            if full_sites >= len(sites) and not open_types:
                break
        return picked, False
    finally:
        objs.clear()
        for k, pool in enumerate(pools):
            entries = _entry_points(pool, sites[k], per_group)
            if not entries and pool:
                # The newest objects were all inside the structure: look for it from the
                # outside, among what old objects refer to.
                entries = _held_by_old(sites[k], per_group, deadline + _ENTRY_GRACE)
            picked.extend(entries or pool[:per_group])
            pool.clear()


_POOL = 48  # objects of one site considered before choosing the ones to search from


def _entry_points(pool: List[_Sample], site: FrameKey, per_group: int) -> List[_Sample]:
    """The objects through which the program holds what a site allocated.

    One call of a site often allocates a whole structure (a figure, its axes, their
    artists), all of it with the site in its traceback. The informative objects are its
    entry points: those referred to by something older than the burst (a list, a
    registry), because a holder's path reaches the structure through them.
    """
    if len(pool) <= per_group:
        return pool
    members = {id(s.anchor) for s in pool}
    refs = gc.get_referrers(*[s.anchor for s in pool])
    outside: Set[int] = set()
    for r in refs:
        if id(r) in members or r is pool or type(r) is _Sample:
            continue
        if _raw_traceback(r) is not None:
            continue  # born during the burst: part of this or another new structure
        for c in gc.get_referents(r):
            if id(c) in members:
                outside.add(id(c))
    del refs
    return [s for s in pool if id(s.anchor) in outside][:per_group]


_ENTRY_GRACE = 0.5  # seconds the outside-in look may add to the sampling deadline
_NEW_STREAK = 512  # traced objects in a row: the oldest generation's new tail begins


def _held_by_old(site: FrameKey, per_group: int, deadline: float) -> List[_Sample]:
    """Objects allocated at ``site`` that an object older than the burst refers to.

    The oldest generation keeps its objects in order of arrival, so it is read from the
    front, where a traceback lookup is cheap (old objects have none), until a long run
    of traced objects says the burst's survivors begin. Whatever an old object refers
    to that the site allocated is an entry point of the leaked structure.
    """
    found: List[_Sample] = []
    seen: Set[int] = set()
    old = gc.get_objects(generation=2)
    try:
        streak = 0
        for start in range(0, len(old), _CHUNK):
            if time.perf_counter() > deadline or streak > _NEW_STREAK:
                break
            olds = []
            for obj in old[start : start + _CHUNK]:
                if _raw_traceback(obj) is None:
                    olds.append(obj)
                    streak = 0
                else:
                    streak += 1
            for c in gc.get_referents(*olds):
                tb = _raw_traceback(c)
                if tb is not None and site in tb and id(c) not in seen:
                    seen.add(id(c))
                    found.append(_Sample(c, c, ()))
                    if len(found) >= per_group:
                        return found
            olds.clear()
        return found
    finally:
        old.clear()


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
    try:
        picked, sampling_cut = sample_objects(
            sites, types_wanted, per_group, start + budget_s * 0.3
        )
    finally:
        _MANAGED.clear()  # it holds classes; the program's must not outlive the search
    roots = _Roots()
    search = _Search(roots, deadline)
    anchors = [p.anchor for p in picked]
    # The search's own holds on the samples are not paths.
    results = search.paths(anchors, ignore={id(picked), id(anchors), *map(id, picked)})
    held: List[HeldObject] = []
    sample: Optional[_Sample] = None
    for sample, hit in zip(picked, results):
        obj = sample.obj
        tb = _user_frames(_raw_traceback(obj))
        if hit is None:
            # Nothing Python can see holds it: C code does, or (with the gc disabled) it
            # is an unreachable cycle that nobody will ever collect.
            kind = "unknown" if search.cut_short else "native" if gc.isenabled() else "cycle"
            root = ""
            path: Tuple[PathStep, ...] = (PathStep("?", type_name(obj), _length(obj)),)
        else:
            kind, root, chain, label = hit
            path = _steps(kind, [*chain, *sample.tail], label, redact)
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
        del obj
    searched = len(picked)
    del picked, anchors, results, sample
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
