"""Report: plain, frozen data. Renderers read it; nothing in it refers to live objects."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Optional, Tuple

# leak: memory grows without bound.  plateau: it grew, then stopped (warm-up, a bounded cache).
# flat: no growth.  inconclusive: not enough evidence yet; see Verdict.more_iterations_needed.
STATUSES: Tuple[str, ...] = ("leak", "plateau", "flat", "inconclusive")

# 2: the recognised causes are ``diagnosis`` (was ``diagnoses``), with more patterns.
REPORT_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class SignalTrend:
    """The trend analysis of one signal (RSS, pymalloc blocks, ...) after warm-up."""

    signal: str
    unit: str  # "bytes", "blocks" or "objects"
    status: str
    slope: float  # units per iteration (Theil-Sen)
    ci_low: float
    ci_high: float
    p_value: float  # one-sided, for "grows"
    warmup_end: int  # iteration number where the stable part starts
    warmup_growth: float  # units gained during warm-up
    period: int  # detected sawtooth period in iterations (1 = none)
    points: int  # samples used after warm-up
    reason: str
    # What the levels left by full gc passes showed over the stable part: grows, slowing,
    # not_kept, unclear, too_few; "" where none are recorded (GPU, resources).
    retained: str = ""


@dataclass(frozen=True)
class Verdict:
    """Does it leak: the status, the growth per iteration and how sure we are."""

    status: str
    bytes_per_iteration: float
    ci_low: float
    ci_high: float
    confidence: float
    basis: str  # the signal the byte figure comes from
    warmup_end: int
    iterations_measured: int
    more_iterations_needed: Optional[int]
    reason: str
    signals: Tuple[SignalTrend, ...] = ()
    # Which memory grows: python | native | allocator | resource | gpu, "" when nothing does.
    # See KINDS. Several can hold at once; this names the one that explains most.
    kind: str = ""


# python: the Python heap (objects the program keeps).  native: the C heap outside what
# Python allocated (an extension, a library).  allocator: RSS the allocator keeps while
# the bytes in use do not grow (fragmentation, freed pages kept).  resource: file
# descriptors, threads or asyncio tasks.  gpu: bytes in live CUDA tensors (torch).
KINDS: Tuple[str, ...] = ("python", "native", "allocator", "resource", "gpu")


@dataclass(frozen=True)
class NativeStack:
    """A native allocation stack whose surviving bytes grow with the iterations (memray)."""

    bytes_per_iteration: float
    allocations_per_iteration: float
    python: Tuple[str, ...]  # "file:line" of the Python frames, innermost first
    python_function: str  # the innermost Python function, the one that called native code
    native: Tuple[str, ...]  # "symbol (file:line)" of the top native frames, innermost first


@dataclass(frozen=True)
class MemoryPart:
    """One line of "which memory grows": a signal's growth and its share of RSS growth."""

    name: str  # python | native | c_heap | allocator_free | rss | fds | threads | tasks
    label: str  # for people: "Python heap (traced)", "open file descriptors", ...
    status: str  # leak | plateau | flat | inconclusive, or "" when derived
    per_iteration: float  # in ``unit`` per iteration after warm-up (NaN if unknown)
    unit: str  # "bytes", "blocks", "descriptors", "threads" or "tasks"
    share_of_rss: Optional[float] = None  # per_iteration / RSS growth, for byte parts


@dataclass(frozen=True)
class Frame:
    """One traceback frame; ``user`` is False for stdlib and third-party code."""

    file: str
    line: int
    user: bool
    source: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Holder:
    """What keeps leaked objects alive: the shortest reference path from a root to them.

    Sampled objects that share a path (list indexes aside) form one holder.
    """

    root: str  # "module app.service", "class app.Model", "frame f (file:line)", ...
    root_kind: str  # module|class|frame|thread|sys.modules|gc.garbage|native|cycle|unknown
    path: Tuple[str, ...]  # readable steps, root first, the leaked object last
    container: str  # the innermost container on the path, e.g. "global _RESULTS (list, 40 items)"
    object_type: str
    objects_sampled: int
    example: str  # a safe, truncated (and by default redacted) description of one object
    object_bytes: int  # shallow size of that object


@dataclass(frozen=True)
class TypeGrowth:
    """A type whose live object count grew in the censuses of a burst."""

    type: str
    count: int  # live objects at the last census
    objects_per_iteration: float
    bytes_per_iteration: float  # objects per iteration times their mean shallow size
    windows_growing: int
    windows: int


@dataclass(frozen=True)
class Suspect:
    """An allocation site whose live memory grew in every measured window."""

    file: str
    line: int
    source: str
    bytes_per_iteration: float
    allocations_per_iteration: float
    share: float  # of the growth explained by all suspects, 0..1
    windows_growing: int
    windows: int
    traceback: Tuple[Frame, ...]  # innermost first, tool frames removed
    variants: int = 1  # distinct deeper tracebacks merged into this site
    holders: Tuple[Holder, ...] = ()  # what keeps this site's objects alive


@dataclass(frozen=True)
class LeakGroup:
    """One leaked object graph, told once: the suspects whose objects are parts of one
    another (or that one user call reached), headed by the site that made its top.

    ``suspects`` are the group's sites, the head first; ``holder`` keeps the head's
    objects (a cache they only pass through is not chosen when a stronger path exists).
    """

    headline: str
    site: str  # "file.py:line" of the head's allocation site
    root_type: str  # the type of the top object the sites' objects are parts of
    bytes_per_iteration: float
    share: float  # of the growth explained by all suspects, 0..1
    holder: Optional[Holder]
    suspects: Tuple[Suspect, ...]
    library_only: bool = False  # no user line made it: a library call's own growth


