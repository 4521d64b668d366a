"""The two commands a newcomer runs: ``make demo`` installs the package alone (it must
show something fast on a fresh machine), ``make test`` the test and corpus extras."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _installs(goal: str, tmp_path: Path) -> List[str]:
    """The pip install lines ``make -n GOAL`` would run for a venv that does not exist."""
    make = shutil.which("make")
    assert make, "make is part of the project's requirements (README)"
    done = subprocess.run([make, "-n", goal, f"VENV={tmp_path / 'fresh'}"], cwd=ROOT,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return [line for line in done.stdout.splitlines() if "pip install" in line]


def test_make_demo_installs_the_package_alone(tmp_path: Path) -> None:
    installs = [line for line in _installs("demo", tmp_path) if "--upgrade pip" not in line]
    assert installs and all(line.rstrip().endswith("install -q -e .") for line in installs)


@pytest.mark.parametrize("extra", ["test", "corpus"])
def test_make_test_installs_the_test_extras(tmp_path: Path, extra: str) -> None:
    assert any(extra in line for line in _installs("test", tmp_path))
