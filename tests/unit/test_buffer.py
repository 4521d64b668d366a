from leaksleuth.capture import SIGNALS
from leaksleuth.probe._buffer import SampleBuffer


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
