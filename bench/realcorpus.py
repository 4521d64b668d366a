"""The real-library corpus: leaksleuth and its peers, each run in a fresh interpreter.

Every workload of the sets ``real`` (tuned on) and ``real_heldout`` (never tuned on), and
every replay of a leak reported against a library (``tests/scenarios/replays``: run in a
virtual environment with the LEAKY requirements, truth leak, and in one with the FIXED
requirements, truth no leak), is run ``--repeat`` times by each tool, each run in its own
fresh ``python`` process, ``--jobs`` processes at a time:

- leaksleuth: default ``check()`` (through ``run_scenario``): its verdict, top-1 site,
  holder and diagnoses. A diagnosis is scored against the workload's declared
  ``DIAGNOSIS`` (a replay's ``DIAGNOSIS_LEAKY`` and ``LIBRARY``): on a leak called a leak,
  right when one of the expected patterns is told (for a replay, with one of its library
  names in that diagnosis's summary); on a non-leak (a FIXED replay too) any diagnosis
  is wrong;
- tracemalloc, memray and RSS as a careful user runs them: 10 warm-up steps, 100 measured
  steps, and "leak" when more than 64 KiB was retained over the 100 steps (tracemalloc: the
  traced growth between two snapshots; memray: the leaked allocations of a Tracker around
  the measured steps; RSS: the least-squares slope of RSS times 100).

    python bench/realcorpus.py --out realcorpus.json [--md realcorpus.md]
    python bench/realcorpus.py --only pandas --repeat 1 --no-replays --out x.json
    python bench/realcorpus.py --quick --out x.json     # 1 repetition, leaksleuth only

The per-replay virtual environments live in ``bench/out/venvs/<slug>`` and are reused.
A run that crashes or outlives ``--timeout`` is recorded as such; so is a workload that
cannot be loaded.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

from _realcorpus_md import render  # bench/ is on sys.path when run as a script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD = os.path.join(ROOT, "bench", "_realcorpus_child.py")
SCENARIOS = os.path.join(ROOT, "tests", "scenarios")
VENVS = os.path.join(ROOT, "bench", "out", "venvs")

SETS: tuple[str, ...] = ("real", "real_heldout", "replays")
TOOLS: tuple[str, ...] = ("leaksleuth", "tracemalloc", "memray", "rss")
WARMUP_STEPS = 10
MEASURED_STEPS = 100
THRESHOLD_BYTES = 64 * 1024
NO_LEAK_EXPECT = ("flat", "plateau")
LOAD_TIMEOUT_S = 180
PIP_TIMEOUT_S = 1800
STAMP = ".realcorpus.json"

_print_lock = threading.Lock()


def say(text: str) -> None:
    with _print_lock:
        print(text, file=sys.stderr, flush=True)


# --- finding the workloads -------------------------------------------------------------


def workload_paths(set_name: str) -> list[str]:
    """The workload files of a set, as ``tests/scenarios/_corpus.scenario_paths`` lists them."""
    folder = os.path.join(SCENARIOS, set_name)
    if not os.path.isdir(folder):
        return []
    names = sorted(n for n in os.listdir(folder) if n.endswith(".py") and not n.startswith("_"))
    return [os.path.join(folder, n) for n in names]


def peek_constants(path: str, names: tuple[str, ...]) -> dict[str, Any]:
    """Module-level constants of a file, read without importing it (literals only)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    found: dict[str, Any] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id in names:
                try:
                    found[target.id] = ast.literal_eval(value)
                except ValueError:
                    found[target.id] = None
    return found


def requirement_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"not a requirement string or a tuple of them: {value!r}")


