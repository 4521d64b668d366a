"""Plain Python: mutable default arguments, listeners never removed, exceptions kept with
their tracebacks, and containers that only grow (in a module, a class, a long-lived
object, or a library's own state)."""

from __future__ import annotations

import re
import sys
from typing import Optional

from leaksleuth.analysis.diagnosis._evidence import (
    Evidence,
    Found,
    Rule,
    Site,
    at,
    path_text,
    top_package,
)
from leaksleuth.report import Holder

DEFAULT_FIX = (
    "use None as the default and make a new container inside the function "
    "(def f(x, seen=None): seen = [] if seen is None else seen)"
)
LISTENER_FIX = (
    "remove what you register when its work is done (keep the unsubscribe handle, or call "
    "the matching remove/off/unsubscribe), or register it by weak reference "
    "(weakref.WeakMethod, a WeakSet of listeners)"
)
EXCEPTION_FIX = (
    "keep what you need from the exception, not the exception: str(exc) or "
    "traceback.format_exception(exc); a kept exception keeps its __traceback__, every frame "
    "on it and their local variables (exc.with_traceback(None) drops them)"
)
CONTAINER_FIX = (
    "bound it (collections.deque(maxlen=N), an LRU cache with a maxsize) or remove entries "
    "when their work is done; if it is a history or a log, write it out instead of keeping it"
)
OBJECT_FIX = (
    "do not store per-call objects on a long-lived object, or bound what it keeps "
    "(collections.deque(maxlen=N)) and clear it when the work is done; a per-call object "
    "(a session, a buffer) made and dropped per call frees it"
)
LIBRARY_FIX = (
    "check the library's changelog and issue tracker for a memory-leak fix and upgrade; if "
    "the newest release keeps them too, call it differently (reuse one object instead of "
    "making one per call) or report it with this report"
)
_DEFAULTS = re.compile(r"global (\w+) \(function\) > \.__(?:kw)?defaults__")
_CALLABLES = ("function", "method", "functools.partial", "builtin_function_or_method", "cell")
_LISTENERS = re.compile(r"listener|subscri|callback|handler|hook|observer|signal|slot", re.I)
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_CONTAINERS = ("list", "dict", "set", "deque", "defaultdict", "OrderedDict", "Counter")


def mutable_default(ev: Evidence) -> Optional[Found]:
    holder = ev.holder_where(".__defaults__", ".__kwdefaults__")
    if holder is None:
        return None
    m = _DEFAULTS.search(path_text(holder))
    fn = m.group(1) if m else "a function"
    site = ev.site_for(holder)
    return Found(
        summary=f"{fn}() has a mutable default argument: it is made once, shared by every "
        "call, and each call adds to it",
        evidence=f"the leaked objects ({holder.object_type}) are held by {path_text(holder)}",
        fix=DEFAULT_FIX,
        where=site.where if site else "",
        holder=holder,
    )


def _is_listener(h: Holder) -> bool:
    if h.root_kind not in ("module", "class"):
        return False
    if h.object_type in _CALLABLES:
        return True
    return ".__closure__" in path_text(h) and bool(_LISTENERS.search(path_text(h)))


def listeners(ev: Evidence) -> Optional[Found]:
    holder = next((h for h in ev.holders if _is_listener(h)), None)
    if holder is None:
        return None
    site = ev.site_for(holder)
    return Found(
        summary=f"a callback is registered on every call and never removed (made at {at(site)})",
        evidence=f"the leaked {holder.object_type} objects are held by {path_text(holder)}",
        fix=LISTENER_FIX,
        where=site.where if site else "",
        holder=holder,
    )


def _is_exception(type_name: str) -> bool:
    return type_name.rsplit(".", 1)[-1].endswith(("Error", "Exception", "Warning"))


def exceptions(ev: Evidence) -> Optional[Found]:
    through = ev.holders_where(".__traceback__")
    errors = [h for h in ev.holders if _is_exception(h.object_type)]
    holder = next(iter(through), None)
    if holder is None and errors and ev.growing_type("traceback", "frame"):
        holder = errors[0]
    if holder is None:
        return None
    # Where it was raised: the site of the kept exception itself, not of a frame's local
    # that its traceback also keeps.
    site = ev.site_for(errors[0]) if errors else ev.site_for(holder)
    return Found(
        summary="exceptions are kept with their tracebacks, and so with every frame they "
        f"passed through (raised at {at(site)})",
        evidence=f"the leaked objects ({holder.object_type}) are held by {path_text(holder)}"
        + ("; traceback and frame objects grow" if ev.growing_type("traceback", "frame") else ""),
        fix=EXCEPTION_FIX,
        where=site.where if site else "",
        holder=holder,
    )


def _root_package(root: str) -> str:
    # "module click._compat" -> "click"; "class sqlalchemy.orm.Session" -> "sqlalchemy"
    name = root.split(" ", 1)[1] if " " in root else root
    return name.split(".", 1)[0]


