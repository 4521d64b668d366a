"""``leaksleuth imports``: the import tree and its figures, against known costs and
against ``python -X importtime``; the JSON document; the HTML page in headless Chromium;
bad input.

Every test runs the real command (``python -m leaksleuth imports``), which runs the
program twice in fresh interpreters. The generated package sleeps and allocates known
amounts at import: tracemalloc's figures are near exact, times are at least the sleeps.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import stat
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import pytest

from tests.integration.test_html import _FLAGS, ARTIFACTS, CHROMIUM

MIB = 2**20
# A module name that is markup: the page must show it as text, never run it.
ODD_NAME = "</script><script>pwned=1</script><img src=x onerror=pwned=2>"

PACKAGE = {
    "weights/__init__.py": "",
    "weights/heavy.py": (
        "import time\nfrom weights import light\ntime.sleep(0.2)\nDATA = bytearray(4 * 2**20)\n"
    ),
    "weights/light.py": "import time\ntime.sleep(0.05)\nDATA = bytearray(2**20)\n",
    "weights/slow.py": "import time\ntime.sleep(0.4)\n",
    "weights/big.py": "DATA = bytearray(8 * 2**20)\n",
}
# The odd name is served by a finder of the script's own, with a cost of its own.
SCRIPT = f"""\
import importlib.machinery
import sys
import time


class OddFinder:
    def find_spec(self, name, path=None, target=None):
        return importlib.machinery.ModuleSpec(name, self) if name.startswith("<") else None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        time.sleep(0.08)
        module.DATA = bytearray(2 * 2**20)


