"""The retention search on real objects of this process: which root holds them, and how."""

from __future__ import annotations

import gc
import re
import sys
import threading
import tracemalloc
import weakref
from typing import Any, Callable, ClassVar, Dict, Iterator, List

import pytest

from leaksleuth.probe._heap import type_census
from leaksleuth.probe._retention import RetentionResult, find_holders

_RESULTS: List[Dict[str, Any]] = []


class Registry:
    handlers: ClassVar[List[Callable[[], None]]] = []


class Payload:
    def __init__(self, n: int) -> None:
        self.n = n


class Node:
    """One object of a structure whose parts all refer to each other (a figure's)."""

    def __init__(self) -> None:
        self.peers: List[Node] = []


class Window:
    def __init__(self) -> None:
        self.nodes = [Node() for _ in range(60)]
        for node in self.nodes:
            node.peers.extend(self.nodes)


class WindowManager:
    open_windows: ClassVar[Dict[int, Window]] = {}


class App:
    def __init__(self) -> None:
        self.sessions: Dict[str, Payload] = {}


class Proxy:
    """Answers ``__class__`` with code of its own, as lazy proxies do."""

    reads = 0

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        Proxy.reads += 1
        return Payload


_APP = App()
_PROXY = Proxy()


@pytest.fixture(autouse=True)
def _tracing() -> Iterator[None]:
    tracemalloc.start(10)
    gc.collect()  # empties CPython's free lists, as a burst does: reused memory is untraced
    yield
    tracemalloc.stop()
    _RESULTS.clear()
    Registry.handlers.clear()
    WindowManager.open_windows.clear()
    _APP.sessions.clear()


