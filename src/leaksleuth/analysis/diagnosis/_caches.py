"""Caches that never forget: lru_cache on a method or unbounded, the warnings registry,
linecache filled by exec or compile of unique sources."""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from typing import Optional, Tuple

from leaksleuth.analysis.diagnosis._evidence import Evidence, Found, Rule, at, path_text

METHOD_FIX = (
    "`self` is part of every key, so the cache keeps every instance alive: cache a "
    "module-level function of the values that matter, use functools.cached_property for a "
    "per-instance value, or give the cache a maxsize"
)
UNBOUNDED_FIX = (
    "give the cache a bound (functools.lru_cache(maxsize=N)) or key it on fewer distinct "
    "values; functools.cache and lru_cache(maxsize=None) keep every distinct call for ever"
)
WARNINGS_FIX = (
    "keep the warning's message constant and pass the varying part another way (logging, "
    "an attribute of a Warning subclass): each distinct text is a new key of the calling "
    "module's __warningregistry__; or filter it (warnings.simplefilter('ignore', Category))"
)
LINECACHE_FIX = (
    "compile each distinct source once and reuse the code object, give generated code a "
    "stable filename, or call linecache.clearcache() after use: linecache keeps the text "
    "of every source registered under a new name"
)
_WRAPPER = "functools._lru_cache_wrapper"
_NAME = re.compile(r"(?:global|attribute) (\w+) \(functools\._lru_cache_wrapper\)")


def _lru(ev: Evidence, on_method: bool) -> Optional[Found]:
    holder = next(
        (h for h in ev.holders_where(_WRAPPER) if (h.root_kind == "class") == on_method), None
    )
    if holder is None:
        return None
    text = path_text(holder)
    m = _NAME.search(text)
    name = m.group(1) if m else "a cached function"
    site = ev.site_for(holder)
    if on_method:
        owner = holder.root.split(" ", 1)[-1].rsplit(".", 1)[-1]
        summary = (
            f"functools.lru_cache on the method {owner}.{name} keeps every instance it was "
            "called on, through `self` in its keys"
        )
    else:
        summary = (
            f"the cache of {name} (functools.lru_cache) has no bound: it keeps every distinct call"
        )
    return Found(
        summary=summary,
        evidence=f"the leaked objects ({holder.object_type}) are held by {text}"
        + (f"; they are allocated at {at(site)}" if site else ""),
        fix=METHOD_FIX if on_method else UNBOUNDED_FIX,
        where=site.where if site else "",
        holder=holder,
    )


def _unbounded(deco: ast.expr) -> bool:
    """``@functools.cache``, ``@cache``, ``@lru_cache(maxsize=None)``, ``@lru_cache(None)``."""
    name = deco.func if isinstance(deco, ast.Call) else deco
    called = ast.unparse(name).rsplit(".", 1)[-1]
    if called == "cache" and not isinstance(deco, ast.Call):
        return True
    if called != "lru_cache" or not isinstance(deco, ast.Call):
        return False
    size = deco.args[0] if deco.args else None
    for kw in deco.keywords:
        if kw.arg == "maxsize":
            size = kw.value
    return isinstance(size, ast.Constant) and size.value is None


@lru_cache(maxsize=64)
def cached_function_at(file: str, line: int) -> Tuple[str, bool]:
    """The function whose body holds ``line`` when it is cached without a bound
    (its name, and whether it is a method); ("", False) otherwise."""
    try:
        with open(file, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return "", False
    for parent in ast.walk(tree):
        for node in ast.iter_child_nodes(parent):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            end = node.end_lineno or node.lineno
            if node.lineno <= line <= end and any(_unbounded(d) for d in node.decorator_list):
                return node.name, isinstance(parent, ast.ClassDef)
    return "", False


def _lru_by_source(ev: Evidence, on_method: bool) -> Optional[Found]:
    """No holder named the cache (its keys and values may be objects the gc does not
    track): the growing line is the body of a function cached with no bound."""
    for site in ev.sites:
        frame = site.user_frame
        if site.suspect.holders:  # a holder tells where its objects are: another story
            continue
        name, method = cached_function_at(frame.file, frame.line) if frame else ("", False)
        if not name or method != on_method:
            continue
        kind = "the method" if method else "the function"
        return Found(
            summary=f"{kind} {name} is cached with no bound (functools.cache or "
            f"lru_cache(maxsize=None)): its cache keeps every distinct call's result "
            f"(made at {at(site)})",
            evidence=f"the growing line {site.where} is in the body of {name}, whose "
            "decorator caches without a bound; the cached results grow with the calls",
            fix=METHOD_FIX if method else UNBOUNDED_FIX,
            where=site.where,
        )
    return None


def lru_cache_method(ev: Evidence) -> Optional[Found]:
    return _lru(ev, on_method=True) or _lru_by_source(ev, on_method=True)


def lru_cache_unbounded(ev: Evidence) -> Optional[Found]:
    return _lru(ev, on_method=False) or _lru_by_source(ev, on_method=False)


_WARN_CALL = re.compile(r"(?:^|[^.\w])warn\(|warnings\.warn\(")


def warnings_registry(ev: Evidence) -> Optional[Found]:
    holder = ev.holder_where("__warningregistry__")
    calls = [s for s in ev.sites if _WARN_CALL.search(s.source)]
    if ev.holders:
        unheld = all(h.root_kind in ("native", "unknown") for h in ev.holders)
    else:
        unheld = ev.search_complete  # no holder is evidence only if a search ran
    if holder is None and not (calls and unheld):
        return None
    site = calls[0] if calls else ev.site_for(holder)
    proof = (
        f"the leaked objects are held by {path_text(holder)}"
        if holder is not None
        else f"the growing site {at(site)} warns, and what it keeps has no Python holder the "
        "gc can see (the registry's keys are untracked tuples)"
    )
    return Found(
        summary=f"{at(site)} issues a warning whose text differs on every call: each "
        "distinct message stays in the module's __warningregistry__",
        evidence=proof,
        fix=WARNINGS_FIX,
        where=site.where if site else "",
        holder=holder,
    )


def linecache(ev: Evidence) -> Optional[Found]:
    holder = ev.holder_where("module linecache", "linecache global cache")
    through = ev.sites_passing("/linecache.py")
    if holder is None and not through:
        return None
    site = through[0] if through else ev.site_for(holder)
    proof = (
        f"the leaked objects are held by {path_text(holder)}"
        if holder
        else (f"{at(site)} allocates through linecache")
    )
    return Found(
        summary=f"source text registered under a new name on every call stays in linecache "
        f"(from {at(site)})",
        evidence=proof,
        fix=LINECACHE_FIX,
        where=site.where if site else "",
        holder=holder,
    )


RULES = (
    Rule("lru_cache_method", lru_cache_method),
    Rule("lru_cache_unbounded", lru_cache_unbounded),
    Rule("warnings_registry", warnings_registry),
    Rule("linecache", linecache),
)
