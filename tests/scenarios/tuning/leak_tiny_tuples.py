"""A tiny leak: one small (float, str) tuple per iteration, about 150 bytes, kept forever."""

EXPECT = "leak"
HOLDER = "global _SEEN"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 1000

_SEEN = []
_i = 0


def step():
    global _i
    _i += 1
    _SEEN.append((_i * 0.5, f"request-{_i}"))  # SITE
    # Some honest work, so the iteration is not only the leak.
    return sum(range(50))


def teardown():
    _SEEN.clear()
