"""The core stays pure: standard library only, no file I/O, no reading of the clock."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).parents[2] / "kubectl_rollback" / "core"
SOURCES = sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(CORE)))
def test_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text())
    assert ast.get_docstring(tree), f"{path.name} has no module docstring"
    assert len(ast.get_docstring(tree).splitlines()[0]) > 10  # type: ignore[union-attr]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] in sys.stdlib_module_names, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            assert (node.module or "").split(".")[0] in sys.stdlib_module_names, node.module
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            assert name not in {"open", "now", "utcnow", "time", "today", "sleep", "urlopen"}, (
                f"{path.name}:{node.lineno} calls {name}()"
            )


def test_every_module_checked() -> None:
    names = {p.name for p in SOURCES}
    assert {
        "model.py",
        "history.py",
        "evidence.py",
        "target.py",
        "plan.py",
        "status.py",
        "ports.py",
        "rollback.py",
        "errors.py",
        "deployment.py",
        "controllerrevision.py",
    } <= names
