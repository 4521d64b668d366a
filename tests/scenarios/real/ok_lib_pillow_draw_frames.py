"""A video-annotation worker draws overlays on each 960x540 RGBA frame with Pillow
(``ImageDraw`` boxes and labels in the default font), flattens it to RGB and computes a
histogram. Each frame allocates a few MB of pixel buffers in C that are freed when the
frame is done: native-heavy churn, correct code."""

import random

from PIL import Image, ImageDraw, ImageFont

LIBRARIES = ("PIL",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap -0.0/+0.0/+0.0/-0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    return {"rng": random.Random(67), "font": ImageFont.load_default(), "i": 0}


def step(state):
    state["i"] += 1
    rng = state["rng"]
    frame = Image.new("RGBA", (960, 540), (20, 30, 40, 255))
    draw = ImageDraw.Draw(frame)
    for k in range(3):
        x, y = rng.randint(0, 800), rng.randint(0, 430)
        draw.rectangle((x, y, x + 150, y + 100), outline=(255, 200, 0, 255), width=3)
        draw.text(
            (x + 4, y + 4),
            f"person {k} {rng.random():.2f}",
            fill=(255, 255, 255, 255),
            font=state["font"],
        )
    rgb = frame.convert("RGB")
    return sum(rgb.histogram()[200:256])
