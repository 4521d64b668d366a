"""Loading TARGET and --setup: files, modules, attribute paths, and one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaksleuth._errors import TargetError, TargetNotCallable, TargetNotFound, UsageError
from leaksleuth.cli._target import TargetSpec, load_target, parse_target, run_setup


@pytest.fixture(autouse=True)
def isolated_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Undo what loading targets does to sys.path and sys.modules."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]


def write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.write_text(source, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app.py:work", TargetSpec("app.py", "work", is_file=True)),
        ("src/app:work", TargetSpec("src/app", "work", is_file=True)),
        ("pkg.mod:work", TargetSpec("pkg.mod", "work", is_file=False)),
        ("pkg.mod:Cache.put", TargetSpec("pkg.mod", "Cache.put", is_file=False)),
    ],
)
def test_targets_name_a_file_or_a_module_and_an_attribute_path(
    text: str, expected: TargetSpec
) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["app.py", "app.py:", ":work", "app.py:not-a-name", "a b:c"])
def test_malformed_targets_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="should look like"):
        parse_target(text)


def test_a_function_in_a_file_is_loaded(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", "def work():\n    return 42\n")
    assert load_target(f"{path}:work").function() == 42


def test_a_file_can_import_its_siblings(tmp_path: Path) -> None:
    write(tmp_path, "helper_for_sibling_test.py", "VALUE = 7\n")
    path = write(tmp_path, "app.py", "import helper_for_sibling_test\n"
                 "def work():\n    return helper_for_sibling_test.VALUE\n")  # fmt: skip
    assert load_target(f"{path}:work").function() == 7


def test_files_with_the_same_name_are_separate_modules(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a", "app.py", "def work():\n    return 'a'\n")
    second = write(tmp_path / "b", "app.py", "def work():\n    return 'b'\n")
    assert load_target(f"{first}:work").function() == "a"
    assert load_target(f"{second}:work").function() == "b"


def test_a_missing_file_is_reported_by_name(tmp_path: Path) -> None:
    with pytest.raises(TargetNotFound, match=r"no such file: .*nope\.py"):
        load_target(f"{tmp_path / 'nope.py'}:work")


def test_a_missing_function_is_reported_with_its_file(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", "def work():\n    pass\n")
    with pytest.raises(TargetNotFound, match=r"no 'wrok' in .*app\.py"):
        load_target(f"{path}:wrok")


def test_something_that_is_not_callable_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", "work = [1, 2]\n")
    with pytest.raises(TargetNotCallable, match="is a list, not a function"):
        load_target(f"{path}:work")


def test_a_syntax_error_in_the_file_is_a_target_error(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", "def work(:\n    pass\n")
    with pytest.raises(TargetError, match=r"importing .*app\.py raised SyntaxError"):
        load_target(f"{path}:work")


def test_an_exception_while_importing_the_file_is_a_target_error(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", "raise RuntimeError('no config')\n")
    with pytest.raises(TargetError, match="raised RuntimeError: no config"):
        load_target(f"{path}:work")


def test_sys_exit_while_importing_the_file_is_a_target_error(tmp_path: Path) -> None:
    path = write(tmp_path, "script.py", "import sys\nsys.exit(3)\n")
    with pytest.raises(TargetError, match="raised SystemExit"):
        load_target(f"{path}:work")


def test_a_stdlib_function_can_be_named_by_module() -> None:
    assert load_target("json:dumps").function is json.dumps


def test_a_method_can_be_named_by_a_dotted_attribute_path() -> None:
    function = load_target("json:JSONEncoder.encode").function
    assert function is json.JSONEncoder.encode


def test_a_missing_module_is_reported_by_name() -> None:
    with pytest.raises(TargetNotFound, match="no module named 'no_such_module_xyz'"):
        load_target("no_such_module_xyz:work")


def test_a_module_whose_dependency_is_missing_says_what_is_missing(tmp_path: Path) -> None:
    write(tmp_path, "needs_missing_dep.py", "import no_such_dependency_xyz\n")
    sys.path.insert(0, str(tmp_path))
    with pytest.raises(TargetError, match="No module named 'no_such_dependency_xyz'") as info:
        load_target("needs_missing_dep:work")
    assert not isinstance(info.value, TargetNotFound)


def test_a_missing_attribute_of_a_module_is_reported_where_the_path_breaks() -> None:
    with pytest.raises(TargetNotFound, match=r"^no 'nope' in json$"):
        load_target("json:nope")
    with pytest.raises(TargetNotFound, match=r"^no 'nope' in json:JSONEncoder$"):
        load_target("json:JSONEncoder.nope")


SETUP_SOURCE = """\
IMPORTS = []
IMPORTS.append(1)

def make():
    return {"calls": 0}

def work(state):
    state["calls"] += 1
    return state["calls"]

def nothing():
    return None
"""


def test_setup_by_name_comes_from_the_same_file_imported_once(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", SETUP_SOURCE)
    target = load_target(f"{path}:work", setup="make")
    (state,) = run_setup(target)
    assert target.function(state) == 1
    assert target.function.__globals__["IMPORTS"] == [1]


def test_setup_as_a_full_target_of_the_same_file_reuses_the_module(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", SETUP_SOURCE)
    target = load_target(f"{path}:work", setup=f"{path}:make")
    assert target.setup is not None
    assert target.setup.__globals__ is target.function.__globals__


def test_setup_returning_none_passes_no_argument(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", SETUP_SOURCE)
    assert run_setup(load_target(f"{path}:work", setup="nothing")) == ()
    assert run_setup(load_target(f"{path}:work")) == ()


def test_setup_that_raises_is_a_target_error(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", "def work():\n    pass\ndef bad():\n    raise OSError('x')\n")
    with pytest.raises(TargetError, match="setup function raised OSError: x"):
        run_setup(load_target(f"{path}:work", setup="bad"))


def test_a_missing_setup_function_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "app.py", "def work():\n    pass\n")
    with pytest.raises(TargetNotFound, match="no 'prepare' in"):
        load_target(f"{path}:work", setup="prepare")
