"""Renders the JSON of ``bench/realcorpus.py`` as markdown.

``render(data)`` takes that JSON itself; ``realcorpus_section(results)`` takes the results
of ``bench/run.py``, where it is stored under ``"realcorpus"``.
"""

from __future__ import annotations

from typing import Any

TITLES = {
    "real": "Tuning set (`real`)",
    "real_heldout": "Held-out set (`real_heldout`): never used to tune thresholds",
    "replays": "Replays of reported leaks: LEAKY requirements (truth leak), FIXED (no leak)",
}
PEER_TOOLS = ("tracemalloc", "memray", "rss")


def _ratio(ok: int, total: int) -> str:
    return f"{ok}/{total} ({100.0 * ok / total:.0f}%)" if total else "-"


def _spread(d: dict[str, Any]) -> str:
    return f"{d['median']:g} / {d['max']:g}" if d else "-"


def _bytes(value: Any) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1024:
        return f"{value / 1024:,.1f} KiB"
    return f"{value:,.0f} B"


def _leaksleuth_table(s: dict[str, Any]) -> list[str]:
    done = s["runs"] - s["errors"]
    return [
        "| verdict right | correct runs called leak | leak runs caught | top-1 site (leak "
        "runs) | holder named | leak at 0 B/it | inconclusive | unstable workloads "
        "| iterations measured: leaks (median / max) | non-leaks | check() time | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {_ratio(s['verdict_right'], done)} "
        f"| {_ratio(s['false_alarms'], s['correct_runs'])} "
        f"| {_ratio(s['leaks_caught'], s['leak_runs'])} "
        f"| {_ratio(s['site_ok'], s['site_runs'])} "
        f"| {_ratio(s['holder_ok'], s['holder_runs'])} "
        f"| {s['leak_at_zero']} | {s['inconclusive']} "
        f"| {s['unstable_workloads']}/{s['workloads']} "
        f"| {_spread(s['iterations_measured_leaks'])} "
        f"| {_spread(s['iterations_measured_non_leaks'])} "
        f"| {s['wall_s']:.0f} s | {s['errors']} |",
        "",
    ]


def _diagnosis_table(s: dict[str, Any], set_name: str) -> list[str]:
    """Whether leaksleuth's diagnoses name the right cause: on leak runs called leak, one
    of the declared patterns told; on non-leak runs, none told."""
    if "diagnosis_runs" not in s:  # a result recorded before diagnoses were
        return []
    named = " with the library named in its summary" if set_name == "replays" else ""
    lines = [
        f"Diagnoses (right: one of the workload's declared patterns is told{named}; on a "
        "non-leak any diagnosis is wrong):",
        "",
        "| diagnosis right (leak runs called leak) | right, another pattern told too "
        "| no diagnosis told (leak runs called leak) | diagnosis on a non-leak (non-leak "
        "runs) |",
        "|---|---|---|---|",
        f"| {_ratio(s['diagnosis_right'], s['diagnosis_runs'])} "
        f"| {_ratio(s.get('diagnosis_extra', 0), s['diagnosis_right'])} "
        f"| {_ratio(s['diagnosis_none'], s['diagnosis_runs'])} "
        f"| {_ratio(s['diagnosis_on_non_leak'], s['non_leak_diagnosis_runs'])} |",
        "",
    ]
    if s.get("diagnosis_wrong"):
        lines += [
            "Leaks not rightly diagnosed: " + ", ".join(f"`{k}`" for k in s["diagnosis_wrong"])
        ]
    if s.get("diagnosed_non_leaks"):
        lines += [
            "Non-leaks given a diagnosis: " + ", ".join(f"`{k}`" for k in s["diagnosed_non_leaks"])
        ]
    if s.get("diagnosis_wrong") or s.get("diagnosed_non_leaks"):
        lines.append("")
    return lines


def _expected_diagnosis(e: dict[str, Any]) -> str:
    expected = e.get("diagnosis")
    if expected is None:
        return "?"
    if e["truth"] != "leak":
        return "-"
    text = " or ".join(expected) or "(none fits)"
    library = e.get("library") or []
    return f"{text} ({' or '.join(library)})" if library else text


def _told(cell: dict[str, Any]) -> str:
    text = cell.get("diagnoses_told") or ""
    ok = cell.get("diagnosis_ok")
    if ok:
        text = f"{ok} right: {text or 'none told'}"
    return f"**{text}**" if text and cell.get("diagnosis_wrong") else text


def _peer_table(summary: dict[str, Any]) -> list[str]:
    lines = [
        "| tool | correct runs called leak | leak runs caught | unstable workloads "
        "| top line at the leak's site | errors |",
        "|---|---|---|---|---|---|",
    ]
    for tool, s in summary.items():
        site = _ratio(s["site_ok"], s["site_runs"]) if s.get("site_runs") else "-"
        lines.append(
            f"| {tool} | {_ratio(s['false_alarms'], s['correct_runs'])} "
            f"| {_ratio(s['leaks_caught'], s['leak_runs'])} "
            f"| {s['unstable_workloads']}/{s['workloads']} | {site} | {s['errors']} |"
        )
    return [*lines, ""]


