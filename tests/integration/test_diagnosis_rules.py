"""The diagnosis rules on the real library: each family's leak told, its look-alike silent.

For every rule of ``leaksleuth.analysis.diagnosis`` a small workload, written as a real
module file in ``tmp_path`` (so that its lines are the user's code), leaks the way users
leak: check() must say leak, name the pattern, point ``where`` at the workload's line
that makes or keeps the memory, and give the fix. Its look-alike does nearly the same
thing without leaking (the figure closed, the handler added once, the cache bounded...):
check() must not say leak and must tell no story at all.

Each workload marks the line the diagnosis must name with ``# HERE``. A few patterns
also have a second leaking form, as ordinary as the first (``numpy_view-one_line``,
``lru_cache_unbounded-str_results``, ``asyncio_tasks-one_loop``), told the same way.
"""

from __future__ import annotations

import gc
import linecache
import logging
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator, Tuple

import pytest

import leaksleuth
from leaksleuth.report import Report
from tests.integration._modules import load_module, marked_lines

# ---------------------------------------------------------------------------------------
# The workloads: (source of the leaking module, source of its look-alike). Each defines
# step(), the function check() calls; the leaking one marks its culprit line "# HERE".
# ---------------------------------------------------------------------------------------

PYPLOT_LEAK = """
import itertools
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

_n = itertools.count()

def step():
    fig = plt.figure(figsize=(2, 2))  # HERE
    fig.suptitle(f"run {next(_n)}")
"""
PYPLOT_CALM = """
import itertools
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

_n = itertools.count()

def step():
    fig = plt.figure(figsize=(2, 2))
    fig.suptitle(f"run {next(_n)}")
    plt.close(fig)
"""

HANDLER_LEAK = """
import io
import logging

log = logging.getLogger("diag_rules.handler_leak")
log.propagate = False

def step():
    log.addHandler(logging.StreamHandler(io.StringIO()))  # HERE
    log.info("request served")
"""
HANDLER_CALM = """
import io
import logging

log = logging.getLogger("diag_rules.handler_calm")
log.propagate = False

def step():
    if not log.handlers:
        log.addHandler(logging.StreamHandler(io.StringIO()))
    log.info("request served")
"""

LOGGER_LEAK = """
import itertools
import logging

_n = itertools.count()

def step():
    log = logging.getLogger(f"diag_rules.req.{next(_n)}")  # HERE
    log.debug("handling request")
"""
LOGGER_CALM = """
import itertools
import logging

_n = itertools.count()
log = logging.getLogger(__name__)

def step():
    log.debug("handling request %d", next(_n))
"""

LRU_METHOD_LEAK = """
import functools
import itertools

_n = itertools.count()

class Pricer:
    def __init__(self, n):
        self.n = n

    @functools.lru_cache(maxsize=None)
    def price(self, qty):
        return self.n * qty + 0.5

def step():
    Pricer(next(_n)).price(3)  # HERE
"""
LRU_METHOD_CALM = """
import functools
import itertools

_n = itertools.count()

@functools.lru_cache(maxsize=32)
def price(n, qty):
    return [n * qty + 0.5] * 8

def step():
    price(next(_n) % 8, 3)
"""

LRU_UNBOUNDED_LEAK = """
import functools
import itertools

_n = itertools.count()

@functools.cache
def load_user(user_id):
    return {"id": user_id, "name": f"user-{user_id}"}  # HERE

def step():
    load_user(next(_n))
"""
LRU_UNBOUNDED_CALM = """
import functools
import itertools

_n = itertools.count()

@functools.lru_cache(maxsize=64)
def load_user(user_id):
    return {"id": user_id, "name": f"user-{user_id}"}

def step():
    load_user(next(_n))
"""

WARNINGS_LEAK = """
import itertools
import warnings

warnings.simplefilter("default")
_n = itertools.count()

def step():
    n = next(_n)
    warnings.warn(f"record {n} deprecated", DeprecationWarning)  # HERE
"""
WARNINGS_CALM = """
import itertools
import warnings

warnings.simplefilter("default")
_n = itertools.count()

def step():
    n = next(_n)
    warnings.warn("record deprecated", DeprecationWarning)
"""

EXCEPTIONS_LEAK = """
import itertools

_n = itertools.count()
_errors = []

def parse(n):
    payload = bytes(512)
    raise ValueError(f"bad record {n}")  # HERE

def step():
    try:
        parse(next(_n))
    except ValueError as exc:
        _errors.append(exc)
"""
EXCEPTIONS_CALM = """
import itertools

_n = itertools.count()
_errors = []

def parse(n):
    payload = bytes(512)
    raise ValueError(f"bad record {n}")

def step():
    try:
        parse(next(_n))
    except ValueError as exc:
        _errors.append(str(exc))
    if len(_errors) >= 50:
        _errors.clear()
"""

