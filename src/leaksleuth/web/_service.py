"""One service process's watch: requests are iterations, each counted for its route.

A worker process (gunicorn's, uvicorn's) gets its own ``ServiceRun`` at its first
request, so that a server that loads the app before forking its workers still gives
each worker a capture of its own: ``leaksleuth-web.<pid>.db`` in the working directory
by default. It is ``leaksleuth run``'s per-process watch and crash-safe capture (rows
flushed every second by a thread of its own), without the time windows: a service's
iterations are its requests. The routes' request counts and the code range of each
route's handler are written with the rows, so that the analysis can tell which
handler's lines a growing allocation site runs under (``analysis._routes``).
"""

from __future__ import annotations

import atexit
import contextlib
import inspect
import os
import sys
import threading
from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from leaksleuth._api import CheckOptions
from leaksleuth.probe import ProbeConfig
from leaksleuth.runner._child import ProgramRun

DEFAULT_CAPTURE = "leaksleuth-web.{pid}.db"
UNROUTED = "<unrouted>"  # a request no route matched (404s), or a framework unknown here
_MAX_ROUTES = 500  # a service has a few dozen; past this, requests count as UNROUTED

Handler = Tuple[str, int, int]  # file, first line, last line of a route's handler


def handler_range(fn: Any) -> Optional[Handler]:
    """The source range of a route's handler function (decorators unwrapped)."""
    try:
        fn = inspect.unwrap(fn)
        code = getattr(fn, "__code__", None)
        if code is None:
            return None
        lines = [line for _, _, line in code.co_lines() if line is not None]
        last = max(lines) if lines else code.co_firstlineno
        return (os.path.abspath(code.co_filename), code.co_firstlineno, last)
    except Exception:
        return None


class RouteBook:
    """Requests and failed requests per route, and each route's handler. Thread-safe;
    its size is bounded by the number of routes, not of requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Dict[str, int] = {}
        self.errors: Dict[str, int] = {}
        self.traced: Dict[str, int] = {}  # requests that ended while tracemalloc traced
        self.handlers: Dict[str, Handler] = {}
        self._known_handlers: Dict[int, Optional[Handler]] = {}  # id(function) -> range

    def count(self, route: str, handler: Any, failed: bool, traced: bool) -> None:
        with self._lock:
            if route not in self.requests and len(self.requests) >= _MAX_ROUTES:
                route, handler = UNROUTED, None
            self.requests[route] = self.requests.get(route, 0) + 1
            if failed:
                self.errors[route] = self.errors.get(route, 0) + 1
            if traced:
                self.traced[route] = self.traced.get(route, 0) + 1
            if handler is not None and route not in self.handlers:
                found = self._known_handlers.get(id(handler))
                if id(handler) not in self._known_handlers:
                    found = self._known_handlers[id(handler)] = handler_range(handler)
                if found is not None:
                    self.handlers[route] = found

    def as_meta(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [
                {
                    "route": route,
                    "requests": n,
                    "errors": self.errors.get(route, 0),
                    "traced": self.traced.get(route, 0),
                    "handler": list(self.handlers[route]) if route in self.handlers else None,
                }
                for route, n in sorted(self.requests.items())
            ]


class ServiceRun(ProgramRun):
    """``leaksleuth run``'s watch of one process, fed by requests."""

    def __init__(self, name: str, path: str, options: Optional[CheckOptions] = None) -> None:
        self._given = options
        redact = options.redact if options is not None else True
        settings = {"target": name, "argv": list(sys.argv), "no_redact": not redact}
        super().__init__(settings, path)
        self.routes = RouteBook()
        self.exporter: Any = None  # the Prometheus metrics' updater, when asked for

    def _options(self) -> CheckOptions:
        """The options given to the middleware; unless they set the probe's, with a
        whole program's reading budget (0.2% of the worker's time). By default two
        bursts: the later one decides which lines grow, so a cache that was still
        filling at the first (a route's, or the server's URL cache) is not blamed."""
        base = replace(super()._options(), max_bursts=2)
        given = self._given
        if given is None:
            return base
        return given if given.probe != ProbeConfig() else replace(given, probe=base.probe)

    def request_done(self, route: str, handler: Any, failed: bool) -> None:
        """One request (one iteration) ended. Never raises."""
        try:
            self.routes.count(route, handler, failed, self._probe.bursting)
        except Exception as exc:
            self._probe.note_error("route", exc)
        self.tick("request")

    def _flush_now(self) -> None:
        self.writer.record("routes", self.routes.as_meta())
        super()._flush_now()

    def start_threads(self) -> None:
        # Only the flusher: a service's iterations are its requests, never time windows.
        threading.Thread(target=self._flusher, name="leaksleuth-flush", daemon=True).start()

    def finish(self, exc: Optional[BaseException] = None, stop_reason: str = "") -> None:
        if self.exporter is not None:
            self.exporter.stop()
        with contextlib.suppress(Exception):  # finish() below still writes what it can
            self.writer.record("routes", self.routes.as_meta())
        super().finish(exc, stop_reason)


_RUNS: Dict[int, Optional[ServiceRun]] = {}  # pid -> this process's run (None: failed)
_RUNS_LOCK = threading.Lock()


def service_run(
    name: str,
    capture: Optional[str],
    options: Optional[CheckOptions],
    prometheus: Any = None,
    interval: float = 15.0,
) -> Optional[ServiceRun]:
    """This process's run, made at its first request; None when it could not be made
    (the service then runs unwatched, and says why once on stderr). ``prometheus``: None
    or False for no metrics, True for prometheus_client's default registry, or a
    registry; they are updated every ``interval`` seconds. Never raises."""
    pid = os.getpid()
    run = _RUNS.get(pid, False)
    if run is not False:
        return run  # type: ignore[return-value]
    with _RUNS_LOCK:
        if pid in _RUNS:
            return _RUNS[pid]
        try:
            path = (capture or DEFAULT_CAPTURE).format(pid=pid)
            made: Optional[ServiceRun] = ServiceRun(name, path, options)
            assert made is not None
            made.start_threads()
            if prometheus is not None and prometheus is not False:
                from leaksleuth.web._prometheus import start_exporter

                made.exporter = start_exporter(made, prometheus, interval)
            atexit.register(made.finish, None, "the service stopped")
        except Exception as exc:
            print(f"leaksleuth: not watching this service process: {exc}", file=sys.stderr)
            made = None
        _RUNS[pid] = made
        return made
