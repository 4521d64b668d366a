"""multidict 6.3.0 and 6.3.1 kept a reference to the positional argument of the
``CIMultiDict``/``MultiDict`` constructor, so every per-request dict of headers passed to
it lived forever (aiohttp builds its request headers this way). 6.3.2 releases it.
https://github.com/aio-libs/multidict/issues/1117"""

import itertools

from multidict import CIMultiDict

LIBRARIES = ("multidict",)
LEAKY = "multidict==6.3.1"  # 6.3.x is yanked from PyPI, still installable with this exact pin
FIXED = "multidict==6.3.2"
TRACKER = "https://github.com/aio-libs/multidict/issues/1117"
DIAGNOSIS_LEAKY = "refcount_leak"
LIBRARY = "multidict"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +2.88/+3.00/+3.00/+2.88, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +239/+256/+256/+249 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    return itertools.count()


def step(request_ids):
    request_id = next(request_ids)
    headers = CIMultiDict({"User-Agent": "replay/1.0", "X-Request-Id": str(request_id)})  # SITE
    return headers.get("x-request-id"), "accept" in headers
