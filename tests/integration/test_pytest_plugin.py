"""The pytest plugin, driven by pytester in child pytest processes (the plugin is
registered by the ``pytest11`` entry point, as for a user who installed leaksleuth).

Each run holds several tests, each asserting its own outcome, so that the suite pays
pytest's start-up a few times only.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict

import pytest

pytest.importorskip("xdist")  # in the test extra: a missing one is an install error
pytest.importorskip("pytest_asyncio")

_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
leaksleuth_iterations = 120
"""

# One file of tests with known outcomes; run once with --leaksleuth (so unmarked tests
# are checked too, with the ini's 120 iterations).
_TESTS = """
import functools
import logging
import os
import time
import warnings

import pytest

KEEP = []


@pytest.mark.leaksleuth(iterations=300)
def test_keeps_every_row():
    KEEP.append(bytearray(3000))


@pytest.mark.leaksleuth(iterations=300)
def test_clean():
    rows = [bytearray(3000) for _ in range(3)]
    assert len(rows) == 3


@functools.lru_cache(maxsize=64)
def square(n):
    return [n] * 50


_n = [0]


@pytest.mark.leaksleuth(iterations=300)
def test_bounded_cache():
    _n[0] += 1
    square(_n[0] % 200)


@pytest.mark.leaksleuth(iterations=300)
def test_prints_each_time():
    print("said at every repetition")


@pytest.mark.leaksleuth(iterations=300)
def test_harness_noise(capsys, caplog, monkeypatch):
    # Each repetition prints, logs, warns and patches: pytest's collectors would keep
    # all of it, and every repetition must find them as the first did.
    print("hello " * 40)
    logging.getLogger("noisy").warning("careful %s", "x" * 200)
    warnings.warn(DeprecationWarning("old api"))
    monkeypatch.setattr(os, "curdir", ".")
    monkeypatch.setenv("LEAKSLEUTH_TEST_VAR", "1")
    assert len(caplog.records) == 1
    assert capsys.readouterr().out.startswith("hello")


@pytest.mark.leaksleuth(iterations=300)
def test_recorded_warnings(recwarn):
    warnings.warn(UserWarning("once per repetition"))
    assert len(recwarn) == 1


SMALL = []


@pytest.mark.leaksleuth(iterations=300, allowance="1 KiB")
def test_small_leak_within_allowance():
    SMALL.append(bytearray(200))


PY = []


@pytest.mark.leaksleuth(iterations=300, kinds="native,gpu")
def test_python_leak_not_a_counted_kind():
    PY.append(bytearray(3000))


@pytest.mark.leaksleuth(max_seconds=0.05)
def test_too_slow_to_decide():
    time.sleep(0.01)


@pytest.mark.leaksleuth(max_seconds=0.05, inconclusive="fail")
def test_too_slow_to_decide_strict():
    time.sleep(0.01)


CALLS = [0]


@pytest.mark.leaksleuth(iterations=300)
def test_raises_on_the_fifth():
    CALLS[0] += 1
    assert CALLS[0] < 5, "state left by earlier repetitions"


UNMARKED = []


def test_unmarked_leak():
    UNMARKED.append(bytearray(3000))


@pytest.mark.leaksleuth(check=False)
def test_opted_out():
    KEEP.append(bytearray(10))


@pytest.mark.leaksleuth(iterations=300)
def test_skips_itself():
    pytest.skip("not on this machine")


@pytest.mark.leaksleuth(iterations=300)
def test_expected_failure():
    pytest.xfail("known bug")


@pytest.mark.leaksleuth(bogus=1)
def test_bad_keyword():
    pass


@pytest.mark.leaksleuth(check=False)
def test_after_all_the_unmarked_ran_as_the_ini_said():
    # Checked with the ini's 120 iterations: the burst may end a few early.
    assert 60 <= len(UNMARKED) <= 120
"""


def _line(source: str, code: str) -> int:
    """The line of ``code`` in a test file written from ``source``."""
    return next(i for i, ln in enumerate(source.splitlines(), 1) if ln.strip() == code)


_KEEP_LINE = _line(_TESTS, "KEEP.append(bytearray(3000))")


@dataclass
class Run:
    text: str  # the child run's output
    outcomes: Dict[str, str]  # test name -> PASSED or FAILED
    data: Dict[str, Any]  # --leaksleuth-json
    path: Path


