"""torch's memory told apart: autograd history kept, tensors kept, the caching allocator.

Pure functions over what the probe recorded: the two looks at the program's tensors
around the burst (``capture.retention["torch"]``), torch's CUDA allocator history over
the same window, and the ``gpu_allocated``/``gpu_reserved`` series.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from leaksleuth.analysis._holders import group_holders
from leaksleuth.analysis._sources import SourceClassifier, source_line
from leaksleuth.analysis._wording import amount
from leaksleuth.capture import Capture
from leaksleuth.report import Diagnosis, GpuSite, SignalTrend, Verdict

_MAX_SITES = 5
_QUIET = ("flat", "plateau")
AUTOGRAD_FIX = (
    "keep a number, not the graph: accumulate loss.item() (or loss.detach()) instead of "
    "the loss tensor, and detach whatever else you keep from one iteration to the next"
)
KEPT_TENSORS_FIX = (
    "drop tensors you no longer need: bound the container (a deque with maxlen, a fixed "
    "window), or keep .item(), .detach().cpu() copies or summaries instead"
)
KEPT_GRAPH_FIX = (
    "keep the value, not the tensor: append loss.item() (or loss.detach(), .cpu() for a "
    "copy) so that each iteration's graph can be freed"
)
FRAGMENTATION_FIX = (
    "the allocator cannot reuse its free blocks for the sizes asked: set "
    "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True, keep input sizes to a few buckets "
    "(pad batches), or call torch.cuda.empty_cache() between phases"
)


def _first_user(frames: Sequence[Sequence[Any]], classifier: SourceClassifier) -> int:
    for i, f in enumerate(frames):
        if classifier.is_user(str(f[0])):
            return i
    return 0


def gpu_sites(capture: Capture, classifier: SourceClassifier) -> Tuple[GpuSite, ...]:
    """The lines whose CUDA blocks, allocated in the recorded window, are still alive:
    at least one block per two iterations (a one-off buffer is not a leak)."""
    window = ((capture.retention or {}).get("torch") or {}).get("gpu_window") or {}
    n = int(window.get("iterations") or 0)
    if n <= 0:
        return ()
    by: Dict[Tuple[str, int], List[Any]] = {}
    for stack in window.get("stacks") or ():
        frames = [tuple(f) for f in stack["frames"]]
        if not frames:
            continue
        i = _first_user(frames, classifier)
        key = (str(frames[i][0]), int(frames[i][1]))
        entry = by.setdefault(key, [0, 0, frames[i:], str(frames[i][2])])
        entry[0] += int(stack["blocks"])
        entry[1] += int(stack["bytes"])
    sites = [
        GpuSite(
            file=file,
            line=line,
            source=source_line(file, line),
            function=function,
            bytes_per_iteration=size / n,
            blocks_per_iteration=blocks / n,
            python=tuple(f"{f[0]}:{f[1]}" for f in frames),
        )
        for (file, line), (blocks, size, frames, function) in by.items()
        if blocks >= n / 2
    ]
    sites.sort(key=lambda s: -s.bytes_per_iteration)
    return tuple(sites[:_MAX_SITES])


def _where(held: Mapping[str, Any], classifier: SourceClassifier) -> str:
    for file, line in held.get("traceback") or ():
        if classifier.is_user(str(file)):
            return f"{os.path.basename(str(file))}:{line}"
    return ""


def _autograd(found: Mapping[str, Any], classifier: SourceClassifier) -> Optional[Diagnosis]:
    held = found.get("graph_holder")
    if not held:
        return None
    holder = group_holders([held])[0][0]
    n = int(found.get("iterations") or 0)
    before, after = int(found.get("graph_before") or 0), int(found.get("graph_after") or 0)
    kept_in = holder.path[0] if holder.path else holder.root
    per = (after - before) / n if n else 0.0
    return Diagnosis(
        pattern="autograd_history",
        summary=f"autograd history kept: a tensor in {kept_in} carries the graph of every "
        "iteration (and the activations saved for backward, until a backward() frees them)",
        evidence=f"the largest autograd graph a live tensor carries grew from {before:,} to "
        f"{after:,} nodes over {n} iterations ({per:.3g} per iteration)",
        fix=AUTOGRAD_FIX,
        where=_where(held, classifier),
        holder=holder,
    )


def _kept_where(own: float, sites: Sequence[GpuSite]) -> str:
    """The line whose CUDA blocks still alive add up to what the kept tensors hold: the
    largest such site within a factor of two (a tensor's block is rounded up to 512 B)."""
    for s in sites:
        if own > 0 and own / 2 <= s.bytes_per_iteration <= own * 2:
            return f"{os.path.basename(s.file)}:{s.line}"
    return ""


def _kept(found: Mapping[str, Any], sites: Sequence[GpuSite] = ()) -> List[Diagnosis]:
    n = int(found.get("iterations") or 0)
    out = []
    for g in (found.get("tensor_groups") or ())[:3]:
        per = (int(g["after"]) - int(g["before"])) / n if n else 0.0
        where = _kept_where(per * float(g["bytes_each"]), sites) if "cuda" in g["group"] else ""
        own = f"{amount(per * float(g['bytes_each']), 'bytes')} per iteration"
        summary = f"tensors kept: {g['group']} tensors pile up, {per:.3g} per iteration"
        evidence = (
            f"{g['before']:,} live {g['group']} tensors, then {g['after']:,} {n} iterations later"
        )
        fix = KEPT_TENSORS_FIX
        if g.get("with_graph"):
            summary += f" ({own} of their own), each with its autograd graph"
            evidence += (
                "; each new one carries a grad_fn, so its graph stays alive with it (and the "
                "activations saved for backward, until a backward() frees them)"
            )
            fix = KEPT_GRAPH_FIX
        else:
            summary += f" ({own})"
        out.append(Diagnosis("kept_tensors", summary, evidence, fix, where=where))
    return out


def _allocator(
    allocated: Optional[SignalTrend], reserved: Optional[SignalTrend]
) -> Optional[Diagnosis]:
    """torch's reserve against its tensors: growing reserve over flat tensors."""
    if reserved is None or allocated is None or allocated.status not in _QUIET:
        return None
    if reserved.status == "leak":
        return Diagnosis(
            pattern="allocator_fragmentation",
            summary="the caching allocator's reserve keeps growing while the bytes in tensors "
            "stay flat: fragmentation, not the program's tensors",
            evidence=f"GPU reserved rises {amount(reserved.slope, 'bytes')} per iteration; GPU "
            f"allocated is {allocated.status}",
            fix=FRAGMENTATION_FIX,
        )
    if reserved.status == "plateau" and reserved.warmup_growth > 0:
        return Diagnosis(
            pattern="allocator_cache",
            summary="the caching allocator reserved memory once and keeps it: its cache, "
            "not a leak",
            evidence=f"GPU reserved grew {amount(reserved.warmup_growth, 'bytes')} during warm-up, "
            "then stayed; GPU allocated is " + allocated.status,
            fix="nothing to fix; torch.cuda.empty_cache() hands the cache back if another "
            "process needs the memory",
        )
    return None


def torch_diagnoses(
    capture: Capture,
    verdict: Verdict,
    trends: Mapping[str, SignalTrend],
    classifier: SourceClassifier,
) -> Tuple[Diagnosis, ...]:
    """Findings for a growing verdict, and the allocator's story for any verdict."""
    out: List[Diagnosis] = []
    found = (capture.retention or {}).get("torch") or {}
    if verdict.status in ("leak", "inconclusive") and found:
        autograd = _autograd(found, classifier)
        out.extend([autograd] if autograd else [])
        out.extend(_kept(found, gpu_sites(capture, classifier)))
    allocator = _allocator(trends.get("gpu_allocated"), trends.get("gpu_reserved"))
    out.extend([allocator] if allocator else [])
    return tuple(out)


def with_story(verdict: Verdict, diagnoses: Sequence[Diagnosis]) -> Verdict:
    """A leak verdict names the recognised cause in its one-line reason."""
    causes = [d for d in diagnoses if d.pattern in ("autograd_history", "kept_tensors")]
    if verdict.status != "leak" or not causes:
        return verdict
    return replace(verdict, reason=f"{verdict.reason}; {causes[0].summary.split(':')[0]}")
