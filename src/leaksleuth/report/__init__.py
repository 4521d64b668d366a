"""The one Report model that every renderer reads, and the function that builds it."""

from leaksleuth.report._model import (
    KINDS,
    PATTERNS,
    STATUSES,
    Diagnosis,
    Frame,
    GpuSite,
    Holder,
    MemoryPart,
    NativeStack,
    Report,
    RouteReport,
    SignalTrend,
    Suspect,
    TargetFailure,
    TypeGrowth,
    Verdict,
)

__all__ = [
    "KINDS",
    "PATTERNS",
    "STATUSES",
    "Diagnosis",
    "Frame",
    "GpuSite",
    "Holder",
    "MemoryPart",
    "NativeStack",
    "Report",
    "RouteReport",
    "SignalTrend",
    "Suspect",
    "TargetFailure",
    "TypeGrowth",
    "Verdict",
]