def _line_of(marker: str) -> int:
    with open(__file__, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if marker in line and "_line_of" not in line:
                return n
    raise AssertionError(marker)


def _search(marker: str, **kw: Any) -> RetentionResult:
    return find_holders(sites=[(__file__, _line_of(marker))], types_wanted=[], budget_s=5, **kw)


def test_a_module_global_list_is_named_with_its_variable() -> None:
    for i in range(30):
        _RESULTS.append({"frame": i})  # MARK-global
    result = _search("MARK-global")
    assert result.objects, result
    held = result.objects[0]
    assert held.type == "dict"
    assert (held.root_kind, held.root) == ("module", f"module {__name__}")
    assert held.path[0].label == "global _RESULTS"
    assert held.path[0].type == "list" and held.path[0].length == 30
    assert held.traceback[0] == (__file__, _line_of("MARK-global"))


def test_a_class_attribute_is_named_with_the_class() -> None:
    for _ in range(10):
        Registry.handlers.append(lambda: None)  # MARK-class
    held = _search("MARK-class").objects[0]
    assert held.root_kind == "class"
    assert held.root == f"class {__name__}.Registry"
    assert held.path[0].label == "attribute handlers"


def test_a_local_of_a_live_frame_is_a_root() -> None:
    kept = [Payload(i) for i in range(10)]  # MARK-local
    held = _search("MARK-local").objects[0]
    assert held.root_kind in ("frame", "module"), held
    if held.root_kind == "frame":
        assert "test_a_local_of_a_live_frame_is_a_root" in held.root
        assert held.path[0].label == "local kept"
    assert len(kept) == 10


def test_objects_held_by_a_thread_name_the_thread() -> None:
    stop = threading.Event()
    box: List[Payload] = []

    def work(items: List[Payload]) -> None:
        stop.wait(10)

    box.extend(Payload(i) for i in range(5))  # MARK-thread
    t = threading.Thread(target=work, args=(box,), name="holder-thread")
    t.start()
    del box
    try:
        held = _search("MARK-thread").objects[0]
        assert held.root_kind in ("thread", "frame"), held
        assert "holder-thread" in held.root or "work" in held.root
    finally:
        stop.set()
        t.join()


def test_no_python_root_is_said_honestly() -> None:
    # A reference only C code holds: the object is leaked by refcount, invisible to the gc.
    leaked = Payload(1)  # MARK-native
    ref = weakref.ref(leaked)
    sys.modules[__name__].__dict__.setdefault("_anchor_", None)
    import ctypes

    ctypes.pythonapi.Py_IncRef(ctypes.py_object(leaked))
    del leaked
    try:
        result = _search("MARK-native")
        held = [h for h in result.objects if h.type.endswith("Payload")]
        assert held and held[0].root_kind == "native"
        assert held[0].root == ""
    finally:
        obj = ref()
        if obj is not None:
            ctypes.pythonapi.Py_DecRef(ctypes.py_object(obj))


def test_the_search_keeps_nothing_alive() -> None:
    for i in range(30):
        _RESULTS.append({"payload": Payload(i)})  # MARK-alive
    refs = [weakref.ref(d["payload"]) for d in _RESULTS]
    result = _search("MARK-alive")
    assert result.objects
    _RESULTS.clear()
    gc.collect()
    assert [r for r in refs if r() is not None] == []


def test_the_time_budget_cuts_the_search_short_and_says_so() -> None:
    for i in range(30):
        _RESULTS.append({"frame": i})  # MARK-budget
    result = find_holders([(__file__, _line_of("MARK-budget"))], [], budget_s=0.0)
    assert result.cut_short


def test_reprs_are_redacted_by_default() -> None:
    for _ in range(5):
        _RESULTS.append({"user": "ada", "password": "hunter2hunter2"})  # MARK-secret
    held = _search("MARK-secret").objects[0]
    assert "hunter2" not in held.repr and "ada" in held.repr
    held = _search("MARK-secret", redact=False).objects[0]
    assert "hunter2" in held.repr


def test_the_type_census_counts_live_objects_by_qualified_name() -> None:
    before = type_census()
    kept = [Payload(i) for i in range(500)]
    after = type_census()
    name = f"{__name__}.Payload"
    assert after.get(name, 0) - before.get(name, 0) == 500
    assert len(kept) == 500


def test_objects_in_gc_garbage_name_it() -> None:
    kept = [Payload(i) for i in range(4)]  # MARK-garbage
    gc.garbage.extend(kept)
    del kept
    try:
        held = _search("MARK-garbage").objects[0]
        assert (held.root_kind, held.root) == ("gc.garbage", "gc.garbage")
    finally:
        gc.garbage.clear()


def test_a_search_that_left_referrers_unfollowed_does_not_blame_an_extension() -> None:
    # 300 lists hold the object, each held only by C code: the search follows at most
    # 96 referrers per level, so it cannot know that none of the rest has a root.
    import ctypes

    leaked = Payload(2)  # MARK-wide
    ref = weakref.ref(leaked)
    addresses = []
    for _ in range(300):
        holder = [leaked]
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(holder))
        addresses.append(id(holder))
    del holder, leaked
    try:
        result = _search("MARK-wide")
        held = [h for h in result.objects if h.type.endswith("Payload")]
        assert held and held[0].root_kind == "unknown", held
    finally:
        for address in addresses:
            ctypes.pythonapi.Py_DecRef(ctypes.cast(address, ctypes.py_object))
    assert ref() is None


def test_an_attribute_of_a_module_level_object_is_a_holder() -> None:
    for i in range(20):
        _APP.sessions[f"s{i}"] = Payload(i)  # MARK-app
    held = _search("MARK-app").objects[0]
    assert held.root_kind == "module"
    labels = [step.label for step in held.path]
    assert labels[:2] == ["global _APP", ".sessions"]
    assert re.fullmatch(r"\['s\d+'\]", labels[2]), labels  # whichever session was sampled


def test_a_structure_whose_parts_all_refer_to_each_other_is_named_by_its_container() -> None:
    # Each call makes 61 objects that refer to each other: the newest are deep inside the
    # structure, and paths up from them run through peers beyond the search's depth.
    # The class attribute that keeps the windows is still found, through its items.
    for i in range(12):
        WindowManager.open_windows[i] = Window()  # MARK-window
    result = _search("MARK-window")
    assert result.objects, result
    held = result.objects[0]
    assert (held.root_kind, held.root) == ("class", f"class {__name__}.WindowManager")
    assert held.path[0].label == "attribute open_windows"
    assert held.path[1].type == f"{__name__}.Window"


def test_the_search_runs_none_of_the_programs_code() -> None:
    for i in range(10):
        _RESULTS.append({"frame": i})  # MARK-proxy
    before = Proxy.reads
    assert _search("MARK-proxy").objects
    assert Proxy.reads == before
