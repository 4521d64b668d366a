"""The GPU proof: one script for a machine with a CUDA device, about 5 minutes.

    PYTHONPATH=src python3 bench/gpu.py --out gpu.json [--runs 10] [--jobs 5]

Needs torch with CUDA (and, for the per-process reading, nvidia-ml-py); leaksleuth itself
needs only psutil, so it runs from the source tree. Each case runs in fresh interpreters
(``--case NAME``), ``--jobs`` at a time on the one GPU, and reports one JSON line:

1. ``kept``: one 1 MiB CUDA tensor kept per iteration -> a ``gpu`` leak of about 1 MiB
   per iteration, the top suspect at the keeping line, in every one of ``--runs`` runs.
2. ``train``: a correct training loop (zero_grad, forward, backward, step,
   ``loss.item()``) -> no leak, in every run.
3. ``fill``: the caching allocator filling (a scratch tensor of a growing size made and
   dropped) -> not a GPU leak; ``varying``: batches of 512 sizes -> not a GPU leak.
4. ``run``: ``leaksleuth run --iterate-on __main__:train_step`` on a script of 300 steps
   of about 20 ms that keeps each step's loss tensor -> a leak, with 100 readings or more.
5. ``cost``: what one reading of the GPU costs (leaksleuth's reader, torch's public
   calls, NVML), and what the reader costs per iteration of a check().
6. ``story``: a running loss kept as a tensor (``total = total + loss``) -> a leak whose
   diagnosis is ``autograd_history`` at the keeping line, and the CUDA lines whose blocks
   stay alive.

Prints one JSON object; exit status 0 when every expectation held, 1 when one did not,
4 when there is no CUDA device here (nothing was checked).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List

MIB = 2**20
# Where the cases put their tensors. "cpu" (LEAKSLEUTH_BENCH_DEVICE=cpu, --device cpu) only
# rehearses the script on a machine without a GPU: its expectations are the GPU's.
DEV = os.environ.get("LEAKSLEUTH_BENCH_DEVICE", "cuda")
HERE = os.path.abspath(__file__)
SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src")


def _line(fn: Callable[..., Any], marker: str) -> int:
    with open(HERE, encoding="utf-8") as f:
        lines = f.read().splitlines()
    start = fn.__code__.co_firstlineno - 1
    return 1 + next(i for i in range(start, len(lines)) if marker in lines[i])


def _summary(report: Any) -> Dict[str, Any]:
    v = report.verdict
    top = report.suspects[0] if report.suspects else None
    return {
        "status": v.status,
        "kind": v.kind,
        "bytes_per_iteration": v.bytes_per_iteration,
        "reason": v.reason,
        "iterations": v.iterations_measured,
        "parts": {p.name: [p.status, p.per_iteration] for p in report.memory},
        "top_suspect": [os.path.basename(top.file), top.line] if top else None,
        "diagnoses": [[d.pattern, d.where, d.summary] for d in report.diagnoses],
        "gpu_sites": [
            [os.path.basename(s.file), s.line, s.bytes_per_iteration] for s in report.gpu
        ],
        "notes": list(report.notes),
        "probe_errors": list(report.probe_errors),
    }


# -- the cases, each run in its own interpreter -------------------------------------------
def case_kept(torch: Any, leaksleuth: Any) -> Dict[str, Any]:
    kept: List[Any] = []

    def keep() -> None:
        kept.append(torch.empty(MIB // 4, dtype=torch.float32, device=DEV))  # KEEP

    out = _summary(leaksleuth.check(keep, max_iterations=400))
    gpu = out["parts"].get("gpu_allocated", ["", math.nan])[1]
    out["ok"] = (
        out["status"] == "leak"
        and out["kind"] == "gpu"
        and 0.9 * MIB <= gpu <= 1.1 * MIB
        and out["top_suspect"] == [os.path.basename(HERE), _line(keep, "# KEEP")]
    )
    return out


def _batch(torch: Any, size: int = 64) -> Any:
    """Inputs and class labels for the model below."""
    return torch.randn(size, 256, device=DEV), torch.randint(0, 10, (size,), device=DEV)


def _model(torch: Any) -> Any:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(256, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10)
    ).to(DEV)
    return model, torch.optim.SGD(model.parameters(), lr=0.01)


def case_train(torch: Any, leaksleuth: Any) -> Dict[str, Any]:
    model, opt = _model(torch)
    X, y = _batch(torch)
    seen = {"loss": 0.0}

    def step() -> None:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        seen["loss"] += loss.item()

    out = _summary(leaksleuth.check(step, max_iterations=1000))
    out["ok"] = out["status"] != "leak"
    return out


def case_fill(torch: Any, leaksleuth: Any) -> Dict[str, Any]:
    calls = [0]

    def fill() -> None:
        calls[0] += 1
        scratch = torch.ones(min(calls[0], 32) * MIB // 4, device=DEV)
        float(scratch.sum())

    out = _summary(leaksleuth.check(fill, max_iterations=400))
    out["ok"] = out["kind"] != "gpu" and out["parts"].get("gpu_allocated", [""])[0] != "leak"
    return out


def case_varying(torch: Any, leaksleuth: Any) -> Dict[str, Any]:
    model, opt = _model(torch)
    n = [0]

    def step() -> None:
        n[0] += 1
        batch = 1 + (n[0] * 7919) % 512
        X, y = _batch(torch, batch)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        loss.item()

    out = _summary(leaksleuth.check(step, max_iterations=2000))
    out["ok"] = out["status"] != "leak"
    return out


RUN_SCRIPT = """\
import os, time, torch
DEV = os.environ.get("LEAKSLEUTH_BENCH_DEVICE", "cuda")
model = torch.nn.Linear(1024, 1024).to(DEV)
X = torch.randn(128, 1024, device=DEV)
losses = []
def train_step():
    loss = model(X).pow(2).mean()
    losses.append(loss)          # KEEP
    time.sleep(0.02)
