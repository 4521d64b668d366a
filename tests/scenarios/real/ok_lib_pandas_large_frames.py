"""A risk job loads each trading session's ticks into a pandas DataFrame (40k to 100k rows,
0.3 to 0.8 MB per column, a few MB with the temporaries), computes the worst drawdown and the
volume-weighted price, and drops the frame. The large native buffers are allocated and freed
every day: native-heavy churn, correct code."""

import numpy as np
import pandas as pd

LIBRARIES = ("pandas", "numpy")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5800 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.17/+0.06/+0.02/+0.01, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +11/+6/+0/+0 B"
)


def setup():
    return {"rng": np.random.default_rng(101)}


def step(state):
    rng = state["rng"]
    n = int(rng.integers(40_000, 100_000))
    steps = rng.standard_normal(n, dtype=np.float32)
    steps *= np.float32(0.01)
    ticks = pd.DataFrame(
        {"price": 100.0 + steps.cumsum(dtype=np.float64), "size": rng.integers(1, 100, size=n)}
    )
    running_max = ticks["price"].cummax()
    drawdown = float((ticks["price"] / running_max - 1.0).min())
    vwap = float((ticks["price"] * ticks["size"]).sum() / ticks["size"].sum())
    return drawdown, vwap
