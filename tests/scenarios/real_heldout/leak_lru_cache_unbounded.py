"""A shipping service memoises its zone lookup with ``functools.lru_cache(maxsize=None)``
and calls it with the order number. Order numbers never repeat, so every call adds a key
that will never be hit again to an unbounded cache: one int key, its float result and
its dict slot per order (about 95 B per call), for as long as the process lives."""

import functools
import itertools

LIBRARIES = ("functools",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.92/+2.00/+2.00/+1.92, "
    "C heap +27.8/+29.5/+59.0/+0.0 B, RSS +62/+66/+62/+62 B"
)
HOLDER = "global shipping_zone"
DIAGNOSIS = "lru_cache_unbounded"

_orders = itertools.count(1)


@functools.lru_cache(maxsize=None)  # noqa: UP033 - written the way the service has it
def shipping_zone(order_number):
    digits = str(order_number)
    zone = (sum(map(int, digits)) * 7 + len(digits)) % 9
    return 4.5 + zone * 1.25  # the zone's base rate


def step():
    n = next(_orders)
    rate = shipping_zone(40_000_000 + n * 37)  # SITE
    return rate * 1.2


def teardown():
    shipping_zone.cache_clear()
