"""A metrics endpoint turns a batch of telemetry readings into a wide DataFrame with one
column per device and aggregates it. The device names come from a pool of a few hundred, so
the column labels differ from batch to batch; every frame is dropped once the response is
built, so the process only warms pandas' internal caches: correct code."""

import numpy as np
import pandas as pd

LIBRARIES = ("pandas", "numpy")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.51/+0.02/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +36/+0/+0/+0 B"
)


def setup():
    return {"rng": np.random.default_rng(7)}


def step(state):
    rng = state["rng"]
    devices = rng.choice(400, size=6, replace=False)
    readings = {f"dev{int(d):03d}_temp": rng.normal(40.0, 3.0, size=30) for d in devices}
    wide = pd.DataFrame(readings)
    summary = pd.DataFrame({"mean": wide.mean(), "max": wide.max()})
    summary["hot"] = summary["max"] > 45.0
    return summary.to_dict(orient="index")
