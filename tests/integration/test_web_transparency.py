"""The middleware changes nothing a client sees, and nothing of leaksleuth reaches a
request: responses, headers and streamed bodies are the same with and without it, on
Flask (werkzeug's test client) and FastAPI (Starlette's test client, over httpx)."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from flask import Flask, Response, jsonify

from leaksleuth.web import ASGIMiddleware, WSGIMiddleware, _service

PATHS = ["/items/3", "/items/4?x=1", "/stream", "/missing", "/boom"]


@pytest.fixture(autouse=True)
def _fresh_runs(tmp_path: Any) -> Iterator[None]:
    # Each test gets this process's run anew (the middleware makes one per process).
    saved = dict(_service._RUNS)
    _service._RUNS.clear()
    yield
    for run in _service._RUNS.values():
        if run is not None:
            run.finish()
    _service._RUNS.clear()
    _service._RUNS.update(saved)


def _flask_app() -> Flask:
    app = Flask("transparency")

    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> Any:
        resp = jsonify(id=item_id)
        resp.headers["X-Custom"] = "kept"
        return resp

    @app.route("/stream")
    def stream() -> Response:
        return Response((f"part {i}\n" for i in range(4)), mimetype="text/plain")

    @app.route("/boom")
    def boom() -> Any:
        raise RuntimeError("no")

    return app


def _flask_responses(app: Flask) -> List[Tuple[int, Dict[str, str], bytes]]:
    client = app.test_client()
    out = []
    for path in PATHS:
        r = client.get(path)
        headers = {k: v for k, v in r.headers.items() if k.lower() != "date"}
        out.append((r.status_code, headers, r.get_data()))
        r.close()
    return out


def test_flask_responses_are_the_same_with_and_without_the_middleware(tmp_path: Any) -> None:
    plain = _flask_responses(_flask_app())
    app = _flask_app()
    app.wsgi_app = WSGIMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, capture=str(tmp_path / "cap.{pid}.db")
    )
    assert _flask_responses(app) == plain
    run = _service._RUNS[os.getpid()]
    assert run is not None
    book = {r["route"]: r for r in run.routes.as_meta()}
    assert book["/items/<int:item_id>"]["requests"] == 2
    assert book["/boom"] == {**book["/boom"], "requests": 1, "errors": 1}
    assert book[_service.UNROUTED]["requests"] == 1  # the 404: a raw path never is a route
    assert book["/stream"]["requests"] == 1


def _fastapi_app() -> FastAPI:
    api = FastAPI()

    @api.get("/items/{item_id}")
    async def item(item_id: int) -> Any:
        return {"id": item_id}

    @api.get("/stream")
    async def stream() -> StreamingResponse:
        async def parts() -> Any:
            for i in range(4):
                yield f"part {i}\n"

        return StreamingResponse(parts(), media_type="text/plain", headers={"X-Custom": "kept"})

    @api.get("/boom")
    async def boom() -> Any:
        raise RuntimeError("no")

    return api


def _asgi_responses(app: Any) -> List[Tuple[int, Dict[str, str], bytes]]:
    out = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in PATHS:
            r = client.get(path)
            out.append((r.status_code, dict(r.headers), r.content))
    return out


def test_fastapi_responses_are_the_same_with_and_without_the_middleware(tmp_path: Any) -> None:
    plain = _asgi_responses(_fastapi_app())
    wrapped = ASGIMiddleware(_fastapi_app(), capture=str(tmp_path / "cap.{pid}.db"))
    assert _asgi_responses(wrapped) == plain
    run = _service._RUNS[os.getpid()]
    assert run is not None
    book = {r["route"]: r for r in run.routes.as_meta()}
    assert book["/items/{item_id}"]["requests"] == 2
    assert book["/boom"]["errors"] == 1
    assert book["/stream"]["requests"] == 1
    # The handler's source range, for telling which route a growing line runs under.
    handler = book["/items/{item_id}"]["handler"]
    assert handler[0] == os.path.abspath(__file__) and handler[1] < handler[2]


def test_a_capture_that_cannot_be_written_leaves_the_service_running(
    tmp_path: Any, capfd: Any
) -> None:
    app = _flask_app()
    missing = tmp_path / "no-such-dir" / "cap.{pid}.db"
    app.wsgi_app = WSGIMiddleware(app.wsgi_app, capture=str(missing))  # type: ignore[method-assign]
    assert _flask_responses(app) == _flask_responses(_flask_app())
    err = capfd.readouterr().err
    assert err.count("leaksleuth: not watching this service process") == 1


def test_an_error_inside_leaksleuth_never_reaches_a_request(
    tmp_path: Any, monkeypatch: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the probe failed")

    monkeypatch.setattr(_service.RouteBook, "count", broken)
    wrapped = ASGIMiddleware(_fastapi_app(), capture=str(tmp_path / "cap.{pid}.db"))
    assert _asgi_responses(wrapped) == _asgi_responses(_fastapi_app())
    run = _service._RUNS[os.getpid()]
    assert run is not None
    assert run.watch.probe.iterations == len(PATHS)  # each request still one iteration
