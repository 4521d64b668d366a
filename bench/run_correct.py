"""``leaksleuth run --iterate-on`` on correct programs: no burst without real growth.

Two programs that do not leak, written into a temporary folder by this bench, each a
``step()`` that ``main()`` calls a fixed number of times:

- *numpy*: a few float64 arrays of 10^4 to 2*10^5 elements per step (the size varies
  from step to step), some arithmetic, reduced to a float;
- *object graph*: a few hundred small objects per step (class instances, their dicts and
  lists) tied by parent/child reference cycles, walked, then dropped, so that garbage
  piles up between the gc's passes.

Each program times its own loop with ``time.perf_counter()`` (start-up excluded) and
prints the loop's seconds as its last line of stdout, its CPU seconds on the line before.
In each round, ``python prog.py`` and ``python -m leaksleuth run --iterate-on
__main__:step --capture X.db --json X.json prog.py`` run back to back, each in a fresh
process, alternately first; the round's ratio is leaksleuth's loop time over the bare
loop time. Also kept from every leaksleuth run: the verdict, whether a tracemalloc burst
ran (the capture's ``bursts``), and ``meta.tool_s`` (leaksleuth's own time in the
program's process) over the rest of the loop.

    python bench/run_correct.py --out run_correct.json [--quick] [--against SRC]

``--against SRC`` also runs, in each round, the leaksleuth whose package lies in the
folder ``SRC`` (another revision's ``src``: ``git archive REV src | tar -x -C DIR``,
then ``--against DIR/src``), imported through ``PYTHONPATH``; the three runs of a round
rotate their order, and ``against`` holds its ratios to the same round's bare run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from leaksleuth.capture._store import read_store

NUMPY_PROGRAM = """\
import sys
import time

import numpy as np

_rng = np.random.default_rng(7)
SIZES = [int(s) for s in _rng.integers(10_000, 200_000, size=97)]


