"""A monitoring job renders a status badge per check with pyplot (``plt.figure``, text, a
colored patch, ``savefig`` to a buffer) and closes every figure with ``plt.close(fig)``.
Check names and values vary, so the text and font caches fill and then stay bounded;
pyplot keeps no figure: correct code."""

import io
import random

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

LIBRARIES = ("matplotlib",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 14600 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.07/-0.00/+0.00/+0.00, C heap +7.1/+1.8/+0.8/+0.9 B, RSS +37/+0/+0/+0 B"
)


def setup():
    return {"rng": random.Random(59)}


def step(state):
    rng = state["rng"]
    ok = rng.random() < 0.8
    fig = plt.figure(figsize=(1.8, 0.3), dpi=72)
    try:
        fig.add_artist(
            Rectangle(
                (0.62, 0),
                0.38,
                1,
                transform=fig.transFigure,
                color="tab:green" if ok else "tab:red",
            )
        )
        fig.text(0.03, 0.5, f"check-{rng.randint(1, 300)}", fontsize=7, va="center")
        fig.text(0.65, 0.5, f"{rng.randint(50, 999)} ms", fontsize=7, va="center", color="white")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    return buf.getvalue()


def teardown():
    plt.close("all")
