"""A simulation's event loop keeps timers in a heapq priority queue (itertools.count as
tie-breaker), the last 200 events in a deque(maxlen=200), per-kind counts in a Counter,
and live sessions in a dict mirrored by a weakref.WeakValueDictionary token index;
timers fire and sessions expire, so every structure stays bounded."""

import collections
import heapq
import itertools
import random
import weakref

LIBRARIES = ("heapq", "collections", "itertools", "weakref")
EXPECT = "plateau|flat"
GROUND_TRUTH = (
    "settled over 20000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.01/-0.00/-0.00/+0.00, C heap +0.1/+0.0/+0.0/+0.0 B, RSS +0/+1/+0/+0 B"
)

_KINDS = ("login", "click", "purchase", "logout", "heartbeat", "error")


class Session:
    __slots__ = ("__weakref__", "events", "expires", "sid", "token")

    def __init__(self, sid, token, expires):
        self.sid, self.token, self.expires = sid, token, expires
        self.events = []


def setup():
    return {
        "rng": random.Random(14),
        "now": 0,
        "timers": [],
        "seq": itertools.count(),
        "recent": collections.deque(maxlen=200),
        "counts": collections.Counter(),
        "sessions": {},
        "by_token": weakref.WeakValueDictionary(),
    }


def tick(state):
    rng = state["rng"]
    now = state["now"] = state["now"] + 1
    timers, sessions = state["timers"], state["sessions"]
    for _ in range(3):
        kind = rng.choice(_KINDS)
        heapq.heappush(
            timers, (now + rng.randint(1, 40), next(state["seq"]), kind, rng.randrange(60))
        )
    if now % 2 == 0:
        sid = now // 2
        s = Session(sid, f"tok-{sid:x}-{rng.getrandbits(32):08x}", now + rng.randint(20, 120))
        sessions[sid] = s
        state["by_token"][s.token] = s
    fired = 0
    while timers and timers[0][0] <= now:
        _, _, kind, user = heapq.heappop(timers)
        state["counts"][kind] += 1
        state["recent"].append((now, kind, user))
        s = sessions.get(max(0, now // 2 - user))
        if s is not None and len(s.events) < 20:
            s.events.append(kind)
        fired += 1
    for sid in [sid for sid, s in sessions.items() if s.expires <= now]:
        del sessions[sid]
    top = heapq.nlargest(3, state["counts"].items(), key=lambda kv: kv[1])
    window = list(itertools.islice(reversed(state["recent"]), 10))
    return fired, len(state["by_token"]), top[0][0] if top else None, len(window)


def step(state):
    return [tick(state) for _ in range(4)]  # one frame: four simulation ticks