DEFAULT_LEAK = """
import itertools

_n = itertools.count()

def remember(x, seen=[]):
    seen.append({"x": x, "tag": "item"})  # HERE
    return len(seen)

def step():
    remember(next(_n))
"""
DEFAULT_CALM = """
import itertools

_n = itertools.count()

def remember(x, seen=None):
    seen = [] if seen is None else seen
    seen.append({"x": x, "tag": "item"})
    return len(seen)

def step():
    remember(next(_n))
"""

LISTENERS_LEAK = """
import itertools

_n = itertools.count()
_listeners = []

def subscribe(callback):
    _listeners.append(callback)

def step():
    n = next(_n)
    subscribe(lambda event: event == n)  # HERE
    for callback in _listeners[-3:]:
        callback(n)
"""
LISTENERS_CALM = """
import itertools

_n = itertools.count()
_listeners = []

def subscribe(callback):
    _listeners.append(callback)

def step():
    n = next(_n)
    callback = lambda event: event == n
    subscribe(callback)
    for cb in _listeners[-3:]:
        cb(n)
    _listeners.remove(callback)
"""

CONTAINER_LEAK = """
import itertools

_n = itertools.count()
_history = []

def step():
    n = next(_n)
    _history.append({"n": n, "path": f"/item/{n}"})  # HERE
"""
CONTAINER_CALM = """
import collections
import itertools

_n = itertools.count()
_history = collections.deque(maxlen=50)

def step():
    n = next(_n)
    _history.append({"n": n, "path": f"/item/{n}"})
"""

OBJECT_LEAK = """
import itertools

_n = itertools.count()

class Session:
    def __init__(self):
        self.requests = []

    def handle(self, n):
        self.requests.append({"n": n, "path": f"/item/{n}"})  # HERE

SESSION = Session()

def step():
    SESSION.handle(next(_n))
"""
OBJECT_CALM = """
import itertools

_n = itertools.count()

class Session:
    def __init__(self):
        self.requests = []

    def handle(self, n):
        self.requests = []
        self.requests.append({"n": n, "path": f"/item/{n}"})

SESSION = Session()

def step():
    SESSION.handle(next(_n))
"""

TASKS_LEAK = """
import asyncio
import itertools

_n = itertools.count()
_tasks = set()

async def work(n):
    await asyncio.sleep(0)
    return n

async def main(n):
    task = asyncio.create_task(work(n))  # HERE
    _tasks.add(task)
    await task

def step():
    asyncio.run(main(next(_n)))
"""
TASKS_CALM = """
import asyncio
import itertools

_n = itertools.count()
_tasks = set()

async def work(n):
    await asyncio.sleep(0)
    return n

async def main(n):
    task = asyncio.create_task(work(n))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    await task

def step():
    asyncio.run(main(next(_n)))
"""

THREADS_LEAK = """
import threading

STOP = threading.Event()

def step():
    threading.Thread(target=STOP.wait, daemon=True).start()  # HERE
"""
THREADS_CALM = """
import threading

STOP = threading.Event()

def work():
    STOP.wait(0)

def step():
    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join()
"""

FILES_LEAK = """
import os

PATH = os.path.join(os.path.dirname(__file__), "data.txt")
_open = []

def step():
    f = open(PATH)  # HERE
    _open.append(f)
    f.read()
"""
FILES_CALM = """
import os

PATH = os.path.join(os.path.dirname(__file__), "data.txt")
_sizes = []

def step():
    with open(PATH) as f:
        f.read()
"""

NUMPY_LEAK = """
import numpy as np

_heads = []

def step():
    big = np.ones(100_000)
    _heads.append(big[:2])  # HERE
"""
NUMPY_CALM = """
import collections
import numpy as np

_heads = collections.deque(maxlen=50)

def step():
    big = np.ones(100_000)
    _heads.append(big[:2].copy())
"""

CONCAT_LEAK = """
import itertools
import pandas as pd

_n = itertools.count()
_frame = pd.DataFrame()

def step():
    global _frame
    n = next(_n)
    row = pd.DataFrame({"n": [n], "user": [f"user-{n}"], "a": [n * 0.5], "b": [n * 1.5],
                        "c": [n * 2.5], "d": [n * 3.5], "e": [n * 4.5], "f": [n * 5.5],
                        "note": [f"event {n}: " + "x" * 400]})
    _frame = pd.concat([_frame, row], ignore_index=True)  # HERE
"""
CONCAT_CALM = """
import itertools
import pandas as pd

_n = itertools.count()

def step():
    n = next(_n)
    rows = [pd.DataFrame({"n": [n + i], "a": [i * 0.5]}) for i in range(8)]
    frame = pd.concat(rows, ignore_index=True)
    return float(frame["a"].sum())
"""

