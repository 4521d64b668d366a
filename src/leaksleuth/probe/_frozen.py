"""The objects older than a measurement, kept out of the gc's full passes meanwhile:
``check()`` and ``leaksleuth lines`` both measure over a heap they did not make."""

from __future__ import annotations

import gc
from typing import Optional


class OlderObjectsFrozen:
    """The objects that existed before check() began, moved out of the gc's reach while
    it measures (``gc.freeze()``), and back after.

    check() takes a full gc pass every ``max_iterations / 50`` iterations, and a full pass
    walks every tracked object: with torch imported that is some 165,000 objects and
    0.15 s a pass (inside a pytest run that keeps 600 matplotlib figures, 940,000 and
    0.8 s), so the passes, not the loop, would set check()'s time. What the unit of work
    allocates is all the passes need to see; the older objects are the modules, classes
    and data the program had already, alive throughout. Older cyclic garbage stays
    uncollected until ``thaw()`` (it was there before the run, so it shows no growth).
    The holder search follows references with ``gc.get_referrers``, which does not see
    frozen objects, so everything is thawed right before it (at the end of the burst,
    after the burst's own snapshots and censuses, which need only the new objects) and
    frozen again after. Nothing is frozen for a program that disabled the gc or froze
    objects of its own.
    """

    def __init__(self) -> None:
        self._frozen = False
        self._allowed: Optional[bool] = None

    def freeze(self) -> None:
        if self._allowed is None:
            # Asked once: counting the frozen objects walks them all.
            self._allowed = gc.isenabled() and gc.get_freeze_count() == 0
        if self._allowed and not self._frozen and gc.isenabled():
            gc.freeze()
            self._frozen = True

    @property
    def frozen(self) -> bool:
        return self._frozen

    def thaw(self) -> None:
        """Unfreeze, keeping the oldest generation in order of arrival (the holder
        search reads it so): ``gc.unfreeze()`` alone would put the older objects after
        the run's. A full pass first moves the run's survivors into the oldest
        generation (while the older objects are frozen, it walks only the run's),
        ``gc.freeze()`` appends them to the older objects, and the unfreeze then hands the
        whole list back in order."""
        if self._frozen:
            self._frozen = False
            gc.collect()
            gc.freeze()
            gc.unfreeze()
