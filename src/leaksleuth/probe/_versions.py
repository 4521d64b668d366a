"""The versions of the top-level packages a program imported, read from their modules'
``__version__`` (no package metadata is read: that would import more into the program)."""

from __future__ import annotations

import sys
import warnings
from typing import Dict

_MAX = 400


def imported_versions() -> Dict[str, str]:
    """{top-level package: version} for imported packages that state one. Never raises."""
    out: Dict[str, str] = {}
    try:
        # Some packages warn when __version__ is read (click, jsonschema): not the
        # program's business.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _read(out)
    except Exception:
        pass
    return out


def _read(out: Dict[str, str]) -> None:
    for name, module in list(sys.modules.items()):
        if "." in name or name.startswith("_") or module is None:
            continue
        version = getattr(module, "__version__", None)
        if isinstance(version, str) and 0 < len(version) <= 40:
            out[name] = version
            if len(out) >= _MAX:
                return
