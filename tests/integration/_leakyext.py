"""A C extension that leaks on purpose, built with gcc: the native-leak workload of the
tests and of the benchmark (``bench/native_window.py``).

``leakyext.process(n)`` calls ``leakyext_retain_buffer(n)``, which mallocs n bytes and
keeps the pointer forever, in an array that it grows with ``realloc`` now and then.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from importlib import import_module
from pathlib import Path
from types import ModuleType

SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

static void **kept = NULL;
static size_t n_kept = 0, cap_kept = 0;

/* Allocates a buffer and keeps it forever: the leak under test. */
void *leakyext_retain_buffer(size_t size) {
    void *p = malloc(size);
    if (p == NULL) return NULL;
    memset(p, 7, size);
    if (n_kept == cap_kept) {
        cap_kept = cap_kept ? cap_kept * 2 : 64;
        kept = realloc(kept, cap_kept * sizeof(void *));
    }
    kept[n_kept++] = p;
    return p;
}

static PyObject *process(PyObject *self, PyObject *args) {
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "n", &size)) return NULL;
    if (leakyext_retain_buffer((size_t)size) == NULL) return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"process", process, METH_VARARGS, "keep a buffer of the given size forever"},
    {NULL, NULL, 0, NULL},
};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "leakyext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_leakyext(void) { return PyModule_Create(&module); }
"""

# The line of the realloc that grows the array of kept pointers: a one-off, not the leak.
REALLOC_LINE = next(n for n, line in enumerate(SOURCE.splitlines(), 1) if "realloc(" in line)


def build(folder: Path) -> ModuleType:
    """Compile the extension in ``folder`` and import it as ``leakyext``."""
    (folder / "leakyext.c").write_text(SOURCE)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    include = sysconfig.get_paths()["include"]
    cmd = ["gcc", "-shared", "-fPIC", "-g", "-O1", f"-I{include}", "leakyext.c"]
    subprocess.run([*cmd, "-o", f"leakyext{suffix}"], cwd=folder, check=True)
    sys.path.insert(0, str(folder))
    try:
        return import_module("leakyext")
    finally:
        sys.path.remove(str(folder))
