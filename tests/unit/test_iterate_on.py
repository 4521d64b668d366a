"""``--iterate-on``'s wrapping, in this process: where the def is, async functions,
modules imported before the hook, and specs that cannot work."""

from __future__ import annotations

import asyncio
import builtins
import sys
import textwrap
import types
from pathlib import Path
from typing import Any, List

import pytest

from leaksleuth._errors import UsageError
from leaksleuth.runner._hooks import (
    DECORATOR_NAME,
    IterateOn,
    compile_with_iterations,
    iteration_wrapper,
    parse_spec,
)

_SOURCE = textwrap.dedent(
    """
    REGISTERED = []

    def register(fn):
        REGISTERED.append(fn)
        return fn

    class Core:
        @register
        def frame(self, x):
            return x + 1

        @staticmethod
        def helper(x):
            return x

    def frame(x):  # same name, other scope: not the target
        return x
    """
)


def _module(source: str, name: str, ticks: List[str]) -> types.ModuleType:
    hook = IterateOn(f"{name}:Core.frame", lambda: ticks.append("tick"))
    hook.install(main_names=(name,))  # compiled by us, as the runner compiles __main__
    try:
        code, found = compile_with_iterations(source.encode(), f"{name}.py", hook.path)
        assert found
        module = types.ModuleType(name)
        exec(code, module.__dict__)
        return module
    finally:
        hook.uninstall()


def test_the_def_is_wrapped_where_it_is_defined_so_registrations_see_the_wrapper() -> None:
    ticks: List[str] = []
    mod = _module(_SOURCE, "defsite", ticks)
    core = mod.Core()
    assert core.frame(1) == 2
    assert mod.REGISTERED[0](core, 5) == 6  # the decorator registered the wrapped function
    assert mod.frame(3) == 3 and core.helper(4) == 4  # other functions untouched
    assert ticks == ["tick", "tick"]
    assert not hasattr(builtins, DECORATOR_NAME)  # uninstalled: builtins as they were


def test_a_def_that_is_not_there_is_reported_as_not_found() -> None:
    _, found = compile_with_iterations(b"def other():\n    pass\n", "x.py", ("missing",))
    assert not found


def test_an_async_function_ticks_when_its_call_completes() -> None:
    ticks: List[str] = []

    async def handler(x: int) -> int:
        await asyncio.sleep(0)
        ticks.append("body")
        return x * 2

    wrapped = iteration_wrapper(handler, lambda: ticks.append("tick"))
    assert asyncio.run(wrapped(21)) == 42
    assert ticks == ["body", "tick"]
    assert asyncio.iscoroutinefunction(wrapped)


def test_a_call_that_raises_still_counts_as_an_iteration() -> None:
    ticks: List[str] = []

    def boom() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError):
        iteration_wrapper(boom, lambda: ticks.append("tick"))()
    assert ticks == ["tick"]


def test_a_module_imported_before_the_hook_has_its_attribute_replaced(tmp_path: Path) -> None:
    (tmp_path / "early_mod.py").write_text(_SOURCE)
    sys.path.insert(0, str(tmp_path))
    try:
        import early_mod  # type: ignore[import-not-found]

        ticks: List[Any] = []
        hook = IterateOn("early_mod:Core.helper", lambda: ticks.append("tick"))
        hook.install()
        try:
            assert early_mod.Core.helper(7) == 7  # still a staticmethod
            assert early_mod.Core().helper(8) == 8
            assert ticks == ["tick", "tick"]
        finally:
            hook.uninstall()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("early_mod", None)


def test_a_module_imported_after_the_hook_is_compiled_with_the_decorator(tmp_path: Path) -> None:
    (tmp_path / "late_mod.py").write_text(_SOURCE)
    sys.path.insert(0, str(tmp_path))
    ticks: List[Any] = []
    hook = IterateOn("late_mod:Core.frame", lambda: ticks.append("tick"))
    hook.install()
    try:
        import late_mod  # type: ignore[import-not-found]

        assert late_mod.REGISTERED[0](late_mod.Core(), 1) == 2  # registered wrapped
        assert ticks == ["tick"] and hook.found
    finally:
        hook.uninstall()
        sys.path.remove(str(tmp_path))
        sys.modules.pop("late_mod", None)


@pytest.mark.parametrize("spec", ["nocolon", ":func", "mod:", "mod:a..b", "mod:1x"])
def test_a_malformed_spec_is_a_usage_error(spec: str) -> None:
    with pytest.raises(UsageError, match="module:qualname"):
        parse_spec(spec)
