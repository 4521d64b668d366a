"""A dashboard service renders a small sparkline badge per request with matplotlib's
object-oriented API (``Figure`` + ``FigureCanvasAgg``, no pyplot) and returns the PNG bytes.
The label (one of 350 stores and a trend arrow) differs from request to request, so
matplotlib's text-layout and font caches fill for a while and then stay bounded; nothing
keeps the figure: correct code."""

import io

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

LIBRARIES = ("matplotlib", "numpy")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 18000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.07/+0.00/+0.00/-0.00, C heap +16.3/+3.7/+0.4/-0.0 B, RSS +194/+15/+3/+2 B"
)


def setup():
    return {"rng": np.random.default_rng(3), "i": 0}


def step(state):
    state["i"] += 1
    i = state["i"]
    values = state["rng"].normal(0.0, 1.0, size=24).cumsum()
    fig = Figure(figsize=(2.4, 0.5), dpi=60)
    FigureCanvasAgg(fig)
    x = np.linspace(0.45, 0.98, values.size)
    y = 0.1 + 0.8 * (values - values.min()) / max(float(np.ptp(values)), 1e-9)
    fig.add_artist(Line2D(x, y, transform=fig.transFigure, linewidth=1, color="tab:blue"))
    trend = "\u25b2" if values[-1] >= values[0] else "\u25bc"
    fig.text(0.02, 0.5, f"store {i % 350} {trend}", fontsize=7, va="center")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return len(buf.getvalue())
