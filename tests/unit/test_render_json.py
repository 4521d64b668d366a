"""The JSON report: strict JSON of ``Report.to_dict()`` with a versioned schema."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from leaksleuth.render import RENDERERS, render_json
from leaksleuth.report import Frame, Report, SignalTrend, Suspect, TargetFailure, Verdict

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "json-schema.md"


def make_report(**changes: Any) -> Report:
    signal = SignalTrend(
        signal="rss", unit="bytes", status="leak", slope=1024.0, ci_low=900.0, ci_high=1100.0,
        p_value=0.01, warmup_end=11, warmup_growth=math.nan, period=1, points=90, reason="grows",
    )  # fmt: skip
    verdict = Verdict(
        status="leak", bytes_per_iteration=1024.0, ci_low=900.0, ci_high=1100.0,
        confidence=0.95, basis="rss", warmup_end=11, iterations_measured=100,
        more_iterations_needed=None, reason="grows", signals=(signal,),
    )  # fmt: skip
    suspect = Suspect(
        file="/app/cache.py", line=7, source="_kept.append(bytes(1024))",
        bytes_per_iteration=1040.0, allocations_per_iteration=1.0, share=1.0,
        windows_growing=4, windows=4,
        traceback=(Frame("/app/cache.py", 7, True), Frame("/app/main.py", 3, True)),
    )  # fmt: skip
    values: dict[str, Any] = dict(
        target="app.py:work", verdict=verdict, suspects=(suspect,), iterations=(1, 2, 3),
        series={"rss": (1.0, math.nan, 3.0), "traced": (math.inf, None, 2.0)}, phase=(0, 1, 0),
    )  # fmt: skip
    values.update(changes)
    return Report(**values)


def strict_loads(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_json_is_the_report_dict() -> None:
    report = make_report()
    assert strict_loads(render_json(report)) == report.to_dict()


def test_json_carries_the_verdict_and_suspect_fields_tools_rely_on() -> None:
    data = strict_loads(render_json(make_report()))
    assert data["schema_version"] == 2
    assert data["verdict"]["status"] == "leak"
    assert data["verdict"]["bytes_per_iteration"] == 1024.0
    suspect = data["suspects"][0]
    assert (suspect["file"], suspect["line"], suspect["bytes_per_iteration"]) == (
        "/app/cache.py", 7, 1040.0,
    )  # fmt: skip
    assert suspect["traceback"] == ["/app/cache.py:7", "/app/main.py:3"]


def test_missing_and_infinite_values_become_null() -> None:
    data = strict_loads(render_json(make_report()))
    assert data["series"]["rss"] == [1.0, None, 3.0]
    assert data["series"]["traced"] == [None, None, 2.0]
    assert data["verdict"]["signals"][0]["warmup_growth"] is None


def test_target_failure_is_in_the_json() -> None:
    failure = TargetFailure(iteration=5, type="ValueError", message="boom")
    data = strict_loads(render_json(make_report(target_failure=failure)))
    assert data["target_failure"] == {
        "iteration": 5, "type": "ValueError", "message": "boom", "traceback": [],
    }  # fmt: skip


def test_a_report_without_suspects_or_failure_has_empty_values() -> None:
    data = strict_loads(render_json(make_report(suspects=())))
    assert data["suspects"] == []
    assert data["target_failure"] is None


def test_renderers_are_registered_with_their_file_extensions() -> None:
    assert RENDERERS["json"].EXTENSION == ".json"
    assert RENDERERS["terminal"].EXTENSION == ".txt"
    assert RENDERERS["json"].render(make_report()) == render_json(make_report())


@pytest.mark.parametrize(
    "section", ["top level", "verdict", "signals", "suspects", "target_failure"]
)
def test_the_schema_document_names_every_field(section: str) -> None:
    data = make_report(target_failure=TargetFailure(5, "ValueError", "boom")).to_dict()
    fields = {
        "top level": data,
        "verdict": data["verdict"],
        "signals": data["verdict"]["signals"][0],
        "suspects": data["suspects"][0],
        "target_failure": data["target_failure"],
    }[section]
    documented = SCHEMA_DOC.read_text(encoding="utf-8")
    missing = [key for key in fields if f"`{key}`" not in documented]
    assert missing == []
