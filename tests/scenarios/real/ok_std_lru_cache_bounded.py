"""A shipping quote service memoises the costly rate-table computation per route with
functools.lru_cache(maxsize=64) and prices a basket of parcels per request; requests draw
from about 300 routes, so the cache fills around the 70th request and then evicts as it
goes: a plateau, not a leak."""

import functools
import random

LIBRARIES = ("functools",)
EXPECT = "plateau|flat"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.69/+0.00/+0.00/+0.00, C heap +1.9/+0.0/+0.0/+0.0 B, RSS +29/+0/+0/+0 B"
)

_ZONES = [
    "EU",
    "US",
    "UK",
    "APAC",
    "LATAM",
    "MEA",
    "CA",
    "NORDIC",
    "ANZ",
    "CN",
    "JP",
    "IN",
    "BR",
    "ZA",
    "MX",
    "KR",
    "SG",
]
_SURCHARGE = {"fragile": 1.15, "express": 1.6, "standard": 1.0}


@functools.lru_cache(maxsize=64)
def rate_table(origin, dest):
    # Stand-in for a costly lookup: the price of each weight bracket on the route.
    seed = sum(map(ord, origin)) * 31 + sum(map(ord, dest))
    rng = random.Random(seed)
    base = 4.0 + rng.random() * 6
    return tuple(round(base * (1 + 0.35 * k) + rng.random(), 2) for k in range(40))


def quote(origin, dest, parcels):
    table = rate_table(origin, dest)
    lines = []
    for weight, service in parcels:
        price = table[min(int(weight), 39)] * _SURCHARGE[service]
        lines.append({"weight": round(weight, 2), "service": service, "price": round(price, 2)})
    return {
        "route": f"{origin}->{dest}",
        "lines": lines,
        "total": round(sum(line["price"] for line in lines), 2),
    }


def setup():
    rate_table.cache_clear()
    return {"rng": random.Random(11)}


def step(state):
    rng = state["rng"]
    origin, dest = rng.choice(_ZONES), rng.choice(_ZONES)
    parcels = [
        (rng.uniform(0.1, 39.9), rng.choice(list(_SURCHARGE))) for _ in range(rng.randint(3, 8))
    ]
    return quote(origin, dest, parcels)["total"]


def teardown():
    rate_table.cache_clear()
