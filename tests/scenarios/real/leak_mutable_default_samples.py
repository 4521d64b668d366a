"""A timing helper written as ``def record_timing(phase, seconds, samples=[])`` to "collect
samples for the percentile report": the default list is created once, with the function,
and every call appends to that same list, which nothing ever trims. Each request records
two phases, so two floats and two list slots accumulate per request (a slow leak, about
80 B per request)."""

import time

LIBRARIES = ("time",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +1.92/+2.00/+2.00/+1.92, "
    "C heap +16.9/+17.1/+20.3/+14.4 B, RSS +62/+66/+62/+62 B"
)
HOLDER = "__defaults__"
DIAGNOSIS = "mutable_default"


def record_timing(phase, seconds, samples=[]):  # noqa: B006 - the bug this workload shows
    samples.append(seconds)
    return len(samples)


def handle_request():
    t0 = time.perf_counter()
    total = sum(i * i for i in range(40))
    t1 = time.perf_counter()
    text = ",".join(map(str, range(20)))
    t2 = time.perf_counter()
    for phase, seconds in (("compute", t1 - t0), ("format", t2 - t1)):  # SITE
        record_timing(phase, seconds)
    return total + len(text)


def step():
    return handle_request()


def teardown():
    record_timing.__defaults__[0].clear()
