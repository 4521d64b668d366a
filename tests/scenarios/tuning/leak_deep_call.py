"""A deep-call leak: the leaking buffer is allocated three helper calls below step()."""

EXPECT = "leak"
HOLDER = "global _REGISTRY"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 400

_REGISTRY = {}


def _allocate_record(key):
    record = {"key": key, "blob": bytes(1500)}  # SITE
    _REGISTRY[key] = record
    return record


def _normalise(n):
    return _allocate_record(f"item-{n:06d}")


def _handle(n):
    return _normalise(n)["key"]


def step():
    return _handle(len(_REGISTRY))


def teardown():
    _REGISTRY.clear()
