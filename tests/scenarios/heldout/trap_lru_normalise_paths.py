"""A path normaliser behind lru_cache(maxsize=200), fed 8 new paths per call: full by call 25."""

import functools
import posixpath

EXPECT = "plateau"
MAX_ITERATIONS = 600

_counter = [0]


@functools.lru_cache(maxsize=200)
def normalise(path):
    parts = posixpath.normpath(path).split("/")
    return (*[p.lower() for p in parts], bytes(600))


def step():
    for _ in range(8):
        _counter[0] += 1
        normalise(f"/srv/Data/../Media/Item_{_counter[0]}/./index.HTML")


def teardown():
    normalise.cache_clear()
