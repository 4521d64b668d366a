"""The scenario corpus: small programs with their ground truth written in them.

A scenario module defines ``step()`` (one iteration), optionally ``setup()`` (its return
value, if not None, is passed to ``step``) and ``teardown()``, and states the truth::

    EXPECT = "leak"            # or "plateau", "flat", or "plateau|flat" when both are honest
    MAX_ITERATIONS = 400       # optional

For a leak, exactly one line carries a ``# SITE`` comment: the expected top-1 site. A
leak held by Python references also names what holds it, as text the top holder's path
must contain::

    HOLDER = "global _RESULTS"   # or "attribute registry", "._cache", ...

Every leak also states its right diagnosis, decided from what the code does (never from
what leaksleuth said): one of ``leaksleuth.report.PATTERNS``, or a tuple of them when the
truth honestly admits two, or ``()`` when no pattern describes it (the right report then
tells none). A non-leak declares none: its truth is no diagnosis at all::

    DIAGNOSIS = "growing_container"                        # or "pyplot_figure", ...
    DIAGNOSIS = ("lru_cache_method", "lru_cache_unbounded")  # either is right

Two sets live side by side. ``tuning`` is what thresholds may be tuned on; ``heldout``
holds different programs of the same kinds and is never tuned on.

The real-library corpus (``real``, tuned on, and ``real_heldout``, never tuned on) holds
correct code and leaks written with real libraries as people write them. They run with
leaksleuth's default options (no ``MAX_ITERATIONS``), name the libraries they exercise
and record their measured truth::

    LIBRARIES = ("numpy", "pandas")
    GROUND_TRUTH = "settled over 5000 iterations (gc every 50); ..."   # bench/groundtruth.py

A non-leak's ``GROUND_TRUTH`` starts with "settled", a leak's with "leak": the workload
enters the corpus only when a long run has measured it so.

    for scenario in load_scenarios("tuning"):
        report = run_scenario(scenario)
        print(scenario.name, report.verdict.status in scenario.expect)
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Optional

import leaksleuth
from leaksleuth import Report
from leaksleuth.report import PATTERNS

SETS: tuple[str, ...] = ("tuning", "heldout", "real", "real_heldout")
REAL_SETS: tuple[str, ...] = ("real", "real_heldout")
GROUND_TRUTHS: tuple[str, ...] = ("leak", "plateau", "flat")
DEFAULT_MAX_ITERATIONS = 500  # synthetic sets; the real sets run check()'s own default

_HERE = os.path.dirname(os.path.abspath(__file__))
_SITE_COMMENT = re.compile(r"#\s*SITE\b")


class ScenarioError(Exception):
    """A scenario module whose ground truth is missing or malformed."""


@dataclass(frozen=True)
class Scenario:
    """One scenario module and the truth it declares."""

    name: str
    set_name: str
    path: str
    expect: tuple[str, ...]
    site_line: Optional[int]
    max_iterations: Optional[int]  # None: check()'s default
    holder: Optional[str] = None
    libraries: tuple[str, ...] = ()
    ground_truth: str = ""
    # The right diagnosis: any of these patterns (PATTERNS); () for a non-leak, and for a
    # leak no pattern describes. ``library``: a replay's package, one of which the right
    # diagnosis must name in its summary (a leak in a library's own code).
    diagnosis: tuple[str, ...] = ()
    library: tuple[str, ...] = ()

    @property
    def is_leak(self) -> bool:
        return self.expect == ("leak",)

    @property
    def id(self) -> str:
        return f"{self.set_name}/{self.name}"


def scenario_paths(set_name: str) -> list[str]:
    """The scenario files of a set, sorted by name."""
    if set_name not in SETS:
        raise ScenarioError(f"unknown scenario set {set_name!r}; expected one of {SETS}")
    folder = os.path.join(_HERE, set_name)
    names = sorted(n for n in os.listdir(folder) if n.endswith(".py") and not n.startswith("_"))
    return [os.path.join(folder, n) for n in names]


def _import_fresh(path: str, set_name: str) -> tuple[str, ModuleType]:
    """Import a scenario file under a module name no other load has used."""
    stem = os.path.splitext(os.path.basename(path))[0]
    base = f"leaksleuth_scenario_{set_name}_{stem}"
    name, n = base, 1
    while name in sys.modules:
        n += 1
        name = f"{base}_{n}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ScenarioError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickle look a class's module up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return name, module


def parse_expect(value: object, path: str) -> tuple[str, ...]:
    """``"plateau|flat"`` -> ``("plateau", "flat")``; "inconclusive" is never a truth."""
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{path}: EXPECT must be a non-empty string")
    statuses = tuple(part.strip() for part in value.split("|"))
    bad = [s for s in statuses if s not in GROUND_TRUTHS]
    if bad:
        raise ScenarioError(f"{path}: EXPECT has {bad}; allowed: {GROUND_TRUTHS}")
    if "leak" in statuses and len(statuses) > 1:
        raise ScenarioError(f"{path}: a leak cannot share its EXPECT with a non-leak")
    return statuses


def find_site_lines(path: str) -> list[int]:
    """1-based numbers of the lines whose comment is ``# SITE``."""
    with open(path, encoding="utf-8") as f:
        return [i for i, line in enumerate(f, start=1) if _SITE_COMMENT.search(line)]


