"""Failures kept for a later summary: each exception holds its traceback, the traceback
holds the frame of the failed call, and the frame holds every local in it."""

EXPECT = "leak"
HOLDER = "global _FAILURES"  # what keeps the leaked objects alive
DIAGNOSIS = "exceptions_kept"
MAX_ITERATIONS = 400

_FAILURES = []
_n = [0]


def parse_record(n):
    raw = bytearray(1536)  # SITE
    raw[0] = n & 0xFF
    raise ValueError(f"record {n}: bad checksum")


def step():
    _n[0] += 1
    try:
        parse_record(_n[0])
    except ValueError as exc:
        _FAILURES.append(exc)


def teardown():
    _FAILURES.clear()