def _cell(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return ""
    text = str(cell["text"])
    return f"**{text}**" if cell["wrong"] or cell["errors"] else text


def _workload_table(entries: list[dict[str, Any]], tools: list[str]) -> list[str]:
    peers = [t for t in tools if t != "leaksleuth"]
    head = ["workload", "truth"]
    diagnosed = "leaksleuth" in tools and any("diagnosis" in e for e in entries)
    if "leaksleuth" in tools:
        head += ["leaksleuth", "site", "holder", "B/it (median)", "measured (median)"]
    if diagnosed:
        head += ["expected diagnosis", "diagnoses told"]
    head += peers
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in entries:
        if e.get("load_error"):
            error = str(e["load_error"]).replace("|", "\\|").replace("\n", " ")[:160]
            blanks = " |" * (len(head) - 3)
            truth = e["truth"] or "?"
            lines.append(f"| {e['name']} | {truth} | **cannot load**: {error} |{blanks}")
            continue
        cells = [e["name"], e["truth"] or "?"]
        tool_cells = e["tools"]
        if "leaksleuth" in tools:
            ls = tool_cells.get("leaksleuth")
            cells.append(_cell(ls))
            if ls is None:
                cells += ["", "", "", "", *(["", ""] if diagnosed else [])]
            else:
                bpi = ls.get("bytes_per_iteration_median")
                its = ls.get("iterations_measured_median")
                cells += [
                    ls.get("site_ok") or "",
                    ls.get("holder_ok") or "",
                    "-" if bpi is None else f"{round(bpi):,}",
                    "-" if its is None else f"{its:g}",
                ]
                if diagnosed:
                    cells += [_expected_diagnosis(e), _told(ls)]
        cells += [_cell(tool_cells.get(t)) for t in peers]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _failures(runs: list[dict[str, Any]], set_name: str) -> list[str]:
    failed = [r for r in runs if r["set"] == set_name and not r["ok"] and r["tool"] != "load"]
    if not failed:
        return []
    lines = ["Runs that did not finish:", ""]
    for r in failed[:30]:
        error = str(r.get("error", "")).replace("\n", " ")[:200]
        lines.append(f"- {r['key']} {r['tool']} #{r['rep']}: {r['stage']}: {error}")
    if len(failed) > 30:
        lines.append(f"- ... and {len(failed) - 30} more")
    return [*lines, ""]


def _unstable(summary: dict[str, Any]) -> list[str]:
    lines = []
    for tool, s in summary.items():
        if s["unstable"]:
            lines.append(f"- {tool}: " + ", ".join(f"`{k}`" for k in s["unstable"]))
    return ["Verdicts that changed between repetitions:", "", *lines, ""] if lines else []


def _intro(data: dict[str, Any]) -> list[str]:
    p = data["peer_protocol"]
    tools = data["tools"]
    text = (
        f"Each workload is run {data['repeat']} time(s) by leaksleuth and "
        f"{data.get('peer_repeat', data['repeat'])} time(s) by each peer "
        f"({', '.join(t for t in tools if t != 'leaksleuth')}), every run in its own fresh "
        "interpreter, "
        f"{data['jobs']} at a time (Python {data['python']}). leaksleuth: default `check()`. "
    )
    if len(tools) > 1:
        text += (
            f"The peers, as a careful user runs them: {p['warmup_steps']} warm-up steps, then "
            f"{p['measured_steps']} measured steps, and *leak* when more than "
            f"{p['threshold_bytes'] // 1024} KiB was retained over them (tracemalloc: total "
            "traced growth between two snapshots after `gc.collect()`, 1 frame; memray: "
            "leaked allocations of a `Tracker` (no native traces) around the measured steps; "
            "rss: least-squares RSS slope x the measured steps). "
        )
    text += (
        "*Unstable*: the verdict differed between repetitions (leaksleuth: the exact status, "
        "inconclusive included; a run that failed counts as a verdict of its own). *Leak at "
        "0 B/it*: a leak verdict whose bytes-per-iteration interval reaches 0. Bold cells "
        f"hold a wrong verdict or a failed run. Whole run: {data['wall_s'] / 60:.1f} min."
    )
    return ["### Real-library corpus", "", text, ""]


def render(data: dict[str, Any]) -> str:
    lines = _intro(data)
    for set_name in data["sets"]:
        summary = data["summary"].get(set_name, {})
        entries = data["table"].get(set_name, [])
        lines += [f"#### {TITLES.get(set_name, set_name)}", ""]
        if not entries:
            lines += ["No workloads.", ""]
            continue
        libs = sorted({lib for e in entries for lib in (e.get("libraries") or [])})
        lines += [
            f"{len(entries)} workloads ({sum(1 for e in entries if e['truth'] == 'leak')} "
            f"leaks, {sum(1 for e in entries if e.get('load_error'))} cannot be loaded); "
            f"libraries: {', '.join(libs) or '-'}.",
            "",
        ]
        if "leaksleuth" in summary:
            lines += ["leaksleuth:", "", *_leaksleuth_table(summary["leaksleuth"])]
            lines += _diagnosis_table(summary["leaksleuth"], set_name)
        if any(t in summary for t in PEER_TOOLS):
            lines += _peer_table(summary)
        lines += _workload_table(entries, data["tools"])
        lines += _unstable(summary)
        lines += _failures(data["runs"], set_name)
    if data.get("venvs"):
        lines += ["Replay environments:", ""]
        for v in data["venvs"].values():
            state = "ok" if v.get("ok") else f"FAILED: {str(v.get('error', ''))[-200:]}"
            memray = "" if v.get("memray") else " (no memray)"
            lines.append(f"- `{v['slug']}`: {' '.join(v['requirements'])}: {state}{memray}")
        lines.append("")
    return "\n".join(lines)


def realcorpus_section(results: dict[str, Any]) -> list[str]:
    """The section of ``bench/run.py``'s report (results under ``"realcorpus"``)."""
    part = results.get("realcorpus")
    if part is None:
        return []
    if "error" in part:
        return [
            "### Real-library corpus",
            "",
            f"Failed: {part['error']}",
            "",
            "```",
            part.get("stderr", ""),
            "```",
            "",
        ]
    return render(part).split("\n")
