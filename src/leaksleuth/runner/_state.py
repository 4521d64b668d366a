"""The run in progress in this process (set by ``leaksleuth run``), and ``tick()``.

Kept tiny and free of imports: ``leaksleuth.tick()`` is called in the program's loop.
"""

from __future__ import annotations

from typing import Any, Optional

# The ProgramRun of this process while ``leaksleuth run`` watches it, else None.
ACTIVE: Optional[Any] = None


def tick() -> None:
    """Mark the end of one iteration of a program run under ``leaksleuth run``.

    Outside ``leaksleuth run`` it does nothing (and costs one global lookup), so a
    program can keep the call in production. Never raises.
    """
    run = ACTIVE
    if run is not None:
        run.tick("tick")
