"""A big leak through the stdlib array module: 20,000 doubles (156 KiB) kept per iteration."""

import array

EXPECT = "leak"
HOLDER = "global _SNAPSHOTS"  # what keeps the leaked objects alive
DIAGNOSIS = "growing_container"
MAX_ITERATIONS = 300

_SNAPSHOTS = {}


def capture_waveform(t):
    samples = array.array("d", [0.0]) * 20000  # SITE
    samples[0] = t
    return samples


def step():
    t = len(_SNAPSHOTS)
    _SNAPSHOTS[t] = capture_waveform(t)


def teardown():
    _SNAPSHOTS.clear()
