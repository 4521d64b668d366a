"""Which types of live objects grow: the census taken at each snapshot of a burst.

The pympler-style "types | # objects | total size" table, reduced to the types whose
count grows consistently: never falls from one census to the next, rises in most
windows and in the last. A type that grows in one window and falls back is churn.
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

from leaksleuth.capture import Burst
from leaksleuth.report import TypeGrowth

# Types whose count the tool's own work moves (frames and cells of its calls).
_TOOL_PREFIX = "leaksleuth."


def growing_types(
    bursts: Sequence[Burst], min_fraction: float = 2.0 / 3.0, limit: int = 10
) -> Tuple[TypeGrowth, ...]:
    """Types whose live count grew consistently over a burst's censuses, by bytes."""
    found: Dict[str, TypeGrowth] = {}
    for burst in bursts:
        censuses = burst.censuses
        if len(censuses) < 3 or len(censuses) != len(burst.iterations):
            continue
        span = burst.iterations[-1] - burst.iterations[0]
        if span <= 0:
            continue
        for name in censuses[-1]:
            if name.startswith(_TOOL_PREFIX):
                continue
            counts = [c.get(name, (0, 0.0))[0] for c in censuses]
            steps = [b - a for a, b in zip(counts, counts[1:])]
            rising = sum(1 for s in steps if s > 0)
            if min(steps) < 0 or steps[-1] <= 0 or rising < min_fraction * len(steps):
                continue
            rate = (counts[-1] - counts[0]) / span
            size = censuses[-1][name][1]
            growth = TypeGrowth(
                type=name,
                count=counts[-1],
                objects_per_iteration=rate,
                bytes_per_iteration=rate * size,
                windows_growing=rising,
                windows=len(steps),
            )
            old = found.get(name)
            if old is None or growth.objects_per_iteration > old.objects_per_iteration:
                found[name] = growth
    ranked: List[TypeGrowth] = sorted(
        found.values(), key=lambda g: (g.bytes_per_iteration, g.objects_per_iteration), reverse=True
    )
    return tuple(ranked[:limit])
