"""A pure CPU loop: arithmetic on small ints and floats, nothing kept."""

EXPECT = "flat"
MAX_ITERATIONS = 400


def step():
    total = 0.0
    for i in range(2000):
        total += (i * i) % 7 * 0.5
    return total
