"""Heavy churn of big temporaries: 5-20 MB numpy arrays allocated and dropped every iteration."""

import numpy as np

EXPECT = "flat"
MAX_ITERATIONS = 300

_rng = np.random.default_rng(1234)


def step():
    n = int(_rng.integers(5, 21)) * 1024 * 1024 // 8
    a = np.ones(n)
    b = a * 2.0
    return float(b[-1])
