"""Pass, warn or fail for a checked test (leaksleuth._gate)."""

from __future__ import annotations

import dataclasses

import pytest

from leaksleuth._errors import UsageError
from leaksleuth._gate import Gate, judge, parse_bytes, parse_inconclusive, parse_kinds
from tests.unit.test_render_terminal import make_report, make_verdict


def _leak(rate: float, low: float, high: float, kind: str = "python"):
    verdict = make_verdict("leak", bytes_per_iteration=rate, ci_low=low, ci_high=high, kind=kind)
    return dataclasses.replace(make_report("leak"), verdict=verdict)


def test_a_leak_fails_and_no_growth_passes() -> None:
    assert judge(_leak(1229, 1126, 1331), Gate()).outcome == "fail"
    assert judge(_leak(1229, 1126, 1331), Gate()).reason == "leak of 1.2 KiB per iteration"
    for status in ("flat", "plateau"):
        assert judge(make_report(status), Gate()).outcome == "pass"


def test_the_allowance_passes_a_leak_within_it_and_doubts_one_that_straddles_it() -> None:
    gate = Gate(allowance=2048)
    assert judge(_leak(1229, 1126, 1331), gate).outcome == "pass"
    straddling = judge(_leak(2100, 1900, 2300), gate)
    assert straddling.outcome == "warn" and "may be within 2.0 KiB" in straddling.reason
    assert (
        judge(_leak(2100, 1900, 2300), dataclasses.replace(gate, inconclusive="fail")).outcome
        == "fail"
    )
    assert judge(_leak(4096, 3900, 4300), gate).outcome == "fail"


def test_only_the_counted_kinds_fail() -> None:
    gate = Gate(kinds=frozenset({"native"}))
    passed = judge(_leak(1229, 1126, 1331, kind="python"), gate)
    assert passed.outcome == "pass" and "not a counted kind (native)" in passed.reason
    assert judge(_leak(1229, 1126, 1331, kind="native"), gate).outcome == "fail"


def test_inconclusive_warns_with_the_iterations_that_would_decide_or_fails_on_request() -> None:
    report = dataclasses.replace(
        make_report("inconclusive"),
        verdict=make_verdict("inconclusive", more_iterations_needed=1800),
    )
    warned = judge(report, Gate())
    assert warned.outcome == "warn"
    assert warned.reason == "inconclusive; about 1,800 more iterations would likely decide"
    assert judge(report, Gate(inconclusive="fail")).outcome == "fail"


@pytest.mark.parametrize(
    ("text", "expected"),
    [(512, 512.0), ("2 KiB", 2048.0), ("1.5kb", 1500.0), ("1M", 2**20), ("0", 0.0)],
)
def test_byte_counts(text: object, expected: float) -> None:
    assert parse_bytes(text) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["lots", "-1", "2 KiBs", True, "nan"])
def test_bad_byte_counts(text: object) -> None:
    with pytest.raises(UsageError):
        parse_bytes(text)  # type: ignore[arg-type]


def test_kinds_and_inconclusive_parse_or_say_what_is_known() -> None:
    assert parse_kinds("python, Native") == {"python", "native"}
    assert parse_kinds(["gpu"]) == {"gpu"}
    assert parse_kinds(None) is None and parse_kinds("all") is None
    with pytest.raises(UsageError, match=r"unknown kind of memory: heap \(known: python"):
        parse_kinds("heap")
    assert parse_inconclusive(" FAIL ") == "fail"
    with pytest.raises(UsageError):
        parse_inconclusive("ignore")