def venv_slug(requirements: tuple[str, ...]) -> str:
    joined = "-".join(sorted(requirements))
    readable = re.sub(r"[^A-Za-z0-9.]+", "-", joined).strip("-")[:60]
    digest = hashlib.sha1("\n".join(sorted(requirements)).encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


def find_workloads(sets: list[str], only: Optional[list[str]]) -> list[dict[str, Any]]:
    """One entry per workload (a replay gives two: leaky and fixed), before any run."""
    workloads: list[dict[str, Any]] = []
    for set_name in sets:
        for path in workload_paths(set_name):
            name = os.path.splitext(os.path.basename(path))[0]
            if only and not any(part in name for part in only):
                continue
            base = {"set": set_name, "name": name, "path": os.path.relpath(path, ROOT)}
            if set_name != "replays":
                workloads.append({**base, "key": f"{set_name}/{name}", "variant": None})
                continue
            try:
                consts = peek_constants(path, ("LEAKY", "FIXED", "TRACKER"))
                variants = {
                    "leaky": requirement_tuple(consts.get("LEAKY")),
                    "fixed": requirement_tuple(consts.get("FIXED")),
                }
                problem = None
            except (SyntaxError, ValueError, OSError) as exc:
                variants, problem = {"leaky": (), "fixed": ()}, f"{type(exc).__name__}: {exc}"
                consts = {}
            for variant, reqs in variants.items():
                workloads.append(
                    {
                        **base,
                        "key": f"replays/{name} [{variant}]",
                        "variant": variant,
                        "requirements": list(reqs),
                        "venv": venv_slug(reqs) if reqs else None,
                        "tracker": consts.get("TRACKER"),
                        "expect": ["leak"] if variant == "leaky" else list(NO_LEAK_EXPECT),
                        "load_error": problem,
                    }
                )
    return workloads


# --- replay virtual environments ---------------------------------------------------------


def _pip(python: str, *args: str) -> None:
    cmd = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *args]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False, cwd=ROOT
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[3:])}: exit {proc.returncode}: {proc.stderr[-1500:]}")


