"""The SQLite capture store on its own: round trip, thinning, privacy, bad files."""

from __future__ import annotations

import math
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from leaksleuth._errors import CaptureError
from leaksleuth.capture import SIGNALS, Burst, Capture, RecordedError
from leaksleuth.capture._store import CaptureWriter, read_store


def _row(i: int) -> list[float]:
    values = [float(i)] * len(SIGNALS)
    values[SIGNALS.index("traced")] = math.nan
    return values


def test_a_capture_round_trips_through_the_store(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    writer = CaptureWriter(path, {"program": "app.py", "argv": ["-x"]})
    for i in range(1, 31):
        writer.add(i, _row(i), 1 if 10 < i <= 20 else 0, 0 if i <= 20 else 1)
    burst = Burst(
        iterations=(11, 15, 20),
        snapshots=tuple({(("app.py", 7), ("app.py", 20)): (1000 * k, 10 * k)} for k in (1, 2, 3)),
        nframes=24,
        gc_collected=True,
        censuses=({"dict": (5, 232.0)}, {"dict": (7, 232.0)}, {"dict": (9, 232.0)}),
    )
    capture = Capture(
        target="app.py",
        bursts=[burst],
        settled=[(0.0, 1.0, 2.0, math.nan, 0.0), (30.0, 1.5, 2.5, 3.0, 1.0)],
        target_error=RecordedError(31, "ValueError", "bad", ("line 1",)),
        iterations_run=30,
        stop_reason="the program exited",
        retention={"sites": []},
        meta={"stride": 1},
    )
    writer.finish(capture)
    run = read_store(path)
    got = run.capture
    assert got.iteration == list(range(1, 31))
    assert got.signals["rss"] == [float(i) for i in range(1, 31)]
    assert all(math.isnan(v) for v in got.signals["traced"])
    assert got.phase[10:20] == [1] * 10 and got.segment[-1] == 1
    assert got.bursts == [burst]
    assert got.settled[0][:3] == (0.0, 1.0, 2.0) and math.isnan(got.settled[0][3])
    assert got.settled_levels("py_blocks") == [(0, 2.0, 0), (30, 2.5, 1)]
    assert got.target_error == capture.target_error
    assert (got.iterations_run, got.stop_reason, got.retention) == (
        30,
        "the program exited",
        {"sites": []},
    )
    assert run.finished and run.meta["argv"] == ["-x"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_old_rows_thin_out_while_recent_ones_and_burst_rows_stay(tmp_path: Path) -> None:
    path = str(tmp_path / "long.db")
    writer = CaptureWriter(path, {"program": "p", "argv": []}, max_rows=1000)
    for i in range(1, 20_001):
        writer.add(i, _row(i), 1 if 500 < i <= 540 else 0, 0)
        if i % 100 == 0:
            writer.flush()
    writer.close()
    with sqlite3.connect(path) as db:
        rows = [r[0] for r in db.execute("SELECT iteration FROM samples ORDER BY iteration")]
        burst = [r[0] for r in db.execute("SELECT iteration FROM samples WHERE phase = 1")]
    assert len(rows) <= 1100
    assert burst == list(range(501, 541))  # never thinned
    assert rows[-100:] == list(range(19_901, 20_001))  # the last flush, whole
    early = [r for r in rows if r <= 5000 and not 500 < r <= 540]
    assert 0 < len(early) < 200  # the first quarter of the run survives, thinned


def test_the_analysis_gets_at_most_its_row_budget_evenly_spread(tmp_path: Path) -> None:
    path = str(tmp_path / "many.db")
    writer = CaptureWriter(path, {"program": "p", "argv": []}, max_rows=100_000)
    for i in range(1, 10_001):
        writer.add(i, _row(i), 0, 0)
    writer.close()
    got = read_store(path, max_rows=1000).capture.iteration
    assert len(got) == 1000
    assert {b - a for a, b in zip(got, got[1:])} == {10}


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "taken.db"
    path.write_text("precious")
    with pytest.raises(FileExistsError):
        CaptureWriter(str(path), {"program": "p", "argv": []})
    assert path.read_text() == "precious"


def test_a_newer_schema_is_refused_in_one_line(tmp_path: Path) -> None:
    path = str(tmp_path / "new.db")
    CaptureWriter(path, {"program": "p", "argv": []}).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(CaptureError, match="schema version 99"):
        read_store(path)
