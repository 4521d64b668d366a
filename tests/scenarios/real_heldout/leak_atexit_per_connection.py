"""Each request opens its own SQLite connection and, to be safe, registers
``atexit.register(conn.close)`` so the handle is closed even if the process dies
mid-way. The request closes the connection itself when done, but the exit hook is never
unregistered: the interpreter's atexit table (C code) keeps a bound method, and through
it the closed Connection with its statement cache, for every request (about 600 B each)."""

import atexit
import gc
import itertools
import sqlite3

LIBRARIES = ("atexit", "sqlite3")
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +6.72/+7.00/+7.00/+6.72, "
    "C heap +11.3/+8.0/+8.0/+9.2 B, RSS +482/+593/+593/+573 B"
)
DIAGNOSIS = "listeners"

_ids = itertools.count()


def step():
    n = next(_ids)
    conn = sqlite3.connect(":memory:")  # SITE
    atexit.register(conn.close)
    try:
        row = conn.execute("SELECT ? * 2, upper(?)", (n, f"req-{n}")).fetchone()
    finally:
        conn.close()
    return row[0]


def teardown():
    # Teardown only: drop this workload's exit hooks (unregister is a no-op for others).
    for obj in gc.get_objects():
        if type(obj) is sqlite3.Connection:
            atexit.unregister(obj.close)
