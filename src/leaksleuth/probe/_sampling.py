"""Find live objects that a leak made: what an allocation site allocated (while
tracemalloc traced it) or objects of a type whose count grows.

The walk runs inside the watched process while tracemalloc traces, under a deadline. It
reads the heap roughly newest first, because the survivors of the latest iterations are
the leak's freshest objects, and it picks, among the objects one site allocated, the
*entry points* of the leaked structure: those an object older than the burst refers to,
because the holder's path reaches the structure through them.
"""

from __future__ import annotations

import collections
import gc
import os
import sys
import time
import types
import weakref
from dataclasses import dataclass
from itertools import compress, filterfalse
from typing import Any, Dict, Iterable, List, Sequence, Set, Tuple

from leaksleuth.analysis._sources import SourceClassifier
from leaksleuth.probe._heap import (
    FrameKey,
    Inline,
    Traceback,
    buffer_base,
    newest_first,
    program_made,
    traceback_of,
    tracebacks,
    traced,
    type_name_of,
)

_CHUNK = 2048  # objects per step of a walk: the deadline is checked between steps
_STEP_MIN = 64  # the newest-first walk's steps, adaptive
_STEP_MAX = 4096
_LOOKUPS = 512  # traced objects the newest-first walk looks up at most
# (big steps: every list a step makes grows by reallocations, each traced, so costly)
_POOL = 48  # objects of one site considered before choosing the ones to search from
_ENTRY_GRACE = 0.5  # seconds the outside-in look may add to the sampling deadline
_ROOTS_SHARE = 0.5  # of the sampling's time, what the roots' containers may take at most
_NEW_STREAK = 512  # traced objects in a row: the oldest generation's new tail begins


@dataclass
class Sample:
    """A sampled object, the object the search starts from (itself, or the buffer view
    that keeps it alive) and the objects between the two."""

    obj: Any
    anchor: Any
    tail: Tuple[Any, ...]  # from just below the anchor down to obj; () when obj is the anchor


class _SitePools:
    """Objects allocated at each site, newest first, up to a pool's size per site."""

    def __init__(
        self, sites: Sequence[FrameKey], size: int, seen: Set[int], done: Iterable[int] = ()
    ) -> None:
        self.sites = list(sites)
        self.index = {site: k for k, site in enumerate(sites)}
        self.keys = self.index.keys()  # made once: a view per lookup would allocate
        # Per site, objects wanted: none for the sites in ``done`` (already sampled).
        closed = set(done)
        self.sizes = [0 if k in closed else size for k in range(len(sites))]
        self.pools: List[List[Sample]] = [[] for _ in sites]
        self.open = sum(1 for n in self.sizes if n)  # pools not yet full
        self.seen = seen

    def offer(self, obj: Any, tb: Traceback, anchor: Any, tail: Tuple[Any, ...]) -> None:
        if self.keys.isdisjoint(tb):  # in C: most tracebacks miss every site
            return
        k = next(self.index[f] for f in tb if f in self.index)  # the innermost site
        pool = self.pools[k]
        if len(pool) >= self.sizes[k] or id(obj) in self.seen:
            return
        self.seen.add(id(obj))
        pool.append(Sample(obj, anchor, tail))
        if len(pool) == self.sizes[k]:
            self.open -= 1

    def entries(
        self, per_group: int, deadline: float, made: _Kinds, shallow: List[List[Sample]]
    ) -> List[Sample]:
        """Up to ``per_group`` entry points per site; the pools are emptied. ``made``:
        the classes the leaked objects may be of; ``shallow``: per site, the objects
        found in the roots' containers, the best entry points (their path is short)."""
        chosen: List[List[Sample]] = [
            found or _entry_points(pool, per_group) for found, pool in zip(shallow, self.pools)
        ]
        # Where the newest objects were all inside the structure, or the walk ended
        # before it met the site, look for the structure from the outside.
        missing = [k for k, c in enumerate(chosen) if not c]
        if missing:
            found = _held_by_old([self.sites[k] for k in missing], per_group, deadline, made)
            for k, samples in zip(missing, found):
                chosen[k] = samples or self.pools[k][:per_group]
        for pool in self.pools:
            pool.clear()
        return [s for group in chosen for s in group]


