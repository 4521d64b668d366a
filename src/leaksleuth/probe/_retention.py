"""Why is it still alive: find leaked objects and the reference path that holds them.

This runs inside the watched process, because it needs the live objects. It uses the
stdlib only, stops at a deadline, and returns plain data (strings and numbers): once a
search returns, it holds no reference to any object of the program, so the program's
memory falls back when the leak is fixed or the report dropped.

The search walks *up*: from a few sampled objects to the objects that refer to them, one
``gc.get_referrers`` pass per level for all of them at once, until each reaches a root:
a module's globals, a class's attributes, a live frame, a thread, ``sys.modules`` or
``gc.garbage``. Objects whose referrers run out before any root are held by references
that only C code can see, or by containers the gc does not track: CPython stops tracking
a dict whose keys and values are all atomic (str to bytes, a ``__warningregistry__``)
and a tuple of atomic items, and ``gc.get_referrers`` never returns them. For those the
search then walks *down* (``_Down``): from the modules' globals and classes' attributes,
the likeliest modules first, through the containers they hold, until it meets them.
"""

from __future__ import annotations

import collections
import gc
import sys
import threading
import time
import types
import weakref
from dataclasses import asdict, dataclass, replace
from itertools import compress, filterfalse, repeat
from operator import is_, not_
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from leaksleuth.probe._heap import (
    PACKAGE_DIR,
    FrameKey,
    buffer_base,
    forget_types,
    in_fresh_thread,
    sizeof,
    traceback_of,
    type_name,
    user_frames,
)
from leaksleuth.probe._saferepr import redact_text, safe_repr
from leaksleuth.probe._sampling import Sample, _modules_by_likelihood, sample_objects

_MAX_DEPTH = 12
_MAX_FRONTIER = 96  # referrers followed per level: a shortest path needs only one
# The walk down from a sampled object to the other sites' objects it holds (``contains``).
_CONTAINS_DEPTH = 12
_CONTAINS_NODES = 20_000
_CONTAINS_CHUNK = 256  # objects between two checks of the bounds
_OWN_DICT = 256  # a dict an instance refers to is walked as its own up to this size
_CONTAINERS = (list, tuple, dict, set, frozenset, collections.deque)
# The walk down from the roots (``_Down``): levels of referents read below a batch of
# modules, objects one level takes at most (each costs an id(), an allocation, slow while
# tracemalloc traces); the same below the running frames' locals.
_DOWN_DEPTH = 8
_DOWN_LEVEL = 20_000
_LOCALS_DEPTH = 4
_LOCALS_LEVEL = 5_000
_DOWN_CHUNK = 2048  # objects whose referents are read at once: the deadline is checked between


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
    # The searched sites whose objects it holds, a few levels down ("file", line, the
    # type of the first such object): one leaked object graph made by several lines.
    contains: Tuple[Tuple[str, int, str], ...] = ()


@dataclass(frozen=True)
class RetentionResult:
    objects: Tuple[HeldObject, ...]
    searched: int  # sampled objects whose paths were searched
    seconds: float
    cut_short: bool  # the time budget ended the search


def as_plain(result: RetentionResult, budget_s: float) -> Dict[str, Any]:
    """The search as JSON-ready data for the capture."""
    data = asdict(result)
    data["budget_s"] = budget_s
    return data


