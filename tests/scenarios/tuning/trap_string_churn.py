"""Big temporary strings built with join and formatting, then dropped: churn without growth."""

EXPECT = "flat"
MAX_ITERATIONS = 400

_n = 0


def step():
    global _n
    _n += 1
    rows = [f"{i},name-{i + _n},{i / 3.0:f}" for i in range(300)]
    document = "\n".join(rows)
    return len(document.upper())
