"""The capture store: one SQLite file (WAL mode) written while the program runs.

The watched process appends sample rows and flushes them at least once a second, so a
SIGKILL loses at most the last second; everything else (bursts, gc-settled levels, the
holder search, errors) is written when the run ends. The file is private to its owner
and holds tables only, no pickles::

    meta(key, value)                   format, schema version, program, argv, host, ...
    samples(iteration, phase, segment, <one REAL column per signal>)
    settled(iteration, rss, py_blocks, malloc, segment)
    bursts(burst, nframes, gc_collected)
    snapshots(burst, snapshot, iteration)
    snapshot_sites(burst, snapshot, traceback, size, count)   traceback: JSON [[file, line]]
    snapshot_types(burst, snapshot, type, objects, mean_size)
    records(key, value)                JSON: retention, native, errors, run facts
    suspects(rank, file, line, bytes_per_iteration, share, traceback)   after analysis
    processes(pid, parent, capture)    forked children and their own capture files

Long runs stay bounded: once ``samples`` holds more than ``max_rows`` rows, every other
row of its older half is dropped (rows taken while tracemalloc traced are kept), so old
history thins out while recent history keeps full resolution.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from array import array
from contextlib import closing, suppress
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from leaksleuth._errors import CaptureError
from leaksleuth.capture._model import (
    FORMAT,
    SIGNALS,
    Burst,
    Capture,
    RecordedError,
    SiteTable,
    _error_to_dict,
)

SCHEMA_VERSION = 2
# Versions this leaksleuth reads: 1 had no segment column in ``settled``.
READABLE_VERSIONS = (1, 2)
SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_ROWS = 50_000
# Rows handed to the analysis: the verdict engine works on a few thousand evenly spread
# rows, as the probe's own table keeps (burst rows always kept).
ANALYSIS_ROWS = 4096

_WIDTH = 3 + len(SIGNALS)  # iteration, phase, segment, then the signals
_QUEUE_ROWS = 2048
_SIGNAL_COLUMNS = ", ".join(f"{name} REAL" for name in SIGNALS)
_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE samples (
    iteration INTEGER NOT NULL, phase INTEGER NOT NULL, segment INTEGER NOT NULL,
    {_SIGNAL_COLUMNS}
);
CREATE TABLE settled (iteration INTEGER, rss REAL, py_blocks REAL, malloc REAL, segment INTEGER);
CREATE TABLE bursts (burst INTEGER PRIMARY KEY, nframes INTEGER, gc_collected INTEGER);
CREATE TABLE snapshots (burst INTEGER, snapshot INTEGER, iteration INTEGER);
CREATE TABLE snapshot_sites (
    burst INTEGER, snapshot INTEGER, traceback TEXT, size INTEGER, count INTEGER
);
CREATE TABLE snapshot_types (
    burst INTEGER, snapshot INTEGER, type TEXT, objects INTEGER, mean_size REAL
);
CREATE TABLE records (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE suspects (
    rank INTEGER, file TEXT, line INTEGER, bytes_per_iteration REAL, share REAL,
    traceback TEXT
);
CREATE TABLE processes (pid INTEGER, parent INTEGER, capture TEXT);
"""
_INSERT_SAMPLE = (
    f"INSERT INTO samples (iteration, phase, segment, {', '.join(SIGNALS)}) "
    f"VALUES ({', '.join('?' * (3 + len(SIGNALS)))})"
)


