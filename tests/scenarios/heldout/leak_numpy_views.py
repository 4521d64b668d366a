"""Numpy views that pin their base: keeping 8 rows of each 32 KiB image keeps the whole image."""

import numpy as np

EXPECT = "leak"
HOLDER = "global _THUMBS"  # what keeps the leaked objects alive
DIAGNOSIS = "numpy_view"
MAX_ITERATIONS = 400

_rng = np.random.default_rng(2024)
_THUMBS = []


def step():
    image = _rng.standard_normal((64, 64))  # SITE
    _THUMBS.append(image[:8])  # a view: its .base is the full image
    return float(image.mean())


def teardown():
    _THUMBS.clear()
