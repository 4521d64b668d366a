"""A batch buffer that collects 2 KiB records and is flushed (cleared) every 40 iterations."""

EXPECT = "plateau|flat"
MAX_ITERATIONS = 600

_BATCH = []
_FLUSHED = [0]


def step():
    _BATCH.append(bytes(2048))
    if len(_BATCH) == 40:
        _FLUSHED[0] += sum(len(b) for b in _BATCH)
        _BATCH.clear()
