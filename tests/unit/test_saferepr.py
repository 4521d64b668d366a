from __future__ import annotations

from typing import Any

import pytest

from leaksleuth.probe._saferepr import MASK, redact_text, safe_repr


class Loud:
    """A class whose repr must never be called."""

    calls = 0

    def __repr__(self) -> str:
        Loud.calls += 1
        raise RuntimeError("repr called")


class Session:
    def __init__(self) -> None:
        self.user = "ada"
        self.password = "hunter2-correct-horse"
        self.token = "abc"


@pytest.mark.parametrize(
    "secret",
    [
        "Authorization: Bearer abcdefghijklmnop1234",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "AKIAIOSFODNN7EXAMPLE",
        "sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "postgres://admin:s3cr3t-pw@db.internal:5432/app",
        "password=letmein123 user=bob",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ],
)
def test_secrets_in_text_are_masked(secret: str) -> None:
    out = redact_text(secret)
    assert MASK in out
    for fragment in ("abcdefghijklmnop1234", "EXAMPLE", "s3cr3t-pw", "letmein123", "4f9a8b7c"):
        assert fragment not in out


def test_ordinary_text_is_left_alone() -> None:
    text = "frame 12 of camera-3: 4 faces found in 0.02 s"
    assert redact_text(text) == text


def test_values_under_secret_keys_are_masked_in_dicts_and_instances() -> None:
    out = safe_repr({"user": "ada", "api_key": "12345", "Password": "x"})
    assert "'ada'" in out and "12345" not in out and out.count(MASK) == 2
    inst = safe_repr(Session())
    assert "hunter2" not in inst and "user='ada'" in inst and "Session" in inst


def test_redaction_can_be_turned_off() -> None:
    assert "12345" in safe_repr({"api_key": "12345"}, redact=False)
    assert "hunter2" in safe_repr(Session(), redact=False)


def test_user_defined_repr_is_never_called() -> None:
    out = safe_repr(Loud())
    assert Loud.calls == 0
    assert out.startswith("<") and "Loud" in out
    assert "Loud" in safe_repr([Loud(), Loud()])
    assert Loud.calls == 0


@pytest.mark.parametrize(
    "value",
    [
        "x" * 100_000,
        b"\x00" * 100_000,
        list(range(100_000)),
        {i: str(i) for i in range(10_000)},
        10**5000,
        [[[[[1]]]]],
    ],
    ids=["str", "bytes", "list", "dict", "huge-int", "nested"],
)
def test_descriptions_are_short_whatever_the_size(value: Any) -> None:
    out = safe_repr(value, limit=120)
    assert len(out) <= 120


def test_large_containers_say_how_many_items_they_hold() -> None:
    assert "100,000 items" in safe_repr(list(range(100_000)))
    assert "4,096 bytes" in safe_repr(bytearray(4096))
