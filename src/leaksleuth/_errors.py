"""The one exception tree of leaksleuth.

::

    LeaksleuthError                  every error leaksleuth raises on purpose
    ├── UsageError                   bad options or arguments          (CLI exit 2)
    ├── TargetError                  the thing to check cannot be used (CLI exit 2)
    │   ├── TargetNotFound           missing file, module or attribute
    │   └── TargetNotCallable        the attribute is not a function
    └── CaptureError                 a capture file cannot be read     (CLI exit 2)

The CLI catches ``LeaksleuthError`` once, in ``main()``, and prints its message as one line.
An exception raised *by the user's function* is not one of these: it is recorded in the
report (``Report.target_error``) together with the iterations measured before it.
"""

from __future__ import annotations


class LeaksleuthError(Exception):
    """Root of every error leaksleuth raises on purpose."""


class UsageError(LeaksleuthError):
    """Invalid options or arguments."""


class TargetError(LeaksleuthError):
    """The target named by the user cannot be loaded or called."""


class TargetNotFound(TargetError):
    """A file, module or attribute named by the target does not exist."""


class TargetNotCallable(TargetError):
    """The target exists but cannot be called."""


class CaptureError(LeaksleuthError):
    """A saved capture is truncated, corrupt or not a leaksleuth capture."""
