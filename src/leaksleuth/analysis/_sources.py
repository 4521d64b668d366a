"""Which frames are the user's code and which belong to the stdlib or third parties."""

from __future__ import annotations

import linecache
import os
import sysconfig
from typing import Tuple

_LIBRARY_MARKERS = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)
_TOOL_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "")


def _library_prefixes() -> Tuple[str, ...]:
    paths = sysconfig.get_paths()
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    return tuple(sorted({os.path.join(paths[k], "") for k in keys if k in paths}))


class SourceClassifier:
    """Tells user frames from library frames by path.

    >>> SourceClassifier().is_user("<frozen importlib._bootstrap>")
    False
    """

    def __init__(self, extra_user_files: Tuple[str, ...] = ()) -> None:
        self._library = _library_prefixes()
        # As given too: a notebook cell's code is named "<ipython-input-3-...>".
        given = set(extra_user_files)
        self._user_files = frozenset(given | {os.path.abspath(f) for f in given})

    def is_user(self, filename: str) -> bool:
        if filename in self._user_files:
            return True
        if filename.startswith("<") or filename.startswith(_TOOL_DIR):
            return False
        if any(m in filename for m in _LIBRARY_MARKERS):
            return False
        return not filename.startswith(self._library)


def source_line(filename: str, line: int) -> str:
    """The stripped source text of a line, or '' when the file cannot be read."""
    return linecache.getline(filename, line).strip()
