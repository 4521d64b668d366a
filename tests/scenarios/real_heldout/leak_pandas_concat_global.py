"""A metrics collector appends each batch of readings to a module-level DataFrame with ``df
= pd.concat([df, batch])`` and never trims it. The frame only grows: every batch's rows
are copied into new, larger numpy column buffers that the global keeps (about 770 B per
batch, nearly all of it in numpy's C-heap buffers)."""

import numpy as np
import pandas as pd

LIBRARIES = ("pandas", "numpy")
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, "
    "C heap +737.3/+768.0/+768.0/+737.3 B, RSS +1655/+1992/+1789/+1652 B"
)
HOLDER = "global _readings"
DIAGNOSIS = "dataframe_concat"

_COLUMNS = ("sensor", "ts", "temperature", "humidity", "pressure", "voltage")
_readings = pd.DataFrame({c: pd.Series(dtype="float64") for c in _COLUMNS})
_state = {}


def setup():
    _state["rng"] = np.random.default_rng(7)
    _state["n"] = 0


def step():
    global _readings
    n = _state["n"]
    _state["n"] = n + 1
    values = _state["rng"].normal(20.0, 5.0, size=(16, 4))
    batch = pd.DataFrame(values, columns=list(_COLUMNS[2:]))
    batch.insert(0, "ts", float(n))
    batch.insert(0, "sensor", np.arange(16, dtype="float64"))
    _readings = pd.concat([_readings, batch], ignore_index=True)  # SITE
    return len(_readings)


def teardown():
    global _readings
    _readings = _readings.iloc[0:0]
    _state.clear()