def create_private(path: str) -> None:
    """Create ``path`` as an empty file readable and writable by its owner only.

    Fails if it exists: a capture never overwrites another file.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def _connect(path: str) -> sqlite3.Connection:
    # autocommit off; one writer per file; a connection never crosses a fork.
    db = sqlite3.connect(path, timeout=5.0, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    # WAL with synchronous=NORMAL: a commit reaches the OS at once (so a killed process
    # loses nothing committed) without an fsync per flush.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-512")  # 512 KiB: the writer's own memory stays small
    return db


class CaptureWriter:
    """Writes one process's capture. Not thread-safe: one thread writes at a time."""

    def __init__(self, path: str, meta: Dict[str, Any], max_rows: int = MAX_ROWS) -> None:
        create_private(path)
        self.path = path
        self.max_rows = max_rows
        self._db = _connect(path)
        # Rows wait in preallocated arrays: queueing one allocates nothing, so the
        # queue never shows in the levels the probe measures between flushes.
        self._queue = array("d", bytes(8 * _QUEUE_ROWS * _WIDTH))
        self._queued = 0
        self._rows = 0
        self.bursts_written = 0
        with self._db:
            self._db.executescript(_SCHEMA)
            facts = {"format": FORMAT, "schema_version": SCHEMA_VERSION, **meta}
            self._db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in facts.items()],
            )

    def add(self, iteration: int, values: Sequence[float], phase: int, segment: int) -> None:
        """Queue one sample row (written at the next :meth:`flush`; at once when the
        queue is full)."""
        if self._queued == _QUEUE_ROWS:
            self.flush()
        q, start = self._queue, self._queued * _WIDTH
        q[start] = iteration
        q[start + 1] = phase
        q[start + 2] = segment
        for j, v in enumerate(values, start + 3):
            q[j] = v
        self._queued += 1

    def flush(self) -> None:
        """Write the queued rows in one transaction; thin old rows past ``max_rows``."""
        n, q = self._queued, self._queue
        if not n:
            return
        rows = [
            (int(q[i]), int(q[i + 1]), int(q[i + 2]), *(_real(v) for v in q[i + 3 : i + _WIDTH]))
            for i in range(0, n * _WIDTH, _WIDTH)
        ]
        self._queued = 0
        with self._db:
            self._db.executemany(_INSERT_SAMPLE, rows)
            self._rows += len(rows)
            if self._rows > self.max_rows:
                self._thin()

    def _thin(self) -> None:
        (older,) = self._db.execute("SELECT count(*) / 2 FROM samples").fetchone()
        self._db.execute(
            "DELETE FROM samples WHERE rowid IN (SELECT rowid FROM ("
            " SELECT rowid, row_number() OVER (ORDER BY rowid) AS k FROM samples"
            " WHERE rowid IN (SELECT rowid FROM samples ORDER BY rowid LIMIT ?)"
            " AND phase = 0) WHERE k % 2 = 0)",
            (older,),
        )
        (self._rows,) = self._db.execute("SELECT count(*) FROM samples").fetchone()

    def record(self, key: str, value: Any) -> None:
        """Store one JSON record now (replacing an earlier one of the same key)."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO records VALUES (?, ?)", (key, _dumps(value)))

    def add_bursts(self, bursts: Sequence[Burst]) -> None:
        """Write the bursts not written yet (as they end, so a live view sees sites)."""
        if len(bursts) <= self.bursts_written:
            return
        with self._db:
            for b in range(self.bursts_written, len(bursts)):
                _write_burst(self._db, b, bursts[b])
        self.bursts_written = len(bursts)

    def set_settled(self, rows: Sequence[Tuple[float, ...]]) -> None:
        """Write the gc-settled levels kept so far, in place of the earlier ones (the
        probe keeps the first and the latest, so older ones may have gone)."""
        with self._db:
            self._write_settled(rows)

    def _write_settled(self, rows: Sequence[Tuple[float, ...]]) -> None:
        self._db.execute("DELETE FROM settled")
        self._db.executemany("INSERT INTO settled VALUES (?, ?, ?, ?, ?)", rows)

    def finish(self, capture: Capture) -> None:
        """Write what the run recorded besides the samples, and close."""
        self.flush()
        self.add_bursts(capture.bursts)
        with self._db:
            db = self._db
            self._write_settled(capture.settled)
            records = {
                "target": capture.target,
                "baseline": capture.baseline,
                "target_error": _error_dict(capture.target_error),
                "probe_errors": capture.probe_errors,
                "warmup_hint": capture.warmup_hint,
                "iterations_run": capture.iterations_run,
                "stop_reason": capture.stop_reason,
                "retention": capture.retention,
                "native": capture.native,
                "capture_meta": capture.meta,
                "finished": True,
            }
            db.executemany(
                "INSERT OR REPLACE INTO records VALUES (?, ?)",
                [(k, _dumps(v)) for k, v in records.items()],
            )
        self.close()

    def close(self) -> None:
        """Write the queued rows and close the file."""
        with suppress(sqlite3.Error):
            self.flush()
        with suppress(sqlite3.Error):
            self._db.close()


def _write_burst(db: sqlite3.Connection, b: int, burst: Burst) -> None:
    db.execute("INSERT INTO bursts VALUES (?, ?, ?)", (b, burst.nframes, int(burst.gc_collected)))
    for s, (iteration, table) in enumerate(zip(burst.iterations, burst.snapshots)):
        db.execute("INSERT INTO snapshots VALUES (?, ?, ?)", (b, s, iteration))
        db.executemany(
            "INSERT INTO snapshot_sites VALUES (?, ?, ?, ?, ?)",
            [(b, s, json.dumps(tb), size, n) for tb, (size, n) in table.items()],
        )
    for s, census in enumerate(burst.censuses):
        db.executemany(
            "INSERT INTO snapshot_types VALUES (?, ?, ?, ?, ?)",
            [(b, s, name, n, size) for name, (n, size) in census.items()],
        )


def add_process(path: str, pid: int, parent: int, capture: str) -> None:
    """Note a forked child's own capture in the parent process's capture file."""
    with closing(_connect(path)) as db, db:
        db.execute("INSERT INTO processes VALUES (?, ?, ?)", (pid, parent, capture))


def write_suspects(path: str, suspects: Iterable[Tuple[Any, ...]]) -> None:
    """Store the analysed suspects (rank, file, line, bytes/iteration, share, traceback)."""
    with closing(_connect(path)) as db, db:
        db.execute("DELETE FROM suspects")
        db.executemany(
            "INSERT INTO suspects VALUES (?, ?, ?, ?, ?, ?)",
            [(*row[:5], json.dumps(list(row[5]))) for row in suspects],
        )


# -- reading ------------------------------------------------------------------------------
def is_store(path: str) -> bool:
    """Whether the file starts like an SQLite database."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


