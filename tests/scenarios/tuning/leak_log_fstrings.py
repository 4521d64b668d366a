"""Many small strings: a debug log list that gets a few f-strings per iteration, never trimmed."""

EXPECT = "leak"
HOLDER = "global _LOG"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 600

_LOG = []
_n = 0


def step():
    global _n
    _n += 1
    for stage in ("decode", "filter", "encode", "send"):
        _LOG.append(f"iteration={_n} stage={stage} status=ok elapsed_us={_n % 97}")  # SITE


def teardown():
    _LOG.clear()
