"""The middleware's own memory over a million requests: it must stay flat.

One service process's run (``leaksleuth.web``'s ``ServiceRun``, with its capture file,
flush thread and route book) is fed a million requests of a handler that keeps nothing,
over 40 routes, as the middleware feeds it (``request_done`` after each request), with
the service defaults. Evidence without tracemalloc: ``sys.getallocatedblocks()`` and
RSS, after a full gc pass, at fixed request counts; and the capture file's size.

    python bench/web_memory.py --out web_memory.json [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from typing import Any

from leaksleuth.web._service import ServiceRun
from probe_memory import rss_bytes  # bench/ is on sys.path when run as a script

ROUTES = [f"/api/v1/items{i}/<id>" for i in range(40)]


def handler() -> None:
    pass  # the route's handler: keeps nothing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true", help="100,000 requests")
    parser.add_argument("--requests", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    total = 100_000 if args.quick else args.requests
    checkpoints = sorted({total // 100, total // 10, *(total * k // 5 for k in range(1, 6))})
    readings: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "cap.db")
        run = ServiceRun("bench", path)
        run.start_threads()
        started = time.perf_counter()
        for n in range(1, total + 1):
            run.request_done(ROUTES[n % len(ROUTES)], handler, failed=False)
            if n in checkpoints:
                gc.collect()
                readings.append(
                    {
                        "requests": n,
                        "py_blocks": sys.getallocatedblocks(),
                        "rss_bytes": rss_bytes(),
                        "capture_bytes": sum(
                            os.path.getsize(path + end)
                            for end in ("", "-wal")
                            if os.path.exists(path + end)
                        ),
                        "bursts": len(run.watch.probe.bursts),
                        "seconds": time.perf_counter() - started,
                    }
                )
        run.finish()
        report = run.watch.report()
        rows = len(report.iterations)
    first, last = readings[0], readings[-1]
    out = {
        "requests": total,
        "routes": len(ROUTES),
        "readings": readings,
        "py_blocks_growth": last["py_blocks"] - first["py_blocks"],
        "rss_growth_bytes": last["rss_bytes"] - first["rss_bytes"],
        "rows_kept": rows,
        "verdict": report.verdict.status,
        "tool_s": run.tool_seconds,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
