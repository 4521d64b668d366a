"""What each import costs a program's start-up: ``leaksleuth imports``.

::

    >>> profile = profile_imports(ImportTarget(script="app.py"))  # doctest: +SKIP
    >>> [m.name for m in profile.children(None)][:2]  # doctest: +SKIP
    ['numpy', 'app_settings']

The program runs twice, each time in a fresh interpreter (``sys.executable``) with the
bootstrap ``_imports_child`` measuring every import:

1. the memory run, under tracemalloc: the Python heap each import added. It goes first,
   so that it also warms the file cache and writes the bytecode caches;
2. the time run, tracemalloc off (it slows imports down unevenly): the wall time each
   import took, and what it added to RSS and to the C heap.

The tree is the time run's. The two runs are joined by module name, and by occurrence
when a module is imported again after leaving ``sys.modules``; a module seen in only one
run has the other run's figures as None, and ``unmatched`` counts those of the memory run.
Each figure is cumulative (the module and what it imported) and self (cumulative minus
the cumulative figures of its children).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from leaksleuth._errors import TargetError, TargetNotFound, UsageError

SCHEMA = 1
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_imports_child.py")


@dataclass(frozen=True)
class ImportTarget:
    """What to run: a script file or a module (as ``python -m``), and its arguments."""

    script: Optional[str] = None
    module: Optional[str] = None
    args: Tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.script if self.script is not None else f"-m {self.module}"


@dataclass(frozen=True)
class ModuleCost:
    """One import: its place in the tree and what it cost, self and cumulative.

    ``*_bytes`` is the Python heap (tracemalloc), ``*_rss_bytes`` the resident set and
    ``*_c_heap_bytes`` the bytes in use in the C heap; None where not measured.
    """

    index: int  # the order of import
    name: str
    parent: Optional[str]  # the importing module; None for the program's own imports
    parent_index: Optional[int]
    depth: int
    self_seconds: float
    cumulative_seconds: float
    self_bytes: Optional[int]
    cumulative_bytes: Optional[int]
    self_rss_bytes: Optional[int]
    cumulative_rss_bytes: Optional[int]
    self_c_heap_bytes: Optional[int]
    cumulative_c_heap_bytes: Optional[int]
    error: Optional[str] = None  # the exception type when the import failed
    main_thread: bool = True


@dataclass(frozen=True)
class ImportProfile:
    """Every import a program made, in import order, and how the program ended."""

    target: str
    python: str
    modules: Tuple[ModuleCost, ...]
    program_status: int
    program_error: Optional[str]
    program_seconds: float
    preloaded: Tuple[str, ...]  # already loaded before the program ran: not measured
    rss_source: str
    c_heap_source: str
    unmatched: int = 0

    def children(self, index: Optional[int]) -> Tuple[ModuleCost, ...]:
        """The imports made by module ``index``; ``None``: the program's own imports."""
        return tuple(m for m in self.modules if m.parent_index == index)

    @property
    def total_seconds(self) -> float:
        return sum(m.cumulative_seconds for m in self.children(None))

    def total(self, field: str) -> Optional[int]:
        """The sum over the program's own imports of ``cumulative_<field>``."""
        values = [getattr(m, f"cumulative_{field}") for m in self.children(None)]
        known = [v for v in values if v is not None]
        return sum(known) if known or not values else None

    def to_dict(self) -> Dict[str, Any]:
        """The JSON document of ``--json`` (docs/imports.md)."""
        return {
            "schema": SCHEMA,
            "target": self.target,
            "python": self.python,
            "program": {
                "status": self.program_status,
                "error": self.program_error,
                "seconds": self.program_seconds,
            },
            "total_seconds": self.total_seconds,
            "total_bytes": self.total("bytes"),
            "total_rss_bytes": self.total("rss_bytes"),
            "total_c_heap_bytes": self.total("c_heap_bytes"),
            "module_count": len(self.modules),
            "modules": [asdict(m) for m in self.modules],
            "preloaded": list(self.preloaded),
            "sources": {
                "seconds": "time.perf_counter, time run (tracemalloc off)",
                "bytes": "tracemalloc traced memory, memory run",
                "rss_bytes": self.rss_source,
                "c_heap_bytes": self.c_heap_source,
            },
            "unmatched": self.unmatched,
        }


def self_costs(cumulative: Sequence[Optional[float]], parents: Sequence[int]) -> List[Any]:
    """Each import's own cost: its cumulative cost less its children's (-1: no parent).

    >>> self_costs([10.0, 4.0, 1.0], [-1, 0, 0])
    [5.0, 4.0, 1.0]
    """
    own: List[Any] = list(cumulative)
    for value, parent in zip(cumulative, parents):
        if parent >= 0 and own[parent] is not None and value is not None:
            own[parent] -= value
    return own


def _occurrences(records: Sequence[Dict[str, Any]]) -> List[Tuple[str, int]]:
    """``(name, n)``: the n-th import of that name in the run (a reimport adds one)."""
    seen: Dict[str, int] = {}
    keys = []
    for r in records:
        seen[r["name"]] = seen.get(r["name"], 0) + 1
        keys.append((r["name"], seen[r["name"]]))
    return keys


