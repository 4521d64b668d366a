"""Why torch memory grows, seen from inside the program: only when it imported torch.

Three causes look alike in the memory figures and need different fixes:

- **autograd history kept**: a tensor that carries its autograd graph (``total = total +
  loss``) is kept from one iteration to the next, so each iteration's graph, and the
  activations it saved for backward, stay alive. The Python side sees one small tensor;
  the graph behind it grows. Told by the largest graph a live tensor carries growing by
  at least one node per iteration between two looks; fixed by keeping ``loss.item()`` or
  ``loss.detach()``.
- **tensors kept**: the count of live tensors of one dtype and shape grows (a list of
  outputs, a cache without bound).
- **the caching allocator**: what torch reserves on the GPU grows while the bytes in
  tensors do not (judged from the series, in the analysis).

:func:`look` counts live tensors by (dtype, shape, device) and measures the largest
autograd graph; it returns plain data, and :func:`compare` turns two looks into findings
(with the holder of the tensor whose graph grew). On CUDA, :func:`start_history` and
:func:`history_sites` use torch's own allocator history (with Python stacks) over a
window: the blocks allocated in it and still alive at its end, grouped by stack.

Nothing here imports torch: it reads ``sys.modules``.
"""

from __future__ import annotations

import gc
import sys
from typing import Any, Dict, List, Optional, Tuple

from leaksleuth.probe._retention import holder_of

MAX_NODES = 200_000  # an autograd graph is walked up to this many nodes
_MAX_GROUPS = 2_000  # tensor groups (dtype, shape, device) kept per look
_HISTORY_ENTRIES = 100_000
_STACK_FRAMES = 12  # Python frames kept per allocating stack


def _torch() -> Any:
    return sys.modules.get("torch")


def graph_size(fn: Any, limit: int = MAX_NODES) -> int:
    """Distinct nodes of the autograd graph reachable from ``fn`` (up to ``limit``)."""
    keep = [fn]  # the wrappers stay alive while counting, so their ids stay unique
    seen = {id(fn)}
    stack = [fn]
    while stack and len(seen) < limit:
        node = stack.pop()
        for nxt, _ in getattr(node, "next_functions", ()):
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                keep.append(nxt)
                stack.append(nxt)
    return len(seen)


def _group(t: Any) -> Tuple[str, int]:
    dtype = str(t.dtype).replace("torch.", "")
    return f"{dtype}[{', '.join(map(str, t.shape))}] on {t.device}", t.element_size() * t.nelement()


def _tensors() -> List[Any]:
    """The live tensors (gc-tracked torch.Tensor instances, Parameters included).

    ``type()``, not ``isinstance()``: the latter reads ``__class__``, which some lazy
    module proxies answer with a warning."""
    base = _torch().Tensor
    kinds: Dict[type, bool] = {}
    out = []
    for obj in gc.get_objects():
        t = type(obj)
        is_tensor = kinds.get(t)
        if is_tensor is None:
            is_tensor = kinds[t] = issubclass(t, base)
        if is_tensor:
            out.append(obj)
    return out


def _largest_graph(tensors: List[Any]) -> Tuple[int, Any]:
    """(nodes, tensor) of the live tensor carrying the largest autograd graph."""
    best, holder = 0, None
    for t in tensors:
        fn = t.grad_fn
        if fn is not None:
            n = graph_size(fn)
            if n > best:
                best, holder = n, t
    return best, holder


def look(iteration: int) -> Optional[Dict[str, Any]]:
    """Live tensors by group, and the largest autograd graph; None without torch."""
    if _torch() is None:
        return None
    tensors = _tensors()
    try:
        return _look(tensors, iteration)[0]
    finally:
        tensors.clear()


def _look(tensors: List[Any], iteration: int) -> Tuple[Dict[str, Any], Any]:
    groups: Dict[str, List[int]] = {}  # group -> [count, bytes of one, count with a graph]
    for t in tensors:
        key, size = _group(t)
        graph = t.grad_fn is not None
        entry = groups.get(key)
        if entry is not None:
            entry[0] += 1
            entry[2] += graph
        elif len(groups) < _MAX_GROUPS:
            groups[key] = [1, size, int(graph)]
    nodes, holder = _largest_graph(tensors)
    return {"iteration": iteration, "groups": groups, "graph_nodes": nodes}, holder