def _is_tool_frame(frame: types.FrameType) -> bool:
    return frame.f_code.co_filename.startswith(PACKAGE_DIR)


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
        elif buffer_base(parent) is child:
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
        self.cut_short = False  # the deadline ended a search
        self.narrowed = False  # the depth or breadth limit left referrers unfollowed
        # Per target of the last search: whether the gc knew no referrer of it at all.
        self.unreferred: List[bool] = []

    def paths(
        self, targets: Sequence[Any], ignore: Iterable[int] = ()
    ) -> List[Optional[Tuple[str, str, List[Any], str]]]:
        """For each target: (root kind, root description, [root, ..., target], label of
        the first object, "" for a root object) or None."""
        keep: Dict[int, Any] = {id(t): t for t in targets}  # alive until we return
        up: Dict[int, List[int]] = {}  # id(child) -> ids of the objects that refer to it
        # id(node) -> (kind, description, label of the node on the path, "" for a root)
        roots: Dict[int, Tuple[str, str, str]] = {}
        # id(node) -> the targets it was reached from, one bit each: a target whose path
        # is found stops the branches that serve it alone, and the frontier is shared
        # fairly between the others. (One referrer often serves several targets: a list
        # holding them all; its bits say so whatever order its items are visited in.)
        origin: Dict[int, int] = {}
        for k, t in enumerate(targets):
            self._classify(t, roots)
            origin[id(t)] = origin.get(id(t), 0) | (1 << k)
        frontier: List[Any] = [t for t in targets if id(t) not in roots]
        mine: Set[int] = {id(keep), id(up), id(roots), id(origin), id(targets), *ignore}
        done = 0  # the bits of the targets whose path to a root is found
        for _ in range(_MAX_DEPTH):
            for k, t in enumerate(targets):
                if not done >> k & 1 and self._nearest_root(id(t), up, roots) is not None:
                    done |= 1 << k
            frontier = [o for o in frontier if origin[id(o)] & ~done]
            if not frontier:
                break
            if time.perf_counter() > self.deadline:
                self.cut_short = True
                break
            mine.add(id(frontier))
            ids = {id(o) for o in frontier}
            mine.add(id(ids))
            # Called with an exact tuple, CPython hands this very tuple to the function as
            # its arguments, so the one referrer the call itself adds is known. The call
            # compares every reference in the heap with each of these objects: its time
            # grows with the frontier's size, hence the frontier's bound.
            args = tuple(frontier)
            mine.add(id(args))
            refs = gc.get_referrers(*args)
            mine.add(id(refs))
            by_origin: Dict[int, List[Any]] = {}
            for r in refs:
                ri = id(r)
                if ri in mine or (isinstance(r, types.FrameType) and _is_tool_frame(r)):
                    continue
                came = 0
                for c in gc.get_referents(r):
                    ci = id(c)
                    if ci in ids:
                        up.setdefault(ci, []).append(ri)
                        came |= origin[ci]
                if ri in keep:
                    origin[ri] |= came
                    continue
                keep[ri] = r
                origin[ri] = came
                if not self._classify(r, roots):
                    serves = came & ~done or came
                    by_origin.setdefault(serves & -serves, []).append(r)
            del refs, args
            frontier = _fair_share(by_origin, _MAX_FRONTIER)
            self.narrowed |= sum(map(len, by_origin.values())) > len(frontier)
            by_origin.clear()
        else:  # every level used: what is left of the frontier was not followed
            self.narrowed |= any(origin[id(o)] & ~done for o in frontier)
        out = [self._path(t, up, roots, keep) for t in targets]
        self.unreferred = [id(t) not in up and id(t) not in roots for t in targets]
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


def _fair_share(groups: Dict[int, List[Any]], limit: int) -> List[Any]:
    """Up to ``limit`` objects, taken from each group in turn."""
    out: List[Any] = []
    lists = list(groups.values())
    for depth in range(max(map(len, lists), default=0)):
        for group in lists:
            if depth < len(group):
                out.append(group[depth])
                if len(out) == limit:
                    return out
    return out


Hit = Tuple[str, str, List[Any], str]  # root kind, root description, [root, ..., target], label

_HAVE_GC = 1 << 14  # Py_TPFLAGS_HAVE_GC: objects of other types refer to nothing
# Never walked into: roots of their own (modules, module-level classes, frames), objects
# whose references keep nothing of the program's alive (weak references), or whose
# referents are the interpreter's (code, descriptors, builtin functions).
_NOT_WALKED = (
    type,
    types.ModuleType,
    types.FrameType,
    types.CodeType,
    types.BuiltinFunctionType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    types.ClassMethodDescriptorType,
    types.GetSetDescriptorType,
    types.MemberDescriptorType,
    weakref.ReferenceType,
    weakref.ProxyType,
    weakref.CallableProxyType,
)
# Parents whose namespace dict is a detail of the path: ".attr" reads better than
# ".__dict__ -> ['attr']". (Exact types: ``isinstance`` could run the program's code.)
_NOT_INSTANCES = frozenset({dict, list, tuple, set, frozenset, collections.deque})


