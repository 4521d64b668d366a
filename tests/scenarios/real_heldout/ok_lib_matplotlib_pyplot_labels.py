"""A chat bot answers "/uptime <service>" with a tiny pyplot image: the service name, a
colored bar whose length is the uptime, and the percentage, saved to PNG; the figure is
closed with ``plt.close(fig)``. Service names come from a few hundred, so matplotlib's text
and font caches fill and then stay bounded: correct code."""

import io
import random

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

LIBRARIES = ("matplotlib",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.60/+0.00/-0.00/+0.00, C heap +34.3/+1.7/-1.0/+0.9 B, RSS +305/+62/+0/+0 B"
)


def setup():
    rng = random.Random(103)
    names = [f"{rng.choice(('auth', 'pay', 'search', 'mail', 'cdn'))}-{k}" for k in range(250)]
    return {"rng": rng, "names": names}


def step(state):
    rng = state["rng"]
    uptime = rng.uniform(95.0, 100.0)
    fig = plt.figure(figsize=(2.0, 0.3), dpi=72)
    fig.add_artist(
        Rectangle((0.45, 0.2), 0.4 * (uptime - 95.0) / 5.0, 0.6, transform=fig.transFigure)
    )
    fig.text(0.02, 0.5, rng.choice(state["names"]), fontsize=7, va="center")
    fig.text(0.87, 0.5, f"{uptime:.2f}%", fontsize=6, va="center")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def teardown():
    plt.close("all")
