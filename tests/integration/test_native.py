"""Native attribution with memray, on a real C extension built here with gcc."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

import leaksleuth
from leaksleuth import CheckOptions
from tests.integration._leakyext import REALLOC_LINE, build

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("gcc") is None,
    reason="builds a C extension with gcc; memray's native stacks are Linux's and macOS's",
)


@pytest.fixture(scope="module")
def leakyext(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return build(tmp_path_factory.mktemp("leakyext"))


def test_a_native_leak_in_an_extension_is_traced_to_its_c_function(
    leakyext: ModuleType,
) -> None:
    def frame() -> None:
        leakyext.process(8192)

    report = leaksleuth.check(frame, max_iterations=300)
    v = report.verdict
    assert (v.status, v.kind) == ("leak", "native"), v.reason
    assert report.native, report.notes
    top = report.native[0]
    assert top.native[0].startswith("leakyext_retain_buffer ("), top.native
    assert top.python_function == "frame"
    assert top.python[0] == f"{__file__}:{frame.__code__.co_firstlineno + 1}"
    assert 7000 < top.bytes_per_iteration < 9500
    assert 0.9 < top.allocations_per_iteration < 1.1
    assert report.meta["native_window"]["iterations"] == 30
    # the realloc of the list that keeps the buffers happens once in a while: a one-off
    realloc = f"leakyext.c:{REALLOC_LINE})"
    assert all(not s.native[0].endswith(realloc) for s in report.native if s.native)


def test_native_false_never_traces(leakyext: ModuleType) -> None:
    report = leaksleuth.check(
        lambda: leakyext.process(4096), max_iterations=300, options=CheckOptions(native=False)
    )
    assert report.verdict.kind == "native"
    assert report.native == ()
    assert any("--native" in n for n in report.notes)


WITHOUT_MEMRAY = textwrap.dedent(
    """
    import sys
    sys.modules["memray"] = None  # as if it were not installed
    import ctypes, leaksleuth
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    kept = []
    def work():
        address = libc.malloc(16384)
        ctypes.memset(address, 1, 16384)
        kept.append(address)
    report = leaksleuth.check(work, max_iterations=300)
    print(report.verdict.kind)
    print("\\n".join(report.notes))
    """
)


def test_without_memray_the_report_says_how_to_get_it() -> None:
    env = dict(os.environ)
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_MEMRAY], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    kind, *notes = done.stdout.splitlines()
    assert kind == "native"
    assert any("pip install 'leaksleuth[native]'" in n for n in notes), notes


def test_the_cli_traces_native_stacks_on_request(leakyext: ModuleType, tmp_path: Path) -> None:
    target = tmp_path / "job.py"
    target.write_text("import leakyext\n\n\ndef work():\n    leakyext.process(8192)\n")
    folder = os.path.dirname(leakyext.__file__ or "")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([folder, *sys.path]))
    argv = [sys.executable, "-m", "leaksleuth", "check", f"{target}:work", "--native"]
    done = subprocess.run(
        [*argv, "--no-progress"], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr  # a leak
    assert "Native allocations that grow" in done.stdout
    assert "leakyext_retain_buffer" in done.stdout
    assert "called from Python: work at job.py:5" in done.stdout
