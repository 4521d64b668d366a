"""The Prometheus metrics of one service process, into a registry of its own, read back
with prometheus_client's own text format and parser."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Dict, List

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from leaksleuth.report import Frame, Suspect
from leaksleuth.web._prometheus import Exporter
from leaksleuth.web._service import ServiceRun
from tests.unit.test_render_json import make_report


def orders() -> None:
    pass  # the handler of /orders: its source range is what a site's traceback is matched to


def health() -> None:
    pass


def _samples(registry: CollectorRegistry) -> List[Any]:
    text = generate_latest(registry).decode()
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def _value(samples: List[Any], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, (name, labels, [s for s in samples if s.name == name])
    return float(found[0])


def test_a_process_exports_requests_memory_and_verdicts_per_route(tmp_path: Any) -> None:
    run = ServiceRun("svc", str(tmp_path / "cap.db"))
    try:
        for i in range(30):
            run.request_done("/orders", orders, failed=False)
            if i % 3 == 0:
                run.request_done("/health", health, failed=False)
        registry = CollectorRegistry()
        exporter = Exporter(run, registry, interval=3600)
        exporter.update()
        samples = _samples(registry)
        assert _value(samples, "leaksleuth_requests_total", route="/orders") == 30
        assert _value(samples, "leaksleuth_requests_total", route="/health") == 10
        assert _value(samples, "leaksleuth_iterations_total") == 40
        assert _value(samples, "leaksleuth_memory_bytes", kind="rss") > 1e6
        # No interim look yet: no verdict is exported rather than a made-up one.
        assert not [s for s in samples if s.name == "leaksleuth_verdict"]

        # An interim look said leak, at a line that runs under /orders' handler.
        session = run.watch._session
        session.last = make_report().verdict  # leak, 1024 B per iteration
        site = Suspect(
            file="/app/lib.py", line=3, source="", bytes_per_iteration=1000.0,
            allocations_per_iteration=1.0, share=1.0, windows_growing=4, windows=4,
            traceback=(Frame("/app/lib.py", 3, True),
                       Frame(os.path.abspath(__file__), orders.__code__.co_firstlineno + 1, True)),
        )  # fmt: skip
        session.last_suspects = (site,)
        run.routes.traced.update({"/orders": 4, "/health": 2})
        run.request_done("/orders", orders, failed=True)
        exporter.update()
        samples = _samples(registry)
        assert _value(samples, "leaksleuth_requests_total", route="/orders") == 31
        assert _value(samples, "leaksleuth_verdict", unit="process", status="leak") == 1
        assert _value(samples, "leaksleuth_verdict", unit="process", status="flat") == 0
        assert _value(samples, "leaksleuth_verdict", unit="/orders", status="leak") == 1
        assert _value(samples, "leaksleuth_verdict", unit="/health", status="flat") == 1
        per_request = _value(
            samples, "leaksleuth_growth_bytes_per_iteration", unit="/orders", bound="estimate"
        )
        assert per_request == 1000.0 * 6 / 4  # per traced request of /orders (4 of 6)
        assert (
            _value(samples, "leaksleuth_growth_bytes_per_iteration", unit="process", bound="low")
            == 900.0
        )

        # The process stops leaking: the gauges follow.
        session.last = replace(make_report().verdict, status="plateau")
        exporter.update()
        samples = _samples(registry)
        assert _value(samples, "leaksleuth_verdict", unit="/orders", status="leak") == 0
        assert _value(samples, "leaksleuth_verdict", unit="/orders", status="plateau") == 1
    finally:
        run.finish()


def test_an_exporter_that_fails_notes_it_and_leaves_the_process_alone(tmp_path: Any) -> None:
    run = ServiceRun("svc", str(tmp_path / "cap.db"))
    try:
        exporter = Exporter(run, CollectorRegistry(), interval=3600)
        broken: Dict[str, Any] = dict(exporter.metrics, memory=None)  # .labels() fails
        exporter.metrics = broken
        run.request_done("/orders", orders, failed=False)
        exporter.update()  # must not raise
        assert any("prometheus" in e for e in run.watch.probe.capture("x").probe_errors)
    finally:
        run.finish()
