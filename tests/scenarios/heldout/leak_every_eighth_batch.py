"""An intermittent leak with another rhythm: every 8th call keeps 60 small dicts of stats."""

EXPECT = "leak"
HOLDER = "global _RETAINED"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 800

_RETAINED = []
_calls = [0]


def step():
    _calls[0] += 1
    work = {i: i * i for i in range(100)}  # temporary, dropped each call
    if _calls[0] % 8 == 0:
        _RETAINED.extend([{"k": k, "sq": float(v)} for k, v in list(work.items())[:60]])  # SITE
    return len(work)


def teardown():
    _RETAINED.clear()
