"""The diagnosis rules as pure functions of a report: each fires on its evidence, stays
silent without it, and one leak is told as one story."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Tuple

import pytest

from leaksleuth.analysis.diagnosis import PATTERNS as RULE_PATTERNS
from leaksleuth.analysis.diagnosis import diagnose
from leaksleuth.analysis.diagnosis._evidence import package_of_path
from leaksleuth.analysis.diagnosis._python import _step_type
from leaksleuth.report import (
    PATTERNS,
    Frame,
    Holder,
    LeakGroup,
    MemoryPart,
    NativeStack,
    Report,
    Suspect,
    TypeGrowth,
    Verdict,
)

SITE_PACKAGES = "/venv/lib/python3.11/site-packages"


def verdict(status: str = "leak", kind: str = "python") -> Verdict:
    return Verdict(
        status=status, bytes_per_iteration=1000.0, ci_low=900.0, ci_high=1100.0,
        confidence=0.95, basis="traced", warmup_end=1, iterations_measured=300,
        more_iterations_needed=None, reason="grows", kind=kind,
    )  # fmt: skip


def holder(root: str, kind: str, path: Tuple[str, ...], obj: str, size: int = 64) -> Holder:
    # As the analysis names it: the innermost container before the leaked object.
    container = next((p for p in reversed(path[:-1]) if "items)" in p), "")
    return Holder(root, kind, path, container, obj, 5, f"<{obj}>", size)


def suspect(
    source: str,
    holders: Tuple[Holder, ...] = (),
    frames: Tuple[Frame, ...] = (),
    file: str = "/app/work.py",
    line: int = 12,
    per: float = 1000.0,
) -> Suspect:
    frames = frames or (Frame(file, line, True, source),)
    return Suspect(file, line, source, per, 1.0, 1.0, 4, 4, frames, holders=holders)


def report(*suspects: Suspect, status: str = "leak", kind: str = "python", **more: Any) -> Report:
    return Report(target="t", verdict=verdict(status, kind), suspects=suspects, iterations=(),
                  series={}, **more)  # fmt: skip


def patterns(r: Report, versions: Any = None, **search: Any) -> list:
    return [d.pattern for d in diagnose(r, versions, **search)]


GLOBAL_LIST = holder(
    "module app.work",
    "module",
    ("module app.work global _results (list, 900 items)", "[899] dict"),
    "dict",
)


DEFAULTS_KEPT = holder(
    "module app", "module",
    ("module app global record (function)", ".__defaults__ tuple (1 items)",
     "[0] list (2,000 items)", "[1999] float"),
    "float",
)  # fmt: skip
ERRORS_KEPT = holder(
    "module app", "module",
    ("module app global _errors (list, 750 items)", "[749] ValueError",
     ".__traceback__ traceback"),
    "traceback",
)  # fmt: skip


def test_every_rule_pattern_is_a_documented_report_pattern() -> None:
    assert set(RULE_PATTERNS) <= set(PATTERNS)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "json-schema.md").read_text()
    for pattern in PATTERNS:
        assert f"| `{pattern}` |" in doc, pattern


@pytest.mark.parametrize("status", ["flat", "plateau", "inconclusive"])
def test_only_a_leak_is_explained(status: str) -> None:
    r = report(suspect("_results.append(row)", (GLOBAL_LIST,)), status=status)
    assert diagnose(r) == ()


def test_a_module_level_list_is_a_growing_container_at_its_line() -> None:
    (d,) = diagnose(report(suspect("_results.append(row)", (GLOBAL_LIST,))))
    assert d.pattern == "growing_container"
    assert d.where == "work.py:12" and "_results.append(row)" in d.summary
    assert "deque(maxlen" in d.fix and d.holder == GLOBAL_LIST


def test_a_leak_without_evidence_gets_no_guess() -> None:
    assert diagnose(report(suspect("x = compute()"))) == ()


def test_an_instance_attribute_on_the_path_is_kept_on_object() -> None:
    h = holder(
        "module app", "module",
        ("module app global _state (dict, 2 items)", "['session'] orm.Session",
         ".__dict__ dict (19 items)", ".identity_map dict (800 items)", "[3] app.Event"),
        "app.Event",
    )  # fmt: skip
    assert patterns(report(suspect("session.add(Event())", (h,)))) == ["kept_on_object"]


def test_step_types_are_read_from_both_path_styles() -> None:
    assert _step_type("module m global _state (dict, 2 items)") == "dict"
    assert _step_type("module m global bus (m.EventBus)") == "m.EventBus"
    assert _step_type("['s'] orm.Session") == "orm.Session"
    assert _step_type(".handlers list (3 items)") == "list"


def test_a_specific_rule_tells_the_story_alone() -> None:
    # pyplot's figure manager is also "a container that only grows": one story, not two.
    gcf = holder(
        "class matplotlib._pylab_helpers.Gcf", "class",
        ("class matplotlib._pylab_helpers.Gcf attribute figs (collections.OrderedDict)",
         "[3] matplotlib.backend_bases.FigureManagerBase"),
        "matplotlib.backend_bases.FigureManagerBase",
    )  # fmt: skip
    frames = (
        Frame(f"{SITE_PACKAGES}/matplotlib/figure.py", 2574, False),
        Frame(f"{SITE_PACKAGES}/matplotlib/pyplot.py", 1096, False),
        Frame("/app/plots.py", 32, True, "fig = plt.figure(figsize=(3, 2))"),
    )
    r = report(suspect("fig = plt.figure()", (gcf, GLOBAL_LIST), frames))
    (d,) = diagnose(r)
    assert d.pattern == "pyplot_figure" and d.where == "plots.py:32"
    assert "plt.close(fig)" in d.fix


def test_a_figure_made_outside_pyplot_is_not_a_pyplot_leak() -> None:
    frames = (
        Frame(f"{SITE_PACKAGES}/matplotlib/figure.py", 2574, False),
        Frame("/app/plots.py", 32, True, "fig = Figure()"),
    )
    held = holder(
        "module app.plots", "module",
        ("module app.plots global _figs (list, 300 items)", "[299] matplotlib.figure.Figure"),
        "matplotlib.figure.Figure",
    )  # fmt: skip
    r = report(suspect("fig = Figure()", (held,), frames))
    assert patterns(r) == ["growing_container"]


def test_handler_and_logger_rules_read_the_logging_paths() -> None:
    handlers = holder(
        "module app", "module",
        ("module app global log (logging.Logger)", ".handlers list (300 items)",
         "[299] logging.StreamHandler"),
        "logging.StreamHandler",
    )  # fmt: skip
    files = MemoryPart("fds", "open file descriptors", "leak", 1.0, "descriptors")
    r = report(suspect("log.addHandler(logging.FileHandler(p))", (handlers,)), memory=(files,))
    assert patterns(r) == ["logging_handler"]  # not also "files never closed"
    loggers = holder(
        "class logging.Logger", "class",
        ("class logging.Logger attribute manager (logging.Manager)",
         ".loggerDict dict (1,001 items)", "['request.999'] logging.Logger"),
        "logging.Logger",
    )  # fmt: skip
    assert patterns(report(suspect('logging.getLogger(f"request.{n}")', (loggers,)))) == [
        "logger_per_call"
    ]
    # A logger's handler list that holds lists (not handlers) is no handler leak.
    lists = replace(loggers, path=(*loggers.path, ".filters list"), object_type="list")
    assert "logging_handler" not in patterns(report(suspect("x", (lists,))))


@pytest.mark.parametrize(
    ("root", "root_kind", "expected"),
    [
        ("class app.Quote", "class", "lru_cache_method"),
        ("module app", "module", "lru_cache_unbounded"),
    ],
)
def test_lru_cache_on_a_method_or_unbounded(root: str, root_kind: str, expected: str) -> None:
    named = "attribute" if root_kind == "class" else "global"
    first = f"{root} {named} price (functools._lru_cache_wrapper)"
    h = holder(
        root,
        root_kind,
        (first, "(internal) dict (2,000 items)", "(key) tuple (2 items)", "[0] app.Quote"),
        "app.Quote",
    )
    (d,) = diagnose(report(suspect("quote.price()", (h,))))
    assert d.pattern == expected and "price" in d.summary


def test_a_warning_line_with_no_holder_is_the_registry_and_a_plain_line_is_not() -> None:
    native = holder(
        "held outside Python-visible references, likely by an extension", "native", (), "tuple"
    )
    warned = report(suspect('warnings.warn(f"record {n} is deprecated")', (native,)))
    assert patterns(warned) == ["warnings_registry"]
    logged = report(suspect('log.warn(f"record {n} is deprecated")', (native,)))
    assert "warnings_registry" not in patterns(logged)


def test_mutable_defaults_exceptions_and_listeners() -> None:
    assert patterns(report(suspect("samples.append(t)", (DEFAULTS_KEPT,)))) == ["mutable_default"]
    assert patterns(report(suspect("return parse(body)", (ERRORS_KEPT,)))) == ["exceptions_kept"]
    callbacks = holder(
        "module app", "module",
        ("module app global bus (app.Bus)", "._subscribers dict (1 items)",
         "['reload'] list (500 items)", "[499] function"),
        "function",
    )  # fmt: skip
    assert patterns(report(suspect("bus.subscribe(lambda: ...)", (callbacks,)))) == ["listeners"]


def test_numpy_view_needs_a_small_array_that_keeps_much_more() -> None:
    view = holder(
        "module app", "module",
        ("module app global _heads (list, 300 items)", "[299] numpy.ndarray"),
        "numpy.ndarray", size=112,
    )  # fmt: skip
    big = report(suspect("_heads.append(frame[:2])", (view,), per=800_000.0))
    assert patterns(big) == ["numpy_view"]
    owning = replace(view, object_bytes=800_112)
    assert patterns(
        report(suspect("_heads.append(frame[:2].copy())", (owning,), per=800_000.0))
    ) == ["growing_container"]


def test_resource_counts_name_tasks_threads_and_files() -> None:
    def grows(name: str) -> Tuple[MemoryPart, ...]:
        return (MemoryPart(name, name, "leak", 1.0, name),)

    assert patterns(report(suspect("asyncio.run(main())"), memory=grows("tasks"))) == [
        "asyncio_tasks"
    ]
    assert patterns(report(suspect("start()"), memory=grows("threads"))) == ["threads_not_joined"]
    assert patterns(report(suspect("f = open(p)"), memory=grows("fds"))) == ["unclosed_files"]
    task = holder(
        "module app", "module", ("module app global _tasks (set, 40 items)", "[?] _asyncio.Task"),
        "_asyncio.Task",
    )  # fmt: skip
    (d,) = diagnose(report(suspect("t = asyncio.create_task(w())", (task,)), memory=grows("tasks")))
    assert "add_done_callback" in d.fix and d.holder == task
    flat = (MemoryPart("threads", "threads", "flat", 0.0, "threads"),)
    assert "threads_not_joined" not in patterns(report(suspect("x"), memory=flat))


def test_site_packages_paths_name_their_package() -> None:
    assert package_of_path(f"{SITE_PACKAGES}/ujson.cpython-311-x86_64-linux-gnu.so") == "ujson"
    assert package_of_path(f"{SITE_PACKAGES}/numpy/_core/_multiarray_umath.so") == "numpy"
    assert package_of_path(f"{SITE_PACKAGES}/numpy.libs/libopenblas.so") == "numpy"
    assert package_of_path("/usr/lib/python3.11/json/decoder.py") == ""


NATIVE = holder(
    "held outside Python-visible references, likely by an extension", "native", (), "numpy.ndarray"
)


def test_a_refcount_leak_names_the_library_the_users_line_calls(tmp_path: Path) -> None:
    src = tmp_path / "job.py"
    src.write_text("import numpy as np\n\ndef step(a, b):\n    np.cumsum(a, out=b)\n")
    frames = (Frame(str(src), 4, True, "np.cumsum(a, out=b)"),)
    r = report(
        suspect("np.cumsum(a, out=b)", (replace(NATIVE, object_type="int"),), frames, str(src), 4)
    )
    (d,) = diagnose(r, {"numpy": "2.3.1"})
    assert d.pattern == "refcount_leak"
    assert "numpy 2.3.1" in d.summary and "job.py:4" in d.summary
    assert "changelog" in d.fix and "numpy 2.3.1" in d.fix


def test_a_refcount_leak_through_a_library_frame_names_that_library() -> None:
    frames = (
        Frame(f"{SITE_PACKAGES}/pandas/core/generic.py", 6800, False),
        Frame("/app/job.py", 9, True, "out = df.copy()"),
    )
    r = report(
        suspect("out = df.copy()", (replace(NATIVE, object_type="weakref.ReferenceType"),), frames)
    )
    (d,) = diagnose(r, {"pandas": "2.0.3"})
    assert d.pattern == "refcount_leak" and "pandas 2.0.3" in d.summary


def test_an_unheld_object_of_no_known_library_gets_no_guess() -> None:
    r = report(suspect("x = make()", (replace(NATIVE, object_type="dict"),)))
    assert diagnose(r) == ()


def test_a_native_leak_names_the_shared_object_of_its_stack() -> None:
    stack = NativeStack(
        bytes_per_iteration=1200.0, allocations_per_iteration=1.0, python=("/app/job.py:7",),
        python_function="dump",
        native=(f"malloc ({SITE_PACKAGES}/ujson.cpython-311-x86_64-linux-gnu.so:0)",),
    )  # fmt: skip
    r = report(suspect("ujson.dump(doc, stream)"), kind="native", native=(stack,))
    (d,) = diagnose(r, {"ujson": "5.12.0"})
    assert d.pattern == "native_leak" and "ujson 5.12.0" in d.summary
    assert d.where == "job.py:7"
    # Kept by a Python container, native bytes are that container's story.
    held = report(suspect("_kept.append(img)", (GLOBAL_LIST,)), kind="native", native=(stack,))
    assert patterns(held) == ["growing_container"]


def test_growing_types_alone_tell_a_pyplot_leak_only_through_pyplot() -> None:
    figs = (TypeGrowth("matplotlib.figure.Figure", 300, 1.0, 200.0, 4, 4),)
    frames = (
        Frame(f"{SITE_PACKAGES}/matplotlib/pyplot.py", 1096, False),
        Frame("/app/plots.py", 5, True, "plt.subplots()"),
    )
    assert patterns(report(suspect("plt.subplots()", (), frames), growing_types=figs)) == [
        "pyplot_figure"
    ]
    assert patterns(report(suspect("Figure()"), growing_types=figs)) == []


def test_growth_inside_a_librarys_object_is_the_librarys_not_the_users() -> None:
    # pandas 2.0.3: copy() adds a weakref per call to the shared Index's reference tracker.
    refs = holder(
        "module app", "module",
        ("module app global catalog (pandas.core.frame.DataFrame)", "._mgr pandas.BlockManager",
         ".refs pandas.BlockValuesRefs", ".referenced_blocks list (900 items)",
         "[899] weakref.ReferenceType"),
        "weakref.ReferenceType",
    )  # fmt: skip
    frames = (
        Frame(f"{SITE_PACKAGES}/pandas/core/indexes/base.py", 661, False),
        Frame("/app/quotes.py", 35, True, "quote = catalog.copy()"),
    )
    (d,) = diagnose(report(suspect("quote = catalog.copy()", (refs,), frames)), {"pandas": "2.0.3"})
    assert d.pattern == "library_state" and "pandas 2.0.3" in d.summary
    assert d.where == "quotes.py:35"
    # The user's own objects added to a library's long-lived object: the user's story.
    events = replace(refs, object_type="app.AuditEvent")
    assert patterns(report(suspect("session.add(AuditEvent())", (events,), frames))) == [
        "kept_on_object"
    ]


def test_a_site_whose_objects_a_complete_search_never_met_is_a_refcount_leak(
    tmp_path: Path,
) -> None:
    # ujson 5.12.0 kept what a default= callback returned: the callback's line allocates,
    # the user's outer line calls ujson.
    src = tmp_path / "hits.py"
    src.write_text(
        "import ujson\n\ndef as_text(hit):\n    return f'hit {hit}'\n\n"
        "def page(hits):\n    return ujson.dumps(hits, default=as_text)\n"
    )
    frames = (Frame(str(src), 4, True), Frame(str(src), 7, True))
    r = report(suspect("return f'hit {hit}'", (), frames, str(src), 4))
    (d,) = diagnose(r, {"ujson": "5.12.0"}, search_complete=True, sites_searched=3)
    assert d.pattern == "refcount_leak" and "ujson 5.12.0" in d.summary
    assert d.where == "hits.py:4" and "not cut short" in d.evidence
    # A search cut short proves nothing, nor one that did not sample this site, nor a
    # site whose objects were found.
    assert diagnose(r, {"ujson": "5.12.0"}, search_complete=False, sites_searched=3) == ()
    assert diagnose(r, {"ujson": "5.12.0"}, search_complete=True, sites_searched=0) == ()
    found = report(suspect("return f'hit {hit}'", (GLOBAL_LIST,), frames, str(src), 4))
    assert patterns(found, {"ujson": "5.12.0"}) == ["growing_container"]


def test_what_one_root_keeps_is_told_once() -> None:
    root = "class matplotlib._pylab_helpers.Gcf"
    managers = holder(
        root,
        "class",
        (f"{root} attribute figs (collections.OrderedDict)", "[3] Manager"),
        "Manager",
    )
    callbacks = holder(
        root, "class",
        (f"{root} attribute figs (collections.OrderedDict)", "[3] Manager", ".canvas Canvas",
         ".callbacks dict (4 items)", "[0] function"),
        "function",
    )  # fmt: skip
    assert patterns(report(suspect("fig = plt.figure()", (managers, callbacks)))) == [
        "pyplot_figure"
    ]


def test_one_leaked_object_graph_is_told_once_and_two_graphs_twice() -> None:
    first = suspect("samples.append(t)", (DEFAULTS_KEPT,), line=12)
    second = suspect("return parse(body)", (ERRORS_KEPT,), line=20)
    apart = report(first, second)
    assert patterns(apart) == ["mutable_default", "exceptions_kept"]

    def group(*members: Suspect) -> LeakGroup:
        head = members[0]
        return LeakGroup(f"line {head.line}", f"work.py:{head.line}", "list", 1000.0, 0.5,
                         head.holders[0], members)  # fmt: skip

    # The second site's objects are parts of the first's graph: one story, its first.
    assert patterns(replace(apart, leaks=(group(first, second),))) == ["mutable_default"]
    assert patterns(replace(apart, leaks=(group(first), group(second)))) == [
        "mutable_default",
        "exceptions_kept",
    ]


def test_a_class_registry_of_instances_is_a_container_not_an_object_attribute() -> None:
    registry = holder(
        "class app.Session", "class",
        ("class app.Session attribute registry (list, 400 items)", "[359] app.Session",
         ".scratch bytearray"),
        "bytearray",
    )  # fmt: skip
    assert patterns(report(suspect("Session()", (registry,)))) == ["growing_container"]


def test_a_long_lived_local_of_a_running_frame_keeps_like_a_global() -> None:
    local = holder(
        "frame main (/app/serve.py:40)", "frame",
        ("frame main (/app/serve.py:40) local service (app.PriceService)",
         "._cache dict (400 items)", "[tuple] list"),
        "list",
    )  # fmt: skip
    (d,) = diagnose(report(suspect("self._cache[key] = rows", (local,))))
    assert d.pattern == "kept_on_object" and "app.PriceService" in d.summary


def test_a_view_whose_base_the_search_reached_is_a_numpy_view_not_numpys_state() -> None:
    frames_big = (
        Frame(f"{SITE_PACKAGES}/numpy/_core/numeric.py", 192, False),
        Frame("/app/cams.py", 6, True, "big = np.ones(100_000)"),
    )
    root = ("module app global _heads (list, 300 items)", "[299] numpy.ndarray")
    base = holder("module app", "module", (*root, ".base numpy.ndarray"), "numpy.ndarray", 800_112)
    view = holder("module app", "module", root, "numpy.ndarray", 112)
    r = report(
        suspect("big = np.ones(100_000)", (base,), frames_big, "/app/cams.py", 6, per=800_128.0),
        suspect("_heads.append(big[:2])", (view,), file="/app/cams.py", line=7, per=158.0),
    )
    (d,) = diagnose(r, {"numpy": "2.4.6"})
    assert d.pattern == "numpy_view" and d.where == "cams.py:7" and "cams.py:6" in d.evidence


@pytest.mark.parametrize(
    ("decorator", "expected"),
    [
        ("@functools.cache", ["lru_cache_unbounded"]),
        ("@functools.lru_cache(maxsize=None)", ["lru_cache_unbounded"]),
        ("@lru_cache(None)", ["lru_cache_unbounded"]),
        ("@functools.lru_cache(maxsize=64)", []),
        ("@functools.lru_cache", []),
    ],
)
def test_a_growing_line_inside_a_function_cached_without_bound(
    tmp_path: Path, decorator: str, expected: list
) -> None:
    # Cached str results have no holder the search can name: the decorator is the proof.
    src = tmp_path / "rows.py"
    src.write_text(
        "import functools\nfrom functools import lru_cache\n\n"
        f"{decorator}\ndef render(key):\n    return f'<row {{key}}>' * 8\n"
    )
    r = report(suspect("return f'<row {key}>' * 8", (), (), str(src), 6))
    assert patterns(r) == expected


def test_a_growing_class_of_the_programs_named_task_is_no_asyncio_story() -> None:
    jobs = (TypeGrowth("app.jobs.Task", 300, 1.0, 56.0, 4, 4),)
    assert "asyncio_tasks" not in patterns(report(suspect("Task(n)"), growing_types=jobs))
    real = (TypeGrowth("_asyncio.Task", 300, 1.0, 56.0, 4, 4),)
    assert patterns(report(suspect("create_task(w())"), growing_types=real)) == ["asyncio_tasks"]


def test_a_warning_line_is_no_registry_story_when_no_holder_search_ran() -> None:
    line = suspect('warnings.warn(f"record {n} is deprecated")')
    assert diagnose(report(line)) == ()
    assert patterns(report(line), search_complete=True) == ["warnings_registry"]


def test_a_root_variable_keeps_everything_but_the_containers_type_and_size() -> None:
    from leaksleuth.analysis.diagnosis import _root_variable

    def root_of(first: str) -> str:
        return _root_variable(holder("r", "frame", (first, "[0] dict"), "dict"))

    assert root_of("module app global _errors (list, 750 items)") == "module app global _errors"
    # Frames of same-named functions in two files, and two locals of one frame, stay apart.
    views = "frame handle (/app/views.py:42) local cache (dict, 3 items)"
    admin = "frame handle (/app/admin.py:42) local cache (dict, 3 items)"
    assert root_of(views) == "frame handle (/app/views.py:42) local cache"
    assert root_of(views) != root_of(admin)
    assert root_of("thread 'Thread-1 (worker)'") == "thread 'Thread-1 (worker)'"
