"""The terminal report, rendered from hand-built Reports at a pinned width without colour."""

from __future__ import annotations

import math
import os
import re
from typing import Any

import pytest

from leaksleuth.render import render_terminal, render_verdict
from leaksleuth.render._paths import short_path
from leaksleuth.render._spark import BLOCKS, sparkline
from leaksleuth.render._suspects import visible_frames
from leaksleuth.render._units import (
    format_byte_range,
    format_bytes,
    format_count,
    format_quantity_range,
)
from leaksleuth.report import Frame, Report, SignalTrend, Suspect, TargetFailure, Verdict

ANSI = re.compile(r"\x1b\[")


def make_signal(signal: str = "traced", **changes: Any) -> SignalTrend:
    values: dict[str, Any] = dict(
        signal=signal, unit="bytes", status="leak", slope=1229.0, ci_low=1126.0,
        ci_high=1331.0, p_value=0.001, warmup_end=21, warmup_growth=4096.0, period=1,
        points=180, reason="grows in every window",
    )  # fmt: skip
    values.update(changes)
    return SignalTrend(**values)


def make_verdict(status: str = "leak", **changes: Any) -> Verdict:
    values: dict[str, Any] = dict(
        status=status, bytes_per_iteration=1229.0, ci_low=1126.0, ci_high=1331.0,
        confidence=0.95, basis="traced", warmup_end=21, iterations_measured=200,
        more_iterations_needed=None, reason="the traced heap grew in all 8 windows",
        signals=(make_signal(), make_signal("py_blocks", unit="blocks", slope=2.0,
                                            ci_low=1.5, ci_high=2.5)),
    )  # fmt: skip
    values.update(changes)
    return Verdict(**values)


def make_suspect(line: int = 12, **changes: Any) -> Suspect:
    values: dict[str, Any] = dict(
        file="/srv/app/cache.py", line=line, source="    _kept.append(bytes(1024))\n",
        bytes_per_iteration=1040.0, allocations_per_iteration=1.0, share=0.93,
        windows_growing=8, windows=8,
        traceback=(
            Frame("/srv/app/cache.py", line, True, "_kept.append(bytes(1024))"),
            Frame("/srv/app/main.py", 40, True, "remember(item)"),
        ),
    )  # fmt: skip
    values.update(changes)
    return Suspect(**values)


def make_report(status: str = "leak", **changes: Any) -> Report:
    n = 200
    values: dict[str, Any] = dict(
        target="app.py:handle",
        verdict=make_verdict(status),
        suspects=(make_suspect(),) if status == "leak" else (),
        iterations=tuple(range(1, n + 1)),
        series={
            "rss": tuple(30e6 + 1024.0 * i for i in range(n)),
            "py_blocks": tuple(5000.0 + 2 * i for i in range(n)),
        },
        phase=tuple(0 for _ in range(n)),
    )
    values.update(changes)
    return Report(**values)


def test_leak_verdict_line_gives_growth_interval_and_basis_in_plain_words() -> None:
    text = render_terminal(make_report("leak"))
    assert "LEAK  +1.2 KiB per iteration (95% CI 1.1-1.3 KiB), basis: traced Python heap" in text
    assert "the traced heap grew in all 8 windows" in text


def test_verdict_says_how_many_iterations_were_measured_and_where_warmup_ends() -> None:
    text = render_terminal(make_report("leak"))
    assert "measured 200 iterations" in text
    assert "warm-up ends at iteration 21" in text


def test_inconclusive_says_how_many_more_iterations_would_likely_decide() -> None:
    verdict = make_verdict("inconclusive", more_iterations_needed=400)
    text = render_terminal(make_report("inconclusive", verdict=verdict))
    assert "INCONCLUSIVE" in text
    assert "about 400 more iterations would likely decide" in text


def test_inconclusive_without_an_estimate_says_there_is_none() -> None:
    text = render_terminal(make_report("inconclusive"))
    assert "no estimate of how many more iterations would decide" in text


@pytest.mark.parametrize(("status", "headline"), [("flat", "NO LEAK (flat)"),
                                                  ("plateau", "NO LEAK (plateau)")])  # fmt: skip
def test_flat_and_plateau_verdicts_say_no_leak(status: str, headline: str) -> None:
    verdict = make_verdict(status, bytes_per_iteration=3.0, ci_low=-2.0, ci_high=8.0)
    text = render_terminal(make_report(status, verdict=verdict))
    assert headline in text
    assert "+3 B per iteration (95% CI -2 to 8 B)" in text


