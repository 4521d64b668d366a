"""``functools.lru_cache(maxsize=None)`` on a method: each new argument keeps its result
(and ``self``) in the cache of the class's function for as long as the class lives."""

import functools

EXPECT = "leak"
HOLDER = "attribute render_tile"  # what keeps the leaked objects alive
DIAGNOSIS = ("lru_cache_method", "lru_cache_unbounded")  # one instance: the keys grow
MAX_ITERATIONS = 400


class Renderer:
    def __init__(self, scale):
        self.scale = scale

    @functools.cache  # noqa: B019 - the leak under test
    def render_tile(self, n):
        return [float(n * self.scale + i) for i in range(30)]  # SITE


_renderer = Renderer(2)
_n = [0]


def step():
    _n[0] += 1
    return len(_renderer.render_tile(_n[0]))


def teardown():
    Renderer.render_tile.cache_clear()
