"""Short file names for tracebacks: relative to the working directory when possible."""

from __future__ import annotations

import os
import sysconfig

_PACKAGE_DIRS = (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}")


def short_path(path: str, cwd: str) -> str:
    """``path`` shortened for display; the full path when nothing shorter is unambiguous.

    Files under ``cwd`` become relative (``src/app.py``); installed packages start at
    the package (``requests/models.py``); the standard library starts below its
    directory (``json/encoder.py``). Pseudo-files such as ``<string>`` are kept.

    >>> short_path("/home/me/proj/app.py", "/home/me/proj")
    'app.py'
    """
    if not os.path.isabs(path):
        return path
    try:
        relative = os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        relative = path
    if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
        return relative
    for marker in _PACKAGE_DIRS:
        if marker in path:
            return path.rsplit(marker, 1)[1]
    stdlib = sysconfig.get_path("stdlib") + os.sep
    if path.startswith(stdlib):
        return path[len(stdlib) :]
    return path