LINECACHE_LEAK = """
import itertools
import linecache

_n = itertools.count()

def step():
    n = next(_n)
    name = f"<gen-{n}>"
    src = f"def handler_{n}(x):\\n    return x + {n}\\n"
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)  # HERE
    exec(compile(src, name, "exec"), {})
"""
LINECACHE_CALM = """
import itertools
import linecache

_n = itertools.count()

def step():
    n = next(_n)
    name = "<gen>"
    src = f"def handler_{n}(x):\\n    return x + {n}\\n"
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    exec(compile(src, name, "exec"), {})
"""


# More leaking forms of some patterns, each as ordinary as the first: the slice taken on
# the allocating line, a cache of strings, tasks run on one long-lived loop.
NUMPY_ONE_LINE_LEAK = """
import numpy as np

_heads = []

def step():
    _heads.append(np.ones(100_000)[:2])  # HERE
"""
LRU_STRINGS_LEAK = """
import functools
import itertools

_n = itertools.count()

@functools.cache
def render(key):
    return f"<row id={key}>" * 8  # HERE

def step():
    render(next(_n))
"""
TASKS_ONE_LOOP_LEAK = """
import asyncio
import itertools

_n = itertools.count()
_tasks = set()
_loop = asyncio.new_event_loop()

async def work(n):
    await asyncio.sleep(0)
    return n

async def main(n):
    task = asyncio.create_task(work(n))  # HERE
    _tasks.add(task)
    await task

def step():
    _loop.run_until_complete(main(next(_n)))
"""


@dataclass(frozen=True)
class Case:
    pattern: str
    leak: str
    calm: str  # "" for a second leaking form, whose look-alike is the first form's
    fix: str  # what the diagnosis's fix must say
    summary: Tuple[str, ...] = ()  # what its summary must say
    iterations: int = 400  # for the leak; the look-alike gets at least 300
    form: str = ""  # names a second leaking form of the pattern

    @property
    def id(self) -> str:
        return f"{self.pattern}-{self.form}" if self.form else self.pattern


CASES = (
    Case("pyplot_figure", PYPLOT_LEAK, PYPLOT_CALM, "plt.close", ("pyplot",), 200),
    Case("logging_handler", HANDLER_LEAK, HANDLER_CALM, "removeHandler", ("StreamHandler",)),
    Case("logger_per_call", LOGGER_LEAK, LOGGER_CALM, "getLogger(__name__)", ("named logger",)),
    Case("lru_cache_method", LRU_METHOD_LEAK, LRU_METHOD_CALM, "cached_property",
         ("Pricer.price",)),
    Case("lru_cache_unbounded", LRU_UNBOUNDED_LEAK, LRU_UNBOUNDED_CALM, "maxsize",
         ("load_user",)),
    Case("warnings_registry", WARNINGS_LEAK, WARNINGS_CALM, "message constant",
         ("__warningregistry__",)),
    Case("exceptions_kept", EXCEPTIONS_LEAK, EXCEPTIONS_CALM, "str(exc)", ("tracebacks",)),
    Case("mutable_default", DEFAULT_LEAK, DEFAULT_CALM, "None", ("remember()",)),
    Case("listeners", LISTENERS_LEAK, LISTENERS_CALM, "remove", ("callback",)),
    Case("growing_container", CONTAINER_LEAK, CONTAINER_CALM, "maxlen", ("_history",)),
    Case("kept_on_object", OBJECT_LEAK, OBJECT_CALM, "long-lived object", ("SESSION",)),
    Case("asyncio_tasks", TASKS_LEAK, TASKS_CALM, "add_done_callback", ("set",), 300),
    Case("threads_not_joined", THREADS_LEAK, THREADS_CALM, "join", ("threads",), 300),
    Case("unclosed_files", FILES_LEAK, FILES_CALM, "with", ("never closed",)),
    Case("numpy_view", NUMPY_LEAK, NUMPY_CALM, ".copy()", ("view",), 300),
    Case("dataframe_concat", CONCAT_LEAK, CONCAT_CALM, "concat once", ("pd.concat",), 700),
    Case("linecache", LINECACHE_LEAK, LINECACHE_CALM, "linecache", ("linecache",)),
    Case("numpy_view", NUMPY_ONE_LINE_LEAK, "", ".copy()", ("view",), 300, "one_line"),
    Case("lru_cache_unbounded", LRU_STRINGS_LEAK, "", "maxsize", ("render",), 400,
         "str_results"),
    Case("asyncio_tasks", TASKS_ONE_LOOP_LEAK, "", "add_done_callback", ("set",), 300,
         "one_loop"),
)  # fmt: skip
LOOK_ALIKES = tuple(c for c in CASES if c.calm)


