"""An app-wide event bus (a ``defaultdict(list)`` of callbacks per topic) lets each request
subscribe a closure to "config.reloaded" so the request can react if the config changes
while it runs. Requests never unsubscribe, so the bus keeps every closure, and through
its cells each request's context dict, long after the request ended (about 490 B each)."""

import itertools
from collections import defaultdict

LIBRARIES = ("collections",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +5.60/+6.00/+6.00/+5.76, "
    "C heap +10.6/+8.1/+10.0/+7.1 B, RSS +344/+485/+482/+462 B"
)
HOLDER = "._subscribers"
DIAGNOSIS = "listeners"

_ids = itertools.count()


class EventBus:
    def __init__(self):
        self._subscribers = defaultdict(list)

    def subscribe(self, topic, callback):
        self._subscribers[topic].append(callback)

    def publish(self, topic, payload):
        for callback in self._subscribers[topic]:
            callback(payload)


bus = EventBus()


def handle_request(n):
    context = {"request_id": n, "timeout": 30}
    bus.subscribe("config.reloaded", lambda cfg: context.update(timeout=cfg["timeout"]))  # SITE
    return context["timeout"] + n % 3


def step():
    return handle_request(next(_ids))


def teardown():
    bus._subscribers.clear()
