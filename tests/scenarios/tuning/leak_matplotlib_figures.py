"""Matplotlib figures created per call and never closed (pyplot keeps them all alive)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

EXPECT = "leak"
HOLDER = "attribute figs"  # what keeps the leaked objects alive
DIAGNOSIS = "pyplot_figure"
MAX_ITERATIONS = 150

_saved_warning = None


def setup():
    global _saved_warning
    _saved_warning = plt.rcParams["figure.max_open_warning"]
    plt.rcParams["figure.max_open_warning"] = 0


def step():
    fig, ax = plt.subplots(figsize=(2, 2))  # SITE
    ax.set_title("frame")
    return fig.number


def teardown():
    plt.close("all")
    plt.rcParams["figure.max_open_warning"] = _saved_warning