def test_a_verdict_that_is_not_a_leak_shows_no_suspects_section_without_suspects() -> None:
    text = render_terminal(make_report("flat"))
    assert "suspects" not in text.lower()


def test_suspects_of_a_non_leak_verdict_are_shown_with_a_caveat() -> None:
    text = render_terminal(make_report("plateau", suspects=(make_suspect(),)))
    assert "Suspects" in text
    assert "the verdict is plateau: these may be harmless" in text


def test_a_leak_without_suspects_says_that_no_site_grew_steadily() -> None:
    text = render_terminal(make_report("leak", suspects=()))
    assert "no allocation site grew in every measured window" in text


def test_suspect_shows_site_growth_share_windows_and_source_line() -> None:
    text = render_terminal(make_report("leak"))
    assert "#1  /srv/app/cache.py:12  +1.0 KiB/iteration (93% of growth)" in text
    assert "1 allocation/iteration · growing in 8/8 windows" in text
    assert "12 │ _kept.append(bytes(1024))" in text


def test_only_the_top_five_suspects_are_shown_by_default() -> None:
    suspects = tuple(make_suspect(line=n) for n in range(1, 8))
    text = render_terminal(make_report("leak", suspects=suspects))
    assert "#5 " in text
    assert "#6 " not in text
    assert "showing 5 of 7 allocation sites" in text


def test_traceback_is_innermost_first_and_marks_the_first_user_frame() -> None:
    traceback = (
        Frame("/usr/lib/python3.11/json/encoder.py", 200, False, "chunks = list(chunks)"),
        Frame("/srv/app/cache.py", 12, True, "json.dumps(item)"),
        Frame("/srv/app/main.py", 40, True, "remember(item)"),
    )
    text = render_terminal(make_report("leak", suspects=(make_suspect(traceback=traceback),)))
    lines = text.splitlines()
    library = next(i for i, line in enumerate(lines) if "encoder.py:200" in line)
    user = next(i for i, line in enumerate(lines) if "/srv/app/cache.py:12  json" in line)
    assert library < user
    assert "▸" in lines[user]
    assert "▸" not in lines[library]


def test_the_first_user_frame_is_kept_even_beyond_the_frame_limit() -> None:
    library = [Frame(f"/lib/site-packages/pkg/m{i}.py", i, False) for i in range(10)]
    user = Frame("/srv/app/main.py", 40, True)
    shown = visible_frames([*library, user], limit=6)
    assert len(shown) == 6
    assert shown[-1] == user
    assert shown[:5] == library[:5]


def test_long_tracebacks_say_how_many_frames_are_hidden() -> None:
    frames = tuple(Frame(f"/srv/app/m{i}.py", i, True) for i in range(10))
    text = render_terminal(make_report("leak", suspects=(make_suspect(traceback=frames),)))
    assert "… 4 more frames" in text


def test_paths_under_the_working_directory_are_shown_relative(tmp_path: Any) -> None:
    inside = os.path.join(str(tmp_path), "app", "cache.py")
    assert short_path(inside, str(tmp_path)) == os.path.join("app", "cache.py")
    installed = os.path.join(os.sep, "venv", "lib", "site-packages", "pkg", "mod.py")
    assert short_path(installed, str(tmp_path)) == os.path.join("pkg", "mod.py")
    assert short_path("<string>", str(tmp_path)) == "<string>"


def test_the_chart_marks_where_the_warmup_ends() -> None:
    text = render_terminal(make_report("leak"))
    assert "Memory per iteration" in text
    marker = next(line for line in text.splitlines() if "┘" in line)
    assert "warm-up ends at iteration 21" in marker
    assert any(block in text for block in BLOCKS)


def test_the_chart_draws_rss_and_python_blocks() -> None:
    text = render_terminal(make_report("leak"))
    rss = next(line for line in text.splitlines() if line.strip().startswith("RSS "))
    blocks = next(line for line in text.splitlines() if "Python blocks " in line)
    assert "28.6 MiB → 28.8 MiB" in rss
    assert "5,000 → 5,398 blocks" in blocks


def test_sparkline_leaves_out_nan_and_none_as_gaps() -> None:
    line = sparkline([1.0, math.nan, None, 3.0], width=10)
    assert line.text == "▁  █"
    assert line.samples == 2


