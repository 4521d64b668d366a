"""The versions of the top-level packages a program imported, read from their modules'
``__version__`` (no package metadata is read: that would import more into the program)."""

from __future__ import annotations

import sys
import types
from typing import Dict

_MAX = 400


def imported_versions() -> Dict[str, str]:
    """{top-level package: version} for imported packages that state one. Never raises.

    Read from each module's own namespace, never through ``getattr``: a module-level
    ``__getattr__`` could warn (click, jsonschema deprecate ``__version__``) or import
    lazily inside the program."""
    out: Dict[str, str] = {}
    try:
        for name, module in list(sys.modules.items()):
            if "." in name or name.startswith("_") or type(module) is not types.ModuleType:
                continue
            version = module.__dict__.get("__version__")
            if isinstance(version, str) and 0 < len(version) <= 40:
                out[name] = version
                if len(out) >= _MAX:
                    break
    except Exception:
        pass
    return out
