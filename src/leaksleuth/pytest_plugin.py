"""The pytest plugin: a test that leaks fails, naming the line that keeps the memory.

Installing leaksleuth registers it (the ``pytest11`` entry point). It does nothing until
asked: ``@pytest.mark.leaksleuth`` on a test, or ``--leaksleuth`` for every test of the
run. A checked test's fixtures are set up and torn down once; only its body repeats,
driven by ``leaksleuth.check()``, and the verdict decides the outcome:

- leak: the test fails with the verdict, the rate, the top suspect's line, its source and
  what holds the memory;
- inconclusive: a ``LeaksleuthInconclusive`` warning (a failure with ``inconclusive="fail"``);
- no leak (flat or plateau): the test passes.

Every setting is a marker keyword, a command-line option and an ini value (the marker
wins, then the command line, then the ini file); see ``docs/pytest.md``.

Between repetitions the fixtures that collect what a test produces (captured output,
log records, recorded warnings, monkeypatch's undo list) are brought back to where the
first repetition left them, so every repetition finds them as the first did and the
harness's bookkeeping is not taken for a leak. Loading the plugin imports the leaksleuth
package (the standard library and psutil), never the renderers or the IPython extension.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

from leaksleuth._api import check
from leaksleuth._errors import UsageError
from leaksleuth._gate import Gate, judge, parse_bytes, parse_inconclusive, parse_kinds
from leaksleuth.report import Report

MARKER = "leaksleuth"
_DEFAULT_ITERATIONS = 1000
_DEFAULT_MAX_SECONDS = 60.0
_CAPTURE_FIXTURES = ("capsys", "capsysbinary", "capfd", "capfdbinary", "capteesys")
# Marker keywords (the ini and command-line names add the "leaksleuth_" prefix).
_KEYWORDS = (
    "iterations",
    "warmup",
    "allowance",
    "kinds",
    "inconclusive",
    "max_seconds",
    "check",
)


class LeaksleuthInconclusive(pytest.PytestWarning):
    """A checked test's verdict was inconclusive: more iterations would decide."""


@dataclass(frozen=True)
class Settings:
    """How one test is checked, from its marker, the command line and the ini file."""

    iterations: int
    warmup: Optional[int]
    max_seconds: Optional[float]
    gate: Gate


