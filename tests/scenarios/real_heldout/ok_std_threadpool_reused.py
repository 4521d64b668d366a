"""A thumbnail service keeps one ThreadPoolExecutor for its whole life (made in setup, shut
down in teardown) and submits a batch of checksum jobs per request, collecting the results
with as_completed; the pool's threads and queues are reused, so memory stays flat."""

import concurrent.futures
import hashlib
import random

LIBRARIES = ("concurrent.futures", "hashlib")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +0.00/+0.00/+0.00/+0.00, C heap +0.0/+0.0/+0.0/+0.0 B, RSS +0/+0/+0/+0 B"
)

_STATE = {}


def digest(blob):
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


def setup():
    rng = random.Random(3)
    blobs = [rng.randbytes(rng.randint(512, 4096)) for _ in range(64)]
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="thumbs")
    _STATE.update(pool=pool, blobs=blobs, n=0)
    return _STATE


def step(state):
    n = state["n"]
    state["n"] = n + 1
    batch = [state["blobs"][(n * 5 + i) % 64] for i in range(6)]
    futures = {state["pool"].submit(digest, blob): i for i, blob in enumerate(batch)}
    results = [None] * len(batch)
    for fut in concurrent.futures.as_completed(futures):
        results[futures[fut]] = fut.result()
    return results


def teardown():
    pool = _STATE.pop("pool", None)
    if pool is not None:
        pool.shutdown(wait=True)
    _STATE.clear()
