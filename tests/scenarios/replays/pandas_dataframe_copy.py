"""pandas 2.0.x leaked on every ``DataFrame.copy()``: the copy takes views of the shared
row and column Index objects, and each view registered a weak reference in the shared
Index's reference tracker (the Copy-on-Write bookkeeping) that was never pruned, so a
long-lived table that is copied per request grows its list of dead weakrefs forever.
Fixed in 2.1.1 (pandas-dev/pandas#55008). https://github.com/pandas-dev/pandas/issues/54352"""

import numpy as np
import pandas as pd

LIBRARIES = ("pandas", "numpy")
LEAKY = ("pandas==2.0.3", "numpy==1.26.4")
FIXED = ("pandas==2.1.1", "numpy==1.26.4")
TRACKER = "https://github.com/pandas-dev/pandas/issues/54352"
DIAGNOSIS_LEAKY = ("library_state", "kept_on_object")  # a Python list inside pandas, not C
LIBRARY = "pandas"
GROUND_TRUTH_LEAKY = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.92/+2.00/+2.00/+1.92, C heap +21.3/+14.8/+20.6/+14.1 B, RSS +154/+164/+184/+161 B"
)
GROUND_TRUTH_FIXED = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)


def setup():
    rng = np.random.default_rng(7)
    skus = pd.Index([f"SKU-{i:04d}" for i in range(200)], name="sku")
    return pd.DataFrame(
        {"price": rng.uniform(1.0, 100.0, 200), "stock": rng.integers(0, 50, 200)}, index=skus
    )


def step(catalog):
    quote = catalog.copy()  # SITE
    quote["price"] = quote["price"] * 0.9
    return float(quote["price"].sum())