class _Kinds:
    """Classes the leaked objects may be of: those seen at the sites, and those whose
    instance count grows (by name), for the 3.11 second lookup (``tracebacks``)."""

    def __init__(self, types: Set[type], names: Iterable[str]) -> None:
        self.types = types
        self.names = set(names)
        self.known: Dict[type, bool] = {}

    def among(self, objs: Sequence[Any]) -> Set[type]:
        out = set()
        for t in set(map(type, objs)):
            hit = self.known.get(t)
            if hit is None:
                hit = self.known[t] = t in self.types or type_name_of(t) in self.names
            if hit:
                out.add(t)
        return out

    def clear(self) -> None:
        self.types.clear()
        self.known.clear()


def sample_objects(
    sites: Sequence[FrameKey],
    types_wanted: Sequence[str],
    per_group: int,
    deadline: float,
    growing: Sequence[str] = (),
) -> Tuple[List[Sample], bool]:
    """Live objects allocated at one of ``sites`` or of a growing type, at most
    ``per_group`` per site and per type; also whether the deadline cut the walk short.
    ``growing``: every type whose instance count grows (a hint, for CPython 3.11).

    Objects the gc does not track (bytes, str, arrays) are found among the referents of
    the tracked ones. Objects of a wanted type count only if the program allocated them
    while tracemalloc traced (a new object, not the tool's).
    """
    seen: Set[int] = set()
    # First the objects that the roots' containers hold: where a site's are found there,
    # the newest-first walk need not look for that site's.
    now = time.perf_counter()
    shallow = _held_by_roots(
        sites,
        per_group,
        now + (deadline - now) * _ROOTS_SHARE,
        _Kinds(set(), growing),
        seen,
        growing,
    )
    pools = _SitePools(sites, max(per_group, _POOL), seen, [k for k, f in enumerate(shallow) if f])
    by_type: Dict[str, int] = {t: 0 for t in types_wanted}
    open_types = len(by_type)  # types still short of samples
    names: Dict[type, str] = {}
    picked: List[Sample] = []
    # Buffer views whose base the gc cannot see. numpy only if the program imported it.
    views = {memoryview, getattr(sys.modules.get("numpy"), "ndarray", memoryview)}
    cut = False
    untraced = 0  # objects in a row without a traceback
    lookups = 0  # tracebacks of traced objects looked up, each costly
    objs = newest_first()
    try:
        start, step = 0, _STEP_MIN
        while start < len(objs):
            if pools.open == 0 and not open_types:
                break
            if time.perf_counter() > deadline:
                cut = True
                break
            chunk = objs[start : start + step]
            start += len(chunk)
            tools: Set[int] = set()  # the tool's own new containers (linecache's lines, ...)
            # The lookup of instances that only 3.11 misplaces is costly: make it while
            # the sites want objects, else for the wanted types only, and not at all past
            # a long run of untraced objects (the walk is then among older objects).
            inline: Inline = untraced <= _NEW_STREAK
            if not pools.open:  # only objects of the wanted types matter now
                kinds = _named(set(map(type, chunk)), names, by_type, per_group)
                chunk = list(compress(chunk, [type(o) in kinds for o in chunk]))
                inline = kinds if inline else False
            found = traced(chunk, inline)
            untraced = untraced + len(chunk) if not found else 0
            lookups += len(found)
            if lookups > _LOOKUPS:  # enough: the outside-in look (entries) does the rest
                pools.open = open_types = 0
            # A traced object's lookup allocates its traceback, which is slow while
            # tracing: small steps among new objects, bigger ones among old objects
            # (where each step's own lists cost more than the lookups).
            step = min(step * 2, _STEP_MAX) if len(found) * 8 < len(chunk) else _STEP_MIN
            for obj, tb in found:
                if not program_made(tb):
                    tools.add(id(obj))
                    continue
                if open_types:
                    t = type(obj)
                    name = names.get(t)
                    if name is None:
                        name = names[t] = type_name_of(t)
                    got = by_type.get(name)
                    if got is not None and got < per_group and id(obj) not in seen:
                        by_type[name] = got + 1
                        open_types -= got + 1 == per_group
                        seen.add(id(obj))
                        picked.append(Sample(obj, obj, ()))
                if pools.open:
                    pools.offer(obj, tb, obj, ())
            if pools.open:
                # Looking up what the tool's own containers hold costs much (each lookup
                # allocates while tracing) and cannot find the program's objects.
                mine = [o for o in chunk if id(o) not in tools] if tools else chunk
                cut = _untracked_referents(mine, pools, views, deadline)
                del mine
                if cut:
                    break
            del chunk
    finally:
        objs.clear()
    made = _Kinds({type(s.obj) for pool in pools.pools for s in pool}, [*growing, *by_type])
    picked.extend(pools.entries(per_group, deadline + _ENTRY_GRACE, made, shallow))
    names.clear()
    made.clear()
    return picked, cut


