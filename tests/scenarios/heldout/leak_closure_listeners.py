"""Callbacks registered per call: a closure subscribed to a module-level listener list."""

EXPECT = "leak"
HOLDER = "global _LISTENERS"  # what keeps the leaked objects alive
DIAGNOSIS = "listeners"
MAX_ITERATIONS = 600

_LISTENERS = []


def subscribe(topic, threshold):
    def on_event(value):  # SITE
        return value > threshold and topic

    _LISTENERS.append(on_event)
    return on_event


def step():
    return subscribe("sensor", 0.5)(0.75)


def teardown():
    _LISTENERS.clear()