_DECLARED = ("EXPECT", "HOLDER", "MAX_ITERATIONS", "LIBRARIES", "GROUND_TRUTH", "DIAGNOSIS")
# A replay (tests/scenarios/replays, run by bench/realcorpus.py) states its leaky run's
# diagnosis and the package it must name.
REPLAY_DECLARED = ("DIAGNOSIS_LEAKY", "LIBRARY")


def parse_diagnosis(value: object, path: str, name: str = "DIAGNOSIS") -> tuple[str, ...]:
    """``"growing_container"`` -> ``("growing_container",)``; a tuple stays a tuple; ``()``:
    no pattern describes the leak. Each name must be one of ``leaksleuth.report.PATTERNS``."""
    if isinstance(value, str):
        patterns: tuple[str, ...] = (value,)
    elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        patterns = value
    else:
        raise ScenarioError(f"{path}: {name} must be a pattern name or a tuple of them")
    bad = [p for p in patterns if p not in PATTERNS]
    if bad:
        raise ScenarioError(f"{path}: {name} has {bad}, not in leaksleuth.report.PATTERNS")
    if len(set(patterns)) != len(patterns):
        raise ScenarioError(f"{path}: {name} names a pattern twice")
    return patterns


def parse_library(value: object, path: str) -> tuple[str, ...]:
    """A replay's ``LIBRARY``: a top-level package name, or a non-empty tuple of them."""
    names = (value,) if isinstance(value, str) else value
    if not (isinstance(names, tuple) and names and all(isinstance(n, str) and n for n in names)):
        raise ScenarioError(f"{path}: LIBRARY must be a package name or a tuple of them")
    bad = [n for n in names if not n.isidentifier()]
    if bad:
        raise ScenarioError(f"{path}: LIBRARY has {bad}: top-level package names only")
    return tuple(names)


