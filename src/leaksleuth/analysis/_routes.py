"""Per-route verdicts for a web service, from its process report and its route book.

Every route shares the process's memory, so a signal's growth cannot say by itself
which route made it. The allocation sites can: a burst traces every request, whatever
route it serves and however requests overlap (threads, one event loop), and a site's
traceback runs under the handler of the route that made it. So a route leaks when the
process leaks and a growing site runs under its handler; it is called flat when the
process leaks only at sites under other handlers; where no site was traced, or a site
runs under no handler, the report says that the route cannot be told apart.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from leaksleuth.report import Holder, Report, RouteReport, Suspect, Verdict

_ORDER = {"leak": 0, "inconclusive": 1, "plateau": 2, "flat": 3}
# A growing site that explains less of the process's growth than this neither makes a
# route leak nor leaves the routes uncertain (a loop counter, a small bookkeeping list).
MIN_SHARE = 0.05


def route_reports(
    process: Verdict, suspects: Sequence[Suspect], book: Sequence[Mapping[str, Any]]
) -> Tuple[RouteReport, ...]:
    """One ``RouteReport`` per route of ``book`` (the capture's ``routes`` record), from
    the process's verdict and its growing sites (a report's, or an interim look's)."""
    total = sum(int(r.get("requests", 0)) for r in book)
    traced_total = sum(int(r.get("traced", 0)) for r in book)
    handlers = {str(r["route"]): _handler(r.get("handler")) for r in book}
    growing = [s for s in suspects if s.share >= MIN_SHARE]
    owned = {id(s): _routes_of(s, handlers) for s in growing}
    orphan = [s for s in growing if not owned[id(s)]]
    out = []
    for entry in book:
        route = str(entry["route"])
        requests = int(entry.get("requests", 0))
        mine = tuple(s for s in growing if route in owned[id(s)])
        traced = int(entry.get("traced", 0))
        verdict, how = _route_verdict(
            process, mine, growing, bool(orphan), handlers[route] is None, traced == 0
        )
        # Growth per request of the route: the sites grew over the traced requests, so
        # their share of this route's is the scale (the whole run's mix when unknown).
        share = traced_total / traced if traced else (total / requests if requests else 0.0)
        if verdict.status == "leak":
            per = sum(s.bytes_per_iteration for s in mine) * share
            verdict = replace(verdict, bytes_per_iteration=per, ci_low=per, ci_high=per)
        out.append(
            RouteReport(
                route=route,
                requests=requests,
                errors=int(entry.get("errors", 0)),
                verdict=verdict,
                suspects=tuple(_per_request(s, share) for s in mine),
                holders=_holders(mine),
                attribution=how,
            )
        )
    out.sort(key=lambda r: (_ORDER.get(r.verdict.status, 9), -r.requests, r.route))
    return tuple(out)


def _handler(raw: Any) -> Optional[Tuple[str, int, int]]:
    if not raw or len(raw) != 3:
        return None
    return str(raw[0]), int(raw[1]), int(raw[2])


def _routes_of(suspect: Suspect, handlers: Dict[str, Optional[Tuple[str, int, int]]]) -> List[str]:
    """The routes whose handler code the suspect's traceback (or its own line) runs in."""
    frames = [(suspect.file, suspect.line), *((f.file, f.line) for f in suspect.traceback)]
    return [
        route
        for route, h in handlers.items()
        if h is not None and any(f == h[0] and h[1] <= line <= h[2] for f, line in frames)
    ]


def _route_verdict(
    process: Verdict,
    mine: Sequence[Suspect],
    others: Sequence[Suspect],
    orphan: bool,
    no_handler: bool,
    untraced: bool,
) -> Tuple[Verdict, str]:
    """The route's verdict and how it was decided. ``others``: every growing site of the
    process; ``orphan``: whether some of them run under no route's handler; ``untraced``:
    no request of the route ended while allocations were traced."""
    tracebacks = "by the growing sites' tracebacks, which hold however requests overlap"
    if process.status != "leak":
        how = (
            "the process's own verdict is not decided yet, so no route's is"
            if process.status == "inconclusive"
            else "the process does not leak, so neither does any of its routes"
        )
        return replace(process, reason=f"as the whole process: {process.reason}"), how
    if mine:
        lines = ", ".join(f"{os.path.basename(s.file)}:{s.line}" for s in mine[:3])
        reason = f"the process leaks, at allocation sites under this route's handler: {lines}"
        return replace(process, reason=reason), tracebacks
    if no_handler:
        why = "its handler is unknown, so no growing site can be traced to it"
    elif not others:
        why = "no allocation site was traced (no burst ran, or the growth is native)"
    elif untraced:
        why = "none of its requests ran while allocations were traced"
    elif orphan:
        why = "some growing sites run under no route's handler (a middleware, a thread)"
    else:
        flat = replace(
            process,
            status="flat",
            bytes_per_iteration=0.0,
            ci_low=0.0,
            ci_high=0.0,
            reason="the process leaks at sites under other routes' handlers, none under this one",
        )
        return flat, tracebacks
    unsure = replace(
        process,
        status="inconclusive",
        reason=f"the process leaks, and this route cannot be told apart: {why}",
    )
    return unsure, "uncertain: " + why


def _per_request(suspect: Suspect, share: float) -> Suspect:
    """The suspect's growth per request of the route (the process's is per request of
    any route)."""
    return replace(
        suspect,
        bytes_per_iteration=suspect.bytes_per_iteration * share,
        allocations_per_iteration=suspect.allocations_per_iteration * share,
    )


def _holders(suspects: Sequence[Suspect]) -> Tuple[Holder, ...]:
    seen, out = set(), []
    for s in suspects:
        for h in s.holders:
            if h.path not in seen:
                seen.add(h.path)
                out.append(h)
    return tuple(out)


def merge_processes(reports: Sequence[Report], target: str) -> Report:
    """One report for the worker processes of one service, merged by route.

    The service's verdict is its worst process's (leak, then inconclusive, plateau,
    flat); a route leaks where any process saw it leak, its growth per request the
    mean over those processes weighted by their requests."""
    worst = min(reports, key=lambda r: _ORDER.get(r.verdict.status, 9))
    by_route: Dict[str, List[RouteReport]] = {}
    for report in reports:
        for route in report.routes:
            by_route.setdefault(route.route, []).append(route)
    routes = [_merge_route(parts) for parts in by_route.values()]
    routes.sort(key=lambda r: (_ORDER.get(r.verdict.status, 9), -r.requests, r.route))
    suspects: Dict[Tuple[str, int], Suspect] = {}
    for report in sorted(reports, key=lambda r: _ORDER.get(r.verdict.status, 9)):
        for s in report.suspects:
            suspects.setdefault((s.file, s.line), s)
    pids = [r.meta.get("pid") for r in reports]
    note = f"merged from {len(reports)} processes (pids {', '.join(map(str, pids))}), by route"
    return replace(
        worst,
        target=target,
        suspects=tuple(sorted(suspects.values(), key=lambda s: -s.bytes_per_iteration)),
        routes=tuple(routes),
        notes=(*worst.notes, note),
        meta=dict(worst.meta, processes=pids),
    )


def _merge_route(parts: Sequence[RouteReport]) -> RouteReport:
    best = min(parts, key=lambda r: _ORDER.get(r.verdict.status, 9))
    same = [p for p in parts if p.verdict.status == best.verdict.status]
    weight = sum(p.requests for p in same)
    per = sum(p.verdict.bytes_per_iteration * p.requests for p in same) / weight if weight else 0.0
    verdict = best.verdict
    if verdict.status == "leak":
        verdict = replace(verdict, bytes_per_iteration=per)
    holders: Dict[Tuple[str, ...], Holder] = {}
    suspects: Dict[Tuple[str, int], Suspect] = {}
    for p in same:
        for h in p.holders:
            holders.setdefault(h.path, h)
        for s in p.suspects:
            suspects.setdefault((s.file, s.line), s)
    how = best.attribution
    if len(parts) > 1:
        how += f" ({len(same)} of {len(parts)} processes said {verdict.status})"
    return RouteReport(
        route=best.route,
        requests=sum(p.requests for p in parts),
        errors=sum(p.errors for p in parts),
        verdict=verdict,
        suspects=tuple(suspects.values()),
        holders=tuple(holders.values()),
        attribution=how,
        processes=len(parts),
    )