sys.meta_path.insert(0, OddFinder())
import weights.heavy
import weights.slow
import weights.big
__import__({ODD_NAME!r})
print("the program's own output")
"""


def _imports(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leaksleuth", "imports", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("imports")
    for name, text in PACKAGE.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(text)
    (root / "main.py").write_text(SCRIPT)
    return root


@pytest.fixture(scope="module")
def profiled(project: Path) -> Tuple[Dict[str, Any], Path]:
    """One run of the command on the generated package: its JSON and its page."""
    page = project / "imports.html"
    done = _imports("--json", "--html", str(page), "main.py", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "the program's own output" in done.stderr  # not in stdout, which is the JSON's
    return json.loads(done.stdout), page


def _by_name(data: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {m["name"]: m for m in data["modules"]}


def _near(value: float, expected: float) -> bool:
    return abs(value - expected) <= 0.1 * expected + 64 * 1024


def test_the_tree_tells_who_imported_whom_and_what_each_cost_on_its_own(
    profiled: Tuple[Dict[str, Any], Path],
) -> None:
    mods = _by_name(profiled[0])
    heavy, light, slow, big = (mods[f"weights.{n}"] for n in ("heavy", "light", "slow", "big"))
    # light was imported by heavy; the package and the rest by the script itself.
    assert light["parent"] == "weights.heavy"
    assert light["parent_index"] == heavy["index"] and light["depth"] == heavy["depth"] + 1
    for top in (heavy, slow, big, mods["weights"], mods[ODD_NAME]):
        assert top["parent"] is None and top["depth"] == 0
    # The Python heap: each module keeps its bytearray; heavy's cumulative has light's.
    assert _near(light["self_bytes"], MIB) and _near(light["cumulative_bytes"], MIB)
    assert _near(heavy["self_bytes"], 4 * MIB)
    assert _near(heavy["cumulative_bytes"], 5 * MIB)
    assert _near(big["self_bytes"], 8 * MIB) and _near(mods[ODD_NAME]["self_bytes"], 2 * MIB)
    assert abs(slow["cumulative_bytes"]) < 64 * 1024
    # RSS and the C heap grow by the same buffers (the C heap is glibc's mallinfo2).
    assert _near(heavy["cumulative_c_heap_bytes"], 5 * MIB)
    assert _near(big["self_c_heap_bytes"], 8 * MIB)
    assert heavy["cumulative_rss_bytes"] >= 4.5 * MIB
    # Times: at least each sleep, heavy's own time without light's sleep.
    assert light["self_seconds"] >= 0.05
    assert heavy["self_seconds"] >= 0.2 and heavy["cumulative_seconds"] >= 0.25
    assert heavy["self_seconds"] < heavy["cumulative_seconds"] - 0.045
    assert slow["cumulative_seconds"] >= 0.4
    assert slow["cumulative_seconds"] > heavy["cumulative_seconds"] > light["cumulative_seconds"]


def test_the_table_puts_the_heaviest_branch_first_by_time_or_by_memory(project: Path) -> None:
    by_time = _imports("--min-percent", "5", "main.py", cwd=project)
    assert by_time.returncode == 0, by_time.stderr
    lines = by_time.stdout.splitlines()
    names = [line.split("  ")[-1].strip() for line in lines]
    assert names.index("weights.slow") < names.index("weights.heavy") < names.index(ODD_NAME)
    light = names.index("weights.light")
    assert light == names.index("weights.heavy") + 1  # right under its importer, indented
    assert re.search(r"\d ms +\S+ MiB +\S+ MiB +\S+ MiB {4}weights\.light$", lines[light])
    # big took little time (zeroing its pages): folded, with the program's lighter imports,
    # into one line that tells what they took together.
    assert "weights.big" not in names
    assert any(re.fullmatch(r" +\+ \d+ more \(\d+\.\d ms, .*\)", line) for line in lines)
    by_memory = _imports("--sort", "memory", "main.py", cwd=project)
    names = [line.split("  ")[-1].strip() for line in by_memory.stdout.splitlines()]
    assert names.index("weights.big") < names.index("weights.heavy") < names.index(ODD_NAME)
    assert "weights.slow" not in names  # it keeps no memory


def test_the_json_document_has_the_documented_fields(
    profiled: Tuple[Dict[str, Any], Path],
) -> None:
    data = profiled[0]
    assert data["schema"] == 1
    assert data["target"] == "main.py"
    assert data["program"] == {"status": 0, "error": None, "seconds": data["program"]["seconds"]}
    assert data["module_count"] == len(data["modules"]) > 5
    fields = {
        "index", "name", "parent", "parent_index", "depth", "self_seconds",
        "cumulative_seconds", "self_bytes", "cumulative_bytes", "self_rss_bytes",
        "cumulative_rss_bytes", "self_c_heap_bytes", "cumulative_c_heap_bytes", "error",
        "main_thread",
    }  # fmt: skip
    for i, m in enumerate(data["modules"]):
        assert set(m) == fields
        assert m["index"] == i
        if m["parent_index"] is not None:
            assert data["modules"][m["parent_index"]]["name"] == m["parent"]
            assert m["parent_index"] < i
    top = [m for m in data["modules"] if m["parent"] is None]
    assert data["total_seconds"] == pytest.approx(sum(m["cumulative_seconds"] for m in top))
    assert data["total_bytes"] == sum(m["cumulative_bytes"] for m in top)
    assert data["program"]["seconds"] >= data["total_seconds"] >= 0.7
    assert {"sys", "builtins"} <= set(data["preloaded"])
    assert "weights" not in data["preloaded"]
    assert set(data["sources"]) == {"seconds", "bytes", "rss_bytes", "c_heap_bytes"}


class _Line(NamedTuple):
    """One line of ``-X importtime``: a module, its cumulative seconds, the line of the
    module whose import it was part of (importtime prints a module after its imports)."""

    name: str
    cumulative: float
    parent: Optional[int]


def _importtime(code: str, cwd: Path) -> List[_Line]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines: List[_Line] = []
    waiting: Dict[int, List[int]] = {}  # depth -> lines whose parent is not printed yet
    for text in done.stderr.splitlines():
        found = re.fullmatch(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", text)
        if found is None:
            continue
        depth, here = len(found.group(2)) // 2, len(lines)
        for child in waiting.pop(depth + 1, []):
            lines[child] = lines[child]._replace(parent=here)
        waiting.setdefault(depth, []).append(here)
        lines.append(_Line(found.group(3), int(found.group(1)) / 1e6, None))
    return lines


def _importer(lines: List[_Line], index: int) -> Optional[str]:
    """The module that asked for line ``index``'s module. importtime nests a package under
    the submodule whose import loaded it; leaksleuth makes it a child of the importer."""
    name, parent = lines[index].name, lines[index].parent
    while parent is not None and lines[parent].name.startswith(f"{name}."):
        parent = lines[parent].parent
    return None if parent is None else lines[parent].name


def test_the_heaviest_imports_of_matplotlib_rank_as_python_x_importtime_ranks_them(
    tmp_path: Path,
) -> None:
    (tmp_path / "plot.py").write_text("import matplotlib.pyplot\n")
    done = _imports("--json", "plot.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    ours: Dict[str, Dict[str, Any]] = {}
    for m in json.loads(done.stdout)["modules"]:
        ours.setdefault(m["name"], m)
    # importtime's figures are noisy: the median of three runs, each module's first line
    # (a module is printed again when a package's import loaded it on the way).
    runs = [_importtime("import matplotlib.pyplot", tmp_path) for _ in range(3)]
    firsts: List[Dict[str, int]] = [{} for _ in runs]
    for first, run in zip(firsts, runs):
        for i, line in enumerate(run):
            first.setdefault(line.name, i)
    theirs = {
        name: statistics.median(run[first[name]].cumulative for run, first in zip(runs, firsts))
        for name in firsts[0]
        if all(name in first for first in firsts)
    }
    # The submodules importtime nested a package under: their cumulative figures have the
    # package's in importtime, not in leaksleuth. Leave them out.
    lines = runs[0]
    nesting = {
        lines[line.parent].name
        for line in lines
        if line.parent is not None and lines[line.parent].name.startswith(f"{line.name}.")
    }
    comparable = [n for n in theirs if n in ours and n not in nesting]
    heaviest = sorted(comparable, key=theirs.__getitem__, reverse=True)[:15]
    assert {"matplotlib", "matplotlib.figure", "numpy"} <= set(heaviest)
    pairs = [(a, b) for a, b in itertools.combinations(heaviest, 2) if theirs[a] >= 2 * theirs[b]]
    assert len(pairs) >= 15
    for heavier, lighter in pairs:
        assert ours[heavier]["cumulative_seconds"] > ours[lighter]["cumulative_seconds"], (
            heavier,
            lighter,
        )
    for name in heaviest:  # and the same importers
        assert ours[name]["parent"] == _importer(lines, firsts[0][name]), name


# Run in a child process, as in test_html: the page, then the Python heap button.
_BROWSER = """
import json, sys
from playwright.sync_api import sync_playwright
chromium, flags, uri, shot = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
NODES = '''els => els.map(e => ({name: e.dataset.name, text: e.textContent,
    width: e.getBoundingClientRect().width}))'''
