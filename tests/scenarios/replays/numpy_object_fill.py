"""numpy 1.24.0 leaked a reference to the value passed to ``ndarray.fill`` on an object
array: each reset of an object grid with a fresh default object kept that object alive
forever. Found with pytest-leaks and fixed in 1.24.1 (backport numpy/numpy#22832).
https://github.com/numpy/numpy/pull/22798"""

import itertools

import numpy as np

LIBRARIES = ("numpy",)
LEAKY = "numpy==1.24.0"
FIXED = "numpy==1.24.1"
TRACKER = "https://github.com/numpy/numpy/pull/22798"
DIAGNOSIS_LEAKY = "refcount_leak"
LIBRARY = "numpy"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +2.72/+3.00/+3.00/+2.88, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +203/+229/+226/+213 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    return np.empty((16, 8), dtype=object), itertools.count()


def step(state):
    slots, batches = state
    batch = next(batches)
    slots.fill({"status": "pending", "batch": batch})  # SITE
    slots[batch % 16, batch % 8] = {"status": "done", "batch": batch}
    return sum(cell["status"] == "done" for cell in slots[batch % 16])