# ---------------------------------------------------------------------------------------
# Loading a workload as a real module file, and undoing its process-wide effects.
# ---------------------------------------------------------------------------------------


def _load(folder: Path, name: str, source: str) -> ModuleType:
    """The workload as a module of that name, beside the data file some of them read."""
    (folder / "data.txt").write_text("line of data\n" * 64)
    return load_module(folder, name, source)


def _here(module: ModuleType) -> int:
    return marked_lines(module)["HERE"]


def _undo(module: ModuleType) -> None:
    """Release what a workload left in process-wide state, so the next check is clean."""
    stop = getattr(module, "STOP", None)
    if stop is not None:
        stop.set()
    for f in getattr(module, "_open", ()):
        f.close()
    loop = getattr(module, "_loop", None)
    if loop is not None:
        loop.close()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    manager = logging.Logger.manager
    for name in [n for n in manager.loggerDict if n.startswith("diag_rules.")]:
        logger = manager.loggerDict.pop(name)
        for h in list(getattr(logger, "handlers", ())):
            logger.removeHandler(h)
            h.close()
    for name in [n for n in linecache.cache if str(n).startswith("<gen")]:
        linecache.cache.pop(name, None)
    sys.modules.pop(module.__name__, None)
    gc.collect()


@pytest.fixture
def workload(tmp_path: Path) -> Iterator[Callable[[str, str], ModuleType]]:
    loaded = []

    def load(name: str, source: str) -> ModuleType:
        module = _load(tmp_path, name, source)
        loaded.append(module)
        return module

    # The warnings workloads set their own filter: keep it in here, and show what they
    # warn nowhere rather than in pytest's record of warnings (a list that would grow with
    # every message, a second leak beside the registry's).
    with warnings.catch_warnings():
        warnings.showwarning = lambda *args, **kwargs: None
        try:
            yield load
        finally:
            for module in loaded:
                _undo(module)


def _explain(report: Report) -> str:
    """What a failure needs to be understood: the verdict, the holders, types, stories."""
    holders = list(report.holders) + [h for s in report.suspects for h in s.holders]
    sites = [
        (os.path.basename(s.file), s.line, s.source, round(s.bytes_per_iteration))
        for s in report.suspects
    ]
    return "\n".join(
        [
            f"verdict: {report.verdict.status} ({report.verdict.kind}): {report.verdict.reason}",
            f"memory: {[(p.name, p.status, p.per_iteration) for p in report.memory]}",
            f"holders: {[(h.root_kind, h.root, h.path) for h in holders]}",
            f"sites: {sites}",
            f"growing types: {[(t.type, t.objects_per_iteration) for t in report.growing_types]}",
            f"diagnoses: {[(d.pattern, d.where, d.summary) for d in report.diagnoses]}",
        ]
    )


# ---------------------------------------------------------------------------------------
# The tests.
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_leak_is_told_by_its_rule_at_its_line_with_its_fix(
    case: Case, workload: Callable[[str, str], ModuleType]
) -> None:
    module = workload(f"wl_{case.pattern}_{case.form or 'leak'}", case.leak)
    report = leaksleuth.check(module.step, max_iterations=case.iterations)
    why = _explain(report)
    assert report.verdict.status == "leak", why
    found = {d.pattern: d for d in report.diagnoses}
    assert case.pattern in found, why
    story = found[case.pattern]
    assert story.where == f"{os.path.basename(module.__file__ or '')}:{_here(module)}", why
    assert case.fix in story.fix, story.fix
    for words in case.summary:
        assert words in story.summary, story.summary


@pytest.mark.parametrize("case", LOOK_ALIKES, ids=[c.id for c in LOOK_ALIKES])
def test_the_look_alike_is_not_a_leak_and_tells_no_story(
    case: Case, workload: Callable[[str, str], ModuleType]
) -> None:
    module = workload(f"wl_{case.pattern}_calm", case.calm)
    report = leaksleuth.check(module.step, max_iterations=max(case.iterations, 300))
    why = _explain(report)
    assert report.verdict.status != "leak", why
    assert report.diagnoses == (), why
