"""A message consumer remembers recently handled message ids to drop redeliveries, in a
``collections.deque`` meant to hold "the last few thousand" - but created without
``maxlen``, so it is never trimmed. Each poll handles a batch of two messages, and two
int ids plus their deque slots accumulate per poll (a slow leak, about 80 B per poll)."""

import itertools
from collections import deque

LIBRARIES = ("collections",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.95/+2.03/+2.03/+1.95, "
    "C heap +16.1/+17.0/+17.0/+16.5 B, RSS +62/+66/+62/+62 B"
)
HOLDER = "global _recent_ids"
DIAGNOSIS = "growing_container"

_polls = itertools.count()
_recent_ids = deque()  # meant: deque(maxlen=5000)


def handle(message):
    if message["id"] in _recent_ids:
        return 0
    _recent_ids.append(message["id"])
    return len(message["body"])


def step():
    base = 9_000_000 + 2 * next(_polls)
    return sum(handle({"id": base + k, "body": "ok"}) for k in range(2))  # SITE


def teardown():
    _recent_ids.clear()
