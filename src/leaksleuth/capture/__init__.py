"""Plain data recorded by the probe: per-iteration samples and tracemalloc bursts.

The probe writes these; analysis reads them. Nothing here refers to live objects.
"""

from leaksleuth.capture._model import (
    SIGNALS,
    Burst,
    Capture,
    FrameKey,
    RecordedError,
    SiteTable,
)

__all__ = ["SIGNALS", "Burst", "Capture", "FrameKey", "RecordedError", "SiteTable"]
