"""An upload handler receives a raw camera frame (about 5.8 MB of RGB pixels), builds a
Pillow image from it, makes a 1/4-scale thumbnail and JPEG-encodes it. Each frame's pixel
buffers (several MB, allocated in C) are freed when the request ends: native-heavy churn,
correct code."""

import io

import numpy as np
from PIL import Image

LIBRARIES = ("PIL", "numpy")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.07/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +3/+0/+0/+0 B"
)

_W, _H = 1600, 1200


def setup():
    rng = np.random.default_rng(11)
    # four "camera frames" the fake uploads cycle through
    frames = [rng.integers(0, 256, size=(_H, _W, 3), dtype=np.uint8).tobytes() for _ in range(4)]
    return {"frames": frames, "i": 0}


def step(state):
    state["i"] += 1
    raw = state["frames"][state["i"] % len(state["frames"])]
    img = Image.frombytes("RGB", (_W, _H), raw)
    thumb = img.reduce(4)
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=80)
    return len(out.getvalue())
