"""A Flask service with a leaking route, a clean route and a bounded cache, wrapped by
leaksleuth's WSGI middleware (the capture path comes from LEAKSLEUTH_WEB_CAPTURE)."""

import functools
import os

from flask import Flask, Response, jsonify

from leaksleuth import CheckOptions
from leaksleuth.probe import ProbeConfig
from leaksleuth.web import WSGIMiddleware

app = Flask(__name__)
# A test's load lasts seconds, not hours: the readings, the interim verdicts and the gc
# passes may take a larger share of the worker's time than a service's defaults give.
_OPTIONS = CheckOptions(
    analysis_budget=0.2,
    settle_allowance=1.0,
    max_bursts=2,
    probe=ProbeConfig(record_budget=0.02, record_allowance=0.5, record_floor=16),
)
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
    options=_OPTIONS,
    prometheus=_METRICS or None,
    metrics_interval=1.0,
)
