"""A reporting job loads each JSON export with simplejson (``use_decimal=True`` so money
stays exact), aggregates it per region and renders the summary as text tables with
tabulate in two formats. All data is per report: correct code."""

import decimal
import random

import simplejson
from tabulate import tabulate

LIBRARIES = ("simplejson", "tabulate")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.34/+0.03/+0.01/-0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +26/+0/+0/+0 B"
)

_REGIONS = ("north", "south", "east", "west", "central")


def setup():
    rng = random.Random(43)
    exports = []
    for _ in range(30):
        rows = [
            {
                "region": rng.choice(_REGIONS),
                "amount": f"{rng.randint(1, 99999) / 100:.2f}",
                "units": rng.randint(1, 20),
            }
            for _ in range(rng.randint(20, 60))
        ]
        exports.append(
            simplejson.dumps({"rows": rows})
            .replace('"amount": "', '"amount": ')
            .replace('", "units"', ', "units"')
        )
    return {"exports": exports, "i": 0}


def step(state):
    state["i"] += 1
    data = simplejson.loads(state["exports"][state["i"] % len(state["exports"])], use_decimal=True)
    totals = {}
    for row in data["rows"]:
        amount, units = totals.get(row["region"], (decimal.Decimal(0), 0))
        totals[row["region"]] = (amount + row["amount"], units + row["units"])
    table = [(region, str(amount), units) for region, (amount, units) in sorted(totals.items())]
    text = tabulate(table, headers=("region", "revenue", "units"), tablefmt="github")
    html = tabulate(table, headers=("region", "revenue", "units"), tablefmt="html")
    return text, len(html), simplejson.dumps({"totals": {r: a for r, (a, _) in totals.items()}})
