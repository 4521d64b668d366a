"""Leak verdicts per route inside a running WSGI or ASGI service.

    app.wsgi_app = WSGIMiddleware(app.wsgi_app)   # Flask (any WSGI app)
    app = ASGIMiddleware(app)                     # FastAPI, Starlette (any ASGI app)

Each request is one iteration of its route; a route is its template (``/users/<id>``,
``/items/{item_id}``), never the raw path. Each worker process writes its own capture,
``leaksleuth-web.<pid>.db`` (or the ``capture`` template, ``{pid}`` filled in);
``leaksleuth report FILE...`` merges the workers' captures by route. ``options`` are
``check()``'s (``CheckOptions``): ``analysis_budget``, the share of the worker's time its
interim verdicts may take (1% by default), ``redact``, ``retention_seconds``, ...
``prometheus=True`` (or a ``CollectorRegistry``) exports each worker's figures as
Prometheus metrics, updated every ``metrics_interval`` seconds (docs/prometheus.md).

Nothing of leaksleuth reaches a request: an error inside it is noted in the capture, and
the response, its headers and its body are the application's, streamed as it streams
them. A streaming response ends its iteration when its body is done; a request whose
handler raised is still one iteration (counted as failed, as is one answered 5xx).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from leaksleuth._api import CheckOptions
from leaksleuth.web._service import UNROUTED, ServiceRun, service_run

__all__ = ["ASGIMiddleware", "WSGIMiddleware"]


class _Middleware:
    """What both middlewares keep: where the capture goes, the options, the metrics."""

    def __init__(
        self,
        app: Any,
        name: str,
        capture: Optional[str],
        options: Optional[CheckOptions],
        prometheus: Any,
        metrics_interval: float,
    ) -> None:
        self.app = app
        self.name = name
        self.capture = capture
        self.options = options
        self.prometheus = prometheus
        self.metrics_interval = metrics_interval

    def _run(self) -> Optional[ServiceRun]:
        """This process's run (made at its first request), or None: unwatched."""
        return service_run(
            self.name, self.capture, self.options, self.prometheus, self.metrics_interval
        )


class WSGIMiddleware(_Middleware):
    """Wraps a WSGI application (for Flask: ``app.wsgi_app``)."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        *,
        capture: Optional[str] = None,
        name: Optional[str] = None,
        options: Optional[CheckOptions] = None,
        prometheus: Any = None,
        metrics_interval: float = 15.0,
    ) -> None:
        owner = getattr(app, "__self__", app)  # Flask: app.wsgi_app is a bound method
        self._views: Optional[Dict[str, Any]] = getattr(owner, "view_functions", None)
        name = name or f"{getattr(owner, 'import_name', type(owner).__name__)} (WSGI)"
        super().__init__(app, name, capture, options, prometheus, metrics_interval)

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        run = self._run()
        if run is None:
            return self.app(environ, start_response)
        # The route is read when the app starts its response: Flask clears the request it
        # keeps in the environ when the request ends.
        found: List[Tuple[str, Any]] = []
        status: List[str] = []

        def starting(*args: Any, **kwargs: Any) -> Any:
            if not found:
                found.append(self._route(environ))
            if args:
                status[:] = [str(args[0])]
            return start_response(*args, **kwargs)

        try:
            body = self.app(environ, starting)
        except BaseException:
            self._done(run, environ, found, failed=True)
            raise

        def done(failed: bool) -> None:
            server_error = bool(status) and status[0][:1] == "5"
            self._done(run, environ, found, failed or server_error)

        return _ClosingBody(body, done)

    def _done(
        self, run: ServiceRun, environ: Dict[str, Any], found: List[Tuple[str, Any]], failed: bool
    ) -> None:
        route, handler = found[0] if found else self._route(environ)
        run.request_done(route, handler, failed)

    def _route(self, environ: Dict[str, Any]) -> Tuple[str, Any]:
        """The matched route's template and handler. Never raises."""
        try:
            # werkzeug keeps the request in the environ; Flask sets its matched rule there.
            rule = getattr(environ.get("werkzeug.request"), "url_rule", None)
            if rule is None:
                return UNROUTED, None
            views = self._views or {}
            return str(rule.rule), views.get(rule.endpoint)
        except Exception:
            return UNROUTED, None


class _ClosingBody:
    """The application's body, passed through; the iteration ends at ``close()`` (which
    a WSGI server calls once the body is sent, or abandoned)."""

    def __init__(self, body: Iterable[bytes], done: Callable[[bool], None]) -> None:
        self._body = body
        self._done = done
        self._ended = False
        self._failed = False

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._body
        except BaseException:
            self._failed = True
            raise

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            if not self._ended:
                self._ended = True
                self._done(self._failed)


Scope = Dict[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]


class ASGIMiddleware(_Middleware):
    """Wraps an ASGI application (FastAPI, Starlette, ...): ``app = ASGIMiddleware(app)``."""

    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Awaitable[None]],
        *,
        capture: Optional[str] = None,
        name: Optional[str] = None,
        options: Optional[CheckOptions] = None,
        prometheus: Any = None,
        metrics_interval: float = 15.0,
    ) -> None:
        name = name or f"{type(app).__name__} (ASGI)"
        super().__init__(app, name, capture, options, prometheus, metrics_interval)

    def __getattr__(self, name: str) -> Any:
        # The wrapped app's attributes (FastAPI's routes, state, ...) stay reachable.
        return getattr(self.__dict__["app"], name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        run = self._run()
        if run is None:
            await self.app(scope, receive, send)
            return
        status: List[int] = []

        async def sending(message: Dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                status[:] = [int(message.get("status", 0))]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except BaseException:
            self._done(run, scope, failed=True)
            raise
        # The app returns once its whole body is sent (a streaming body too).
        self._done(run, scope, failed=bool(status) and status[0] >= 500)

    def _done(self, run: ServiceRun, scope: Scope, failed: bool) -> None:
        try:
            route, handler = self._route(scope)
        except Exception:
            route, handler = UNROUTED, None
        run.request_done(route, handler, failed)

    def _route(self, scope: Scope) -> Tuple[str, Any]:
        # The router writes the match into the scope: FastAPI the route, Starlette the
        # endpoint (whose route is then looked up among the app's routes).
        endpoint = scope.get("endpoint")
        route = scope.get("route")
        path = getattr(route, "path", None)
        if path is None and endpoint is not None:
            path = _path_of(self.app, endpoint)
        if path is None:
            return UNROUTED, None
        return str(path), getattr(route, "endpoint", None) or endpoint


def _path_of(app: Any, endpoint: Any) -> Optional[str]:
    routes = getattr(app, "routes", None) or getattr(getattr(app, "router", None), "routes", ())
    for route in routes or ():
        if getattr(route, "endpoint", None) is endpoint:
            return getattr(route, "path", None)
    return None
