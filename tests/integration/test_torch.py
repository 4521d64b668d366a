"""PyTorch (the CPU build, torch==2.13.0): autograd history kept alive, and GPU signals that
cost nothing without a GPU."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any, List

import leaksleuth

# torch is imported by the test that uses it, not at collection: its million objects would
# slow down every full gc pass (and so every check) of the tests collected after it.
_LOSSES: List[object] = []


def _train_step(torch: Any, model: Any) -> None:
    batch = torch.randn(32, 64)
    loss = model(batch).pow(2).mean()
    _LOSSES.append(loss)  # keeps the whole graph and its saved tensors; .item() would not


def test_losses_kept_with_their_graph_leak_native_memory_at_the_training_line() -> None:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 1))
    try:
        report = leaksleuth.check(_train_step, torch, model, max_iterations=300)
    finally:
        _LOSSES.clear()
    v = report.verdict
    assert v.status == "leak", v.reason
    # The saved activations live in torch's allocator, outside Python's heap.
    assert v.kind == "native", v.reason
    assert v.bytes_per_iteration > 32 * 256 * 4  # at least the hidden activation
    first = _train_step.__code__.co_firstlineno
    top = report.suspects[0]
    assert (top.file, top.line) in {(__file__, first + 2), (__file__, first + 3)}
    # torch is imported but CUDA never initialised: no GPU reading, no GPU row.
    assert all(x is None for x in report.to_dict()["series"]["gpu_allocated"])
    assert "gpu_allocated" not in {p.name for p in report.memory}


def test_the_probe_imports_nothing_heavy() -> None:
    code = textwrap.dedent(
        """
        import sys, leaksleuth
        report = leaksleuth.check(lambda: None, max_iterations=60)
        heavy = ("torch", "numpy", "pynvml", "memray", "jinja2")
        print(" ".join(m for m in heavy if m in sys.modules) or "none")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "none"