class StoredRun:
    """What a capture file holds: the capture plus the run's facts and processes."""

    def __init__(
        self, capture: Capture, meta: Dict[str, Any], processes: List[Tuple[int, int, str]]
    ) -> None:
        self.capture = capture
        self.meta = meta
        self.processes = processes

    @property
    def finished(self) -> bool:
        return bool(self.capture.meta.get("finished"))


def read_store(path: str, max_rows: int = ANALYSIS_ROWS) -> StoredRun:
    """Read a capture file (also while it is being written). Raises CaptureError."""
    if not os.path.exists(path):
        raise CaptureError(f"no such capture file: {path}")
    if not is_store(path):
        raise CaptureError(f"{path} is not a leaksleuth capture (not an SQLite file)")
    try:
        db = sqlite3.connect(f"file:{_uri_path(path)}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise CaptureError(f"cannot open capture {path}: {exc}") from None
    try:
        with closing(db):
            return _read(db, path, max_rows)
    except sqlite3.DatabaseError as exc:
        raise CaptureError(f"capture {path} is damaged or truncated: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise CaptureError(f"capture {path} is malformed: {exc!r}") from None


def _uri_path(path: str) -> str:
    from urllib.parse import quote

    return quote(os.path.abspath(path))


def _read(db: sqlite3.Connection, path: str, max_rows: int) -> StoredRun:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "meta" not in tables:
        raise CaptureError(f"{path} is an SQLite file but not a leaksleuth capture")
    meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
    if meta.get("format") != FORMAT:
        raise CaptureError(f"{path} is an SQLite file but not a leaksleuth capture")
    if meta.get("schema_version") not in READABLE_VERSIONS:
        raise CaptureError(
            f"capture {path} has schema version {meta.get('schema_version')!r}; "
            f"this leaksleuth reads version {SCHEMA_VERSION}"
        )
    records = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM records")}
    iteration, signals, phase, segment = _samples(db, max_rows)
    finished = bool(records.get("finished"))
    capture_meta = dict(records.get("capture_meta") or {})
    capture_meta.update(
        {k: meta[k] for k in ("program", "argv", "python", "host", "pid") if k in meta}
    )
    capture_meta["finished"] = finished
    if "routes" in records:  # a service's requests per route (leaksleuth.web)
        capture_meta["routes"] = records["routes"]
    stop = str(records.get("stop_reason", ""))
    if not finished:
        stop = (
            "the capture ends at its last flush: the program was killed, or is still "
            "running; bursts and holders are only written at the end"
        )
    err = records.get("target_error")
    capture = Capture(
        target=str(records.get("target", meta.get("target", meta.get("program", "?")))),
        iteration=iteration,
        signals=signals,
        phase=phase,
        segment=segment,
        baseline={k: _float(v) for k, v in (records.get("baseline") or {}).items()},
        bursts=_bursts(db),
        target_error=None
        if not err
        else RecordedError(
            iteration=int(err["iteration"]),
            type=str(err["type"]),
            message=str(err["message"]),
            traceback=tuple(err["traceback"]),
        ),
        probe_errors=[str(e) for e in records.get("probe_errors", [])],
        warmup_hint=records.get("warmup_hint"),
        iterations_run=int(records.get("iterations_run", iteration[-1] if iteration else 0)),
        stop_reason=stop,
        settled=[tuple(_float(v) for v in row) for row in db.execute("SELECT * FROM settled")],
        retention=records.get("retention"),
        native=records.get("native"),
        meta=capture_meta,
    )
    processes = [(int(a), int(b), str(c)) for a, b, c in db.execute("SELECT * FROM processes")]
    return StoredRun(capture, meta, processes)


def _samples(
    db: sqlite3.Connection, max_rows: int
) -> Tuple[List[int], Dict[str, List[float]], List[int], List[int]]:
    (total,) = db.execute("SELECT count(*) FROM samples WHERE phase = 0").fetchone()
    # Evenly spread ordinary rows (every k-th), and every burst row.
    step = max(1, math.ceil(total / max_rows))
    rows = db.execute(
        "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY phase ORDER BY iteration)"
        " AS k FROM samples) WHERE phase = 1 OR (k - 1) % ? = 0 ORDER BY iteration",
        (step,),
    ).fetchall()
    iteration = [int(r[0]) for r in rows]
    phase = [int(r[1]) for r in rows]
    segment = [int(r[2]) for r in rows]
    signals = {name: [_float(r[3 + j]) for r in rows] for j, name in enumerate(SIGNALS)}
    return iteration, signals, phase, segment


def _bursts(db: sqlite3.Connection) -> List[Burst]:
    out: List[Burst] = []
    for b, nframes, gc_collected in db.execute("SELECT * FROM bursts ORDER BY burst").fetchall():
        snaps = db.execute(
            "SELECT snapshot, iteration FROM snapshots WHERE burst = ? ORDER BY snapshot", (b,)
        ).fetchall()
        tables: List[SiteTable] = []
        censuses: List[Dict[str, Tuple[int, float]]] = []
        for s, _ in snaps:
            table: SiteTable = {}
            for tb, size, n in db.execute(
                "SELECT traceback, size, count FROM snapshot_sites"
                " WHERE burst = ? AND snapshot = ?",
                (b, s),
            ):
                table[tuple((str(f), int(line)) for f, line in json.loads(tb))] = (
                    int(size),
                    int(n),
                )
            tables.append(table)
            census = {
                str(t): (int(n), float(size))
                for t, n, size in db.execute(
                    "SELECT type, objects, mean_size FROM snapshot_types"
                    " WHERE burst = ? AND snapshot = ?",
                    (b, s),
                )
            }
            if census:
                censuses.append(census)
        out.append(
            Burst(
                iterations=tuple(int(i) for _, i in snaps),
                snapshots=tuple(tables),
                nframes=int(nframes),
                gc_collected=bool(gc_collected),
                censuses=tuple(censuses),
            )
        )
    return out


def _float(v: Optional[float]) -> float:
    return math.nan if v is None else float(v)  # NULL (or JSON null) is NaN


def _real(v: float) -> Optional[float]:
    return None if v != v else float(v)  # NaN is stored as NULL


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str, allow_nan=True)


def _error_dict(e: Optional[RecordedError]) -> Optional[Dict[str, Any]]:
    return None if e is None else _error_to_dict(e)
