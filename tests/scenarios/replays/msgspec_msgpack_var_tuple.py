"""msgspec 0.14.1 leaked every variable-length tuple longer than 16 items that its MessagePack
decoder produced (a reference count taken on the large-tuple path was never dropped), so a
consumer decoding frames typed ``tuple[float, ...]`` kept every frame alive. Fixed in
0.15.0 (msgspec/msgspec#380). https://github.com/msgspec/msgspec/issues/379"""

import msgspec

LIBRARIES = ("msgspec",)
LEAKY = "msgspec==0.14.1"
FIXED = "msgspec==0.15.0"
TRACKER = "https://github.com/msgspec/msgspec/issues/379"
DIAGNOSIS_LEAKY = "refcount_leak"
LIBRARY = "msgspec"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +99.84/+104.00/+104.00/+99.84, C heap +0.0/+1.2/+0.0/+0.0 B, "
    "RSS +3935/+4112/+4109/+3945 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    frames = [
        msgspec.msgpack.encode(tuple(round(0.5 * i + k, 3) for i in range(24))) for k in range(4)
    ]
    return frames, msgspec.msgpack.Decoder(tuple[float, ...])


def step(state):
    frames, decoder = state
    peaks = []
    for frame in frames:
        readings = decoder.decode(frame)  # SITE
        peaks.append(max(readings))
    return peaks
