"""A service process's figures as Prometheus metrics (``pip install 'leaksleuth[prometheus]'``).

Metrics (docs/prometheus.md; ``unit`` is ``process`` or a route's template):

- ``leaksleuth_requests_total{route}``: requests served, per route (a counter).
- ``leaksleuth_iterations_total``: iterations measured (for a service, its requests).
- ``leaksleuth_memory_bytes{kind}``: the newest reading of each kind of memory: ``rss``,
  ``c_heap`` (bytes in use in the C heap, Python's included), ``allocator_free`` (freed
  bytes the allocator keeps), ``gpu_allocated``, ``gpu_reserved`` (torch, when used).
- ``leaksleuth_growth_bytes_per_iteration{unit, bound}``: the last verdict's growth per
  iteration (per request of the route), ``bound`` = ``estimate``, ``low`` or ``high``
  (its confidence interval).
- ``leaksleuth_verdict{unit, status}``: 1 for the unit's current status (``leak``,
  ``plateau``, ``flat``, ``inconclusive``), 0 for the others.

A thread updates them every ``interval`` seconds from what the process's interim looks
last concluded (no analysis of its own), so a scrape costs the service nothing. In
gunicorn's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` set before the workers start)
the gauges are per worker (a ``pid`` label, ``liveall``) and the counters summed.
prometheus_client is imported only when metrics are asked for.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from leaksleuth.analysis._routes import route_reports
from leaksleuth.report import STATUSES

if TYPE_CHECKING:
    from leaksleuth.web._service import ServiceRun

PROCESS = "process"
KINDS = {  # signal -> the kind label of leaksleuth_memory_bytes
    "rss": "rss",
    "malloc": "c_heap",
    "malloc_free": "allocator_free",
    "gpu_allocated": "gpu_allocated",
    "gpu_reserved": "gpu_reserved",
}
_METRICS: Dict[int, Dict[str, Any]] = {}  # id(registry) -> the metrics made in it
_LOCK = threading.Lock()


def _metrics(registry: Any) -> Dict[str, Any]:
    """The metric objects, made once per registry (a second would be a duplicate)."""
    from prometheus_client import REGISTRY, Counter, Gauge

    registry = REGISTRY if registry is None or registry is True else registry
    with _LOCK:
        made = _METRICS.get(id(registry))
        if made is None:
            live = {"registry": registry, "multiprocess_mode": "liveall"}
            made = _METRICS[id(registry)] = {
                "requests": Counter(
                    "leaksleuth_requests", "Requests served, per route", ["route"],
                    registry=registry,
                ),
                "iterations": Counter(
                    "leaksleuth_iterations", "Iterations measured", registry=registry
                ),
                "memory": Gauge(
                    "leaksleuth_memory_bytes", "Newest reading of each kind of memory",
                    ["kind"], **live,
                ),
                "growth": Gauge(
                    "leaksleuth_growth_bytes_per_iteration",
                    "Growth per iteration (per request of a route) and its interval",
                    ["unit", "bound"], **live,
                ),
                "verdict": Gauge(
                    "leaksleuth_verdict", "1 for the unit's current verdict, 0 for the others",
                    ["unit", "status"], **live,
                ),
            }  # fmt: skip
        return made


class Exporter:
    """Updates one process's metrics from its run, every ``interval`` seconds."""

    def __init__(self, run: ServiceRun, registry: Any = None, interval: float = 15.0) -> None:
        self.run = run
        self.interval = interval
        self.metrics = _metrics(registry)
        self._pushed: Dict[str, int] = {}  # route -> requests already counted
        self._iterations = 0
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._loop, name="leaksleuth-metrics", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.update()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.update()

    def update(self) -> None:
        """Push the newest figures. Never raises."""
        try:
            self._update()
        except Exception as exc:
            self.run.watch.probe.note_error("prometheus", exc)

    def _update(self) -> None:
        m = self.metrics
        book = self.run.routes.as_meta()
        for entry in book:
            route, n = str(entry["route"]), int(entry["requests"])
            delta = n - self._pushed.get(route, 0)
            if delta > 0:
                m["requests"].labels(route=route).inc(delta)
                self._pushed[route] = n
        probe = self.run.watch.probe
        done = probe.iterations
        if done > self._iterations:
            m["iterations"].inc(done - self._iterations)
            self._iterations = done
        latest = probe.latest()
        for signal, kind in KINDS.items():
            value = latest.get(signal, math.nan)
            if not math.isnan(value):
                m["memory"].labels(kind=kind).set(value)
        session = self.run.watch._session
        verdict = session.last
        if verdict is None:
            return
        self._verdict(PROCESS, verdict)
        for part in route_reports(verdict, session.last_suspects, book):
            self._verdict(part.route, part.verdict)

    def _verdict(self, unit: str, verdict: Any) -> None:
        m = self.metrics
        for status in STATUSES:
            m["verdict"].labels(unit=unit, status=status).set(1 if verdict.status == status else 0)
        for bound, value in growth_bounds(verdict):
            m["growth"].labels(unit=unit, bound=bound).set(value)


def growth_bounds(verdict: Any) -> List[Tuple[str, float]]:
    """The ``bound`` labels of ``leaksleuth_growth_bytes_per_iteration`` and their values
    (a bound that is not a number is left out)."""
    bounds = (
        ("estimate", verdict.bytes_per_iteration),
        ("low", verdict.ci_low),
        ("high", verdict.ci_high),
    )
    return [(bound, float(value)) for bound, value in bounds if not math.isnan(value)]


def start_exporter(run: ServiceRun, registry: Any, interval: float) -> Optional[Exporter]:
    """Start the metrics thread for a process's run; None (one line on stderr) when
    prometheus_client is missing or the metrics cannot be made. Never raises."""
    import sys

    try:
        exporter = Exporter(run, registry, interval)
    except Exception as exc:
        print(f"leaksleuth: no Prometheus metrics: {exc}", file=sys.stderr)
        return None
    exporter.start()
    return exporter
