"""What ``leaksleuth imports`` costs next to ``python -X importtime``, on real imports.

For each target (``import matplotlib.pyplot``, ``import torch``) and each round, in fresh
interpreters, interleaved: the bare ``python -c "import X"``, the same under
``-X importtime``, the whole ``leaksleuth imports --json`` command (its two runs of the
program, the start-up of leaksleuth's own command line and the rendering), and the two
runs of its bootstrap alone (the memory run under tracemalloc, the time run without).
Wall times and the total import time each tool tells are medians over rounds; the other
figures (modules, memory, the three heaviest imports by cumulative time as each tool
ranks them) are the last round's.

    python bench/imports.py [--rounds 3] [--targets matplotlib.pyplot torch] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from leaksleuth.profiles._imports import CHILD

IMPORTTIME_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)")


def timed(command: list[str], cwd: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done


def importtime_figures(stderr: str, startup: set[str]) -> dict[str, Any]:
    """Modules, total seconds and the heaviest of the target's imports, per importtime."""
    rows = [m.groups() for m in map(IMPORTTIME_LINE.fullmatch, stderr.splitlines()) if m]
    mine = [(int(cum) / 1e6, len(pad) // 2, name) for cum, pad, name in rows]
    mine = [row for row in mine if row[2] not in startup]
    heaviest = sorted(mine, reverse=True)[:3]
    return {
        "modules": len(mine),
        "seconds": sum(cum for cum, depth, _ in mine if depth == 0),
        "heaviest": [(name, cum) for cum, _, name in heaviest],
    }


def ours_figures(document: dict[str, Any]) -> dict[str, Any]:
    modules = document["modules"]
    heaviest = sorted(modules, key=lambda m: m["cumulative_seconds"], reverse=True)[:3]
    return {
        "modules": len(modules),
        "seconds": document["total_seconds"],
        "py_bytes": document["total_bytes"],
        "rss_bytes": document["total_rss_bytes"],
        "c_heap_bytes": document["total_c_heap_bytes"],
        "heaviest": [(m["name"], m["cumulative_seconds"]) for m in heaviest],
    }


def measure(target: str, rounds: int, workdir: str) -> dict[str, Any]:
    script = os.path.join(workdir, "target.py")
    with open(script, "w") as fh:
        fh.write(f"import {target}\n")
    py = sys.executable
    _, startup_run = timed([py, "-X", "importtime", "-c", "pass"], workdir)
    startup = {
        m.group(3) for m in map(IMPORTTIME_LINE.fullmatch, startup_run.stderr.splitlines()) if m
    }
    commands = {
        "bare": [py, "-c", f"import {target}"],
        "importtime": [py, "-X", "importtime", "-c", f"import {target}"],
        "leaksleuth": [py, "-m", "leaksleuth", "imports", "--json", "target.py"],
        "memory run": [py, CHILD, "memory", os.path.join(workdir, "m.json"), "script", script],
        "time run": [py, CHILD, "time", os.path.join(workdir, "t.json"), "script", script],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    import_seconds: dict[str, list[float]] = {"importtime": [], "leaksleuth": []}
    for _ in range(rounds):
        for name, command in commands.items():
            seconds, done = timed(command, workdir)
            walls[name].append(seconds)
            if name == "importtime":
                theirs = importtime_figures(done.stderr, startup)
                import_seconds[name].append(theirs["seconds"])
            elif name == "leaksleuth":
                ours = ours_figures(json.loads(done.stdout))
                import_seconds[name].append(ours["seconds"])
    return {
        "target": target,
        "wall_s": {name: statistics.median(w) for name, w in walls.items()},
        "import_s": {name: statistics.median(s) for name, s in import_seconds.items()},
        "importtime": theirs,
        "leaksleuth": ours,
    }


def _mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def markdown(results: list[dict[str, Any]], rounds: int) -> str:
    lines = [
        f"### `leaksleuth imports` against `python -X importtime` (median of {rounds} rounds)",
        "",
        "| import | bare python | -X importtime | leaksleuth imports | its memory run | its time "
        "run | modules (importtime / ours) | import time (importtime / ours) | Python heap "
        "| RSS | C heap |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        w, it, ours = r["wall_s"], r["importtime"], r["leaksleuth"]
        theirs_s, ours_s = r["import_s"]["importtime"], r["import_s"]["leaksleuth"]
        lines.append(
            f"| `{r['target']}` | {w['bare']:.2f} s | {w['importtime']:.2f} s "
            f"| {w['leaksleuth']:.2f} s ({w['leaksleuth'] / w['bare']:.1f}x) "
            f"| {w['memory run']:.2f} s | {w['time run']:.2f} s "
            f"| {it['modules']} / {ours['modules']} "
            f"| {theirs_s * 1e3:.0f} / {ours_s * 1e3:.0f} ms "
            f"| {_mib(ours['py_bytes'])} | {_mib(ours['rss_bytes'])} "
            f"| {_mib(ours['c_heap_bytes'])} |"
        )
    lines += ["", "Heaviest imports by cumulative time (importtime; leaksleuth):", ""]
    for r in results:

        def ranked(rows: list[tuple[str, float]]) -> str:
            return ", ".join(f"{name} {s * 1e3:.0f} ms" for name, s in rows)

        lines.append(
            f"- `{r['target']}`: {ranked(r['importtime']['heaviest'])}; "
            f"{ranked(r['leaksleuth']['heaviest'])}"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--targets", nargs="+", default=["matplotlib.pyplot", "torch"])
    parser.add_argument("--out", help="also write the figures as JSON to this file")
    args = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as workdir:
        results = [measure(t, args.rounds, workdir) for t in args.targets]
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=2)
    sys.stdout.write(markdown(results, args.rounds))


if __name__ == "__main__":
    main()
