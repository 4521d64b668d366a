import math
import os
import stat
from pathlib import Path

import pytest

from leaksleuth import CaptureError
from leaksleuth.capture import Burst, Capture, RecordedError


def _capture() -> Capture:
    cap = Capture(target="mod:fn")
    cap.iteration = [1, 2]
    for name in cap.signals:
        cap.signals[name] = [1.0, math.nan]
    cap.phase = [0, 1]
    cap.segment = [0, 0]
    cap.bursts = [
        Burst(
            iterations=(1, 2),
            snapshots=({(("a.py", 3),): (100, 2)}, {}),
            nframes=5,
            gc_collected=True,
        )
    ]
    cap.target_error = RecordedError(iteration=3, type="ValueError", message="boom")
    return cap


def test_capture_round_trips_through_a_file(tmp_path: Path) -> None:
    path = tmp_path / "cap.json"
    _capture().save(path)
    loaded = Capture.load(path)
    assert loaded.iteration == [1, 2]
    assert math.isnan(loaded.signals["rss"][1])
    assert loaded.bursts[0].snapshots[0] == {(("a.py", 3),): (100, 2)}
    assert loaded.target_error == RecordedError(iteration=3, type="ValueError", message="boom")


def test_capture_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "cap.json"
    _capture().save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize(
    "content", ["", "{", '{"format": "something-else"}', '{"format": "leaksleuth-capture"}']
)
def test_unreadable_capture_raises_capture_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CaptureError):
        Capture.load(path)


def test_missing_capture_raises_capture_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no such capture"):
        Capture.load(tmp_path / "nope.json")
