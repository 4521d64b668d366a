"""Objects replaced in place: a dict of fixed keys whose values are rebuilt every iteration."""

EXPECT = "flat"
MAX_ITERATIONS = 400

_KEYS = ("position", "velocity", "colour", "label")


def _fresh(n):
    return {
        "position": [float(n + i) for i in range(30)],
        "velocity": [float(n - i) for i in range(30)],
        "colour": bytes(512),
        "label": f"sprite-{n}",
    }


def setup():
    state = {"frame": 0, "sprites": {k: _fresh(0) for k in _KEYS}}
    return state


def step(state):
    state["frame"] += 1
    for key in _KEYS:
        state["sprites"][key] = _fresh(state["frame"])
