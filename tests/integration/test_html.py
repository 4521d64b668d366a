"""The HTML report, opened in real headless Chromium (Debian's ``chromium``).

``make test`` installs Chromium when it is missing. Playwright drives it. The page is
loaded from a file with the network off; the test reads the DOM the page's script built
and the browser's console, and saves a screenshot under ``test-artifacts/``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

import leaksleuth
from leaksleuth.render import _html
from leaksleuth.report import Report

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_KEPT: List[bytes] = []


def _leak() -> None:
    _KEPT.append(bytes(4096))


_LEAK_LINE = _leak.__code__.co_firstlineno + 1


_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclasses.dataclass
class Loaded:
    dom: str
    errors: List[str]  # console errors and uncaught exceptions
    frames: List[str]  # the DOM of each iframe, in order
    heights: List[float]  # each iframe's height on the page, in CSS pixels


# Run in a child process: Playwright and its event loop would otherwise stay in the test
# process, whose heap the later retention tests walk within a time budget.
_BROWSER = """
import json, sys
from playwright.sync_api import sync_playwright
chromium, flags, uri, shot = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
errors = []
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=chromium, args=flags)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 1800}, offline=True)
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        tab.goto(uri)
        tab.wait_for_load_state("load")
        if shot:
            tab.screenshot(path=shot, full_page=True)
        frames = [f.content() for f in tab.frames[1:]]
        heights = tab.eval_on_selector_all(
            "iframe", "els => els.map(e => e.getBoundingClientRect().height)")
        print(json.dumps({"dom": tab.content(), "errors": errors, "frames": frames,
                          "heights": heights}))
    finally:
        browser.close()
