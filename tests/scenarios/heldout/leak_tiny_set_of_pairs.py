"""A tiny leak: a "seen" set that gains one (x, 2x, 3x) float triple per iteration."""

EXPECT = "leak"
HOLDER = "global _SEEN"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 1000

_SEEN = set()
_state = {"n": 0}


def step():
    _state["n"] += 1
    x = _state["n"] * 0.125
    point = (x, x * 2.0, x * 3.0)  # SITE
    if point not in _SEEN:
        _SEEN.add(point)
    return len(_SEEN)


def teardown():
    _SEEN.clear()
