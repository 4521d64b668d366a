"""One run of ``bench/realcorpus.py``, inside its own fresh interpreter.

    python bench/_realcorpus_child.py SPEC_JSON RESULT_FILE

SPEC_JSON names the workload (set, path, expected truth for a replay) and the tool:
``load`` (import the workload and report what it declares, its right diagnosis too),
``leaksleuth`` (default ``check()`` through ``run_scenario``: its verdict, site, holder
and diagnoses) or a peer run as a careful user runs it: ``tracemalloc``, ``memray`` or
``rss`` (10 warm-up steps, 100 measured steps, a fixed threshold on what was retained).
The result, or the error that stopped the run, is written as JSON to RESULT_FILE;
whatever the workload prints goes to stdout and stderr.
Only the standard library, leaksleuth and the tool measured are imported here, so this
file also runs in a replay's own virtual environment.
"""

from __future__ import annotations

import gc
import json
import math
import os
import shutil
import sys
import tempfile
import time
import traceback
from types import ModuleType
from typing import Any, Callable, Optional

DEFAULT_WARMUP = 10
DEFAULT_MEASURED = 100
DEFAULT_THRESHOLD = 64 * 1024  # bytes retained over the measured steps


def _clean(value: Any) -> Any:
    """JSON-ready: NaN and infinities become None."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 600 else text[:600] + "..."


def _rel(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _same_site(file: str, line: int, scenario: Any) -> bool:
    if scenario.site_line is None or line != scenario.site_line:
        return False
    try:
        return os.path.samefile(file, scenario.path)
    except OSError:
        return False


def _corpus(root: str) -> ModuleType:
    if root not in sys.path:
        sys.path.insert(0, root)
    import importlib

    return importlib.import_module("tests.scenarios._corpus")


def _corpus_of(scenario: Any) -> ModuleType:
    return sys.modules[type(scenario).__module__]


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def load_workload(corpus: ModuleType, spec: dict[str, Any]) -> Any:
    """The workload as a ``Scenario``: the corpus loader for the real sets, by hand for a
    replay (whose truth depends on which requirement set is installed)."""
    if spec["set"] != "replays":
        return corpus.load_scenario(spec["path"], spec["set"])
    path = spec["path"]
    _, module = corpus._import_fresh(path, "replays")
    if not callable(getattr(module, "step", None)):
        raise corpus.ScenarioError(f"{path}: defines no step() function")
    sites = corpus.find_site_lines(path)
    if len(sites) != 1:
        raise corpus.ScenarioError(f"{path}: a replay needs exactly one '# SITE' line: {sites}")
    expect = tuple(spec["expect"])
    holder = getattr(module, "HOLDER", None)
    diagnosis, library = corpus.replay_diagnosis(path)  # the leaky run's; the fixed: none
    leaky = expect == ("leak",)
    return corpus.Scenario(
        name=os.path.splitext(os.path.basename(path))[0],
        set_name="replays",
        path=path,
        expect=expect,
        site_line=sites[0],
        max_iterations=None,
        holder=holder if expect == ("leak",) else None,
        libraries=_as_tuple(getattr(module, "LIBRARIES", None)),
        ground_truth=str(getattr(module, f"GROUND_TRUTH_{spec['variant'].upper()}", "")),
        diagnosis=diagnosis if leaky else (),
        library=library if leaky else (),
    )


def _library_versions(scenario: Any) -> dict[str, Optional[str]]:
    versions: dict[str, Optional[str]] = {}
    for lib in scenario.libraries:
        mod = sys.modules.get(lib)
        version = getattr(mod, "__version__", None) if mod is not None else None
        versions[lib] = str(version) if version is not None else None
    return versions


def _dist_versions(requirements: list[str]) -> dict[str, Optional[str]]:
    from importlib import metadata

    versions: dict[str, Optional[str]] = {}
    for req in requirements:
        name = req
        for sep in "<>=!~;[ @":
            name = name.split(sep, 1)[0]
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def tool_load(corpus: ModuleType, scenario: Any, spec: dict[str, Any]) -> dict[str, Any]:
    corpus._import_fresh(scenario.path, scenario.set_name)  # its libraries, for their versions
    return {
        "expect": list(scenario.expect),
        "site_line": scenario.site_line,
        "holder": scenario.holder,
        "libraries": list(scenario.libraries),
        "library_versions": _library_versions(scenario),
        "dist_versions": _dist_versions(spec.get("requirements") or []),
        "ground_truth": scenario.ground_truth,
        "diagnosis": list(scenario.diagnosis),
        "library": list(scenario.library),
        "python": sys.version.split()[0],
    }


def tool_leaksleuth(corpus: ModuleType, scenario: Any, spec: dict[str, Any]) -> dict[str, Any]:
    root = spec["root"]
    t0 = time.perf_counter()
    report = corpus.run_scenario(scenario)
    wall = time.perf_counter() - t0
    v = report.verdict
    top = report.suspects[0] if report.suspects else None
    failure = report.target_failure
    return {
        "status": v.status,
        "verdict": "leak" if v.status == "leak" else "no leak",
        "bytes_per_iteration": _clean(v.bytes_per_iteration),
        "ci_low": _clean(v.ci_low),
        "ci_high": _clean(v.ci_high),
        "basis": v.basis,
        "kind": getattr(v, "kind", ""),
        "reason": v.reason,
        "iterations_measured": v.iterations_measured,
        "iterations_run": report.meta.get("iterations_run"),
        "wall_s": wall,
        "top_site": f"{_rel(top.file, root)}:{top.line}" if top else None,
        "site_ok": corpus.site_matches(report, scenario) if scenario.is_leak else None,
        "holder_ok": corpus.holder_matches(report, scenario) if scenario.holder else None,
        "top_holder": corpus.top_holder(report) or None,
        "target_failure": f"{failure.type}: {failure.message}" if failure else None,
        # What the report says causes it: (pattern, summary, where) of each diagnosis;
        # bench/realcorpus.py scores them against the workload's declared DIAGNOSIS.
        "diagnoses": [
            {"pattern": d.pattern, "summary": d.summary, "where": d.where}
            for d in getattr(report, "diagnoses", ())
        ],
        "notes": list(report.notes[:3]),
        "probe_errors": list(report.probe_errors[:3]),
    }


def _steps(scenario: Any) -> tuple[Callable[[], Any], Callable[[], None]]:
    """``step`` bound to its setup's state, and the teardown to call at the end."""
    _, module = _corpus_of(scenario)._import_fresh(scenario.path, scenario.set_name)
    setup = getattr(module, "setup", None)
    state = setup() if setup is not None else None
    step = module.step
    teardown = getattr(module, "teardown", None) or (lambda: None)
    if state is None:
        return step, teardown
    return (lambda: step(state)), teardown


