"""Recent-samples ring buffer: a deque(maxlen=40) of 2 KiB readings; bounded once full."""

from collections import deque

EXPECT = "plateau"
MAX_ITERATIONS = 600

_RECENT = deque(maxlen=40)
_n = [0]


def step():
    _n[0] += 1
    _RECENT.append(bytes(2048) + _n[0].to_bytes(4, "little"))
    return len(_RECENT)


def teardown():
    _RECENT.clear()
