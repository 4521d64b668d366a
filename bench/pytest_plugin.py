"""The pytest plugin: what a checked test costs, and how its verdicts compare with
pytest-memray's ``limit_leaks`` on the same leaking and clean tests.

One file of tests (below), each a realistic body: six that keep memory at every call
and six that do not (a bounded cache filling, a lazily built table, re's and
matplotlib's caches). Their truth is measured first, not assumed: each body runs in a
fresh interpreter for up to 3,000 calls (60 s at most), and the pymalloc blocks and
RSS left after a full gc pass (every 100 calls) are compared over the second half.

Then, each in a fresh pytest process: the tests run once, plain (the baseline); with
``--leaksleuth`` (every test checked with the defaults), ``--repeat`` times; and with
``--memray`` and ``limit_leaks`` on every test at two limits (1 KB and 100 B per
allocation site; pytest-memray runs a test once and fails it when an allocation made
during the test is still alive at its end and at least that big).

    python bench/pytest_plugin.py --out pytest_plugin.json [--quick]
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
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Tuple

TESTS = """
import functools
import json
import logging
import re

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

RESULTS = []
SEEN = []
_calls = [0]


class Registry:
    items = {}


def _next():
    _calls[0] += 1
    return _calls[0]


def test_leak_results_list():
    RESULTS.append({"id": _next(), "payload": "x" * 2000})


def test_leak_small_records():
    SEEN.append((_next(), 1.5))


def test_leak_handler_per_call():
    logging.getLogger("bench.app").addHandler(logging.NullHandler())


@functools.lru_cache(maxsize=None)
def _unbounded(key):
    return [key] * 20


def test_leak_unbounded_cache():
    _unbounded(_next())


def test_leak_class_registry():
    n = _next()
    Registry.items[n] = bytearray(512)


def test_leak_figures_never_closed():
    fig = plt.figure()
    fig.add_subplot().plot([1, 2, 3])


def test_clean_compute():
    assert sum(i * i for i in range(500)) == 41541750


@functools.lru_cache(maxsize=256)
def _bounded(key):
    return [key] * 20


def test_clean_bounded_cache():
    _bounded(_next() % 1000)


_TABLE = []


def test_clean_lazy_table():
    if not _TABLE:
        _TABLE.extend(bytearray(1024) for _ in range(1000))
    assert len(_TABLE) == 1000


def test_clean_json_roundtrip():
    data = {"id": 7, "tags": ["a", "b"], "score": 0.5}
    assert json.loads(json.dumps(data)) == data


def test_clean_re_patterns():
    n = _next() % 50
    assert re.match(f"item-{n}-[0-9]+", f"item-{n}-42")


def test_clean_figure_closed():
    fig = plt.figure()
    fig.add_subplot().plot([1, 2, 3])
    plt.close(fig)
"""

CONFTEST = """
import os
import pytest

LIMIT = os.environ.get("BENCH_LIMIT_LEAKS")


def pytest_collection_modifyitems(items):
    if LIMIT:
        for item in items:
            item.add_marker(pytest.mark.limit_leaks(LIMIT))
"""

TRUTH = """
import gc, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import test_bench as module
body = getattr(module, sys.argv[2])
limit, seconds = int(sys.argv[3]), float(sys.argv[4])

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

levels = []
start = time.perf_counter()
n = 0
while n < limit and time.perf_counter() - start < seconds:
    body()
    n += 1
    if n % 100 == 0:
        gc.collect()
        levels.append((n, sys.getallocatedblocks(), rss()))
