"""Retention groups: the sampled leaked objects, collapsed by the path that holds them.

Thousands of leaked objects usually hang off a few containers. Two objects share a group
when their paths from the root match once list indexes are ignored ("[17]" and "[18]"
are the same slot of the same list). Each group names its root, the growing container
and the leaked type, and is attached to the suspect whose allocation site made its
objects, or else reported on its own with the growth of its type.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from leaksleuth.analysis._groups import is_cache_holder
from leaksleuth.report import Holder, Suspect, TypeGrowth

_INDEX = re.compile(r"^\[\d+\]$")
_CONTAINER_TYPES = ("list", "dict", "set", "frozenset", "tuple", "collections.deque")

RootDescriptions = {
    "native": "held outside Python-visible references, likely by an extension",
    "cycle": "an unreachable reference cycle that the disabled gc never collects",
    "unknown": "no root found within the search's time, depth or breadth limits",
}


Step = Mapping[str, Any]  # {"label": ..., "type": ..., "length": ...}


def _step_text(step: Step, first: bool, root: str) -> str:
    label, type_name, length = str(step["label"]), str(step["type"]), int(step["length"])
    size = f", {length:,} items" if length >= 0 and type_name in _CONTAINER_TYPES else ""
    if first and root:
        return f"{root} {label} ({type_name}{size})"
    return f"{label} {type_name}{' (' + size[2:] + ')' if size else ''}"


def _key(obj: Mapping[str, Any]) -> Tuple[Any, ...]:
    labels = tuple("[*]" if _INDEX.match(str(s["label"])) else str(s["label"]) for s in obj["path"])
    types = tuple(str(s["type"]) for s in obj["path"])
    return (obj["root_kind"], obj["root"], labels, types)


def _last_step(step: Step, first: bool, root: str) -> str:
    """The leaked object itself: "[3] bytearray", or "module m global row (bytearray)"
    when a root's variable refers to it directly."""
    if first:
        return f"{root} {step['label']} ({step['type']})"
    return f"{step['label']} {step['type']}"


def _container(path: Sequence[Step], root: str) -> str:
    """The innermost container on the path before the leaked object, as text."""
    for i in range(len(path) - 2, -1, -1):
        if str(path[i]["type"]) in _CONTAINER_TYPES and int(path[i]["length"]) >= 0:
            return _step_text(path[i], i == 0, root)
    return _step_text(path[0], True, root) if len(path) > 1 else ""


def group_holders(objects: Sequence[Mapping[str, Any]]) -> List[Tuple[Holder, List[int]]]:
    """Held objects grouped by path; each group with the indexes of its objects."""
    groups: Dict[Tuple[Any, ...], List[int]] = {}
    for i, obj in enumerate(objects):
        groups.setdefault(_key(obj), []).append(i)
    out: List[Tuple[Holder, List[int]]] = []
    for members in groups.values():
        first = objects[members[0]]
        root, kind = str(first["root"]), str(first["root_kind"])
        path = list(first["path"])
        if root:
            text_path = tuple(
                _step_text(s, i == 0, root) if i < len(path) - 1 else _last_step(s, i == 0, root)
                for i, s in enumerate(path)
            )
        else:
            text_path = (RootDescriptions.get(kind, kind),)
        holder = Holder(
            root=root or RootDescriptions.get(kind, kind),
            root_kind=kind,
            path=text_path,
            container=_container(path, root) if root else "",
            object_type=str(first["type"]),
            objects_sampled=len(members),
            example=str(first["repr"]),
            object_bytes=int(first["size"]),
        )
        out.append((holder, members))
    # A path found says more than "no root found", a strong path more than a cache the
    # objects pass through; among equals, more objects first.
    out.sort(
        key=lambda hm: (
            _RANK.get(hm[0].root_kind, 0),
            is_cache_holder(hm[0]),
            -hm[0].objects_sampled,
        )
    )
    return out


_RANK = {"native": 1, "cycle": 1, "unknown": 2}  # any other kind names a root: 0


def _site_in(obj: Mapping[str, Any], suspect: Suspect) -> bool:
    return any(list(f) == [suspect.file, suspect.line] for f in obj["traceback"])


def attach_holders(
    suspects: Sequence[Suspect],
    retention: Optional[Mapping[str, Any]],
    types: Sequence[TypeGrowth],
) -> Tuple[Tuple[Suspect, ...], Tuple[Holder, ...]]:
    """Suspects with their holders, and the holders of growing types no suspect made."""
    if not retention or not retention.get("objects"):
        return tuple(suspects), ()
    objects: List[Mapping[str, Any]] = list(retention["objects"])
    groups = group_holders(objects)
    used: set[int] = set()
    attached: List[Suspect] = []
    for suspect in suspects:
        mine = []
        for holder, members in groups:
            if any(_site_in(objects[i], suspect) for i in members):
                mine.append(holder)
                used.update(members)
        attached.append(replace(suspect, holders=tuple(mine)))
    growth = {t.type: t for t in types}
    rest = [
        holder
        for holder, members in groups
        if not used.intersection(members) and holder.object_type in growth
    ]
    rest.sort(key=lambda h: -growth[h.object_type].bytes_per_iteration)
    return tuple(attached), tuple(rest)


def holder_line(holder: Holder, per_iteration: Optional[float] = None) -> str:
    """One line: "dict objects held by module app global _RESULTS (list, 1,204 items)"."""
    where = " -> ".join(holder.path)
    rate = f", +{per_iteration:.3g} per iteration" if per_iteration else ""
    return f"{holder.object_type} objects held by {where}{rate}"
