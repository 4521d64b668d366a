"""The corpus's declared truth of diagnosis: every leak states one, checked against
leaksleuth's patterns; a non-leak states none; every replay states its leaky run's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leaksleuth.report import PATTERNS
from tests.scenarios._corpus import (
    SETS,
    Scenario,
    ScenarioError,
    diagnosis_right,
    load_scenario,
    load_scenarios,
    parse_diagnosis,
    replay_diagnosis,
)

REPLAYS = Path(__file__).parent.parent / "scenarios" / "replays"


@pytest.mark.parametrize("set_name", SETS)
def test_every_leak_declares_its_diagnosis_and_no_non_leak_does(set_name: str) -> None:
    scenarios = load_scenarios(set_name)
    for s in scenarios:
        assert all(p in PATTERNS for p in s.diagnosis), s.id
        if not s.is_leak:
            assert s.diagnosis == (), s.id
    if set_name.startswith("real"):  # every real leak has a pattern that tells it
        assert all(s.diagnosis for s in scenarios if s.is_leak)


def test_every_replay_declares_its_leaky_diagnosis_and_library() -> None:
    names = sorted(n for n in os.listdir(REPLAYS) if n.endswith(".py") and not n.startswith("_"))
    assert names
    for name in names:
        diagnosis, library = replay_diagnosis(str(REPLAYS / name))
        assert diagnosis and all(p in PATTERNS for p in diagnosis), name
        assert library and all(lib.isidentifier() for lib in library), name


def test_a_pattern_outside_leaksleuths_is_refused() -> None:
    assert parse_diagnosis("growing_container", "x.py") == ("growing_container",)
    assert parse_diagnosis(("numpy_view", "growing_container"), "x.py") == (
        "numpy_view",
        "growing_container",
    )
    assert parse_diagnosis((), "x.py") == ()
    with pytest.raises(ScenarioError, match="not in leaksleuth"):
        parse_diagnosis("global_list", "x.py")
    with pytest.raises(ScenarioError, match="pattern name or a tuple"):
        parse_diagnosis(["growing_container"], "x.py")


_LEAK = """EXPECT = "leak"
{line}
_KEPT = []


def step():
    _KEPT.append(object())  # SITE
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "leak_example.py"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_leak_without_a_diagnosis_or_a_non_leak_with_one_is_refused(tmp_path: Path) -> None:
    ok = load_scenario(
        _write(tmp_path, _LEAK.format(line='DIAGNOSIS = "growing_container"')), "tuning"
    )
    assert ok.diagnosis == ("growing_container",)
    with pytest.raises(ScenarioError, match="must declare its right DIAGNOSIS"):
        load_scenario(_write(tmp_path, _LEAK.format(line="")), "tuning")
    with pytest.raises(ScenarioError, match="not in leaksleuth"):
        load_scenario(_write(tmp_path, _LEAK.format(line='DIAGNOSIS = "leak"')), "tuning")
    flat = 'EXPECT = "flat"\nDIAGNOSIS = "growing_container"\n\n\ndef step():\n    pass\n'
    with pytest.raises(ScenarioError, match="only a leak declares a DIAGNOSIS"):
        load_scenario(_write(tmp_path, flat), "tuning")


def _scenario(diagnosis: tuple[str, ...], library: tuple[str, ...] = ()) -> Scenario:
    return Scenario(
        "w", "replays", "w.py", ("leak",), 1, None, diagnosis=diagnosis, library=library
    )


def test_diagnosis_right_wants_a_declared_pattern_and_for_a_replay_its_library() -> None:
    kept = [("growing_container", "global _KEPT (list) keeps what every call adds")]
    assert diagnosis_right(kept, _scenario(("growing_container", "kept_on_object")))
    assert not diagnosis_right(kept, _scenario(("listeners",)))
    assert not diagnosis_right([], _scenario(("listeners",)))
    assert diagnosis_right([], _scenario(()))  # no pattern fits: right is telling none
    native = [("native_leak", "native memory leaks inside pydantic_core 2.14.5")]
    assert diagnosis_right(native, _scenario(("native_leak",), ("pydantic", "pydantic_core")))
    assert not diagnosis_right(native, _scenario(("native_leak",), ("numpy",)))