print(json.dumps({"iterations": n, "levels": levels}))
"""

# A body keeps memory when, over the second half of its long run, the pymalloc blocks
# left after a full gc pass grow by half a block per call or more (every Python object
# a call keeps is at least one), or RSS by 1 KiB per call (large buffers).
LEAK_BLOCKS = 0.5
LEAK_RSS = 1024.0


def _slope(points: List[Tuple[int, int]]) -> float:
    half = points[len(points) // 2 :]
    (n1, v1), (n2, v2) = half[0], half[-1]
    return (v2 - v1) / max(1, n2 - n1)


def _names() -> List[str]:
    return [
        line[4:].split("(", 1)[0] for line in TESTS.splitlines() if line.startswith("def test_")
    ]


def ground_truth(where: str, quick: bool) -> Dict[str, Any]:
    """Each body alone, thousands of calls: does what a full gc pass leaves keep growing?"""
    out: Dict[str, Any] = {}
    limit, seconds = (900, 20.0) if quick else (3000, 60.0)
    for name in _names():
        done = subprocess.run(
            [sys.executable, "-c", TRUTH, where, name, str(limit), str(seconds)],
            capture_output=True, text=True, check=True, cwd=where,
        )  # fmt: skip
        found = json.loads(done.stdout)
        levels = found["levels"]
        blocks = _slope([(n, b) for n, b, _ in levels])
        rss = _slope([(n, r) for n, _, r in levels])
        out[name] = {
            "iterations": found["iterations"],
            "late_blocks_per_call": blocks,
            "late_rss_per_call": rss,
            "leak": blocks >= LEAK_BLOCKS or rss >= LEAK_RSS,
        }
    return out


def _run_pytest(where: str, args: List[str], env: Dict[str, str]) -> Dict[str, Any]:
    xml = os.path.join(where, f"junit-{time.monotonic_ns()}.xml")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         f"--junitxml={xml}", "test_bench.py", *args],
        capture_output=True, text=True, cwd=where, env=env,
    )  # fmt: skip
    wall = time.perf_counter() - started
    tests: Dict[str, Dict[str, Any]] = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        tests[case.get("name", "")] = {"seconds": float(case.get("time", 0)), "failed": failed}
    return {"wall_s": wall, "tests": tests, "returncode": done.returncode}


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    with tempfile.TemporaryDirectory(prefix="leaksleuth-bench-pytest-") as where:
        with open(os.path.join(where, "test_bench.py"), "w", encoding="utf-8") as f:
            f.write(TESTS)
        with open(os.path.join(where, "conftest.py"), "w", encoding="utf-8") as f:
            f.write(CONFTEST)
        env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("BENCH_LIMIT_LEAKS", None)
        print("ground truth ...", file=sys.stderr, flush=True)
        truth = ground_truth(where, args.quick)
        print("plain ...", file=sys.stderr, flush=True)
        plain = _run_pytest(where, ["-p", "no:leaksleuth"], env)
        checked = []
        for k in range(repeat):
            print(f"leaksleuth {k + 1}/{repeat} ...", file=sys.stderr, flush=True)
            report = os.path.join(where, f"leaksleuth-{k}.json")
            run = _run_pytest(where, ["--leaksleuth", f"--leaksleuth-json={report}"], env)
            with open(report, encoding="utf-8") as f:
                run["verdicts"] = {
                    t["nodeid"].split("::")[1]: t["status"] for t in json.load(f)["tests"]
                }
            checked.append(run)
        memray = {}
        for limit in ("1 KB", "100 B"):
            print(f"pytest-memray limit_leaks({limit}) ...", file=sys.stderr, flush=True)
            memray[limit] = _run_pytest(
                where, ["-p", "no:leaksleuth", "--memray"], {**env, "BENCH_LIMIT_LEAKS": limit}
            )
    result = {
        "truth": truth,
        "plain": plain,
        "leaksleuth": checked,
        "memray": memray,
        "summary": summarise(truth, plain, checked, memray),
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result["summary"], indent=2))
    return 0


def _score(truth: Dict[str, Any], failed: Dict[str, bool]) -> Dict[str, Any]:
    leaks = [n for n in truth if truth[n]["leak"]]
    clean = [n for n in truth if not truth[n]["leak"]]
    return {
        "leaks_caught": sum(failed[n] for n in leaks),
        "leaks": len(leaks),
        "false_alarms": sum(failed[n] for n in clean),
        "clean": len(clean),
        "missed": [n for n in leaks if not failed[n]],
        "false_alarm_tests": [n for n in clean if failed[n]],
    }


def summarise(
    truth: Dict[str, Any],
    plain: Dict[str, Any],
    checked: List[Dict[str, Any]],
    memray: Dict[str, Dict[str, Any]],
) -> Dict[str, Any]:
    names = list(truth)
    per_test = {}
    for n in names:
        once = plain["tests"][n]["seconds"]
        times = [run["tests"][n]["seconds"] for run in checked]
        per_test[n] = {
            "truth": "leak" if truth[n]["leak"] else "no leak",
            "once_s": once,
            "checked_s": statistics.median(times),
            "verdicts": [run["verdicts"].get(n, "?") for run in checked],
            "memray": {k: "fail" if v["tests"][n]["failed"] else "pass" for k, v in memray.items()},
        }
    runs = [_score(truth, {n: r["tests"][n]["failed"] for n in names}) for r in checked]
    return {
        "per_test": per_test,
        "leaksleuth_runs": runs,
        "memray": {
            k: _score(truth, {n: v["tests"][n]["failed"] for n in names}) for k, v in memray.items()
        },
        "checked_seconds_median": statistics.median(p["checked_s"] for p in per_test.values()),
        "plain_wall_s": plain["wall_s"],
        "leaksleuth_wall_s": [r["wall_s"] for r in checked],
        "memray_wall_s": {k: v["wall_s"] for k, v in memray.items()},
    }


if __name__ == "__main__":
    sys.exit(main())
