"""numpy 2.4.0 leaked on every ``np.roots`` call: the companion matrix is filled through a
``.flat[...] = values`` assignment, and that flat-iterator assignment forgot to release its
temporary iterator and value array (native memory, never freed). Fixed in 2.4.1 by the
backport of numpy/numpy#30512. https://github.com/numpy/numpy/issues/30547"""

import numpy as np

LIBRARIES = ("numpy",)
LEAKY = "numpy==2.4.0"  # yanked from PyPI, still installable with this exact pin
FIXED = "numpy==2.4.1"
TRACKER = "https://github.com/numpy/numpy/issues/30547"
DIAGNOSIS_LEAKY = ("refcount_leak", "native_leak")
LIBRARY = "numpy"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.96/+1.00/+1.00/+0.96, C heap +2597.4/+2704.7/+2704.4/+2596.2 B, "
    "RSS +2625/+2766/+2798/+2687 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    return [3.2, 2.0, 1.0, -0.5]


def step(coefficients):
    zeros = np.roots(coefficients)  # SITE
    return float(np.abs(zeros).max())
