"""multidict 6.7.0 (and each earlier 6.x release tried, back to 6.3.1) leaked on
``CIMultiDict.pop(name, default)`` when the name was absent: the lower-cased lookup key
it builds was never released, so a proxy that strips optional headers (usually missing)
from every request grows without bound.
Fixed in 6.7.1 (aio-libs/multidict#1284). https://github.com/aio-libs/multidict/issues/1273"""

from multidict import CIMultiDict

LIBRARIES = ("multidict",)
LEAKY = "multidict==6.7.0"
FIXED = "multidict==6.7.1"
TRACKER = "https://github.com/aio-libs/multidict/issues/1273"
DIAGNOSIS_LEAKY = "refcount_leak"
LIBRARY = "multidict"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +3.84/+4.00/+4.00/+3.84, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +285/+305/+305/+295 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)

STRIPPED = ("Proxy-Authorization", "Proxy-Connection", "X-Forwarded-Host", "X-Real-IP", "Via")


def setup():
    return CIMultiDict(
        [
            ("Host", "example.test"),
            ("Accept", "*/*"),
            ("User-Agent", "replay/1.0"),
            ("Via", "1.1 edge"),
        ]
    )


def step(incoming):
    headers = incoming.copy()
    removed = []
    for name in STRIPPED:
        removed.append(headers.pop(name, None))  # SITE
    return len(headers), removed.count(None)
