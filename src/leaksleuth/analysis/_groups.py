"""One leak, one story: the suspects that belong to one leaked object graph, grouped.

A pyplot figure kept per request shows up as several growing allocation sites: the
line that made the figure, the line that plotted into it, the line that saved it, and
library frames with no line of the user's at all. They are parts of one object. The
holder search walks a few levels down from each sampled object and notes the other
growing sites' objects it meets (``contains``): an object of site A inside an object of
site B puts A in B's group. A site with no user line joins the group of the user line
that called the library (its traceback's first user frame), or else stands apart as a
library call's own growth, never at the head of the list.

The group's head is the member that no other member holds; its holder is the head's,
unless that is only a cache the objects pass through (a weak mapping, an lru_cache) and a
member has a stronger path. Two leaks whose objects never hold each other stay two groups.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from leaksleuth.analysis._sources import SourceClassifier
from leaksleuth.analysis._wording import amount
from leaksleuth.report import Diagnosis, Holder, LeakGroup, Suspect

Site = Tuple[str, int]
_CACHE_MARKS = ("weakref", "WeakKeyDictionary", "WeakValueDictionary", "WeakSet", "lru_cache")


def is_cache_holder(holder: Holder) -> bool:
    """A path through a weak mapping or an lru_cache: a cache the objects pass through,
    which keeps them only as long as something else does, or until it evicts them."""
    text = " ".join((holder.root, *holder.path))
    return any(mark in text for mark in _CACHE_MARKS)


def _strong(holders: Sequence[Holder]) -> Optional[Holder]:
    rooted = [h for h in holders if h.root_kind not in ("unknown", "native", "cycle")]
    return next((h for h in rooted if not is_cache_holder(h)), None)


def _first_user(suspect: Suspect, classifier: SourceClassifier) -> Optional[Site]:
    for frame in suspect.traceback:
        if classifier.is_user(frame.file):
            return (frame.file, frame.line)
    return None


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _containment(
    index: Mapping[Site, int], objects: Sequence[Mapping[str, Any]]
) -> Tuple[Set[Tuple[int, int]], Dict[int, Counter[str]]]:
    """Edges (a, b): a sampled object of suspect b holds objects of suspect a; and, per
    b, the types of its sampled objects that hold others (``index``: suspect by site)."""
    edges: Set[Tuple[int, int]] = set()
    types: Dict[int, Counter[str]] = {}
    for obj in objects:
        tb = {tuple(f) for f in obj.get("traceback") or ()}
        mine = [i for site, i in index.items() if site in tb]
        for file, line, _ in obj.get("contains") or ():
            a = index.get((str(file), int(line)))
            if a is None:
                continue
            for b in mine:
                if a != b:
                    edges.add((a, b))
                    types.setdefault(b, Counter())[str(obj.get("type", ""))] += 1
    return edges, types


def _short_type(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _headline(group: LeakGroup) -> str:
    where = f"{os.path.basename(group.site.rsplit(':', 1)[0])}:{group.site.rsplit(':', 1)[1]}"
    share = f"{group.share:.0%} of the growth"
    rate = f"{amount(group.bytes_per_iteration, 'bytes')} per iteration"
    if group.library_only:
        return f"growth inside a library call at {where}: {rate} ({share})"
    holder = group.holder
    if holder is None or holder.root_kind == "unknown":
        kept = ""
    elif holder.root_kind == "native":  # "held outside Python-visible references, ..."
        kept = f", {holder.root}"
    else:
        kept = f", kept by {holder.container or holder.root}"
    what = _short_type(group.root_type) if group.root_type else "objects"
    parts = f" with {len(group.suspects) - 1} more sites" if len(group.suspects) > 1 else ""
    return f"{what} made at {where}{parts}: {rate} ({share}){kept}"


def _head(members: List[int], edges: Set[Tuple[int, int]], suspects: Sequence[Suspect],
          user: Sequence[bool]) -> int:  # fmt: skip
    """The member no other member holds; where they hold one another (parents and
    children referring both ways), the one a root holds for good, nearest the root."""
    inner = {a for a, b in edges if a in members and b in members and (b, a) not in edges}
    tops = [i for i in members if i not in inner] or members

    def rank(i: int) -> Tuple[bool, bool, int, float]:
        strong = _strong(suspects[i].holders)
        steps = len(strong.path) if strong is not None else 1 << 20
        return (user[i], strong is not None, -steps, suspects[i].bytes_per_iteration)

    return max(tops, key=rank)


def leak_groups(
    suspects: Sequence[Suspect],
    retention: Optional[Mapping[str, Any]],
    classifier: SourceClassifier,
) -> Tuple[LeakGroup, ...]:
    """The suspects as one group per leaked object graph, the largest first; groups a
    library call made with no user site of its own come last."""
    if not suspects:
        return ()
    objects = list((retention or {}).get("objects") or ())
    index = {(s.file, s.line): i for i, s in enumerate(suspects)}
    edges, types = _containment(index, objects)
    user = [classifier.is_user(s.file) for s in suspects]
    union = _Union(len(suspects))
    for a, b in edges:
        union.join(a, b)
    called_from: Dict[int, Optional[Site]] = {}
    for i, s in enumerate(suspects):
        if not user[i]:
            site = _first_user(s, classifier)
            called_from[i] = site
            if site is not None and site in index:
                union.join(i, index[site])
    by_root: Dict[int, List[int]] = {}
    for i in range(len(suspects)):
        by_root.setdefault(union.find(i), []).append(i)
    groups = [_group(m, edges, types, suspects, user, called_from) for m in by_root.values()]
    groups.sort(key=lambda g: (g.library_only, -g.bytes_per_iteration))
    return tuple(groups)


def _group(
    members: List[int],
    edges: Set[Tuple[int, int]],
    types: Dict[int, Counter[str]],
    suspects: Sequence[Suspect],
    user: Sequence[bool],
    called_from: Dict[int, Optional[Site]],
) -> LeakGroup:
    head = _head(members, edges, suspects, user)
    ordered = [head, *sorted((i for i in members if i != head),
                             key=lambda i: -suspects[i].bytes_per_iteration)]  # fmt: skip
    top = suspects[head]
    library_only = not any(user[i] for i in members)
    site = f"{top.file}:{top.line}"
    caller = called_from.get(head)
    if library_only and caller is not None:  # the user line that called the library
        site = f"{caller[0]}:{caller[1]}"
    holder = _strong(top.holders)
    if holder is None:
        strong = (_strong(suspects[i].holders) for i in ordered[1:])
        holder = next((h for h in strong if h is not None), None)
    if holder is None and top.holders:
        holder = top.holders[0]
    root_type = types[head].most_common(1)[0][0] if head in types else ""
    if not root_type and holder is not None:
        root_type = holder.object_type
    group = LeakGroup(
        headline="",
        site=site,
        root_type=root_type,
        bytes_per_iteration=sum(suspects[i].bytes_per_iteration for i in members),
        share=sum(suspects[i].share for i in members),
        holder=holder,
        suspects=tuple(suspects[i] for i in ordered),
        library_only=library_only,
    )
    return replace(group, headline=_headline(group))


def one_story_each(
    diagnoses: Sequence[Diagnosis], groups: Sequence[LeakGroup]
) -> Tuple[Diagnosis, ...]:
    """One diagnosis per leaked object graph: a later diagnosis at another site of a
    group that already has one tells a part of the same leak (a cache its objects pass
    through, say) and is dropped. Diagnoses come most specific first."""
    group_of: Dict[str, int] = {}
    for n, group in enumerate(groups):
        for suspect in group.suspects:
            group_of.setdefault(f"{os.path.basename(suspect.file)}:{suspect.line}", n)
    told: Set[int] = set()
    kept: List[Diagnosis] = []
    for d in diagnoses:
        found = group_of.get(d.where)
        if found is not None:
            if found in told and len(groups[found].suspects) > 1:
                continue
            told.add(found)
        kept.append(d)
    return tuple(kept)


__all__ = ["is_cache_holder", "leak_groups", "one_story_each"]
