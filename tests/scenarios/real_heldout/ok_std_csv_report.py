"""A reporting endpoint reads an uploaded CSV with csv.DictReader from an io.StringIO,
aggregates it with collections.defaultdict, and writes the result back out with
csv.DictWriter; the buffers and rows live only for the request."""

import collections
import csv
import io
import random

LIBRARIES = ("csv", "io", "collections")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 20000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.03/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +1/+0/+0/+0 B"
)

_REGIONS = ["north", "south", "east", "west", "central"]


def _upload(rng, k):
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["date", "region", "product", "units", "revenue"])
    for i in range(rng.randint(20, 60)):
        writer.writerow(
            [
                f"2024-05-{i % 28 + 1:02d}",
                rng.choice(_REGIONS),
                f'Widget "{rng.randrange(30)}", large'
                if rng.random() < 0.2
                else f"Widget {rng.randrange(30)}",
                rng.randint(1, 40),
                f"{rng.uniform(5, 500):.2f}",
            ]
        )
    return buf.getvalue()


def setup():
    rng = random.Random(4)
    return {"uploads": [_upload(rng, k) for k in range(48)], "n": 0}


def step(state):
    text = state["uploads"][state["n"] % 48]
    state["n"] += 1
    units = collections.defaultdict(int)
    revenue = collections.defaultdict(float)
    for row in csv.DictReader(io.StringIO(text, newline="")):
        units[row["region"]] += int(row["units"])
        revenue[row["region"]] += float(row["revenue"])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["region", "units", "revenue"], lineterminator="\n")
    writer.writeheader()
    for region in sorted(units):
        writer.writerow(
            {"region": region, "units": units[region], "revenue": f"{revenue[region]:.2f}"}
        )
    return out.getvalue()
