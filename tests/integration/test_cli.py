"""``leaksleuth check`` end to end: real targets, real measurement, exit codes and output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaksleuth.cli import main

LEAKY = """\
_kept = []


def work():
    _kept.append(bytes(1024))
"""
LEAK_LINE = 5

STEADY = """\
def work():
    return sum(range(100))
"""

RAISES_ON_FIFTH_CALL = """\
calls = 0


def work():
    global calls
    calls += 1
    if calls == 5:
        raise ValueError("boom")
"""

EXITS_ON_THIRD_CALL = """\
import sys

calls = 0


def work():
    global calls
    calls += 1
    if calls == 3:
        sys.exit(3)
"""

CHATTY = """\
def work():
    print("hello from the target")
"""

WITH_SETUP = """\
def make():
    return {"calls": 0}


def work(state):
    state["calls"] += 1
"""

INTERRUPTED = """\
def work():
    raise KeyboardInterrupt
"""

ITERATIONS = ["--max-iterations", "300"]


@pytest.fixture(autouse=True)
def isolated_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo what loading targets does to sys.path and sys.modules."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def target(tmp_path: Path, source: str, name: str = "target.py") -> str:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return f"{path}:work"


def test_a_leaking_target_exits_1_and_names_the_allocating_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", target(tmp_path, LEAKY), "--json", *ITERATIONS])
    data = json.loads(capsys.readouterr().out)
    assert status == 1
    assert data["verdict"]["status"] == "leak"
    assert data["suspects"][0]["file"].endswith("target.py")
    assert data["suspects"][0]["line"] == LEAK_LINE


def test_the_terminal_report_of_a_leak_shows_verdict_and_suspect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", target(tmp_path, LEAKY), *ITERATIONS])
    out = capsys.readouterr().out
    assert status == 1
    assert "LEAK" in out and "per iteration" in out
    assert f"target.py:{LEAK_LINE}" in out
    assert "_kept.append(bytes(1024))" in out


def test_a_steady_target_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", target(tmp_path, STEADY), "--json", *ITERATIONS])
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"]["status"] in ("flat", "plateau")
    assert status == 0


def test_a_target_that_raises_exits_2_and_the_report_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", target(tmp_path, RAISES_ON_FIFTH_CALL), *ITERATIONS])
    out = " ".join(capsys.readouterr().out.split())
    assert status == 2
    assert "the target raised ValueError('boom') at iteration 5" in out


def test_a_target_that_calls_sys_exit_ends_the_run_with_its_code_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # sys.exit(3) must not become leaksleuth's own status 3, "inconclusive".
    status = main(["check", target(tmp_path, EXITS_ON_THIRD_CALL), *ITERATIONS])
    out = " ".join(capsys.readouterr().out.split())
    assert status == 2
    assert "the target ended with sys.exit(3) at iteration 3" in out


def test_a_target_that_raises_shows_its_own_frames_not_the_tools(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", target(tmp_path, RAISES_ON_FIFTH_CALL), "--json", *ITERATIONS])
    failure = json.loads(capsys.readouterr().out)["target_failure"]
    assert status == 2
    frames = [line for line in failure["traceback"] if line.lstrip().startswith("File ")]
    assert frames and all("leaksleuth" not in f.split(",")[0] for f in frames), frames
    assert 'raise ValueError("boom")' in "\n".join(failure["traceback"])


def test_a_target_that_raises_still_gets_a_json_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", target(tmp_path, RAISES_ON_FIFTH_CALL), "--json", *ITERATIONS])
    failure = json.loads(capsys.readouterr().out)["target_failure"]
    assert status == 2
    assert (failure["type"], failure["message"], failure["iteration"]) == ("ValueError", "boom", 5)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.py:work", "no such file"),
        ("{file}:wrok", "no 'wrok' in"),
        ("{file}:NOT_CALLABLE", "not a function"),
        ("no_such_module_xyz:work", "no module named"),
        ("not a target", "should look like"),
    ],
)
def test_a_bad_target_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, message: str
) -> None:
    path = tmp_path / "target.py"
    path.write_text("NOT_CALLABLE = 3\ndef work():\n    pass\n", encoding="utf-8")
    status = main(["check", spec.format(file=path)])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("leaksleuth: error: ")
    assert message in captured.err


def test_a_file_that_fails_to_import_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", target(tmp_path, "def work(:\n")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("leaksleuth: error: importing") and "SyntaxError" in err
    assert err.count("\n") == 1


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 2
    assert main(["check", "x.py:work", "--max-iterations", "0"]) == 2
    assert main(["check", "x.py:work", "--max-iterations", "10", "--warmup", "10"]) == 2
    assert main([]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    assert "3    inconclusive" in out and "130  interrupted" in out


def test_no_progress_is_shown_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", target(tmp_path, STEADY), *ITERATIONS])
    assert capsys.readouterr().err == ""


def test_quiet_prints_only_the_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", target(tmp_path, LEAKY), "--quiet", *ITERATIONS])
    out = capsys.readouterr().out
    assert status == 1
    assert "LEAK" in out
    assert "Top suspects" not in out


def test_what_the_target_prints_stays_out_of_the_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", target(tmp_path, CHATTY), "--json", *ITERATIONS])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["target"].endswith(":work")
    assert "hello from the target" in captured.err


def test_the_value_setup_returns_is_passed_to_the_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check", target(tmp_path, WITH_SETUP), "--setup", "make", "--json", *ITERATIONS])
    data = json.loads(capsys.readouterr().out)
    assert data["target_failure"] is None  # work() without its argument would raise
    assert status != 2


def test_ctrl_c_exits_130_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", target(tmp_path, INTERRUPTED)])
    assert status == 130
    assert capsys.readouterr().err == "leaksleuth: interrupted\n"


def test_piped_json_output_is_pure_json(tmp_path: Path) -> None:
    spec = target(tmp_path, LEAKY)
    producer = subprocess.Popen(
        [sys.executable, "-m", "leaksleuth", "check", spec, "--json", *ITERATIONS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    reader = "import json, sys; print(json.load(sys.stdin)['verdict']['status'])"
    consumer = subprocess.run(
        [sys.executable, "-c", reader], stdin=producer.stdout, capture_output=True, text=True
    )
    assert producer.stdout is not None and producer.stderr is not None
    producer.stdout.close()
    stderr = producer.stderr.read()
    assert producer.wait(timeout=120) == 1
    assert consumer.returncode == 0, consumer.stderr
    assert consumer.stdout.strip() == "leak"
    assert stderr == b""  # no progress display on a pipe


def test_python_dash_m_leaksleuth_shows_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "leaksleuth", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "check" in result.stdout and "exit codes:" in result.stdout
