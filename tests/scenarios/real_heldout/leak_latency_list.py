"""A worker times each request with ``time.perf_counter()`` and appends the duration to a
module-level list that a metrics exporter was supposed to drain - the exporter was never
wired up. Each step serves a batch of two requests, so two floats and two list slots
accumulate per step (a slow leak, about 80 B per step)."""

import json
import time

LIBRARIES = ("time", "json")
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.92/+2.00/+2.00/+1.92, "
    "C heap +17.7/+17.7/+20.3/+14.4 B, RSS +62/+66/+62/+62 B"
)
HOLDER = "global _latencies"
DIAGNOSIS = "growing_container"

_latencies = []  # drained by the exporter... which nobody started
_BATCH = ('{"op": "get", "key": "a"}', '{"op": "put", "key": "b", "value": 3}')


def serve(raw):
    request = json.loads(raw)
    return len(request["key"]) + request.get("value", 0)


def step():
    total = 0
    for raw in _BATCH:
        started = time.perf_counter()
        total += serve(raw)
        _latencies.append(time.perf_counter() - started)  # SITE
    return total


def teardown():
    _latencies.clear()
