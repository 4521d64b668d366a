"""Matplotlib: a 1x2 grid of image panels rendered per call, figures never closed."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

EXPECT = "leak"
HOLDER = "attribute figs"  # what keeps the leaked objects alive
DIAGNOSIS = "pyplot_figure"
MAX_ITERATIONS = 150

_IMAGE = np.arange(64, dtype=float).reshape(8, 8)
_saved_warning = None


def setup():
    global _saved_warning
    _saved_warning = plt.rcParams["figure.max_open_warning"]
    plt.rcParams["figure.max_open_warning"] = 0


def step():
    fig, axes = plt.subplots(1, 2, figsize=(4, 2))  # SITE
    axes[0].imshow(_IMAGE)
    return len(fig.axes)


def teardown():
    plt.close("all")
    plt.rcParams["figure.max_open_warning"] = _saved_warning