class _Down:
    """The walk down from the roots, for objects the walk up could not lead to one.

    The gc does not track a dict whose keys and values are all atomic, nor a tuple of
    atomic items, so ``gc.get_referrers`` never returns them; ``gc.get_referents``,
    called on their parent, does. This reads the objects below the roots level by level,
    one ``gc.get_referents`` call per chunk of a level, and matches the targets by
    identity (no allocation per object compared, no comparison that could run the
    program's code). The roots come in batches, likeliest first (``_batches``): the
    modules 1, 1, 2, 4, ... at a time (``_modules_by_likelihood``: the sites' own, then
    the program's, then the libraries), each with the attributes of the module-level
    classes it names, then the running frames' locals. Bounded by depth, by breadth and
    by the deadline.

    Each object put on a level costs an ``id()``, an allocation (slow while tracemalloc
    traces), to be walked once; not the containers the gc does not track (a cycle
    through them alone is rare, and the depth bounds it) nor functions (only their
    defaults and closure are read, ``_referents``). The keys of a dict whose keys are
    all str are not among its referents: a target found only as such a key is not found
    (the sampling cannot meet one either).
    """

    def __init__(self, roots: _Roots, deadline: float) -> None:
        self.roots = roots
        self.deadline = deadline
        self.cut_short = False  # the deadline ended the walk before it found every target
        # Never put on a level: the modules' globals (a function's __globals__ leads
        # there: each module is walked from its own root), sys.modules.
        self.seen: Set[int] = {*roots.module_dicts, roots.sys_modules}
        self.walked: Dict[type, bool] = {}
        self.taken = 0  # objects put on a level

    def paths(
        self, targets: Sequence[Any], namespaces: Sequence[Dict[str, Any]]
    ) -> List[Optional[Hit]]:
        out: List[Optional[Hit]] = [None] * len(targets)
        pending = list(range(len(targets)))
        named: Dict[int, Tuple[str, str, str]] = {}  # id(root) -> kind, description, label
        for first, depth, breadth in self._batches(namespaces, named):
            self._batch(first, named, depth, breadth, targets, pending, out)
            named.clear()
            if not pending or self.cut_short:
                break
        return out

    def _batches(
        self, namespaces: Sequence[Dict[str, Any]], named: Dict[int, Tuple[str, str, str]]
    ) -> Iterable[Tuple[List[Any], int, int]]:
        """The roots in batches, with the depth and breadth each is walked to: the modules
        1, 1, 2, 4, ... at a time, then the running frames' locals (not deep: a frame's
        objects are often a framework's whole state; and the sampling meets the objects
        of a container the gc does not track through the modules only)."""
        start, size = 0, 1
        while start < len(namespaces):
            if time.perf_counter() > self.deadline:
                self.cut_short = True
                return
            batch = namespaces[start : start + size]
            yield self._namespaces(batch, named), _DOWN_DEPTH, _DOWN_LEVEL
            start += size
            size = size * 2 if start > 1 else 1
        yield self._locals(named), _LOCALS_DEPTH, _LOCALS_LEVEL

    def _batch(
        self,
        first: List[Any],
        named: Dict[int, Tuple[str, str, str]],
        depth: int,
        breadth: int,
        targets: Sequence[Any],
        pending: List[int],
        out: List[Optional[Hit]],
    ) -> None:
        """Walk down from one batch of roots (``first``), ``depth`` levels below them and
        ``breadth`` objects a level at most, recording the targets met."""
        levels: List[List[Any]] = [first]
        try:
            for below_first in range(1, depth + 1):
                level = levels[-1]
                below: List[Any] = []
                for at in range(0, len(level), _DOWN_CHUNK):
                    if time.perf_counter() > self.deadline:
                        self.cut_short = True
                        return
                    chunk = level[at : at + _DOWN_CHUNK]
                    kids = _referents(chunk)
                    wanted = {type(targets[k]) for k in pending}
                    # Only the referents of a target's type are compared, one by one.
                    like = list(compress(kids, map(wanted.__contains__, map(type, kids))))
                    for k in list(pending) if like else ():
                        if any(map(is_, like, repeat(targets[k]))):
                            chain = _chain(levels, chunk, targets[k])
                            if chain:
                                kind, root, label = named[id(chain[0])]
                                out[k] = (kind, root, _tidy(chain), label)
                                pending.remove(k)
                    like.clear()
                    if below_first < depth and len(below) < breadth:
                        self._take(kids, below, breadth - len(below))
                    kids.clear()
                    del chunk
                    if not pending:
                        return
                if not below:
                    return
                levels.append(below)
        finally:
            for level in levels:
                level.clear()
            levels.clear()

    def _locals(self, named: Dict[int, Tuple[str, str, str]]) -> List[Any]:
        """The containers and objects the running frames' locals name, innermost first
        (as ``_Roots.locals``)."""
        first: List[Any] = []
        for top in sys._current_frames().values():
            f: Optional[types.FrameType] = top
            while f is not None:
                if not _is_tool_frame(f) and f.f_code.co_name != "<module>":
                    where = self.roots.frames.get(id(f), f.f_code.co_name)
                    for name, value in list(f.f_locals.items()):
                        if self._walks(type(value)) and id(value) not in self.seen:
                            self.seen.add(id(value))
                            named[id(value)] = ("frame", f"frame {where}", f"local {name}")
                            first.append(value)
                f = f.f_back
        return first

    def _namespaces(
        self, namespaces: Sequence[Dict[str, Any]], named: Dict[int, Tuple[str, str, str]]
    ) -> List[Any]:
        """Modules' globals, and the attributes of the module-level classes they name."""
        first: List[Any] = []
        for namespace in namespaces:
            i = id(namespace)
            name = self.roots.module_dicts.get(i)
            path = namespace.get("__file__")
            if name is None or i in named or (type(path) is str and path.startswith(PACKAGE_DIR)):
                continue  # not a module's, or the tool's own
            named[i] = ("module", f"module {name}", "")
            first.append(namespace)
            for value in list(namespace.values()):
                if not issubclass(type(value), type) or id(value) in self.seen:
                    continue
                self.seen.add(id(value))
                root = self.roots.describe(value)
                attributes = _class_dict(value) if root is not None else None
                if root is not None and attributes is not None and id(attributes) not in named:
                    named[id(attributes)] = (root[0], root[1], "")
                    first.append(attributes)
        return first

    def _walks(self, t: type) -> bool:
        known = self.walked.get(t)
        if known is None:
            known = self.walked[t] = _walked_into(t)
        return known

    def _take(self, kids: List[Any], below: List[Any], room: int) -> None:
        """Put on the next level the objects among ``kids`` worth walking into, each once."""
        walked = self.walked
        for t in set(map(type, kids)):
            if t not in walked:
                walked[t] = _walked_into(t)
        into = list(compress(kids, map(walked.__getitem__, map(type, kids))))
        seen = self.seen
        taken = 0
        # Without an id(): the untracked containers, which hold no cycle, and functions,
        # of which the walk reads only defaults and closures (``_referents``).
        for obj in filterfalse(_tracked, into):
            below.append(obj)
            taken += 1
            if taken == room:
                break
        for obj in compress(into, map(_tracked, into)) if taken < room else ():
            i = id(obj)
            if i not in seen:
                seen.add(i)
                below.append(obj)
                taken += 1
                if taken == room:
                    break
        into.clear()
        self.taken += taken


