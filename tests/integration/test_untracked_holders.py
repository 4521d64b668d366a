"""Holders that only the walk down from the roots finds: containers the gc does not track.

CPython stops tracking a dict whose keys and values are all atomic (str to bytes, the
``__warningregistry__`` of a module) and a tuple of atomic items, so ``gc.get_referrers``
never returns them, and the walk up from a leaked object stops at once. These run the
real ``check()`` on a small module written for the test and imported as a user's module.
"""

from __future__ import annotations

import ctypes
import gc
import importlib.util
import sys
import textwrap
import warnings
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator, List

import pytest

import leaksleuth
from leaksleuth import Report
from leaksleuth.report import Holder

Loader = Callable[[str, str], ModuleType]


@pytest.fixture
def load(tmp_path: Path) -> Iterator[Loader]:
    """Write a module's source to tmp_path and import it under a name of its own."""
    loaded: List[str] = []

    def _load(name: str, source: str) -> ModuleType:
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loaded.append(name)
        spec.loader.exec_module(module)
        return module

    yield _load
    for name in loaded:
        sys.modules.pop(name, None)


def _holders(report: Report, object_type: str) -> List[Holder]:
    every = [h for s in report.suspects for h in s.holders] + list(report.holders)
    return [h for h in every if h.object_type == object_type]


def _site_line(module: ModuleType, marker: str) -> int:
    with open(str(module.__file__), encoding="utf-8") as f:
        return next(n for n, line in enumerate(f, 1) if marker in line)


def test_a_global_dict_of_str_to_bytes_is_named_by_its_module_and_variable(load: Loader) -> None:
    app = load(
        "untracked_cache_app",
        """
        import itertools

        _CACHE = {}
        _ids = itertools.count()

        def step():
            n = next(_ids)
            _CACHE[f"k{n}"] = bytes(200)  # SITE
        """,
    )
    report = leaksleuth.check(app.step, max_iterations=1000)
    # The case this covers: the gc does not track the dict, so nothing refers to the bytes.
    assert not gc.is_tracked(app._CACHE)
    assert report.verdict.status == "leak"
    top = report.suspects[0]
    assert (top.file, top.line) == (app.__file__, _site_line(app, "# SITE"))
    held = _holders(report, "bytes")
    assert held, report.suspects
    assert {h.root_kind for h in held} == {"module"}, [h.path for h in held]
    first = held[0]
    assert first.root == "module untracked_cache_app"
    assert first.path[0].startswith("module untracked_cache_app global _CACHE (dict, ")
    assert first.path[-1].endswith("] bytes") and first.path[-1].startswith("['k")
    assert first.container.startswith("module untracked_cache_app global _CACHE (dict")


def test_a_warning_with_a_new_message_per_call_is_held_by_the_warning_registry(
    load: Loader,
) -> None:
    app = load(
        "untracked_warning_app",
        """
        import itertools
        import warnings

        _ids = itertools.count(1000)

        def step():
            n = next(_ids)
            warnings.warn(f"record {n} is deprecated", DeprecationWarning)  # SITE
        """,
    )

    def quiet(*args: object, **kwargs: object) -> None:
        pass

    with warnings.catch_warnings():
        warnings.simplefilter("default")  # pytest shows every warning ("always"): no registry
        warnings.showwarning = quiet
        report = leaksleuth.check(app.step, max_iterations=1000)
    registry = app.__dict__["__warningregistry__"]
    assert not gc.is_tracked(registry)
    assert report.verdict.status == "leak"
    assert (report.suspects[0].file, report.suspects[0].line) == (
        app.__file__,
        _site_line(app, "# SITE"),
    )
    held = _holders(report, "tuple")
    assert held, report.suspects
    paths = [" -> ".join(h.path) for h in held]
    assert all(h.root_kind == "module" for h in held), paths
    assert all(
        p.startswith("module untracked_warning_app global __warningregistry__ (dict, ")
        for p in paths
    ), paths
    assert held[0].path[-1] == "(key) tuple"


def test_objects_only_an_extension_holds_are_still_held_outside_python(load: Loader) -> None:
    # The look-alike: nothing Python can see holds these (a C reference does), so no walk
    # may invent a path to them, nor cast doubt on the verdict.
    app = load(
        "untracked_native_app",
        """
        import ctypes

        ADDRESSES = []

        class Record:
            def __init__(self, payload):
                self.payload = payload

        def step():
            record = Record(bytes(300))  # SITE
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(record))
            ADDRESSES.append(id(record))
        """,
    )
    try:
        report = leaksleuth.check(app.step, max_iterations=1000)
        assert report.verdict.status == "leak"
        held = _holders(report, "untracked_native_app.Record")
        assert held, (report.suspects, report.holders)
        assert {h.root_kind for h in held} == {"native"}, [h.path for h in held]
        assert held[0].root == "held outside Python-visible references, likely by an extension"
    finally:
        for address in app.ADDRESSES:
            ctypes.pythonapi.Py_DecRef(ctypes.cast(address, ctypes.py_object))
        app.ADDRESSES.clear()


def test_a_class_attribute_dict_of_int_to_bytes_is_named_by_its_class(load: Loader) -> None:
    app = load(
        "untracked_class_app",
        """
        import itertools

        _ids = itertools.count(10_000)

        class Store:
            blobs = {}

        def step():
            n = next(_ids)
            Store.blobs[n] = bytes(200)  # SITE
        """,
    )
    report = leaksleuth.check(app.step, max_iterations=1000)
    assert not gc.is_tracked(app.Store.blobs)
    assert report.verdict.status == "leak"
    held = _holders(report, "bytes")
    assert held, report.suspects
    assert {h.root_kind for h in held} == {"class"}, [h.path for h in held]
    assert held[0].root == "class untracked_class_app.Store"
    assert held[0].path[0].startswith("class untracked_class_app.Store attribute blobs (dict, ")
    assert held[0].path[1].endswith("] bytes")
