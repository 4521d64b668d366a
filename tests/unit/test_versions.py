"""The imported packages' versions, read without disturbing the program."""

from __future__ import annotations

import sys
import types
import warnings

import pytest

from leaksleuth.probe._versions import imported_versions


class _Warns(types.ModuleType):
    @property
    def __version__(self) -> str:  # type: ignore[override]
        warnings.warn("reading __version__ is deprecated", DeprecationWarning, stacklevel=2)
        return "9.1"


def test_versions_are_read_from_top_level_modules_without_their_warnings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "warnsonread", _Warns("warnsonread"))
    monkeypatch.setitem(sys.modules, "warnsonread.sub", types.ModuleType("warnsonread.sub"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would raise here
        found = imported_versions()
    assert found["warnsonread"] == "9.1"
    assert "warnsonread.sub" not in found
    assert found["pytest"] == pytest.__version__
