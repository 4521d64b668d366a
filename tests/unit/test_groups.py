"""One leak, one story: suspects grouped by the objects that hold one another, on
hand-built suspects and holder-search results."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from leaksleuth.analysis._groups import is_cache_holder, leak_groups, one_story_each
from leaksleuth.analysis._holders import attach_holders
from leaksleuth.analysis._sources import SourceClassifier
from leaksleuth.report import Diagnosis, Frame, Holder, Suspect

APP = "/srv/app.py"
LIB = "/usr/lib/python3/site-packages/plotlib/core.py"
CLASSIFIER = SourceClassifier()


def _suspect(file: str, line: int, nbytes: float, share: float,
             callers: Sequence[Tuple[str, int]] = ()) -> Suspect:  # fmt: skip
    frames = [Frame(file, line, user=file == APP)]
    frames += [Frame(f, ln, user=f == APP) for f, ln in callers]
    return Suspect(file=file, line=line, source=f"line {line}", bytes_per_iteration=nbytes,
                   allocations_per_iteration=1.0, share=share, windows_growing=4, windows=4,
                   traceback=tuple(frames))  # fmt: skip


def _held(site: Tuple[str, int], type_name: str, root: str = "", kind: str = "unknown",
          path: Optional[List[Dict[str, Any]]] = None,
          contains: Sequence[Tuple[str, int, str]] = ()) -> Dict[str, Any]:  # fmt: skip
    return {
        "type": type_name, "size": 100, "repr": type_name, "traceback": [list(site)],
        "root": root, "root_kind": kind,
        "path": path or [{"label": "?", "type": type_name, "length": -1}],
        "contains": [list(c) for c in contains],
    }  # fmt: skip


REGISTRY = [
    {"label": "attribute figs", "type": "dict", "length": 40},
    {"label": "[7]", "type": "plotlib.Manager", "length": -1},
]
WEAK_CACHE = [
    {"label": "global _metrics", "type": "functools._lru_cache_wrapper", "length": -1},
    {"label": ".__defaults__", "type": "weakref.WeakKeyDictionary", "length": -1},
    {"label": "[key]", "type": "tuple", "length": 2},
]


def _figure_case() -> Tuple[List[Suspect], Dict[str, Any]]:
    """A figure per call: made at line 8, plotted into at 9, saved at 12 (whose objects
    also pass through a weak cache), and a library copy with no user frame of its own
    but called from line 12."""
    suspects = [
        _suspect(APP, 12, 450.0, 0.45),
        _suspect(APP, 9, 400.0, 0.40),
        _suspect(APP, 8, 50.0, 0.05),
        _suspect(LIB, 153, 100.0, 0.10, callers=[(LIB, 40), (APP, 12)]),
    ]
    objects = [
        _held(
            (APP, 8),
            "plotlib.Manager",
            "class plotlib.Registry",
            "class",
            REGISTRY,
            contains=[(APP, 9, "plotlib.Line"), (APP, 12, "dict")],
        ),
        _held((APP, 9), "plotlib.Line"),
        _held((APP, 12), "dict", "module plotlib.text", "module", WEAK_CACHE),
    ]
    return suspects, {"objects": objects}


def _groups(suspects: List[Suspect], retention: Dict[str, Any]) -> Any:
    attached, _ = attach_holders(suspects, retention, ())
    return leak_groups(attached, retention, CLASSIFIER)


def test_the_parts_of_one_object_make_one_group_headed_by_the_site_a_root_holds() -> None:
    suspects, retention = _figure_case()
    (group,) = _groups(suspects, retention)
    assert group.site == f"{APP}:8"
    assert [(s.file, s.line) for s in group.suspects] == [(APP, 8), (APP, 12), (APP, 9), (LIB, 153)]
    assert group.bytes_per_iteration == 1000.0 and round(group.share, 2) == 1.0
    assert group.root_type == "plotlib.Manager"
    # The registry holds it, not the weak cache the saved parts pass through.
    assert group.holder is not None and group.holder.root == "class plotlib.Registry"
    assert "Manager made at app.py:8" in group.headline
    assert "100% of the growth" in group.headline and "Registry" in group.headline


def test_two_leaks_whose_objects_never_hold_each_other_stay_two_groups() -> None:
    suspects = [_suspect(APP, 20, 600.0, 0.6), _suspect(APP, 30, 400.0, 0.4)]
    results = [{"label": "global _RESULTS", "type": "list", "length": 9},
               {"label": "[3]", "type": "dict", "length": 2}]  # fmt: skip
    retention = {
        "objects": [
            _held((APP, 20), "dict", "module app", "module", results),
            _held((APP, 30), "logging.StreamHandler", "module logging", "module"),
        ]
    }
    groups = _groups(suspects, retention)
    assert [g.site for g in groups] == [f"{APP}:20", f"{APP}:30"]
    assert [len(g.suspects) for g in groups] == [1, 1]


def test_objects_no_python_reference_holds_are_told_so_not_kept_by_anything() -> None:
    retention = {"objects": [_held((APP, 20), "re.Pattern", "", "native")]}
    (group,) = _groups([_suspect(APP, 20, 500.0, 1.0)], retention)
    assert group.headline == (
        "Pattern made at app.py:20: 500 B per iteration (100% of the growth), "
        "held outside Python-visible references, likely by an extension"
    )


def test_a_library_site_joins_the_user_call_that_reached_it_or_stands_apart_last() -> None:
    suspects = [
        _suspect(LIB, 153, 700.0, 0.7, callers=[(APP, 44)]),  # called from a growing line
        _suspect(APP, 44, 200.0, 0.2),
        _suspect(LIB, 60, 100.0, 0.1),  # no user frame at all
    ]
    groups = _groups(suspects, {"objects": []})
    assert [g.site for g in groups] == [f"{APP}:44", f"{LIB}:60"]
    assert [(s.file, s.line) for s in groups[0].suspects] == [(APP, 44), (LIB, 153)]
    assert groups[0].library_only is False and groups[1].library_only is True
    assert groups[1].headline.startswith("growth inside a library call at core.py:60")


def test_a_weak_mapping_or_an_lru_cache_on_the_path_is_a_cache_holder() -> None:
    def holder(path: Tuple[str, ...]) -> Holder:
        return Holder(
            root="module m",
            root_kind="module",
            path=path,
            container="",
            object_type="dict",
            objects_sampled=1,
            example="",
            object_bytes=1,
        )

    assert is_cache_holder(holder(("module m global c (weakref.WeakKeyDictionary)", "[k] x")))
    assert is_cache_holder(holder(("module m global f (functools._lru_cache_wrapper)",)))
    assert not is_cache_holder(holder(("module m global _RESULTS (list, 3 items)", "[1] dict")))


def test_one_diagnosis_tells_a_group_and_another_groups_diagnosis_stays() -> None:
    suspects, retention = _figure_case()
    suspects.append(_suspect(APP, 70, 10.0, 0.01))
    groups = _groups(suspects, retention)

    def diagnosis(pattern: str, where: str) -> Diagnosis:
        return Diagnosis(pattern, pattern, "evidence", "fix", where=where)

    told = one_story_each(
        [
            diagnosis("pyplot_figure", "app.py:9"),
            diagnosis("lru_cache_unbounded", "app.py:12"),
            diagnosis("growing_container", "app.py:70"),
        ],
        groups,
    )
    assert [d.pattern for d in told] == ["pyplot_figure", "growing_container"]
