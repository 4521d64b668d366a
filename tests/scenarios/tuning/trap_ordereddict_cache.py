"""A hand-made bounded cache on an OrderedDict: 64 entries at most, oldest evicted first."""

from collections import OrderedDict

EXPECT = "plateau"
MAX_ITERATIONS = 600


class BoundedCache:
    def __init__(self, maxsize):
        self.maxsize = maxsize
        self.data = OrderedDict()

    def put(self, key, value):
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.maxsize:
            self.data.popitem(last=False)


class Resolver:
    def __init__(self):
        self.cache = BoundedCache(64)
        self.calls = 0

    def resolve(self):
        for _ in range(4):
            self.calls += 1
            host = f"host-{self.calls}.example"
            self.cache.put(host, {"host": host, "addrs": [bytes(300) for _ in range(3)]})


def setup():
    return Resolver()


def step(resolver):
    resolver.resolve()