def ensure_venv(slug: str, requirements: list[str], with_memray: bool) -> dict[str, Any]:
    """Create (once) and describe the virtual environment of one requirement set."""
    folder = os.path.join(VENVS, slug)
    python = os.path.join(folder, "bin", "python")
    stamp_path = os.path.join(folder, STAMP)
    stamp: dict[str, Any] = {}
    if os.path.exists(stamp_path):
        with open(stamp_path, encoding="utf-8") as f:
            stamp = json.load(f)
        if stamp.get("requirements") != requirements or not os.path.exists(python):
            stamp = {}
    t0 = time.perf_counter()
    try:
        if not stamp:
            say(f"venv {slug}: creating ({' '.join(requirements)}) ...")
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(VENVS, exist_ok=True)
            subprocess.run([sys.executable, "-m", "venv", folder], check=True, timeout=600)
            _pip(python, *requirements, "psutil", "rich")
            _pip(python, "--no-deps", "-e", ROOT)
            stamp = {"requirements": requirements, "memray": None}
        if with_memray and stamp.get("memray") is None:
            # Within the pins: memray may not move a pinned library to another version.
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
                f.write("\n".join(requirements) + "\n")
            try:
                _pip(python, "memray", "-c", f.name)
                stamp["memray"] = True
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                stamp["memray"] = False
                stamp["memray_error"] = str(exc)[-500:]
            finally:
                os.unlink(f.name)
        freeze = subprocess.run(
            [python, "-m", "pip", "freeze", "--disable-pip-version-check"],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        stamp["freeze"] = [x for x in freeze.stdout.splitlines() if x and not x.startswith("#")]
        with open(stamp_path, "w", encoding="utf-8") as f:
            json.dump(stamp, f, indent=2)
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        say(f"venv {slug}: FAILED {exc}")
        return {"slug": slug, "requirements": requirements, "ok": False, "error": str(exc)[-2000:]}
    say(f"venv {slug}: ready ({time.perf_counter() - t0:.0f} s)")
    return {"slug": slug, "requirements": requirements, "ok": True, "python": python, **stamp}


# --- running children ----------------------------------------------------------------------


def run_child(python: str, spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One fresh interpreter; its result, or how it died."""
    fd, result_path = tempfile.mkstemp(prefix="realcorpus-", suffix=".json")
    os.close(fd)
    os.unlink(result_path)
    cmd = [python, CHILD, json.dumps(spec), result_path]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # its own process group: a timeout ends all it started
    )
    try:
        output, _ = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        timed_out = True
    process_s = time.perf_counter() - t0
    result: dict[str, Any]
    if timed_out:
        result = {"ok": False, "stage": "timeout", "error": f"timed out after {timeout:.0f} s"}
    elif os.path.exists(result_path):
        with open(result_path, encoding="utf-8") as f:
            result = json.load(f)
    else:
        result = {"ok": False, "stage": "crash", "error": f"exit {proc.returncode}, no result"}
    if os.path.exists(result_path):
        os.unlink(result_path)
    result["process_s"] = process_s
    result["exit_code"] = proc.returncode
    if not result.get("ok"):
        result["output_tail"] = (output or "")[-2000:]
    return result


def child_spec(workload: dict[str, Any], tool: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "tool": tool,
        "set": workload["set"],
        "path": os.path.join(ROOT, workload["path"]),
        "root": ROOT,
        "warmup": WARMUP_STEPS,
        "measured": MEASURED_STEPS,
        "threshold": THRESHOLD_BYTES,
    }
    if workload["set"] == "replays":
        spec["expect"] = workload["expect"]
        spec["variant"] = workload["variant"]
        spec["requirements"] = workload["requirements"]
    return spec


def truth_of(expect: Optional[list[str]]) -> Optional[str]:
    if not expect:
        return None
    return "leak" if list(expect) == ["leak"] else "no leak"


# --- the summary ----------------------------------------------------------------------------


def diagnosis_right(row: dict[str, Any]) -> Optional[bool]:
    """Whether a leaksleuth run told its workload's right diagnosis; None where it is not
    scored: not a leak called a leak, or a run recorded before diagnoses were."""
    if not (row["ok"] and row["truth"] == "leak" and row.get("status") == "leak"):
        return None
    expected, told = row.get("diagnosis_expect"), row.get("diagnoses")
    if expected is None or told is None:
        return None
    if not expected:  # no pattern describes this leak: right is telling none
        return not told
    libraries = row.get("diagnosis_library") or []
    return any(
        d["pattern"] in expected
        and (not libraries or any(lib in (d.get("summary") or "") for lib in libraries))
        for d in told
    )


def diagnosed_non_leak(row: dict[str, Any]) -> Optional[bool]:
    """Whether a leaksleuth run on a non-leak (a FIXED replay too) told any diagnosis;
    None where it is not scored."""
    if not (row["ok"] and row["truth"] == "no leak") or row.get("diagnoses") is None:
        return None
    return bool(row["diagnoses"])


def _told_text(runs: list[dict[str, Any]]) -> str:
    """The patterns told over a workload's runs: "pyplot_figure 2/2, linecache 1/2"."""
    scored = [r for r in runs if r["ok"] and r.get("diagnoses") is not None]
    counts = Counter(p for r in scored for p in {d["pattern"] for d in r["diagnoses"]})
    return ", ".join(f"{p} {n}/{len(scored)}" for p, n in counts.most_common())


def _spread(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "max": max(values)} if values else {}


def _verdict_key(row: dict[str, Any]) -> str:
    """What stability compares: leaksleuth's exact status, a peer's leak / no leak."""
    if not row["ok"]:
        return "error"
    return str(row["status"] if row["tool"] == "leaksleuth" else row["verdict"])


def summarise_tool(rows: list[dict[str, Any]], tool: str) -> dict[str, Any]:
    mine = [r for r in rows if r["tool"] == tool]
    done = [r for r in mine if r["ok"]]
    correct = [r for r in done if r["truth"] == "no leak"]
    leaks = [r for r in done if r["truth"] == "leak"]
    by_workload: dict[str, list[dict[str, Any]]] = {}
    for r in mine:
        by_workload.setdefault(r["key"], []).append(r)
    unstable = sorted(k for k, rs in by_workload.items() if len({_verdict_key(r) for r in rs}) > 1)
    summary: dict[str, Any] = {
        "runs": len(mine),
        "errors": len(mine) - len(done),
        "workloads": len(by_workload),
        "correct_runs": len(correct),
        "false_alarms": sum(1 for r in correct if r["verdict"] == "leak"),
        "leak_runs": len(leaks),
        "leaks_caught": sum(1 for r in leaks if r["verdict"] == "leak"),
        "unstable_workloads": len(unstable),
        "unstable": unstable,
        "wall_s": sum(r.get("wall_s") or 0.0 for r in done),
        "process_s": sum(r.get("process_s") or 0.0 for r in mine),
    }
    sited = [r for r in leaks if r.get("site_ok") is not None]
    summary["site_runs"] = len(sited)
    summary["site_ok"] = sum(1 for r in sited if r["site_ok"])
    if tool != "leaksleuth":
        return summary
    held = [r for r in leaks if r.get("holder_ok") is not None]
    right = [(r, diagnosis_right(r)) for r in done]
    right = [(r, ok) for r, ok in right if ok is not None]
    on_non_leak = [(r, d) for r, d in ((r, diagnosed_non_leak(r)) for r in done) if d is not None]
    summary.update(
        {
            "verdict_right": sum(1 for r in done if r["status"] in r["expect"]),
            "inconclusive": sum(1 for r in done if r["status"] == "inconclusive"),
            "holder_runs": len(held),
            "holder_ok": sum(1 for r in held if r["holder_ok"]),
            "leak_at_zero": sum(
                1
                for r in done
                if r["status"] == "leak" and r.get("ci_low") is not None and r["ci_low"] <= 0.0
            ),
            # Diagnoses: leak runs called leak whose diagnosis is right, that told none;
            # non-leak runs that told one (false stories).
            "diagnosis_runs": len(right),
            "diagnosis_right": sum(1 for _, ok in right if ok),
            "diagnosis_none": sum(1 for r, _ in right if not r["diagnoses"]),
            # right, and another pattern told beside it (a second, likely false, story)
            "diagnosis_extra": sum(
                1
                for r, ok in right
                if ok and any(d["pattern"] not in r["diagnosis_expect"] for d in r["diagnoses"])
            ),
            "diagnosis_wrong": sorted({r["key"] for r, ok in right if not ok}),
            "non_leak_diagnosis_runs": len(on_non_leak),
            "diagnosis_on_non_leak": sum(1 for _, d in on_non_leak if d),
            "diagnosed_non_leaks": sorted({r["key"] for r, d in on_non_leak if d}),
            "iterations_measured_leaks": _spread([r["iterations_measured"] for r in leaks]),
            "iterations_measured_non_leaks": _spread([r["iterations_measured"] for r in correct]),
        }
    )
    return summary


def summarise(rows: list[dict[str, Any]], sets: list[str], tools: list[str]) -> dict[str, Any]:
    return {
        s: {t: summarise_tool([r for r in rows if r["set"] == s], t) for t in tools} for s in sets
    }


def _count_text(counts: Counter[str], runs: int) -> str:
    order = ("leak", "no leak", "plateau", "flat", "inconclusive", "error")
    keys = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    return ", ".join(f"{k} {counts[k]}/{runs}" for k in keys)


def workload_table(
    workloads: list[dict[str, Any]], rows: list[dict[str, Any]], tools: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Per set, per workload: each tool's verdicts counted over the repetitions."""
    table: dict[str, list[dict[str, Any]]] = {}
    for w in workloads:
        mine = [r for r in rows if r["key"] == w["key"]]
        entry: dict[str, Any] = {
            "key": w["key"],
            "name": w["name"] if w["variant"] is None else f"{w['name']} [{w['variant']}]",
            "truth": truth_of(w.get("expect")),
            "libraries": w.get("libraries", []),
            "diagnosis": w.get("diagnosis"),  # the right patterns; None: not loaded
            "library": w.get("library") or [],
            "load_error": w.get("load_error"),
            "tools": {},
        }
        for tool in tools:
            runs = [r for r in mine if r["tool"] == tool]
            if not runs:
                continue
            counts = Counter(_verdict_key(r) for r in runs)
            wrong = sum(
                1
                for r in runs
                if r["ok"]
                and (
                    r["status"] not in r["expect"]
                    if tool == "leaksleuth"
                    else r["verdict"] != r["truth"]
                )
            )
            cell: dict[str, Any] = {
                "runs": len(runs),
                "counts": dict(counts),
                "text": _count_text(counts, len(runs)),
                "wrong": wrong,
                "errors": counts.get("error", 0),
            }
            if tool == "leaksleuth":
                done = [r for r in runs if r["ok"]]
                sites = [r["site_ok"] for r in done if r.get("site_ok") is not None]
                holders = [r["holder_ok"] for r in done if r.get("holder_ok") is not None]
                cell["site_ok"] = f"{sum(sites)}/{len(sites)}" if sites else None
                cell["holder_ok"] = f"{sum(holders)}/{len(holders)}" if holders else None
                right = [ok for ok in map(diagnosis_right, runs) if ok is not None]
                false = [d for d in map(diagnosed_non_leak, runs) if d is not None]
                cell["diagnosis_ok"] = f"{sum(right)}/{len(right)}" if right else None
                cell["diagnosis_wrong"] = (not all(right)) or any(false)
                cell["diagnoses_told"] = _told_text(runs)
                bpi = [r["bytes_per_iteration"] for r in done]
                bpi = [b for b in bpi if b is not None]
                its = [r["iterations_measured"] for r in done]
                walls = [r["wall_s"] for r in done]
                cell["bytes_per_iteration_median"] = statistics.median(bpi) if bpi else None
                cell["iterations_measured_median"] = statistics.median(its) if its else None
                cell["wall_s_median"] = statistics.median(walls) if walls else None
            entry["tools"][tool] = cell
        table.setdefault(w["set"], []).append(entry)
    return table


# --- the whole run ----------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows: list[dict[str, Any]] = []
        self.broken: dict[str, str] = {}  # workload key -> why it could not be loaded
        self.lock = threading.Lock()
        self.done = 0
        self.total = 0

    def python_for(self, workload: dict[str, Any]) -> Optional[str]:
        if workload["set"] != "replays":
            return sys.executable
        venv = self.venvs.get(workload.get("venv") or "")
        return venv["python"] if venv and venv.get("ok") else None

    def prepare_venvs(self, workloads: list[dict[str, Any]]) -> None:
        self.venvs: dict[str, dict[str, Any]] = {}
        for w in workloads:
            slug = w.get("venv")
            if w["set"] != "replays" or w.get("load_error") or not slug or slug in self.venvs:
                continue
            self.venvs[slug] = ensure_venv(slug, w["requirements"], "memray" in self.args.tools)
        for w in workloads:
            venv = self.venvs.get(w.get("venv") or "")
            if w["set"] == "replays" and not w.get("load_error") and venv and not venv["ok"]:
                w["load_error"] = f"venv {venv['slug']}: {venv['error'][-300:]}"

    def load(self, workload: dict[str, Any]) -> None:
        """Import the workload once in a fresh process: what it declares, or why it fails."""
        python = self.python_for(workload)
        if workload.get("load_error") or python is None:
            workload.setdefault("load_error", "no interpreter for it")
            return
        result = run_child(python, child_spec(workload, "load"), min(self.args.timeout, 300))
        if not result.get("ok"):
            workload["load_error"] = f"{result.get('stage')}: {result.get('error')}"
            workload["load_output"] = result.get("output_tail", "")[-1200:]
            return
        for field in (
            "expect",
            "site_line",
            "holder",
            "libraries",
            "library_versions",
            "diagnosis",
            "library",
        ):
            workload[field] = result.get(field)
        workload["ground_truth"] = (result.get("ground_truth") or "")[:200]
        workload["dist_versions"] = result.get("dist_versions") or {}
        workload["load_s"] = result.get("process_s")

    def run_one(self, workload: dict[str, Any], tool: str, rep: int) -> None:
        key = workload["key"]
        if key in self.broken:
            return
        python = self.python_for(workload)
        assert python is not None
        result = run_child(python, child_spec(workload, tool), self.args.timeout)
        row: dict[str, Any] = {
            "set": workload["set"],
            "key": key,
            "name": workload["name"],
            "variant": workload["variant"],
            "tool": tool,
            "rep": rep,
            "truth": truth_of(workload["expect"]),
            "expect": workload["expect"],
            "diagnosis_expect": workload.get("diagnosis"),
            "diagnosis_library": workload.get("library"),
            **result,
        }
        if result.get("stage") == "load":
            with self.lock:
                self.broken[key] = str(result.get("error"))
        with self.lock:
            self.rows.append(row)
            self.done += 1
            n = self.done
        if row["ok"]:
            what = row["status"] if tool == "leaksleuth" else row["verdict"]
            if tool == "leaksleuth":
                bpi, its = row["bytes_per_iteration"] or 0.0, row["iterations_measured"]
                what += f" {bpi:.0f} B/it, {its} it"
                told = ", ".join(d["pattern"] for d in row.get("diagnoses") or [])
                what += f" [{told}]" if told else ""
            else:
                what += f" {row['retained_bytes'] / 1024:.0f} KiB"
            mark = "" if row["verdict"] == row["truth"] else "  <- WRONG"
        else:
            what, mark = f"{row['stage']}: {row['error']}"[:160], "  <- ERROR"
        say(f"[{n}/{self.total}] {key} {tool} #{rep}: {what} ({row['process_s']:.1f} s){mark}")

    def run(self, workloads: list[dict[str, Any]]) -> None:
        if "replays" in self.args.sets:
            self.prepare_venvs(workloads)
        else:
            self.venvs = {}
        say(f"loading {len(workloads)} workloads ...")
        with ThreadPoolExecutor(max_workers=self.args.jobs) as pool:
            list(pool.map(self.load, workloads))
        for w in workloads:
            if w.get("load_error"):
                say(f"  cannot load {w['key']}: {w['load_error'][:300]}")
                self.rows.append(
                    {
                        "set": w["set"],
                        "key": w["key"],
                        "name": w["name"],
                        "variant": w["variant"],
                        "tool": "load",
                        "rep": None,
                        "truth": truth_of(w.get("expect")),
                        "expect": w.get("expect"),
                        "ok": False,
                        "stage": "load",
                        "error": w["load_error"],
                        "output_tail": w.get("load_output", ""),
                    }
                )
        ready = [w for w in workloads if not w.get("load_error")]
        tasks = []
        for rep in range(1, self.args.repeat + 1):
            for w in ready:
                for tool in self.args.tools:
                    if tool != "leaksleuth" and rep > self.args.peer_repeat:
                        continue
                    if tool == "memray" and w["set"] == "replays":
                        venv = self.venvs.get(w["venv"]) or {}
                        if not venv.get("memray"):
                            continue
                    tasks.append((w, tool, rep))
        self.total = len(tasks)
        say(f"{len(ready)} workloads loaded; {self.total} runs, {self.args.jobs} at a time")
        with ThreadPoolExecutor(max_workers=self.args.jobs) as pool:
            list(pool.map(lambda t: self.run_one(*t), tasks))


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--md", help="also write the markdown rendering here")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    parser.add_argument("--only", nargs="+", metavar="NAME", help="workloads whose name has one")
    parser.add_argument("--repeat", type=int, default=5, help="runs per workload and tool")
    parser.add_argument(
        "--peer-repeat", type=int, default=None, help="runs per workload of each peer (--repeat)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="processes at a time")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    parser.add_argument("--quick", action="store_true", help="1 repetition, leaksleuth only")
    replays = parser.add_mutually_exclusive_group()
    replays.add_argument(
        "--replays",
        dest="replays",
        action="store_true",
        default=True,
        help="run the replays, each in its LEAKY and its FIXED venv (the default)",
    )
    replays.add_argument("--no-replays", dest="replays", action="store_false", help="skip them")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.tools = 1, ["leaksleuth"]
    if args.peer_repeat is None or args.peer_repeat > args.repeat:
        args.peer_repeat = args.repeat
    if not args.replays:
        args.sets = [s for s in args.sets if s != "replays"]
    args.sets = [s for s in SETS if s in args.sets]
    args.tools = [t for t in TOOLS if t in args.tools]
    if args.repeat < 1 or args.jobs < 1:
        parser.error("--repeat and --jobs must be at least 1")
    return args


def merge(paths: list[str], out: str) -> dict[str, Any]:
    """Results of several runs of this bench (e.g. on different workloads) as one: the
    runs and workloads together, the summary and table computed again. The first run's
    settings are kept; a workload run by more than one is taken from the last."""
    parts = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            parts.append(json.load(f))
    keys = {w["key"]: w for part in parts for w in part["workloads"]}
    runs_by_key: dict[str, list[dict[str, Any]]] = {}
    for part in parts:
        for key in {r["key"] for r in part["runs"]}:
            runs_by_key[key] = [r for r in part["runs"] if r["key"] == key]
    rows = [r for key in sorted(runs_by_key) for r in runs_by_key[key]]
    workloads = list(keys.values())
    result = dict(parts[0])
    sets = [s for s in SETS if any(s in p["sets"] for p in parts)]
    tools = [t for t in TOOLS if any(t in p["tools"] for p in parts)]
    result.update(
        command=" + ".join(p["command"] for p in parts),
        sets=sets,
        tools=tools,
        wall_s=sum(p["wall_s"] for p in parts),
        workloads=workloads,
        summary=summarise(rows, sets, tools),
        table=workload_table(workloads, rows, tools),
        runs=rows,
    )
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, default=str)
    return result


def main(argv: Optional[list[str]] = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "merge":
        # python bench/realcorpus.py merge OUT.json A.json B.json ...
        print(render(merge(argv[2:], argv[1])))
        return 0
    args = parse_args(argv)
    t0 = time.perf_counter()
    workloads = find_workloads(args.sets, args.only)
    bench = Bench(args)
    bench.run(workloads)
    order = {s: i for i, s in enumerate(SETS)}
    rows = sorted(bench.rows, key=lambda r: (order[r["set"]], r["key"], r["tool"], r["rep"] or 0))
    result = {
        "command": "python bench/realcorpus.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "python": sys.version.split()[0],
        "sets": args.sets,
        "tools": args.tools,
        "repeat": args.repeat,
        "peer_repeat": args.peer_repeat,
        "jobs": args.jobs,
        "timeout_s": args.timeout,
        "quick": args.quick,
        "peer_protocol": {
            "warmup_steps": WARMUP_STEPS,
            "measured_steps": MEASURED_STEPS,
            "threshold_bytes": THRESHOLD_BYTES,
        },
        "wall_s": time.perf_counter() - t0,
        "venvs": getattr(bench, "venvs", {}),
        "workloads": workloads,
        "summary": summarise(rows, args.sets, args.tools),
        "table": workload_table(workloads, rows, args.tools),
        "runs": rows,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, default=str)
    text = render(result)
    if args.md:
        with open(args.md, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
