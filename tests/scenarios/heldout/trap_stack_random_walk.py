"""A list used as a work stack whose depth does a bounded random walk (0..600 frames).

The list's storage grows and shrinks in over-allocation steps but is bounded.
"""

import random

EXPECT = "plateau|flat"
MAX_ITERATIONS = 600

_rng = random.Random(99)
_STACK = []


def step():
    for _ in range(30):
        if _STACK and (len(_STACK) >= 600 or _rng.random() < 0.5):
            _STACK.pop()
        else:
            _STACK.append(len(_STACK) & 0xFF)
    return len(_STACK)


def teardown():
    _STACK.clear()
