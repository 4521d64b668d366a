"""Heavy churn without numpy: 8-16 MB bytearrays filled, copied to bytes and dropped."""

import random

EXPECT = "flat"
MAX_ITERATIONS = 300

_rng = random.Random(5)


def step():
    size = _rng.randint(8, 16) * 1024 * 1024
    buf = bytearray(size)
    buf[::4096] = b"\x01" * len(range(0, size, 4096))
    frozen = bytes(buf)
    return frozen.count(1)
