"""A webhook receiver parses each body with ``json.loads`` and, when a body is malformed,
keeps the exception in a module-level list "to report later". A kept exception keeps its
``__traceback__``, and the traceback keeps every frame it passed through with their
locals (the body, the decoder's state), so each bad request stays alive (about 1.7 KB
per request on average; three requests in four are malformed)."""

import itertools
import json

LIBRARIES = ("json",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +14.28/+15.01/+14.99/+14.40, "
    "C heap +7.6/+7.3/+5.6/+8.0 B, RSS +1507/+1638/+1661/+1593 B"
)
HOLDER = "global _parse_errors"
DIAGNOSIS = "exceptions_kept"

_ids = itertools.count()
_parse_errors = []


def parse_body(body):
    try:
        return json.loads(body)  # SITE
    except json.JSONDecodeError as exc:
        _parse_errors.append(exc)
        return None


def step():
    n = next(_ids)
    if n % 4 == 0:
        body = f'{{"event": "ping", "seq": {n}}}'
    else:
        body = f'{{"event": "order.created", "seq": {n}, "items": [1, 2,'  # truncated
    doc = parse_body(body)
    return doc["seq"] if doc else -1


def teardown():
    _parse_errors.clear()
