"""``leaksleuth lines``, ``leaksleuth.line_profile`` and ``@leaksleuth.profile_lines`` on
functions whose allocations per line are known, checked against the numbers.

The workloads are real module files, so that the profile shows their source lines.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Dict, Iterator

import pytest

import leaksleuth
from leaksleuth.cli import main
from leaksleuth.profiles._lines import LineProfile, LineStat
from tests.integration._modules import load_module, marked_lines

MIB = 1 << 20
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

WORK = """
import ctypes
import numpy as np

kept = []
_libc = ctypes.CDLL(None)
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]
_libc.free.argtypes = [ctypes.c_void_p]
native = []


def helper():
    block = bytearray(2 << 20)  # HELPER
    return len(block)


def work():
    kept.append([0] * (1 << 17))  # KEPT: a list of 131,072 pointers, 1 MiB
    tmp = bytearray(4 << 20)  # TEMP
    del tmp
    total = float(np.ones(1 << 20).sum())  # NUMPY: an 8 MiB temporary
    size = helper()  # CALLS
    return total + size


def native_work():
    native.append(_libc.malloc(8 << 20))  # MALLOC: 8 MiB the Python heap never sees
    return len(native)


def fails():
    raise ValueError("no luck")


def exits():
    raise SystemExit(3)


def rows():
    yield bytearray(1 << 20)


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def before_a_call():
    size = len(bytearray(10 << 20)) + helper()  # BEFORE: 10 MiB made and dropped first
    return size
"""


@pytest.fixture
def workload(tmp_path: Path) -> Iterator[ModuleType]:
    module = load_module(tmp_path, "lines_work", WORK)
    yield module
    module.kept.clear()
    sys.modules.pop("lines_work", None)


def _by_mark(profile: LineProfile, module: ModuleType) -> Dict[str, LineStat]:
    """The profile's lines by the ``# MARK`` comment of their source."""
    marks = {line: mark for mark, line in marked_lines(module).items()}
    return {marks[s.line]: s for s in profile.lines if s.line in marks}


def _near(value: float, expected: float, within: float = 0.02) -> bool:
    return abs(value - expected) <= within * expected + 4096


def test_each_line_is_told_what_it_allocated_kept_and_peaked_at(workload: ModuleType) -> None:
    profile = leaksleuth.line_profile(workload.work, calls=5)
    lines = _by_mark(profile, workload)
    kept, temp, numpy, calls = lines["KEPT"], lines["TEMP"], lines["NUMPY"], lines["CALLS"]
    # The kept list: allocated and retained, 1 MiB per call.
    assert _near(kept.allocated_bytes_per_call, MIB), kept
    assert _near(kept.retained_bytes_per_call, MIB), kept
    assert kept.allocations_per_call >= 1
    # The freed temporary: 4 MiB allocated, nothing kept; the peak above the call's start
    # is the kept list and the temporary together.
    assert _near(temp.allocated_bytes_per_call, 4 * MIB), temp
    assert temp.retained_bytes_per_call < 4096, temp
    assert _near(temp.peak_increment_bytes, 5 * MIB), temp
    # numpy's buffer is traced: 8 MiB allocated, none kept.
    assert _near(numpy.allocated_bytes_per_call, 8 * MIB), numpy
    assert numpy.retained_bytes_per_call < 4096, numpy
    assert _near(numpy.peak_increment_bytes, 9 * MIB), numpy
    # What the helper allocates counts at the line that called it.
    assert _near(calls.allocated_bytes_per_call, 2 * MIB), calls
    assert calls.retained_bytes_per_call < 4096, calls
    assert calls.children == ()  # not opened without a depth
    # The heaviest lines are marked; the lines that allocate nothing are not.
    assert {s.line for s in profile.lines if s.heavy} == {kept.line, temp.line, numpy.line}
    assert all(s.hits_per_call == 1 for s in (kept, temp, numpy, calls))
    assert profile.calls == 5
    assert _near(profile.retained_bytes_per_call, MIB)


