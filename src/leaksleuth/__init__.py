"""leaksleuth: does a repeated unit of work leak memory, where, and why.

>>> import leaksleuth
>>> report = leaksleuth.check(lambda: None, max_iterations=150)
>>> report.verdict.status in ("flat", "plateau")
True

The names below load on first use: installing leaksleuth registers its pytest plugin,
which imports this package in every pytest run, and that must cost next to nothing.
``%load_ext leaksleuth`` loads the IPython extension (see ``load_ipython_extension``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from leaksleuth._api import CheckOptions, Watch, check, watch
    from leaksleuth._errors import (
        CaptureError,
        LeaksleuthError,
        TargetError,
        TargetNotCallable,
        TargetNotFound,
        UsageError,
    )
    from leaksleuth.capture import Capture
    from leaksleuth.report import Frame, Report, SignalTrend, Suspect, TargetFailure, Verdict
    from leaksleuth.runner._state import tick

__version__ = "0.1.0"

_WHERE = {
    "CheckOptions": "leaksleuth._api",
    "Watch": "leaksleuth._api",
    "check": "leaksleuth._api",
    "watch": "leaksleuth._api",
    "CaptureError": "leaksleuth._errors",
    "LeaksleuthError": "leaksleuth._errors",
    "TargetError": "leaksleuth._errors",
    "TargetNotCallable": "leaksleuth._errors",
    "TargetNotFound": "leaksleuth._errors",
    "UsageError": "leaksleuth._errors",
    "Capture": "leaksleuth.capture",
    "Frame": "leaksleuth.report",
    "Report": "leaksleuth.report",
    "SignalTrend": "leaksleuth.report",
    "Suspect": "leaksleuth.report",
    "TargetFailure": "leaksleuth.report",
    "Verdict": "leaksleuth.report",
    "tick": "leaksleuth.runner._state",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'leaksleuth' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain one
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext leaksleuth``: the ``%%leaksleuth`` cell magic and ``%leaksleuth_last``."""
    from leaksleuth._ipython import load

    load(ipython)


__all__ = [
    "CaptureError",
    "Capture",
    "CheckOptions",
    "Frame",
    "LeaksleuthError",
    "Report",
    "SignalTrend",
    "Suspect",
    "TargetError",
    "TargetFailure",
    "TargetNotCallable",
    "TargetNotFound",
    "UsageError",
    "Verdict",
    "Watch",
    "check",
    "tick",
    "watch",
]
