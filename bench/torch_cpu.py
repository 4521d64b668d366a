"""torch on the CPU: what check() and run cost on a torch program, and what the torch
looks cost. The GPU's own figures come from bench/gpu.py on a machine with CUDA.

    python bench/torch_cpu.py --out torch_cpu.json

Measured in one run, each case in a fresh interpreter:

- ``check``: ``check(step, max_iterations=N)`` on a small training step that keeps its
  running loss as a tensor (a leak), with the objects older than the run frozen while it
  measures (the default) and without (``OlderObjectsFrozen.freeze`` disabled); the
  verdict, the diagnosis and the wall time.
- ``gc``: one full gc pass with torch imported, and with those objects frozen.
- ``look``: one look at the live tensors (``leaksleuth.probe._torch.look``).
- ``run``: ``leaksleuth run --iterate-on`` on 300 steps of about 20 ms that keep their
  loss tensors: readings, verdict, diagnoses, and leaksleuth's own time in the program.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List

HERE = os.path.abspath(__file__)

STEP = """
import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
X, y = torch.randn(128, 32), torch.randn(128, 1)
running = {"total": 0.0}

def train_step():
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()
    running["total"] = running["total"] + loss
"""

SLOW_TRAIN = """\
import time, torch
torch.manual_seed(0)
model = torch.nn.Linear(256, 256)
X = torch.randn(64, 256)
losses = []
def train_step():
    loss = model(X).pow(2).mean()
    losses.append(loss)
    time.sleep(0.02)
for _ in range(300):
    train_step()
"""


def case_check(iterations: int, freeze: bool) -> Dict[str, Any]:
    import leaksleuth
    from leaksleuth.probe._frozen import OlderObjectsFrozen

    if not freeze:
        OlderObjectsFrozen.freeze = lambda self: None  # type: ignore[method-assign]
    scope: Dict[str, Any] = {}
    exec(compile(STEP, "train.py", "exec"), scope)
    t0 = time.perf_counter()
    report = leaksleuth.check(scope["train_step"], max_iterations=iterations)
    return {
        "seconds": time.perf_counter() - t0,
        "status": report.verdict.status,
        "diagnoses": [d.pattern for d in report.diagnoses],
    }


def case_gc() -> Dict[str, Any]:
    import gc

    import torch  # noqa: F401  (its objects are what a pass walks)

    def one() -> float:
        t0 = time.perf_counter()
        gc.collect()
        return time.perf_counter() - t0

    gc.collect()
    whole = min(one() for _ in range(5))
    count = len(gc.get_objects())
    gc.freeze()
    frozen = min(one() for _ in range(5))
    gc.unfreeze()
    return {"objects": count, "full_pass_s": whole, "full_pass_frozen_s": frozen}


def case_look() -> Dict[str, Any]:
    scope: Dict[str, Any] = {}
    exec(compile(STEP, "train.py", "exec"), scope)
    for _ in range(50):
        scope["train_step"]()
    from leaksleuth.probe._torch import look

    look(0)
    t0 = time.perf_counter()
    found = look(1)
    assert found is not None
    return {"look_s": time.perf_counter() - t0, "graph_nodes": found["graph_nodes"]}


def case_run() -> Dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "slow_train.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(SLOW_TRAIN)
        out = os.path.join(tmp, "run.json")
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "leaksleuth", "run", "--iterate-on", "__main__:train_step",
             "--json", out, "--capture", os.path.join(tmp, "run.db"), script],
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        with open(out, encoding="utf-8") as f:
            data = json.load(f)
    return {
        "wall_s": wall,
        "readings": sum(1 for p in data["phase"] if p == 0),
        "iterations_run": data["meta"]["iterations_run"],
        "tool_s": data["meta"].get("tool_s"),
        "status": data["verdict"]["status"],
        "diagnoses": [d["summary"] for d in data["diagnosis"]],
    }


def _child(spec: List[str]) -> None:
    name = spec[0]
    if name == "check":
        result = case_check(int(spec[1]), spec[2] == "1")
    else:
        result = {"gc": case_gc, "look": case_look, "run": case_run}[name]()
    print(json.dumps(result))


def _spawn(spec: List[str]) -> Dict[str, Any]:
    proc = subprocess.run([sys.executable, HERE, "--case", *spec], capture_output=True,
                          text=True, timeout=600, check=True)  # fmt: skip
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="where to write the JSON result (required)")
    parser.add_argument("--quick", action="store_true", help="the 100-iteration checks only")
    parser.add_argument("--case", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        _child(args.case)
        return 0
    if not args.out:
        parser.error("--out is required")
    result: Dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    for n in (100,) if args.quick else (100, 400):
        for freeze in (True, False):
            result[f"check_{n}_{'frozen' if freeze else 'unfrozen'}"] = _spawn(
                ["check", str(n), "1" if freeze else "0"]
            )
    result["gc"] = _spawn(["gc"])
    result["look"] = _spawn(["look"])
    result["run"] = _spawn(["run"])
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