for _ in range(300):
    train_step()
"""


def case_run(torch: Any, leaksleuth: Any) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "slow_train.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(RUN_SCRIPT)
        out_json = os.path.join(tmp, "run.json")
        cmd = [sys.executable, "-m", "leaksleuth", "run", "--iterate-on", "__main__:train_step",
               "--json", out_json, "--capture", os.path.join(tmp, "run.db"), script]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
        with open(out_json, encoding="utf-8") as f:
            data = json.load(f)
    v = data["verdict"]
    readings = sum(1 for p in data["phase"] if p == 0)
    keep_line = 1 + RUN_SCRIPT.splitlines().index(
        next(s for s in RUN_SCRIPT.splitlines() if "# KEEP" in s)
    )
    top = data["suspects"][0] if data["suspects"] else None
    return {
        "exit": proc.returncode,
        "status": v["status"],
        "kind": v["kind"],
        "reason": v["reason"],
        "readings": readings,
        "iterations_run": data["meta"].get("iterations_run"),
        "top_suspect": [os.path.basename(top["file"]), top["line"]] if top else None,
        "ok": v["status"] == "leak" and readings >= 100,
        "keep_line": keep_line,
    }


def _per_call(fn: Callable[[], Any], n: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def case_cost(torch: Any, leaksleuth: Any) -> Dict[str, Any]:
    from leaksleuth.probe._gpu import GpuReader

    keep = torch.empty(MIB, device=DEV)
    n = 10_000
    reader = GpuReader(per_iteration=math.inf)  # unbudgeted: the cost of one reading
    costs = {
        "leaksleuth_reading_us": _per_call(lambda: reader.torch_memory(1), n) * 1e6,
        "memory_allocated_us": _per_call(torch.cuda.memory_allocated, n) * 1e6,
        "memory_reserved_us": _per_call(torch.cuda.memory_reserved, n) * 1e6,
    }
    nvml = GpuReader(budget=math.inf)
    t0 = time.perf_counter()
    nvml.process_memory(1.0)
    costs["nvml_start_s"] = time.perf_counter() - t0
    costs["nvml_reading_us"] = _per_call(lambda: nvml.process_memory(1.0), 1000) * 1e6
    budgeted = GpuReader()
    iterations = 20_000
    for i in range(1, iterations + 1):
        budgeted.torch_memory(i)
    costs["budgeted_us_per_iteration"] = budgeted.torch_cost / iterations * 1e6
    costs["budgeted_readings"] = budgeted.torch_reads
    del keep
    costs["ok"] = costs["budgeted_us_per_iteration"] <= 11.0
    return costs


def case_story(torch: Any, leaksleuth: Any) -> Dict[str, Any]:
    model, opt = _model(torch)
    X, y = _batch(torch)
    running = {"total": 0.0}

    def step() -> None:
        opt.zero_grad()
        out = model(X)
        loss = torch.nn.functional.cross_entropy(out, y)
        loss.backward()
        opt.step()
        running["total"] = running["total"] + loss  # KEEP

    out = _summary(leaksleuth.check(step, max_iterations=300))
    where = f"{os.path.basename(HERE)}:{_line(step, '# KEEP')}"
    out["ok"] = out["status"] == "leak" and any(
        d[0] == "autograd_history" and d[1] == where for d in out["diagnoses"]
    )
    return out


CASES: Dict[str, Callable[[Any, Any], Dict[str, Any]]] = {
    "kept": case_kept,
    "train": case_train,
    "fill": case_fill,
    "varying": case_varying,
    "run": case_run,
    "cost": case_cost,
    "story": case_story,
}


def _child(name: str) -> int:
    sys.path.insert(0, SRC)
    import torch

    import leaksleuth

    if DEV == "cuda":
        torch.cuda.init()  # type: ignore[no-untyped-call]
    t0 = time.perf_counter()
    try:
        result = CASES[name](torch, leaksleuth)
    except Exception as exc:  # the proof reports, it does not stop
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    result["seconds"] = round(time.perf_counter() - t0, 2)
    print(json.dumps(result, default=str))
    return 0


def _spawn(name: str) -> Dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        proc = subprocess.run([sys.executable, HERE, "--case", name], capture_output=True,
                              text=True, timeout=280, env=env)  # fmt: skip
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        return json.loads(last) if last else {"ok": False, "error": proc.stderr[-2000:]}
    except (subprocess.TimeoutExpired, ValueError) as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the JSON here")
    parser.add_argument("--runs", type=int, default=10, help="fresh runs of kept and train")
    parser.add_argument("--jobs", type=int, default=5, help="interpreters at a time")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--device", default=DEV, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ["LEAKSLEUTH_BENCH_DEVICE"] = args.device
    if args.case:
        return _child(args.case)
    try:
        import torch
    except ImportError:
        print(json.dumps({"cuda": False, "why": "torch is not installed"}))
        return 4
    if args.device == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"cuda": False, "why": "torch sees no CUDA device"}))
        return 4
    jobs = (["kept"] * args.runs + ["train"] * args.runs
            + ["fill", "varying", "run", "cost", "story"])  # fmt: skip
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(_spawn, jobs))
    by: Dict[str, List[Dict[str, Any]]] = {}
    for name, res in zip(jobs, results):
        by.setdefault(name, []).append(res)
    result: Dict[str, Any] = {
        "cuda": args.device == "cuda",
        "device": torch.cuda.get_device_name(0) if args.device == "cuda" else args.device,
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "seconds": round(time.perf_counter() - started, 1),
        "passed": {
            name: f"{sum(r.get('ok') is True for r in rs)}/{len(rs)}" for name, rs in by.items()
        },
        "cases": by,
    }
    result["ok"] = all(r.get("ok") is True for rs in by.values() for r in rs)
    text = json.dumps(result, indent=2, default=str)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