def _library_site(ev: Evidence, package: str) -> Optional[Site]:
    frag = f"-packages/{package}/"
    return next((s for s in ev.sites if s.passes(frag)), None)


def _own_or_builtin(type_name: str, package: str) -> bool:
    head = type_name.split(".", 1)[0] if "." in type_name else ""
    return not head or head == package or head in _STDLIB


def _library_inside(ev: Evidence, holder: Holder) -> str:
    """The library whose object, met on the path, keeps what the library itself made: the
    leaked objects are all its own or builtin types, and the growing site's innermost
    frame is the library's code (the user only called it). '' when not so."""
    site = ev.site_for(holder)
    inner = site.suspect.traceback[0] if site and site.suspect.traceback else None
    if inner is None or inner.user:
        return ""
    grows = _growing_step(holder)
    if grows < 0:
        return ""
    for step in holder.path[:grows]:  # a library's object that the growing container is in
        package = top_package(_step_type(step))
        if not package or package in _STDLIB or f"-packages/{package}/" not in inner.file:
            continue
        if all(_own_or_builtin(h.object_type, package) for h in ev.holders):
            return package
    return ""


def library_state(ev: Evidence) -> Optional[Found]:
    for holder in ev.holders:
        if holder.root_kind not in ("module", "class"):
            continue
        package = _root_package(holder.root)
        site = _library_site(ev, package) if package else None
        if site is not None:
            where = "in its own module state"
        else:
            package = _library_inside(ev, holder)
            site = ev.site_for(holder) if package else None
            where = "inside one of its objects that you keep"
        if site is None:
            continue
        return Found(
            summary=f"{ev.version(package)} keeps what each call makes, {where} (called "
            f"from {at(site)})",
            evidence=f"the leaked objects ({holder.object_type}) are held by "
            f"{path_text(holder)}, inside {package}, and the growing site calls into it",
            fix=LIBRARY_FIX,
            where=site.where,
            holder=holder,
        )
    return None


_NOT_INSTANCES = (*_CONTAINERS, "tuple", "function", "cell", "type", "module")


def _step_type(step: str) -> str:
    """The type a path step names: "['session'] app.Session" -> "app.Session";
    "module m global bus (app.EventBus)" -> "app.EventBus"."""
    if step.endswith(")") and "(" in step:
        before, inner = step[:-1].rsplit("(", 1)
        head = inner.split(",", 1)[0].strip()
        if head and not head[0].isdigit():
            return head
        step = before.rstrip()
    return step.rsplit(" ", 1)[-1]


def _growing_step(holder: Holder) -> int:
    """The index of the growing container's step on the path (-1 when none is named)."""
    steps = list(holder.path)
    return next((i for i, step in enumerate(steps) if holder.container.endswith(step)), -1)


def _through_object(holder: Holder) -> bool:
    """Whether the container that grows hangs off an instance's attribute (a long-lived
    object such as a Session, a client, a service), not off a module or class directly."""
    steps = list(holder.path)
    grows = _growing_step(holder)
    for here, after in zip(steps[:grows], steps[1 : grows + 1]):
        kind = _step_type(here).rsplit(".", 1)[-1]
        if after.startswith(".") and kind not in _NOT_INSTANCES:
            return True
    return False


# Long-lived roots: a module global, a class attribute, or a local of a frame still
# running (a main loop's, a server's).
_LONG_LIVED = ("module", "class", "frame")


def _kept(ev: Evidence, on_object: bool) -> Optional[Found]:
    for holder in ev.holders:
        if holder.root_kind not in _LONG_LIVED or not holder.container:
            continue
        if _through_object(holder) != on_object:
            continue
        site = ev.site_for(holder)
        held = f"the leaked objects ({holder.object_type}) are held by {path_text(holder)}"
        if on_object:
            summary = (
                f"per-call objects are stored on a long-lived object ({holder.path[0]}) and "
                f"never dropped (made at {at(site)})"
            )
        else:
            summary = (
                f"{holder.container} keeps what every call adds and nothing removes it "
                f"(added at {at(site)})"
            )
        fix = OBJECT_FIX if on_object else CONTAINER_FIX
        return Found(summary, held, fix, site.where if site else "", holder)
    return None


def kept_on_object(ev: Evidence) -> Optional[Found]:
    return _kept(ev, on_object=True)


def growing_container(ev: Evidence) -> Optional[Found]:
    return _kept(ev, on_object=False)


RULES = (
    Rule("mutable_default", mutable_default),
    Rule("listeners", listeners),
    Rule("exceptions_kept", exceptions),
    Rule("library_state", library_state, generic=True),
    Rule("kept_on_object", kept_on_object, generic=True),
    Rule("growing_container", growing_container, generic=True),
)