def _referents(objs: List[Any]) -> List[Any]:
    """What ``objs`` refer to, but of a function only what it holds of the program's: its
    defaults and closure (not its globals, builtins, code and names: every function has
    them, and each would cost an ``id()`` to be recognised as walked already)."""
    is_function = list(map(is_, map(type, objs), repeat(types.FunctionType)))
    if not any(is_function):
        return gc.get_referents(*objs)
    kids = gc.get_referents(*compress(objs, map(not_, is_function)))
    for f in compress(objs, is_function):
        for held in (f.__defaults__, f.__kwdefaults__, f.__closure__):
            if held is not None:
                kids.append(held)
    return kids


def _chain(levels: List[List[Any]], chunk: List[Any], target: Any) -> List[Any]:
    """[level 0 object, ..., target], each object a referent of the one before:
    ``chunk``, a part of the last level, refers to ``target``."""
    chain = [target]
    holder = _referrer_in(chunk, target)
    for level in reversed(levels[:-1]):
        if holder is None:
            return []
        chain.append(holder)
        holder = _referrer_in(level, holder)
    if holder is None:
        return []
    chain.append(holder)
    chain.reverse()
    return chain


def _tracked(obj: Any) -> bool:
    """Whether the walk needs an id() to visit ``obj`` once."""
    return type(obj) is not types.FunctionType and gc.is_tracked(obj)


def _walked_into(t: type) -> bool:
    return bool(t.__flags__ & _HAVE_GC) and not issubclass(t, _NOT_WALKED)


def _referrer_in(objs: List[Any], child: Any) -> Any:
    """The first of ``objs`` that refers to ``child``, or None."""
    for at in range(0, len(objs), _DOWN_CHUNK):
        chunk = objs[at : at + _DOWN_CHUNK]
        if any(map(is_, gc.get_referents(*chunk), repeat(child))):
            for obj in chunk:
                if any(map(is_, gc.get_referents(obj), repeat(child))):
                    return obj
    return None


