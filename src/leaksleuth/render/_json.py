"""The JSON report: ``Report.to_dict()`` as indented, strict JSON (schema: docs/json-schema.md).

>>> data = json.loads(render(report))  # doctest: +SKIP
>>> data["verdict"]["status"], data["schema_version"]  # doctest: +SKIP
('leak', 1)
"""

from __future__ import annotations

import json

from leaksleuth.report import Report

EXTENSION = ".json"


def render(report: Report) -> str:
    """The report as JSON text; NaN and infinity are ``null``, never invalid JSON."""
    # allow_nan=False: to_dict() already turned NaN into None, so a NaN here is a bug
    # that should fail loudly rather than emit JSON that strict parsers reject.
    return json.dumps(report.to_dict(), indent=2, allow_nan=False)
