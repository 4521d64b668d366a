"""The one Report model that every renderer reads, and the function that builds it."""

from leaksleuth.report._model import (
    KINDS,
    STATUSES,
    Frame,
    Holder,
    MemoryPart,
    NativeStack,
    Report,
    SignalTrend,
    Suspect,
    TargetFailure,
    TypeGrowth,
    Verdict,
)

__all__ = [
    "KINDS",
    "STATUSES",
    "Frame",
    "Holder",
    "MemoryPart",
    "NativeStack",
    "Report",
    "SignalTrend",
    "Suspect",
    "TargetFailure",
    "TypeGrowth",
    "Verdict",
]
