"""A JSON API handler takes three requests per step, decodes each body with json.loads
(object_hook turning ISO dates into date objects), validates it, and encodes the response
with a custom JSONEncoder; the decoded request and response are dropped when the step
returns."""

import datetime
import json
import random

LIBRARIES = ("json", "datetime")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.08/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


class ApiEncoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, (datetime.date, datetime.datetime)):
            return o.isoformat()
        if isinstance(o, set):
            return sorted(o)
        return super().default(o)


def _hook(obj):
    if "due" in obj:
        obj["due"] = datetime.date.fromisoformat(obj["due"])
    return obj


def setup():
    rng = random.Random(1)
    bodies = []
    for i in range(128):
        payload = {
            "customer": {"id": i, "name": f"Customer {i}", "tags": ["vip"] if i % 9 == 0 else []},
            "lines": [
                {
                    "sku": f"A{rng.randrange(900)}",
                    "qty": rng.randint(1, 5),
                    "price": rng.randint(100, 9000) / 100,
                }
                for _ in range(rng.randint(1, 12))
            ],
            "due": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "note": "rush" if i % 4 == 0 else None,
        }
        bodies.append(json.dumps(payload).encode())
    return {"bodies": bodies, "n": 0}


def handle(body):
    order = json.loads(body, object_hook=_hook)
    total = sum(line["qty"] * line["price"] for line in order["lines"])
    response = {
        "customer": order["customer"]["id"],
        "total": round(total, 2),
        "skus": {line["sku"] for line in order["lines"]},
        "ship_by": order["due"] - datetime.timedelta(days=2),
        "status": "accepted",
    }
    return json.dumps(response, cls=ApiEncoder, sort_keys=True)


def step(state):
    n = state["n"]
    state["n"] = n + 1
    return [handle(state["bodies"][(n * 3 + k) % 128]) for k in range(3)]
