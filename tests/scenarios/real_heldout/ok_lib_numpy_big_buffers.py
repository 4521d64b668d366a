"""A video pipeline converts each incoming planar 8-bit frame (0.5 to 1.5 MB, resolution
depending on the camera) to float32, normalizes it and computes per-channel statistics. The
float copies are 2 to 6 MB each and are freed before the next frame: native-heavy churn,
correct code."""

import numpy as np

LIBRARIES = ("numpy",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)

_RESOLUTIONS = ((480, 360), (640, 480), (800, 600))


def setup():
    rng = np.random.default_rng(99)
    tile = rng.integers(0, 256, size=(3, 64, 64), dtype=np.uint8)
    return {"tile": tile, "i": 0}


def step(state):
    state["i"] += 1
    w, h = _RESOLUTIONS[state["i"] % len(_RESOLUTIONS)]
    frame = np.tile(state["tile"], (1, h // 64 + 1, w // 64 + 1))[:, :h, :w]  # CHW, uint8
    pixels = frame.astype(np.float32)
    pixels *= 1.0 / 255.0
    mean = pixels.mean(axis=(1, 2))
    bright = int(np.count_nonzero(pixels[1] > 0.8))
    return mean.tolist(), bright
