"""Renderers turn a finished ``Report`` into text; they compute nothing themselves.

Each renderer is a module with ``EXTENSION`` and ``render(report) -> str``::

    from leaksleuth.render import RENDERERS
    text = RENDERERS["json"].render(report)
"""

from __future__ import annotations

from typing import Protocol

from leaksleuth.render import _html, _json, _terminal
from leaksleuth.render._html import render as render_html
from leaksleuth.render._json import render as render_json
from leaksleuth.render._terminal import render as render_terminal
from leaksleuth.render._terminal import render_brief, render_verdict
from leaksleuth.report import Report


class Renderer(Protocol):
    """What every renderer module provides."""

    EXTENSION: str

    def render(self, report: Report, /) -> str:
        """The report as text in this renderer's format."""


RENDERERS: dict[str, Renderer] = {"terminal": _terminal, "json": _json, "html": _html}

__all__ = [
    "RENDERERS",
    "Renderer",
    "render_brief",
    "render_html",
    "render_json",
    "render_terminal",
    "render_verdict",
]
