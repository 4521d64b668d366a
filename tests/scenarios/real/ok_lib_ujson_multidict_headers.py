"""A small HTTP gateway parses each raw request head into a case-insensitive
``multidict.CIMultiDict`` of headers and a ``MultiDict`` of query parameters (repeated keys
kept), applies routing rules and logs a ujson line. Everything is per request: correct code."""

import random
from urllib.parse import parse_qsl

import ujson
from multidict import CIMultiDict, MultiDict

LIBRARIES = ("ujson", "multidict")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def _raw_request(rng, k):
    tags = "&".join(f"tag={rng.choice(['a', 'b', 'c', 'd'])}" for _ in range(rng.randint(1, 4)))
    lines = [
        f"GET /search?q=item{k}&{tags}&page={rng.randint(1, 9)} HTTP/1.1",
        "Host: shop.example",
        f"User-Agent: client/{rng.randint(1, 5)}.0",
        "Accept: text/html",
        "Accept: application/json",
        f"X-Request-Id: {rng.getrandbits(64):016x}",
        f"Cookie: session={rng.getrandbits(32):08x}",
    ]
    return "\r\n".join(lines)


def setup():
    rng = random.Random(53)
    return {"requests": [_raw_request(rng, k) for k in range(100)], "i": 0}


def step(state):
    log_lines = []
    for _ in range(10):
        state["i"] += 1
        head = state["requests"][state["i"] % len(state["requests"])]
        request_line, *header_lines = head.split("\r\n")
        method, target, _ = request_line.split(" ")
        path, _, query = target.partition("?")
        headers = CIMultiDict(line.split(": ", 1) for line in header_lines)
        params = MultiDict(parse_qsl(query))
        wants_json = "application/json" in headers.getall("accept", [])
        log_lines.append(
            ujson.dumps(
                {
                    "method": method,
                    "path": path,
                    "q": params.get("q"),
                    "tags": params.getall("tag", []),
                    "json": wants_json,
                    "rid": headers["x-request-id"],
                }
            )
        )
    return [ujson.loads(line)["rid"] for line in log_lines]