def tool_tracemalloc(corpus: ModuleType, scenario: Any, spec: dict[str, Any]) -> dict[str, Any]:
    import tracemalloc

    warmup, measured, threshold = spec["warmup"], spec["measured"], spec["threshold"]
    step, teardown = _steps(scenario)
    try:
        tracemalloc.start(1)
        try:
            for _ in range(warmup):
                step()
            gc.collect()
            before = tracemalloc.take_snapshot()
            t0 = time.perf_counter()
            for _ in range(measured):
                step()
            wall = time.perf_counter() - t0
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
    finally:
        teardown()
    own = (tracemalloc.Filter(False, tracemalloc.__file__),)
    stats = after.filter_traces(own).compare_to(before.filter_traces(own), "lineno")
    growth = sum(s.size_diff for s in stats)
    top = max(stats, key=lambda s: s.size_diff, default=None)
    top_site = top_ok = None
    if top is not None and top.size_diff > 0:
        frame = top.traceback[0]
        top_site = f"{_rel(frame.filename, spec['root'])}:{frame.lineno}"
        top_ok = _same_site(frame.filename, frame.lineno, scenario)
    return {
        "verdict": "leak" if growth > threshold else "no leak",
        "retained_bytes": growth,
        "top_site": top_site,
        "top_bytes": top.size_diff if top is not None else None,
        "site_ok": top_ok if scenario.is_leak else None,
        "wall_s": wall,
    }


