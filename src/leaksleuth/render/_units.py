"""Human-readable numbers: bytes in binary units, counts with separators.

Every formatter returns ``"n/a"`` for NaN or infinity, because a renderer shows what the
analysis could not compute rather than crashing on it.
"""

from __future__ import annotations

import math

_BYTE_UNITS: tuple[str, ...] = ("B", "KiB", "MiB", "GiB", "TiB")
NOT_AVAILABLE = "n/a"


def byte_unit(n: float) -> tuple[str, float]:
    """The unit that fits ``n`` bytes and its size: ``byte_unit(2048) == ("KiB", 1024.0)``."""
    size = 1.0
    for unit in _BYTE_UNITS[:-1]:
        if abs(n) < size * 1024:
            return unit, size
        size *= 1024
    return _BYTE_UNITS[-1], size


def _decimals(magnitude: float, *, whole_units: bool) -> int:
    # One decimal below 100 ("1.2 KiB", "9.5 blocks"), none above ("150 KiB"); whole
    # units (bytes, counts) drop the decimal when it is zero ("8 B", not "8.0 B").
    if abs(magnitude) >= 100 or (whole_units and magnitude == int(magnitude)):
        return 0
    return 1


def format_bytes(n: float, *, signed: bool = False) -> str:
    """Bytes in B, KiB, MiB...: ``format_bytes(1234) == "1.2 KiB"``.

    ``signed=True`` prefixes growth with ``+``: ``format_bytes(8, signed=True) == "+8 B"``.
    """
    if not math.isfinite(n):
        return NOT_AVAILABLE
    n = 0.0 if abs(n) < 0.0005 else n  # no "-0" for a rounding residue
    unit, size = byte_unit(n)
    decimals = _decimals(n / size, whole_units=unit == "B")
    text = f"{n / size:.{decimals}f} {unit}"
    return f"+{text}" if signed and n >= 0 else text


def format_count(n: float, *, signed: bool = False) -> str:
    """A count with thousands separators: ``format_count(12345) == "12,345"``."""
    if not math.isfinite(n):
        return NOT_AVAILABLE
    n = 0.0 if abs(n) < 0.0005 else n  # no "-0" for a rounding residue
    text = f"{n:,.{_decimals(n, whole_units=True)}f}"
    return f"+{text}" if signed and n >= 0 else text


def _range(low: float, high: float, decimals: int, size: float = 1.0) -> str:
    separator = "-" if low >= 0 else " to "
    return f"{low / size:,.{decimals}f}{separator}{high / size:,.{decimals}f}"


def format_byte_range(low: float, high: float) -> str:
    """An interval in one unit: ``format_byte_range(1100, 1300) == "1.1-1.3 KiB"``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return NOT_AVAILABLE
    unit, size = byte_unit(max(abs(low), abs(high)))
    widest = max(abs(low), abs(high)) / size
    whole = unit == "B" and low == int(low) and high == int(high)
    decimals = _decimals(widest, whole_units=whole)
    return f"{_range(low, high, decimals, size)} {unit}"


def format_quantity(n: float, unit: str, *, signed: bool = False) -> str:
    """``n`` of ``unit`` ("bytes", "blocks", "objects"): ``format_quantity(3, "blocks")``."""
    if unit == "bytes":
        return format_bytes(n, signed=signed)
    text = format_count(n, signed=signed)
    return text if text == NOT_AVAILABLE else f"{text} {unit}"


def format_quantity_range(low: float, high: float, unit: str) -> str:
    """An interval of ``unit``: ``format_quantity_range(1.5, 3, "blocks") == "1.5-3.0 blocks"``."""
    if unit == "bytes":
        return format_byte_range(low, high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return NOT_AVAILABLE
    whole = low == int(low) and high == int(high)
    decimals = _decimals(max(abs(low), abs(high)), whole_units=whole)
    return f"{_range(low, high, decimals)} {unit}"


def plural(count: int, noun: str) -> str:
    """``plural(1, "iteration") == "1 iteration"``, ``plural(3, ...) == "3 iterations"``."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
