"""A pricing service refits a small scikit-learn pipeline (StandardScaler + Ridge) on the
latest window of sales for each product; the window length differs from product to product
(50 to 400 rows). The fitted pipeline is used once and dropped: correct code, whose only
growth is scikit-learn's and numpy's lazy warm-up."""

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

LIBRARIES = ("sklearn", "numpy")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.24/-0.00/+0.00/-0.00, C heap +148.4/+7.3/+0.0/+0.0 B, RSS +144/+7/+0/+0 B"
)


def setup():
    return {"rng": np.random.default_rng(2024)}


def step(state):
    rng = state["rng"]
    n = int(rng.integers(50, 400))
    X = rng.normal(size=(n, 5))
    y = X @ np.array([1.5, -2.0, 0.3, 0.0, 4.0]) + rng.normal(scale=0.5, size=n)
    model = make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    model.fit(X, y)
    forecast = model.predict(X[-7:])
    return float(forecast.mean()), float(model[-1].coef_[0])