def compare(
    before: Dict[str, Any], iteration: int, budget_s: float, redact: bool = True
) -> Dict[str, Any]:
    """Findings between a look ``before`` and now (``iteration``): the graph that grew,
    with what holds it, and the tensor groups that grew."""
    if _torch() is None:
        return {}
    tensors = _tensors()
    after, tensor = _look(tensors, iteration)
    tensors.clear()
    n = iteration - int(before["iteration"])
    nodes = after["graph_nodes"]
    out: Dict[str, Any] = {"iterations": n, "graph_before": before["graph_nodes"]}
    try:
        out["graph_after"] = nodes
        grown = nodes - int(before["graph_nodes"])
        if tensor is not None and n > 0 and (grown >= n or nodes >= MAX_NODES):
            out["graph_holder"] = holder_of(tensor, budget_s, redact=redact)
    finally:
        del tensor
    kept = []
    for key, (count, size, graphs) in after["groups"].items():
        was, _, had = before["groups"].get(key, [0, size, 0])
        if n > 0 and count - was >= n / 2:
            # Most of the new ones carry an autograd graph: each keeps its iteration's.
            with_graph = graphs - had >= (count - was) / 2
            kept.append(
                {"group": key, "before": was, "after": count, "bytes_each": size,
                 "with_graph": with_graph}
            )  # fmt: skip
    kept.sort(key=lambda g: -(g["after"] - g["before"]) * g["bytes_each"])
    out["tensor_groups"] = kept[:10]
    return out


def start_history() -> bool:
    """Record CUDA allocations with Python stacks from now on (torch's allocator
    history); False where CUDA is not in use or this torch cannot."""
    torch = _torch()
    cuda = getattr(torch, "cuda", None)
    if cuda is None or not cuda.is_initialized():
        return False
    cuda.memory._record_memory_history(enabled="all", stacks="python", max_entries=_HISTORY_ENTRIES)
    return True


def history_sites(iterations: int) -> Dict[str, Any]:
    """Stop the history and group the blocks allocated since it started, and alive now,
    by their Python stack (innermost first)."""
    cuda = _torch().cuda
    try:
        snapshot = cuda.memory._snapshot()
    finally:
        cuda.memory._record_memory_history(enabled=None)
    return {"iterations": iterations, "stacks": alive_by_stack(snapshot)}


def alive_by_stack(snapshot: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Blocks in use (``active_allocated``) that have a recorded stack, that is, that were
    allocated while the history was on, grouped by stack: blocks and bytes."""
    by: Dict[Tuple[Tuple[str, int, str], ...], List[int]] = {}
    for segment in snapshot.get("segments", ()):
        for block in segment.get("blocks", ()):
            frames = block.get("frames") or ()
            if block.get("state") != "active_allocated" or not frames:
                continue
            key = tuple(
                (str(f.get("filename", "?")), int(f.get("line", 0)), str(f.get("name", "")))
                for f in frames[:_STACK_FRAMES]
            )
            entry = by.setdefault(key, [0, 0])
            entry[0] += 1
            entry[1] += int(block.get("requested_size") or block.get("size") or 0)
    return [
        {"frames": [list(f) for f in key], "blocks": blocks, "bytes": size}
        for key, (blocks, size) in sorted(by.items(), key=lambda kv: -kv[1][1])
    ]


class BurstLook:
    """torch's side of one burst: a look at the tensors when it starts and, on CUDA when
    the GPU grows, torch's allocator history over it; :meth:`finish` tells what grew."""

    def __init__(self) -> None:
        self._before: Optional[Dict[str, Any]] = None
        self._history_from: Optional[int] = None

    def start(self, iteration: int, gpu: bool) -> None:
        self._before = look(iteration)
        if gpu and start_history():
            self._history_from = iteration

    def finish(self, iteration: int, budget_s: float, redact: bool = True) -> Dict[str, Any]:
        """What grew among the tensors, as plain data ({} when nothing was looked at);
        ends the look. The allocator history is ended apart, by :meth:`finish_history`."""
        before, self._before = self._before, None
        if before is None:
            return {}
        return compare(before, iteration, budget_s, redact=redact)

    def finish_history(self, iteration: int) -> Dict[str, Any]:
        """``{"gpu_window": ...}``: the CUDA blocks allocated since the history started and
        alive now, by stack; {} when none was recorded. Called once tracemalloc has
        stopped: torch's snapshot call can import a large part of torch on first use
        (torch 2.11 on an H200: about two minutes of the burst, traced)."""
        since, self._history_from = self._history_from, None
        if since is None:
            return {}
        return {"gpu_window": history_sites(iteration - since)}
