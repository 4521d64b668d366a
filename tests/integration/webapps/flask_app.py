"""A Flask service with a leaking route, a clean route and a bounded cache, wrapped by
leaksleuth's WSGI middleware (the capture path comes from LEAKSLEUTH_WEB_CAPTURE)."""

import functools
import os

from flask import Flask, Response, jsonify

from leaksleuth.web import WSGIMiddleware
from tests.integration.webapps._options import OPTIONS

app = Flask(__name__)
_SEEN = []  # every request's payload, kept for ever: the leak


@app.route("/orders/<int:order_id>")
def order(order_id):
    _SEEN.append({"id": order_id, "payload": "x" * 8192})  # LEAK-LINE
    return jsonify(id=order_id, kept=len(_SEEN))


@app.route("/health")
def health():
    parts = [str(i) for i in range(200)]
    return jsonify(ok=True, size=len(",".join(parts)))


@functools.lru_cache(maxsize=8)
def _rendered(key):
    return "r" * 4096 + str(key)


@app.route("/cached/<int:key>")
def cached(key):
    return jsonify(size=len(_rendered(key % 8)))


@app.route("/stream")
def stream():
    return Response((f"chunk {i}\n" for i in range(5)), mimetype="text/plain")


@app.route("/boom")
def boom():
    raise RuntimeError("handler failed")


# With PROMETHEUS_MULTIPROC_DIR set (gunicorn's multiprocess mode), the workers' metrics
# are exported, updated every second, and /metrics serves them all.
_METRICS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
if _METRICS:
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess

    @app.route("/metrics")
    def metrics():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype="text/plain")


app.wsgi_app = WSGIMiddleware(
    app.wsgi_app,
    capture=os.environ.get("LEAKSLEUTH_WEB_CAPTURE"),
    options=OPTIONS,
    prometheus=_METRICS or None,
    metrics_interval=1.0,
)
