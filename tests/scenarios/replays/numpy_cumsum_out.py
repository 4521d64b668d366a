"""numpy 2.3.0 and 2.3.1 leaked the array passed as ``out=`` to ``np.cumsum``: each
call added one reference to it that was never released, so every fresh output buffer
stayed alive; 2.3.2 no longer adds it. https://github.com/numpy/numpy/issues/29355"""

import numpy as np

LIBRARIES = ("numpy",)
LEAKY = "numpy==2.3.1"
FIXED = "numpy==2.3.2"
TRACKER = "https://github.com/numpy/numpy/issues/29355"
DIAGNOSIS_LEAKY = ("refcount_leak", "native_leak")
LIBRARY = "numpy"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.97/+1.00/+1.00/+0.96, C heap +7727.3/+8048.6/+8048.5/+7726.1 B, "
    "RSS +7789/+8113/+8110/+7818 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    return np.linspace(0.0, 1.0, 1000)


def step(samples):
    running = np.empty_like(samples)  # SITE: allocates the buffer that cumsum(out=) keeps alive
    np.cumsum(samples, out=running)
    return float(running[-1])
