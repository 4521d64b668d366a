"""An unbounded dict cache keyed by a unique request id: it never hits and never evicts."""

EXPECT = "leak"
HOLDER = "._cache"  # what keeps the leaked objects alive
DIAGNOSIS = "kept_on_object"
MAX_ITERATIONS = 400


class PriceService:
    def __init__(self):
        self._cache = {}
        self._requests = 0

    def quote(self, sku):
        self._requests += 1
        key = (sku, self._requests)  # unique: the request number is part of the key
        if key not in self._cache:
            self._cache[key] = [float(sku + i) for i in range(40)]  # SITE
        return self._cache[key][0]


def setup():
    return PriceService()


def step(service):
    return service.quote(17)
