"""A REST handler decodes each request body with orjson (a dict keyed by user ids, which
differ from request to request), updates it, and encodes the response with datetimes,
dataclasses and a numpy vector (``OPT_SERIALIZE_NUMPY``). orjson's fixed-size key cache
fills and stays bounded: correct code."""

import dataclasses
import datetime as dt
import random

import numpy as np
import orjson

LIBRARIES = ("orjson", "numpy")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.82/+0.00/+0.00/+0.00, C heap +0.1/+0.0/+0.0/+0.0 B, RSS +52/+0/+0/+0 B"
)


@dataclasses.dataclass
class Score:
    user: str
    points: int
    updated: dt.datetime


def setup():
    return {"rng": random.Random(17), "t0": dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)}


def step(state):
    rng = state["rng"]
    body = orjson.dumps(
        {f"user:{rng.randint(1, 100_000)}": {"points": rng.randint(0, 500)} for _ in range(30)}
    )
    incoming = orjson.loads(body)
    scores = [
        Score(user, entry["points"] + 10, state["t0"] + dt.timedelta(minutes=k))
        for k, (user, entry) in enumerate(incoming.items())
    ]
    scores.sort(key=lambda s: s.points, reverse=True)
    hist = np.histogram([s.points for s in scores], bins=5, range=(0, 520))[0]
    return orjson.dumps(
        {"top": scores[:10], "histogram": hist, "count": len(scores)},
        option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NAIVE_UTC,
    )