@pytest.fixture(scope="module")
def single_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    # One child pytest run serves every test below (pytester's fixture is per test).
    where = tmp_path_factory.mktemp("plugin")
    (where / "pytest.ini").write_text(_INI)
    (where / "test_outcomes.py").write_text(_TESTS)
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "--leaksleuth", "-rA", "-p", "no:cacheprovider",
            "--leaksleuth-json=leaks.json", "--leaksleuth-html=pages", "test_outcomes.py",
        ],
        cwd=where, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    text = done.stdout + done.stderr
    outcomes = {}
    for line in text.splitlines():
        for word in ("PASSED", "FAILED"):
            prefix = f"{word} test_outcomes.py::"
            if line.startswith(prefix):
                outcomes[line[len(prefix) :].split(" ", 1)[0]] = word
    data = json.loads((where / "leaks.json").read_text())
    return Run(text, outcomes, data, where)


def _by_test(run: Run) -> Dict[str, Dict[str, Any]]:
    return {t["nodeid"].split("::")[1]: t for t in run.data["tests"]}


def test_a_leaking_test_fails_naming_its_line_source_and_holder(single_run: Run) -> None:
    assert single_run.outcomes["test_keeps_every_row"] == "FAILED"
    failure = single_run.text.split("_ test_keeps_every_row _", 1)[1].split("\n_", 1)[0]
    headline = (
        f"leaksleuth: leak of 3.0 KiB per iteration, allocated at test_outcomes.py:{_KEEP_LINE}"
    )
    assert f"{headline}: KEEP.append(bytearray(3000))" in failure
    assert "LEAK  +3.0 KiB per iteration (95% CI" in failure  # the verdict line
    assert "held by module test_outcomes global KEEP (list" in failure
    assert f"{_KEEP_LINE} │ KEEP.append(bytearray(3000))" in failure
    # The marker's 300 iterations, not the ini's 120.
    assert _by_test(single_run)["test_keeps_every_row"]["iterations"] > 120


_NO_LEAK = (
    "test_clean",
    "test_bounded_cache",
    "test_prints_each_time",
    "test_harness_noise",
    "test_recorded_warnings",
)


def test_clean_code_a_bounded_cache_and_pytests_own_collectors_pass(single_run: Run) -> None:
    by_test = _by_test(single_run)
    for name in _NO_LEAK:
        assert single_run.outcomes[name] == "PASSED", name
        assert by_test[name]["status"] in ("flat", "plateau"), by_test[name]
    # The report shows the first repetition's output, once, not 300 times.
    assert single_run.text.count("said at every repetition") == 1


def test_the_allowance_and_the_kinds_let_a_leak_pass(single_run: Run) -> None:
    by_test = _by_test(single_run)
    small = by_test["test_small_leak_within_allowance"]
    assert single_run.outcomes["test_small_leak_within_allowance"] == "PASSED"
    assert small["status"] == "leak" and "within 1.0 KiB" in small["reason"]
    assert small["site"] == f"test_outcomes.py:{_line(_TESTS, 'SMALL.append(bytearray(200))')}"
    other = by_test["test_python_leak_not_a_counted_kind"]
    assert single_run.outcomes["test_python_leak_not_a_counted_kind"] == "PASSED"
    assert other["status"] == "leak" and other["kind"] == "python"
    assert "not a counted kind (gpu, native)" in other["reason"]


def test_inconclusive_warns_unless_asked_to_fail(single_run: Run) -> None:
    assert single_run.outcomes["test_too_slow_to_decide"] == "PASSED"
    assert single_run.outcomes["test_too_slow_to_decide_strict"] == "FAILED"
    warning = "LeaksleuthInconclusive: test_outcomes.py::test_too_slow_to_decide: inconclusive"
    assert warning in single_run.text
    by_test = _by_test(single_run)
    assert by_test["test_too_slow_to_decide"]["status"] == "inconclusive"
    assert by_test["test_too_slow_to_decide"]["iterations"] < 10  # max_seconds=0.05
    assert by_test["test_too_slow_to_decide_strict"]["outcome"] == "fail"


def test_skip_and_xfail_inside_a_checked_body_work_as_usual(single_run: Run) -> None:
    assert "SKIPPED [1] test_outcomes.py" in single_run.text
    assert "not on this machine" in single_run.text
    assert "XFAIL test_outcomes.py::test_expected_failure - known bug" in single_run.text
    assert "test_skips_itself" not in _by_test(single_run)


def test_a_test_that_raises_fails_with_its_own_error(single_run: Run) -> None:
    assert single_run.outcomes["test_raises_on_the_fifth"] == "FAILED"
    assert "AssertionError: state left by earlier repetitions" in single_run.text
    assert "leaksleuth: raised on repetition 5 of the test body" in single_run.text
    assert _by_test(single_run)["test_raises_on_the_fifth"]["outcome"] == "error"


