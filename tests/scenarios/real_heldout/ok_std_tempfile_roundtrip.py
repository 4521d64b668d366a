"""An export job writes each report into a per-step TemporaryDirectory and spools a
NamedTemporaryFile next to it, reads both back, and lets the context managers delete them;
every file and descriptor is gone when the step returns."""

import json
import os
import shutil
import tempfile

LIBRARIES = ("tempfile", "os", "shutil")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.01/+0.00/-0.01/-0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +10/+0/+0/+0 B"
)

_STATE = {}


def setup():
    _STATE.update(base=tempfile.mkdtemp(prefix="exports-"), n=0)
    return _STATE


def step(state):
    n = state["n"]
    state["n"] = n + 1
    rows = [{"order": n * 10 + i, "total": round((n + i) * 1.25, 2)} for i in range(10)]
    with tempfile.TemporaryDirectory(dir=state["base"]) as workdir:
        report = os.path.join(workdir, f"report-{n}.json")
        with open(report, "w", encoding="utf-8") as f:
            json.dump(rows, f)
        with tempfile.NamedTemporaryFile("w+", suffix=".csv", dir=workdir, delete=True) as spool:
            for row in rows:
                spool.write(f"{row['order']},{row['total']}\n")
            spool.flush()
            spool.seek(0)
            lines = spool.read().splitlines()
        with open(report, encoding="utf-8") as f:
            total = sum(r["total"] for r in json.load(f))
    return len(lines), total


def teardown():
    base = _STATE.pop("base", None)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)
    _STATE.clear()
