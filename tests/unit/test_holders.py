"""Type-census growth and retention groups, on hand-built data."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Tuple

from leaksleuth.analysis._census import growing_types
from leaksleuth.analysis._holders import attach_holders, group_holders
from leaksleuth.capture import Burst
from leaksleuth.render import render_json, render_terminal
from leaksleuth.report import Suspect
from tests.unit.test_render_json import make_report


def _burst(counts: Dict[str, List[int]], size: float = 64.0) -> Burst:
    n = len(next(iter(counts.values())))
    censuses = tuple({name: (c[j], size) for name, c in counts.items()} for j in range(n))
    return Burst(
        iterations=tuple(10 * (j + 1) for j in range(n)),
        snapshots=tuple({} for _ in range(n)),
        nframes=10,
        gc_collected=True,
        censuses=censuses,
    )


def test_only_types_that_grow_in_every_window_are_kept() -> None:
    burst = _burst(
        {
            "app.Record": [100, 110, 120, 130, 140],  # +1 per iteration
            "dict": [500, 530, 490, 520, 500],  # churn
            "list": [50, 50, 50, 50, 50],  # flat
            "tuple": [10, 10, 10, 10, 11],  # one late step: not consistent
        }
    )
    types = growing_types([burst])
    assert [t.type for t in types] == ["app.Record"]
    record = types[0]
    assert record.objects_per_iteration == 1.0
    assert record.bytes_per_iteration == 64.0
    assert (record.windows_growing, record.windows, record.count) == (4, 4, 140)


def test_the_tools_own_types_are_never_reported() -> None:
    burst = _burst({"leaksleuth.probe._sampling.Sample": [1, 2, 3, 4]})
    assert growing_types([burst]) == ()


def _held(i: int, root: str = "module app", site: Tuple[str, int] = ("app.py", 7)) -> Any:
    return {
        "type": "dict",
        "size": 232,
        "repr": "{'frame': 1}",
        "traceback": [list(site), ["main.py", 3]],
        "root": root,
        "root_kind": "module",
        "path": [
            {"label": "global _RESULTS", "type": "list", "length": 40},
            {"label": f"[{i}]", "type": "dict", "length": 2},
        ],
    }


def test_objects_in_different_slots_of_one_list_form_one_holder() -> None:
    groups = group_holders([_held(3), _held(4), _held(5, root="module other")])
    assert [h.objects_sampled for h, _ in groups] == [2, 1]
    holder = groups[0][0]
    assert holder.path[0] == "module app global _RESULTS (list, 40 items)"
    assert holder.container == "module app global _RESULTS (list, 40 items)"
    assert holder.object_type == "dict"


def test_holders_attach_to_the_suspect_whose_site_made_their_objects() -> None:
    report = make_report()
    suspect: Suspect = report.suspects[0]
    site = (suspect.file, suspect.line)
    retention = {"objects": [_held(1, site=site), _held(2, site=("elsewhere.py", 1))]}
    suspects, loose = attach_holders(report.suspects, retention, ())
    assert len(suspects[0].holders) == 1
    assert suspects[0].holders[0].objects_sampled == 2  # both share the path
    assert loose == ()


def test_holders_show_in_the_terminal_and_the_json() -> None:
    report = make_report()
    suspect = report.suspects[0]
    retention = {"objects": [_held(1, site=(suspect.file, suspect.line))]}
    suspects, _ = attach_holders(report.suspects, retention, ())
    report = replace(report, suspects=suspects)
    text = render_terminal(report, width=200)
    assert "held by module app global _RESULTS (list, 40 items) -> [1] dict" in text
    data = render_json(report)
    assert '"root_kind": "module"' in data and "global _RESULTS" in data