def tool_memray(corpus: ModuleType, scenario: Any, spec: dict[str, Any]) -> dict[str, Any]:
    import memray

    warmup, measured, threshold = spec["warmup"], spec["measured"], spec["threshold"]
    folder = tempfile.mkdtemp(prefix="realcorpus-memray-")
    path = os.path.join(folder, "run.bin")
    try:
        step, teardown = _steps(scenario)
        try:
            for _ in range(warmup):
                step()
            t0 = time.perf_counter()
            with memray.Tracker(path, native_traces=False):
                for _ in range(measured):
                    step()
                gc.collect()
            wall = time.perf_counter() - t0
        finally:
            teardown()
        reader = memray.FileReader(path)
        by_site: dict[tuple[str, int], int] = {}
        total = 0
        for record in reader.get_leaked_allocation_records(merge_threads=True):
            total += record.size
            frames = record.stack_trace(max_stacks=1)
            key = (frames[0][1], frames[0][2]) if frames else ("<unknown>", 0)
            by_site[key] = by_site.get(key, 0) + record.size
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    top_site = top_ok = None
    top_bytes = None
    if by_site:
        (file, line), top_bytes = max(by_site.items(), key=lambda kv: kv[1])
        top_site = f"{_rel(file, spec['root'])}:{line}"
        top_ok = _same_site(file, line, scenario)
    return {
        "verdict": "leak" if total > threshold else "no leak",
        "retained_bytes": total,
        "top_site": top_site,
        "top_bytes": top_bytes,
        "site_ok": top_ok if scenario.is_leak else None,
        "wall_s": wall,
    }


def _rss_reader() -> Callable[[], int]:
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    if os.path.exists("/proc/self/statm"):

        def statm() -> int:
            with open("/proc/self/statm", "rb") as f:
                return int(f.read().split()[1]) * page

        return statm
    import psutil

    process = psutil.Process()
    return lambda: int(process.memory_info().rss)


def tool_rss(corpus: ModuleType, scenario: Any, spec: dict[str, Any]) -> dict[str, Any]:
    warmup, measured, threshold = spec["warmup"], spec["measured"], spec["threshold"]
    rss = _rss_reader()
    step, teardown = _steps(scenario)
    values: list[int] = []
    try:
        for _ in range(warmup):
            step()
        t0 = time.perf_counter()
        for _ in range(measured):
            step()
            values.append(rss())
        wall = time.perf_counter() - t0
    finally:
        teardown()
    n = len(values)
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    sxx = sum((i - mean_x) ** 2 for i in range(n))
    sxy = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    slope = sxy / sxx if sxx else 0.0
    growth = slope * measured
    return {
        "verdict": "leak" if growth > threshold else "no leak",
        "retained_bytes": growth,
        "slope_bytes_per_step": slope,
        "rss_first": values[0],
        "rss_last": values[-1],
        "wall_s": wall,
    }


TOOLS: dict[str, Callable[[ModuleType, Any, dict[str, Any]], dict[str, Any]]] = {
    "load": tool_load,
    "leaksleuth": tool_leaksleuth,
    "tracemalloc": tool_tracemalloc,
    "memray": tool_memray,
    "rss": tool_rss,
}


def run(spec: dict[str, Any]) -> dict[str, Any]:
    spec.setdefault("warmup", DEFAULT_WARMUP)
    spec.setdefault("measured", DEFAULT_MEASURED)
    spec.setdefault("threshold", DEFAULT_THRESHOLD)
    t0 = time.perf_counter()
    try:
        corpus = _corpus(spec["root"])
        scenario = load_workload(corpus, spec)
    except BaseException as exc:  # a half-written or broken workload is a result too
        return {
            "ok": False,
            "stage": "load",
            "error": _error(exc),
            "traceback": traceback.format_exc()[-3000:],
        }
    load_s = time.perf_counter() - t0
    try:
        result = TOOLS[spec["tool"]](corpus, scenario, spec)
    except BaseException as exc:
        return {
            "ok": False,
            "stage": "run",
            "error": _error(exc),
            "traceback": traceback.format_exc()[-3000:],
            "load_s": load_s,
        }
    if result.get("target_failure"):  # the workload raised: its verdict is not a result
        return {"ok": False, "stage": "step raised", "error": result["target_failure"], **result}
    return {"ok": True, "load_s": load_s, **result}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    spec = json.loads(argv[0])
    result = run(spec)
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump(result, f, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
