"""The benchmark, in one command: ``python bench/run.py [--quick]``.

Runs each part in its own fresh interpreter (so one part's heap cannot colour another's),
writes ``bench/out/results.json`` and ``bench/out/results.md``, and prints the markdown.

Parts: corpus accuracy (verdict, top-1 site and holder; tuning and held-out sets scored
separately), the real-library corpus with its peers (tracemalloc, memray, an RSS slope;
each workload repeated in fresh interpreters, replays of fixed leaks in venvs of the
leaking and the fixed release), overhead against peers measured in the same run, the
probe's own memory over 100,000 iterations, how many iterations a 1/4/64 KiB-per-iteration
leak needs before it is called, the cost of the type census and the holder search on
a 1,000,000-object heap, and `leaksleuth run` on two correct programs (no burst, its
slowdown paired with the bare program), and a Flask service under gunicorn with and
without leaksleuth.web's middleware (requests per second, the by-hand tracemalloc peer),
and the pytest plugin's cost per checked test with pytest-memray's ``limit_leaks`` on the
same leaking and clean tests.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from typing import Any, Optional

from _markdown import render_markdown  # bench/ is on sys.path when run as a script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")

# (result key, script, extra arguments)
PARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("corpus_tuning", "corpus.py", ("--set", "tuning")),
    ("corpus_heldout", "corpus.py", ("--set", "heldout")),
    ("realcorpus", "realcorpus.py", ()),
    ("overhead", "overhead.py", ()),
    ("probe_memory", "probe_memory.py", ()),
    ("latency", "latency.py", ()),
    ("retention", "retention.py", ()),
    ("signals", "signals.py", ()),
    ("native_window", "native_window.py", ()),
    ("capture", "capture.py", ()),
    ("run_correct", "run_correct.py", ()),
    ("torch_cpu", "torch_cpu.py", ()),
    ("web", "web.py", ()),
    ("web_memory", "web_memory.py", ()),
    ("pytest_plugin", "pytest_plugin.py", ()),
)


# The distributions whose versions a run records (the peers and the servers measured).
_VERSIONED = (
    "leaksleuth", "numpy", "matplotlib", "memray", "torch", "pytest", "pytest-memray",
    "flask", "gunicorn",
)  # fmt: skip


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": {d: _version(d) for d in _VERSIONED},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def run_part(script: str, args: tuple[str, ...], quick: bool) -> dict[str, Any]:
    """Run one part in a fresh interpreter; its JSON, or the error that stopped it."""
    out = os.path.join(OUT, f"part-{os.path.splitext(script)[0]}-{'-'.join(args) or 'all'}.json")
    cmd = [sys.executable, os.path.join(ROOT, "bench", script), "--out", out, *args]
    if quick and script != "corpus.py":
        cmd.append("--quick")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": f"exit {proc.returncode}", "stderr": proc.stderr[-4000:], "wall_s": wall}
    with open(out, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    os.remove(out)
    data["part_wall_s"] = wall
    return data


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Run the leaksleuth benchmark.")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (minutes)")
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=[key for key, _, _ in PARTS],
        help="rerun only these parts, keeping the others from the last results.json "
        "(the report then names the run of each part)",
    )
    args = parser.parse_args(argv)
    os.makedirs(OUT, exist_ok=True)
    results: dict[str, Any] = {}
    saved = os.path.join(OUT, "results.json")
    if args.parts and os.path.exists(saved):
        with open(saved, encoding="utf-8") as f:
            results = json.load(f)
    results.update({"machine": machine(), "quick": args.quick})
    command = "python bench/run.py" + (" --quick" if args.quick else "")
    if args.parts:
        rerun = ", ".join(args.parts)
        command = f"{results.get('command', 'python bench/run.py')}, then {command} --parts {rerun}"
    results["command"] = command
    for key, script, extra in PARTS:
        if args.parts and key not in args.parts and key in results:
            continue
        print(f"running {key} ...", file=sys.stderr, flush=True)
        results[key] = run_part(script, extra, args.quick)
    with open(os.path.join(OUT, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
    text = render_markdown(results)
    with open(os.path.join(OUT, "results.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(text)
    failed = [key for key, _, _ in PARTS if "error" in results.get(key, {})]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
