"""A nightly ETL step writes each shop's sales to a CSV file in a temporary directory,
reads it back with ``pandas.read_csv`` (parsing dates), maps each SKU to its category from
the catalogue and aggregates revenue per category. Files are overwritten and the directory
is removed in teardown: correct code."""

import os
import shutil
import tempfile

import numpy as np
import pandas as pd

LIBRARIES = ("pandas", "numpy")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.12/+0.00/+0.00/+0.00, C heap +16.1/+0.0/+0.0/+0.0 B, RSS +85/+0/+0/+0 B"
)

_tmpdir = None


def setup():
    global _tmpdir
    _tmpdir = tempfile.mkdtemp(prefix="ok_lib_csv_")
    rng = np.random.default_rng(61)
    # the product catalogue, loaded once: sku -> category
    categories = rng.choice(["food", "toys", "tools", "books"], size=200).tolist()
    category_of = dict(enumerate(categories))
    days = pd.date_range("2024-01-01", periods=100, freq="h").strftime("%Y-%m-%d %H:%M")
    return {"rng": rng, "category_of": category_of, "days": list(days), "i": 0}


def step(state):
    state["i"] += 1
    rng = state["rng"]
    n = len(state["days"])
    sales = pd.DataFrame(
        {
            "day": state["days"],
            "sku": rng.integers(0, 200, size=n),
            "qty": rng.integers(1, 5, size=n),
            "price": rng.uniform(1, 80, size=n).round(2),
        }
    )
    path = os.path.join(_tmpdir, f"shop_{state['i'] % 10}.csv")
    sales.to_csv(path, index=False)
    loaded = pd.read_csv(path, parse_dates=["day"])
    loaded["category"] = loaded["sku"].map(state["category_of"])
    loaded["revenue"] = loaded["qty"] * loaded["price"]
    return loaded.groupby("category")["revenue"].sum().round(2).to_dict()


def teardown():
    global _tmpdir
    if _tmpdir is not None:
        shutil.rmtree(_tmpdir, ignore_errors=True)
        _tmpdir = None
