"""A vibration monitor band-pass filters each accelerometer capture with scipy.signal
(Butterworth design, zero-phase ``sosfiltfilt``), estimates its power spectrum with Welch's
method and fits a peak with ``scipy.optimize.curve_fit``. Capture lengths vary over a few
hundred values, so scipy's FFT plan caches warm up and then stay bounded: correct code."""

import numpy as np
from scipy import optimize, signal

LIBRARIES = ("scipy", "numpy")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.24/+0.01/+0.01/+0.00, C heap +3.5/+0.4/+0.0/+0.0 B, RSS +56/+0/+0/+3 B"
)

_FS = 1000.0


def _lorentz(f, a, f0, w):
    return a * w**2 / ((f - f0) ** 2 + w**2)


def setup():
    return {
        "rng": np.random.default_rng(77),
        "sos": signal.butter(4, [20, 200], "bandpass", fs=_FS, output="sos"),
    }


def step(state):
    rng = state["rng"]
    n = int(rng.integers(800, 1200))
    t = np.arange(n) / _FS
    x = (
        np.sin(2 * np.pi * 60 * t)
        + 0.5 * np.sin(2 * np.pi * 130 * t)
        + 0.4 * rng.standard_normal(n)
    )
    y = signal.sosfiltfilt(state["sos"], x)
    freqs, power = signal.welch(y, fs=_FS, nperseg=256)
    k = int(np.argmax(power))
    band = slice(max(k - 6, 0), k + 7)
    try:
        params, _ = optimize.curve_fit(
            _lorentz, freqs[band], power[band], p0=(power[k], freqs[k], 4.0), maxfev=400
        )
        peak = float(params[1])
    except RuntimeError:
        peak = float(freqs[k])
    return peak, float(np.sqrt(np.mean(y**2)))
