"""The bootstrap ``leaksleuth imports`` runs in a fresh interpreter: it measures every
import the program makes, runs the program, and writes what it saw as JSON::

    python .../_imports_child.py MODE OUT (script PATH | module NAME) [ARGS...]

MODE is ``time`` (wall time, RSS and the C heap of each import, tracemalloc off) or
``memory`` (the Python heap of each import, under tracemalloc, which slows imports down
unevenly and adds to the C heap: hence two runs).

It is run as a file, not with ``-m leaksleuth...``: importing the ``leaksleuth`` package
would load modules (rich, json, dataclasses...) that the program may import itself, and
those would then not be measured. Before the program runs this file imports only what a
bare interpreter has already loaded (sys, os, io, time, _thread), the builtin
``_tracemalloc`` and, for the C heap, the ``_ctypes`` extension alone (``ctypes`` itself
would load ``struct`` and ``types``). A ``-m`` target also needs ``runpy``, as ``python -m``
does itself. Anything else (json, traceback) is imported after the program has run.

The hook: CPython's import statement calls ``_frozen_importlib._find_and_load(name, ...)``
for each module not yet in ``sys.modules``, looked up by name on every call, and
``importlib.import_module`` calls the same function; ``-X importtime`` times that very
call. Replacing it measures the finding, creating and executing of every module the
import system loads, builtin, frozen and extension modules included. A stack per thread
tells who imported whom; the cost of the measuring itself is subtracted.
"""

# No `from __future__ import annotations` and no `typing` at run time: both are modules
# a bare interpreter has not loaded (typing brings re, enum, collections...). Annotations
# naming typing's types are strings; mypy reads the block below (TYPE_CHECKING is true
# for it, whatever its value here).
import _thread
import io
import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Tuple

    Reader = Callable[[], int]

_perf = time.perf_counter
_MALLINFO2_FIELDS = (
    "arena", "ordblks", "smblks", "hblks", "hblkhd",
    "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
)  # fmt: skip


class Record:
    """One module's import: the costs are cumulative (children included); -1 for no parent."""

    __slots__ = ("c_heap", "error", "name", "parent", "py_bytes", "rss", "seconds", "thread")

    def __init__(self, name: str, parent: int, thread: int) -> None:
        self.name = name
        self.parent = parent
        self.thread = thread
        self.seconds = 0.0
        self.py_bytes: Optional[int] = None
        self.rss: Optional[int] = None
        self.c_heap: Optional[int] = None
        self.error: Optional[str] = None


def rss_reader() -> "Tuple[Optional[Reader], str]":
    """Current RSS in bytes from /proc/self/statm; psutil where /proc is absent."""
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        try:
            import psutil  # only where /proc is missing: then psutil is not measured
        except ImportError:
            return None, "unavailable: no /proc/self/statm and no psutil"
        process = psutil.Process()
        return (lambda: int(process.memory_info().rss)), "psutil"
    page = os.sysconf("SC_PAGE_SIZE")
    return (lambda: int(os.pread(fd, 128, 0).split()[1]) * page), "/proc/self/statm"


def c_heap_reader() -> "Tuple[Optional[Reader], str]":
    """Bytes malloc has handed out (glibc ``mallinfo2``: uordblks + hblkhd), or None."""
    if not sys.platform.startswith("linux"):
        return None, "unavailable: glibc mallinfo2 is Linux only"
    try:
        import _ctypes
    except ImportError:
        return None, "unavailable: no _ctypes"

    class SizeT(_ctypes._SimpleCData):  # type: ignore[type-arg]
        _type_ = "L"  # unsigned long is size_t on every Linux ABI (LP64 and ILP32)

    class MallInfo2(_ctypes.Structure):
        _fields_ = tuple((name, SizeT) for name in _MALLINFO2_FIELDS)

    class Function(_ctypes.CFuncPtr):
        _flags_ = _ctypes.FUNCFLAG_CDECL
        _restype_ = MallInfo2

    try:
        handle = _ctypes.dlopen(None, os.RTLD_NOW)  # type: ignore[arg-type]
        mallinfo2 = Function(_ctypes.dlsym(handle, "mallinfo2"))
    except OSError:
        return None, "unavailable: no mallinfo2 (glibc older than 2.33, or not glibc)"

    def read() -> int:
        info = mallinfo2()
        return int(info.uordblks + info.hblkhd)

    return read, "glibc mallinfo2 (uordblks + hblkhd)"


