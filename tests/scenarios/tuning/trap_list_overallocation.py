"""A reused list grown by 25 slots per iteration and cleared every 64 iterations.

Only the list's storage moves: it grows in over-allocation steps, then is freed.
"""

EXPECT = "plateau|flat"
MAX_ITERATIONS = 600

_WORK = []


def step():
    _WORK.extend([None] * 25)
    if len(_WORK) >= 25 * 64:
        _WORK.clear()
    return len(_WORK)