def test_depth_opens_the_called_functions_lines_under_the_calling_line(
    workload: ModuleType,
) -> None:
    profile = leaksleuth.line_profile(workload.work, calls=3, depth=1)
    calls = _by_mark(profile, workload)["CALLS"]
    helper_lines = [c for c in calls.children if c.file == workload.__file__]
    block = next(c for c in helper_lines if "HELPER" in c.source)
    assert _near(block.allocated_bytes_per_call, 2 * MIB), calls.children
    # numpy's own lines open under the numpy line.
    numpy = _by_mark(profile, workload)["NUMPY"]
    assert any(_near(c.allocated_bytes_per_call, 8 * MIB) for c in numpy.children), numpy


def test_the_c_heap_figure_shows_native_memory_the_python_heap_never_sees(
    workload: ModuleType,
) -> None:
    try:
        profile = leaksleuth.line_profile(workload.native_work, calls=3, c_heap=True)
        line = _by_mark(profile, workload)["MALLOC"]
        assert profile.c_heap
        assert line.allocated_bytes_per_call < 4096  # tracemalloc does not see malloc
        assert line.c_heap_bytes_per_call is not None
        assert _near(line.c_heap_bytes_per_call, 8 * MIB), line
        assert line.untraced_bytes_per_call is not None
        assert _near(line.untraced_bytes_per_call, 8 * MIB), line
    finally:
        for address in workload.native:
            workload._libc.free(address)
        workload.native.clear()


def test_the_decorator_reports_after_its_calls_and_then_runs_untouched(
    workload: ModuleType,
) -> None:
    out = io.StringIO()
    profiled = leaksleuth.profile_lines(calls=2, stream=out)(workload.work)
    profiled()
    profiled()
    assert out.getvalue() == ""  # told at the next call, once the caller dropped the result
    assert profiled() > 0
    table = out.getvalue()
    assert "2 calls" in table and "kept.append([0] * (1 << 17))" in table
    kept_row = next(r for r in table.splitlines() if "# KEPT" in r)
    assert kept_row.startswith(">") and "1.0 MiB" in kept_row
    profiled()  # later calls are not profiled and print nothing more
    assert out.getvalue() == table
    report = profiled.line_profile()  # type: ignore[attr-defined]
    assert isinstance(report, LineProfile) and report.calls == 2


def test_what_a_line_freed_before_a_traced_call_still_counts_at_depth(
    workload: ModuleType,
) -> None:
    profile = leaksleuth.line_profile(workload.before_a_call, calls=2, depth=1)
    line = _by_mark(profile, workload)["BEFORE"]
    # Its high-water mark: the 10 MiB, gone before the helper's 2 MiB.
    assert _near(line.allocated_bytes_per_call, 10 * MIB), line


def test_two_decorated_functions_and_a_recursive_one_report_without_raising(
    workload: ModuleType,
) -> None:
    out = io.StringIO()
    first = leaksleuth.profile_lines(calls=2, stream=out)(workload.work)
    second = leaksleuth.profile_lines(calls=3, stream=out)(workload.fib)
    for _ in range(4):
        first()  # reports at its third call, while the second still records
        assert second(8) == 21
    report = second.line_profile()  # type: ignore[attr-defined]
    assert report.calls == 3  # its own calls of itself are not profile calls
    assert report.notes == ()  # and its recursion pauses no "other" trace function
    body = next(s for s in report.lines if "return n if n < 2" in s.source)
    assert body.hits_per_call == 1.0
    assert out.getvalue().count("calls, ") == 2


def test_calls_from_other_threads_meanwhile_run_untouched(workload: ModuleType) -> None:
    profiled = leaksleuth.profile_lines(calls=1000, stream=io.StringIO())(workload.work)
    with ThreadPoolExecutor(4) as pool:
        assert all(v > 0 for v in pool.map(lambda _: profiled(), range(40)))
    report = profiled.line_profile()  # type: ignore[attr-defined]
    assert 1 <= report.calls <= 40
    kept = _by_mark(report, workload)["KEPT"]
    assert kept.hits_per_call == 1.0  # never two calls' lines in one
    assert kept.retained_bytes_per_call >= MIB * 0.98  # untouched calls' lists count too