"""


def _open(page: Path, screenshot: Optional[Path] = None) -> Loaded:
    """Load the page in headless Chromium (driven by Playwright), network off."""
    assert CHROMIUM, "chromium is missing: `make test` installs it (apt-get install chromium)"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _BROWSER,
            CHROMIUM,
            json.dumps(_FLAGS),
            page.as_uri(),
            str(screenshot or ""),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    out = json.loads(done.stdout)
    return Loaded(out["dom"], out["errors"], out["frames"], out["heights"])


@pytest.fixture(scope="module")
def leak_report() -> Report:
    report = leaksleuth.check(_leak, max_iterations=300)
    assert report.verdict.status == "leak"
    assert (report.suspects[0].file, report.suspects[0].line) == (__file__, _LEAK_LINE)
    return report


def test_the_page_renders_its_charts_and_suspects_without_console_errors(
    tmp_path: Path, leak_report: Report
) -> None:
    page = tmp_path / "report.html"
    page.write_text(_html.render(leak_report), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "html-report.png"
    shot.unlink(missing_ok=True)
    loaded = _open(page, screenshot=shot)
    dom = loaded.dom
    assert 'data-rendered="yes"' in dom  # the script ran to its last line
    assert loaded.errors == []
    assert re.search(r'id="verdict-status"[^>]*>leak<', dom)
    charts = re.findall(r'<svg[^>]*data-signal="(\w+)"', dom)
    assert {"rss", "py_blocks", "malloc"} <= set(charts)
    assert dom.count('class="series"') == len(charts)
    assert 'class="trend"' in dom
    assert f"{__file__}:{_LEAK_LINE}" in dom  # the top suspect, with its line
    assert "_KEPT.append(bytes(4096))" in dom  # and its source
    assert shot.exists() and shot.stat().st_size > 20_000


def test_in_a_notebook_the_report_is_the_same_page_in_a_frame_sized_to_it(
    tmp_path: Path, leak_report: Report
) -> None:
    # Report._repr_html_ is what Jupyter puts in the cell's output: here inside a page
    # standing for the notebook, with the notebook's own style around it.
    page = tmp_path / "notebook.html"
    page.write_text(
        "<!DOCTYPE html><html><head><style>body { font-size: 40px; color: red; }</style>"
        f"</head><body><div class='output'>{leak_report._repr_html_()}</div></body></html>",
        encoding="utf-8",
    )
    loaded = _open(page)
    assert loaded.errors == []
    (frame,) = loaded.frames
    assert 'data-rendered="yes"' in frame
    assert re.search(r'id="verdict-status"[^>]*>leak<', frame)
    assert f"{__file__}:{_LEAK_LINE}" in frame
    # The page sized its frame to itself: taller than the frame's default of 640 px,
    # so the notebook shows the whole report without a scroll bar of its own.
    (height,) = loaded.heights
    assert height > 700


def test_the_console_check_does_see_an_error(tmp_path: Path) -> None:
    # The control for the test above: a page that logs an error must be caught.
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><body><script>console.error('deliberate'); nope();</script></body></html>"
    )
    errors = _open(page).errors
    assert errors[0] == "deliberate" and "nope is not defined" in errors[1]


def test_the_page_is_self_contained_and_small_for_a_very_long_series(leak_report: Report) -> None:
    n = 1_000_000
    long = dataclasses.replace(
        leak_report,
        iterations=tuple(range(1, n + 1)),
        series={name: tuple(float(i % 977) for i in range(n)) for name in ("rss", "malloc")},
        phase=(0,) * n,
    )
    text = _html.render(long)
    assert len(text.encode()) < 2_000_000
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing fetched
    # The embedded report never closes its script element early: the page has exactly
    # its two scripts, and the data between the first pair is the whole JSON document.
    assert text.count("</script>") == 2
    json.loads(text.split('id="report-data">', 1)[1].split("</script>", 1)[0])


def test_check_and_report_write_the_page_private_to_the_user(tmp_path: Path) -> None:
    import os
    import stat

    target = tmp_path / "leaky.py"
    target.write_text("KEPT = []\ndef work():\n    KEPT.append(bytes(2048))\n")
    page = tmp_path / "check.html"
    done = subprocess.run(
        [sys.executable, "-m", "leaksleuth", "check", f"{target}:work", "--html", str(page)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert stat.S_IMODE(os.stat(page).st_mode) == 0o600
    text = page.read_text(encoding="utf-8")
    data = json.loads(text.split('id="report-data">', 1)[1].split("</script>", 1)[0])
    assert data["verdict"]["status"] == "leak"
    assert (data["suspects"][0]["file"], data["suspects"][0]["line"]) == (str(target), 3)
    assert set(data["charts"]) >= {"rss", "py_blocks", "malloc"}


def test_the_page_tells_the_diagnosis_and_the_cuda_lines(
    tmp_path: Path, leak_report: Report
) -> None:
    from leaksleuth.report import Diagnosis, GpuSite

    story = Diagnosis(
        pattern="autograd_history",
        summary="autograd history kept: a tensor in module __main__ global total",
        evidence="the largest autograd graph grew from 10 to 50 nodes over 40 iterations",
        fix="keep a number, not the graph: accumulate loss.item()",
        where="train.py:14",
    )
    site = GpuSite(
        file="/srv/train.py",
        line=11,
        source="out = model(X)",
        function="step",
        bytes_per_iteration=2.0 * 2**20,
        blocks_per_iteration=3.0,
        python=("/srv/train.py:11",),
    )
    told = dataclasses.replace(leak_report, diagnoses=(story,), gpu=(site,))
    page = tmp_path / "story.html"
    page.write_text(_html.render(told), encoding="utf-8")
    loaded = _open(page)
    assert loaded.errors == []
    assert 'data-pattern="autograd_history"' in loaded.dom
    assert "at train.py:14" in loaded.dom
    assert "fix: keep a number, not the graph: accumulate loss.item()" in loaded.dom
    assert "/srv/train.py:11" in loaded.dom and "out = model(X)" in loaded.dom


def test_the_page_tells_each_route_of_a_service(tmp_path: Path, leak_report: Report) -> None:
    from leaksleuth.analysis._routes import route_reports

    top = leak_report.suspects[0]
    handler = [top.file, top.line - 1, top.line + 1]  # the leaking line is in /orders' handler
    book = [
        {"route": "/orders/<id>", "requests": 50, "errors": 1, "traced": 5, "handler": handler},
        {"route": "/health", "requests": 150, "errors": 0, "traced": 5, "handler": None},
    ]
    served = dataclasses.replace(
        leak_report, routes=route_reports(leak_report.verdict, leak_report.suspects, book)
    )
    page = tmp_path / "routes.html"
    page.write_text(_html.render(served), encoding="utf-8")
    loaded = _open(page)
    assert loaded.errors == []
    assert 'data-route="/orders/&lt;id&gt;" data-status="leak"' in loaded.dom
    assert 'data-route="/health" data-status="inconclusive"' in loaded.dom
    assert f"{top.file}:{top.line}" in loaded.dom


def test_the_page_tells_each_leak_once_with_its_sites_folded(
    tmp_path: Path, leak_report: Report
) -> None:
    from leaksleuth.report import Holder, LeakGroup

    figure, plot = (
        dataclasses.replace(
            leak_report.suspects[0], file="/srv/app.py", line=line, source=text, share=share
        )
        for line, text, share in ((11, "fig = plt.figure()", 0.1), (12, "plt.plot(xs)", 0.8))
    )
    holder = Holder(
        root="class matplotlib._pylab_helpers.Gcf", root_kind="class",
        path=("class matplotlib._pylab_helpers.Gcf attribute figs (dict)", "[3] Manager"),
        container="class matplotlib._pylab_helpers.Gcf attribute figs (dict)",
        object_type="Manager", objects_sampled=3, example="<Manager>", object_bytes=48,
    )  # fmt: skip
    group = LeakGroup(
        headline="Manager made at app.py:11 with 1 more sites: 922 KiB per iteration <b>x</b>",
        site="/srv/app.py:11", root_type="Manager", bytes_per_iteration=922 * 1024.0,
        share=0.9, holder=holder, suspects=(figure, plot),
    )  # fmt: skip
    page = tmp_path / "leaks.html"
    page.write_text(_html.render(dataclasses.replace(leak_report, leaks=(group,))), "utf-8")
    loaded = _open(page)
    assert loaded.errors == []
    card = loaded.dom.split('data-site="/srv/app.py:11"', 1)[1].split("</details>", 1)[0]
    # The headline is text, never markup; the sites sit folded inside the one card.
    assert "922 KiB per iteration &lt;b&gt;x&lt;/b&gt;" in card
    assert "/srv/app.py:11" in card and "/srv/app.py:12" in card and "plt.plot(xs)" in card
    assert "held by class matplotlib._pylab_helpers.Gcf attribute figs" in card
    assert "<details" in loaded.dom.split('data-site="/srv/app.py:11"', 1)[0][-200:]
