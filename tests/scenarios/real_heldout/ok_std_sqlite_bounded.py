"""A metrics collector keeps the last readings in an in-memory sqlite3 database: each step
inserts a batch with executemany, deletes rows older than a retention window, and runs an
aggregate query through a cursor it closes; the table stays bounded, so memory settles."""

import random
import sqlite3

LIBRARIES = ("sqlite3",)
EXPECT = "plateau|flat"
GROUND_TRUTH = (
    "settled over 50000 iterations (gc every 500); per-window growth per iteration: "
    "blocks -0.01/+0.01/-0.01/+0.00, C heap +0.3/+0.1/+0.3/+0.0 B, RSS +0/+0/+0/+0 B"
)

_STATE = {}
_KEEP = 2000  # rows of retention


def setup():
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE readings (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, "
        "ts INTEGER NOT NULL, value REAL NOT NULL)"
    )
    conn.execute("CREATE INDEX readings_sensor ON readings (sensor, ts)")
    conn.commit()
    _STATE.update(conn=conn, rng=random.Random(5), ts=0)
    return _STATE


def step(state):
    conn, rng = state["conn"], state["rng"]
    ts = state["ts"]
    state["ts"] = ts + 1
    rows = [(f"sensor-{rng.randrange(12)}", ts, rng.gauss(20.0, 3.0)) for _ in range(10)]
    with conn:
        conn.executemany("INSERT INTO readings (sensor, ts, value) VALUES (?, ?, ?)", rows)
        conn.execute("DELETE FROM readings WHERE ts < ?", (ts - _KEEP // 10,))
    cur = conn.cursor()
    try:
        cur.execute(
            "SELECT sensor, COUNT(*), AVG(value), MAX(value) FROM readings "
            "WHERE ts >= ? GROUP BY sensor ORDER BY sensor",
            (ts - 50,),
        )
        summary = cur.fetchall()
    finally:
        cur.close()
    return len(summary)


def teardown():
    conn = _STATE.pop("conn", None)
    if conn is not None:
        conn.close()
    _STATE.clear()
