"""A reporting job makes a small titled figure per record with ``plt.figure()`` and hands
it on, but never calls ``plt.close(fig)``. pyplot's figure manager keeps every figure it
opened (``Gcf.figs``) until it is closed, so each record leaves a whole Figure, its
canvas and artists behind (about 28 KB per record)."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

LIBRARIES = ("matplotlib",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +269.03/+280.04/+280.01/+268.80, "
    "C heap +5425.8/+5646.4/+5686.2/+5381.8 B, RSS +26768/+27941/+27984/+26771 B"
)
HOLDER = "Gcf attribute figs"
DIAGNOSIS = "pyplot_figure"

_state = {}


def setup():
    _state["backend"] = matplotlib.get_backend()
    plt.switch_backend("Agg")
    _state["x"] = np.linspace(0.0, 1.0, 24)
    _state["n"] = 0


def step():
    n = _state["n"]
    _state["n"] = n + 1
    fig = plt.figure(figsize=(3, 2))  # SITE
    fig.suptitle(f"record {n}")
    return fig.get_size_inches().sum() + len(_state["x"])


def teardown():
    plt.close("all")
    if "backend" in _state and _state["backend"].lower() != "agg":
        plt.switch_backend(_state["backend"])
    _state.clear()
