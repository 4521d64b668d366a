"""An invoicing routine settles five invoices per step: it totals each one with
decimal.Decimal inside a decimal.localcontext (banker's rounding to cents), splits shares
with fractions.Fraction and reports statistics.median of the line amounts; all of it is
per-invoice data."""

import decimal
import fractions
import random
import statistics

LIBRARIES = ("decimal", "fractions", "statistics")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)

_CENT = decimal.Decimal("0.01")
_VAT = {
    "std": decimal.Decimal("0.20"),
    "reduced": decimal.Decimal("0.05"),
    "zero": decimal.Decimal("0"),
}


def setup():
    rng = random.Random(8)
    invoices = []
    for _ in range(100):
        lines = [
            (f"{rng.randint(1, 9999) / 100:.2f}", rng.randint(1, 12), rng.choice(list(_VAT)))
            for _ in range(rng.randint(3, 15))
        ]
        invoices.append(lines)
    return {"invoices": invoices, "n": 0}


def settle(lines, parties):
    with decimal.localcontext() as ctx:
        ctx.prec = 28
        ctx.rounding = decimal.ROUND_HALF_EVEN
        amounts = []
        tax = decimal.Decimal(0)
        for price, qty, rate in lines:
            net = decimal.Decimal(price) * qty
            amounts.append(net)
            tax += (net * _VAT[rate]).quantize(_CENT)
        total = (sum(amounts) + tax).quantize(_CENT)
    share = fractions.Fraction(total) / parties
    median = statistics.median(amounts)
    return str(total), float(share), str(median)


def step(state):
    n = state["n"]
    state["n"] = n + 1
    return [settle(state["invoices"][(n * 5 + k) % 100], 2 + (n + k) % 3) for k in range(5)]