def _named(
    kinds: Set[type], names: Dict[type, str], by_type: Dict[str, int], per_group: int
) -> Set[type]:
    """The classes among ``kinds`` whose objects are still wanted."""
    wanted = set()
    for t in kinds:
        name = names.get(t)
        if name is None:
            name = names[t] = type_name_of(t)
        if by_type.get(name, per_group) < per_group:
            wanted.add(t)
    return wanted


def _untracked_referents(
    chunk: List[Any], pools: _SitePools, views: Set[type], deadline: float
) -> bool:
    """Offer the objects a chunk refers to that the gc does not track; whether the
    deadline ended it (one chunk can refer to a huge container's worth of objects)."""
    untracked = list(filterfalse(gc.is_tracked, gc.get_referents(*chunk)))
    try:
        for start in range(0, len(untracked), _CHUNK):
            if not pools.open:
                break
            if time.perf_counter() > deadline:
                return True
            part = untracked[start : start + _CHUNK]
            for c, tb in traced(part):
                pools.offer(c, tb, c, ())
            if not views.isdisjoint(map(type, part)):
                for view in [c for c in part if type(c) in views]:
                    base = buffer_base(view)
                    base_tb = None if base is None else traceback_of(base)
                    if base_tb is not None:
                        pools.offer(base, base_tb, view, (base,))
        return False
    finally:
        untracked.clear()


def _entry_points(pool: List[Sample], per_group: int) -> List[Sample]:
    """The objects through which the program holds what a site allocated.

    One call of a site often allocates a whole structure (a figure, its axes, their
    artists), all of it with the site in its traceback. The informative objects are its
    entry points: those referred to by something older than the burst (a list, a
    registry), because a holder's path reaches the structure through them.
    """
    if len(pool) <= per_group:
        return pool[:]
    members = {id(s.anchor) for s in pool}
    refs = gc.get_referrers(*[s.anchor for s in pool])
    try:
        mine = {id(pool), *map(id, pool)}
        candidates = [r for r in refs if id(r) not in members and id(r) not in mine]
        olds = list(compress(candidates, [tb is None for tb in tracebacks(candidates)]))
        outside = {id(c) for c in gc.get_referents(*olds) if id(c) in members}
        return [s for s in pool if id(s.anchor) in outside][:per_group]
    finally:
        refs.clear()


def _held_by_roots(
    sites: Sequence[FrameKey],
    per_group: int,
    deadline: float,
    made: _Kinds,
    seen: Set[int],
    growing: Sequence[str] = (),
) -> List[List[Sample]]:
    """Per site, objects it allocated that sit in a container a root refers to.

    Most leaks are kept by a container that a module global, a class attribute or an
    attribute of a module-level object refers to (a list that grows, a registry dict).
    This reads the items of those containers, module by module, the likeliest first
    (``_modules_by_likelihood``), until the deadline. It runs while tracemalloc traces,
    where every allocation costs a traceback capture (microseconds), so each level of a
    module's references is gathered by one ``gc.get_referents`` call over all of its
    objects (no allocation per object, not even an ``id()``), and weak references, which
    keep nothing alive, are never taken for the leak's objects.
    """
    pools = _SitePools(sites, per_group, seen)
    try:
        for namespace in _modules_by_likelihood(sites, growing):
            if pools.open == 0 or time.perf_counter() > deadline:
                break
            items = _held_items(namespace)
            for start in range(0, len(items), _CHUNK):
                chunk = items[start : start + _CHUNK]
                for obj, tb in traced(chunk, made.among(chunk)):
                    if not issubclass(type(obj), _WEAK):
                        pools.offer(obj, tb, obj, ())
                del chunk
                if time.perf_counter() > deadline:
                    break
            items.clear()
        return [pool[:] for pool in pools.pools]
    finally:
        for pool in pools.pools:
            pool.clear()