def _figures(records: Sequence[Dict[str, Any]], field: str) -> Dict[Tuple[str, int], Any]:
    """Per occurrence key, ``(self, cumulative)`` of one field of one run."""
    cumulative = [r[field] for r in records]
    own = self_costs(cumulative, [r["parent"] for r in records])
    return dict(zip(_occurrences(records), zip(own, cumulative)))


def _depths(parents: Sequence[int]) -> List[int]:
    depths: List[int] = []
    for parent in parents:  # a parent is always recorded before its children
        depths.append(depths[parent] + 1 if parent >= 0 else 0)
    return depths


def build_profile(target: str, timing: Dict[str, Any], memory: Dict[str, Any]) -> ImportProfile:
    """Join the time run's and the memory run's results (``_imports_child``'s JSON)."""
    records = timing["records"]
    parents = [r["parent"] for r in records]
    keys = _occurrences(records)
    seconds = _figures(records, "seconds")
    rss, c_heap = _figures(records, "rss"), _figures(records, "c_heap")
    heap = _figures(memory["records"], "py_bytes")
    main_thread = timing["main_thread"]
    modules = []
    for i, (r, key, depth) in enumerate(zip(records, keys, _depths(parents))):
        parent = parents[i]
        py_self, py_cumulative = heap.get(key, (None, None))
        modules.append(
            ModuleCost(
                index=i,
                name=r["name"],
                parent=records[parent]["name"] if parent >= 0 else None,
                parent_index=parent if parent >= 0 else None,
                depth=depth,
                self_seconds=seconds[key][0],
                cumulative_seconds=seconds[key][1],
                self_bytes=py_self,
                cumulative_bytes=py_cumulative,
                self_rss_bytes=rss[key][0],
                cumulative_rss_bytes=rss[key][1],
                self_c_heap_bytes=c_heap[key][0],
                cumulative_c_heap_bytes=c_heap[key][1],
                error=r["error"],
                main_thread=r["thread"] == main_thread,
            )
        )
    program = timing["program"]
    return ImportProfile(
        target=target,
        python=timing["python"],
        modules=tuple(modules),
        program_status=int(program["status"]),
        program_error=program["error"],
        program_seconds=float(program["seconds"]),
        preloaded=tuple(timing["preloaded"]),
        rss_source=timing["rss_source"],
        c_heap_source=timing["c_heap_source"],
        unmatched=len(set(heap) - set(keys)),
    )


def _run_child(mode: str, target: ImportTarget, out: str, *, quiet: bool) -> Dict[str, Any]:
    """One run of the program under the bootstrap; its results, or a one-line error."""
    if target.script is not None:
        program = ["script", target.script]
    else:
        program = ["module", str(target.module)]
    command = [sys.executable, CHILD, mode, out, *program, *target.args]
    # Tracing the program would start under PYTHONTRACEMALLOC would skew the time run.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONTRACEMALLOC"}
    # The memory run is silent; the time run shows the program's output once, its
    # stdout on stderr, since stdout is the report's (--json's JSON).
    if quiet:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=env)
    else:
        done = subprocess.run(command, stdout=2, env=env)  # fd 2 even where stderr is replaced
    try:
        with open(out, encoding="utf-8") as fh:
            results: Dict[str, Any] = json.load(fh)
    except (OSError, ValueError):
        status = done.returncode if done.returncode >= 0 else 128 - done.returncode
        said = (done.stderr or b"").decode(errors="replace").strip().splitlines()[-1:]
        raise TargetError(
            f"{target} ended with status {status} before leaksleuth could write what it "
            "imported (os._exit() or a signal ends a program without that)"
            + "".join(f"; its last words: {line}" for line in said)
        ) from None
    if results["program"]["not_found"]:
        raise TargetNotFound(f"cannot run {target}: {results['program']['not_found']}")
    return results


def profile_imports(target: ImportTarget) -> ImportProfile:
    """Run the program twice (memory, then time) and profile what its imports cost."""
    if target.script is None and not target.module:
        raise UsageError("name a script (leaksleuth imports app.py) or a module (-m package)")
    if target.script is not None and not os.path.isfile(target.script):
        what = "not a file" if os.path.exists(target.script) else "no such script"
        raise TargetNotFound(f"{what}: {target.script}")
    with tempfile.TemporaryDirectory(prefix="leaksleuth-imports-") as directory:
        memory = _run_child("memory", target, os.path.join(directory, "memory.json"), quiet=True)
        timing = _run_child("time", target, os.path.join(directory, "time.json"), quiet=False)
    profile = build_profile(str(target), timing, memory)
    if memory["program"]["status"] != profile.program_status:
        print(
            f"leaksleuth: the program ended with status {memory['program']['status']} in the "
            f"memory run and {profile.program_status} in the time run",
            file=sys.stderr,
        )
    return profile
