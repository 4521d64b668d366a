"""Loading what to check: ``path/to/file.py:function`` or ``package.module:function``.

::

    target = load_target("examples/frames.py:process_frame", setup="setup")
    args = run_setup(target)          # () or (the value setup returned,)
    target.function(*args)

Every failure is a ``TargetError`` with a message fit for one line on stderr.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Optional

from leaksleuth._errors import TargetError, TargetNotCallable, TargetNotFound, UsageError

TARGET_FORMS = "path/to/file.py:function or package.module:function"


@dataclass(frozen=True)
class TargetSpec:
    """A parsed TARGET: where the code lives and the dotted attribute path inside it."""

    source: str  # a file path, or a dotted module name
    attribute: str  # "function" or "Class.method"
    is_file: bool

    def __str__(self) -> str:
        return f"{self.source}:{self.attribute}"


@dataclass(frozen=True)
class Target:
    """The loaded function to check and, if asked for, the function that sets it up."""

    name: str
    function: Callable[..., Any]
    setup: Optional[Callable[..., Any]] = None


def _is_dotted_name(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def parse_target(text: str) -> TargetSpec:
    """Split ``"app.py:work"`` into its file or module and its attribute path.

    >>> parse_target("pkg.mod:Cls.run")
    TargetSpec(source='pkg.mod', attribute='Cls.run', is_file=False)
    """
    source, _, attribute = text.rpartition(":")
    if not source or not _is_dotted_name(attribute):
        raise UsageError(f"target {text!r} should look like {TARGET_FORMS}")
    separators = {"/", os.sep, os.altsep or "/"}
    is_file = source.endswith(".py") or any(s in source for s in separators)
    if not is_file and not _is_dotted_name(source):
        raise UsageError(f"target {text!r} should look like {TARGET_FORMS}")
    return TargetSpec(source=source, attribute=attribute, is_file=is_file)


def _describe(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _unique_module_name(path: str) -> str:
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    name, n = f"leaksleuth_target_{stem}", 1
    while name in sys.modules:
        n += 1
        name = f"leaksleuth_target_{stem}_{n}"
    return name


def _load_file(source: str) -> ModuleType:
    path = os.path.abspath(source)
    if not os.path.isfile(path):
        raise TargetNotFound(f"no such file: {source}")
    name = _unique_module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot import {source}: not a Python source file")
    # Like `python file.py`: the file's directory first, so that sibling imports work.
    directory = os.path.dirname(path)
    if sys.path[:1] != [directory]:
        sys.path.insert(0, directory)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickle look the module up by name
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        del sys.modules[name]
        raise TargetError(f"importing {source} raised {_describe(exc)}") from None
    return module


def _is_missing(name: str, exc: ModuleNotFoundError) -> bool:
    missing = exc.name or ""
    return name == missing or name.startswith(missing + ".")


def _load_module(name: str) -> ModuleType:
    # Like `python -m`: modules in the working directory can be named.
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if _is_missing(name, exc):
            raise TargetNotFound(f"no module named {name!r}") from None
        raise TargetError(f"importing {name} raised {_describe(exc)}") from None
    except (Exception, SystemExit) as exc:
        raise TargetError(f"importing {name} raised {_describe(exc)}") from None


def load_module(spec: TargetSpec) -> ModuleType:
    """Import the file or module that ``spec`` names (a file under a fresh module name)."""
    return _load_file(spec.source) if spec.is_file else _load_module(spec.source)


def resolve(module: ModuleType, spec: TargetSpec) -> Callable[..., Any]:
    """Follow ``spec.attribute`` (``"Class.method"``) from ``module`` to a callable."""
    obj: object = module
    owner = spec.source
    for part in spec.attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetNotFound(f"no {part!r} in {owner}") from None
        owner = f"{owner}:{part}" if owner == spec.source else f"{owner}.{part}"
    if not callable(obj):
        raise TargetNotCallable(f"{spec} is a {type(obj).__name__}, not a function")
    return obj


def _same_source(a: TargetSpec, b: TargetSpec) -> bool:
    if a.is_file != b.is_file:
        return False
    if a.is_file:
        return os.path.abspath(a.source) == os.path.abspath(b.source)
    return a.source == b.source


def load_target(text: str, setup: Optional[str] = None) -> Target:
    """Load TARGET and the optional setup function, importing each file only once.

    ``setup`` is a name in the target's own file or module (``"make_frames"``) or a
    full TARGET of its own (``"fixtures.py:make_frames"``).
    """
    spec = parse_target(text)
    module = load_module(spec)
    function = resolve(module, spec)
    if setup is None:
        return Target(name=text, function=function)
    if ":" in setup:
        setup_spec = parse_target(setup)
    elif _is_dotted_name(setup):
        setup_spec = TargetSpec(spec.source, setup, spec.is_file)
    else:
        raise UsageError(f"--setup {setup!r} should be a function name or a TARGET")
    setup_module = module if _same_source(spec, setup_spec) else load_module(setup_spec)
    return Target(name=text, function=function, setup=resolve(setup_module, setup_spec))


def run_setup(target: Target) -> tuple[Any, ...]:
    """Call the setup function once; its result, unless None, becomes the target's argument."""
    if target.setup is None:
        return ()
    try:
        value = target.setup()
    except Exception as exc:
        raise TargetError(f"the setup function raised {_describe(exc)}") from None
    return () if value is None else (value,)
