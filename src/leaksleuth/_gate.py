"""Pass, warn or fail: what a report means for a test that must not leak.

The pytest plugin asks this of every checked test; anything else that gates on a
verdict (a CI script over ``check()``) can ask it too::

    gate = Gate(allowance=parse_bytes("1 KiB"), kinds=parse_kinds("python,native"))
    judgement = judge(report, gate)   # .outcome: "fail" | "warn" | "pass"
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import FrozenSet, Iterable, Optional, Union

from leaksleuth._errors import UsageError
from leaksleuth.report import KINDS, Report

INCONCLUSIVE_ACTIONS = ("warn", "fail")

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "k": 1024,
    "m": 1024**2,
    "g": 1024**3,
}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Gate:
    """What a checked unit of work may do and still pass.

    ``allowance``: bytes per iteration a leak may grow by and still pass (0: none).
    ``kinds``: the kinds of memory whose leak counts (see ``report.KINDS``; None: all).
    ``inconclusive``: "warn" (the default) or "fail".
    """

    allowance: float = 0.0
    kinds: Optional[FrozenSet[str]] = None
    inconclusive: str = "warn"


@dataclass(frozen=True)
class Judgement:
    """``outcome``: fail, warn or pass; ``reason``: one line saying why."""

    outcome: str
    reason: str


def judge(report: Report, gate: Gate) -> Judgement:
    """The outcome for one report under ``gate``.

    A leak fails when its kind counts and its growth is clearly above the allowance (the
    low end of its interval); one whose estimate is within the allowance passes, and
    one whose interval straddles it is undecided, like an inconclusive verdict.
    """
    verdict = report.verdict
    status = verdict.status
    if status in ("flat", "plateau"):
        return Judgement("pass", f"no leak ({status})")
    if status == "leak":
        kind = verdict.kind
        if gate.kinds is not None and kind and kind not in gate.kinds:
            counted = ", ".join(sorted(gate.kinds))
            return Judgement("pass", f"leak of {kind} memory, not a counted kind ({counted})")
        rate = verdict.bytes_per_iteration
        if gate.allowance > 0 and math.isfinite(rate):
            allowed = _bytes(gate.allowance)
            if rate <= gate.allowance:
                return Judgement("pass", f"leak of {_bytes(rate)} per iteration, within {allowed}")
            if math.isfinite(verdict.ci_low) and verdict.ci_low <= gate.allowance:
                return _undecided(
                    gate, f"leak of {_bytes(rate)} per iteration, which may be within {allowed}"
                )
        return Judgement("fail", f"leak of {_bytes(rate)} per iteration")
    more = verdict.more_iterations_needed
    tail = f"; about {more:,} more iterations would likely decide" if more else ""
    return _undecided(gate, f"inconclusive{tail}")


def _undecided(gate: Gate, reason: str) -> Judgement:
    return Judgement("fail" if gate.inconclusive == "fail" else "warn", reason)


def _bytes(n: float) -> str:
    from leaksleuth.render._units import format_bytes

    return format_bytes(n) if math.isfinite(n) else "an unknown number of bytes"


def parse_bytes(value: Union[int, float, str]) -> float:
    """A byte count from a number or text such as ``512``, ``"2 KiB"`` or ``"1.5kb"``
    (kB, MB, GB are powers of 1000; KiB, MiB, GiB and K, M, G powers of 1024)."""
    if isinstance(value, bool):
        raise UsageError(f"not a byte count: {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        match = _SIZE.match(str(value))
        unit = match.group(2).lower() if match else ""
        if match is None or unit not in _UNITS:
            raise UsageError(f"not a byte count: {value!r} (try 512, '2 KiB' or '1 MB')")
        number = float(match.group(1)) * _UNITS[unit]
    if not (number >= 0 and math.isfinite(number)):
        raise UsageError(f"a byte count must be 0 or more: {value!r}")
    return number


def parse_kinds(value: Union[str, Iterable[str], None]) -> Optional[FrozenSet[str]]:
    """The kinds of memory named by ``"python,native"`` or a list of names; None or
    ``"all"`` means every kind."""
    if value is None:
        return None
    names = value.split(",") if isinstance(value, str) else list(value)
    kinds = frozenset(n.strip().lower() for n in names if n.strip())
    if not kinds or kinds == {"all"}:
        return None
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        raise UsageError(
            f"unknown kind of memory: {', '.join(unknown)} (known: {', '.join(KINDS)})"
        )
    return kinds


def parse_inconclusive(value: str) -> str:
    """``warn`` or ``fail``."""
    action = str(value).strip().lower()
    if action not in INCONCLUSIVE_ACTIONS:
        raise UsageError(f"inconclusive must be 'warn' or 'fail', not {value!r}")
    return action
