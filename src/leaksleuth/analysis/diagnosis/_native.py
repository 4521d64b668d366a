"""Bugs in C code: reference-count leaks in an extension (objects nothing in Python
refers to), and native leaks (the C heap grows under an extension's code)."""

from __future__ import annotations

import ast
import sys
from functools import lru_cache
from typing import Dict, Optional, Tuple

from leaksleuth.analysis._sources import source_line
from leaksleuth.analysis.diagnosis._evidence import (
    Evidence,
    Found,
    Rule,
    Site,
    at,
    package_of_path,
    top_package,
)

UPGRADE_FIX = (
    "check {lib}'s changelog and issue tracker for a leak fix and upgrade; if the newest "
    "release leaks too, report it upstream with this report (the call, the versions, the "
    "growth per call) and, meanwhile, avoid the leaking call or reuse its inputs"
)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_MIN_SHARE = 0.2  # of the growth the sites explain


@lru_cache(maxsize=64)
def _imports(path: str) -> Tuple[Tuple[str, str], ...]:
    """The names a file's imports bind, with the top-level package each comes from."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return ()
    bound: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                bound[(a.asname or a.name).split(".", 1)[0]] = a.name.split(".", 1)[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                bound[a.asname or a.name] = node.module.split(".", 1)[0]
    return tuple(bound.items())


def _line_calls(file: str, source: str) -> str:
    """The third-party package a line calls into (``np.cumsum(...)`` -> numpy, through the
    file's imports), or ''."""
    bound = dict(_imports(file))
    try:
        tree = ast.parse(source.strip().rstrip(":") or "pass")
    except SyntaxError:
        return ""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        head = node.func
        while isinstance(head, ast.Attribute):
            head = head.value
        if isinstance(head, ast.Name):
            package = bound.get(head.id, "")
            if package and package not in _STDLIB:
                return package
    return ""


def _called_package(site: Site) -> str:
    """The package the user's lines on the site's traceback call into, innermost first
    (a ``default=`` callback's line, then the ``ujson.dumps(...)`` line that called it)."""
    for frame in site.suspect.traceback:
        if not frame.user:
            continue
        source = frame.source or source_line(frame.file, frame.line)
        package = _line_calls(frame.file, source) if source else ""
        if package:
            return package
    return ""


def _library_frame(site: Site) -> str:
    """The package of the innermost library frame between the C call and the user's line."""
    for f in site.suspect.traceback:
        if f.user:
            return ""
        package = package_of_path(f.file)
        if package:
            return package
    return ""


def _library(ev: Evidence, site: Optional[Site], object_type: str = "") -> str:
    if site is not None:
        package = _library_frame(site) or _called_package(site)
        if package:
            return package
    package = top_package(object_type)
    return "" if package in _STDLIB else package


_PYTHON_ROOTS = ("module", "class", "frame", "thread")


def _unheld(ev: Evidence) -> Tuple[Optional[Site], str]:
    """The site whose objects no Python reference holds, and how that is known: sampled
    objects with no referrer, or none of its objects found by a search that walked every
    object the gc tracks and what they refer to (not cut short)."""
    held = [h for h in ev.holders if h.root_kind == "native"]
    if held:
        holder = held[0]
        proof = (
            f"sampled leaked {holder.object_type} objects have no referrer the gc can see and "
            "no container the gc tracks holds them"
        )
        return ev.site_for(holder), proof
    if not ev.search_complete:
        return None, ""
    for site in ev.sites[: ev.sites_searched]:
        if not site.suspect.holders and site.suspect.share >= _MIN_SHARE:
            proof = (
                f"the memory allocated at {site.where} stays allocated, yet the holder search "
                "(not cut short by its time budget) found none of its objects among those "
                "the gc tracks and what they refer to: likely nothing in Python refers to them"
            )
            return site, proof
    return None, ""


def refcount_leak(ev: Evidence) -> Optional[Found]:
    if any(h.root_kind in _PYTHON_ROOTS for h in ev.holders):
        return None
    site, proof = _unheld(ev)
    if site is None:
        return None
    held = next((h for h in ev.holders if h.root_kind == "native"), None)
    lib = _library(ev, site, held.object_type if held else "")
    if not lib:
        return None
    named = ev.version(lib)
    return Found(
        summary=f"held by no Python reference: likely a reference-count leak in {named}, "
        f"called at {at(site)}",
        evidence=f"{proof}; the growing site calls into {lib}",
        fix=UPGRADE_FIX.format(lib=named),
        where=site.where,
        holder=held,
    )


def _so_frame(frames: Tuple[str, ...]) -> Tuple[str, str]:
    """The first native frame in a package's shared object, and that package."""
    for frame in frames:
        # "symbol (/.../site-packages/ujson.cpython-311-x86_64-linux-gnu.so:0)"
        inner = frame.rsplit("(", 1)[-1].rstrip(")")
        package = package_of_path(inner.rsplit(":", 1)[0])
        if package:
            return frame, package
    return "", ""


def native_leak(ev: Evidence) -> Optional[Found]:
    if ev.kind != "native":
        return None
    if any(h.root_kind in _PYTHON_ROOTS for h in ev.holders):
        return None  # Python keeps it: another rule's story
    stack = next((s for s in ev.report.native if _so_frame(s.native)[1]), None)
    site = ev.sites[0] if ev.sites else None
    frame, lib = _so_frame(stack.native) if stack else ("", _library(ev, site))
    if not lib:
        return None
    named = ev.version(lib)
    growth = ev.report.verdict.bytes_per_iteration
    if stack is not None:
        proof = (
            f"a native allocation stack that grows with the iterations ends in {lib}'s "
            f"shared object: {frame}"
        )
        where = stack.python[0].rsplit("/", 1)[-1] if stack.python else ""
    else:
        proof = (
            f"the native memory grows {growth:,.0f} bytes per iteration; the top growing "
            f"site, {at(site)}, calls into {lib} (no native stack was recorded: "
            "CheckOptions(native=True) or --native records one)"
        )
        where = site.where if site else ""
    return Found(
        summary=f"native memory leaks inside {named} (C code, not Python objects)",
        evidence=proof,
        fix=UPGRADE_FIX.format(lib=named),
        where=where,
    )


RULES = (
    Rule("refcount_leak", refcount_leak, generic=True),
    Rule("native_leak", native_leak, generic=True),
)