def test_sparkline_averages_samples_to_fit_the_width() -> None:
    line = sparkline([float(i) for i in range(1000)], width=40)
    assert len(line.text) == 40
    assert line.text[0] == BLOCKS[0] and line.text[-1] == BLOCKS[-1]


def test_sparkline_counts_warmup_columns_from_iteration_numbers() -> None:
    line = sparkline([1.0] * 100, width=10, iterations=range(1, 101), warmup_end=31)
    assert line.warmup_columns == 3


def test_iterations_measured_with_tracemalloc_are_left_out_of_the_chart() -> None:
    n = 200
    phase = tuple(1 if 100 <= i < 130 else 0 for i in range(n))
    rss = tuple(1e9 if p else 30e6 for p in phase)  # tracemalloc's own memory would dominate
    report = make_report("leak", phase=phase, series={"rss": rss})
    text = render_terminal(report)
    assert "left out: 30 iterations measured with tracemalloc on" in text
    assert "28.6 MiB → 28.6 MiB" in text


def test_series_with_only_missing_values_render_without_crashing() -> None:
    report = make_report("inconclusive", series={"rss": (math.nan,) * 200})
    assert "no samples" in render_terminal(report)


def test_signals_table_lists_each_signal_with_slope_and_interval() -> None:
    text = render_terminal(make_report("leak"))
    traced = next(line for line in text.splitlines() if line.lstrip().startswith("traced heap"))
    assert "+1.2 KiB" in traced and "1.1-1.3 KiB" in traced
    blocks = next(line for line in text.splitlines() if "+2 blocks" in line)
    assert "1.5-2.5 blocks" in blocks


def test_target_failure_says_what_was_raised_and_what_the_report_covers() -> None:
    failure = TargetFailure(iteration=17, type="ValueError", message="boom")
    text = render_terminal(make_report("inconclusive", target_failure=failure))
    assert (
        "the target raised ValueError('boom') at iteration 17; "
        "the report covers the 16 iterations before it" in " ".join(text.split())
    )


def test_target_failure_shows_the_end_of_a_formatted_traceback() -> None:
    traceback = (
        "Traceback (most recent call last):\n",
        '  File "/srv/app.py", line 3, in work\n    raise ValueError("boom")\n',
        "ValueError: boom\n",
    )
    failure = TargetFailure(iteration=5, type="ValueError", message="boom", traceback=traceback)
    lines = render_terminal(make_report("inconclusive", target_failure=failure)).splitlines()
    start = next(i for i, line in enumerate(lines) if "File" in line)
    assert lines[start : start + 3] == [
        '      File "/srv/app.py", line 3, in work',
        '        raise ValueError("boom")',
        "    ValueError: boom",
    ]


def test_target_failure_on_the_first_call_says_nothing_was_measured() -> None:
    failure = TargetFailure(iteration=1, type="KeyError", message="'x'", traceback=("app.py:3",))
    report = make_report("inconclusive", target_failure=failure, iterations=(), series={})
    text = render_terminal(report)
    assert "no iteration finished before it" in text
    assert "app.py:3" in text


def test_plain_text_lines_do_not_end_in_blanks() -> None:
    report = make_report("leak", notes=("short", "a much longer note " * 8))
    assert all(line == line.rstrip() for line in render_terminal(report).splitlines())


def test_notes_and_probe_errors_come_last() -> None:
    report = make_report("leak", notes=("gc was disabled",), probe_errors=("rss: EACCES",))
    text = render_terminal(report)
    assert text.index("#1") < text.index("gc was disabled") < text.index("rss: EACCES")


@pytest.mark.parametrize("status", ["leak", "plateau", "flat", "inconclusive"])
def test_every_status_renders_within_a_narrow_terminal(status: str) -> None:
    failure = TargetFailure(iteration=17, type="ValueError", message="boom " * 20)
    report = make_report(status, suspects=(make_suspect(),), target_failure=failure,
                         notes=("a long note " * 10,))  # fmt: skip
    text = render_terminal(report, width=40)
    assert max(len(line) for line in text.splitlines()) <= 40
    assert "warm-up" in text


def test_color_is_off_by_default_and_on_when_asked() -> None:
    report = make_report("leak")
    assert not ANSI.search(render_terminal(report))
    assert ANSI.search(render_terminal(report, color=True))


