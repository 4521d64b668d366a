"""An intermittent leak: only every 10th iteration keeps a 12 KiB batch summary."""

EXPECT = "leak"
HOLDER = "global _SUMMARIES"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 800

_SUMMARIES = []
_tick = 0


def step():
    global _tick
    _tick += 1
    scratch = [i * 3 for i in range(200)]  # freed every iteration
    if _tick % 10 == 0:
        _SUMMARIES.append(bytearray(12 * 1024))  # SITE
    return len(scratch)


def teardown():
    _SUMMARIES.clear()
