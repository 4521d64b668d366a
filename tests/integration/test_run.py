"""``leaksleuth run`` end to end: real programs in a real child process, real capture files."""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from leaksleuth.capture._store import SCHEMA_VERSION, read_store

# A helper module the program imports only after it has started: --iterate-on must
# still wrap its function, and a leak in it must be attributed to its line.
_FRAMES = """\
import time

KEPT = []


class Core:
    def frame_pre_processing(self, frame):
        time.sleep(0.001)
        KEPT.append(bytearray(8192) + bytes(frame))  # LEAK
        return len(frame)
"""

_MAIN = """\
import sys
import time


def main():
    time.sleep(0.2)  # work before the module that holds the function is imported
    import framelib

    core = framelib.Core()
    deadline = time.monotonic() + float(sys.argv[1])
    calls = 0
    while time.monotonic() < deadline:
        core.frame_pre_processing(b"x" * 16)
        calls += 1
    print("calls", calls)


if __name__ == "__main__":
    main()
"""


def _run(args: List[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leaksleuth", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _start(args: List[str], cwd: Path) -> subprocess.Popen[str]:
    """``leaksleuth ARGS`` in the background, in its own process group (as a terminal's
    foreground job is), output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "leaksleuth", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def _run_steps(
    path: Path, body: str, seconds: int = 8
) -> Tuple[Path, subprocess.CompletedProcess[str], Dict[str, Any]]:
    """A program whose ``step(i)`` (defined in ``body``) runs for ``seconds``, under
    ``leaksleuth run --iterate-on __main__:step``: the program, the run, its JSON report."""
    prog = _write(
        path,
        "import sys\nimport time\n"
        + textwrap.dedent(body)
        + "\n\ndeadline = time.monotonic() + float(sys.argv[1])\ni = 0\n"
        + "while time.monotonic() < deadline:\n    step(i)\n    i += 1\n",
    )
    out = path.with_suffix(".json")
    args = ["run", "--iterate-on", "__main__:step", "--capture", str(path.with_suffix(".db"))]
    done = _run([*args, "--json", str(out), path.name, str(seconds)], path.parent)
    assert done.returncode == 0, done.stderr
    return prog, done, json.loads(out.read_text())


def _line_of(path: Path, marker: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if marker in line)


def test_iterate_on_a_method_of_a_module_imported_later_finds_the_leak_and_its_line(
    tmp_path: Path,
) -> None:
    lib = _write(tmp_path / "framelib.py", _FRAMES)
    _write(tmp_path / "main.py", _MAIN)
    capture = tmp_path / "run.db"
    done = _run(
        [
            "run",
            "--iterate-on",
            "framelib:Core.frame_pre_processing",
            "--capture",
            str(capture),
            "--json",
            str(tmp_path / "report.json"),
            "main.py",
            "6",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("calls ") and done.stdout.count("\n") == 1  # untouched
    calls = int(done.stdout.split()[1])
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["verdict"]["status"] == "leak"
    top = report["suspects"][0]
    assert (top["file"], top["line"]) == (str(lib), _line_of(lib, "# LEAK"))
    run = read_store(str(capture))
    assert run.capture.iterations_run == calls  # one iteration per call, no other source
    assert run.capture.meta["iterate_on_found"] is True
    assert run.capture.meta["iteration_sources"] == [[1, "iterate-on"]]


def test_ticks_from_the_program_are_its_iterations_and_the_exit_status_passes(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path / "ticker.py",
        """
        import sys, time
        import leaksleuth

        KEPT = []
        for i in range(3000):  # ~3.5 s: a short run cannot afford the gc passes a leak needs
            KEPT.append("x" * 3000 + str(i))
            time.sleep(0.001)
            leaksleuth.tick()
        print("ticked")
        sys.exit(3)
        """,
    )
    capture = tmp_path / "t.db"
    done = _run(["run", "--capture", str(capture), "ticker.py"], tmp_path)
    assert done.returncode == 3
    assert done.stdout == "ticked\n"
    assert "LEAK" in done.stderr and "the program exited with status 3" in done.stderr
    run = read_store(str(capture))
    assert run.capture.iterations_run == 3000
    assert run.capture.meta["iteration_sources"] == [[1, "tick"]]


def test_time_windows_stand_in_when_nothing_marks_iterations(tmp_path: Path) -> None:
    _write(
        tmp_path / "windows.py",
        """
        import time
        KEPT = []
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            KEPT.append(bytearray(20000))
            time.sleep(0.01)
        """,
    )
    capture = tmp_path / "w.db"
    done = _run(["run", "--interval", "0.1", "--capture", str(capture), "windows.py"], tmp_path)
    assert done.returncode == 0, done.stderr
    again = _run(["report", str(capture), "--json"], tmp_path)
    assert again.returncode == 1  # leak
    report = json.loads(again.stdout)
    assert report["verdict"]["status"] == "leak"
    assert report["verdict"]["bytes_per_iteration"] > 100_000  # ~200 KB per 0.1 s window
    run = read_store(str(capture))
    assert 15 <= run.capture.iterations_run <= 40
    assert run.capture.meta["iteration_sources"] == [[1, "interval"]]


def test_the_capture_is_private_and_records_the_run(tmp_path: Path) -> None:
    _write(tmp_path / "quiet.py", "import leaksleuth\nfor _ in range(50):\n    leaksleuth.tick()\n")
    capture = tmp_path / "q.db"
    done = _run(["run", "--capture", str(capture), "quiet.py", "--flag", "value"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(capture).st_mode) == 0o600
    meta = read_store(str(capture)).meta
    assert meta["schema_version"] == SCHEMA_VERSION
    assert meta["program"] == "quiet.py" and meta["argv"] == ["--flag", "value"]
    assert meta["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["host"]


def test_sigkill_mid_run_leaves_a_readable_capture(tmp_path: Path) -> None:
    _write(
        tmp_path / "forever.py",
        """
        import time
        import leaksleuth

        KEPT = []
        while True:
            KEPT.append(bytearray(4096))
            time.sleep(0.002)
            leaksleuth.tick()
        """,
    )
    capture = tmp_path / "k.db"
    proc = _start(["run", "--capture", str(capture), "forever.py"], tmp_path)
    time.sleep(4.0)
    os.killpg(proc.pid, signal.SIGKILL)  # the tool and the program, no goodbye
    proc.communicate(timeout=30)
    again = _run(["report", str(capture), "--json"], tmp_path)
    assert again.returncode in (1, 3), again.stderr
    report = json.loads(again.stdout)
    assert report["verdict"]["status"] == "leak"
    run = read_store(str(capture))
    assert not run.finished
    # Flushed at least once a second: rows up to (about) the kill are there.
    assert run.capture.iteration[-1] > 300


def test_forked_workers_are_followed_and_reported_per_process(tmp_path: Path) -> None:
    _write(
        tmp_path / "workers.py",
        """
        import multiprocessing as mp
        import leaksleuth

        KEPT = []

        def work(n):
            for i in range(n):
                KEPT.append(bytearray(2048))
                leaksleuth.tick()
            return n

        if __name__ == "__main__":
            ctx = mp.get_context("fork")
            procs = [ctx.Process(target=work, args=(200,)) for _ in range(2)]
            for p in procs:
                p.start()
            for p in procs:
                p.join()
            work(100)
            print("exit codes", [p.exitcode for p in procs])
        """,
    )
    capture = tmp_path / "f.db"
    done = _run(["run", "--follow-fork", "--capture", str(capture), "workers.py"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "exit codes [0, 0]\n"
    run = read_store(str(capture))
    assert len(run.processes) == 2
    assert run.capture.iterations_run == 100
    for _pid, parent, path in run.processes:
        assert parent == run.meta["pid"]
        child = read_store(path)
        assert child.finished and child.capture.iterations_run == 200
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert done.stderr.count("(forked)") == 2


@pytest.mark.parametrize(
    "setup, args, message",
    [
        (None, ["run", "missing.py"], "no such script: missing.py"),
        (None, ["run", "-m", "no_such_module_here"], "no module named 'no_such_module_here'"),
        (None, ["run"], "name a script to run"),
        (None, ["run", "--iterate-on", "nocolon", "x.py"], "--iterate-on wants module:qualname"),
        (None, ["report", "nothing.db"], "no such capture file: nothing.db"),
    ],
)
def test_bad_input_gets_one_line_and_status_2(
    tmp_path: Path, setup: object, args: List[str], message: str
) -> None:
    _write(tmp_path / "x.py", "pass\n")
    done = _run(args, tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def _damaged_captures(tmp_path: Path, good: Path) -> List[Tuple[Path, str]]:
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good.read_bytes()[:3000])
    corrupt = tmp_path / "corrupt.db"
    data = bytearray(good.read_bytes())
    data[100:4000] = os.urandom(3900)
    corrupt.write_bytes(bytes(data))
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE songs (title TEXT)")
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    return [
        (truncated, "damaged or truncated"),
        (corrupt, "damaged or truncated"),
        (foreign, "not a leaksleuth capture"),
        (text, "not a leaksleuth capture"),
    ]


def test_damaged_or_foreign_captures_get_one_line_and_status_2(tmp_path: Path) -> None:
    _write(tmp_path / "ok.py", "import leaksleuth\nfor _ in range(30):\n    leaksleuth.tick()\n")
    good = tmp_path / "good.db"
    assert _run(["run", "--capture", str(good), "ok.py"], tmp_path).returncode == 0
    for path, message in _damaged_captures(tmp_path, good):
        done = _run(["report", str(path)], tmp_path)
        assert done.returncode == 2, (path, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (path, done.stderr)


def test_a_module_that_raises_on_import_keeps_its_traceback_status_and_report(
    tmp_path: Path,
) -> None:
    pkg = tmp_path / "brokenpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    _write(
        pkg / "__main__.py",
        "import leaksleuth\nleaksleuth.tick()\nraise RuntimeError('boom at import')\n",
    )
    capture = tmp_path / "e.db"
    done = _run(["run", "--capture", str(capture), "-m", "brokenpkg"], tmp_path)
    assert done.returncode == 1
    assert "RuntimeError: boom at import" in done.stderr
    assert "leaksleuth/runner" not in done.stderr  # the program's traceback, not ours
    assert "the program raised RuntimeError" in done.stderr
    assert read_store(str(capture)).capture.target_error is not None


def test_live_follows_a_capture_while_the_program_runs(tmp_path: Path) -> None:
    _write(
        tmp_path / "slow.py",
        """
        import time
        import leaksleuth

        KEPT = []
        for i in range(1500):
            KEPT.append(bytearray(4096))
            time.sleep(0.002)
            leaksleuth.tick()
        """,
    )
    capture = tmp_path / "l.db"
    proc = _start(["run", "--capture", str(capture), "slow.py"], tmp_path)
    try:
        deadline = time.monotonic() + 30
        while not capture.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.5)  # a few flushes in
        during = _run(["live", str(capture), "--once"], tmp_path)
        assert during.returncode == 0, during.stderr
        assert "(running," in during.stdout
        assert re.search(r"^(LEAK|INCONCLUSIVE) ", during.stdout, re.MULTILINE)
        assert "RSS" in during.stdout  # the signals' chart
    finally:
        proc.communicate(timeout=120)
    after = _run(["live", str(capture), "--once"], tmp_path)
    assert "(finished," in after.stdout and "\nLEAK " in after.stdout


def test_run_live_shows_the_view_and_passes_the_programs_lines_whole(tmp_path: Path) -> None:
    import pty

    _write(
        tmp_path / "talky.py",
        """
        import sys, time
        import leaksleuth

        KEPT = []
        for i in range(250):
            KEPT.append(bytearray(8192))
            if i % 50 == 0:
                print(f"program line {i} " + "x" * 40, flush=True)
            time.sleep(0.01)
            leaksleuth.tick()
        print("program done", sys.stdout.isatty())
        """,
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "leaksleuth", "run", "--live", "--capture", "v.db", "talky.py"],
        cwd=tmp_path,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "COLUMNS": "120", "LINES": "40"},
    )
    os.close(slave)
    screen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    assert proc.wait(timeout=60) == 0
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.decode("utf-8", "replace"))
    lines = [f"program line {i} " + "x" * 40 for i in range(0, 250, 50)]
    for line in lines:
        assert line in text  # each of the program's lines, whole
    assert text.index(lines[0]) < text.index(lines[-1]) < text.index("program done True")
    assert "leaksleuth live · running" in text  # the live view was drawn
    assert "leaksleuth: capture written to" in text


def test_ctrl_c_ends_the_program_with_a_report(tmp_path: Path) -> None:
    _write(
        tmp_path / "endless.py",
        """
        import time
        import leaksleuth

        KEPT = []
        print("started", flush=True)
        while True:
            KEPT.append(bytearray(4096))
            time.sleep(0.002)
            leaksleuth.tick()
        """,
    )
    capture = tmp_path / "c.db"
    proc = _start(["run", "--capture", str(capture), "endless.py"], tmp_path)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "started\n"
    # Long enough for the full gc passes a leak verdict is judged on (within 0.4% of the
    # program's time, plus 10 ms accruing over its first 2 s).
    time.sleep(4.0)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert out == ""  # the report went to stderr: stdout holds only the program's output
    assert "KeyboardInterrupt" in err and "\nLEAK " in err
    assert "interrupted (Ctrl-C)" in err
    run = read_store(str(capture))
    assert run.finished and run.capture.stop_reason == "interrupted (Ctrl-C)"


def test_allocator_retention_in_a_whole_program_is_shown_by_one_malloc_trim(
    tmp_path: Path,
) -> None:
    # Blocks of 10 KB (glibc's heap) kept, then 15 of every 16 freed: the bytes in use
    # fall, the pages between the kept ones stay. The verdict is taken in the CLI's
    # process after the program ended; its process measured malloc_trim(0) before it did.
    # 5,000 iterations: run reads 0.2% of the time, and the quiet tail needs its rows.
    _write(
        tmp_path / "fragments.py",
        """
        import time
        import leaksleuth

        held = []
        for i in range(1, 5001):
            if i <= 20:
                held.extend(bytearray(10000) for _ in range(200))
            elif i == 21:
                held[:] = held[::16]
            time.sleep(0.001)
            leaksleuth.tick()
        """,
    )
    out = tmp_path / "report.json"
    args = ["run", "--capture", str(tmp_path / "f.db"), "--json", str(out), "fragments.py"]
    done = _run(args, tmp_path)
    assert done.returncode == 0, done.stderr  # not a leak
    report = json.loads(out.read_text())
    v = report["verdict"]
    assert v["status"] in ("flat", "plateau"), v["reason"]
    assert v["kind"] == "allocator", v["reason"]
    assert report["meta"]["malloc_trim"]["released"] > 16 * 2**20  # most of ~38 MB freed
    assert any("malloc_trim(0) at the end gave back" in n for n in report["notes"])


def test_the_start_up_objects_are_frozen_and_thawed_for_the_holder_search(
    tmp_path: Path,
) -> None:
    # The program's full gc passes skip the objects made before it started: they are
    # frozen (gc.freeze()). gc.get_referrers does not see frozen containers, and this
    # leak's objects are reached only through two made at start-up: warnings' filter list
    # and re's pattern cache. Frozen during the search, no holder was named at all.
    prog, done, report = _run_steps(
        tmp_path / "filters.py",
        """
        import gc
        import warnings

        print("frozen at start", gc.get_freeze_count())


        def step(i):
            warnings.filterwarnings("ignore", message=f"old call {i}")  # LEAK
            time.sleep(0.002)
        """,
    )
    assert int(done.stdout.split()[-1]) > 10_000  # the interpreter's and leaksleuth's
    assert report["verdict"]["status"] == "leak", report["verdict"]["reason"]
    top = report["suspects"][0]
    assert (Path(top["file"]).name, top["line"]) == (prog.name, _line_of(prog, "# LEAK"))
    group = report["leaks"][0]
    assert group["holder"] and "outside Python-visible" not in group["headline"], group
    roots = " ".join(str(h) for h in report["holders"]) + group["headline"]
    assert re.search(r"module (_warnings|warnings|re) global (filters|_cache)", roots), roots


def test_a_program_with_the_gc_off_keeps_its_cycles_through_the_holder_search(
    tmp_path: Path,
) -> None:
    # The start-up objects are thawed before the holder search; with the gc off, that
    # thaw must not collect: these unreachable cycles are the leak the search looks for.
    prog, _, report = _run_steps(
        tmp_path / "nogc.py",
        """
        import gc

        gc.disable()


        class Node:
            def __init__(self, payload):
                self.payload = payload
                self.peer = None


        def step(i):
            a = Node(bytearray(700))  # LEAK
            b = Node(None)
            a.peer, b.peer = b, a
            time.sleep(0.002)
        """,
    )
    assert report["verdict"]["status"] == "leak", report["verdict"]["reason"]
    top = report["suspects"][0]
    assert (Path(top["file"]).name, top["line"]) == (prog.name, _line_of(prog, "# LEAK"))
    roots = [h["root"] for h in top["holders"]]
    assert any("unreachable reference cycle" in r for r in roots), roots


def test_a_program_that_freezes_objects_of_its_own_keeps_them_frozen() -> None:
    from leaksleuth.probe._frozen import StartupFrozen

    assert gc.get_freeze_count() == 0
    startup = StartupFrozen()
    startup.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        # made after the freeze: collected as usual
        kept: List[List[int]] = [[] for _ in range(100)]
        assert gc.get_freeze_count() == frozen
        startup.thaw()
        assert gc.get_freeze_count() == 0
        # A program that freezes its own objects (before forking workers, say): the
        # holder search leaves its choice alone.
        startup.freeze()
        frozen = gc.get_freeze_count()
        made: List[List[int]] = [[] for _ in range(100)]
        gc.freeze()
        startup.thaw()
        assert gc.get_freeze_count() >= frozen + 100
    finally:
        gc.unfreeze()
    del kept, made


def test_check_inside_run_freezes_and_thaws_the_start_up_objects_too() -> None:
    # check() called by a program under run (a test suite run with the plugin, say):
    # run's start-up freeze does not stop check()'s own, whose thaw, before the holder
    # search, hands every container back to gc.get_referrers.
    from leaksleuth.probe._frozen import STARTUP as startup
    from leaksleuth.probe._frozen import OlderObjectsFrozen

    assert gc.get_freeze_count() == 0
    try:
        startup.freeze()
        at_start = gc.get_freeze_count()
        made: List[List[int]] = [[] for _ in range(100)]
        older = OlderObjectsFrozen()
        older.freeze()
        assert older.frozen and gc.get_freeze_count() >= at_start + 100
        older.thaw()
        assert gc.get_freeze_count() == 0
        startup.thaw()  # nothing left of its own: a no-op
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
    del made


def test_run_serves_its_metrics_for_prometheus_while_the_program_runs(tmp_path: Path) -> None:
    import socket

    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    (tmp_path / "framelib.py").write_text(_FRAMES)
    (tmp_path / "main.py").write_text(_MAIN)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = "framelib:Core.frame_pre_processing"
    leak_key = f'leaksleuth_verdict{{"status": "leak", "unit": "{spec}"}}'
    growth_key = f'leaksleuth_growth_bytes_per_iteration{{"bound": "estimate", "unit": "{spec}"}}'
    proc = _start(
        ["run", "--prometheus", f"127.0.0.1:{port}", "--iterate-on", spec, "main.py", "12"],
        tmp_path,
    )
    seen: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            except httpx.HTTPError:
                continue
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    key = sample.name + json.dumps(sample.labels, sort_keys=True)
                    seen[key] = max(seen.get(key, 0.0), sample.value)
            if seen.get(leak_key):
                break
    finally:
        proc.communicate(timeout=120)
    assert seen.get("leaksleuth_iterations_total{}", 0) > 100, seen
    assert seen.get('leaksleuth_memory_bytes{"kind": "rss"}', 0) > 1e6, seen
    # The leak (8 KiB per call) is said while the program still runs.
    assert seen.get(leak_key) == 1.0, seen
    growth = seen.get(growth_key)
    assert growth is not None and 7000 < growth < 12000, seen


def test_run_serves_metrics_on_a_loopback_address_only(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("print('hi')\n")
    done = _run(["run", "--prometheus", "0.0.0.0:9108", "main.py"], tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr  # one line, no traceback
    assert "serves on this machine only" in done.stderr
