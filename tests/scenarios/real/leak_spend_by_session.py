"""A shop tallies basket value per session in a module-level ``defaultdict(float)`` for a
"live revenue" widget. Sessions are anonymous and new for nearly every request, and
entries are never expired, so the tally gains an int key, a float and a dict slot per
request (a slow leak, about 95 B per request)."""

import itertools
from collections import defaultdict

LIBRARIES = ("collections",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.92/+2.00/+2.00/+1.92, "
    "C heap +27.8/+29.5/+59.0/+0.0 B, RSS +62/+66/+62/+62 B"
)
HOLDER = "global _spend_by_session"
DIAGNOSIS = "growing_container"

_requests = itertools.count()
_spend_by_session = defaultdict(float)
_PRICES = (4.99, 12.5, 0.99, 25.0, 7.25)


def checkout(cookies, basket):
    total = sum(_PRICES[i] * qty for i, qty in basket)
    _spend_by_session[int(cookies["sid"], 16)] += total  # SITE
    return total


def step():
    n = next(_requests)
    cookies = {"sid": f"{0x3000_0000 + n * 7919:x}", "lang": "en"}
    return checkout(cookies, ((n % 5, 1 + n % 3), ((n + 2) % 5, 1)))


def teardown():
    _spend_by_session.clear()