errors, seen = [], {}
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=chromium, args=flags)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        tab.goto(uri)
        tab.wait_for_load_state("load")
        for metric in ("seconds", "bytes"):
            tab.click(f'button[data-metric="{metric}"]')
            seen[metric] = {
                "nodes": tab.eval_on_selector_all(".node[data-name]", NODES),
                "pressed": tab.get_attribute(f'button[data-metric="{metric}"]', "aria-pressed"),
            }
            tab.screenshot(path=f"{shot}-{metric}.png", full_page=True)
        print(json.dumps({
            "errors": errors, "seen": seen, "dom": tab.content(),
            "rendered": tab.evaluate("document.body.dataset.rendered"),
            "pwned": tab.evaluate("typeof window.pwned"),
            "scripts": tab.evaluate("document.scripts.length"),
            "images": tab.evaluate("document.images.length"),
        }))
    finally:
        browser.close()
"""


def _open(page: Path, shot: Path) -> Dict[str, Any]:
    assert CHROMIUM, "chromium is missing: `make test` installs it (apt-get install chromium)"
    args = [CHROMIUM, json.dumps(_FLAGS), page.as_uri(), str(shot)]
    done = subprocess.run(
        [sys.executable, "-c", _BROWSER, *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    loaded: Dict[str, Any] = json.loads(done.stdout)
    return loaded


def _widest(nodes: List[Dict[str, Any]]) -> str:
    return str(max(nodes, key=lambda n: n["width"])["name"])


def test_the_page_draws_the_icicle_switches_to_memory_and_shows_markup_as_text(
    profiled: Tuple[Dict[str, Any], Path],
) -> None:
    page = profiled[1]
    assert stat.S_IMODE(os.stat(page).st_mode) == 0o600
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing fetched
    ARTIFACTS.mkdir(exist_ok=True)
    loaded = _open(page, ARTIFACTS / "imports")
    assert loaded["errors"] == [] and loaded["rendered"] == "yes"
    by_time, by_memory = loaded["seen"]["seconds"], loaded["seen"]["bytes"]
    # Time: the 0.4 s sleep is the widest; the Python heap: the 8 MiB buffer.
    assert _widest(by_time["nodes"]) == "weights.slow"
    assert _widest(by_memory["nodes"]) == "weights.big"
    assert by_time["pressed"] == "true" and by_memory["pressed"] == "true"
    slow_label = next(n["text"] for n in by_time["nodes"] if n["name"] == "weights.slow")
    big_label = next(n["text"] for n in by_memory["nodes"] if n["name"] == "weights.big")
    slow_ms = re.fullmatch(r"weights\.slow (\d+\.\d) ms", slow_label)
    assert slow_ms is not None and float(slow_ms.group(1)) >= 400
    assert re.fullmatch(r"weights\.big [78]\.\d MiB", big_label)
    # The odd name is a node's text, escaped in the DOM, and none of it ran.
    (odd,) = [n for n in by_time["nodes"] if n["name"] == ODD_NAME]
    assert odd["text"].startswith(ODD_NAME)
    assert "&lt;/script&gt;&lt;script&gt;pwned=1&lt;/script&gt;&lt;img" in loaded["dom"]
    assert loaded["pwned"] == "undefined"
    assert loaded["scripts"] == 2 and loaded["images"] == 0


def test_a_missing_script_or_module_is_one_line_and_status_2(project: Path) -> None:
    for args in (["no_such_script.py"], ["-m", "no_such_module"], []):
        done = _imports(*args, cwd=project)
        assert done.returncode == 2, args
        assert done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert line.startswith("leaksleuth: error: ")
    missing = _imports("-m", "weights.nothing_here", cwd=project)
    assert missing.stderr == (
        "leaksleuth: error: cannot run -m weights.nothing_here: "
        "no module named 'weights.nothing_here'\n"
    )


def test_a_program_that_raises_still_gets_its_report_and_status_1(project: Path) -> None:
    (project / "fails.py").write_text("import weights.light\nraise KeyError('no config')\n")
    done = _imports("--json", "fails.py", cwd=project)
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["program"]["status"] == 1
    assert data["program"]["error"] == "KeyError: 'no config'"
    assert [m["name"] for m in data["modules"]] == ["weights", "weights.light"]
    # The program's traceback, as Python prints it (no frame of leaksleuth's), then one line.
    assert 'fails.py", line 2, in <module>' in done.stderr
    assert "_imports_child" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "leaksleuth: the program failed (KeyError: 'no config'); the report covers what it "
        "imported until then"
    )