class ImportRecorder:
    """Replaces ``_find_and_load`` while installed; ``records`` lists every import.

    ``heap`` reads the traced Python heap (``lambda: 0`` in the time run); ``rss`` and
    ``c_heap`` are read only when given. Each import's own bookkeeping (its record, the
    readings) is timed and weighed, and subtracted from the figures of the imports
    that enclose it.
    """

    def __init__(
        self, heap: "Reader", rss: "Optional[Reader]" = None, c_heap: "Optional[Reader]" = None
    ) -> None:
        self.records: List[Record] = []
        self._heap, self._rss, self._c_heap = heap, rss, c_heap
        self._stacks: Dict[int, List[int]] = {}
        self._overhead_s = 0.0
        self._overhead_bytes = 0
        self._bootstrap: Any = sys.modules["_frozen_importlib"]
        self._original: Callable[[str, Any], Any] = self._bootstrap._find_and_load

    def install(self) -> None:
        self._bootstrap._find_and_load = self.find_and_load

    def uninstall(self) -> None:
        self._bootstrap._find_and_load = self._original

    def find_and_load(self, name: str, import_: "Any") -> "Any":
        if name in sys.modules:
            # Loaded already (importlib.import_module calls this for every name), or
            # still loading: a circular import, or another thread's import to wait for.
            return self._original(name, import_)
        parent_package = name.rpartition(".")[0]
        if parent_package and parent_package not in sys.modules:
            # The import system would load the package inside its submodule's import
            # (-X importtime shows it nested there); the code asked for both, so load it
            # first and the package becomes the importer's child, like the submodule.
            self.find_and_load(parent_package, import_)
            if name in sys.modules:  # the package imported it
                return self._original(name, import_)
        entered, heap_entered = _perf(), self._heap()
        thread = _thread.get_ident()
        stack = self._stacks.setdefault(thread, [])
        record = Record(name, stack[-1] if stack else -1, thread)
        stack.append(len(self.records))
        self.records.append(record)
        rss0 = self._rss() if self._rss else 0
        c0 = self._c_heap() if self._c_heap else 0
        heap0, t0 = self._heap(), _perf()
        self._overhead_s += t0 - entered
        self._overhead_bytes += heap0 - heap_entered
        inner_s, inner_bytes = self._overhead_s, self._overhead_bytes
        try:
            return self._original(name, import_)
        except BaseException as exc:
            record.error = type(exc).__name__
            raise
        finally:
            t1, heap1 = _perf(), self._heap()
            record.seconds = t1 - t0 - (self._overhead_s - inner_s)
            record.py_bytes = heap1 - heap0 - (self._overhead_bytes - inner_bytes)
            if self._rss:
                record.rss = self._rss() - rss0
            if self._c_heap:
                record.c_heap = self._c_heap() - c0
            stack.pop()
            self._overhead_s += _perf() - t1
            self._overhead_bytes += self._heap() - heap1


def run_script(path: str, args: "List[str]") -> None:
    """Run ``path`` as ``python path args...`` would, without runpy (which imports)."""
    sys.argv[:] = [path, *args]
    with io.open_code(path) as fh:
        source = fh.read()
    code = compile(source, os.path.abspath(path), "exec", dont_inherit=True)
    main = type(sys)("__main__")
    external: Any = sys.modules["_frozen_importlib_external"]
    main.__dict__.update(
        __file__=os.path.abspath(path),
        __builtins__=__builtins__,
        __cached__=None,
        __loader__=external.SourceFileLoader("__main__", os.path.abspath(path)),
    )
    sys.modules["__main__"] = main
    exec(code, main.__dict__)


def missing_module(name: str) -> "Optional[str]":
    """Why ``python -m name`` could not start, or None when it can."""
    import importlib.util  # loaded by runpy already

    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (name == exc.name or name.startswith(f"{exc.name}.")):
            raise  # a package of the program imports something missing: its error
        return f"no module named {exc.name!r}"
    if spec is None:
        return f"no module named {name!r}"
    package = spec.submodule_search_locations is not None
    if package and importlib.util.find_spec(f"{name}.__main__") is None:
        return f"{name!r} is a package without a __main__ module; it cannot be run"
    return None


