"""One leak, one story, on real libraries: the sites of one leaked object graph make one
group headed by the right line and holder; two independent leaks make two groups.

The workloads are real module files, so that suspects and holders name their lines.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator, List

import pytest

import leaksleuth
from leaksleuth.render import render_terminal
from leaksleuth.report import Report
from tests.integration._modules import load_module, marked_lines

WORKLOAD = """
import io
import logging
import sqlite3

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

_results = []
_cursors = []
log = logging.getLogger("groups.requests")


def figure(n=1):
    fig = plt.figure(figsize=(3, 2))  # FIGURE
    plt.plot([1, 2, 3], [n, n + 1, n + 2])  # PLOT
    return fig.number


def two_leaks():
    log.addHandler(logging.StreamHandler(io.StringIO()))  # HANDLER
    _results.append({"payload": bytearray(3000)})  # RESULT


class App:
    def __init__(self):
        self.sessions = []
        self.events = []


app = App()


class Session:
    def __init__(self, owner):
        self.app = owner
        self.data = bytearray(2000)  # SESSION-DATA


class Event:
    def __init__(self, owner):
        self.app = owner
        self.payload = "x" * 3000


def shared_owner():
    app.sessions.append(Session(app))  # MADE-SESSION
    app.events.append(Event(app))  # MADE-EVENT


def cursors():
    conn = sqlite3.connect(":memory:")  # CONNECT
    cur = conn.execute("select 1")  # CURSOR
    _cursors.append(cur)
"""


@pytest.fixture
def workload(tmp_path: Path) -> Iterator[ModuleType]:
    module = load_module(tmp_path, "groups_work", WORKLOAD)
    yield module
    import matplotlib.pyplot as plt

    plt.close("all")
    for handler in list(module.log.handlers):
        module.log.removeHandler(handler)
    for cursor in module._cursors:
        cursor.connection.close()
    module._results.clear()
    module._cursors.clear()
    module.app.sessions.clear()
    module.app.events.clear()
    sys.modules.pop("groups_work", None)


def _line(module: ModuleType, mark: str) -> str:
    return f"{module.__file__}:{marked_lines(module)[mark]}"


def _explain(report: Report) -> str:
    return "\n".join(
        [f"verdict: {report.verdict.status}: {report.verdict.reason}"]
        + [
            f"group {g.headline} | {[f'{os.path.basename(s.file)}:{s.line}' for s in g.suspects]}"
            for g in report.leaks
        ]
    )


def _check(fn: Callable[[], object], iterations: int) -> Report:
    report = leaksleuth.check(fn, max_iterations=iterations)
    assert report.verdict.status == "leak", _explain(report)
    return report


def _sites(report: Report, n: int) -> List[str]:
    return [f"{s.file}:{s.line}" for s in report.leaks[n].suspects]


@pytest.mark.filterwarnings("ignore:More than 20 figures")
def test_a_pyplot_figure_per_call_is_one_group_headed_by_the_figure_and_its_registry(
    workload: ModuleType,
) -> None:
    report = _check(workload.figure, 150)
    why = _explain(report)
    head = report.leaks[0]
    assert head.site == _line(workload, "FIGURE"), why
    assert _line(workload, "PLOT") in _sites(report, 0), why
    assert head.holder is not None and "Gcf" in head.holder.root, why
    assert head.share > 0.9, why
    assert "Figure" in head.headline and "groups_work.py" in head.headline, why
    # One diagnosis, at the line that made the figure: the line to close it after.
    told = [(d.pattern, d.where) for d in report.diagnoses]
    assert told == [("pyplot_figure", os.path.basename(_line(workload, "FIGURE")))], told
    # The terminal tells it once, the plotting line folded under the figure's.
    leaks = render_terminal(report, width=200).split("\nLeaks\n", 1)[1].split("\n\n")[0]
    first = leaks.split("\n  2. ")[0]
    assert "plt.figure(figsize=(3, 2))" in first and "plt.plot([1, 2, 3]" in first, leaks


def test_a_handler_per_call_and_a_kept_result_are_two_groups(workload: ModuleType) -> None:
    report = _check(workload.two_leaks, 200)
    why = _explain(report)
    heads = {g.site: g for g in report.leaks if not g.library_only}
    assert set(heads) == {_line(workload, "HANDLER"), _line(workload, "RESULT")}, why
    result, handler = heads[_line(workload, "RESULT")], heads[_line(workload, "HANDLER")]
    assert result.holder is not None and "_results" in result.holder.container, why
    assert handler.holder is not None and ".handlers" in " ".join(handler.holder.path), why
    assert _line(workload, "HANDLER") not in _sites(report, report.leaks.index(result)), why


def test_two_leaks_that_point_to_one_shared_object_stay_two_groups(workload: ModuleType) -> None:
    # Sessions and events both refer to the application object, which holds both lists:
    # walking through it would make them one leak. A session and its data are one.
    report = _check(workload.shared_owner, 200)
    why = _explain(report)
    heads = [g.site for g in report.leaks]
    assert heads[:2] == [_line(workload, "MADE-SESSION"), _line(workload, "MADE-EVENT")], why
    assert _line(workload, "SESSION-DATA") in _sites(report, 0), why
    assert _line(workload, "MADE-EVENT") not in _sites(report, 0), why


def test_kept_cursors_and_their_connections_are_one_group_headed_by_the_cursor(
    workload: ModuleType,
) -> None:
    report = _check(workload.cursors, 200)
    why = _explain(report)
    head = report.leaks[0]
    assert head.site == _line(workload, "CURSOR"), why
    assert _line(workload, "CONNECT") in _sites(report, 0), why
    assert head.root_type == "sqlite3.Cursor", why
    assert head.holder is not None and "_cursors" in head.holder.container, why
