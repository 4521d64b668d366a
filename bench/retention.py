"""Cost of "why is it still alive" on a big heap: the type census and the holder search.

Builds a heap of about 1,000,000 gc-tracked objects (a realistic mix: a dict of small
records, lists, tuples, instances), then leaks a few hundred records into a module
global while tracemalloc traces, as a burst would, and times:

- one type census (a full walk of the gc's lists, with sizes of a few objects per type),
  which a burst takes at each of its snapshots;
- the holder search for the leak's allocation site, with a generous budget so that its
  real duration is measured, and the memory it allocated meanwhile (tracemalloc peak);
- the holder search, with check()'s default budget of 2 s, for matplotlib figures that
  pyplot keeps (each call makes thousands of objects that all refer to each other, so
  the newest objects are deep inside the structure), on the same heap with matplotlib
  imported.

    python bench/retention.py --out retention.json [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from typing import Any

from leaksleuth.probe._heap import sized_census, type_census
from leaksleuth.probe._retention import find_holders

_HEAP: dict[str, Any] = {}
_LEAKED: list[dict[str, Any]] = []


class Record:
    def __init__(self, n: int) -> None:
        self.n = n
        self.tags = [n, n + 1]


def build_heap(objects: int) -> int:
    """About ``objects`` tracked objects, kept alive in ``_HEAP``."""
    per = 4  # each entry: a Record, its instance state, its tags list, a tuple
    entries = objects // per
    _HEAP["records"] = {i: (Record(i), [i, str(i)]) for i in range(entries)}
    gc.collect()
    return len(gc.get_objects())


def leak_site_line() -> int:
    marker = "# " + "LEAK-SITE"  # spelled apart so that this line does not match
    with open(__file__, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.rstrip().endswith(marker):
                return n
    raise RuntimeError("no leak site line")


def leak(count: int) -> None:
    for i in range(count):
        _LEAKED.append({"frame": i, "payload": bytearray(256)})  # LEAK-SITE


def figures_site_line() -> int:
    marker = "# " + "FIGURE-SITE"
    with open(__file__, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.rstrip().endswith(marker):
                return n
    raise RuntimeError("no figure site line")


def figures_case() -> dict[str, Any]:
    """pyplot's figures made and never closed, their holder searched in 2 s."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["figure.max_open_warning"] = 0
    plt.subplots(figsize=(2, 2))  # pyplot's own first-use state, made before tracing
    plt.close("all")
    gc.collect()
    tracemalloc.start(24)
    gc.collect()
    before = type_census()
    for _ in range(40):
        plt.subplots(figsize=(2, 2))  # FIGURE-SITE
    # As check() does: every type whose count grew helps recognise the new objects.
    growing = [t for t, n in type_census().items() if n - before.get(t, 0) >= 40]
    t0 = time.perf_counter()
    result = find_holders([(__file__, figures_site_line())], [], budget_s=2.0, growing=growing)
    seconds = time.perf_counter() - t0
    tracemalloc.stop()
    plt.close("all")
    paths = [" -> ".join(s.label for s in h.path) for h in result.objects if h.root]
    return {
        "search_s": seconds,
        "objects_found": len(result.objects),
        "with_root": len(paths),
        "cut_short": result.cut_short,
        "top_path": paths[0] if paths else None,
        "holder_ok": bool(paths and paths[0].startswith("attribute figs")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true", help="a 200,000-object heap")
    args = parser.parse_args(argv)
    target = 200_000 if args.quick else 1_000_000
    t0 = time.perf_counter()
    tracked = build_heap(target)
    build_s = time.perf_counter() - t0

    tracemalloc.start(10)
    gc.collect()  # as a burst does: empties the free lists so new objects are traced
    leak(300)

    t0 = time.perf_counter()
    census = sized_census()
    census_s = time.perf_counter() - t0
    del census

    site = (__file__, leak_site_line())
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    result = find_holders([site], [], budget_s=30.0)
    search_s = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()

    top = result.objects[0] if result.objects else None
    out = {
        "heap_objects": tracked,
        "build_s": build_s,
        "census_s": census_s,
        "search_s": search_s,
        "search_peak_bytes": peak,
        "objects_found": len(result.objects),
        "cut_short": result.cut_short,
        "top_path": " -> ".join(s.label for s in top.path) if top else None,
        "top_root": top.root if top else None,
        "holder_ok": bool(top and top.path and top.path[0].label == "global _LEAKED"),
        "figures": figures_case(),
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