def test_styles_stay_on_their_own_words() -> None:
    failure = TargetFailure(iteration=5, type="ValueError", message="boom", traceback=("x.py:1",))
    lines = render_terminal(make_report("leak", target_failure=failure), color=True).splitlines()
    bold = "\x1b[1m"
    reason = next(line for line in lines if "the traced heap grew in all 8 windows" in line)
    assert bold not in reason
    source = next(line for line in lines if "_kept.append" in line and "│" in line)
    assert not source.lstrip().startswith(bold)
    trace = next(line for line in lines if "x.py:1" in line)
    assert "\x1b[1;31m" not in trace


def test_the_environment_does_not_change_the_output(monkeypatch: pytest.MonkeyPatch) -> None:
    report = make_report("leak")
    expected = render_terminal(report, width=80)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "30")
    assert render_terminal(report, width=80) == expected


def test_verdict_only_rendering_leaves_out_chart_and_suspects() -> None:
    failure = TargetFailure(iteration=5, type="ValueError", message="boom")
    text = render_verdict(make_report("leak", target_failure=failure))
    assert "LEAK" in text and "ValueError('boom')" in text
    assert "Memory per iteration" not in text and "#1" not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "0 B"), (0.25, "0.2 B"), (1023, "1023 B"), (1229, "1.2 KiB"), (150 * 1024, "150 KiB"),
     (3 * 1024**2, "3.0 MiB"), (-2048, "-2.0 KiB"), (math.nan, "n/a")],
)  # fmt: skip
def test_bytes_are_shown_in_binary_units(value: float, expected: str) -> None:
    assert format_bytes(value) == expected


def test_byte_ranges_and_counts_are_readable() -> None:
    assert format_byte_range(1126, 1331) == "1.1-1.3 KiB"
    assert format_byte_range(-100, 2048) == "-0.1 to 2.0 KiB"
    assert format_byte_range(86.4, 153) == "86-153 B"
    assert format_bytes(8, signed=True) == "+8 B"
    assert format_count(12345) == "12,345"
    assert format_quantity_range(0, 9.09, "blocks") == "0.0-9.1 blocks"


def test_a_diagnosis_comes_right_after_the_verdict_with_where_evidence_and_fix() -> None:
    from leaksleuth.report import Diagnosis

    story = Diagnosis(
        pattern="autograd_history",
        summary="autograd history kept: a tensor in module __main__ global total",
        evidence="the largest autograd graph grew from 10 to 50 nodes over 40 iterations",
        fix="keep a number, not the graph: accumulate loss.item()",
        where="train.py:14",
    )
    text = render_terminal(make_report(diagnoses=(story,)), width=120)
    lines = text.splitlines()
    at = lines.index("Diagnosis")
    assert lines[at + 1].strip() == story.summary
    assert lines[at + 2].strip() == "at train.py:14"
    assert lines[at + 3].strip() == f"evidence: {story.evidence}"
    assert lines[at + 4].strip() == f"fix: {story.fix}"
    assert at < next(i for i, line in enumerate(lines) if line.startswith("Top suspects"))


def test_cuda_lines_that_stay_alive_show_rate_blocks_and_source() -> None:
    from leaksleuth.report import GpuSite

    site = GpuSite(
        file="/srv/train.py", line=11, source="out = model(X)", function="step",
        bytes_per_iteration=2.0 * 2**20, blocks_per_iteration=3.0, python=("/srv/train.py:11",),
    )  # fmt: skip
    text = render_terminal(make_report(gpu=(site,)), width=120)
    assert "CUDA allocations that stay alive" in text
    assert " #1  +2.0 MiB/iteration  3 blocks/iteration" in text
    assert "/srv/train.py:11  out = model(X)  (in step)" in text


def test_a_leak_group_no_python_reference_holds_is_not_said_to_be_held_by_it() -> None:
    from leaksleuth.report import Holder, LeakGroup

    native = Holder("held outside Python-visible references, likely by an extension",
                    "native", ("held outside Python-visible references, likely by an extension",),
                    "", "bytes", 3, "<bytes>", 64)  # fmt: skip
    kept = Holder("module app", "module", ("module app global _rows (list, 9 items)", "[8] dict"),
                  "module app global _rows (list, 9 items)", "dict", 3, "<dict>", 64)  # fmt: skip
    groups = tuple(
        LeakGroup(f"group {n}", f"app.py:{n}", "dict", 500.0, 0.5, h, (make_suspect(line=n),))
        for n, h in ((12, native), (20, kept))
    )
    text = render_terminal(make_report(leaks=groups), width=200)
    assert "     held outside Python-visible references, likely by an extension" in text
    assert "held by held outside" not in text
    assert "held by module app global _rows (list, 9 items) -> [8] dict" in text
