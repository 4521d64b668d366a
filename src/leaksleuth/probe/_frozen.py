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
            # Asked once: counting the frozen objects walks them all. ``leaksleuth run``'s
            # own start-up freeze does not count: this one thaws those objects too.
            self._allowed = gc.isenabled() and STARTUP.only_ours_frozen()
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
        whole list back in order. A program that disabled the gc meanwhile gets no pass
        (its cycles may be the very leak the search looks for)."""
        if self._frozen:
            self._frozen = False
            if gc.isenabled():
                gc.collect()
            gc.freeze()
            gc.unfreeze()


class StartupFrozen:
    """The interpreter's and leaksleuth's own objects, frozen right before the program
    that ``leaksleuth run`` runs starts, so that its full gc passes do not walk them.

    They are some 18,000 gc-tracked objects (leaksleuth's modules, functions and data,
    and the standard library it imports; with ``-m pkg.mod`` also the parent packages
    imported to find the module); a program that makes much cyclic garbage runs a full
    pass every few hundred milliseconds, and each pass walked them all. What the program
    allocates is never frozen (frozen, its cyclic garbage would stay forever). The holder
    search follows ``gc.get_referrers``, which does not see frozen containers: they are
    thawed right before it (in order, ``OlderObjectsFrozen.thaw``) and stay thawed. The
    frozen count only falls while the program runs (frozen objects die); when it has
    risen, the program froze objects of its own, and they are left as they are (the
    search may then miss a holder among the start-up objects)."""

    def __init__(self) -> None:
        self._objects = OlderObjectsFrozen()
        self.count = -1  # frozen here, when it froze: -1 when not frozen

    def freeze(self) -> None:
        try:
            self._objects.freeze()
            self.count = gc.get_freeze_count() if self._objects.frozen else -1
        except Exception:  # the program runs, frozen or not
            self.count = -1

    def only_ours_frozen(self) -> bool:
        """Nothing is frozen but (what is left of) the objects frozen here."""
        frozen = gc.get_freeze_count()
        return frozen == 0 or frozen <= self.count

    def thaw(self) -> None:
        count, self.count = self.count, -1
        if 0 < gc.get_freeze_count() <= count:
            self._objects.thaw()


STARTUP = StartupFrozen()
