"""Workloads written as real module files, so that reports show their source lines."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType


def load_module(folder: Path, name: str, source: str) -> ModuleType:
    """Write ``source`` to ``folder/name.py`` and import it as ``sys.modules[name]``."""
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(source).lstrip())
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
