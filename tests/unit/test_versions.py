"""The imported packages' versions, read without disturbing the program."""

from __future__ import annotations

import sys
import types
import warnings

import pytest

from leaksleuth.probe._versions import imported_versions


def test_versions_come_from_module_namespaces_never_through_a_modules_getattr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = types.ModuleType("plainpkg")
    plain.__version__ = "1.2"  # type: ignore[attr-defined]
    lazy = types.ModuleType("lazypkg")
    calls = []

    def module_getattr(name: str) -> str:  # click and jsonschema warn here; others import
        calls.append(name)
        warnings.warn("reading __version__ is deprecated", DeprecationWarning, stacklevel=2)
        return "9.1"

    lazy.__getattr__ = module_getattr  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "plainpkg", plain)
    monkeypatch.setitem(sys.modules, "lazypkg", lazy)
    monkeypatch.setitem(sys.modules, "plainpkg.sub", types.ModuleType("plainpkg.sub"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would raise here
        found = imported_versions()
    assert found["plainpkg"] == "1.2" and found["pytest"] == pytest.__version__
    assert "lazypkg" not in found and calls == []
    assert "plainpkg.sub" not in found
