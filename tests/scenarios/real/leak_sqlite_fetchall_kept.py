"""A catalogue endpoint queries an in-memory SQLite table and, "for the audit trail",
appends every result set it fetched (``cursor.fetchall()``) to a module-level list that
nothing ever reads or trims. Each request's rows (a list of tuples with their str and
float values) stay alive for good (about 800 B per request)."""

import itertools
import sqlite3

LIBRARIES = ("sqlite3",)
EXPECT = "leak"
GROUND_TRUTH = (
    "leak over 5000 iterations (gc every 50); per-window growth per iteration: "
    "blocks +15.29/+15.97/+16.01/+15.30, "
    "C heap +9.6/+7.7/+10.4/+7.1 B, RSS +705/+800/+803/+770 B"
)
HOLDER = "global _audit_trail"
DIAGNOSIS = "growing_container"

_ids = itertools.count()
_audit_trail = []
_state = {}


def setup():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
    conn.executemany(
        "INSERT INTO items VALUES (?, ?, ?)",
        ((i, f"item-{i:04d}", round(1.5 + i * 0.37, 2)) for i in range(500)),
    )
    conn.commit()
    _state["conn"] = conn


def step():
    n = next(_ids)
    lo = (n * 7) % 495
    cur = _state["conn"].execute(
        "SELECT id, name, price FROM items WHERE id BETWEEN ? AND ? ORDER BY id", (lo, lo + 3)
    )
    _audit_trail.append(cur.fetchall())  # SITE
    return len(_audit_trail[-1])


def teardown():
    _audit_trail.clear()
    if "conn" in _state:
        _state.pop("conn").close()
