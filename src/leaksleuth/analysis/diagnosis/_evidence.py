"""What the diagnosis rules read: the report's evidence, indexed once.

A rule never looks at the program: only at what the report already holds (the holders'
paths, the growing sites and their tracebacks, the growing types, which memory grows and
the resource counts, the native stacks and the library versions recorded with them).
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional

from leaksleuth.report import Diagnosis, Frame, Holder, Report, Suspect

GROWING = ("leak",)  # the verdicts a rule may explain


@dataclass(frozen=True)
class Found:
    """What a rule matched: the story, its evidence, the fix, where, and the holder."""

    summary: str
    evidence: str
    fix: str
    where: str = ""
    holder: Optional[Holder] = None


def path_text(holder: Holder) -> str:
    return " > ".join(holder.path) if holder.path else holder.root


def top_package(dotted: str) -> str:
    """``numpy.ndarray`` -> ``numpy``; builtins and ``__main__`` -> ''."""
    head = dotted.split(".", 1)[0] if "." in dotted else ""
    return "" if head in ("builtins", "__main__", "") else head


def short_file(file: str) -> str:
    return os.path.basename(file)


_SITE_PACKAGES = re.compile(r"[/\\](?:site|dist)-packages[/\\]([^/\\]+)")


def package_of_path(path: str) -> str:
    """The top-level package a file under site-packages belongs to: ``.../site-packages/
    ujson.cpython-311-x86_64-linux-gnu.so`` -> ``ujson``; '' elsewhere."""
    m = _SITE_PACKAGES.search(path)
    if not m:
        return ""
    name = m.group(1)
    # "numpy", "ujson.cpython-311-x86_64-linux-gnu.so", "numpy.libs", "six.py"
    return name.split(".", 1)[0].split("-", 1)[0]


@dataclass
class Site:
    """A growing allocation site as the rules see it."""

    suspect: Suspect
    user_frame: Optional[Frame]  # the innermost frame of the user's code

    @property
    def where(self) -> str:
        f = self.user_frame
        if f is None:
            return f"{short_file(self.suspect.file)}:{self.suspect.line}"
        return f"{short_file(f.file)}:{f.line}"

    @property
    def source(self) -> str:
        f = self.user_frame
        if f is not None and f.source:
            return f.source.strip()
        return self.suspect.source.strip()

    def passes(self, *fragments: str) -> bool:
        """Whether a frame of the traceback lies in a file whose path has a fragment."""
        norm = [f.file.replace("\\", "/") for f in self.suspect.traceback]
        return any(frag in path for frag in fragments for path in norm)


@dataclass
class Evidence:
    """The report, indexed for the rules."""

    report: Report
    sites: List[Site] = field(default_factory=list)
    holders: List[Holder] = field(default_factory=list)
    types: Dict[str, float] = field(default_factory=dict)  # type -> objects per iteration
    parts: Dict[str, str] = field(default_factory=dict)  # memory part -> status
    versions: Dict[str, str] = field(default_factory=dict)  # top package -> version
    # The holder search ran to its end: a site none of whose objects it found has no
    # object that Python refers to.
    search_complete: bool = False
    sites_searched: int = 0  # the top sites whose objects the holder search sampled

    @classmethod
    def of(
        cls,
        report: Report,
        versions: Optional[Dict[str, str]] = None,
        search_complete: bool = False,
        sites_searched: int = 0,
    ) -> Evidence:
        ev = cls(
            report=report,
            versions=dict(versions or {}),
            search_complete=search_complete,
            sites_searched=sites_searched,
        )
        for s in report.suspects:
            user = next((f for f in s.traceback if f.user), None)
            ev.sites.append(Site(s, user))
            ev.holders.extend(s.holders)
        ev.holders.extend(report.holders)
        ev.types = {t.type: t.objects_per_iteration for t in report.growing_types}
        ev.parts = {p.name: p.status for p in report.memory}
        return ev

    @property
    def kind(self) -> str:
        return self.report.verdict.kind

    def grows(self, part: str) -> bool:
        return self.parts.get(part) == "leak"

    def holders_where(self, *fragments: str) -> List[Holder]:
        return [h for h in self.holders if any(f in path_text(h) for f in fragments)]

    def holder_where(self, *fragments: str) -> Optional[Holder]:
        found = self.holders_where(*fragments)
        return found[0] if found else None

    def sites_passing(self, *fragments: str) -> List[Site]:
        return [s for s in self.sites if s.passes(*fragments)]

    def growing_type(self, *names: str) -> Optional[str]:
        """The first growing type whose name ends with one of ``names``."""
        for t in self.types:
            if any(t == n or t.endswith("." + n) for n in names):
                return t
        return None

    def top_where(self) -> str:
        return self.sites[0].where if self.sites else ""

    def site_for(self, holder: Optional[Holder]) -> Optional[Site]:
        """The site whose objects ``holder`` keeps, else the top site."""
        if holder is not None:
            for s in self.sites:
                if holder in s.suspect.holders:
                    return s
        return self.sites[0] if self.sites else None

    def version(self, package: str) -> str:
        v = self.versions.get(package, "")
        return f"{package} {v}" if v else package


def told(pattern: str, found: Found) -> Diagnosis:
    return Diagnosis(
        pattern=pattern,
        summary=found.summary,
        evidence=found.evidence,
        fix=found.fix,
        where=found.where,
        holder=found.holder,
    )


def first(items: Iterable[Optional[Found]]) -> Optional[Found]:
    for item in items:
        if item is not None:
            return item
    return None


def _code_only(source: str) -> str:
    """The line without its trailing comment (``# SITE: ...``)."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source.strip() + "\n").readline):
            if tok.type == tokenize.COMMENT:
                return source.strip()[: tok.start[1]].rstrip()
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return source


def quoted(source: str, limit: int = 70) -> str:
    text = " ".join(_code_only(source).split())
    return "`" + (text if len(text) <= limit else text[: limit - 1] + "…") + "`"


def at(site: Optional[Site]) -> str:
    """ "line 42 (`fig = plt.figure()`)" for a site, '' without one."""
    if site is None:
        return ""
    return f"{site.where} ({quoted(site.source)})" if site.source else site.where


Matcher = Callable[[Evidence], Optional[Found]]


@dataclass(frozen=True)
class Rule:
    """A known pattern: its name and a predicate over the evidence (None: no match).
    A ``generic`` rule (a growing container) speaks only when no specific rule matched."""

    pattern: str
    match: Matcher
    generic: bool = False
