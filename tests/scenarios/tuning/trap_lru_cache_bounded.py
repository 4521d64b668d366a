"""functools.lru_cache(maxsize=128) on unique keys: it fills within 16 iterations, then evicts."""

import functools

EXPECT = "plateau"
MAX_ITERATIONS = 600

_n = 0


@functools.lru_cache(maxsize=128)
def thumbnail(key):
    return bytes(1024) + key.encode()


def step():
    global _n
    for _ in range(8):
        _n += 1
        thumbnail(f"image-{_n}")


def teardown():
    thumbnail.cache_clear()
