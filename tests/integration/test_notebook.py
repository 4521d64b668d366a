"""The IPython extension: a real notebook executed by nbclient on a real ipykernel, and
IPython's terminal shell for the text report. Both run in child processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any, Dict, List

import pytest

nbformat = pytest.importorskip("nbformat")  # in the test extra: missing is an install error
nbclient = pytest.importorskip("nbclient")

_CELLS = [
    "%load_ext leaksleuth",
    "KEEP = []",
    "%%leaksleuth -n 300\nrow = bytearray(2500)\nKEEP.append(row)\nprint('cell ran')",
    "print(type(_).__name__, _.verdict.status, _.suspects[0].line, _.suspects[0].source)",
    "%%leaksleuth -n 300\nrows = [bytearray(2500) for _ in range(4)]\ntotal = sum(map(len, rows))",
    "%leaksleuth_last",
    "%%leaksleuth -n zero\npass",
]


def _outputs(cell: Any) -> List[Dict[str, Any]]:
    return [dict(o) for o in cell.get("outputs", [])]


@pytest.fixture(scope="module")
def notebook() -> Any:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in _CELLS]
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True)
    client.execute()
    return nb


def test_a_leaking_cell_shows_the_verdict_and_its_line(notebook: Any) -> None:
    (result,) = [o for o in _outputs(notebook.cells[2]) if o["output_type"] == "execute_result"]
    text = result["data"]["text/plain"]
    assert text.startswith("leaksleuth  cell: row = bytearray(2500) …\nLEAK  +2.")
    # The suspect is the cell's own line 1, with its source, held by the notebook's global.
    assert "1 │ row = bytearray(2500)" in text
    assert "held by module __main__ global KEEP (list, 300 items)" in text
    page = result["data"]["text/html"]
    assert page.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    assert "&quot;status&quot;:&quot;leak&quot;" in page
    # What the cell prints shows once, from its first run.
    printed = [o["text"] for o in _outputs(notebook.cells[2]) if o["output_type"] == "stream"]
    assert "".join(printed) == "cell ran\n"


def test_underscore_holds_the_report(notebook: Any) -> None:
    printed = "".join(o.get("text", "") for o in _outputs(notebook.cells[3]))
    assert printed == "Report leak 1 row = bytearray(2500)\n"


def test_a_clean_cell_and_the_last_report_again(notebook: Any) -> None:
    clean = _outputs(notebook.cells[4])[0]["data"]["text/plain"]
    assert "\nNO LEAK (" in clean
    again = _outputs(notebook.cells[5])[0]["data"]["text/plain"]
    assert again == clean


def test_a_bad_argument_is_one_line(notebook: Any) -> None:
    # IPython shows a magic's UsageError as one line on stderr, no traceback.
    (error,) = _outputs(notebook.cells[6])
    assert (error["output_type"], error["name"]) == ("stream", "stderr")
    line = "UsageError: argument -n/--iterations: invalid int value: 'zero'; usage: %%leaksleuth"
    assert error["text"].startswith(line) and error["text"].count("\n") == 1


_TERMINAL = """
from IPython.terminal.interactiveshell import TerminalInteractiveShell
shell = TerminalInteractiveShell.instance()
shell.run_cell("%load_ext leaksleuth")
shell.run_cell("KEEP = []")
shell.run_cell("%%leaksleuth -n 300\\nKEEP.append(bytearray(3000))\\n", store_history=True)
print("STATUS", shell.user_ns["_"].verdict.status)
"""


def test_ipythons_terminal_shows_the_text_report() -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_TERMINAL)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "STATUS leak" in out
    assert "\nLEAK  +2.9 KiB per iteration" in out or "\nLEAK  +3.0 KiB per iteration" in out
    assert "Top suspects" in out and "KEEP.append(bytearray(3000))" in out
    assert "<ipython-input-" in out  # the cell's own name for its line
    assert "<iframe" not in out  # text only in a terminal
