"""Per-route verdicts from a process report and its route book, and the merge of a
service's worker processes, on hand-built reports."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from leaksleuth.analysis._routes import merge_processes, route_reports
from leaksleuth.render import render_json, render_terminal
from leaksleuth.report import Frame, Report, Suspect
from tests.unit.test_render_json import make_report, strict_loads

# handler ranges: orders() at app.py:10-14, health() at app.py:20-22
ORDERS = ("/app/app.py", 10, 14)
HEALTH = ("/app/app.py", 20, 22)


def _site(line: int, under: Optional[int], share: float = 1.0, rate: float = 1000.0) -> Suspect:
    """A growing site at /app/lib.py:line, called from app.py:under (None: no handler)."""
    outer = () if under is None else (Frame("/app/app.py", under, True),)
    return Suspect(
        file="/app/lib.py", line=line, source="x", bytes_per_iteration=rate,
        allocations_per_iteration=1.0, share=share, windows_growing=4, windows=4,
        traceback=(Frame("/app/lib.py", line, True), *outer),
    )  # fmt: skip


def _book(**requests: int) -> List[Dict[str, Any]]:
    """Routes with their requests, a tenth of them traced by the burst."""
    handlers = {"orders": ORDERS, "health": HEALTH}
    return [
        {"route": f"/{name}", "requests": n, "errors": 0, "traced": max(1, n // 10),
         "handler": list(handlers[name]) if name in handlers else None}
        for name, n in requests.items()
    ]  # fmt: skip


def _routes(report: Report, book: List[Dict[str, Any]]) -> Dict[str, Tuple[str, float]]:
    return {
        r.route: (r.verdict.status, r.verdict.bytes_per_iteration)
        for r in route_reports(report.verdict, report.suspects, book)
    }


def test_a_route_leaks_when_a_growing_site_runs_under_its_handler() -> None:
    report = make_report(suspects=(_site(5, under=12),))
    routes = _routes(report, _book(orders=100, health=300))
    # 1000 B per traced request of any route is 4000 B per request of /orders (10 of the
    # 40 requests the burst traced).
    assert routes == {"/orders": ("leak", 4000.0), "/health": ("flat", 0.0)}
    orders = route_reports(report.verdict, report.suspects, _book(orders=100, health=300))[0]
    assert orders.route == "/orders" and orders.suspects[0].bytes_per_iteration == 4000.0
    assert "however requests overlap" in orders.attribution


def test_a_site_under_no_handler_leaves_the_other_routes_uncertain() -> None:
    report = make_report(suspects=(_site(5, under=12, share=0.6), _site(6, None, share=0.4)))
    routes = route_reports(report.verdict, report.suspects, _book(orders=100, health=100))
    by = {r.route: r for r in routes}
    assert by["/orders"].verdict.status == "leak"
    assert by["/health"].verdict.status == "inconclusive"
    assert "no route's handler" in by["/health"].attribution


def test_a_small_site_under_no_handler_changes_nothing() -> None:
    report = make_report(suspects=(_site(5, under=12, share=0.98), _site(6, None, share=0.02)))
    assert _routes(report, _book(orders=100, health=100))["/health"] == ("flat", 0.0)


def test_a_route_with_no_traced_request_is_not_called_flat() -> None:
    report = make_report(suspects=(_site(5, under=12),))
    book = _book(orders=100, health=100)
    book[1]["traced"] = 0
    assert _routes(report, book)["/health"][0] == "inconclusive"


def test_no_traced_site_leaves_every_route_uncertain() -> None:
    report = make_report(suspects=())
    assert set(_routes(report, _book(orders=10, health=10)).values()) == {("inconclusive", 1024.0)}


def test_a_process_that_does_not_leak_has_no_leaking_route() -> None:
    flat = replace(make_report().verdict, status="flat", reason="no growth")
    report = make_report(verdict=flat, suspects=())
    assert {s for s, _ in _routes(report, _book(orders=10, health=10)).values()} == {"flat"}


def test_the_growth_per_request_scales_by_the_traced_requests() -> None:
    # The burst traced 30 requests, 20 of them /orders', whatever the whole run's mix.
    report = make_report(suspects=(_site(5, under=12),))
    book = _book(orders=100, health=300)
    book[0]["traced"], book[1]["traced"] = 20, 10
    assert _routes(report, book)["/orders"] == ("leak", 1500.0)


def test_worker_processes_merge_by_route() -> None:
    book = _book(orders=100, health=300)
    leaking = make_report(suspects=(_site(5, under=12),), meta={"pid": 11})
    leaking = replace(leaking, routes=route_reports(leaking.verdict, leaking.suspects, book))
    quiet = replace(make_report().verdict, status="inconclusive", reason="too few")
    other = make_report(verdict=quiet, suspects=(), meta={"pid": 12})
    other = replace(
        other, routes=route_reports(other.verdict, other.suspects, _book(orders=50, health=50))
    )
    merged = merge_processes([other, leaking], "svc, 2 processes")
    assert merged.verdict.status == "leak"
    by = {r.route: r for r in merged.routes}
    assert by["/orders"].requests == 150 and by["/orders"].processes == 2
    assert by["/orders"].verdict.status == "leak"
    assert "1 of 2 processes said leak" in by["/orders"].attribution
    assert merged.meta["processes"] == [12, 11]
    data = strict_loads(render_json(merged))
    assert data["routes"][0]["route"] == "/orders"
    assert data["routes"][0]["suspects"][0]["traceback"] == ["/app/lib.py:5", "/app/app.py:12"]
    text = render_terminal(merged, width=100)
    assert "Routes" in text and "/orders" in text and "+3.9 KiB" in text
