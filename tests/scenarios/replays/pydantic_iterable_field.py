"""pydantic 2.7.0 (pydantic-core 2.18.1) leaked every model with a field typed
``Iterable[...]``: the field holds a lazy ``ValidatorIterator`` whose state reaches back to
the model's ``__dict__`` (which holds the iterator), a cycle the garbage collector could
not see, so each model, its input list and the list iterator stayed alive. Fixed in 2.7.1
with pydantic-core 2.18.2 (pydantic/pydantic-core#1271).
https://github.com/pydantic/pydantic/issues/9243"""

from collections.abc import Iterable

from pydantic import BaseModel

LIBRARIES = ("pydantic",)
LEAKY = "pydantic==2.7.0"
FIXED = "pydantic==2.7.1"
TRACKER = "https://github.com/pydantic/pydantic/issues/9243"
DIAGNOSIS_LEAKY = "refcount_leak"
LIBRARY = ("pydantic", "pydantic_core")
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +17.28/+18.00/+18.00/+17.28, C heap +92.3/+97.2/+96.0/+92.2 B, "
    "RSS +1475/+2503/+2500/+2405 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


class Trace(BaseModel):
    name: str
    samples: Iterable[int]


def setup():
    return [("cpu", 8), ("io", 5), ("net", 3)]


def step(channels):
    total = 0
    for name, n in channels:
        trace = Trace(name=name, samples=[i * i for i in range(n)])  # SITE
        total += sum(trace.samples)
    return total
