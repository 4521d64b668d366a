"""A warehouse service prints shelf labels as PNG images with matplotlib's object-oriented
API (``Figure`` + ``FigureCanvasAgg``): two lines of text per label, product names and
prices differing from label to label. The text-layout and font caches grow while new
strings arrive and then stay bounded; the figure is dropped after each label: correct code."""

import io
import random

import matplotlib

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

LIBRARIES = ("matplotlib",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 11400 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.06/-0.00/+0.00/+0.00, C heap +24.7/+3.7/-0.5/-0.3 B, RSS +47/+22/+0/+1 B"
)

_PRODUCTS = ("bolts", "nuts", "washers", "hinges", "brackets", "screws", "anchors", "rivets")


def setup():
    return {"rng": random.Random(21)}


def step(state):
    rng = state["rng"]
    product = rng.choice(_PRODUCTS)
    size = rng.choice((4, 5, 6, 8, 10, 12))
    fig = Figure(figsize=(1.6, 0.8), dpi=72)
    canvas = FigureCanvasAgg(fig)
    fig.text(0.05, 0.6, f"{product.upper()} M{size}", fontsize=8, weight="bold")
    fig.text(
        0.05, 0.2, f"aisle {rng.randint(1, 40)}  EUR {rng.randint(1, 500) / 10:.2f}", fontsize=6
    )
    buf = io.BytesIO()
    canvas.print_png(buf)
    return buf.getvalue()
