"""Workloads written as real module files, so that reports show their source lines, and
the lines marked in them with a comment (``# HERE``, ``# KEPT: what it keeps``)."""

from __future__ import annotations

import importlib.util
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Dict

_MARK = re.compile(r"#\s+([A-Z][A-Z0-9-]*)(?::|$)")


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


def marked_lines(module: ModuleType) -> Dict[str, int]:
    """{mark: line number} of the lines whose comment is an upper-case mark, each once."""
    marks: Dict[str, int] = {}
    for number, text in enumerate(Path(module.__file__ or "").read_text().splitlines(), 1):
        found = _MARK.search(text)
        if found:
            assert found.group(1) not in marks, f"{found.group(1)} marks two lines"
            marks[found.group(1)] = number
    return marks
