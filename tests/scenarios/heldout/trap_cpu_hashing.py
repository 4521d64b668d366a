"""CPU-bound hashing: SHA-256 chained over a fixed 4 KiB block; only the digest survives."""

import hashlib

EXPECT = "flat"
MAX_ITERATIONS = 400

_BLOCK = bytes(range(256)) * 16
_state = {"digest": b""}


def step():
    digest = _state["digest"]
    for _ in range(40):
        digest = hashlib.sha256(digest + _BLOCK).digest()
    _state["digest"] = digest