def _class_dict(cls: type) -> Optional[Dict[str, Any]]:
    """A class's own attribute dict (``cls.__dict__`` is a proxy to it)."""
    for ref in gc.get_referents(cls):
        if type(ref) is dict:
            return ref
    return None


def _tidy(chain: List[Any]) -> List[Any]:
    """Without the instances' attribute dicts: "._cache" rather than ".__dict__ -> ['_cache']"."""
    out = chain[:1]
    for node in chain[1:]:
        parent = out[-1]
        if (
            type(node) is dict
            and type(parent) not in _NOT_INSTANCES
            and node is not chain[-1]
            and _edge(parent, node) == ".__dict__"
        ):
            continue
        out.append(node)
    return out


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


def find_holders(
    sites: Sequence[FrameKey],
    types_wanted: Sequence[str],
    budget_s: float,
    per_group: int = 3,
    redact: bool = True,
    growing: Sequence[str] = (),
    parts: Sequence[FrameKey] = (),
) -> RetentionResult:
    """Sample leaked objects and find the shortest path from a root to each.

    ``types_wanted`` are sampled; ``growing`` (every type whose count grows) only helps
    recognise new objects; ``parts`` (every growing site, searched or not) are the sites
    whose objects a sampled object is noted to hold (``HeldObject.contains``).

    The work runs in a thread of its own, the caller waiting. tracemalloc traces while
    it runs, and each allocation captures the allocating thread's stack, the line of
    every frame computed anew: from the bottom of a fresh thread that costs a fifth of
    what it costs at the end of the program's own stack (3 against 17 us on CPython
    3.11), and the search allocates at every step.
    """
    return in_fresh_thread(
        lambda: _find_holders(sites, types_wanted, budget_s, per_group, redact, growing, parts),
        "leaksleuth-holders",
    )


def _find_holders(
    sites: Sequence[FrameKey],
    types_wanted: Sequence[str],
    budget_s: float,
    per_group: int,
    redact: bool,
    growing: Sequence[str],
    parts: Sequence[FrameKey] = (),
) -> RetentionResult:
    start = time.perf_counter()
    deadline = start + budget_s
    try:
        picked, sampling_cut = sample_objects(
            sites, types_wanted, per_group, start + budget_s * 0.4, growing
        )
    finally:
        forget_types()
    roots = _Roots()
    search = _Search(roots, deadline)
    anchors = [p.anchor for p in picked]
    # The search's own holds on the samples are not paths.
    results = search.paths(anchors, ignore={id(picked), id(anchors), *map(id, picked)})
    unsure = _look_down(anchors, results, search, roots, sites, growing)
    held: List[HeldObject] = []
    sample: Optional[Sample] = None
    below = _SitesBelow(roots, [*sites, *parts], deadline + budget_s * 0.25)
    for k, (sample, hit) in enumerate(zip(picked, results)):
        one = _held(sample.obj, hit, search, sample.tail, redact, k in unsure)
        try:
            contains = below.of(sample.obj)
        except Exception:  # an object whose type lies, a heap that changed: no parts
            contains = ()
        held.append(replace(one, contains=contains) if contains else one)
    searched = len(picked)
    del picked, anchors, results, sample
    return RetentionResult(
        objects=tuple(held),
        searched=searched,
        seconds=time.perf_counter() - start,
        cut_short=search.cut_short or sampling_cut or bool(unsure),
    )


