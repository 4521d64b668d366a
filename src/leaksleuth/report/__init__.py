"""The one Report model that every renderer reads, and the function that builds it."""

from leaksleuth.report._model import (
    STATUSES,
    Frame,
    Holder,
    Report,
    SignalTrend,
    Suspect,
    TargetFailure,
    TypeGrowth,
    Verdict,
)

__all__ = [
    "STATUSES",
    "Frame",
    "Holder",
    "Report",
    "SignalTrend",
    "Suspect",
    "TargetFailure",
    "TypeGrowth",
    "Verdict",
]