@dataclass(frozen=True)
class TargetFailure:
    """The watched code raised; the iterations before it are still in the report."""

    iteration: int
    type: str
    message: str
    traceback: Tuple[str, ...] = ()


@dataclass(frozen=True)
class GpuSite:
    """A Python line whose CUDA allocations stayed alive and grew over the window that
    torch's allocator history recorded."""

    file: str
    line: int
    source: str
    function: str
    bytes_per_iteration: float
    blocks_per_iteration: float
    python: Tuple[str, ...]  # "file:line" of the Python frames, innermost first


@dataclass(frozen=True)
class Diagnosis:
    """A recognised cause, told as one story: what keeps the memory, the evidence, the fix.

    ``pattern`` is one of ``PATTERNS``; ``where`` is the "file:line" of the line that
    keeps it, when known; ``holder`` what keeps it alive, when found."""

    pattern: str
    summary: str
    evidence: str
    fix: str
    where: str = ""
    holder: Optional[Holder] = None


# torch (analysis._torch): autograd_history, a kept tensor carries its autograd graph
# across iterations; kept_tensors, live tensors of one dtype and shape pile up;
# allocator_fragmentation, torch reserves ever more GPU memory while its tensors stay flat;
# allocator_cache, torch's reserve grew once and stays (its cache, not a leak).
# The rules of analysis.diagnosis, one family per module: pyplot_figure; logging_handler,
# logger_per_call; lru_cache_method, lru_cache_unbounded, warnings_registry, linecache;
# asyncio_tasks, threads_not_joined; numpy_view, dataframe_concat; mutable_default,
# listeners, exceptions_kept, and the generic library_state, kept_on_object,
# growing_container; unclosed_files; refcount_leak, native_leak (bugs in C code).
PATTERNS: Tuple[str, ...] = (
    "autograd_history",
    "kept_tensors",
    "allocator_fragmentation",
    "allocator_cache",
    "pyplot_figure",
    "logging_handler",
    "logger_per_call",
    "lru_cache_method",
    "lru_cache_unbounded",
    "warnings_registry",
    "linecache",
    "asyncio_tasks",
    "threads_not_joined",
    "numpy_view",
    "dataframe_concat",
    "mutable_default",
    "listeners",
    "exceptions_kept",
    "library_state",
    "kept_on_object",
    "growing_container",
    "unclosed_files",
    "refcount_leak",
    "native_leak",
)


@dataclass(frozen=True)
class RouteReport:
    """One route of a web service: its requests are its iterations.

    Memory is the process's, shared by every route, so a route's verdict rests on which
    handler's code the growing allocation sites run under (their tracebacks), evidence
    that holds however the requests overlap. ``attribution`` says how it was decided,
    and where it could not be."""

    route: str  # the template: "/users/<id>", "/items/{item_id}"
    requests: int
    errors: int  # requests whose handler raised
    verdict: Verdict  # bytes_per_iteration: per request of this route
    suspects: Tuple[Suspect, ...] = ()
    holders: Tuple[Holder, ...] = ()
    attribution: str = ""
    processes: int = 1  # the worker processes whose captures were merged


@dataclass(frozen=True)
class Report:
    """Everything leaksleuth concluded about one repeated unit of work."""

    target: str
    verdict: Verdict
    suspects: Tuple[Suspect, ...]
    iterations: Tuple[int, ...]
    series: Dict[str, Tuple[float, ...]]  # signal name -> value per entry of ``iterations``
    phase: Tuple[int, ...] = ()
    target_failure: Optional[TargetFailure] = None
    probe_errors: Tuple[str, ...] = ()
    notes: Tuple[str, ...] = ()
    meta: Dict[str, Any] = field(default_factory=dict)
    growing_types: Tuple[TypeGrowth, ...] = ()
    holders: Tuple[Holder, ...] = ()  # holders of growing types that no suspect allocated
    memory: Tuple[MemoryPart, ...] = ()  # which memory grows, signal by signal
    native: Tuple[NativeStack, ...] = ()  # native stacks that leak (memray window)
    gpu: Tuple[GpuSite, ...] = ()  # CUDA allocation lines that leak (torch's history)
    diagnoses: Tuple[Diagnosis, ...] = ()  # recognised causes, with their fix
    routes: Tuple[RouteReport, ...] = ()  # a web service's routes (leaksleuth.web)
    leaks: Tuple[LeakGroup, ...] = ()  # the suspects as one story per leaked object graph

    def _repr_html_(self) -> str:
        """Jupyter shows the HTML report (the ``--html`` page, framed for a notebook)."""
        from leaksleuth.render._html import embed

        return embed(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's terminal shows the text report."""
        import shutil

        from leaksleuth.render._terminal import render

        width = shutil.get_terminal_size((100, 24)).columns
        printer.text(render(self, width=max(60, min(width, 120))).rstrip("\n"))

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready data (NaN becomes null). Schema: docs/json-schema.md."""
        data = asdict(self)
        data["schema_version"] = REPORT_SCHEMA_VERSION
        data["diagnosis"] = data.pop("diagnoses")
        suspects = [*data["suspects"], *(s for r in data["routes"] for s in r["suspects"])]
        suspects += [s for g in data["leaks"] for s in g["suspects"]]
        for s in suspects:
            s["traceback"] = [f"{f['file']}:{f['line']}" for f in s["traceback"]]
        data["series"] = {k: [_clean(v) for v in vs] for k, vs in self.series.items()}
        return _clean_tree(data)  # type: ignore[no-any-return]


def _clean(v: float) -> Optional[float]:
    return None if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v


def _clean_tree(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean_tree(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean_tree(v) for v in obj]
    if isinstance(obj, float):
        return _clean(obj)
    return obj