class _SitesBelow:
    """Which other growing sites' objects a sampled object holds, a few levels down: a
    figure holds the lines, texts and caches that other lines of the same request made.

    The walk goes only into objects that a growing site allocated (a frame of their
    allocation traceback is one): an object both leaks point to (an application object
    made at start-up, a module's registry) is no part of either, and walking through it
    would join separate leaks. Nor into what ``_Down`` never walks into (``_walked_into``:
    modules, classes, frames, code, weak references, and objects that hold no references,
    which still count as parts).
    Bounded in objects and time, checked every few hundred objects."""

    def __init__(self, roots: _Roots, sites: Sequence[FrameKey], deadline: float) -> None:
        self.sites = {tuple(s) for s in sites}
        self.skip = {*roots.module_dicts, *roots.modules, roots.sys_modules, roots.garbage}
        self.deadline = deadline
        self.walked: Dict[type, bool] = {}  # as ``_Down``'s: whether a type is walked into

    def _walks(self, t: type) -> bool:
        known = self.walked.get(t)
        if known is None:
            known = self.walked[t] = _walked_into(t)
        return known

    def of(self, obj: Any) -> Tuple[Tuple[str, int, str], ...]:
        """(file, line, type) of each growing site met below ``obj``, nearest first."""
        found: Dict[FrameKey, str] = {}
        seen = {id(obj)}
        level = [obj]
        for _ in range(_CONTAINS_DEPTH):
            nxt: List[Any] = []
            for n, parent in enumerate(level):
                if n % _CONTAINS_CHUNK == 0 and (
                    len(seen) > _CONTAINS_NODES or time.perf_counter() > self.deadline
                ):
                    return _as_contains(found)
                # An instance's own attribute dict may have been made after the fact
                # (read by a search): it belongs to its instance whatever its traceback.
                owned = type(parent) not in _NOT_INSTANCES
                for child in gc.get_referents(parent):
                    i, t = id(child), type(child)
                    if i in seen or i in self.skip or issubclass(t, _NOT_WALKED):
                        continue
                    seen.add(i)
                    site = next((f for f in traceback_of(child) or () if f in self.sites), None)
                    if site is not None:
                        found.setdefault(site, type_name(child))
                        if self._walks(t):  # a bytearray counts, and holds nothing
                            nxt.append(child)
                    elif owned and t is dict and len(child) <= _OWN_DICT:
                        nxt.append(child)
            level = nxt
        return _as_contains(found)


def _as_contains(found: Dict[FrameKey, str]) -> Tuple[Tuple[str, int, str], ...]:
    return tuple((f, ln, t) for (f, ln), t in found.items())


def _look_down(
    anchors: Sequence[Any],
    results: List[Optional[Hit]],
    search: _Search,
    roots: _Roots,
    sites: Sequence[FrameKey],
    growing: Sequence[str],
) -> Set[int]:
    """Fill in ``results`` from the walk down, for the objects the walk up left without
    a root that only a container the gc does not track may hold: those the gc neither
    tracks (such a container holds nothing else) nor knows a referrer of, or all when
    the walk up left referrers unfollowed. (Where the referrers run out at an object the
    gc tracks, C code holds it: no walk.) What the walk down cannot find keeps the walk
    up's verdict, unless the deadline ended the walk: then nobody knows, and those
    objects (by index) are returned."""
    missing = [
        k
        for k, (hit, bare) in enumerate(zip(results, search.unreferred))
        if hit is None and (search.narrowed or (bare and not gc.is_tracked(anchors[k])))
    ]
    if not missing or search.cut_short:
        return set()
    down = _Down(roots, search.deadline)
    try:
        namespaces = _modules_by_likelihood(sites, growing)
        found = down.paths([anchors[k] for k in missing], namespaces)
        for k, hit in zip(missing, found):
            if hit is not None:
                results[k] = hit
        return {k for k in missing if results[k] is None} if down.cut_short else set()
    except Exception:  # a heap that changed under the walk: the walk up's verdict stands
        return set()
    finally:
        down.seen.clear()
        down.walked.clear()


def holder_of(obj: Any, budget_s: float, redact: bool = True) -> Dict[str, Any]:
    """What keeps one given object alive, as plain data (a ``HeldObject``)."""
    search = _Search(_Roots(), time.perf_counter() + budget_s)
    return asdict(_held(obj, search.paths([obj])[0], search, (), redact))


def _held(
    obj: Any,
    hit: Optional[Tuple[str, str, List[Any], str]],
    search: _Search,
    tail: Sequence[Any],
    redact: bool,
    unsure: bool = False,
) -> HeldObject:
    """A searched object with its path (``tail``: the steps from the path's last object
    down to ``obj``, when the search started from an anchor above it; ``unsure``: the
    deadline ended the walk down that looked for it)."""
    if hit is None:
        # Nothing Python can see holds it: C code does, or (with the gc disabled) it
        # is an unreachable cycle that nobody will ever collect. Unless the search
        # stopped early or left referrers unfollowed: then nobody knows.
        if search.cut_short or search.narrowed or unsure:
            kind = "unknown"
        else:
            kind = "native" if gc.isenabled() else "cycle"
        root = ""
        path: Tuple[PathStep, ...] = (PathStep("?", type_name(obj), _length(obj)),)
    else:
        kind, root, chain, label = hit
        path = _steps(kind, [*chain, *tail], label, redact)
        del chain
    return HeldObject(
        type=type_name(obj),
        size=sizeof(obj),
        repr=safe_repr(obj, redact=redact),
        traceback=user_frames(traceback_of(obj)),
        root=root,
        root_kind=kind,
        path=path,
    )
