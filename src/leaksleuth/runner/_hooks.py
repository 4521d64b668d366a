"""``--iterate-on module:qualname``: each call of that function is one iteration.

The function is wrapped where it is *defined*: when its module is imported (later than
the tool starts, or as the program's own ``__main__``), its source is compiled with one
more, innermost decorator on that ``def``. So a framework that registers the function
while the module runs (a route decorator, a callback list) registers the wrapped one,
and so do ``staticmethod``/``classmethod``. A module imported before the tool started,
or one without Python source, has the attribute replaced instead.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import sys
from types import ModuleType
from typing import Any, Callable, List, Optional, Sequence, Tuple

from leaksleuth._errors import UsageError

# The name the rewritten module looks its decorator up by (in builtins, so that the
# module's own namespace gains nothing).
DECORATOR_NAME = "__leaksleuth_iteration__"


def parse_spec(spec: str) -> Tuple[str, Tuple[str, ...]]:
    """``pkg.mod:Class.method`` -> (``pkg.mod``, (``Class``, ``method``))."""
    module, sep, qualname = spec.partition(":")
    parts = tuple(qualname.split("."))
    if not sep or not module or not all(p.isidentifier() for p in parts):
        raise UsageError(
            f"--iterate-on wants module:qualname (for example app.views:handle or "
            f"face01lib.Core:Core.frame_pre_processing), got {spec!r}"
        )
    return module, parts


def iteration_wrapper(fn: Callable[..., Any], tick: Callable[[], None]) -> Callable[..., Any]:
    """``fn`` that calls ``tick()`` when each call returns (or raises)."""
    if getattr(fn, "__leaksleuth_wrapped__", False):
        return fn
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            finally:
                tick()

        wrapped: Callable[..., Any] = async_wrapped
    else:

        @functools.wraps(fn)
        def sync_wrapped(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                tick()

        wrapped = sync_wrapped
    wrapped.__leaksleuth_wrapped__ = True  # type: ignore[attr-defined]
    return wrapped


class _AddDecorator(ast.NodeTransformer):
    """Adds the iteration decorator, innermost, to the ``def`` at ``path``."""

    def __init__(self, path: Sequence[str]) -> None:
        self.path = list(path)
        self.stack: List[str] = []
        self.found = False

    def _visit_scope(self, node: Any) -> Any:
        self.stack.append(node.name)
        if self.stack == self.path and not isinstance(node, ast.ClassDef):
            node.decorator_list.append(ast.Name(id=DECORATOR_NAME, ctx=ast.Load()))
            self.found = True
        elif self.path[: len(self.stack)] == self.stack:
            self.generic_visit(node)
        self.stack.pop()
        return node

    visit_FunctionDef = _visit_scope
    visit_AsyncFunctionDef = _visit_scope
    visit_ClassDef = _visit_scope


def compile_with_iterations(source: bytes, filename: str, path: Sequence[str]) -> Tuple[Any, bool]:
    """The module's code with the decorator added; also whether the ``def`` was found."""
    tree = ast.parse(source, filename)
    adder = _AddDecorator(path)
    tree = ast.fix_missing_locations(adder.visit(tree))
    return compile(tree, filename, "exec", dont_inherit=True), adder.found


class _RewritingLoader(importlib.machinery.SourceFileLoader):
    """Compiles from source every time (a cached .pyc would lack the decorator)."""

    path_parts: Tuple[str, ...] = ()

    def get_code(self, fullname: str) -> Any:
        source = self.get_data(self.path)
        return compile_with_iterations(source, self.path, self.path_parts)[0]


class IterateOn:
    """Installs the hook for one ``module:qualname``; ``found`` says whether it took."""

    def __init__(self, spec: str, tick: Callable[[], None]) -> None:
        self.module, self.path = parse_spec(spec)
        self.spec = spec
        self.tick = tick
        self.found = False
        self._finder: Optional[_Finder] = None

    def install(self, main_names: Sequence[str] = ()) -> None:
        """Hook future imports of the module; patch it now if it is already imported.

        ``main_names``: the names under which the program's own ``__main__`` is meant
        (``__main__`` and the script's stem); that module is compiled by the runner.
        """
        builtins.__dict__[DECORATOR_NAME] = self.decorate
        if self.module in main_names:
            return
        loaded = sys.modules.get(self.module)
        if loaded is not None:
            self.patch_attribute(loaded)
            return
        self._finder = _Finder(self)
        sys.meta_path.insert(0, self._finder)

    def decorate(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        self.found = True
        return iteration_wrapper(fn, self.tick)

    def patch_attribute(self, module: ModuleType) -> None:
        """Replace the attribute (for modules loaded before the hook, or without source)."""
        owner: Any = module
        for name in self.path[:-1]:
            owner = getattr(owner, name, None)
            if owner is None:
                return
        name = self.path[-1]
        raw = inspect.getattr_static(owner, name, None)
        if raw is None:
            return
        if isinstance(raw, (staticmethod, classmethod)):
            setattr(owner, name, type(raw)(self.decorate(raw.__func__)))
        elif callable(raw):
            setattr(owner, name, self.decorate(raw))

    def uninstall(self) -> None:
        if self._finder is not None and self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        builtins.__dict__.pop(DECORATOR_NAME, None)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, hook: IterateOn) -> None:
        self.hook = hook
        self._busy = False

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.hook.module or self._busy:
            return None
        self._busy = True
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._busy = False
        if spec is None:
            return None
        if isinstance(spec.loader, importlib.machinery.SourceFileLoader) and spec.origin:
            loader = _RewritingLoader(fullname, spec.origin)
            loader.path_parts = self.hook.path
            spec.loader = loader
        else:  # no source to rewrite: replace the attribute once the module has run
            spec.loader = _PatchAfterLoader(spec.loader, self.hook)
        return spec


class _PatchAfterLoader(importlib.abc.Loader):
    def __init__(self, inner: Any, hook: IterateOn) -> None:
        self.inner = inner
        self.hook = hook

    def create_module(self, spec: Any) -> Any:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.inner.exec_module(module)
        self.hook.patch_attribute(module)