def _modules_by_likelihood(sites: Sequence[FrameKey], growing: Sequence[str]) -> List[Any]:
    """The modules' global namespaces: first those of the sites' own files, then those of
    the packages whose classes grow and the program's own (not the standard library's,
    not an installed package's), then the rest."""
    files = {os.path.abspath(f) for f, _ in sites}
    packages = {name.split(".", 1)[0] for name in growing if "." in name}
    own = SourceClassifier()
    first: List[Any] = []
    second: List[Any] = []
    rest: List[Any] = []
    for name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if type(namespace) is not dict:
            continue
        path = namespace.get("__file__")
        path = os.path.abspath(path) if isinstance(path, str) else ""
        if path in files:
            first.append(namespace)
        elif name.split(".", 1)[0] in packages or (path and own.is_user(path)):
            second.append(namespace)
        else:
            rest.append(namespace)
    return first + second + rest


def _held_items(namespace: Dict[str, Any]) -> List[Any]:
    """The items of the containers a module's globals, its classes' attributes and its
    objects' attributes refer to."""
    globals_ = gc.get_referents(namespace)  # the module's globals (and their names)
    owners = [v for v in globals_ if _has_attributes(v)]
    attributes = gc.get_referents(*owners)  # their attributes, or the dicts of them
    owners.clear()
    inner = gc.get_referents(*[d for d in attributes if type(d) is dict])
    # The dicts among the attributes are mostly namespaces (a class's, an instance's):
    # their values (inner) are what the program put there.
    containers = [v for v in globals_ if type(v) in _CONTAINERS]
    containers += [v for v in attributes if type(v) in _CONTAINERS and type(v) is not dict]
    containers += [v for v in inner if type(v) in _CONTAINERS]
    globals_.clear()
    attributes.clear()
    inner.clear()
    items: List[Any] = gc.get_referents(*containers)
    containers.clear()
    return items


_WEAK = (weakref.ref, weakref.ProxyType, weakref.CallableProxyType)
# Exact types only: a subclass's methods could run the program's code.
_CONTAINERS = frozenset(
    {list, dict, set, frozenset, collections.deque, collections.OrderedDict}
) | {collections.defaultdict}
_DICT_OFFSET = type.__dict__["__dictoffset__"]  # read without the metaclass's lookup
_NOT_OWNERS = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType)


def _has_attributes(obj: Any) -> bool:
    """A class, or an instance whose attributes the gc sees (not a module, a function or
    a container). ``type(obj)`` only: ``isinstance`` would read ``obj.__class__``,
    which a proxy answers by running the program's code."""
    t = type(obj)
    return issubclass(t, type) or (
        t not in _CONTAINERS
        and not issubclass(t, _NOT_OWNERS)
        and _DICT_OFFSET.__get__(t) != 0
        and gc.is_tracked(obj)
    )


def _held_by_old(
    sites: Sequence[FrameKey], per_group: int, deadline: float, made: _Kinds
) -> List[List[Sample]]:
    """Per site, objects it allocated that an object older than the burst refers to.

    The oldest generation keeps its objects in order of arrival, so it is read from the
    front, where a traceback lookup is cheap (old objects have none), until a long run
    of traced objects says the burst's survivors begin. Whatever an old object refers
    to that the site allocated is an entry point of the leaked structure.
    """
    seen: Set[int] = set()
    pools = _SitePools(sites, per_group, seen)
    old = gc.get_objects(generation=2)
    try:
        streak = 0
        for start in range(0, len(old), _CHUNK):
            if pools.open == 0 or streak > _NEW_STREAK or time.perf_counter() > deadline:
                break
            chunk = old[start : start + _CHUNK]
            # Old objects are many: the 3.11 second lookup would cost more than the walk.
            # A new instance taken for old only adds its referents as candidates.
            olds = list(compress(chunk, [tb is None for tb in tracebacks(chunk, inline=False)]))
            streak = streak + len(chunk) if len(olds) < len(chunk) // 2 else 0
            refs = gc.get_referents(*olds)
            for c, tb in traced(refs, made.among(refs)):
                pools.offer(c, tb, c, ())
            del chunk, olds, refs
        return [pool[:] for pool in pools.pools]
    finally:
        old.clear()
        for pool in pools.pools:
            pool.clear()
