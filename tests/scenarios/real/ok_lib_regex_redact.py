"""A log shipper redacts sensitive fields from each batch of log lines with the ``regex``
module: a compiled tokenizer plus module-level ``regex.sub`` calls whose patterns are built
from a bounded set of 150 field names. regex's own pattern cache fills with those patterns
and stays bounded: a slow cache, correct code."""

import random

import regex

LIBRARIES = ("regex",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.23/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +23/+0/+0/+0 B"
)

_FIELDS = [f"{kind}_{k}" for kind in ("token", "secret", "card", "ssn", "pin") for k in range(30)]
_TOKEN = regex.compile(r"(?P<key>\p{L}[\p{L}\d_]*)=(?P<value>\S+)")


def setup():
    return {"rng": random.Random(41)}


def step(state):
    rng = state["rng"]
    redacted, keys = [], 0
    for _ in range(8):
        field = rng.choice(_FIELDS)
        line = (
            f"ts={rng.randint(10**9, 2 * 10**9)} user=u{rng.randint(1, 999)} "
            f"{field}={rng.getrandbits(64):x} path=/api/v{rng.randint(1, 3)}/items"
        )
        keys += sum(1 for _ in _TOKEN.finditer(line))
        redacted.append(regex.sub(rf"(?<=\b{field}=)\S+", "***", line))
    return keys, redacted
