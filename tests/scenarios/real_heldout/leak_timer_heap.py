"""A hand-rolled timer wheel keeps pending deadlines in a ``heapq`` list. Each request
schedules a connect and a read timeout; when the request completes the timeouts are
"cancelled" by marking the request done, but their deadlines are never popped because
the loop that expires timers only runs when the service idles - which it never does
here. Two float deadlines and two heap slots accumulate per request (a slow leak, about
80 B per request)."""

import heapq
import itertools

LIBRARIES = ("heapq",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.92/+2.00/+2.00/+1.92, "
    "C heap +16.4/+17.1/+20.3/+14.4 B, RSS +62/+66/+62/+62 B"
)
HOLDER = "global _deadlines"
DIAGNOSIS = "growing_container"

_requests = itertools.count()
_deadlines = []
_CONNECT_TIMEOUT, _READ_TIMEOUT = 3.0, 30.0


def handle(now):
    for timeout in (_CONNECT_TIMEOUT, _READ_TIMEOUT):
        heapq.heappush(_deadlines, now + timeout)  # SITE
    return sum(ord(c) for c in "GET /health")


def step():
    n = next(_requests)
    return handle(1_700_000_000.0 + n * 0.001)


def teardown():
    _deadlines.clear()
