"""A signal monitor reads a 4,096-sample frame per tick and keeps its first eight samples
as a "preview" for the dashboard: ``previews.append(frame[:8])``. A basic slice is a
view, so each tiny preview keeps its whole 32 KiB frame buffer alive; the fix is
``frame[:8].copy()`` (about 33 KB per tick, nearly all in numpy's C-heap buffers)."""

import numpy as np

LIBRARIES = ("numpy",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.92/+2.00/+2.00/+1.92, "
    "C heap +31545.4/+32855.5/+32858.1/+31541.2 B, RSS +31736/+33043/+33069/+31706 B"
)
HOLDER = "global previews"
DIAGNOSIS = "numpy_view"

previews = []
_state = {}


def setup():
    _state["rng"] = np.random.default_rng(11)


def step():
    frame = _state["rng"].standard_normal(4096)  # SITE
    frame -= frame.mean()
    previews.append(frame[:8])
    return float(np.abs(frame).max())


def teardown():
    previews.clear()
    _state.clear()
