"""The memray window's cost, next to memray's own whole-run cost, on a real native leak.

Builds a small C extension with gcc (a function that keeps a malloc'd buffer per call),
then times, in one process: the bare loop; ``check(native=True)``, whose memray window
(10 + 20 iterations with native stacks, and reading them back) is timed on its own; and
the same loop under ``memray.Tracker(native_traces=True)`` from start to end.

    python bench/native_window.py --out native_window.json [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from importlib import import_module
from typing import Any, Callable

import memray

import leaksleuth
from leaksleuth import CheckOptions

SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
static void **kept = NULL;
static size_t n_kept = 0, cap_kept = 0;
void *bench_retain(size_t size) {
    void *p = malloc(size);
    memset(p, 1, size);
    if (n_kept == cap_kept) {
        cap_kept = cap_kept ? cap_kept * 2 : 64;
        kept = realloc(kept, cap_kept * sizeof(void *));
    }
    kept[n_kept++] = p;
    return p;
}
static PyObject *work(PyObject *self, PyObject *args) {
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "n", &size)) return NULL;
    bench_retain((size_t)size);
    Py_RETURN_NONE;
}
static PyMethodDef methods[] = {{"work", work, METH_VARARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "benchleak", NULL, -1, methods};
PyMODINIT_FUNC PyInit_benchleak(void) { return PyModule_Create(&module); }
"""


def build(folder: str) -> Any:
    with open(os.path.join(folder, "benchleak.c"), "w", encoding="utf-8") as f:
        f.write(SOURCE)
    out = "benchleak" + str(sysconfig.get_config_var("EXT_SUFFIX"))
    include = sysconfig.get_paths()["include"]
    cmd = ["gcc", "-shared", "-fPIC", "-g", "-O1", f"-I{include}", "benchleak.c", "-o", out]
    subprocess.run(cmd, cwd=folder, check=True)
    sys.path.insert(0, folder)
    return import_module("benchleak")


def loop_time(fn: Callable[[], object], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 5
    n = 300
    with tempfile.TemporaryDirectory() as folder:
        ext = build(folder)

        def step() -> None:
            ext.work(8192)
            sum(range(2000))  # some Python work around the native call

        bare = statistics.median(loop_time(step, n) for _ in range(rounds))
        whole = []
        for r in range(rounds):
            path = os.path.join(folder, f"whole{r}.bin")
            t0 = time.perf_counter()
            with memray.Tracker(path, native_traces=True):
                loop_time(step, n)
            whole.append(time.perf_counter() - t0)
            os.remove(path)
        report = leaksleuth.check(step, max_iterations=300, options=CheckOptions(native=True))
        window = report.meta.get("native_window", {})
    result = {
        "bare_s": bare,
        "iterations": n,
        "memray_whole_run_s": statistics.median(whole),
        "memray_ratio": statistics.median(whole) / bare,
        "window_s": window.get("seconds"),
        "window_iterations": window.get("iterations"),
        "verdict": report.verdict.status,
        "kind": report.verdict.kind,
        "top_native_frame": report.native[0].native[0] if report.native else "",
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
