"""``leaksleuth run --prometheus ADDR:PORT``: the run's figures served for Prometheus.

The CLI's process serves them (the program's pays nothing): at each scrape, at most once
every few seconds, it analyses the capture file the program writes, and answers with
the same metrics as ``leaksleuth.web`` (docs/prometheus.md), for one unit: the
``--iterate-on`` function, or ``process``.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from typing import Any, Iterator, List, Optional, Tuple

from leaksleuth._errors import UsageError
from leaksleuth.report import STATUSES, Report
from leaksleuth.web._prometheus import KINDS, PROCESS, growth_bounds

_FRESH_S = 5.0  # a scrape within this long of the last analysis reuses it
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def parse_address(text: str) -> Tuple[str, int]:
    """``127.0.0.1:9108`` -> ("127.0.0.1", 9108); a loopback host only."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--prometheus wants HOST:PORT, such as 127.0.0.1:9108, not {text!r}")
    if host not in _LOOPBACK:
        raise UsageError(
            f"--prometheus serves on this machine only (127.0.0.1, ::1 or localhost), "
            f"not {host}: put a proxy in front of it to scrape it from elsewhere"
        )
    return host, int(port)


class RunCollector:
    """A prometheus_client collector over a run's capture file."""

    def __init__(self, capture: str, unit: str) -> None:
        self.capture = capture
        self.unit = unit
        self._lock = threading.Lock()
        self._report: Optional[Report] = None
        self._at = -math.inf

    def _latest(self) -> Optional[Report]:
        from leaksleuth.analysis import build_report
        from leaksleuth.capture._store import read_store

        with self._lock:
            if time.monotonic() - self._at >= _FRESH_S:
                # Not written yet: nothing to say yet, or the last figures again.
                with contextlib.suppress(Exception):
                    self._report = build_report(read_store(self.capture).capture)
                self._at = time.monotonic()
            return self._report

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        report = self._latest()
        if report is None:
            return
        runs = CounterMetricFamily("leaksleuth_iterations", "Iterations measured")
        runs.add_metric([], float(report.meta.get("iterations_run") or 0))
        yield runs
        memory = GaugeMetricFamily(
            "leaksleuth_memory_bytes", "Newest reading of each kind of memory", labels=["kind"]
        )
        for signal, kind in KINDS.items():
            value = _last(report.series.get(signal, ()))
            if value is not None:
                memory.add_metric([kind], value)
        yield memory
        v = report.verdict
        growth = GaugeMetricFamily(
            "leaksleuth_growth_bytes_per_iteration",
            "Growth per iteration and its interval",
            labels=["unit", "bound"],
        )
        for bound, value in growth_bounds(v):
            growth.add_metric([self.unit, bound], value)
        yield growth
        verdict = GaugeMetricFamily(
            "leaksleuth_verdict",
            "1 for the unit's current verdict, 0 for the others",
            labels=["unit", "status"],
        )
        for status in STATUSES:
            verdict.add_metric([self.unit, status], 1.0 if v.status == status else 0.0)
        yield verdict


def _last(values: Any) -> Optional[float]:
    for value in reversed(list(values)):
        if value is not None and not math.isnan(value):
            return float(value)
    return None


def serve(address: str, capture: str, iterate_on: Optional[str]) -> None:
    """Start serving the run's metrics on ``address`` (a daemon thread of this process)."""
    host, port = parse_address(address)
    try:
        from prometheus_client import CollectorRegistry, start_http_server
    except ImportError:
        raise UsageError(
            "--prometheus needs prometheus_client: pip install 'leaksleuth[prometheus]'"
        ) from None
    registry = CollectorRegistry()
    registry.register(RunCollector(capture, iterate_on or PROCESS))
    try:
        start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        raise UsageError(
            f"--prometheus cannot listen on {address}: {exc.strerror or exc}"
        ) from None


__all__: List[str] = ["RunCollector", "parse_address", "serve"]
