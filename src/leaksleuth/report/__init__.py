"""The one Report model that every renderer reads, and the function that builds it."""

from leaksleuth.report._model import (
    STATUSES,
    Frame,
    Report,
    SignalTrend,
    Suspect,
    TargetFailure,
    Verdict,
)

__all__ = ["STATUSES", "Frame", "Report", "SignalTrend", "Suspect", "TargetFailure", "Verdict"]