_RESULTS_KEY = pytest.StashKey[Dict[str, Any]]()
_STATE_KEY = pytest.StashKey["_State"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("leaksleuth", "memory leaks (leaksleuth)")
    group.addoption(
        "--leaksleuth",
        action="store_true",
        default=None,
        help="check every test for memory leaks: repeat each test's body and fail it "
        "when memory grows without bound (default: only tests marked leaksleuth)",
    )
    options = (
        ("iterations", "N", f"repeat a test's body at most N times ({_DEFAULT_ITERATIONS})"),
        ("warmup", "N", "count at least the first N repetitions as warm-up (detected)"),
        ("allowance", "BYTES", "growth per repetition a leak may have and pass (0); '2 KiB'"),
        ("kinds", "LIST", "kinds of memory whose leak fails a test: python,native,allocator,"
         "resource,gpu (all)"),
        ("inconclusive", "warn|fail", "what an inconclusive verdict does (warn)"),
        ("max-seconds", "S", f"time for checking one test ({_DEFAULT_MAX_SECONDS:g})"),
    )  # fmt: skip
    for name, metavar, text in options:
        group.addoption(f"--leaksleuth-{name}", metavar=metavar, default=None, help=text)
        parser.addini(f"leaksleuth_{name.replace('-', '_')}", text, default=None)
    parser.addini("leaksleuth", "check every test for memory leaks", type="bool", default=False)
    group.addoption(
        "--leaksleuth-json", metavar="FILE", help="write the checked tests' reports as JSON"
    )
    group.addoption(
        "--leaksleuth-html",
        metavar="DIR",
        help="write an HTML report per checked test, and an index, into DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "leaksleuth(iterations=1000, warmup=None, allowance=0, kinds=None, "
        "inconclusive='warn', max_seconds=60, check=True): repeat the test's body and fail "
        "the test if memory leaks",
    )
    state = _State(config)
    config.stash[_STATE_KEY] = state
    config.pluginmanager.register(state, "leaksleuth-results")


class _State:
    """The run's settings, and the checked tests' results (collected where the run is
    reported: in the one process, or in pytest-xdist's controller)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        option = config.getoption("leaksleuth")
        self.enabled_for_all = bool(option if option is not None else config.getini("leaksleuth"))
        self.results: List[Dict[str, Any]] = []
        self.defaults = self._defaults()

    def _defaults(self) -> Dict[str, Any]:
        """The settings from the command line, then the ini file. Bad ones are a usage
        error of the whole run, said before any test runs."""
        found: Dict[str, Any] = {}
        for key in _KEYWORDS[:-1]:
            value = self.config.getoption(f"leaksleuth_{key}")
            if value is None:
                value = self.config.getini(f"leaksleuth_{key}")
            if value not in (None, ""):
                found[key] = value
        if found:
            try:
                _settings(found)
            except Exception as exc:
                raise pytest.UsageError(f"leaksleuth: {_message(exc)}") from None
        return found

    @property
    def worker(self) -> bool:
        """A pytest-xdist worker: the controller reports and writes the files."""
        return hasattr(self.config, "workerinput")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, "leaksleuth", None)
        if report.when == "call" and isinstance(record, dict):
            self.results.append(record)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.worker:
            _summarise(self.config, self.results, terminalreporter)


def _message(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _settings(values: Dict[str, Any]) -> Settings:
    unknown = sorted(set(values) - set(_KEYWORDS))
    if unknown:
        raise UsageError(f"unknown marker keyword: {', '.join(unknown)}")
    iterations = _whole(values.get("iterations", _DEFAULT_ITERATIONS), "iterations", 1)
    warmup = values.get("warmup")
    warmup = None if warmup is None else _whole(warmup, "warmup", 0)
    if warmup is not None and warmup >= iterations:
        raise UsageError(f"warmup ({warmup}) must be smaller than iterations ({iterations})")
    seconds = values.get("max_seconds", _DEFAULT_MAX_SECONDS)
    max_seconds = None if seconds in (None, "none", "inf") else _positive(seconds, "max_seconds")
    gate = Gate(
        allowance=parse_bytes(values.get("allowance", 0)),
        kinds=parse_kinds(values.get("kinds")),
        inconclusive=parse_inconclusive(values.get("inconclusive", "warn")),
    )
    return Settings(iterations, warmup, max_seconds, gate)


def _whole(value: Any, name: str, least: int) -> int:
    if isinstance(value, bool):
        raise UsageError(f"{name} must be a whole number, not {value!r}")
    try:
        number = value if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise UsageError(f"{name} must be a whole number, not {value!r}") from None
    if number < least:
        raise UsageError(f"{name} must be a whole number of {least} or more, not {value!r}")
    return number


def _positive(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number of seconds, not {value!r}") from None
    if not (number > 0 and math.isfinite(number)):
        raise UsageError(f"{name} must be more than 0 seconds, not {value!r}")
    return number


def _marker_values(item: pytest.Item) -> Optional[Dict[str, Any]]:
    """The marker's keywords (the closest marker's win), or None if the test is not
    checked. Positional arguments are an error (raised as ``TypeError``)."""
    state = item.config.stash[_STATE_KEY]
    markers = list(item.iter_markers(MARKER))
    if not markers and not state.enabled_for_all:
        return None
    values: Dict[str, Any] = {}
    for marker in reversed(markers):
        if marker.args:
            raise TypeError(
                "the leaksleuth marker takes keywords only, such as "
                "@pytest.mark.leaksleuth(iterations=500)"
            )
        values.update(marker.kwargs)
    if values.pop("check", True) is False:
        return None
    return values


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[None]:
    original = pyfuncitem.obj
    try:
        values = _marker_values(pyfuncitem)
        settings = None
        if values is not None:
            state = pyfuncitem.config.stash[_STATE_KEY]
            settings = _settings({**state.defaults, **values})
    except Exception as exc:
        pytest.fail(f"leaksleuth: {pyfuncitem.nodeid}: {_message(exc)}", pytrace=False)
    if settings is None or _native_coroutine(original):
        # An async test no plugin runs is failed by pytest itself, as without leaksleuth.
        return (yield)
    pyfuncitem.obj = _Repeated(pyfuncitem, original, settings)
    try:
        return (yield)
    finally:
        pyfuncitem.obj = original


def _native_coroutine(func: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)


class _Repeated:
    """Stands in for the test function: called once with the test's arguments, it runs
    the body under ``check()`` and then passes, warns or fails."""

    def __init__(self, item: pytest.Function, body: Callable[..., Any], settings: Settings):
        self.item = item
        self.body = body
        self.settings = settings
        # pytest inspects the object it calls (to tell async tests); look like the body.
        self.__name__ = getattr(body, "__name__", "test")
        self.__wrapped__ = body

    def __call__(self, **kwargs: Any) -> None:
        item = self.item
        harness = _Harness(item, kwargs)
        settings = self.settings

        def once() -> None:
            harness.before()
            try:
                result = self.body(**kwargs)
            except Exception as exc:
                harness.error = exc
                raise
            finally:
                harness.after()
            if inspect.isawaitable(result):
                _close(result)
                pytest.fail(
                    f"leaksleuth: {item.nodeid} returned an awaitable: an async test needs a "
                    "plugin that runs it (pytest-asyncio, anyio)",
                    pytrace=False,
                )

        try:
            report = check(
                once,
                max_iterations=settings.iterations,
                warmup=settings.warmup,
                max_seconds=settings.max_seconds,
                target_name=item.nodeid,
            )
        finally:
            harness.finish()
        if harness.error is not None:
            reason = f"the test raised on repetition {harness.repetition}"
            item.stash[_RESULTS_KEY] = _record(item, report, "error", reason)
            _raise_test_error(harness)
        _conclude(item, report, settings)


def _close(awaitable: Any) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()


def _raise_test_error(harness: _Harness) -> None:
    """The test body raised: the test fails with its own error, as it would unchecked."""
    error = harness.error
    assert error is not None
    if harness.repetition > 1 and hasattr(error, "add_note"):
        error.add_note(
            f"leaksleuth: raised on repetition {harness.repetition} of the test body "
            f"(the {harness.repetition - 1} before it passed)"
        )
    raise error


class _Harness:
    """pytest's per-test collectors, kept where the first repetition left them."""

    def __init__(self, item: pytest.Function, kwargs: Dict[str, Any]) -> None:
        self.kwargs = kwargs
        self.repetition = 0
        self.error: Optional[BaseException] = None
        self._first_output: List[Tuple[str, str]] = []
        self._logs: List[Tuple[Any, int, int]] = []
        self._patches: Optional[Tuple[int, int]] = None
        self._warnings: Optional[Any] = None
        plugins = item.config.pluginmanager
        self._capman = plugins.getplugin("capturemanager")
        self._logging = plugins.getplugin("logging-plugin")

    def before(self) -> None:
        self.repetition += 1
        if self.repetition == 1:
            return
        if "recwarn" in self.kwargs:
            _quietly(self.kwargs["recwarn"].clear)
            # Entering catch_warnings makes the modules' registries of warnings already
            # shown out of date, so a warning shows again as in the first repetition.
            with warnings.catch_warnings():
                pass
        else:
            # Warnings of later repetitions go to a list dropped after each one, not to
            # pytest's record of the test (which keeps every one: "always" for
            # deprecations); the filters stay as they are, so -W error still raises.
            self._warnings = warnings.catch_warnings(record=True)
            self._warnings.__enter__()
        if "caplog" in self.kwargs:
            _quietly(self.kwargs["caplog"].clear)

    def after(self) -> None:
        if self.repetition == 1:
            self._first_output = self._drain()
            self._logs = [(h, len(h.records), h.stream.tell()) for h in self._log_handlers()]
            self._patches = self._patch_lengths()
            return
        if self._warnings is not None:
            self._warnings.__exit__(None, None, None)
            self._warnings = None
        self._drain()
        for handler, records, position in self._logs:
            _quietly(_truncate_log, handler, records, position)
        self._restore_patches()

    def finish(self) -> None:
        """Give the first repetition's output back to pytest (it shows in the report)."""
        for out, err in self._first_output:
            if out:
                _quietly(sys.stdout.write, out)
            if err:
                _quietly(sys.stderr.write, err)

    def _drain(self) -> List[Tuple[str, str]]:
        """Read out what pytest captured so far: the capture fixtures', then its own."""
        found: List[Tuple[str, str]] = []
        for name in _CAPTURE_FIXTURES:
            fixture = self.kwargs.get(name)
            if fixture is not None:
                found.append(_text(_quietly(fixture.readouterr)))
        capman = self._capman
        if capman is not None and hasattr(capman, "read_global_capture"):
            found.append(_text(_quietly(capman.read_global_capture)))
        return found

    def _log_handlers(self) -> List[Any]:
        plugin = self._logging
        names = ("report_handler", "caplog_handler")
        handlers = [getattr(plugin, n, None) for n in names] if plugin is not None else []
        return [h for h in handlers if hasattr(h, "records") and hasattr(h, "stream")]

    def _patch_lengths(self) -> Optional[Tuple[int, int]]:
        patch: Any = self.kwargs.get("monkeypatch")
        try:
            return len(patch._setattr), len(patch._setitem)
        except Exception:
            return None

    def _restore_patches(self) -> None:
        """monkeypatch keeps an undo record per call; the first repetition's records
        restore the originals, so the later ones' are dropped."""
        patch = self.kwargs.get("monkeypatch")
        if self._patches is None or patch is None:
            return
        setattrs, setitems = self._patches
        _quietly(patch._setattr.__delitem__, slice(setattrs, None))
        _quietly(patch._setitem.__delitem__, slice(setitems, None))


def _truncate_log(handler: Any, records: int, position: int) -> None:
    del handler.records[records:]
    handler.stream.seek(position)
    handler.stream.truncate()


def _text(result: Any) -> Tuple[str, str]:
    if result is None:
        return "", ""
    out, err = result
    if isinstance(out, bytes):
        out = out.decode(errors="replace")
    if isinstance(err, bytes):
        err = err.decode(errors="replace")
    return out or "", err or ""


def _quietly(call: Callable[..., Any], *args: Any) -> Any:
    """pytest's internals differ between versions: what cannot be done is left undone."""
    try:
        return call(*args)
    except Exception:
        return None


def _conclude(item: pytest.Function, report: Report, settings: Settings) -> None:
    """Record the result, then pass, warn or fail the test."""
    from leaksleuth.render import render_brief

    config = item.config
    judgement = judge(report, settings.gate)
    record = _record(item, report, judgement.outcome, judgement.reason)
    html_dir = config.getoption("leaksleuth_html")
    if html_dir:
        record["html"] = _quietly(lambda: _write_page(html_dir, item, report))
    if config.getoption("leaksleuth_json"):
        record["report"] = report.to_dict()
    item.stash[_RESULTS_KEY] = record
    if judgement.outcome == "pass":
        return
    if judgement.outcome == "warn":
        warnings.warn(LeaksleuthInconclusive(f"{item.nodeid}: {judgement.reason}"), stacklevel=1)
        return
    headline = f"leaksleuth: {judgement.reason}"
    if record["site"]:
        headline += f", allocated at {record['site']}: {record['source']}"
    text = render_brief(report, width=_width(config))
    pytest.fail(f"{headline}\n\n{text}", pytrace=False)


def _record(item: pytest.Item, report: Report, outcome: str, reason: str) -> Dict[str, Any]:
    verdict = report.verdict
    top = report.suspects[0] if report.suspects else None
    holder = top.holders[0] if top is not None and top.holders else None
    return {
        "nodeid": item.nodeid,
        "outcome": outcome,
        "reason": reason,
        "status": verdict.status,
        "kind": verdict.kind,
        "bytes_per_iteration": _finite(verdict.bytes_per_iteration),
        "ci": [_finite(verdict.ci_low), _finite(verdict.ci_high)],
        "iterations": verdict.iterations_measured,
        "more_iterations_needed": verdict.more_iterations_needed,
        "site": f"{_short(top.file)}:{top.line}" if top is not None else "",
        "source": top.source.strip() if top is not None else "",
        "holder": " -> ".join(holder.path) if holder is not None else "",
    }


def _short(path: str) -> str:
    from leaksleuth.render._paths import short_path

    return short_path(path, os.getcwd())


def _finite(value: float) -> Optional[float]:
    return value if math.isfinite(value) else None


def _width(config: pytest.Config) -> int:
    reporter = config.pluginmanager.getplugin("terminalreporter")
    width = getattr(getattr(reporter, "_tw", None), "fullwidth", 100)
    return max(60, min(int(width), 120))


def _safe_name(nodeid: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("._")
    return name[:150] or "test"


def _write_page(directory: str, item: pytest.Item, report: Report) -> str:
    from leaksleuth.cli._reporting import write_file
    from leaksleuth.render import render_html

    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, _safe_name(item.nodeid) + ".html")
    write_file(path, render_html(report))
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if call.when == "call":
        record = item.stash.get(_RESULTS_KEY, None)
        if record is not None:
            # An attribute of the report travels from a pytest-xdist worker to the
            # controller with the report (it must be JSON data).
            report.leaksleuth = record
    return report


def _summarise(config: pytest.Config, results: List[Dict[str, Any]], reporter: Any) -> None:
    """The terminal section of the leaking and undecided tests; the JSON and index files."""
    json_path = config.getoption("leaksleuth_json")
    html_dir = config.getoption("leaksleuth_html")
    written: List[str] = []
    try:
        if json_path:
            written.append(_write_json(json_path, results))
        if html_dir and results:
            written.append(_write_index(html_dir, results))
    except OSError as exc:
        reporter.write_line(f"leaksleuth: could not write the reports: {exc}", red=True)
    if not results and not written:
        return
    reporter.section("leaksleuth")
    for line in _summary_lines(results):
        reporter.write_line(line)
    for path in written:
        reporter.write_line(f"written: {path}")


# fail: a leak failed the test; warn: undecided (a warning); pass; error: the test raised.
_OUTCOMES = ("fail", "warn", "pass", "error")
_OUTCOME_WORDS = {"fail": "LEAK", "warn": "INCONCLUSIVE", "error": "RAISED"}


def _summary_lines(results: List[Dict[str, Any]]) -> List[str]:
    lines: List[str] = []
    for record in results:
        if record["outcome"] == "pass":
            continue
        word = _OUTCOME_WORDS.get(record["outcome"], record["outcome"])
        if record["outcome"] == "warn" and record["status"] == "leak":
            word = "LEAK?"
        line = f"{word:<13} {record['nodeid']}  {record['reason']}"
        lines.append(line)
        if record["site"]:
            lines.append(f"{'':<14}{record['site']}  {record['source']}".rstrip())
        if record["holder"]:
            lines.append(f"{'':<14}held by {record['holder']}")
    counts = {k: sum(r["outcome"] == k for r in results) for k in _OUTCOMES}
    lines.append(
        f"{len(results)} test{'s' * (len(results) != 1)} checked: {counts['fail']} failed on a "
        f"leak, {counts['warn']} inconclusive, {counts['pass']} passed"
        + (f", {counts['error']} raised" if counts["error"] else "")
    )
    return lines


def _write_json(path: str, results: List[Dict[str, Any]]) -> str:
    from leaksleuth.cli._reporting import write_file

    data = {"schema_version": 1, "tests": results}
    write_file(path, json.dumps(data, indent=2, allow_nan=False) + "\n")
    return path


def _write_index(directory: str, results: List[Dict[str, Any]]) -> str:
    import html

    from leaksleuth.cli._reporting import write_file

    rows = []
    for record in results:
        page = record.get("html")
        name = html.escape(record["nodeid"])
        link = f'<a href="{html.escape(os.path.basename(page))}">{name}</a>' if page else name
        rows.append(
            f"<tr class={record['outcome']}><td>{html.escape(record['status'])}</td>"
            f"<td>{link}</td><td>{html.escape(record['reason'])}</td>"
            f"<td>{html.escape(record['site'])}</td></tr>"
        )
    page = _INDEX.replace("{{ROWS}}", "\n".join(rows))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, "index.html")
    write_file(path, page)
    return path


_INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>leaksleuth: checked tests</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1d232b; }
table { border-collapse: collapse; } td, th { padding: .3em .8em; text-align: left;
border-bottom: 1px solid #d7dde4; } tr.fail td:first-child { color: #c0392b; font-weight: bold; }
tr.warn td:first-child { color: #b26a00; } tr.pass td:first-child { color: #2e7d32; }
</style></head><body>
<h1>leaksleuth: checked tests</h1>
<table><tr><th>verdict</th><th>test</th><th>outcome</th><th>top suspect</th></tr>
{{ROWS}}
</table></body></html>
"""
