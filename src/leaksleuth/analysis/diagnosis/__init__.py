"""Diagnosis: the known culprit behind a leak, the evidence that names it, and the fix.

Each family of patterns is one small module of rules (``RULES``): a pattern name and a
predicate over :class:`Evidence`, the report's own findings indexed once (holders and
their paths, growing sites and their tracebacks, growing types, which memory grows,
native stacks, library versions). A rule that finds no evidence stays silent, and only a
leak verdict is explained. Specific rules speak first, what one root variable keeps
told once; the generic ones (a container that only grows, a library's own state, a
reference-count or native leak in an extension) only when no specific rule matched, and
then the first of them alone; a pattern that implies another drops it (``_SUBSUMES``);
and each leaked object graph (``Report.leaks``) is told once, by its first diagnosis: so
that one leak is told as one story.

To add a pattern: write a predicate returning :class:`Found` in the family's module, add
it to that module's ``RULES``, and test it on the real library and on a look-alike that
must stay silent.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from leaksleuth.analysis._groups import one_story_each
from leaksleuth.analysis.diagnosis import (
    _caches,
    _concurrency,
    _data,
    _logging,
    _native,
    _plotting,
    _python,
    _resources,
)
from leaksleuth.analysis.diagnosis._evidence import GROWING, Evidence, Rule, told
from leaksleuth.report import Diagnosis, Holder, Report

RULES: Tuple[Rule, ...] = (
    *_plotting.RULES,
    *_logging.RULES,
    *_caches.RULES,
    *_concurrency.RULES,
    *_data.RULES,
    *_python.RULES,
    *_resources.RULES,
    *_native.RULES,
)
PATTERNS: Tuple[str, ...] = tuple(r.pattern for r in RULES)
# A pattern that, when told, makes another redundant (a file handler per call also leaks
# file descriptors: the handler is the story).
_SUBSUMES: Dict[str, Tuple[str, ...]] = {"logging_handler": ("unclosed_files",)}


def diagnose(
    report: Report,
    versions: Optional[Dict[str, str]] = None,
    already: Sequence[Diagnosis] = (),
    search_complete: bool = False,
    sites_searched: int = 0,
) -> Tuple[Diagnosis, ...]:
    """The diagnoses of a leak verdict (none for any other), after ``already`` (torch's).
    ``versions``: the imported packages' versions; ``search_complete``: the holder search
    ran to its end (not cut short by its budget); ``sites_searched``: how many of the top
    sites it sampled objects for."""
    if report.verdict.status not in GROWING:
        return ()
    ev = Evidence.of(report, versions, search_complete, sites_searched)
    out: List[Diagnosis] = []
    told_roots = {_root_variable(d.holder) for d in already if d.holder is not None}
    for rule in (r for r in RULES if not r.generic):
        found = rule.match(ev)
        if found is None:
            continue
        # What one root variable keeps is one story: pyplot's figure manager also holds
        # callbacks. (Two globals of one module are two.)
        if found.holder is not None and _root_variable(found.holder) in told_roots:
            continue
        out.append(told(rule.pattern, found))
        if found.holder is not None:
            told_roots.add(_root_variable(found.holder))
    if not (out or already):
        for rule in (r for r in RULES if r.generic):
            found = rule.match(ev)
            if found is not None:
                out.append(told(rule.pattern, found))
                break
    dropped = {p for d in out for p in _SUBSUMES.get(d.pattern, ())}
    out = [d for d in out if d.pattern not in dropped]
    kept = {id(d) for d in one_story_each((*already, *out), report.leaks)}
    return tuple(d for d in out if id(d) in kept)


def _root_variable(holder: Holder) -> str:
    """The root and the variable or attribute of it the path starts with, without the
    container's type and size at its end: "module app global _errors", "class ...Gcf
    attribute figs", "frame handle (/app/views.py:42) local cache"."""
    label = holder.path[0] if holder.path else holder.root
    return label.rsplit(" (", 1)[0] if label.endswith(")") else label
