"""The follow-up modules import one another one way only: no cycle, not even a deferred one."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import api.followup

PACKAGE = "api.followup"
FOLDER = Path(api.followup.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every api.followup module this file imports, at the top, in a function or for typing."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(name for name in names if _is_module(name))
    return found


def _is_module(name: str) -> bool:
    if not name.startswith(PACKAGE + "."):
        return False
    rest = name.removeprefix(PACKAGE + ".")
    return "." not in rest and (FOLDER / f"{rest}.py").exists()


def _graph() -> dict[str, set[str]]:
    return {
        f"{PACKAGE}.{path.stem}": _imports(path) - {f"{PACKAGE}.{path.stem}"}
        for path in FOLDER.glob("*.py")
        if path.stem != "__init__"
    }


def test_the_follow_up_modules_have_no_import_cycle() -> None:
    try:
        order = list(TopologicalSorter(_graph()).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle among the follow-up modules: {exc.args[1]}")
    assert f"{PACKAGE}.runner" in order


@pytest.mark.parametrize(
    "module", ["reminders", "digest", "jobs", "overdue", "settings", "calendar"]
)
def test_what_the_runner_uses_never_imports_the_runner(module: str) -> None:
    assert f"{PACKAGE}.runner" not in _graph()[f"{PACKAGE}.{module}"]
