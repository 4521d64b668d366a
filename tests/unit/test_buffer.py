import sys

from leaksleuth.capture import SIGNALS
from leaksleuth.probe._buffer import LevelLog, SampleBuffer


def _fill(buf: SampleBuffer, n: int, phase: int = 0) -> None:
    row = [0.0] * len(SIGNALS)
    for i in range(1, n + 1):
        if buf.wants(i, phase):
            row[0] = float(i)
            buf.append(i, row, phase, 0)


def test_buffer_keeps_every_row_until_full() -> None:
    buf = SampleBuffer(capacity=64)
    _fill(buf, 64)
    iteration, signals, _, _ = buf.columns()
    assert iteration == list(range(1, 65))
    assert signals["wall"] == [float(i) for i in range(1, 65)]


def test_buffer_never_exceeds_capacity_and_spreads_rows_evenly() -> None:
    buf = SampleBuffer(capacity=64)
    _fill(buf, 10_000)
    iteration, _, _, _ = buf.columns()
    assert len(iteration) <= 64
    gaps = {b - a for a, b in zip(iteration, iteration[1:])}
    assert gaps == {buf.stride}
    assert iteration[-1] > 9_000


def test_burst_rows_survive_decimation() -> None:
    buf = SampleBuffer(capacity=64)
    row = [0.0] * len(SIGNALS)
    for i in range(1, 2000):
        phase = 1 if 501 <= i <= 510 else 0
        if buf.wants(i, phase):
            buf.append(i, row, phase, 0)
    iteration, _, phase, _ = buf.columns()
    kept = [it for it, ph in zip(iteration, phase) if ph == 1]
    assert kept == list(range(501, 511))


def test_level_log_thins_evenly_and_keeps_the_first_and_the_latest_rows() -> None:
    log = LevelLog(width=2, capacity=8)
    for i in range(100):
        log.append((float(i), float(i * 10)))
    rows = log.rows()
    assert len(rows) <= 9  # eight kept, and the latest
    assert rows[0] == (0.0, 0.0) and rows[-1] == (99.0, 990.0)
    # The rows reach across the run, not only its end.
    assert any(10 <= r[0] <= 50 for r in rows)


def test_level_log_recording_allocates_nothing_that_stays() -> None:
    log = LevelLog(width=4, capacity=64)
    log.append((0.0, 1.0, 2.0, 3.0))
    before = sys.getallocatedblocks()
    for i in range(1000):
        log.append((float(i), 1e9 + i, 2e9 + i, 3e9 + i))
    assert sys.getallocatedblocks() - before < 5
