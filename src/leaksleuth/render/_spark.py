"""Sparklines: a series of numbers as one line of unicode blocks, one block per column.

Pure functions on plain sequences, so the terminal renderer only adds styles::

    >>> sparkline([1, 2, 3, 4], width=4).text
    '▁▃▆█'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

BLOCKS = "▁▂▃▄▅▆▇█"
GAP = " "  # a column with no usable sample


@dataclass(frozen=True)
class Sparkline:
    """One drawn series: ``text`` has one character per column."""

    text: str
    warmup_columns: int  # leading columns whose first iteration is still warm-up
    samples: int  # usable samples drawn
    skipped: int  # samples left out on purpose (``skip``)


def column_bounds(n: int, width: int) -> list[range]:
    """Split ``n`` samples into at most ``width`` contiguous, nearly equal columns."""
    columns = max(0, min(n, width))
    return [range(c * n // columns, (c + 1) * n // columns) for c in range(columns)]


def usable(
    values: Sequence[Optional[float]], skip: Sequence[bool] = (), indexes: Optional[range] = None
) -> list[float]:
    """The samples worth drawing among ``indexes`` (default: all): finite, not skipped."""
    kept: list[float] = []
    for i in range(len(values)) if indexes is None else indexes:
        value = values[i]
        if value is None or not math.isfinite(value) or (i < len(skip) and skip[i]):
            continue
        kept.append(float(value))
    return kept


def _mean(samples: list[float]) -> Optional[float]:
    return math.fsum(samples) / len(samples) if samples else None


def _block(value: Optional[float], low: float, high: float) -> str:
    if value is None:
        return GAP
    if high <= low:
        return BLOCKS[0]
    return BLOCKS[round((value - low) / (high - low) * (len(BLOCKS) - 1))]


def sparkline(
    values: Sequence[Optional[float]],
    *,
    width: int,
    iterations: Sequence[int] = (),
    warmup_end: int = 0,
    skip: Sequence[bool] = (),
) -> Sparkline:
    """Draw ``values`` in at most ``width`` columns, averaging samples that share a column.

    NaN and None are left out, as are samples where ``skip[i]`` is true; a column left with
    nothing is drawn as a gap. ``iterations[i]`` numbers sample ``i``; columns starting
    before ``warmup_end`` count as warm-up.
    """
    bounds = column_bounds(len(values), width)
    means = [_mean(usable(values, skip, column)) for column in bounds]
    drawn = [m for m in means if m is not None]
    low, high = (min(drawn), max(drawn)) if drawn else (0.0, 0.0)
    kept = usable(values, skip)
    starts = [iterations[c[0]] for c in bounds if c and c[0] < len(iterations)]
    return Sparkline(
        text="".join(_block(m, low, high) for m in means),
        warmup_columns=sum(1 for start in starts if start < warmup_end),
        samples=len(kept),
        skipped=sum(1 for flag in skip[: len(values)] if flag),
    )
