"""Spectral summary of sensor captures whose length differs on every request (numpy FFT,
windowing and histograms on arrays of a few hundred shapes). Every array is a temporary, so
only numpy's internal per-shape caches fill and then stay put: correct code."""

import numpy as np

LIBRARIES = ("numpy",)
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +1444.4/+0.0/+0.0/+0.0 B, RSS +1615/+0/+0/+0 B"
)

_RATE_HZ = 2000.0


def setup():
    return {"rng": np.random.default_rng(1234), "i": 0}


def step(state):
    state["i"] += 1
    i = state["i"]
    rng = state["rng"]
    # captures arrive with between 512 and 1023 samples, depending on the device clock
    n = 512 + (i * 37) % 512
    t = np.arange(n) / _RATE_HZ
    signal = np.sin(2 * np.pi * (50 + i % 7) * t) + 0.3 * rng.standard_normal(n)
    signal -= signal.mean()
    window = np.hanning(n)
    spectrum = np.abs(np.fft.rfft(signal * window))
    freqs = np.fft.rfftfreq(n, d=1.0 / _RATE_HZ)
    peak = float(freqs[int(np.argmax(spectrum))])
    counts, edges = np.histogram(signal, bins=8 + i % 24)
    rms = float(np.sqrt(np.mean(signal**2)))
    return {"peak_hz": peak, "rms": rms, "mode_bin": float(edges[int(np.argmax(counts))])}
