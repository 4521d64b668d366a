"""Requests per second of a Flask service under gunicorn, with and without leaksleuth.web.

One sync gunicorn worker on 127.0.0.1 serves a handler that computes for 1 ms or 10 ms;
one client (httpx, a keep-alive-less connection per request, as gunicorn's sync worker
closes each) sends requests one after another. Measured in the same run, rounds
interleaved, for each handler:

- ``bare``: the app alone;
- ``leaksleuth``: the app wrapped by ``WSGIMiddleware`` with its defaults;
- ``by hand``: the peer people write today: tracemalloc started at import, and every
  100th request a snapshot compared with the previous one (``compare_to``), its top
  lines printed, in an ``after_request`` hook.

    python bench/web.py --out web.json [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)

APP = """
import os, time, tracemalloc
from flask import Flask
app = Flask(__name__)
WORK = float(os.environ["BENCH_WORK_S"])

@app.route("/work/<int:n>")
def work(n):
    end = time.perf_counter() + WORK
    x = 0
    while time.perf_counter() < end:
        x += 1
    return {"n": n, "x": x > 0}

MODE = os.environ["BENCH_MODE"]
if MODE == "leaksleuth":
    from leaksleuth.web import WSGIMiddleware
    app.wsgi_app = WSGIMiddleware(app.wsgi_app, capture=os.environ["BENCH_CAPTURE"])
elif MODE == "by hand":
    tracemalloc.start(10)
    state = {"n": 0, "last": tracemalloc.take_snapshot()}

    @app.after_request
    def compare(response):
        state["n"] += 1
        if state["n"] % 100 == 0:
            snap = tracemalloc.take_snapshot()
            for stat in snap.compare_to(state["last"], "lineno")[:5]:
                print(stat, flush=True)
            state["last"] = snap
        return response
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(mode: str, work_s: float, requests: int, tmp: str) -> tuple[float, dict[str, Any]]:
    """Requests per second over ``requests`` requests, after 50 of warm-up; and, with
    leaksleuth, its own time and bursts from the worker's capture."""
    port = _port()
    env = dict(
        os.environ,
        BENCH_MODE=mode,
        BENCH_WORK_S=str(work_s),
        BENCH_CAPTURE=os.path.join(tmp, f"cap-{port}.{{pid}}.db"),
        PYTHONPATH=tmp + os.pathsep + os.path.join(ROOT, "src"),
    )
    argv = [os.path.join(BIN, "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "bench_app:app"]
    log = open(os.path.join(tmp, "server.log"), "ab")  # noqa: SIM115
    proc = subprocess.Popen(argv, cwd=tmp, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/work/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "0", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with httpx.Client(timeout=30) as client:
            for i in range(50):
                client.get(url + str(i))
            started = time.perf_counter()
            for i in range(requests):
                client.get(url + str(i))
            rate = requests / (time.perf_counter() - started)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
    facts: dict[str, Any] = {}
    if mode == "leaksleuth":
        from leaksleuth.analysis import build_report
        from leaksleuth.capture._store import read_store

        found = [f for f in os.listdir(tmp) if f.startswith(f"cap-{port}.")]
        if found:
            path = os.path.join(tmp, found[0])
            cap = read_store(path).capture
            facts = {
                "tool_s": cap.meta.get("tool_s"),
                "elapsed_s": cap.meta.get("elapsed_s"),
                "bursts": len(cap.bursts),
                "verdict": build_report(cap).verdict.status,  # the handler keeps nothing
            }
    return rate, facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true", help="fewer requests and rounds")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else 3
    modes = ("bare", "leaksleuth", "by hand")
    results: dict[str, Any] = {"rounds": rounds, "handlers": {}}
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "bench_app.py"), "w", encoding="utf-8") as f:
            f.write(APP)
        # Long enough that the start-up allowances (the first 50 ms of readings and 40 ms
        # of gc passes, free of the budgets) weigh as they do in a service: little.
        for work_s, requests in ((0.001, 6000), (0.010, 1000)):
            if args.quick:
                requests //= 3
            rates: dict[str, list[float]] = {m: [] for m in modes}
            own: list[dict[str, Any]] = []
            for _ in range(rounds):
                for mode in modes:
                    rate, facts = measure(mode, work_s, requests, tmp)
                    rates[mode].append(rate)
                    if facts:
                        own.append(facts)
            bare = statistics.median(rates["bare"])
            results["handlers"][f"{work_s * 1000:g} ms"] = {
                "requests": requests,
                "req_per_s": {m: statistics.median(v) for m, v in rates.items()},
                "all": rates,
                "slowdown": {m: bare / statistics.median(v) for m, v in rates.items()},
                "leaksleuth_runs": own,
            }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