def run_module(name: str, args: "List[str]") -> None:
    import runpy  # loaded before the hook, as python -m has it loaded

    sys.argv[:] = [name, *args]
    runpy.run_module(name, run_name="__main__", alter_sys=True)


def exit_status(code: "Any") -> int:
    """The status ``sys.exit(code)`` ends a process with; a message is printed as Python does
    (``leaksleuth run``'s child ends its program so too)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def describe(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def print_failure(exc: BaseException) -> None:
    """The program's traceback as Python would print it, without this file's frames."""
    import traceback

    report = traceback.TracebackException.from_exception(exc)
    pending: List[Optional[traceback.TracebackException]] = [report]
    seen = set()
    while pending:
        item = pending.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        kept = [frame for frame in item.stack if frame.filename != __file__]
        item.stack = traceback.StackSummary.from_list(kept)
        pending += [item.__cause__, item.__context__]
    sys.stderr.write("".join(report.format()))


def readers(
    mode: str,
) -> "Tuple[Reader, Tuple[Optional[Reader], str], Tuple[Optional[Reader], str]]":
    """The Python heap, RSS and C heap readers of this run, with where each reads from.

    Both runs load the same modules (``_tracemalloc``, ``_ctypes``), so that what was
    loaded before the program is the same in both.
    """
    import _tracemalloc

    rss, c_heap = rss_reader(), c_heap_reader()
    if mode == "time":
        return (lambda: 0), rss, c_heap
    _tracemalloc.start(1)
    skipped = (None, "read in the time run")
    return (lambda: int(_tracemalloc.get_traced_memory()[0])), skipped, skipped


def main(argv: "List[str]") -> int:
    """Measure the imports of the program named by ``argv``, run it, write the results."""
    mode, out, kind, target, *args = argv
    # Where the program's own imports are looked for first, as python would set it.
    sys.path[0] = os.getcwd() if kind == "module" else os.path.dirname(os.path.realpath(target))
    if kind == "module":
        import runpy  # noqa: F401  (python -m has it loaded before the module runs)
    heap, (rss, rss_source), (c_heap, c_heap_source) = readers(mode)
    preloaded = sorted(sys.modules)
    recorder = ImportRecorder(heap, rss, c_heap)
    program: Dict[str, Any] = {"status": 0, "error": None, "not_found": None}
    failure: Optional[BaseException] = None
    started, heap0 = _perf(), heap()
    rss0, c0 = (rss() if rss else None), (c_heap() if c_heap else None)
    recorder.install()
    try:
        if kind == "script":
            run_script(target, args)
        elif (program_missing := missing_module(target)) is not None:
            program.update(status=2, not_found=program_missing)
        else:
            run_module(target, args)
    except SystemExit as exc:
        program["status"] = exit_status(exc.code)
    except BaseException as exc:  # the program's own failure: recorded, shown as Python would
        failure = exc
        program.update(status=130 if isinstance(exc, KeyboardInterrupt) else 1, error=describe(exc))
    finally:
        recorder.uninstall()
        program["seconds"] = _perf() - started
        program["py_bytes"] = heap() - heap0 if mode == "memory" else None
        program["rss"] = rss() - rss0 if rss and rss0 is not None else None
        program["c_heap"] = c_heap() - c0 if c_heap and c0 is not None else None
    write_results(out, mode, preloaded, recorder.records, program, rss_source, c_heap_source)
    if failure is not None:
        print_failure(failure)
    return int(program["status"])


def write_results(
    out: str,
    mode: str,
    preloaded: "List[str]",
    records: "List[Record]",
    program: "Dict[str, Any]",
    rss_source: str,
    c_heap_source: str,
) -> None:
    import json  # the program has run: imports no longer count

    data = {
        "mode": mode,
        "python": sys.version.split()[0],
        "main_thread": _thread.get_ident(),
        "preloaded": preloaded,
        "rss_source": rss_source,
        "c_heap_source": c_heap_source,
        "program": program,
        "records": [{key: getattr(r, key) for key in Record.__slots__} for r in records],
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(data, fh)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
