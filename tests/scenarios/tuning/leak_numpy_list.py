"""Numpy arrays kept in a list: each iteration stores a 16 KiB float64 array."""

import numpy as np

EXPECT = "leak"
HOLDER = "global _KEPT"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 400

_KEPT = []
_rng = np.random.default_rng(7)


def step():
    x = _rng.standard_normal(64)
    _KEPT.append(np.outer(x, x[:32]))  # SITE
    return float(x.sum())


def teardown():
    _KEPT.clear()