def test_the_command_prints_the_table_json_and_a_private_page(
    workload: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"{workload.__file__}:work"
    page = tmp_path / "lines.html"
    assert main(["lines", target, "--calls", "3", "--html", str(page)]) == 0
    table = capsys.readouterr().out
    assert "Allocated" in table and "Retained" in table and "tmp = bytearray(4 << 20)" in table
    assert os.stat(page).st_mode & 0o777 == 0o600
    assert main(["lines", target, "--calls", "3", "--json", "--depth", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == 1 and data["calls"] == 3 and data["target"] == target
    row = next(r for r in data["lines"] if "# KEPT" in r["source"])
    assert set(row) >= {"file", "line", "source", "allocated_bytes_per_call",
                        "retained_bytes_per_call", "peak_increment_bytes",
                        "allocations_per_call", "children"}  # fmt: skip
    assert _near(row["retained_bytes_per_call"], MIB)
    calls = next(r for r in data["lines"] if "# CALLS" in r["source"])
    assert any("# HELPER" in c["source"] for c in calls["children"])


def test_bad_targets_and_a_raising_target_are_one_line_and_exit_2(
    workload: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for target, says in [
        (f"{tmp_path}/missing.py:work", "no such file"),
        (f"{workload.__file__}:kept", "not a function"),
        (f"{workload.__file__}:fails", "raised ValueError: no luck"),
        (f"{workload.__file__}:exits", "called sys.exit(3)"),
        (f"{workload.__file__}:rows", "generator or coroutine function"),
    ]:
        assert main(["lines", target]) == 2
        err = capsys.readouterr().err
        assert says in err and len(err.strip().splitlines()) == 1, err


_CLICK = """
import json, sys
from playwright.sync_api import sync_playwright
chromium, uri = sys.argv[1], sys.argv[2]
errors = []
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
    tab = browser.new_context(offline=True).new_page()
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto(uri)
    shown = lambda: tab.eval_on_selector_all(
        "tr.child", "rs => rs.filter(r => getComputedStyle(r).display !== 'none').length")
    before = shown()
    tab.click("tr.heavy button.toggle")
    after = shown()
    inner = tab.query_selector("tr.child.open button.toggle")
    deeper = 0
    if inner:
        inner.click()
        deeper = shown()
        tab.click("tr.heavy button.toggle")  # closing the top hides the whole subtree
    closed = shown()
    heavy = tab.eval_on_selector_all("tr.heavy", "rs => rs.length")
    title = tab.title()
    print(json.dumps({"before": before, "after": after, "deeper": deeper, "closed": closed,
                      "heavy": heavy, "title": title,
                      "errors": errors, "text": tab.inner_text("#lines")}))
    browser.close()
"""


def test_the_page_folds_the_called_lines_in_headless_chromium(
    workload: ModuleType, tmp_path: Path
) -> None:
    assert CHROMIUM, "chromium is missing: `make test` installs it (apt-get install chromium)"
    page = tmp_path / "lines.html"
    target = f"{workload.__file__}:work"
    assert main(["lines", target, "--calls", "2", "--depth", "2", "--html", str(page)]) == 0
    done = subprocess.run([sys.executable, "-c", _CLICK, CHROMIUM, page.as_uri()],
                          capture_output=True, text=True, timeout=180, check=True)  # fmt: skip
    seen = json.loads(done.stdout)
    assert seen["errors"] == []
    assert seen["heavy"] == 3 and "lines_work.py:work" in seen["title"]
    assert seen["before"] == 0 and seen["after"] >= 1  # a heavy line's callees unfold
    assert seen["deeper"] > seen["after"] and seen["closed"] == 0, seen
    assert "kept.append([0] * (1 << 17))" in seen["text"]
