"""ujson 5.12.0 leaked the whole serialized document on every ``ujson.dump(obj, fp)`` whose
``fp.write`` raised: the JSON string handed to ``write`` was not released on the error
path, so a logger that keeps writing events to a broken stream (and drops them) leaks
their full size. Fixed in 5.12.1 (CVE-2026-44660, whose downstream bump is
datahub-project/datahub#17453). https://github.com/ultrajson/ultrajson/pull/727"""

import ujson

LIBRARIES = ("ujson",)
LEAKY = "ujson==5.12.0"
FIXED = "ujson==5.12.1"
TRACKER = "https://github.com/ultrajson/ultrajson/pull/727"
DIAGNOSIS_LEAKY = ("refcount_leak", "native_leak")
LIBRARY = "ujson"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.96/+1.00/+1.00/+0.96, C heap +1152.0/+1200.0/+1200.0/+1152.0 B, "
    "RSS +498/+1199/+1203/+1150 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


class BrokenPipeStream:
    """A sink whose peer has gone away: every write fails."""

    def __init__(self):
        self.dropped = 0

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def setup():
    return BrokenPipeStream()


def step(stream):
    event = {
        "level": "info",
        "msg": "request served",
        "path": "/items",
        "items": [{"id": i, "sku": f"SKU-{i:05d}", "qty": i % 7} for i in range(30)],
    }
    try:
        ujson.dump(event, stream)  # SITE
    except BrokenPipeError:
        stream.dropped += 1
    return stream.dropped