def replay_diagnosis(path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A replay's declared truth of diagnosis: (DIAGNOSIS_LEAKY, LIBRARY), both required
    and checked. Its FIXED run's truth is no diagnosis."""
    found = declarations(path, REPLAY_DECLARED)
    for name in REPLAY_DECLARED:
        if name not in found:
            raise ScenarioError(f"{path}: a replay must declare {name}")
    diagnosis = parse_diagnosis(found["DIAGNOSIS_LEAKY"], path, "DIAGNOSIS_LEAKY")
    if not diagnosis:
        raise ScenarioError(f"{path}: DIAGNOSIS_LEAKY must name at least one pattern")
    return diagnosis, parse_library(found["LIBRARY"], path)


def diagnosis_right(told: list[tuple[str, str]], scenario: Scenario) -> bool:
    """Whether the diagnoses told, as (pattern, summary) pairs, hold the scenario's right
    one: one of its patterns (naming one of its ``library`` in the summary, if it has any).
    For a leak no pattern describes (``diagnosis == ()``), right is telling none."""
    if not scenario.diagnosis:
        return not told
    return any(
        pattern in scenario.diagnosis
        and (not scenario.library or any(lib in summary for lib in scenario.library))
        for pattern, summary in told
    )


def declarations(path: str, names: tuple[str, ...] = _DECLARED) -> dict[str, Any]:
    """A scenario file's declared constants (``names``), read from its source without
    importing it (importing would load every library of the corpus into the reading
    process, whose heap every later full gc pass must then walk); "step" is True if it
    defines step()."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    found: dict[str, Any] = {"step": False}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "step":
            found["step"] = True
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in names:
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError as exc:
                    raise ScenarioError(f"{path}: {target.id} must be a literal") from exc
    return found


def load_scenario(path: str, set_name: str) -> Scenario:
    """Read one scenario file and check that its ground truth is well formed."""
    module = declarations(path)
    if not module["step"]:
        raise ScenarioError(f"{path}: defines no step() function")
    expect = parse_expect(module.get("EXPECT"), path)
    sites = find_site_lines(path)
    if expect == ("leak",) and len(sites) != 1:
        raise ScenarioError(f"{path}: a leak needs exactly one '# SITE' line, found {sites}")
    if expect != ("leak",) and sites:
        raise ScenarioError(f"{path}: only a leak may mark a '# SITE' line (lines {sites})")
    holder = module.get("HOLDER")
    if holder is not None and (expect != ("leak",) or not isinstance(holder, str) or not holder):
        raise ScenarioError(f"{path}: HOLDER must be a non-empty string, and only for a leak")
    if expect == ("leak",) and "DIAGNOSIS" not in module:
        raise ScenarioError(f"{path}: a leak must declare its right DIAGNOSIS")
    if expect != ("leak",) and "DIAGNOSIS" in module:
        raise ScenarioError(f"{path}: only a leak declares a DIAGNOSIS (a non-leak's is none)")
    diagnosis = parse_diagnosis(module["DIAGNOSIS"], path) if "DIAGNOSIS" in module else ()
    real = set_name in REAL_SETS
    limit = module.get("MAX_ITERATIONS", None if real else DEFAULT_MAX_ITERATIONS)
    libraries, truth = _real_fields(module, path, expect) if real else ((), "")
    if real and limit is not None:
        raise ScenarioError(f"{path}: a real-library workload runs with the default options")
    return Scenario(
        name=os.path.splitext(os.path.basename(path))[0],
        set_name=set_name,
        path=path,
        expect=expect,
        site_line=sites[0] if sites else None,
        max_iterations=None if limit is None else int(limit),
        holder=holder,
        libraries=libraries,
        ground_truth=truth,
        diagnosis=diagnosis,
    )


def _real_fields(
    module: dict[str, Any], path: str, expect: tuple[str, ...]
) -> tuple[tuple[str, ...], str]:
    libraries = module.get("LIBRARIES")
    if not isinstance(libraries, tuple) or not libraries:
        raise ScenarioError(f"{path}: LIBRARIES must be a non-empty tuple of library names")
    truth = module.get("GROUND_TRUTH")
    wanted = "leak" if expect == ("leak",) else "settled"
    if not isinstance(truth, str) or not truth.startswith(wanted):
        raise ScenarioError(f"{path}: GROUND_TRUTH must record a long run that {wanted}")
    return tuple(str(lib) for lib in libraries), truth


def load_scenarios(set_name: str) -> list[Scenario]:
    """Every scenario of a set (one of ``SETS``), sorted by name."""
    return [load_scenario(p, set_name) for p in scenario_paths(set_name)]


def run_scenario(scenario: Scenario, **check_options: Any) -> Report:
    """Run a scenario under ``leaksleuth.check`` on a freshly imported copy of its module.

    A fresh copy means a scenario run twice starts from the same state. ``teardown()``
    always runs, so global state (the gc, loggers, pyplot) is left as it was found.
    """
    name, module = _import_fresh(scenario.path, scenario.set_name)
    try:
        setup = getattr(module, "setup", None)
        state = setup() if setup is not None else None
        try:
            args = () if state is None else (state,)
            options: dict[str, Any] = {}
            if scenario.max_iterations is not None:
                options["max_iterations"] = scenario.max_iterations
            options.update(check_options)
            return leaksleuth.check(module.step, *args, target_name=scenario.id, **options)
        finally:
            teardown = getattr(module, "teardown", None)
            if teardown is not None:
                teardown()
    finally:
        sys.modules.pop(name, None)


def run_in_fresh_interpreters(
    scenarios: list[Scenario], processes: Optional[int] = None
) -> dict[str, Report]:
    """Each scenario under ``check()`` in an interpreter of its own, as a user's program
    runs it (not in a test process whose heap holds every library the suite imported),
    ``processes`` at a time (by default one per CPU, at most two). Reports by id."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = processes or max(1, min(2, os.cpu_count() or 1))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, max_tasks_per_child=1) as pool:
        futures = {s.id: pool.submit(run_scenario, s) for s in scenarios}
        return {key: future.result() for key, future in futures.items()}


def site_matches(report: Report, scenario: Scenario) -> bool:
    """Whether the report's top-1 suspect is the scenario's ``# SITE`` line."""
    if not report.suspects or scenario.site_line is None:
        return False
    top = report.suspects[0]
    try:
        same_file = os.path.samefile(top.file, scenario.path)
    except OSError:
        return False
    return same_file and top.line == scenario.site_line


def top_holder(report: Report) -> str:
    """The top suspect's first holder as one line ("" if none), else the first loose one."""
    holders = report.suspects[0].holders if report.suspects else ()
    holders = holders or report.holders
    if not holders:
        return ""
    return " -> ".join(holders[0].path)


def holder_matches(report: Report, scenario: Scenario) -> bool:
    """Whether the top holder's path names what the scenario says holds its leak."""
    return scenario.holder is not None and scenario.holder in top_holder(report)


def explain(report: Report, scenario: Scenario) -> str:
    """A failure message: what was expected, what came back and why."""
    v = report.verdict
    lines = [
        f"{scenario.id}: expected {'|'.join(scenario.expect)}, got {v.status}",
        f"  reason: {v.reason}",
        f"  bytes/iteration: {v.bytes_per_iteration:.1f} (basis {v.basis}), "
        f"measured {v.iterations_measured}, run {report.meta.get('iterations_run')}",
    ]
    if scenario.site_line is not None:
        lines.append(f"  expected site: {scenario.path}:{scenario.site_line}")
    for i, s in enumerate(report.suspects[:3], start=1):
        lines.append(
            f"  suspect {i}: {s.file}:{s.line} {s.bytes_per_iteration:.0f} B/it "
            f"({s.windows_growing}/{s.windows} windows) {s.source}"
        )
    if not report.suspects:
        lines.append("  no suspects")
    if scenario.holder is not None:
        lines.append(f"  expected holder: ...{scenario.holder}...")
        lines.append(f"  top holder: {top_holder(report) or '(none)'}")
    if scenario.is_leak:
        lines.append(f"  expected diagnosis: {'|'.join(scenario.diagnosis) or '(none)'}")
    told = ", ".join(d.pattern for d in getattr(report, "diagnoses", ()))
    if told or scenario.is_leak:
        lines.append(f"  diagnoses: {told or '(none)'}")
    lines.extend(f"  note: {n}" for n in report.notes)
    lines.extend(f"  probe error: {e}" for e in report.probe_errors)
    return "\n".join(lines)
