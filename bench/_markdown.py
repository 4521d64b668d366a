"""Renders bench/out/results.json as the markdown section printed by ``bench/run.py``."""

from __future__ import annotations

from typing import Any, Callable, Optional

from _realcorpus_md import realcorpus_section  # bench/ is on sys.path when run as a script

Section = Callable[[dict[str, Any]], list[str]]


def _fmt(value: Any, spec: str = "g") -> str:
    if value is None:
        return "-"
    return format(value, spec)


def _pct(ok: int, total: int) -> str:
    return f"{ok}/{total} ({100.0 * ok / total:.0f}%)" if total else "-"


def _spread(d: dict[str, Any]) -> str:
    return f"{_fmt(d.get('median'))} / {_fmt(d.get('max'))}" if d else "-"


def _failed(part: dict[str, Any], title: str) -> list[str]:
    return [f"### {title}", "", f"Failed: {part['error']}", "", "```", part["stderr"], "```", ""]


def machine_section(results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    v = m["versions"]
    return [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']} "
        f"({m['platform']}); numpy {v['numpy']}, matplotlib {v['matplotlib']}, "
        f"memray {v['memray']}. Run {m['date']}.",
        "",
        f"Command: `{results['command']}` "
        + (
            "(the parts named after --parts were rerun later on the same machine, the "
            "last time at the date above; every table's figures still come from one run)."
            if "--parts" in results["command"]
            else "(every figure below comes from this one run)."
        ),
        "",
    ]


def corpus_section(results: dict[str, Any]) -> list[str]:
    lines = [
        "### Scenario corpus",
        "",
        "The held-out set is never used to tune thresholds; it is scored separately.",
        "",
        "| set | verdict correct | top-1 site correct (leaks) | holder named (Python-level "
        "leaks) | iterations measured when correct (median / max) | iterations run incl. "
        "burst (median / max) | wall time |",
        "|---|---|---|---|---|---|---|",
    ]
    parts = [results[k] for k in ("corpus_tuning", "corpus_heldout")]
    for part in parts:
        if "error" in part:
            continue
        s = part["summary"]
        lines.append(
            f"| {part['set']} | {_pct(s['verdict_correct'], s['scenarios'])} "
            f"| {_pct(s['site_correct'], s['leaks'])} "
            f"| {_pct(s.get('holder_correct', 0), s.get('holders', 0))} "
            f"| {_spread(s['iterations_measured_when_correct'])} "
            f"| {_spread(s['iterations_run_when_correct'])} | {s['wall_s']:.1f} s |"
        )
    lines += ["", "| set | scenario | truth | verdict | site | holder | measured / run | wall |"]
    lines.append("|---|---|---|---|---|---|---|---|")
    for part in parts:
        if "error" in part:
            lines += _failed(part, "corpus")
            continue
        for r in part["scenarios"]:
            verdict = r["status"] if r["verdict_ok"] else f"**{r['status']}** (wrong)"
            site = {None: "", True: "ok", False: f"**{r['top_site'] or 'none'}** (wrong)"}
            holder = r.get("holder_ok")
            held = "" if holder is None else "ok" if holder else "**wrong**"
            lines.append(
                f"| {part['set']} | {r['name']} | {r['expect']} | {verdict} "
                f"| {site[r['site_ok']]} | {held} "
                f"| {r['iterations_measured']} / {r['iterations_run']} | {r['wall_s']:.1f} s |"
            )
    return [*lines, ""]


def overhead_section(results: dict[str, Any]) -> list[str]:
    part = results["overhead"]
    if "error" in part:
        return _failed(part, "Overhead")
    if "ratios" not in part["no_leak"]["leaksleuth.watch"]:
        return []  # measured by an older version of the bench; rerun the part
    lines = [
        "### Overhead",
        "",
        f"{part['iterations']} iterations of about 1 ms of mixed work (small dicts and tuples, "
        "float arithmetic, string joins), the work resized before each round so that a bare "
        "iteration takes about 1 ms at the machine's speed of the moment. In each of "
        f"{part['repetitions']} rounds every tool runs once next to a bare loop of its own "
        "(alternately before and after it), and the round's ratio is the tool's time over "
        "that bare time; figures are medians over rounds, with the middle half of the "
        f"rounds' ratios. tracemalloc ran {part['slow_mode_iterations']} iterations in "
        f"{part['slow_mode_repetitions']} round (it is that slow). The leaking loop keeps "
        "1 KiB per iteration.",
        "",
        "| mode | no leak: ratio | middle half | CPU ratio | leak 1 KiB/it: ratio "
        "| middle half | CPU ratio |",
        "|---|---|---|---|---|---|---|",
    ]

    def spread(row: dict[str, Any]) -> str:
        if "ratio_q1" not in row:
            return "-"
        return f"{row['ratio_q1']:.3f}-{row['ratio_q3']:.3f}"

    for mode, row in part["no_leak"].items():
        if mode == "bare":
            continue
        leak = part["leak_1kib"][mode]
        lines.append(
            f"| {mode} | {row['ratio']:.3f}x | {spread(row)} | {row['cpu_ratio']:.3f}x "
            f"| {leak['ratio']:.3f}x | {spread(leak)} | {leak['cpu_ratio']:.3f}x |"
        )
    w, wl = part["no_leak"]["leaksleuth.watch"], part["leak_1kib"]["leaksleuth.watch"]

    def parts(row: dict[str, Any]) -> str:
        return (
            f"entering {row['enter_s'] * 1e3:.1f} ms, {part['iterations']} ticks "
            f"{row['ticks_s'] * 1e3:.1f} ms, leaving {row['exit_s'] * 1e3:.1f} ms"
        )

    lines += [
        "",
        "*leaksleuth's own time*: the time spent inside leaksleuth's calls (creating and "
        "entering the watch, every `w.tick()`, leaving it), timed from the loop, over the "
        "rest of the loop: the tool's cost without the noise of the work around it, but "
        "also without any slowing of that work (its caches). Median over rounds: "
        f"**{w['tool_share'] * 100:.2f}%** (no leak; worst round "
        f"{w['tool_share_max'] * 100:.2f}%) and **{wl['tool_share'] * 100:.2f}%** (leak; "
        f"worst round {wl['tool_share_max'] * 100:.2f}%). In the last round: {parts(w)} "
        f"(no leak); {parts(wl)} (leak).",
        "",
        f"leaksleuth's verdicts in these runs: no-leak loop -> {w.get('verdict')}, "
        f"{w.get('rows_read')} of {part['iterations']} iterations read; leaking loop -> "
        f"{wl.get('verdict')}, {wl.get('rows_read')} read, {wl.get('traced_iterations')} "
        "traced. The analysis `w.report()` runs after the loop and took "
        f"{w.get('report_s', float('nan')) * 1e3:.0f} ms (no leak) and "
        f"{wl.get('report_s', float('nan')) * 1e3:.0f} ms (leak) more, once. "
        "Target: at most 5% slowdown (ratio 1.05) for a 1 ms iteration over 1000 iterations.",
        "",
    ]
    return lines


def probe_memory_section(results: dict[str, Any]) -> list[str]:
    part = results["probe_memory"]
    if "error" in part:
        return _failed(part, "Probe memory")
    lines = [
        "### Probe memory over a long run",
        "",
        "A no-op loop, read without tracemalloc. *probe alone*: the bare `Probe` ticking (what "
        "lives in the loop); *watch*: `leaksleuth.watch()`, which adds the verdict checkpoints.",
        "",
        "| iteration | probe alone: blocks | probe alone: RSS | watch: blocks | watch: RSS |",
        "|---|---|---|---|---|",
    ]
    alone = part.get("probe_alone", {}).get("readings", [])
    watched = [part["before"], *part["readings"]]
    for a, r in zip(alone, watched):
        lines.append(
            f"| {r['iteration']:,} | {a['py_blocks']:,} | {a['rss_bytes'] / 2**20:.2f} MiB "
            f"| {r['py_blocks']:,} | {r['rss_bytes'] / 2**20:.2f} MiB |"
        )
    g = part["growth_from_first_checkpoint"]
    lines += [
        "",
        f"watch, growth from the first checkpoint to the last: {g['py_blocks']:+,} blocks, "
        f"{g['rss_bytes'] / 1024:+,.0f} KiB RSS. The sample table keeps {part['rows_kept']:,} "
        f"rows of at most {part['row_capacity']:,} (stride {part['stride']}); "
        f"{part['traced_iterations']} iterations were traced. The whole watched loop took "
        f"{part['wall_s']:.1f} s ({part['us_per_tick']:.1f} µs per tick, checkpoint analyses "
        f"included). Verdict on the no-op: "
        f"{part['verdict']} ({part['verdict_reason']}).",
        "",
    ]
    return lines


def latency_section(results: dict[str, Any]) -> list[str]:
    part = results["latency"]
    if "error" in part:
        return _failed(part, "Leak latency")
    lines = [
        "### Iterations before a leak is called",
        "",
        f"Verdict engine alone: one probe records {part['recorded_iterations']} untraced "
        "iterations and `build_report` is run on every prefix; *first* is the first prefix "
        "length whose verdict is leak, *from then on* the first after which every prefix says "
        "leak. `check()`: the iterations its verdict rests on (it first looks at 20, then "
        "every 25% more), and the total run including the tracemalloc burst after the "
        f"verdict. Median / max of {part['repetitions']} runs.",
        "",
        "| leak per iteration | first | from then on | check(): measured | check(): run |",
        "|---|---|---|---|---|",
    ]
    for size, d in part["sizes"].items():
        lines.append(
            f"| {size} | {_spread(d['first_leak_at'])} | {_spread(d['leak_from_then_on'])} "
            f"| {_spread(d['check_measured'])} | {_spread(d['check_run'])} |"
        )
    return [*lines, ""]


def retention_section(results: dict[str, Any]) -> list[str]:
    part = results.get("retention")
    if part is None:
        return []
    if "error" in part:
        return _failed(part, "Retention search on a big heap")
    return [
        "### Retention search on a big heap",
        "",
        f"A heap of {part['heap_objects']:,} gc-tracked objects, 300 records leaked into a "
        "module global while tracemalloc traced (as in a burst). One type census (a full "
        f"walk of the gc's lists, as each burst snapshot takes): {part['census_s']:.2f} s. "
        f"The holder search for the leak's site: {part['search_s']:.2f} s, allocating at "
        f"most {part['search_peak_bytes'] / 2**20:.1f} MiB meanwhile (tracemalloc peak); "
        f"{part['objects_found']} objects sampled, top path `{part['top_path']}` "
        f"({'correct' if part['holder_ok'] else 'WRONG'}), cut short: {part['cut_short']}. "
        "Target: within 2 s on a heap of 1 million objects.",
        "",
        *_figures_line(part.get("figures")),
    ]


def _figures_line(fig: Optional[dict[str, Any]]) -> list[str]:
    if not fig:
        return []
    return [
        "On the same heap with matplotlib imported, 40 pyplot figures made and never "
        "closed, the holder search with check()'s default 2 s budget: "
        f"{fig['search_s']:.2f} s, {fig['with_root']} of {fig['objects_found']} sampled "
        f"objects with a root, top path `{fig['top_path']}` "
        f"({'correct' if fig['holder_ok'] else 'WRONG'}), cut short: {fig['cut_short']}.",
        "",
    ]


def signals_section(results: dict[str, Any]) -> list[str]:
    part = results.get("signals")
    if part is None:
        return []
    if "error" in part:
        return _failed(part, "Cost of the signals")
    tick = part["tick"]
    lines = [
        "### Cost of the signals",
        "",
        "Each reader the probe calls at an iteration boundary, median of 7 rounds of 20,000 "
        "calls (the descriptor listing is sampled within a time budget, so a tick pays less "
        "than one listing):",
        "",
        "| signal | µs per call |",
        "|---|---|",
    ]
    costs = part["us_per_call"]
    lines += [f"| {name} | {us:.2f} |" for name, us in costs.items()]
    added = costs["fds (as sampled per 1 ms tick)"] + costs["threads"] + costs["tasks"]
    added += sum(us for name, us in costs.items() if name.startswith("gpu"))
    lines += [
        "",
        f"The signals issue 4 added (allocator free bytes come with the same mallinfo2 call; "
        f"descriptors as sampled, threads, tasks, the GPU readers) cost {added:.2f} µs per "
        "tick: "
        f"{added / 10:.2f}% of a 1 ms iteration.",
        "",
        f"A whole `Probe.tick()` after a 1 ms busy iteration, 1000 iterations, median of 5 "
        f"interleaved rounds, every iteration read (as `check()` reads): "
        f"{tick['us_per_tick']:.1f} µs per tick, ratio {tick['ratio']:.4f} against the bare "
        "loop. Target: at most 2% (1.02) for a 1 ms iteration.",
        "",
    ]
    watch = part.get("tick_watch")
    if watch is not None:
        lines += [
            f"The same with the reading budget of `watch()` ({watch['rows_read']} of the "
            f"{watch['iterations']} iterations read, evenly spread): "
            f"{watch['us_per_tick']:.1f} µs per tick, ratio {watch['ratio']:.4f}.",
            "",
        ]
    return lines


def native_window_section(results: dict[str, Any]) -> list[str]:
    part = results.get("native_window")
    if part is None:
        return []
    if "error" in part:
        return _failed(part, "The memray window")
    bare_ms = part["bare_s"] / part["iterations"] * 1e3
    window = part["window_s"]
    per = window / part["window_iterations"] * 1e3 if window else float("nan")
    return [
        "### The memray window",
        "",
        f"A C extension built with gcc keeps 8 KiB per call; each iteration also does a "
        f"little Python work ({bare_ms:.3f} ms per iteration bare). `check(native=True)`: "
        f"verdict {part['verdict']}, kind {part['kind']}, top native frame "
        f"`{part['top_native_frame']}`. Its memray window ran {int(part['window_iterations'])} "
        f"iterations in {window:.2f} s, reading the two captures back included "
        f"({per:.1f} ms per iteration). memray over the whole run of {part['iterations']} "
        f"iterations, native traces on: {part['memray_ratio']:.2f}x the bare loop. The "
        "window is a fixed cost paid once, after the verdict, instead of a slowdown of "
        "every iteration.",
        "",
    ]


def capture_section(results: dict[str, Any]) -> list[str]:
    part = results.get("capture")
    if part is None:
        return []
    if "error" in part:
        return _failed(part, "The capture store and leaksleuth run")
    cap, run = part["capture"], part["run"]
    ratios = ", ".join(f"{r:.3f}" for r in run["ratios"])
    return [
        "### The capture store and `leaksleuth run`",
        "",
        f"A capture of {cap['iterations']:,} iterations, every one read (as with `check()`; "
        "`run` reads fewer), written through the real writer and flushed every 1000 rows: "
        f"**{cap['file_bytes'] / 2**20:.1f} MiB, {cap['bytes_per_iteration']:.1f} bytes per "
        f"iteration** ({cap['write_us_per_row']:.1f} µs per row written; old rows are thinned "
        "past 50,000). Reporting it (`leaksleuth report`'s work: read, analyse "
        f"{cap['rows_analysed']:,} evenly spread rows, store the suspects): "
        f"**{cap['report_s']:.2f} s**, verdict {cap['verdict']}. Its HTML report: "
        f"**{cap['html_bytes'] / 1e6:.2f} MB** ({cap['html_s'] * 1e3:.0f} ms). Targets: at "
        "most 100 bytes per iteration, 3 s, 2 MB.",
        "",
        f"`leaksleuth run` against `python script.py`: {run['iterations']} iterations of "
        f"about {run['bare_iteration_ms']:.2f} ms of mixed work, `leaksleuth.tick()` in each; "
        f"the program times its own loop. Median ratio over {len(run['ratios'])} rounds "
        f"(alternating which runs first): **{run['ratio']:.3f}x** (rounds: {ratios}). "
        "Target: at most 2% (1.02x) for iterations of 1 ms or more. leaksleuth's own "
        "time in the program (starting up in it, then every tick: reading, interim looks, "
        "the burst, flushing), as the program's process records it, over the rest of the "
        f"loop: **{run.get('tool_share', float('nan')) * 100:.2f}%** (median; worst round "
        f"{max(run.get('tool_shares', [float('nan')])) * 100:.2f}%), "
        f"{run.get('tool_us_per_iteration', float('nan')):.1f} µs per iteration, start-up "
        "included. The whole command "
        "against the whole `python script.py` (starting the child process and the report "
        f"at the end included, fixed costs of a run): {run.get('wall_ratio', float('nan')):.3f}x.",
        "",
    ]


def run_correct_section(results: dict[str, Any]) -> list[str]:
    part = results.get("run_correct")
    if part is None:
        return []
    if "error" in part:
        return _failed(part, "`leaksleuth run` on correct programs")
    titles = {
        "numpy": "numpy arrays of 10^4-2*10^5 float64",
        "object_graph": "object graph with reference cycles",
    }
    lines = [
        "### `leaksleuth run --iterate-on` on correct programs",
        "",
        "Two programs that do not leak, each a `step()` called in a loop by `main()`, which "
        "times its own loop (start-up excluded). Each round runs `python prog.py` and "
        "`python -m leaksleuth run --iterate-on __main__:step prog.py` back to back, in fresh "
        "processes, alternately first; a round's ratio is leaksleuth's loop time over the "
        "bare one. *own time*: `meta.tool_s` (leaksleuth's time in the program's process) "
        "over the rest of the loop. *bursts*: runs in which a tracemalloc burst ran (there "
        "should be none: nothing grows). Target: at most 1.05x, no burst.",
        "",
        "| program | iterations x bare ms | ratio (median) | middle half | CPU ratio "
        "| own time | bursts | verdicts |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in part.items():
        if not isinstance(row, dict) or "ratios" not in row:
            continue
        verdicts = ", ".join(f"{s} {n}" for s, n in row["verdicts"].items())
        share = row.get("tool_share")
        lines.append(
            f"| {titles.get(name, name)} | {row['iterations']} x "
            f"{row['bare_iteration_ms']:.2f} | **{row['ratio']:.3f}x** "
            f"| {row['ratio_q1']:.3f}-{row['ratio_q3']:.3f} | {row['cpu_ratio']:.3f}x "
            f"| {'-' if share is None else f'{share * 100:.2f}%'} "
            f"| {row['runs_with_burst']}/{row['rounds']} | {verdicts} |"
        )
    return [*lines, ""]


def torch_cpu_section(results: dict[str, Any]) -> list[str]:
    part = results.get("torch_cpu")
    if part is None:
        return []
    if "error" in part:
        return _failed(part, "torch on the CPU")
    lines = [
        "### torch on the CPU (`bench/torch_cpu.py`)",
        "",
        "A small training step that keeps its running loss as a tensor, under `check()`, "
        "with the objects older than the run frozen while it measures (the default) and "
        "without; one full gc pass with torch imported; one look at the live tensors; and "
        "`leaksleuth run --iterate-on` on 300 steps of about 20 ms that keep their losses. "
        "Each in a fresh interpreter.",
        "",
        "| case | wall | verdict | diagnoses |",
        "|---|---|---|---|",
    ]
    for key, row in part.items():
        if key.startswith("check_"):
            lines.append(
                f"| `{key}` | {row['seconds']:.1f} s | {row['status']} "
                f"| {', '.join(row['diagnoses']) or '-'} |"
            )
    gc_row, look, run = part.get("gc", {}), part.get("look", {}), part.get("run", {})
    lines += [
        "",
        f"A full gc pass over {gc_row.get('objects', 0):,} objects: "
        f"{gc_row.get('full_pass_s', float('nan')) * 1e3:.0f} ms; with them frozen: "
        f"{gc_row.get('full_pass_frozen_s', float('nan')) * 1e3:.2f} ms. A look at the tensors: "
        f"{look.get('look_s', float('nan')) * 1e3:.0f} ms (largest graph "
        f"{look.get('graph_nodes', 0):,} nodes). `run`: {run.get('readings')} readings of "
        f"{run.get('iterations_run')} iterations, verdict {run.get('status')}, leaksleuth's own "
        f"time {run.get('tool_s') or float('nan'):.1f} s of "
        f"{run.get('wall_s', float('nan')):.1f} s; "
        f"diagnoses: {'; '.join(run.get('diagnoses') or []) or '-'}.",
        "",
    ]
    return lines


def web_section(results: dict[str, Any]) -> list[str]:
    part = results.get("web")
    if part is None:
        return []
    if "error" in part:
        return _failed(part, "A web service with and without the middleware")
    lines = [
        "### A web service with and without the middleware",
        "",
        "Flask under gunicorn (one sync worker) on 127.0.0.1, one client sending requests "
        f"one after another; medians of {part['rounds']} rounds, the three interleaved. "
        "`by hand`: tracemalloc on, and every 100th request a snapshot compared with the "
        "last (`compare_to`) in an `after_request` hook.",
        "",
        "| handler | bare req/s | leaksleuth req/s (slowdown) | by hand req/s (slowdown) "
        "| leaksleuth's own time in the worker | bursts |",
        "|---|---|---|---|---|---|",
    ]
    for name, h in part["handlers"].items():
        rate, slow = h["req_per_s"], h["slowdown"]
        runs = h.get("leaksleuth_runs") or []
        own = [r["tool_s"] / r["elapsed_s"] for r in runs if r.get("tool_s") and r.get("elapsed_s")]
        own_s = ", ".join(f"{o:.1%}" for o in own) or "-"
        bursts = ", ".join(str(r.get("bursts")) for r in runs) or "-"
        lines.append(
            f"| {name} | {rate['bare']:.0f} | {rate['leaksleuth']:.0f} ({slow['leaksleuth']:.3f}x) "
            f"| {rate['by hand']:.0f} ({slow['by hand']:.2f}x) | {own_s} | {bursts} |"
        )
    return [*lines, ""]


def web_memory_section(results: dict[str, Any]) -> list[str]:
    part = results.get("web_memory")
    if part is None:
        return []
    if "error" in part:
        return _failed(part, "The middleware's own memory over many requests")
    rows = [
        f"| {r['requests']:,} | {r['py_blocks']:,} | {r['rss_bytes'] / 2**20:.1f} MiB "
        f"| {r['capture_bytes'] / 2**10:,.0f} KiB | {r['bursts']} |"
        for r in part["readings"]
    ]
    return [
        "### The middleware's own memory over many requests",
        "",
        f"{part['requests']:,} requests over {part['routes']} routes fed to one service "
        "process's run (its capture, flush thread and route book) by a handler that keeps "
        f"nothing; after a full gc pass at each row. Verdict: {part['verdict']}.",
        "",
        "| requests | pymalloc blocks | RSS | capture file | bursts |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]


def pytest_plugin_section(results: dict[str, Any]) -> list[str]:
    part = results.get("pytest_plugin")
    if part is None:
        return []
    if "error" in part:
        return _failed(part, "The pytest plugin against pytest-memray")
    summary = part["summary"]
    rows = [
        f"| {name} | {t['truth']} | {t['once_s'] * 1000:.0f} ms | {t['checked_s']:.1f} s "
        f"| {', '.join(t['verdicts'])} | {' / '.join(t['memray'].values())} |"
        for name, t in summary["per_test"].items()
    ]
    runs = summary["leaksleuth_runs"]
    caught = ", ".join(f"{r['leaks_caught']}/{r['leaks']}" for r in runs)
    alarms = ", ".join(f"{r['false_alarms']}/{r['clean']}" for r in runs)
    peers = "; ".join(
        f"limit_leaks({limit}): {m['leaks_caught']}/{m['leaks']} leaks caught, "
        f"{m['false_alarms']}/{m['clean']} false alarms"
        for limit, m in summary["memray"].items()
    )
    return [
        "### The pytest plugin against pytest-memray",
        "",
        f"leaksleuth per run: leaks caught {caught}; false alarms {alarms}. {peers}. "
        f"Median checked test {summary['checked_seconds_median']:.1f} s. The whole file: "
        f"{summary['plain_wall_s']:.1f} s plain, "
        f"{', '.join(f'{w:.0f}' for w in summary['leaksleuth_wall_s'])} s with --leaksleuth, "
        f"{', '.join(f'{w:.1f}' for w in summary['memray_wall_s'].values())} s under --memray.",
        "",
        f"| test | truth | run once | checked | leaksleuth | limit_leaks "
        f"{' / '.join(summary['memray'])} |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]


SECTIONS: tuple[Section, ...] = (
    machine_section,
    corpus_section,
    realcorpus_section,
    overhead_section,
    probe_memory_section,
    latency_section,
    retention_section,
    signals_section,
    native_window_section,
    capture_section,
    run_correct_section,
    torch_cpu_section,
    web_section,
    web_memory_section,
    pytest_plugin_section,
)


def render_markdown(results: dict[str, Any]) -> str:
    lines = ["## Benchmark results", ""]
    for section in SECTIONS:
        lines += section(results)
    return "\n".join(lines)
