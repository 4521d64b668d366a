"""multidict 6.3.0 to 6.3.2 leaked the case-insensitive key objects of a ``CIMultiDict``
once its keys were iterated (``items()``, ``keys()``, ``for name in headers``): every
header name of every request stayed alive after the dict was gone. 6.4.0 fixes the
reference counting of those keys. https://github.com/aio-libs/multidict/issues/1131"""

from multidict import CIMultiDict

LIBRARIES = ("multidict",)
LEAKY = "multidict==6.3.2"  # yanked from PyPI, still installable with this exact pin
FIXED = "multidict==6.4.0"
TRACKER = "https://github.com/aio-libs/multidict/issues/1131"
DIAGNOSIS_LEAKY = "refcount_leak"
LIBRARY = "multidict"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +4.80/+5.00/+5.00/+4.80, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +308/+321/+321/+308 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    return [
        ("Host", "example.test"),
        ("Accept", "application/json"),
        ("Accept-Encoding", "gzip"),
        ("X-Trace", "abc123"),
        ("Cache-Control", "no-cache"),
    ]


def step(raw_headers):
    headers = CIMultiDict(raw_headers)  # SITE
    return "\r\n".join(f"{name}: {value}" for name, value in headers.items())
