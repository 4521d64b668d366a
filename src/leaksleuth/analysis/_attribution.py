"""Attribution: the allocation sites whose live memory grows in every window of a burst.

One snapshot diff is noise (+25 MiB in one window, -2 MiB in the next). A burst gives
several consecutive windows; a site is a suspect only if its live bytes never shrink,
grow in most windows and in the last one. Tracebacks are grouped by their innermost
frame in user code, because a library's allocation is usually caused by the user's call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from leaksleuth.analysis._sources import SourceClassifier, source_line
from leaksleuth.capture import Burst, FrameKey
from leaksleuth.report import Frame, Suspect

Traceback = Tuple[FrameKey, ...]


@dataclass(frozen=True)
class AttributionConfig:
    """Thresholds for calling a site's growth consistent."""

    min_bytes_per_iteration: float = 8.0
    min_growing_fraction: float = 2.0 / 3.0
    shrink_tolerance: float = 0.02  # relative drop still counted as "did not shrink"
    max_suspects: int = 10
    max_frames: int = 12


@dataclass
class _Site:
    sizes: List[int]
    counts: List[int]
    variants: Dict[Traceback, int]  # traceback -> bytes at the last snapshot


def site_key(tb: Traceback, classifier: SourceClassifier) -> FrameKey:
    """The innermost user frame of a traceback, or its innermost frame if none is user code."""
    for frame in tb:
        if classifier.is_user(frame[0]):
            return frame
    return tb[0] if tb else ("<unknown>", 0)


def group_sites(burst: Burst, classifier: SourceClassifier) -> Dict[FrameKey, _Site]:
    """Sum every snapshot's tracebacks per site, keeping the tracebacks as variants."""
    n = len(burst.snapshots)
    sites: Dict[FrameKey, _Site] = {}
    for j, table in enumerate(burst.snapshots):
        for tb, (size, count) in table.items():
            key = site_key(tb, classifier)
            site = sites.get(key)
            if site is None:
                site = sites[key] = _Site([0] * n, [0] * n, {})
            site.sizes[j] += size
            site.counts[j] += count
            if j == n - 1:
                site.variants[tb] = site.variants.get(tb, 0) + size
    return sites


def is_consistent(sizes: Sequence[int], config: AttributionConfig) -> Tuple[bool, int]:
    """Whether sizes grow window after window; also returns how many windows grew.

    >>> is_consistent([0, 100, 200, 300], AttributionConfig())
    (True, 3)
    >>> is_consistent([0, 500, 100, 600], AttributionConfig())
    (False, 2)
    """
    deltas = [b - a for a, b in zip(sizes, sizes[1:])]
    if not deltas:
        return False, 0
    growing = sum(1 for d in deltas if d > 0)
    shrank = any(d < -max(64.0, config.shrink_tolerance * a) for a, d in zip(sizes, deltas))
    enough = growing >= math.ceil(config.min_growing_fraction * len(deltas))
    return (not shrank and enough and deltas[-1] > 0), growing


def find_suspects(
    bursts: Sequence[Burst],
    classifier: SourceClassifier,
    config: AttributionConfig = AttributionConfig(),
) -> Tuple[Suspect, ...]:
    """Rank the consistently growing sites of the latest burst by bytes per iteration."""
    usable = [b for b in bursts if len(b.snapshots) >= 3]
    if not usable:
        return ()
    burst = usable[-1]
    span = burst.iterations[-1] - burst.iterations[0]
    found = []
    for key, site in group_sites(burst, classifier).items():
        ok, growing = is_consistent(site.sizes, config)
        rate = (site.sizes[-1] - site.sizes[0]) / span
        if ok and rate >= config.min_bytes_per_iteration:
            found.append((rate, key, site, growing))
    found.sort(key=lambda item: -item[0])
    total = sum(item[0] for item in found) or 1.0
    windows = len(burst.snapshots) - 1
    return tuple(
        _suspect(key, site, rate, rate / total, growing, windows, span, classifier, config)
        for rate, key, site, growing in found[: config.max_suspects]
    )


def _suspect(
    key: FrameKey,
    site: _Site,
    rate: float,
    share: float,
    growing: int,
    windows: int,
    span: int,
    classifier: SourceClassifier,
    config: AttributionConfig,
) -> Suspect:
    main_tb = max(site.variants.items(), key=lambda kv: kv[1])[0] if site.variants else (key,)
    frames = tuple(
        Frame(file=f, line=n, user=classifier.is_user(f), source=source_line(f, n))
        for f, n in main_tb[: config.max_frames]
    )
    return Suspect(
        file=key[0],
        line=key[1],
        source=source_line(key[0], key[1]),
        bytes_per_iteration=rate,
        allocations_per_iteration=(site.counts[-1] - site.counts[0]) / span,
        share=share,
        windows_growing=growing,
        windows=windows,
        traceback=frames,
        variants=max(1, len(site.variants)),
    )