def step(i):
    n = SIZES[i % len(SIZES)]
    a = np.arange(n, dtype=np.float64)
    b = a * 0.001 + 0.5
    c = np.sqrt(b) * b
    return float(c.sum() - c[::2].mean() * b[: n // 4].sum())

"""

GRAPH_PROGRAM = """\
import sys
import time


class Node:
    def __init__(self, name, parent=None):
        self.name = name
        self.parent = parent
        self.children = []
        self.attrs = {"name": name, "owner": self}
        if parent is not None:
            parent.children.append(self)


def step(i):
    root = Node("root")
    nodes = [root]
    for k in range(500):
        node = Node(f"n{k}", nodes[(k * 7 + i) % len(nodes)])
        node.attrs["peers"] = [nodes[k // 2], node]
        nodes.append(node)
    depth = 0
    for node in nodes:
        d, p = 0, node.parent
        while p is not None:
            d, p = d + 1, p.parent
        depth += d + len(node.attrs.get("peers", ()))
    return depth

"""

# Both programs time their own loop (start-up excluded) and print the result, the loop's
# CPU seconds and its wall seconds, one a line.
_MAIN = """

def main():
    iterations = int(sys.argv[1])
    total = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    for i in range(iterations):
        total += step(i)
    loop = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(repr(total))
    print(cpu)
    print(loop)


if __name__ == "__main__":
    main()
"""

PROGRAMS = {"numpy": NUMPY_PROGRAM + _MAIN, "object_graph": GRAPH_PROGRAM + _MAIN}


def _run(cmd: list[str], cwd: str, src: str | None = None) -> dict[str, Any]:
    """Run one program in a fresh process; what it printed, and the command's wall time.
    ``src``: import leaksleuth from that folder instead of the installed one."""
    env = None
    if src is not None:
        path = [os.path.abspath(src), os.environ.get("PYTHONPATH", "")]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in path if p))
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    return {
        "loop_s": float(lines[-1]),
        "cpu_s": float(lines[-2]),
        "result": lines[-3],
        "wall_s": wall,
    }


def _leaksleuth_facts(capture: str, report_path: str) -> dict[str, Any]:
    with open(report_path, encoding="utf-8") as fh:
        report = json.load(fh)
    meta = report.get("meta", {})
    bursts = len(read_store(capture).capture.bursts)
    return {
        "status": report["verdict"]["status"],
        "reason": report["verdict"]["reason"],
        "bursts": bursts,
        # samples read with tracemalloc on (a burst's), as the report's phase marks them
        "traced_samples": sum(1 for p in report.get("phase", ()) if p),
        "tool_s": meta.get("tool_s"),
        "iterations_run": meta.get("iterations_run"),
    }


def _middle_half(values: list[float]) -> tuple[float, float]:
    s = sorted(values)
    return s[len(s) // 4], s[(3 * len(s)) // 4]


def measure(
    name: str, rounds: int, iterations: int, tmp: str, against: str | None = None
) -> dict[str, Any]:
    # (not "numpy.py": the script's folder comes first on sys.path)
    script = os.path.join(tmp, f"prog_{name}.py")
    with open(script, "w", encoding="utf-8") as fh:
        fh.write(PROGRAMS[name])
    ratios, cpu_ratios, wall_ratios, shares, runs = [], [], [], [], []
    same_result = True
    against_runs: list[dict[str, Any]] = []

    def run_cmd(capture: str, report: str) -> list[str]:
        return [
            sys.executable, "-m", "leaksleuth", "run", "--iterate-on", "__main__:step",
            "--capture", capture, "--json", report, script, str(iterations),
        ]  # fmt: skip

    for r in range(rounds):
        capture = os.path.join(tmp, f"{name}-{r}.db")
        report = os.path.join(tmp, f"{name}-{r}.json")
        order: list[tuple[str, list[str], str | None]] = [
            ("bare", [sys.executable, script, str(iterations)], None),
            ("leaksleuth", run_cmd(capture, report), None),
        ]
        if against is not None:
            stem = os.path.join(tmp, f"{name}-{r}-against")
            other = (f"{stem}.db", f"{stem}.json")
            order.append(("against", run_cmd(*other), against))
        k = r % len(order)
        order = order[k:] + order[:k]
        got = {who: _run(cmd, tmp, src) for who, cmd, src in order}
        bare, tool = got["bare"], got["leaksleuth"]
        if against is not None:
            against_runs.append(
                {"ratio": got["against"]["loop_s"] / bare["loop_s"], **_leaksleuth_facts(*other)}
            )
        facts = _leaksleuth_facts(capture, report)
        ratios.append(tool["loop_s"] / bare["loop_s"])
        cpu_ratios.append(tool["cpu_s"] / bare["cpu_s"])
        wall_ratios.append(tool["wall_s"] / bare["wall_s"])
        if facts["tool_s"] is not None:
            # leaksleuth's own time in the program over the rest of the loop
            shares.append(facts["tool_s"] / (tool["loop_s"] - facts["tool_s"]))
        same_result = same_result and bare["result"] == tool["result"]
        runs.append(
            {
                "first": order[0][0],
                "bare_loop_s": bare["loop_s"],
                "run_loop_s": tool["loop_s"],
                "bare_cpu_s": bare["cpu_s"],
                "run_cpu_s": tool["cpu_s"],
                **facts,
            }
        )
    q1, q3 = _middle_half(ratios)
    bare_loops = [run["bare_loop_s"] for run in runs]
    statuses = [run["status"] for run in runs]
    tool_us = [run["tool_s"] / iterations * 1e6 for run in runs if run["tool_s"] is not None]
    found: dict[str, Any] = {
        "iterations": iterations,
        "rounds": rounds,
        "bare_iteration_ms": statistics.median(bare_loops) / iterations * 1e3,
        "ratio": statistics.median(ratios),
        "ratio_q1": q1,
        "ratio_q3": q3,
        "ratios": ratios,
        # CPU time of the loop (all the process's threads): steadier on a shared machine
        "cpu_ratio": statistics.median(cpu_ratios),
        "cpu_ratios": cpu_ratios,
        # the whole command against the whole bare command (start-up, the report at the end)
        "wall_ratio": statistics.median(wall_ratios),
        "wall_ratios": wall_ratios,
        "tool_share": statistics.median(shares) if shares else None,
        "tool_shares": shares,
        "tool_us_per_iteration": statistics.median(tool_us) if tool_us else None,
        "runs_with_burst": sum(1 for run in runs if run["bursts"]),
        "verdicts": {s: statuses.count(s) for s in sorted(set(statuses))},
        # the iterate-on wrapper must not change what the program computes
        "same_result": same_result,
        "runs": runs,
    }
    if against is not None:
        found["against"] = {
            "src": against,
            "ratio": statistics.median(run["ratio"] for run in against_runs),
            "runs_with_burst": sum(1 for run in against_runs if run["bursts"]),
            "runs": against_runs,
        }
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--rounds", type=int, help="rounds per program (default 8, quick 3)")
    parser.add_argument("--iterations", type=int, default=4000, help="steps per run")
    parser.add_argument("--against", help="also run the leaksleuth package in this folder")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 8)
    if args.against and not os.path.isdir(os.path.join(args.against, "leaksleuth")):
        parser.error(f"--against {args.against}: no leaksleuth package in it (give DIR/src)")
    with tempfile.TemporaryDirectory() as tmp:
        result = {
            name: measure(name, rounds, args.iterations, tmp, args.against) for name in PROGRAMS
        }
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
