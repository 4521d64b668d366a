"""leaksleuth: does a repeated unit of work leak memory, where, and why.

>>> import leaksleuth
>>> report = leaksleuth.check(lambda: None, max_iterations=150)
>>> report.verdict.status in ("flat", "plateau")
True

``%load_ext leaksleuth`` loads the IPython extension (see ``load_ipython_extension``).
"""

from typing import Any

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
from leaksleuth.profiles._lines import LineProfile, LineStat, line_profile, profile_lines
from leaksleuth.report import Frame, Report, SignalTrend, Suspect, TargetFailure, Verdict
from leaksleuth.runner._state import tick

__version__ = "0.1.0"


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
    "LineProfile",
    "LineStat",
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
    "line_profile",
    "profile_lines",
    "tick",
    "watch",
]
