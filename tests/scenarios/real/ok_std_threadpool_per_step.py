"""A batch job opens a fresh ThreadPoolExecutor for each batch with a `with` block and maps
a parsing function over the batch's records; the block shuts the pool down and joins its
threads each time, so nothing accumulates."""

import concurrent.futures
import json

LIBRARIES = ("concurrent.futures", "json")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.2/+1.9/+0.1/+0.0 B, RSS +7/+3/+0/+0 B"
)


def parse(raw):
    record = json.loads(raw)
    return record["id"], sum(record["values"]) / len(record["values"])


def setup():
    return {"n": 0}


def step(state):
    n = state["n"]
    state["n"] = n + 1
    batch = [
        json.dumps({"id": n * 8 + i, "values": [(n + i + k) % 13 for k in range(10)]})
        for i in range(8)
    ]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        averages = dict(pool.map(parse, batch))
    return max(averages.values())
