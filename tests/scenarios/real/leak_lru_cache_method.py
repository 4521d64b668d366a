"""A pricing helper builds a ``Quote`` per request and memoises its ``price`` method with
``functools.cache``. The cache lives on the class's function, and ``self`` is part of
every key, so each request's Quote (with its line items) stays referenced by the cache
after the request is done (about 600 B per request)."""

import functools
import itertools

LIBRARIES = ("functools",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +9.60/+10.00/+10.00/+9.60, "
    "C heap +55.3/+59.0/+121.2/+0.0 B, RSS +449/+465/+754/+495 B"
)
HOLDER = "attribute price"
DIAGNOSIS = "lru_cache_method"

_ids = itertools.count()
_RATES = {"standard": 1.0, "express": 1.6, "overnight": 2.4}


class Quote:
    def __init__(self, customer, items, service):
        self.customer = customer
        self.items = items
        self.service = service

    @functools.cache  # noqa: B019 - the point of this workload
    def price(self, currency):
        subtotal = sum(qty * unit for _, qty, unit in self.items)
        factor = _RATES[self.service] * (1.0 if currency == "EUR" else 1.08)
        return round(subtotal * factor, 2)


def step():
    n = next(_ids)
    items = [("sku-a", 1 + n % 3, 9.5), ("sku-b", 2, 4.25)]
    quote = Quote(f"customer-{n % 500}", items, ("standard", "express", "overnight")[n % 3])  # SITE
    return quote.price("EUR") + quote.price("USD")


def teardown():
    Quote.price.cache_clear()