def test_the_flag_checks_unmarked_tests_with_the_ini_defaults(single_run: Run) -> None:
    outcomes = single_run.outcomes
    assert outcomes["test_unmarked_leak"] == "FAILED"
    assert outcomes["test_opted_out"] == "PASSED"
    assert outcomes["test_after_all_the_unmarked_ran_as_the_ini_said"] == "PASSED"
    assert outcomes["test_bad_keyword"] == "FAILED"
    bad = "leaksleuth: test_outcomes.py::test_bad_keyword: unknown marker keyword: bogus"
    assert bad in single_run.text


def test_the_summary_section_and_the_report_files(single_run: Run) -> None:
    section = single_run.text.split("= leaksleuth =", 1)[1].split("short test summary", 1)[0]
    assert "LEAK          test_outcomes.py::test_keeps_every_row" in section
    assert f"test_outcomes.py:{_KEEP_LINE}  KEEP.append(bytearray(3000))" in section
    assert "INCONCLUSIVE  test_outcomes.py::test_too_slow_to_decide " in section
    checked = len(single_run.data["tests"])
    assert f"{checked} tests checked: 3 failed on a leak" in section
    # Every checked test is in the JSON, with its whole report; opted-out ones are not.
    by_test = _by_test(single_run)
    assert "test_opted_out" not in by_test
    report = by_test["test_keeps_every_row"]["report"]
    assert report["verdict"]["status"] == "leak"
    assert report["suspects"][0]["line"] == _KEEP_LINE
    pages = single_run.path / "pages"
    assert "test_keeps_every_row" in (pages / "index.html").read_text()
    page = pages / "test_outcomes.py_test_keeps_every_row.html"
    assert stat.S_IMODE(os.stat(page).st_mode) == 0o600
    assert '"status":"leak"' in page.read_text()


_PARALLEL = """
import asyncio
import pytest

HELD = []


@pytest.mark.leaksleuth(iterations=300)
@pytest.mark.parametrize("size", [0, 4000])
def test_param(size):
    if size:
        HELD.append(bytearray(size))


@pytest.mark.asyncio
@pytest.mark.leaksleuth(iterations=300)
async def test_async_clean():
    await asyncio.sleep(0)
    rows = [1] * 1000


ASYNC_HELD = []


@pytest.mark.asyncio
@pytest.mark.leaksleuth(iterations=300)
async def test_async_leak():
    await asyncio.sleep(0)
    ASYNC_HELD.append(bytearray(4000))
"""


def test_under_xdist_with_async_and_parametrised_tests(pytester: pytest.Pytester) -> None:
    pytester.makeini(_INI)
    (pytester.path / "test_parallel.py").write_text(_PARALLEL)
    report = pytester.path / "leaks.json"
    result = pytester.runpytest_subprocess(
        "-n", "2", "-p", "no:cacheprovider", f"--leaksleuth-json={report}", timeout=600
    )
    result.assert_outcomes(passed=2, failed=2)
    text = result.stdout.str()
    for code in ("ASYNC_HELD.append(bytearray(4000))", "HELD.append(bytearray(size))"):
        assert f"test_parallel.py:{_line(_PARALLEL, code)}  {code}" in text
    # The workers' results reach the controller: its summary and JSON hold all four.
    assert "4 tests checked: 2 failed on a leak, 0 inconclusive, 2 passed" in text
    data = json.loads(report.read_text())
    status = {t["nodeid"].split("::")[1]: t["status"] for t in data["tests"]}
    assert status["test_param[4000]"] == "leak" and status["test_async_leak"] == "leak"
    assert status["test_param[0]"] in ("flat", "plateau")
    assert status["test_async_clean"] in ("flat", "plateau")
    assert not (pytester.path / ".pytest_cache").exists()


def test_a_bad_option_is_a_one_line_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("--leaksleuth-allowance=lots", timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "ERROR: leaksleuth: not a byte count: 'lots' (try 512" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_an_unchecked_run_gets_nothing_heavy_from_the_plugin(pytester: pytest.Pytester) -> None:
    # The plugin imports leaksleuth (stdlib and psutil) and nothing else; memray's own
    # plugin, when installed, brings rich, so it is left out here.
    pytester.makepyfile(
        test_y="import sys\n"
        "def test_y():\n"
        "    heavy = [m for m in ('numpy', 'rich', 'jinja2', 'IPython') if m in sys.modules]\n"
        "    assert heavy == []\n"
        "    assert 'leaksleuth.pytest_plugin' in sys.modules\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:memray", timeout=120)
    result.assert_outcomes(passed=1)
