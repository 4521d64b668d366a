"""A profile service memoizes its slow lookups with cachetools: a ``TTLCache`` (256 entries,
60 s, on an injected clock) for user profiles and an ``LRUCache`` behind ``@cached`` for
permission sets. Keys come from a large id space, but both caches are bounded, so memory
grows until they are full and then stays: correct code."""

import random

from cachetools import LRUCache, TTLCache, cached

LIBRARIES = ("cachetools",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/-0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


_clock = _Clock()
_profiles = TTLCache(maxsize=256, ttl=60.0, timer=_clock)
_perm_cache = LRUCache(maxsize=512)


@cached(_perm_cache)
def permissions(role, team):
    return frozenset(
        f"{role}:{team}:{action}" for action in ("read", "write", "admin")[: 1 + team % 3]
    )


def load_profile(user_id):
    try:
        return _profiles[user_id]
    except KeyError:
        profile = {"id": user_id, "name": f"user-{user_id}", "teams": [user_id % 17, user_id % 23]}
        _profiles[user_id] = profile
        return profile


def setup():
    return {"rng": random.Random(37)}


def step(state):
    rng = state["rng"]
    allowed = 0
    for _ in range(20):
        _clock.now += 0.05
        profile = load_profile(rng.randint(1, 50_000))
        role = rng.choice(("viewer", "editor", "owner"))
        for team in profile["teams"]:
            allowed += len(permissions(role, team))
    return allowed


def teardown():
    _profiles.clear()
    _perm_cache.clear()
    _clock.now = 0.0
