"""A module imported lazily on the 3rd call (statistics), then only used: a one-off step."""

import sys

EXPECT = "plateau|flat"
MAX_ITERATIONS = 600

_calls = 0
_DATA = [float(i % 17) for i in range(64)]


def setup():
    # Make the lazy import real even if an earlier test imported the module.
    sys.modules.pop("statistics", None)


def step():
    global _calls
    _calls += 1
    if _calls >= 3:
        import statistics

        return statistics.fmean(_DATA)
    return sum(_DATA) / len(_DATA)
