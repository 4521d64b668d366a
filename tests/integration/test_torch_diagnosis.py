"""torch on the CPU, as a user's training loop runs it: the three causes told apart.

A running loss kept as a tensor keeps every iteration's autograd graph alive; outputs
appended to a list keep tensors; a correct loop keeps nothing. Each case runs check() on
real torch (CPU build) and asserts the verdict and the diagnosis: its pattern, the line
that keeps the memory, what holds it, and the fix.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

import leaksleuth

HERE = os.path.basename(__file__)


def _model() -> tuple:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    return model, opt, torch.randn(128, 32), torch.randn(128, 1)


def _line_of(fn: object, text: str) -> int:
    code = fn.__code__  # type: ignore[attr-defined]
    with open(code.co_filename) as f:
        lines = f.read().splitlines()
    return 1 + next(i for i, s in enumerate(lines) if i >= code.co_firstlineno and text in s)


def test_a_running_loss_kept_as_a_tensor_is_autograd_history_at_the_keeping_line() -> None:
    model, opt, X, y = _model()
    running = {"total": 0.0}

    def train_step() -> None:
        opt.zero_grad()
        out = model(X)
        loss = torch.nn.functional.mse_loss(out, y)
        loss.backward()
        opt.step()
        running["total"] = running["total"] + loss  # keeps every graph

    report = leaksleuth.check(train_step, max_iterations=100)
    assert report.verdict.status == "leak", report.verdict.reason
    assert "autograd history kept" in report.verdict.reason
    found = {d.pattern: d for d in report.diagnoses}
    assert "autograd_history" in found, report.diagnoses
    story = found["autograd_history"]
    keeping = _line_of(train_step, "# keeps every graph")
    assert story.where == f"{HERE}:{keeping}"
    assert story.holder is not None
    assert story.holder.path[-1] == "['total'] torch.Tensor"
    assert "running" in story.holder.path[0]
    assert "loss.item()" in story.fix
    assert "kept_tensors" not in found


def test_outputs_appended_to_a_list_are_kept_tensors_of_their_shape() -> None:
    model, _opt, X, _y = _model()
    outputs: list = []

    def predict() -> None:
        with torch.no_grad():
            outputs.append(model(X))  # every batch's predictions kept

    report = leaksleuth.check(predict, max_iterations=100)
    assert report.verdict.status == "leak", report.verdict.reason
    assert "tensors kept" in report.verdict.reason
    kept = [d for d in report.diagnoses if d.pattern == "kept_tensors"]
    assert kept and "float32[128, 1] on cpu" in kept[0].summary
    assert "512 B per iteration" in kept[0].summary
    assert all(d.pattern != "autograd_history" for d in report.diagnoses)
    top = report.suspects[0]
    assert (os.path.basename(top.file), top.line) == (HERE, _line_of(predict, "outputs.append"))


def test_a_correct_training_loop_has_no_leak_and_no_story() -> None:
    model, opt, X, y = _model()
    running = {"total": 0.0}

    def train_step() -> None:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        opt.step()
        running["total"] += loss.item()

    report = leaksleuth.check(train_step, max_iterations=400)
    assert report.verdict.status in ("flat", "plateau"), report.verdict.reason
    assert report.diagnoses == ()


_SLOW_TRAIN = """\
import time, torch
torch.manual_seed(0)
model = torch.nn.Linear(256, 256)
X = torch.randn(64, 256)
losses = []
def train_step():
    loss = model(X).pow(2).mean()
    losses.append(loss)  # KEEP
    time.sleep(0.02)
for _ in range(300):
    train_step()
"""


def test_run_reads_a_slow_training_script_densely_and_tells_the_kept_losses(
    tmp_path: Path,
) -> None:
    # The CPU twin of the GPU evidence (tests/data/gpu/slow_train.py): 300 steps of about
    # 20 ms, each keeping its loss tensor and the graph behind it.
    script = tmp_path / "slow_train.py"
    script.write_text(_SLOW_TRAIN)
    out = tmp_path / "run.json"
    done = subprocess.run(
        [sys.executable, "-m", "leaksleuth", "run", "--iterate-on", "__main__:train_step",
         "--json", str(out), "--capture", str(tmp_path / "run.db"), str(script)],
        cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    # How densely run reads such a program is a speed figure, so it is the benchmark's
    # (bench/torch_cpu.py: 118-139 readings of ~300 here, alone; 30-88 in a loaded suite).
    # What must hold however fast the machine is: more readings than the floor's
    # (one per 256 iterations), and the story of the kept losses.
    readings = sum(1 for p in report["phase"] if p == 0)
    assert readings > 300 // 256 + 2, readings
    assert report["verdict"]["status"] in ("leak", "inconclusive")
    kept = [d for d in report["diagnosis"] if d["pattern"] == "kept_tensors"]
    assert any(d["summary"].startswith("tensors kept: float32[] on cpu") for d in kept), kept
    assert all("each with its autograd graph" in d["summary"] for d in kept)
    assert "loss.item()" in kept[0]["fix"]
