"""Results appended to a module-level list (the classic): a dict holding 1 KiB per iteration."""

EXPECT = "leak"
HOLDER = "global _RESULTS"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 400

_RESULTS = []
_counter = 0


def step():
    global _counter
    _counter += 1
    _RESULTS.append({"frame": bytearray(1024), "n": _counter})  # SITE


def teardown():
    _RESULTS.clear()
